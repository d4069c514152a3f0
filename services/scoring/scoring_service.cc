#include "services/scoring/scoring_service.h"

#include "common/unary.h"

namespace lagom::scoring {

grpc::ServerUnaryReactor* ScoringServiceImpl::ScoreSession(
    grpc::CallbackServerContext* ctx, const scoring_api::ScoreSessionRequest* req,
    scoring_api::ScoreSessionResponse*) {
  return NotImplementedYet(ctx, admitter_, *req, "ScoreSession");
}

grpc::ServerUnaryReactor* ScoringServiceImpl::ScoreResponses(
    grpc::CallbackServerContext* ctx, const scoring_api::ScoreResponsesRequest* req,
    scoring_api::ScoreResponsesResponse*) {
  return NotImplementedYet(ctx, admitter_, *req, "ScoreResponses");
}

grpc::ServerUnaryReactor* ScoringServiceImpl::ExplainScore(
    grpc::CallbackServerContext* ctx, const scoring_api::ExplainScoreRequest* req,
    scoring_api::ExplainScoreResponse*) {
  return NotImplementedYet(ctx, admitter_, *req, "ExplainScore");
}

}  // namespace lagom::scoring
