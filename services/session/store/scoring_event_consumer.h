// Hands session.closed events to the scoring service: ScoreSession on the closed session, as
// the session service acting for the event's tenant, with request_id "session-closed-<event id>"
// so a repeated delivery scores (and records) the session once.
#ifndef LAGOM_SERVICES_SESSION_STORE_SCORING_EVENT_CONSUMER_H_
#define LAGOM_SERVICES_SESSION_STORE_SCORING_EVENT_CONSUMER_H_

#include <grpcpp/channel.h>

#include <memory>
#include <string>

#include "absl/time/time.h"
#include "common/outbox_relay.h"
#include "lagom/scoring/v1/scoring.grpc.pb.h"

namespace lagom::session {

class ScoringEventConsumer final : public EventConsumer {
 public:
  ScoringEventConsumer(std::shared_ptr<grpc::Channel> scoring, std::string service_token,
                       absl::Duration deadline = absl::Seconds(30));

  // OK when scoring accepted the event; its status otherwise (NOT_FOUND when it does not know
  // the session). Unknown topics and unreadable payloads are INVALID_ARGUMENT.
  absl::Status Deliver(const OutboxDelivery& event) override;

 private:
  std::unique_ptr<scoring::v1::ScoringService::Stub> stub_;
  const std::string service_token_;
  const absl::Duration deadline_;
};

}  // namespace lagom::session

#endif  // LAGOM_SERVICES_SESSION_STORE_SCORING_EVENT_CONSUMER_H_
