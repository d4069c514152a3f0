#include "common/status.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace lagom {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(StatusTest, ViolationsRoundTripThroughGrpcDetails) {
  grpc::Status wire = ToGrpcStatus(InvalidArgumentError(
      "session is invalid", {{"session.title", "must not be empty"},
                             {"session.targets[1].level", "must be between 0 and 5"}}));
  EXPECT_EQ(wire.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(wire.error_message(), "session is invalid");
  EXPECT_EQ(ReasonOf(wire), "FIELD_INVALID");
  EXPECT_THAT(ViolationsOf(wire),
              ElementsAre(FieldViolation{"session.title", "must not be empty"},
                          FieldViolation{"session.targets[1].level", "must be between 0 and 5"}));
}

// 10,000 scope entries gone from a catalogue would name each: past 4,500 bytes the rest are
// summed up, so the details fit in gRPC's 8 KiB of trailing metadata, base64 and message
// included.
TEST(StatusTest, ViolationsPastTheBudgetAreSummedUpInOneLastEntry) {
  std::vector<FieldViolation> many;
  for (int i = 0; i < 10000; ++i) {
    many.push_back(
        {absl::StrCat("session.scope.services[", i, "]"),
         absl::StrCat("no service 'tenants/acme/services/svc-", i, "' in the catalogue")});
  }
  grpc::Status wire = ToGrpcStatus(InvalidArgumentError("invalid session scope", many));
  const size_t base64 = (wire.error_details().size() + 2) / 3 * 4;
  EXPECT_LT(base64 + wire.error_message().size() + 200, 8192u);
  const std::vector<FieldViolation> listed = ViolationsOf(wire);
  ASSERT_GT(listed.size(), 40u);
  ASSERT_LT(listed.size(), 100u);
  EXPECT_EQ(listed.front(), many.front());
  EXPECT_EQ(listed[listed.size() - 2], many[listed.size() - 2]);
  EXPECT_EQ(listed.back().field, "");
  EXPECT_EQ(listed.back().description,
            absl::StrCat("and ", many.size() - listed.size() + 1,
                         " more violations not listed here: fix these and send it again"));
  // A short list is left whole.
  EXPECT_EQ(ViolationsOf(InvalidArgumentError("x", {many[0], many[1]})).size(), 2u);
  // A last violation past the budget stays when it is short, not when it is long.
  std::vector<FieldViolation> full(45, {"f", std::string(91, 'd')});  // 45 × 100 bytes: full
  full.push_back({"format", "unknown"});
  EXPECT_EQ(ViolationsOf(InvalidArgumentError("x", full)).back().field, "format");
  full.back().description = std::string(20000, 'x');
  EXPECT_EQ(ViolationsOf(InvalidArgumentError("x", full)).back().description,
            "and 1 more violations not listed here: fix these and send it again");
  // One violation alone is listed, its description cut short.
  const std::vector<FieldViolation> alone =
      ViolationsOf(InvalidArgumentError("x", {{"format", std::string(20000, 'x')}}));
  ASSERT_EQ(alone.size(), 1u);
  EXPECT_EQ(alone[0].field, "format");
  EXPECT_EQ(alone[0].description, std::string(1000, 'x') + "...");
}

// Input an error quotes is cut short, at a character boundary: a megabyte-long name leaves
// the field named and the error within what gRPC's trailers hold.
TEST(StatusTest, QuotedInputIsCutShortAndStillNamesTheField) {
  const std::string huge = "models/" + std::string(1 << 20, 'a');
  absl::Status refused = ViolationsError(
      "invalid benchmark request", {{"model", absl::StrCat("'", huge, "' is not a model name")}});
  grpc::Status wire = ToGrpcStatus(refused);
  EXPECT_LT(wire.error_message().size(), 2100u);
  EXPECT_LT(wire.error_details().size(), 4000u);  // the message again, and the violation
  ASSERT_EQ(ViolationsOf(wire).size(), 1u);
  EXPECT_EQ(ViolationsOf(wire)[0].field, "model");
  EXPECT_THAT(ViolationsOf(wire)[0].description, ::testing::StartsWith("'models/aaa"));
  // A long field path (a map key from the request) is cut too.
  EXPECT_EQ(ViolationsOf(InvalidArgumentError("x", {{std::string(5000, 'k'), "too long"}}))[0]
                .field.size(),
            303u);
  // Never inside a character: "é" is two bytes, and the cut falls after its first.
  const std::string accents = std::string(1999, 'a') + "\xc3\xa9" + std::string(10, 'b');
  const std::string message(
      Error(absl::StatusCode::kNotFound, "RESOURCE_NOT_FOUND", accents).message());
  EXPECT_EQ(message, std::string(1999, 'a') + "...");
}

TEST(StatusTest, DetailsAreAGoogleRpcStatusWithErrorInfo) {
  grpc::Status wire = ToGrpcStatus(Error(absl::StatusCode::kAborted, "ETAG_MISMATCH", "stale"));
  google::rpc::Status details;
  ASSERT_TRUE(details.ParseFromString(wire.error_details()));
  EXPECT_EQ(details.code(), static_cast<int>(grpc::StatusCode::ABORTED));
  EXPECT_EQ(details.message(), "stale");
  ASSERT_EQ(details.details_size(), 1);
  google::rpc::ErrorInfo info;
  ASSERT_TRUE(details.details(0).UnpackTo(&info));
  EXPECT_EQ(info.reason(), "ETAG_MISMATCH");
  EXPECT_EQ(info.domain(), "lagom.dev");
}

TEST(StatusTest, ReasonDefaultsFromTheCode) {
  EXPECT_EQ(ReasonOf(ToGrpcStatus(absl::NotFoundError("x"))), "RESOURCE_NOT_FOUND");
  EXPECT_EQ(ReasonOf(ToGrpcStatus(absl::InvalidArgumentError("x"))), "FIELD_INVALID");
  EXPECT_EQ(ReasonOf(ToGrpcStatus(absl::UnimplementedError("x"))), "NOT_IMPLEMENTED_YET");
  EXPECT_EQ(ReasonOf(ToGrpcStatus(absl::AbortedError("x"))), "ABORTED");
  EXPECT_EQ(ReasonOf(ToGrpcStatus(absl::UnauthenticatedError("x"))), "UNAUTHENTICATED");
  EXPECT_EQ(ReasonOf(ToGrpcStatus(absl::FailedPreconditionError("x"))), "FAILED_PRECONDITION");
}

TEST(StatusTest, WithReasonReplacesTheReasonAndKeepsCodeAndMessage) {
  absl::Status s =
      WithReason(WithReason(absl::NotFoundError("no session s1"), "A"), "SESSION_NOT_FOUND");
  grpc::Status wire = ToGrpcStatus(s);
  EXPECT_EQ(wire.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(wire.error_message(), "no session s1");
  EXPECT_EQ(ReasonOf(wire), "SESSION_NOT_FOUND");
  EXPECT_THAT(ViolationsOf(wire), IsEmpty());
}

TEST(StatusTest, OkStaysOkWithoutDetails) {
  EXPECT_TRUE(WithReason(absl::OkStatus(), "X").ok());
  grpc::Status wire = ToGrpcStatus(absl::OkStatus());
  EXPECT_TRUE(wire.ok());
  EXPECT_TRUE(wire.error_details().empty());
  EXPECT_TRUE(FromGrpcStatus(wire).ok());
}

TEST(StatusTest, FromGrpcStatusRestoresReasonAndViolations) {
  absl::Status original = InvalidArgumentError("bad", {{"name", "required"}});
  absl::Status back = FromGrpcStatus(ToGrpcStatus(original));
  EXPECT_EQ(back.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(back.message(), "bad");
  EXPECT_EQ(ReasonOf(back), "FIELD_INVALID");
  EXPECT_THAT(ViolationsOf(back), ElementsAre(FieldViolation{"name", "required"}));
}

TEST(StatusTest, ForeignGrpcStatusHasNoReason) {
  EXPECT_EQ(ReasonOf(grpc::Status(grpc::StatusCode::UNAVAILABLE, "down")), "");
  EXPECT_EQ(FromGrpcStatus(grpc::Status(grpc::StatusCode::UNAVAILABLE, "down")).code(),
            absl::StatusCode::kUnavailable);
}

// What is about the caller's request passes through with its details; a refusal of this
// service's own request is INTERNAL, anything else UNAVAILABLE, both naming the service.
TEST(StatusTest, DownstreamErrorPassesTheCallersOwnAndNamesTheServiceOtherwise) {
  const absl::Status refused = DownstreamError(
      "questionnaire", "reading x",
      ToGrpcStatus(Error(absl::StatusCode::kPermissionDenied, "PERMISSION_DENIED", "no")));
  EXPECT_EQ(refused.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(ReasonOf(refused), "PERMISSION_DENIED");
  EXPECT_EQ(refused.message(), "no");
  const absl::Status broken =
      DownstreamError("questionnaire", "reading x",
                      ToGrpcStatus(InvalidArgumentError("bad", {{"page_token", "stale"}})));
  EXPECT_EQ(broken.code(), absl::StatusCode::kInternal);
  EXPECT_EQ(ReasonOf(broken), "DEPENDENCY_FAILED");
  EXPECT_EQ(broken.message(), "reading x was refused by the questionnaire service: bad");
  EXPECT_TRUE(ViolationsOf(broken).empty()) << "the field is not the caller's";
  const absl::Status passed_on = DownstreamError(
      "reporting", "recording y",
      ToGrpcStatus(Error(absl::StatusCode::kInternal, "DEPENDENCY_FAILED", "refused by z")));
  EXPECT_EQ(passed_on.code(), absl::StatusCode::kInternal);
  EXPECT_EQ(ReasonOf(passed_on), "DEPENDENCY_FAILED");
  for (const grpc::Status& passing :
       {grpc::Status(grpc::StatusCode::INTERNAL, "Received RST_STREAM with error code 2"),
        grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "unknown method"),
        grpc::Status(grpc::StatusCode::UNAVAILABLE, "connect failed")}) {
    const absl::Status s = DownstreamError("questionnaire", "reading x", passing);
    EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable) << passing.error_message();
    EXPECT_EQ(ReasonOf(s), "DEPENDENCY_UNAVAILABLE");
  }
  const absl::Status down = DownstreamError(
      "questionnaire", "reading x", grpc::Status(grpc::StatusCode::UNAVAILABLE, "connect failed"));
  EXPECT_EQ(down.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(ReasonOf(down), "DEPENDENCY_UNAVAILABLE");
  EXPECT_EQ(down.message(), "reading x failed at the questionnaire service: connect failed");
}

}  // namespace
}  // namespace lagom
