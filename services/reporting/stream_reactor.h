// StreamScorecards: one ServerWriteReactor per call. It reads the matching scorecards a page
// at a time on the executor (never on a gRPC thread) and writes them oldest first, reading the
// next page only once the last one is written, so a slow reader holds one page in memory.
#ifndef LAGOM_SERVICES_REPORTING_STREAM_REACTOR_H_
#define LAGOM_SERVICES_REPORTING_STREAM_REACTOR_H_

#include <grpcpp/support/server_callback.h>

#include "common/auth/rate_limiter.h"
#include "common/executor.h"
#include "common/request_context.h"
#include "lagom/reporting/v1/reporting.pb.h"
#include "services/reporting/core/reporting_core.h"

namespace lagom::reporting {

struct StreamDeps {
  ReportingCore& core;
  Executor& executor;
  auth::RateLimiter* limiter;  // stream caps per tenant; may be null
};

grpc::ServerWriteReactor<api::StreamScorecardsResponse>* StartStream(
    grpc::CallbackServerContext* ctx, const CallAdmitter& admitter, const StreamDeps& deps,
    const api::StreamScorecardsRequest& req);

}  // namespace lagom::reporting

#endif  // LAGOM_SERVICES_REPORTING_STREAM_REACTOR_H_
