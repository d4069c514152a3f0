#include "services/reporting/reporting_service.h"

#include "common/unary.h"

namespace lagom::reporting {

grpc::ServerUnaryReactor* ReportingServiceImpl::RecordScorecard(
    grpc::CallbackServerContext* ctx, const reporting_api::RecordScorecardRequest*,
    reporting_api::RecordScorecardResponse*) {
  return NotImplementedYet(ctx, "RecordScorecard");
}

grpc::ServerUnaryReactor* ReportingServiceImpl::GetScorecard(
    grpc::CallbackServerContext* ctx, const reporting_api::GetScorecardRequest*,
    reporting_api::GetScorecardResponse*) {
  return NotImplementedYet(ctx, "GetScorecard");
}

grpc::ServerUnaryReactor* ReportingServiceImpl::ListScorecards(
    grpc::CallbackServerContext* ctx, const reporting_api::ListScorecardsRequest*,
    reporting_api::ListScorecardsResponse*) {
  return NotImplementedYet(ctx, "ListScorecards");
}

grpc::ServerWriteReactor<reporting_api::StreamScorecardsResponse>*
ReportingServiceImpl::StreamScorecards(grpc::CallbackServerContext* ctx,
                                       const reporting_api::StreamScorecardsRequest*) {
  return NotImplementedYetStream<reporting_api::StreamScorecardsResponse>(ctx, "StreamScorecards");
}

grpc::ServerUnaryReactor* ReportingServiceImpl::GetTrend(grpc::CallbackServerContext* ctx,
                                                         const reporting_api::GetTrendRequest*,
                                                         reporting_api::GetTrendResponse*) {
  return NotImplementedYet(ctx, "GetTrend");
}

grpc::ServerUnaryReactor* ReportingServiceImpl::CompareScorecards(
    grpc::CallbackServerContext* ctx, const reporting_api::CompareScorecardsRequest*,
    reporting_api::CompareScorecardsResponse*) {
  return NotImplementedYet(ctx, "CompareScorecards");
}

grpc::ServerUnaryReactor* ReportingServiceImpl::GetBenchmark(
    grpc::CallbackServerContext* ctx, const reporting_api::GetBenchmarkRequest*,
    reporting_api::GetBenchmarkResponse*) {
  return NotImplementedYet(ctx, "GetBenchmark");
}

grpc::ServerUnaryReactor* ReportingServiceImpl::RenderReport(
    grpc::CallbackServerContext* ctx, const reporting_api::RenderReportRequest*,
    reporting_api::RenderReportResponse*) {
  return NotImplementedYet(ctx, "RenderReport");
}

grpc::ServerUnaryReactor* ReportingServiceImpl::ExportScorecard(
    grpc::CallbackServerContext* ctx, const reporting_api::ExportScorecardRequest*,
    reporting_api::ExportScorecardResponse*) {
  return NotImplementedYet(ctx, "ExportScorecard");
}

}  // namespace lagom::reporting
