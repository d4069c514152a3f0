// gRPC adapter of lagom.scoring.v1.ScoringService: admits each call, then runs it in the
// ScoringRpcCore on the executor (it waits on the other services).
#ifndef LAGOM_SERVICES_SCORING_SCORING_SERVICE_H_
#define LAGOM_SERVICES_SCORING_SCORING_SERVICE_H_

#include "common/executor.h"
#include "common/request_context.h"
#include "lagom/scoring/v1/scoring.grpc.pb.h"
#include "services/scoring/scoring_rpc_core.h"

namespace lagom::scoring {

namespace scoring_api = ::lagom::scoring::v1;

class ScoringServiceImpl final : public scoring_api::ScoringService::CallbackService {
 public:
  ScoringServiceImpl(const CallAdmitter& admitter, Executor& executor, ScoringRpcCore& core)
      : admitter_(admitter), executor_(executor), core_(core) {}

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
  Executor& executor_;
  ScoringRpcCore& core_;
};

}  // namespace lagom::scoring

#endif  // LAGOM_SERVICES_SCORING_SCORING_SERVICE_H_
