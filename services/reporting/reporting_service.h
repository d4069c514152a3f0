// gRPC adapter of lagom.reporting.v1.ReportingService.
#ifndef LAGOM_SERVICES_REPORTING_REPORTING_SERVICE_H_
#define LAGOM_SERVICES_REPORTING_REPORTING_SERVICE_H_

#include "common/auth/rate_limiter.h"
#include "common/executor.h"
#include "common/request_context.h"
#include "lagom/reporting/v1/reporting.grpc.pb.h"
#include "services/reporting/core/report_core.h"
#include "services/reporting/core/reporting_core.h"

namespace lagom::reporting {

namespace reporting_api = ::lagom::reporting::v1;

class ReportingServiceImpl final : public reporting_api::ReportingService::CallbackService {
 public:
  // `limiter` (may be null) caps concurrent streams per tenant.
  ReportingServiceImpl(const CallAdmitter& admitter, Executor& executor, ReportingCore& core,
                       ReportCore& reports, auth::RateLimiter* limiter)
      : admitter_(admitter),
        executor_(executor),
        core_(core),
        reports_(reports),
        limiter_(limiter) {}

  // Every RPC is admitted (authenticated, authorised, rate-limited), then handled by the core
  // (history) or the report core (RenderReport, ExportScorecard) on the executor.
  grpc::ServerUnaryReactor* RecordScorecard(grpc::CallbackServerContext* ctx,
                                            const reporting_api::RecordScorecardRequest* req,
                                            reporting_api::RecordScorecardResponse* resp) override;
  grpc::ServerUnaryReactor* GetScorecard(grpc::CallbackServerContext* ctx,
                                         const reporting_api::GetScorecardRequest* req,
                                         reporting_api::GetScorecardResponse* resp) override;
  grpc::ServerUnaryReactor* ListScorecards(grpc::CallbackServerContext* ctx,
                                           const reporting_api::ListScorecardsRequest* req,
                                           reporting_api::ListScorecardsResponse* resp) override;
  grpc::ServerWriteReactor<reporting_api::StreamScorecardsResponse>* StreamScorecards(
      grpc::CallbackServerContext* ctx, const reporting_api::StreamScorecardsRequest* req) override;
  grpc::ServerUnaryReactor* GetTrend(grpc::CallbackServerContext* ctx,
                                     const reporting_api::GetTrendRequest* req,
                                     reporting_api::GetTrendResponse* resp) override;
  grpc::ServerUnaryReactor* CompareScorecards(
      grpc::CallbackServerContext* ctx, const reporting_api::CompareScorecardsRequest* req,
      reporting_api::CompareScorecardsResponse* resp) override;
  grpc::ServerUnaryReactor* GetBenchmark(grpc::CallbackServerContext* ctx,
                                         const reporting_api::GetBenchmarkRequest* req,
                                         reporting_api::GetBenchmarkResponse* resp) override;
  grpc::ServerUnaryReactor* RenderReport(grpc::CallbackServerContext* ctx,
                                         const reporting_api::RenderReportRequest* req,
                                         reporting_api::RenderReportResponse* resp) override;
  grpc::ServerUnaryReactor* ExportScorecard(grpc::CallbackServerContext* ctx,
                                            const reporting_api::ExportScorecardRequest* req,
                                            reporting_api::ExportScorecardResponse* resp) override;

 private:
  const CallAdmitter& admitter_;
  Executor& executor_;
  ReportingCore& core_;
  ReportCore& reports_;
  auth::RateLimiter* const limiter_;
};

}  // namespace lagom::reporting

#endif  // LAGOM_SERVICES_REPORTING_REPORTING_SERVICE_H_
