// The webhook stores on PostgreSQL: questionnaire.webhooks and webhook_deliveries (migration
// 0004). Tenant transactions run under PgPool::WithTenant and name the tenant in SQL as well as
// through row-level security; the delivery queue claims under PgPool::WithOperator, which sees
// the deliveries table only, and reads each endpoint inside its own tenant.
#ifndef LAGOM_SERVICES_QUESTIONNAIRE_STORE_PG_WEBHOOK_STORE_H_
#define LAGOM_SERVICES_QUESTIONNAIRE_STORE_PG_WEBHOOK_STORE_H_

#include "common/postgres.h"
#include "services/questionnaire/webhooks/webhook_store.h"

namespace lagom::questionnaire::webhooks {

class PgWebhookStore final : public WebhookStore {
 public:
  explicit PgWebhookStore(PgPool& pool) : pool_(pool) {}
  absl::Status InTenant(const RequestContext& rc,
                        const std::function<absl::Status(WebhookTransaction&)>& fn) override;

 private:
  PgPool& pool_;
};

class PgDeliveryQueue final : public DeliveryQueue {
 public:
  explicit PgDeliveryQueue(PgPool& pool) : pool_(pool) {}
  absl::StatusOr<std::vector<DueDelivery>> Claim(int limit, int per_tenant,
                                                 absl::Duration lease) override;
  absl::Status Record(const DueDelivery& delivery, int status_code, const std::string& error,
                      const std::string& state,
                      std::optional<absl::Time> next_attempt_time) override;

 private:
  PgPool& pool_;
};

}  // namespace lagom::questionnaire::webhooks

#endif  // LAGOM_SERVICES_QUESTIONNAIRE_STORE_PG_WEBHOOK_STORE_H_
