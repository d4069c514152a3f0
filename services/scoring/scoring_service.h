// gRPC adapter of lagom.scoring.v1.ScoringService.
#ifndef LAGOM_SERVICES_SCORING_SCORING_SERVICE_H_
#define LAGOM_SERVICES_SCORING_SCORING_SERVICE_H_

#include "common/request_context.h"
#include "lagom/scoring/v1/scoring.grpc.pb.h"

namespace lagom::scoring {

namespace scoring_api = ::lagom::scoring::v1;

class ScoringServiceImpl final : public scoring_api::ScoringService::CallbackService {
 public:
  explicit ScoringServiceImpl(const CallAdmitter& admitter) : admitter_(admitter) {}

  // Every RPC is admitted (authenticated, authorised, rate-limited) and then answers
  // UNIMPLEMENTED (NOT_IMPLEMENTED_YET) until the release that builds it replaces the handler
  // with a call into its core.
  grpc::ServerUnaryReactor* ScoreSession(grpc::CallbackServerContext* ctx,
                                         const scoring_api::ScoreSessionRequest* req,
                                         scoring_api::ScoreSessionResponse* resp) override;
  grpc::ServerUnaryReactor* ScoreResponses(grpc::CallbackServerContext* ctx,
                                           const scoring_api::ScoreResponsesRequest* req,
                                           scoring_api::ScoreResponsesResponse* resp) override;
  grpc::ServerUnaryReactor* ExplainScore(grpc::CallbackServerContext* ctx,
                                         const scoring_api::ExplainScoreRequest* req,
                                         scoring_api::ExplainScoreResponse* resp) override;

 private:
  const CallAdmitter& admitter_;
};

}  // namespace lagom::scoring

#endif  // LAGOM_SERVICES_SCORING_SCORING_SERVICE_H_
