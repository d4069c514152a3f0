// Queries with many rows (a page of 5 000 answers), their results read in PostgreSQL's binary
// format straight from libpq's buffer. libpqxx 6 asks for text results only: every field read
// then costs a copy of the result handle, a parse from text and, for bytea, a hex decode, on
// top of PostgreSQL's own hex encoding; together the larger part of serving such a page.
//
//   PgBinaryResult rows = ExecBinary(tx, "SELECT id, n, body FROM t WHERE k = $1",
//                                    {PgText(key)});
//   for (int i = 0; i < rows.size(); ++i) use(rows.Text(i, 0), rows.Int4(i, 1), rows.Text(i, 2));
//
// Errors are thrown as libpqxx throws them (pqxx::sql_error with the SQLSTATE,
// pqxx::broken_connection), so PgPool maps them to a status as for any other statement.
#ifndef LAGOM_COMMON_PG_BINARY_H_
#define LAGOM_COMMON_PG_BINARY_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <pqxx/dbtransaction>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/pg_transaction.h"

struct pg_result;

namespace lagom {

class PgBinaryResult final {
 public:
  // Frees a libpq result.
  struct Clear {
    void operator()(pg_result* r) const;
  };

  int size() const { return rows_; }
  bool IsNull(int row, int col) const;
  // text, varchar and bytea columns: the bytes, valid while this result lives.
  std::string_view Text(int row, int col) const;
  // integer (int4), bigint (int8) and boolean columns. The column's type must match.
  int32_t Int4(int row, int col) const;
  int64_t Int8(int row, int col) const;
  bool Bool(int row, int col) const;

 private:
  friend PgBinaryResult ExecBinary(pqxx::dbtransaction&, const std::string&,
                                   const std::vector<std::optional<std::string>>&);
  friend class PgPipeline;
  explicit PgBinaryResult(std::unique_ptr<pg_result, Clear> result);

  std::unique_ptr<pg_result, Clear> result_;
  int rows_ = 0;
};

// Several statements sent together and answered together (libpq's pipeline mode): one round
// trip to PostgreSQL instead of one per statement, for statements that do not need each
// other's results. They run in order, in `tx`'s transaction; a failing one throws as ExecBinary
// does and PostgreSQL skips the rest, leaving the transaction failed (PgPool rolls it back).
//
//   PgPipeline p(tx);
//   const int session = p.Add("SELECT body FROM s WHERE id = $1", {PgText(id)});
//   const int rounds = p.Add("SELECT body FROM r WHERE id = $1", {PgText(id)});
//   std::vector<PgBinaryResult> results = p.Run();  // results[session], results[rounds]
//
// Meant for small results (every statement's answer is read only once all are sent). In a
// PgTransaction that has not begun yet, BEGIN and its settings go first, in the same round trip.
class PgPipeline final {
 public:
  explicit PgPipeline(pqxx::dbtransaction& tx) : tx_(tx) {}
  // The index of the statement's result in what Run returns.
  int Add(std::string sql, std::vector<std::optional<std::string>> params);
  // The same as a prepared statement of the connection named `name` (parsed and planned once
  // per connection, through libpqxx's registry of prepared statements, so a reconnected
  // connection prepares it again). A name stands for one statement everywhere.
  int AddPrepared(std::string name, std::string sql,
                  std::vector<std::optional<std::string>> params);
  int Add(PgStatement statement);
  std::vector<PgBinaryResult> Run();

 private:
  pqxx::dbtransaction& tx_;
  std::vector<PgStatement> statements_;
};

// Runs `sql` in `tx`'s transaction. Parameters travel as text, as with exec_params; nullopt is
// NULL. A PgTransaction not yet begun begins in the same round trip.
PgBinaryResult ExecBinary(pqxx::dbtransaction& tx, const std::string& sql,
                          const std::vector<std::optional<std::string>>& params);

// A parameter as text: strings as they are, numbers in decimal, nullopt as NULL.
inline std::optional<std::string> PgText(std::string s) { return s; }
template <typename T, typename = std::enable_if_t<std::is_arithmetic_v<T>>>
std::optional<std::string> PgText(T n) {
  return absl::StrCat(n);
}
template <typename T>
std::optional<std::string> PgText(const std::optional<T>& v) {
  if (!v) return std::nullopt;
  return PgText(*v);
}

}  // namespace lagom

#endif  // LAGOM_COMMON_PG_BINARY_H_
