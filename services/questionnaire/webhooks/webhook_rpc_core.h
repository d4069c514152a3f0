// The webhook RPCs of lagom.tenancy.v1.TenantService (Create/Get/List/DeleteWebhook,
// ListWebhookDeliveries) and the fan-out producers reach through the internal
// lagom.auth.v1.AuthService.PublishWebhookEvent. No gRPC or storage types. Roles are enforced
// by the CallAdmitter (TENANT_ADMIN for endpoints; Lagom's own SERVICE identity for the
// hand-over); this validates input and scopes everything to one tenant.
#ifndef LAGOM_SERVICES_QUESTIONNAIRE_WEBHOOKS_WEBHOOK_RPC_CORE_H_
#define LAGOM_SERVICES_QUESTIONNAIRE_WEBHOOKS_WEBHOOK_RPC_CORE_H_

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "common/auth/webhook_limits.h"
#include "common/request_context.h"
#include "common/status.h"
#include "lagom/auth/v1/auth.pb.h"
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

struct WebhookRpcOptions {
  // Whether endpoints may be literal private, loopback, link-local or metadata addresses
  // (address_policy.h); only for local receivers (--webhook_allow_private_networks).
  bool allow_private_networks = false;
};

// At most this many `data` entries per event, each value at most kMaxEventDataValueChars
// (the hand-over's limits, which the services that hand events over keep to).
inline constexpr int kMaxEventDataEntries = auth::kMaxWebhookDataEntries;
inline constexpr size_t kMaxEventDataValueChars = auth::kMaxWebhookDataValueChars;

// Every problem with a hand-over, each naming its field path ("event_id", "data[\"title\"]").
// The event time must be after 1970 and at most kMaxEventClockSkew ahead of `now`.
std::vector<FieldViolation> ValidateEvent(const auth::v1::PublishWebhookEventRequest& req,
                                          absl::Time now);

class WebhookRpcCore final {
 public:
  using Clock = std::function<absl::Time()>;
  explicit WebhookRpcCore(WebhookStore& store, WebhookRpcOptions options = {},
                          Clock clock = absl::Now)
      : store_(store), options_(options), clock_(std::move(clock)) {}

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

  // The internal hand-over from producers' outboxes: checks every field (violations name
  // their path), then fans the event out to req.tenant_id's endpoints subscribed to its type
  // (WebhookTransaction::Enqueue); a repeat of the event id stores nothing.
  absl::Status PublishWebhookEvent(const RequestContext& rc,
                                   const auth::v1::PublishWebhookEventRequest& req,
                                   auth::v1::PublishWebhookEventResponse* resp);

  // PublishWebhookEvent in rc's tenant, happening now. Returns how many deliveries were added
  // (0 for a repeated event id).
  absl::StatusOr<int> Publish(const RequestContext& rc, const std::string& event_id,
                              const std::string& type, const std::string& resource,
                              const std::map<std::string, std::string>& data);

 private:
  WebhookStore& store_;
  const WebhookRpcOptions options_;
  Clock clock_;
};

}  // namespace lagom::questionnaire::webhooks

#endif  // LAGOM_SERVICES_QUESTIONNAIRE_WEBHOOKS_WEBHOOK_RPC_CORE_H_
