#include "common/auth/webhook_event_consumer.h"

#include <grpcpp/client_context.h>

#include "absl/strings/str_cat.h"
#include "common/auth/authenticator.h"

namespace lagom::auth {

std::string WebhookEventId(const std::string& prefix, int64_t outbox_event_id) {
  return absl::StrCat(prefix, "-", outbox_event_id);
}

WebhookEventConsumer::WebhookEventConsumer(std::shared_ptr<grpc::Channel> questionnaire,
                                           std::string service_token, std::string event_id_prefix,
                                           absl::Duration deadline)
    : stub_(v1::AuthService::NewStub(questionnaire)),
      service_token_(std::move(service_token)),
      prefix_(std::move(event_id_prefix)),
      deadline_(deadline) {}

absl::Status WebhookEventConsumer::Deliver(const OutboxDelivery& event) {
  v1::PublishWebhookEventRequest req;
  if (!req.ParseFromString(event.payload)) {
    return absl::InvalidArgumentError(
        absl::StrCat("outbox event ", event.event_id, " is not a PublishWebhookEventRequest"));
  }
  if (req.tenant_id() != event.tenant_id) {
    return absl::InvalidArgumentError(absl::StrCat("outbox event ", event.event_id, " of tenant ",
                                                   event.tenant_id, " carries an event of tenant ",
                                                   req.tenant_id()));
  }
  req.set_event_id(WebhookEventId(prefix_, event.event_id));
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + deadline_));
  // Lagom's own identity, no tenant: the only caller AuthService admits.
  ctx.AddMetadata(kServiceTokenKey, service_token_);
  v1::PublishWebhookEventResponse resp;
  const grpc::Status s = stub_->PublishWebhookEvent(&ctx, req, &resp);
  if (s.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(s.error_code()),
                      absl::StrCat("PublishWebhookEvent: ", s.error_message()));
}

WebhookOutboxRelay::WebhookOutboxRelay(PgPool& pool, const std::string& table,
                                       const std::string& subject_column,
                                       std::shared_ptr<grpc::Channel> questionnaire,
                                       std::string service_token, std::string event_id_prefix)
    : store_(pool, {table, subject_column, kWebhooksConsumer}),
      consumer_(std::move(questionnaire), std::move(service_token), std::move(event_id_prefix)),
      relay_(store_, consumer_) {
  relay_.Start();
}

}  // namespace lagom::auth
