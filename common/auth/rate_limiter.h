// Per-tenant limits, so that one flooding or oversized client cannot starve the others: a
// token bucket of calls per second per tenant, and a cap on concurrent streams per tenant.
#ifndef LAGOM_COMMON_AUTH_RATE_LIMITER_H_
#define LAGOM_COMMON_AUTH_RATE_LIMITER_H_

#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace lagom::auth {

struct RateLimits {
  double calls_per_second = 2000;  // sustained, per tenant and process
  double burst = 4000;
  int max_streams = 1000;  // concurrent server streams per tenant and process
};

class RateLimiter final {
 public:
  explicit RateLimiter(RateLimits limits) : limits_(limits) {}

  // RESOURCE_EXHAUSTED (reason RATE_LIMITED) with google.rpc.RetryInfo saying when to retry.
  absl::Status AdmitCall(absl::string_view tenant_id, absl::Time now);

  // RESOURCE_EXHAUSTED (reason QUOTA_EXCEEDED) past max_streams; else the caller must
  // ReleaseStream when the stream ends.
  absl::Status AcquireStream(absl::string_view tenant_id);
  void ReleaseStream(absl::string_view tenant_id);

 private:
  struct Bucket {
    double tokens = 0;
    absl::Time refilled;
    int streams = 0;
  };
  const RateLimits limits_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Bucket> buckets_ ABSL_GUARDED_BY(mu_);
};

}  // namespace lagom::auth

#endif  // LAGOM_COMMON_AUTH_RATE_LIMITER_H_
