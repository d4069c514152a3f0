// The transaction PgPool hands to every store. It saves round trips to PostgreSQL:
//
// - It begins lazily: BEGIN and the transaction's settings (the tenant, the statement timeout)
//   travel with its first statement, in the same round trip when that statement goes through
//   PgPipeline or ExecBinary. A transaction that runs nothing sends nothing.
// - Statements given to Defer travel with COMMIT, in one round trip, for writes whose results
//   nobody reads. A deferred statement that fails makes the commit fail (and roll back).
//
// libpqxx's own statement functions (exec, exec1, exec_params, exec_params1, exec_prepared)
// are available as usual and begin the transaction first when they are the first statement.
#ifndef LAGOM_COMMON_PG_TRANSACTION_H_
#define LAGOM_COMMON_PG_TRANSACTION_H_

#include <optional>
#include <pqxx/dbtransaction>
#include <string>
#include <utility>
#include <vector>

namespace lagom {

// One statement of a pipeline: prepared on the connection under `name` unless that is empty.
struct PgStatement {
  std::string name;
  std::string sql;
  std::vector<std::optional<std::string>> params;
};

class PgTransaction final : public pqxx::dbtransaction {
 public:
  // `settings`: (name, value) pairs set for the transaction only (set_config(name, value, true)).
  PgTransaction(pqxx::connection_base& conn,
                std::vector<std::pair<std::string, std::string>> settings);
  ~PgTransaction() override;

  // Sets `name` to `value` for the rest of the transaction: with BEGIN when it has not begun
  // yet (no round trip of its own), else at once; nothing when this transaction has set it so
  // already.
  void AddSetting(std::string name, std::string value);

  // Runs `statement` with COMMIT (results unread). Prepared statements are prepared then.
  void Defer(PgStatement statement);

  // The statements that begin this transaction, which the caller sends ahead of its own; empty
  // once begun. After this call the transaction counts as begun.
  std::vector<PgStatement> TakeBegin();
  bool begun() const { return begun_; }

  pqxx::result exec(const std::string& query, const std::string& desc = std::string{}) {
    EnsureBegun();
    return dbtransaction::exec(query, desc);
  }
  pqxx::row exec1(const std::string& query, const std::string& desc = std::string{}) {
    EnsureBegun();
    return dbtransaction::exec1(query, desc);
  }
  template <typename... Args>
  pqxx::result exec_params(const std::string& query, Args&&... args) {
    EnsureBegun();
    return dbtransaction::exec_params(query, std::forward<Args>(args)...);
  }
  template <typename... Args>
  pqxx::row exec_params1(const std::string& query, Args&&... args) {
    EnsureBegun();
    return dbtransaction::exec_params1(query, std::forward<Args>(args)...);
  }
  template <typename... Args>
  pqxx::result exec_prepared(const std::string& statement, Args&&... args) {
    EnsureBegun();
    return dbtransaction::exec_prepared(statement, std::forward<Args>(args)...);
  }

 private:
  // Sends BEGIN and the settings now (one round trip), unless begun.
  void EnsureBegun();
  void do_begin() override {}  // lazily: see EnsureBegun()
  void do_commit() override;
  void do_abort() override;

  std::vector<std::pair<std::string, std::string>> settings_;
  bool begun_ = false;
  std::vector<PgStatement> deferred_;
};

}  // namespace lagom

#endif  // LAGOM_COMMON_PG_TRANSACTION_H_
