#include "services/reporting/reporting_service.h"

#include "common/unary.h"

namespace lagom::reporting {

grpc::ServerUnaryReactor* ReportingServiceImpl::RecordScorecard(
    grpc::CallbackServerContext* ctx, const reporting_api::RecordScorecardRequest* req,
    reporting_api::RecordScorecardResponse*) {
  return NotImplementedYet(ctx, admitter_, *req, "RecordScorecard");
}

grpc::ServerUnaryReactor* ReportingServiceImpl::GetScorecard(
    grpc::CallbackServerContext* ctx, const reporting_api::GetScorecardRequest* req,
    reporting_api::GetScorecardResponse*) {
  return NotImplementedYet(ctx, admitter_, *req, "GetScorecard");
}

grpc::ServerUnaryReactor* ReportingServiceImpl::ListScorecards(
    grpc::CallbackServerContext* ctx, const reporting_api::ListScorecardsRequest* req,
    reporting_api::ListScorecardsResponse*) {
  return NotImplementedYet(ctx, admitter_, *req, "ListScorecards");
}

grpc::ServerWriteReactor<reporting_api::StreamScorecardsResponse>*
ReportingServiceImpl::StreamScorecards(grpc::CallbackServerContext* ctx,
                                       const reporting_api::StreamScorecardsRequest* req) {
  return NotImplementedYetStream<reporting_api::StreamScorecardsResponse>(ctx, admitter_, *req,
                                                                          "StreamScorecards");
}

grpc::ServerUnaryReactor* ReportingServiceImpl::GetTrend(grpc::CallbackServerContext* ctx,
                                                         const reporting_api::GetTrendRequest* req,
                                                         reporting_api::GetTrendResponse*) {
  return NotImplementedYet(ctx, admitter_, *req, "GetTrend");
}

grpc::ServerUnaryReactor* ReportingServiceImpl::CompareScorecards(
    grpc::CallbackServerContext* ctx, const reporting_api::CompareScorecardsRequest* req,
    reporting_api::CompareScorecardsResponse*) {
  return NotImplementedYet(ctx, admitter_, *req, "CompareScorecards");
}

grpc::ServerUnaryReactor* ReportingServiceImpl::GetBenchmark(
    grpc::CallbackServerContext* ctx, const reporting_api::GetBenchmarkRequest* req,
    reporting_api::GetBenchmarkResponse*) {
  return NotImplementedYet(ctx, admitter_, *req, "GetBenchmark");
}

grpc::ServerUnaryReactor* ReportingServiceImpl::RenderReport(
    grpc::CallbackServerContext* ctx, const reporting_api::RenderReportRequest* req,
    reporting_api::RenderReportResponse*) {
  return NotImplementedYet(ctx, admitter_, *req, "RenderReport");
}

grpc::ServerUnaryReactor* ReportingServiceImpl::ExportScorecard(
    grpc::CallbackServerContext* ctx, const reporting_api::ExportScorecardRequest* req,
    reporting_api::ExportScorecardResponse*) {
  return NotImplementedYet(ctx, admitter_, *req, "ExportScorecard");
}

}  // namespace lagom::reporting
