// Hands webhook events from a service's outbox (session, reporting) to the questionnaire
// service's internal AuthService.PublishWebhookEvent, which fans each out to the tenant's
// subscribed webhooks (design: services/questionnaire/webhooks/webhook_core.h). Calls as
// Lagom's own SERVICE identity, without a tenant: AuthService admits nobody else.
//
// An outbox row's payload is the PublishWebhookEventRequest without its event id; the id is
// "<prefix>-<outbox row id>", the same on every retry of the row, so a repeated hand-over
// (after a crash, a lost reply) stores nothing new.
#ifndef LAGOM_COMMON_AUTH_WEBHOOK_EVENT_CONSUMER_H_
#define LAGOM_COMMON_AUTH_WEBHOOK_EVENT_CONSUMER_H_

#include <grpcpp/channel.h>

#include <cstdint>
#include <memory>
#include <string>

#include "absl/time/time.h"
#include "common/outbox_relay.h"
#include "common/pg_outbox_store.h"
#include "common/postgres.h"
#include "lagom/auth/v1/auth.grpc.pb.h"

namespace lagom::auth {

// The event id an outbox row is handed over with.
std::string WebhookEventId(const std::string& prefix, int64_t outbox_event_id);

class WebhookEventConsumer final : public EventConsumer {
 public:
  WebhookEventConsumer(std::shared_ptr<grpc::Channel> questionnaire, std::string service_token,
                       std::string event_id_prefix, absl::Duration deadline = absl::Seconds(10));

  // OK once the questionnaire service stored the event (or had it already); its status
  // otherwise. An unreadable payload, or one for another tenant than the row's, is
  // INVALID_ARGUMENT.
  absl::Status Deliver(const OutboxDelivery& event) override;

 private:
  std::unique_ptr<v1::AuthService::Stub> stub_;
  const std::string service_token_;
  const std::string prefix_;
  const absl::Duration deadline_;
};

// A service's webhook outbox rows (consumer "webhooks" of `table`), relayed to the
// questionnaire service from this replica until destroyed.
class WebhookOutboxRelay final {
 public:
  WebhookOutboxRelay(PgPool& pool, const std::string& table, const std::string& subject_column,
                     std::shared_ptr<grpc::Channel> questionnaire, std::string service_token,
                     std::string event_id_prefix);

 private:
  PgOutboxStore store_;
  WebhookEventConsumer consumer_;
  OutboxRelay relay_;
};

}  // namespace lagom::auth

#endif  // LAGOM_COMMON_AUTH_WEBHOOK_EVENT_CONSUMER_H_
