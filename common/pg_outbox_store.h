// An outbox in PostgreSQL, as one consumer's relay sees it: every tenant's rows for that
// consumer, read and stamped as the operator (each outbox table has an operator_relay policy
// that admits the operator to it and nothing else). The session and reporting services each
// own such a table in their schema: event_id, tenant_id, topic, consumer, a subject column,
// payload, attempts, next_attempt_time, last_error, deliver_time.
#ifndef LAGOM_COMMON_PG_OUTBOX_STORE_H_
#define LAGOM_COMMON_PG_OUTBOX_STORE_H_

#include <string>

#include "common/outbox_relay.h"
#include "common/postgres.h"

namespace lagom {

// Names from the service's own code, never from input: they are spliced into SQL.
struct PgOutboxTable {
  std::string table;           // "session.outbox"
  std::string subject_column;  // "session_id"
  std::string consumer;        // "scoring", "webhooks"
};

class PgOutboxStore final : public OutboxStore {
 public:
  PgOutboxStore(PgPool& pool, PgOutboxTable table) : pool_(pool), table_(std::move(table)) {}

  // FOR UPDATE SKIP LOCKED: replicas claiming at once take different rows.
  absl::StatusOr<std::vector<OutboxDelivery>> Claim(int limit, absl::Duration lease) override;
  absl::Status MarkDelivered(const OutboxDelivery& claimed, const std::string& note) override;
  absl::Status Retry(const OutboxDelivery& claimed, absl::Duration delay,
                     const std::string& error) override;
  absl::Status Release(const OutboxDelivery& claimed) override;

 private:
  PgPool& pool_;
  const PgOutboxTable table_;
};

}  // namespace lagom

#endif  // LAGOM_COMMON_PG_OUTBOX_STORE_H_
