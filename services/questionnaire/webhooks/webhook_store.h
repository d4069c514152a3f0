// What webhooks need from storage (design in webhook_core.h). Two views, as for the session
// outbox: a tenant's transaction sees its endpoints and their delivery log; the delivery worker
// claims due deliveries of every tenant (the deliveries table only) and reads an endpoint inside
// its tenant. The PostgreSQL adapter is store/pg_webhook_store; unit tests use fakes.
#ifndef LAGOM_SERVICES_QUESTIONNAIRE_WEBHOOKS_WEBHOOK_STORE_H_
#define LAGOM_SERVICES_QUESTIONNAIRE_WEBHOOKS_WEBHOOK_STORE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/request_context.h"
#include "common/resource_util.h"
#include "services/questionnaire/tenancy/tenancy_store.h"

namespace lagom::questionnaire::webhooks {

// An endpoint as stored. The secret is kept as is: signing needs it.
struct WebhookRecord {
  std::string id;
  std::string url;
  std::vector<std::string> event_types;
  std::string display_name;
  std::string state;  // "ACTIVE"
  std::string secret;
  std::string secret_prefix;
  std::string creator;
  absl::Time create_time;
};

// One event for one endpoint: its place in the outbox and its line in the delivery log.
struct DeliveryRecord {
  int64_t id = 0;
  std::string webhook_id;
  std::string event_id;
  std::string event_type;
  std::string state;  // "PENDING", "SUCCEEDED", "FAILED"
  int attempts = 0;
  int last_status_code = 0;
  std::string last_error;
  absl::Time create_time;
  std::optional<absl::Time> last_attempt_time;
  absl::Time next_attempt_time;
};

// An event to fan out to the tenant's endpoints subscribed to its type.
struct EventRecord {
  std::string event_id;  // unique per tenant; a repeat is ignored (producers retry)
  std::string event_type;
  std::string payload;  // the JSON body, signed as is on every attempt
  absl::Time create_time;
};

// Scoped to the tenant of the transaction. InsertWebhook of a duplicate id fails
// ALREADY_EXISTS; DeleteWebhook of a missing one NOT_FOUND.
class WebhookTransaction {
 public:
  virtual ~WebhookTransaction() = default;
  virtual absl::StatusOr<std::optional<WebhookRecord>> GetWebhook(const std::string& id) = 0;
  // Oldest first, ids after `after_id` ("" = from the start), at most `limit`.
  virtual absl::StatusOr<std::vector<WebhookRecord>> ListWebhooks(const std::string& after_id,
                                                                  int limit) = 0;
  virtual absl::StatusOr<int> CountWebhooks() = 0;
  // Holds the tenant's quota of webhooks until the transaction ends: taken before counting them
  // to add one, so that adds at the same moment are counted one after the other.
  virtual absl::Status LockWebhooksQuota() = 0;
  virtual absl::Status InsertWebhook(const WebhookRecord& record) = 0;
  // Deletes the endpoint and its deliveries (pending ones are never attempted).
  virtual absl::Status DeleteWebhook(const std::string& id) = 0;
  // Newest first, ids below `before_id` (0 = from the newest), at most `limit`.
  virtual absl::StatusOr<std::vector<DeliveryRecord>> ListDeliveries(const std::string& webhook_id,
                                                                     int64_t before_id,
                                                                     int limit) = 0;
  // Records the event id and adds one PENDING delivery, due now, per ACTIVE endpoint
  // subscribed to the event's type. Returns how many deliveries were added, or nullopt when
  // the event id was seen before (then nothing is added, even for endpoints created since).
  // A DELETED tenant's event is dropped: nothing is stored, 0 deliveries.
  virtual absl::StatusOr<std::optional<int>> Enqueue(const EventRecord& event) = 0;
  virtual absl::StatusOr<std::optional<IdempotentReply>> FindReply(
      const std::string& request_id) = 0;
  virtual absl::Status RecordReply(const std::string& request_id, const IdempotentReply& reply) = 0;
  // Appends a line to the tenant's audit log.
  virtual absl::Status AppendAudit(const AuditRecord& record) = 0;
};

class WebhookStore {
 public:
  virtual ~WebhookStore() = default;
  // Runs fn in one transaction of rc's tenant: committed when fn returns OK, else rolled back.
  virtual absl::Status InTenant(const RequestContext& rc,
                                const std::function<absl::Status(WebhookTransaction&)>& fn) = 0;
};

// A claimed delivery with what sending it needs.
struct DueDelivery {
  int64_t id = 0;
  std::string tenant_id;
  std::string webhook_id;
  std::string event_id;
  std::string event_type;
  std::string payload;
  absl::Time create_time;
  int attempts = 0;  // including this one
  std::string url;
  std::string secret;
};

// The worker's side: every tenant's deliveries.
class DeliveryQueue {
 public:
  virtual ~DeliveryQueue() = default;
  // Up to `limit` PENDING deliveries due now, oldest first and at most `per_tenant` of one
  // tenant (so one tenant's backlog cannot fill a pass), each leased for `lease` (its next
  // attempt moved past the lease, so no other worker takes it meanwhile) and its attempts
  // counted, with the endpoint's url and secret.
  virtual absl::StatusOr<std::vector<DueDelivery>> Claim(int limit, int per_tenant,
                                                         absl::Duration lease) = 0;
  // Stamps the attempt: `status_code` (0 = no response), `error`, and then the new state:
  // SUCCEEDED, FAILED, or PENDING again at `next_attempt_time`. ABORTED, changing nothing, when
  // the delivery was claimed again since (its lease ran out): that later attempt records.
  virtual absl::Status Record(const DueDelivery& delivery, int status_code,
                              const std::string& error, const std::string& state,
                              std::optional<absl::Time> next_attempt_time) = 0;
};

}  // namespace lagom::questionnaire::webhooks

#endif  // LAGOM_SERVICES_QUESTIONNAIRE_WEBHOOKS_WEBHOOK_STORE_H_
