#include "common/auth/rate_limiter.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace lagom::auth {
namespace {

using ::testing::HasSubstr;

const absl::Time kStart = absl::FromUnixSeconds(1'700'000'000);
constexpr char kRetryInfoUrl[] = "type.googleapis.com/google.rpc.RetryInfo";

RateLimits Limits(double per_second, double burst, int streams = 2) {
  RateLimits limits;
  limits.calls_per_second = per_second;
  limits.burst = burst;
  limits.max_streams = streams;
  return limits;
}

// The RetryInfo a client finds in the google.rpc.Status details on the wire.
std::optional<google::rpc::RetryInfo> RetryInfoOnTheWire(const absl::Status& status) {
  const grpc::Status wire = ToGrpcStatus(status);
  google::rpc::Status details;
  if (!details.ParseFromString(wire.error_details())) return std::nullopt;
  for (const google::protobuf::Any& any : details.details()) {
    google::rpc::RetryInfo info;
    if (any.UnpackTo(&info)) return info;
  }
  return std::nullopt;
}

absl::Duration RetryDelayOf(const absl::Status& status) {
  absl::optional<absl::Cord> payload = status.GetPayload(kRetryInfoUrl);
  google::rpc::RetryInfo info;
  if (!payload || !info.ParseFromString(std::string(*payload))) return absl::ZeroDuration();
  return absl::Seconds(info.retry_delay().seconds()) +
         absl::Nanoseconds(info.retry_delay().nanos());
}

TEST(RateLimiterTest, BurstThenRateLimitedWithRetryInfo) {
  RateLimiter limiter(Limits(/*per_second=*/10, /*burst=*/5));
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(limiter.AdmitCall("acme", kStart).ok()) << i;
  absl::Status limited = limiter.AdmitCall("acme", kStart);
  EXPECT_EQ(limited.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(ReasonOf(limited), "RATE_LIMITED");
  EXPECT_THAT(std::string(limited.message()), HasSubstr("tenant 'acme'"));
  // One token comes back after 1/10 s.
  EXPECT_EQ(RetryDelayOf(limited), absl::Milliseconds(100));
}

TEST(RateLimiterTest, RetryInfoAndReasonReachTheClient) {
  RateLimiter limiter(Limits(10, 1));
  ASSERT_TRUE(limiter.AdmitCall("acme", kStart).ok());
  absl::Status limited = limiter.AdmitCall("acme", kStart);
  const grpc::Status wire = ToGrpcStatus(limited);
  EXPECT_EQ(wire.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(ReasonOf(wire), "RATE_LIMITED");
  std::optional<google::rpc::RetryInfo> info = RetryInfoOnTheWire(limited);
  ASSERT_TRUE(info.has_value()) << "google.rpc.RetryInfo missing from the grpc-status-details";
  EXPECT_EQ(info->retry_delay().seconds(), 0);
  EXPECT_EQ(info->retry_delay().nanos(), 100'000'000);
  // And back into an absl::Status on the client.
  EXPECT_EQ(RetryDelayOf(FromGrpcStatus(wire)), absl::Milliseconds(100));
}

TEST(RateLimiterTest, RefillsOverTime) {
  RateLimiter limiter(Limits(10, 2));
  EXPECT_TRUE(limiter.AdmitCall("acme", kStart).ok());
  EXPECT_TRUE(limiter.AdmitCall("acme", kStart).ok());
  EXPECT_FALSE(limiter.AdmitCall("acme", kStart).ok());
  EXPECT_FALSE(limiter.AdmitCall("acme", kStart + absl::Milliseconds(50)).ok());
  EXPECT_TRUE(limiter.AdmitCall("acme", kStart + absl::Milliseconds(100)).ok());
  EXPECT_FALSE(limiter.AdmitCall("acme", kStart + absl::Milliseconds(100)).ok());
  // Never more than the burst, however long the tenant was idle.
  const absl::Time later = kStart + absl::Hours(1);
  EXPECT_TRUE(limiter.AdmitCall("acme", later).ok());
  EXPECT_TRUE(limiter.AdmitCall("acme", later).ok());
  EXPECT_FALSE(limiter.AdmitCall("acme", later).ok());
}

TEST(RateLimiterTest, RetryDelayShrinksAsTokensRefill) {
  RateLimiter limiter(Limits(1, 1));
  ASSERT_TRUE(limiter.AdmitCall("acme", kStart).ok());
  EXPECT_EQ(RetryDelayOf(limiter.AdmitCall("acme", kStart)), absl::Seconds(1));
  EXPECT_EQ(RetryDelayOf(limiter.AdmitCall("acme", kStart + absl::Milliseconds(750))),
            absl::Milliseconds(250));
}

TEST(RateLimiterTest, TenantsAreIndependent) {
  RateLimiter limiter(Limits(1, 3));
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(limiter.AdmitCall("flood", kStart).ok());
  EXPECT_FALSE(limiter.AdmitCall("flood", kStart).ok());
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.AdmitCall("quiet", kStart).ok()) << i;
  EXPECT_FALSE(limiter.AdmitCall("flood", kStart).ok());
}

TEST(RateLimiterTest, ALimitedTenantStaysLimitedWhileManyOthersCall) {
  // Far more tenants than the limiter keeps buckets for: it must stay bounded without
  // forgetting the tenant that is being limited.
  RateLimiter limiter(Limits(1, 2));
  ASSERT_TRUE(limiter.AdmitCall("flood", kStart).ok());
  ASSERT_TRUE(limiter.AdmitCall("flood", kStart).ok());
  for (int i = 0; i < 30000; ++i) {
    ASSERT_TRUE(limiter.AdmitCall(absl::StrCat("t-", i), kStart).ok()) << i;
  }
  EXPECT_EQ(ReasonOf(limiter.AdmitCall("flood", kStart)), "RATE_LIMITED");
}

TEST(RateLimiterTest, StreamsAreCappedPerTenant) {
  RateLimiter limiter(Limits(10, 10, /*streams=*/2));
  ASSERT_TRUE(limiter.AcquireStream("acme").ok());
  ASSERT_TRUE(limiter.AcquireStream("acme").ok());
  absl::Status third = limiter.AcquireStream("acme");
  EXPECT_EQ(third.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(ReasonOf(third), "QUOTA_EXCEEDED");
  EXPECT_THAT(std::string(third.message()), HasSubstr("2 streams"));
  // Another tenant is not affected; a released stream makes room.
  EXPECT_TRUE(limiter.AcquireStream("globex").ok());
  limiter.ReleaseStream("acme");
  EXPECT_TRUE(limiter.AcquireStream("acme").ok());
  EXPECT_FALSE(limiter.AcquireStream("acme").ok());
  // Releasing more than was acquired does not create credit.
  for (int i = 0; i < 5; ++i) limiter.ReleaseStream("globex");
  EXPECT_TRUE(limiter.AcquireStream("globex").ok());
  EXPECT_TRUE(limiter.AcquireStream("globex").ok());
  EXPECT_FALSE(limiter.AcquireStream("globex").ok());
}

TEST(RateLimiterTest, StreamsDoNotSpendCallTokens) {
  RateLimiter limiter(Limits(1, 1, /*streams=*/5));
  ASSERT_TRUE(limiter.AcquireStream("acme").ok());
  EXPECT_TRUE(limiter.AdmitCall("acme", kStart).ok());
  EXPECT_FALSE(limiter.AdmitCall("acme", kStart).ok());
}

}  // namespace
}  // namespace lagom::auth
