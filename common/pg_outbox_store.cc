#include "common/pg_outbox_store.h"

#include <algorithm>
#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "common/pg_transaction.h"

namespace lagom {

absl::StatusOr<std::vector<OutboxDelivery>> PgOutboxStore::Claim(int limit, absl::Duration lease) {
  std::vector<OutboxDelivery> out;
  absl::Status s = pool_.WithOperator([&](PgTransaction& tx) {
    pqxx::result rows = tx.exec_params(
        absl::StrCat(
            "UPDATE ", table_.table,
            " SET attempts = attempts + 1,"
            "   next_attempt_time = now() + $2::bigint * interval '1 millisecond'"
            " WHERE event_id IN (SELECT event_id FROM ",
            table_.table,
            "   WHERE consumer = $3 AND deliver_time IS NULL AND next_attempt_time <= now()"
            "   ORDER BY next_attempt_time, event_id LIMIT $1 FOR UPDATE SKIP LOCKED)"
            " RETURNING event_id, tenant_id, topic, ",
            table_.subject_column, ", payload, attempts"),
        limit, absl::ToInt64Milliseconds(lease), table_.consumer);
    out.clear();
    for (const pqxx::row& row : rows) {
      out.push_back(OutboxDelivery{row[0].as<int64_t>(), row[1].as<std::string>(),
                                   row[2].as<std::string>(), row[3].as<std::string>(),
                                   pqxx::binarystring(row[4]).str(), row[5].as<int>()});
    }
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  std::sort(out.begin(), out.end(), [](const OutboxDelivery& a, const OutboxDelivery& b) {
    return a.event_id < b.event_id;
  });
  return out;
}

absl::Status PgOutboxStore::MarkDelivered(int64_t event_id, const std::string& note) {
  return pool_.WithOperator([&](PgTransaction& tx) {
    tx.exec_params(absl::StrCat("UPDATE ", table_.table,
                                " SET deliver_time = now(), last_error = $2 WHERE event_id = $1"),
                   event_id, note);
    return absl::OkStatus();
  });
}

absl::Status PgOutboxStore::Retry(int64_t event_id, absl::Duration delay,
                                  const std::string& error) {
  return pool_.WithOperator([&](PgTransaction& tx) {
    tx.exec_params(
        absl::StrCat("UPDATE ", table_.table,
                     " SET last_error = $3,"
                     "   next_attempt_time = now() + $2::bigint * interval '1 millisecond'"
                     " WHERE event_id = $1 AND deliver_time IS NULL"),
        event_id, absl::ToInt64Milliseconds(delay), error);
    return absl::OkStatus();
  });
}

}  // namespace lagom
