#include "common/auth/rate_limiter.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/status.h"
#include "google/rpc/error_details.pb.h"

namespace lagom::auth {
namespace {

// Buckets kept at most, besides those with open streams (never dropped: their count matters).
// Tenant ids come from authenticated principals, so this only bounds memory against bugs or a
// deployment with very many tenants; a flood of tenant ids cannot grow the map without limit.
constexpr size_t kMaxBuckets = 10000;
// When full, drop this many of the buckets that lose least by being forgotten.
constexpr size_t kEvictBatch = kMaxBuckets / 10;

constexpr char kRetryInfoUrl[] = "type.googleapis.com/google.rpc.RetryInfo";

// google.rpc.RetryInfo attached the way common/status.cc attaches ErrorInfo: a payload keyed by
// its Any type URL.
absl::Status WithRetryInfo(absl::Status status, absl::Duration delay) {
  google::rpc::RetryInfo info;
  const int64_t nanos = absl::ToInt64Nanoseconds(delay);
  info.mutable_retry_delay()->set_seconds(nanos / 1'000'000'000);
  info.mutable_retry_delay()->set_nanos(static_cast<int32_t>(nanos % 1'000'000'000));
  status.SetPayload(kRetryInfoUrl, absl::Cord(info.SerializeAsString()));
  return status;
}

std::string Whose(absl::string_view tenant_id) {
  return tenant_id.empty() ? std::string("callers without a tenant")
                           : absl::StrCat("tenant '", tenant_id, "'");
}

// Tokens `bucket` holds at `now`. A bucket never refilled (created for a stream) is full.
template <typename Bucket>
double TokensAt(const Bucket& bucket, const RateLimits& limits, absl::Time now) {
  if (now <= bucket.refilled) return bucket.tokens;
  return std::min(limits.burst, bucket.tokens + absl::ToDoubleSeconds(now - bucket.refilled) *
                                                    limits.calls_per_second);
}

// Makes room for one more bucket. Drops the buckets closest to full first: a full bucket
// behaves exactly like a new one, so forgetting it changes nothing, and a tenant that is being
// limited keeps its limit. (Templated only because Bucket is private to RateLimiter.)
template <typename Map>
void MakeRoom(Map& buckets, const RateLimits& limits, absl::Time now) {
  if (buckets.size() < kMaxBuckets) return;
  std::vector<std::pair<double, std::string>> candidates;
  candidates.reserve(buckets.size());
  for (const auto& [tenant, bucket] : buckets) {
    if (bucket.streams == 0) candidates.emplace_back(TokensAt(bucket, limits, now), tenant);
  }
  const size_t n = std::min(kEvictBatch, candidates.size());
  std::nth_element(candidates.begin(), candidates.begin() + n, candidates.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  for (size_t i = 0; i < n; ++i) buckets.erase(candidates[i].second);
}

}  // namespace

absl::Status RateLimiter::AdmitCall(absl::string_view tenant_id, absl::Time now) {
  absl::MutexLock lock(&mu_);
  auto it = buckets_.find(tenant_id);
  if (it == buckets_.end()) {
    MakeRoom(buckets_, limits_, now);
    it = buckets_.emplace(std::string(tenant_id), Bucket{limits_.burst, now, 0}).first;
  }
  Bucket& bucket = it->second;
  bucket.tokens = TokensAt(bucket, limits_, now);
  bucket.refilled = std::max(bucket.refilled, now);
  if (bucket.tokens >= 1) {
    bucket.tokens -= 1;
    return absl::OkStatus();
  }
  // Whole milliseconds, rounded up: retrying after the delay always finds a token.
  const double seconds = (1 - bucket.tokens) / limits_.calls_per_second;
  const absl::Duration delay = absl::Milliseconds(std::ceil(seconds * 1000));
  return WithRetryInfo(
      Error(absl::StatusCode::kResourceExhausted, "RATE_LIMITED",
            absl::StrCat(Whose(tenant_id), " is over its limit of ", limits_.calls_per_second,
                         " calls per second; retry in ", absl::FormatDuration(delay))),
      delay);
}

absl::Status RateLimiter::AcquireStream(absl::string_view tenant_id) {
  absl::MutexLock lock(&mu_);
  auto it = buckets_.find(tenant_id);
  if (it == buckets_.end()) {
    MakeRoom(buckets_, limits_, absl::Now());
    it = buckets_.emplace(std::string(tenant_id), Bucket{limits_.burst, absl::InfinitePast(), 0})
             .first;
  }
  if (it->second.streams >= limits_.max_streams) {
    return Error(absl::StatusCode::kResourceExhausted, "QUOTA_EXCEEDED",
                 absl::StrCat(Whose(tenant_id), " already has ", limits_.max_streams,
                              " streams open, its limit; close one before opening another"));
  }
  ++it->second.streams;
  return absl::OkStatus();
}

void RateLimiter::ReleaseStream(absl::string_view tenant_id) {
  absl::MutexLock lock(&mu_);
  auto it = buckets_.find(tenant_id);
  if (it != buckets_.end() && it->second.streams > 0) --it->second.streams;
}

}  // namespace lagom::auth
