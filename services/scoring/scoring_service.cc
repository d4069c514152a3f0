#include "services/scoring/scoring_service.h"

#include "common/unary.h"

namespace lagom::scoring {

grpc::ServerUnaryReactor* ScoringServiceImpl::ScoreSession(
    grpc::CallbackServerContext* ctx, const scoring_api::ScoreSessionRequest* req,
    scoring_api::ScoreSessionResponse* resp) {
  return HandleUnary(ctx, admitter_, executor_, *req, [=, this](const RequestContext& rc) {
    return core_.ScoreSession(rc, *req, resp);
  });
}

grpc::ServerUnaryReactor* ScoringServiceImpl::ScoreResponses(
    grpc::CallbackServerContext* ctx, const scoring_api::ScoreResponsesRequest* req,
    scoring_api::ScoreResponsesResponse* resp) {
  return HandleUnary(ctx, admitter_, executor_, *req, [=, this](const RequestContext& rc) {
    return core_.ScoreResponses(rc, *req, resp);
  });
}

grpc::ServerUnaryReactor* ScoringServiceImpl::ExplainScore(
    grpc::CallbackServerContext* ctx, const scoring_api::ExplainScoreRequest* req,
    scoring_api::ExplainScoreResponse* resp) {
  return HandleUnary(ctx, admitter_, executor_, *req, [=, this](const RequestContext& rc) {
    return core_.ExplainScore(rc, *req, resp);
  });
}

}  // namespace lagom::scoring
