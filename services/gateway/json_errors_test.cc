#include "services/gateway/json_errors.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/cord.h"
#include "common/status.h"
#include "google/rpc/error_details.pb.h"

namespace lagom::gateway {
namespace {

using ::testing::HasSubstr;

TEST(HttpStatusForTest, FollowsGoogleRpcCodeMapping) {
  const std::vector<std::pair<grpc::StatusCode, int>> expected = {
      {grpc::StatusCode::OK, 200},
      {grpc::StatusCode::CANCELLED, 499},
      {grpc::StatusCode::UNKNOWN, 500},
      {grpc::StatusCode::INVALID_ARGUMENT, 400},
      {grpc::StatusCode::DEADLINE_EXCEEDED, 504},
      {grpc::StatusCode::NOT_FOUND, 404},
      {grpc::StatusCode::ALREADY_EXISTS, 409},
      {grpc::StatusCode::PERMISSION_DENIED, 403},
      {grpc::StatusCode::RESOURCE_EXHAUSTED, 429},
      {grpc::StatusCode::FAILED_PRECONDITION, 400},
      {grpc::StatusCode::ABORTED, 409},
      {grpc::StatusCode::OUT_OF_RANGE, 400},
      {grpc::StatusCode::UNIMPLEMENTED, 501},
      {grpc::StatusCode::INTERNAL, 500},
      {grpc::StatusCode::UNAVAILABLE, 503},
      {grpc::StatusCode::DATA_LOSS, 500},
      {grpc::StatusCode::UNAUTHENTICATED, 401},
  };
  for (const auto& [code, http] : expected) {
    EXPECT_EQ(HttpStatusFor(code), http) << "gRPC code " << code;
  }
}

TEST(ToHttpErrorTest, AMessageQuotingBytesThatAreNotUtf8IsStillJson) {
  const HttpError error =
      ToHttpError(grpc::Status(grpc::StatusCode::NOT_FOUND, "no route for GET /v1/\xff\xfe"));
  EXPECT_EQ(error.http_status, 404);
  EXPECT_THAT(error.json, HasSubstr(R"(no route for GET /v1/\\xff\\xfe)")) << error.json;
}

TEST(ToHttpErrorTest, CarriesTheServicesReasonAndFieldViolations) {
  const grpc::Status status = ToGrpcStatus(
      InvalidArgumentError("session.title is required", {{"session.title", "must not be empty"}}));
  HttpError error = ToHttpError(status);
  EXPECT_EQ(error.http_status, 400);
  EXPECT_EQ(error.json,
            R"({"code":3,"message":"session.title is required","details":[)"
            R"({"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"FIELD_INVALID",)"
            R"("domain":"lagom.dev"},)"
            R"({"@type":"type.googleapis.com/google.rpc.BadRequest","fieldViolations":[)"
            R"({"field":"session.title","description":"must not be empty"}]}]})");
  EXPECT_EQ(error.retry_after, "");
}

TEST(ToHttpErrorTest, RetryInfoBecomesRetryAfterInWholeSeconds) {
  absl::Status limited = Error(absl::StatusCode::kResourceExhausted, "RATE_LIMITED", "slow down");
  google::rpc::RetryInfo retry;
  retry.mutable_retry_delay()->set_seconds(1);
  retry.mutable_retry_delay()->set_nanos(200'000'000);
  limited.SetPayload("type.googleapis.com/google.rpc.RetryInfo",
                     absl::Cord(retry.SerializeAsString()));
  HttpError error = ToHttpError(ToGrpcStatus(limited));
  EXPECT_EQ(error.http_status, 429);
  EXPECT_EQ(error.retry_after, "2");
  EXPECT_THAT(error.json, HasSubstr(R"("retryDelay":"1.200s")"));
}

TEST(ToHttpErrorTest, AStatusWithoutDetailsKeepsCodeAndMessage) {
  HttpError error = ToHttpError(grpc::Status(grpc::StatusCode::UNAVAILABLE, "connection refused"));
  EXPECT_EQ(error.http_status, 503);
  EXPECT_EQ(error.json, R"({"code":14,"message":"connection refused"})");
}

TEST(ToHttpErrorTest, DetailsOfUnknownTypesAreLeftOutNotFatal) {
  absl::Status status = Error(absl::StatusCode::kAborted, "ETAG_MISMATCH", "stale etag");
  status.SetPayload("type.googleapis.com/example.Unknown", absl::Cord("\x08\x01"));
  HttpError error = ToHttpError(ToGrpcStatus(status));
  EXPECT_EQ(error.http_status, 409);
  EXPECT_THAT(error.json, HasSubstr(R"("reason":"ETAG_MISMATCH")"));
  EXPECT_THAT(error.json, ::testing::Not(HasSubstr("example.Unknown")));
}

}  // namespace
}  // namespace lagom::gateway
