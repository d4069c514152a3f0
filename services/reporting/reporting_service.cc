#include "services/reporting/reporting_service.h"

#include "common/unary.h"
#include "services/reporting/stream_reactor.h"

namespace lagom::reporting {

grpc::ServerUnaryReactor* ReportingServiceImpl::RecordScorecard(
    grpc::CallbackServerContext* ctx, const reporting_api::RecordScorecardRequest* req,
    reporting_api::RecordScorecardResponse* resp) {
  return HandleUnary(ctx, admitter_, executor_, *req, [=, this](const RequestContext& rc) {
    return core_.RecordScorecard(rc, *req, resp);
  });
}

grpc::ServerUnaryReactor* ReportingServiceImpl::GetScorecard(
    grpc::CallbackServerContext* ctx, const reporting_api::GetScorecardRequest* req,
    reporting_api::GetScorecardResponse* resp) {
  return HandleUnary(ctx, admitter_, executor_, *req, [=, this](const RequestContext& rc) {
    return core_.GetScorecard(rc, *req, resp);
  });
}

grpc::ServerUnaryReactor* ReportingServiceImpl::ListScorecards(
    grpc::CallbackServerContext* ctx, const reporting_api::ListScorecardsRequest* req,
    reporting_api::ListScorecardsResponse* resp) {
  return HandleUnary(ctx, admitter_, executor_, *req, [=, this](const RequestContext& rc) {
    return core_.ListScorecards(rc, *req, resp);
  });
}

grpc::ServerWriteReactor<reporting_api::StreamScorecardsResponse>*
ReportingServiceImpl::StreamScorecards(grpc::CallbackServerContext* ctx,
                                       const reporting_api::StreamScorecardsRequest* req) {
  return StartStream(ctx, admitter_, StreamDeps{core_, executor_, limiter_}, *req);
}

grpc::ServerUnaryReactor* ReportingServiceImpl::GetTrend(grpc::CallbackServerContext* ctx,
                                                         const reporting_api::GetTrendRequest* req,
                                                         reporting_api::GetTrendResponse* resp) {
  return HandleUnary(ctx, admitter_, executor_, *req, [=, this](const RequestContext& rc) {
    return core_.GetTrend(rc, *req, resp);
  });
}

grpc::ServerUnaryReactor* ReportingServiceImpl::CompareScorecards(
    grpc::CallbackServerContext* ctx, const reporting_api::CompareScorecardsRequest* req,
    reporting_api::CompareScorecardsResponse* resp) {
  return HandleUnary(ctx, admitter_, executor_, *req, [=, this](const RequestContext& rc) {
    return core_.CompareScorecards(rc, *req, resp);
  });
}

grpc::ServerUnaryReactor* ReportingServiceImpl::GetBenchmark(
    grpc::CallbackServerContext* ctx, const reporting_api::GetBenchmarkRequest* req,
    reporting_api::GetBenchmarkResponse* resp) {
  return HandleUnary(ctx, admitter_, executor_, *req, [=, this](const RequestContext& rc) {
    return core_.GetBenchmark(rc, *req, resp);
  });
}

grpc::ServerUnaryReactor* ReportingServiceImpl::RenderReport(
    grpc::CallbackServerContext* ctx, const reporting_api::RenderReportRequest* req,
    reporting_api::RenderReportResponse* resp) {
  return HandleUnary(ctx, admitter_, executor_, *req, [=, this](const RequestContext& rc) {
    return reports_.RenderReport(rc, *req, resp);
  });
}

grpc::ServerUnaryReactor* ReportingServiceImpl::ExportScorecard(
    grpc::CallbackServerContext* ctx, const reporting_api::ExportScorecardRequest* req,
    reporting_api::ExportScorecardResponse* resp) {
  return HandleUnary(ctx, admitter_, executor_, *req, [=, this](const RequestContext& rc) {
    return reports_.ExportScorecard(rc, *req, resp);
  });
}

}  // namespace lagom::reporting
