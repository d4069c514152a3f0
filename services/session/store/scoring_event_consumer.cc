#include "services/session/store/scoring_event_consumer.h"

#include <grpcpp/client_context.h>

#include "absl/strings/str_cat.h"
#include "common/auth/forwarding.h"
#include "common/status.h"
#include "lagom/session/v1/events.pb.h"

namespace lagom::session {

ScoringEventConsumer::ScoringEventConsumer(std::shared_ptr<grpc::Channel> scoring,
                                           std::string service_token, absl::Duration deadline)
    : stub_(scoring::v1::ScoringService::NewStub(scoring)),
      service_token_(std::move(service_token)),
      deadline_(deadline) {}

absl::Status ScoringEventConsumer::Deliver(const OutboxDelivery& event) {
  if (event.topic != "session.closed") {
    return absl::InvalidArgumentError(absl::StrCat("no consumer for topic ", event.topic));
  }
  v1::SessionClosedEvent closed;
  if (!closed.ParseFromString(event.payload) || closed.session().name().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("outbox event ", event.event_id, " is not a SessionClosedEvent"));
  }
  RequestContext rc;
  rc.tenant_id = event.tenant_id;
  rc.principal.set_tenant_id(event.tenant_id);
  rc.principal.set_subject("lagom-session");
  rc.principal.set_role(auth::v1::PRINCIPAL_ROLE_SERVICE);
  rc.principal.set_credential_kind(auth::v1::CREDENTIAL_KIND_SERVICE);
  rc.deadline = absl::Now() + deadline_;
  grpc::ClientContext ctx;
  auth::ForwardCaller(rc, service_token_, &ctx);
  scoring::v1::ScoreSessionRequest req;
  req.set_session(closed.session().name());
  req.set_request_id(absl::StrCat("session-closed-", event.event_id));
  scoring::v1::ScoreSessionResponse resp;
  const grpc::Status s = stub_->ScoreSession(&ctx, req, &resp);
  if (s.ok()) return absl::OkStatus();
  // The reason goes along: the relay settles an INTERNAL only when it is DEPENDENCY_FAILED.
  const auto code = static_cast<absl::StatusCode>(s.error_code());
  const std::string message = absl::StrCat("ScoreSession: ", s.error_message());
  const std::string reason = ReasonOf(s);
  return reason.empty() ? absl::Status(code, message) : Error(code, reason, message);
}

}  // namespace lagom::session
