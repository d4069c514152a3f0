// The webhook RPCs of lagom.tenancy.v1.TenantService (Create/Get/List/DeleteWebhook,
// ListWebhookDeliveries) and the fan-out producers use. No gRPC or storage types. Roles are
// enforced by the CallAdmitter (TENANT_ADMIN only); this validates input and scopes everything
// to rc.tenant_id.
#ifndef LAGOM_SERVICES_QUESTIONNAIRE_WEBHOOKS_WEBHOOK_RPC_CORE_H_
#define LAGOM_SERVICES_QUESTIONNAIRE_WEBHOOKS_WEBHOOK_RPC_CORE_H_

#include <functional>
#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "common/request_context.h"
#include "lagom/tenancy/v1/tenancy.pb.h"
#include "services/questionnaire/webhooks/webhook_store.h"

namespace lagom::questionnaire::webhooks {

namespace tenancy = ::lagom::tenancy::v1;

// A tenant holds at most this many webhooks.
inline constexpr int kMaxWebhooksPerTenant = 50;

// The JSON body of an event (protobuf JSON of tenancy.WebhookEvent), exactly as it is signed.
std::string EventPayload(const std::string& tenant_id, const std::string& event_id,
                         const std::string& type, absl::Time create_time,
                         const std::string& resource,
                         const std::map<std::string, std::string>& data);

class WebhookRpcCore final {
 public:
  using Clock = std::function<absl::Time()>;
  explicit WebhookRpcCore(WebhookStore& store, Clock clock = absl::Now)
      : store_(store), clock_(std::move(clock)) {}

  absl::Status CreateWebhook(const RequestContext& rc, const tenancy::CreateWebhookRequest& req,
                             tenancy::CreateWebhookResponse* resp);
  absl::Status GetWebhook(const RequestContext& rc, const tenancy::GetWebhookRequest& req,
                          tenancy::GetWebhookResponse* resp);
  absl::Status ListWebhooks(const RequestContext& rc, const tenancy::ListWebhooksRequest& req,
                            tenancy::ListWebhooksResponse* resp);
  absl::Status DeleteWebhook(const RequestContext& rc, const tenancy::DeleteWebhookRequest& req,
                             tenancy::DeleteWebhookResponse* resp);
  absl::Status ListWebhookDeliveries(const RequestContext& rc,
                                     const tenancy::ListWebhookDeliveriesRequest& req,
                                     tenancy::ListWebhookDeliveriesResponse* resp);

  // Fans an event out to rc's tenant's endpoints subscribed to `type` (see
  // WebhookTransaction::Enqueue); a repeat of `event_id` adds nothing. Returns how many
  // deliveries were added.
  absl::StatusOr<int> Publish(const RequestContext& rc, const std::string& event_id,
                              const std::string& type, const std::string& resource,
                              const std::map<std::string, std::string>& data);

 private:
  WebhookStore& store_;
  Clock clock_;
};

}  // namespace lagom::questionnaire::webhooks

#endif  // LAGOM_SERVICES_QUESTIONNAIRE_WEBHOOKS_WEBHOOK_RPC_CORE_H_
