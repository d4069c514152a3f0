#include "common/pg_transaction.h"

#include <algorithm>
#include <pqxx/except>

#include "absl/strings/str_cat.h"
#include "common/pg_binary.h"

namespace lagom {

PgTransaction::PgTransaction(pqxx::connection_base& conn,
                             std::vector<std::pair<std::string, std::string>> settings)
    : namedclass{"PgTransaction"},
      dbtransaction(conn, "READ COMMITTED"),
      settings_(std::move(settings)) {
  Begin();  // libpqxx's bookkeeping: do_begin sends nothing
}

PgTransaction::~PgTransaction() { End(); }

void PgTransaction::AddSetting(std::string name, std::string value) {
  std::pair<std::string, std::string> setting(std::move(name), std::move(value));
  if (std::find(settings_.begin(), settings_.end(), setting) != settings_.end()) return;
  if (begun_) {
    dbtransaction::exec_params("SELECT set_config($1, $2, true)", setting.first, setting.second);
  }
  settings_.push_back(std::move(setting));
}

void PgTransaction::Defer(PgStatement statement) { deferred_.push_back(std::move(statement)); }

std::vector<PgStatement> PgTransaction::TakeBegin() {
  if (begun_) return {};
  begun_ = true;
  std::vector<PgStatement> begin = {{"", "BEGIN", {}}};
  if (settings_.empty()) return begin;
  PgStatement set{absl::StrCat("lagom_settings_", settings_.size()), "SELECT ", {}};
  for (const auto& [name, value] : settings_) {
    if (!set.params.empty()) set.sql += ", ";
    absl::StrAppend(&set.sql, "set_config($", set.params.size() + 1, ", $", set.params.size() + 2,
                    ", true)");
    set.params.push_back(name);
    set.params.push_back(value);
  }
  begin.push_back(std::move(set));
  return begin;
}

void PgTransaction::EnsureBegun() {
  if (begun_) return;
  // One simple query: BEGIN and the settings in one round trip.
  std::string sql = "BEGIN";
  for (size_t i = 0; i < settings_.size(); ++i) {
    absl::StrAppend(&sql, i == 0 ? "; SELECT " : ", ", "set_config(",
                    conn().quote(settings_[i].first), ", ", conn().quote(settings_[i].second),
                    ", true)");
  }
  begun_ = true;  // from here on a failure leaves something to roll back
  direct_exec(sql.c_str());
}

void PgTransaction::do_commit() {
  if (!begun_ && deferred_.empty()) return;  // nothing ran, nothing to commit
  PgPipeline pipeline(*this);
  for (PgStatement& statement : deferred_) pipeline.Add(std::move(statement));
  deferred_.clear();
  pipeline.Add({"", "COMMIT", {}});
  try {
    pipeline.Run();
  } catch (const pqxx::broken_connection& e) {
    // COMMIT may or may not have been applied: libpqxx's in-doubt case.
    throw pqxx::in_doubt_error(
        absl::StrCat("connection lost while committing; the outcome is unknown: ", e.what()));
  } catch (const pqxx::sql_error&) {
    // A deferred statement failed (PostgreSQL skipped the rest): the transaction is still
    // open, failed. libpqxx will not roll back a transaction whose commit threw.
    try {
      direct_exec("ROLLBACK");
    } catch (const std::exception&) {
      // The connection is unusable; PgPool drops it.
    }
    throw;
  }
}

void PgTransaction::do_abort() {
  if (!begun_) return;  // nothing was sent
  dbtransaction::do_abort();
}

}  // namespace lagom
