// The outbox in PostgreSQL, as the relay sees it: every tenant's rows, read and stamped as the
// operator (the operator_relay policy admits the operator to session.outbox and nothing else).
#ifndef LAGOM_SERVICES_SESSION_STORE_PG_OUTBOX_STORE_H_
#define LAGOM_SERVICES_SESSION_STORE_PG_OUTBOX_STORE_H_

#include "common/postgres.h"
#include "services/session/core/outbox_relay.h"

namespace lagom::session {

class PgOutboxStore final : public OutboxStore {
 public:
  explicit PgOutboxStore(PgPool& pool) : pool_(pool) {}

  // FOR UPDATE SKIP LOCKED: replicas claiming at once take different rows.
  absl::StatusOr<std::vector<OutboxDelivery>> Claim(int limit, absl::Duration lease) override;
  absl::Status MarkDelivered(int64_t event_id, const std::string& note) override;
  absl::Status Retry(int64_t event_id, absl::Duration delay, const std::string& error) override;

 private:
  PgPool& pool_;
};

}  // namespace lagom::session

#endif  // LAGOM_SERVICES_SESSION_STORE_PG_OUTBOX_STORE_H_
