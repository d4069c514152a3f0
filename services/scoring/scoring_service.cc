#include "services/scoring/scoring_service.h"

#include "common/unary.h"

namespace lagom::scoring {

grpc::ServerUnaryReactor* ScoringServiceImpl::ScoreSession(grpc::CallbackServerContext* ctx,
                                                           const scoring_api::ScoreSessionRequest*,
                                                           scoring_api::ScoreSessionResponse*) {
  return NotImplementedYet(ctx, "ScoreSession");
}

grpc::ServerUnaryReactor* ScoringServiceImpl::ScoreResponses(
    grpc::CallbackServerContext* ctx, const scoring_api::ScoreResponsesRequest*,
    scoring_api::ScoreResponsesResponse*) {
  return NotImplementedYet(ctx, "ScoreResponses");
}

grpc::ServerUnaryReactor* ScoringServiceImpl::ExplainScore(grpc::CallbackServerContext* ctx,
                                                           const scoring_api::ExplainScoreRequest*,
                                                           scoring_api::ExplainScoreResponse*) {
  return NotImplementedYet(ctx, "ExplainScore");
}

}  // namespace lagom::scoring
