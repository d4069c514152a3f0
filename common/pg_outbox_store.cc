#include "common/pg_outbox_store.h"

#include <algorithm>
#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "common/pg_transaction.h"

namespace lagom {
namespace {

// The row as claimed, not delivered since.
constexpr char kWhileClaimed[] = " WHERE event_id = $1 AND attempts = $2 AND deliver_time IS NULL";

// A claimed row's outcome changed nothing: someone claimed it again after its lease ran out.
absl::Status ClaimHeld(const pqxx::result& changed, const OutboxDelivery& claimed) {
  if (changed.affected_rows() > 0) return absl::OkStatus();
  return absl::AbortedError(absl::StrCat("outbox event ", claimed.event_id,
                                         " was claimed again after its lease ran out"));
}

}  // namespace

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

absl::Status PgOutboxStore::MarkDelivered(const OutboxDelivery& claimed, const std::string& note) {
  return pool_.WithOperator([&](PgTransaction& tx) {
    return ClaimHeld(
        tx.exec_params(absl::StrCat("UPDATE ", table_.table,
                                    " SET deliver_time = now(), last_error = $3", kWhileClaimed),
                       claimed.event_id, claimed.attempts, note),
        claimed);
  });
}

absl::Status PgOutboxStore::Retry(const OutboxDelivery& claimed, absl::Duration delay,
                                  const std::string& error) {
  return pool_.WithOperator([&](PgTransaction& tx) {
    return ClaimHeld(
        tx.exec_params(absl::StrCat("UPDATE ", table_.table,
                                    " SET last_error = $3, next_attempt_time = now() + "
                                    "$4::bigint * interval '1 millisecond'",
                                    kWhileClaimed),
                       claimed.event_id, claimed.attempts, error, absl::ToInt64Milliseconds(delay)),
        claimed);
  });
}

absl::Status PgOutboxStore::Release(const OutboxDelivery& claimed) {
  return pool_.WithOperator([&](PgTransaction& tx) {
    return ClaimHeld(tx.exec_params(absl::StrCat("UPDATE ", table_.table,
                                                 " SET next_attempt_time = now()", kWhileClaimed),
                                    claimed.event_id, claimed.attempts),
                     claimed);
  });
}

}  // namespace lagom
