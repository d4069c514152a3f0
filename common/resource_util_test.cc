#include "common/resource_util.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>

#include "common/status.h"

namespace lagom {
namespace {

namespace auth_api = ::lagom::auth::v1;

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

google::protobuf::Timestamp At(int64_t seconds, int32_t nanos = 0) {
  google::protobuf::Timestamp ts;
  ts.set_seconds(seconds);
  ts.set_nanos(nanos);
  return ts;
}

TEST(TimestampTest, ValidFromYearOneToYear9999) {
  EXPECT_TRUE(IsValidTimestamp(At(0)));
  EXPECT_TRUE(IsValidTimestamp(At(-62135596800)));             // 0001-01-01T00:00:00Z
  EXPECT_TRUE(IsValidTimestamp(At(253402300799, 999999999)));  // 9999-12-31T23:59:59.999999999Z
  EXPECT_FALSE(IsValidTimestamp(At(-62135596801)));
  EXPECT_FALSE(IsValidTimestamp(At(253402300800)));
  EXPECT_FALSE(IsValidTimestamp(At(0, -1)));
  EXPECT_FALSE(IsValidTimestamp(At(0, 1000000000)));
}

TEST(TimestampTest, ABadOneNamesItsFieldAndTheAllowedRange) {
  Violations v;
  EXPECT_TRUE(CheckTimestamp(v, "start_time", At(1700000000)));
  ASSERT_FALSE(CheckTimestamp(v, "start_time", At(253402300800)));
  absl::Status s = std::move(v).ToStatus("invalid request");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  ASSERT_THAT(ViolationsOf(s), ElementsAre(::testing::Field(&FieldViolation::field, "start_time")));
  EXPECT_THAT(ViolationsOf(s)[0].description,
              HasSubstr("must be from 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z"));
}

// Before 1970 the seconds round down and the nanos stay positive, and the time comes back.
TEST(TimestampTest, TimesBefore1970ConvertWithPositiveNanos) {
  const absl::Time t = absl::FromUnixMicros(-1500001);  // 1969-12-31T23:59:58.499999Z
  const google::protobuf::Timestamp ts = ToProto(t);
  EXPECT_EQ(ts.seconds(), -2);
  EXPECT_EQ(ts.nanos(), 499999000);
  EXPECT_TRUE(IsValidTimestamp(ts));
  EXPECT_EQ(FromProto(ts), t);
  EXPECT_EQ(ToProto(absl::FromUnixMicros(-1000000)).nanos(), 0);
  EXPECT_EQ(ToProto(absl::FromUnixMicros(1500001)).nanos(), 500001000);
}

TEST(ViolationsTest, NoViolationIsNeverAnOkStatus) {
  Violations none;
  const absl::Status s = std::move(none).ToStatus("invalid request");
  EXPECT_EQ(s.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(s.message(), HasSubstr("no violation recorded"));
}

TEST(CheckTextTest, ControlCharactersAreRefusedNamingTheByteButLineBreaksAndTabsPass) {
  Violations v;
  CheckText(v, "service.external_id",
            std::string("S\0"
                        "1",
                        3),
            200, false);
  CheckText(v, "service.display_name", "Mail\x1b[31m", 200, true);
  CheckText(v, "service.description", "Line one\r\nline\ttwo\n", 2000, false);
  CheckText(v, "service.owner", "Kundtjänst ✓", 200, false);
  const std::vector<FieldViolation> found = ViolationsOf(std::move(v).ToStatus("invalid"));
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].field, "service.external_id");
  EXPECT_THAT(found[0].description, HasSubstr("control characters (byte 0x00 at offset 1)"));
  EXPECT_EQ(found[1].field, "service.display_name");
  EXPECT_THAT(found[1].description, HasSubstr("byte 0x1b at offset 4"));
  EXPECT_EQ(WithoutControlCharacters(std::string("Q4\0review\x1b\tok\n", 14)), "Q4 review \tok\n");
  EXPECT_EQ(ControlCharacterIn(WithoutControlCharacters("a\x7f")), std::nullopt);
}

// The kept replies of one tenant, as a store's transaction holds them.
class FakeReplies final {
 public:
  absl::StatusOr<std::optional<IdempotentReply>> FindReply(const std::string& request_id) {
    auto it = kept.find(request_id);
    if (it == kept.end()) return std::nullopt;
    return it->second;
  }
  absl::Status RecordReply(const std::string& request_id, const IdempotentReply& reply) {
    kept[request_id] = reply;
    return absl::OkStatus();
  }

  std::map<std::string, IdempotentReply> kept;
};

RequestContext Caller(auth_api::CredentialKind kind, const std::string& subject,
                      auth_api::PrincipalRole role = auth_api::PRINCIPAL_ROLE_TENANT_ADMIN) {
  RequestContext rc;
  rc.tenant_id = "acme";
  rc.principal.set_tenant_id("acme");
  rc.principal.set_subject(subject);
  rc.principal.set_credential_kind(kind);
  rc.principal.set_role(role);
  return rc;
}

class IdempotencyTest : public ::testing::Test {
 protected:
  // Runs a mutation with request_id r-1 whose reply says how often its body had run then.
  absl::StatusOr<int64_t> Run(const RequestContext& rc,
                              const google::protobuf::Timestamp& request) {
    google::protobuf::Timestamp reply;
    absl::Status s = RunIdempotent(replies_, rc, "r-1", "Mutate", request, &reply, [&] {
      reply.set_seconds(++runs_);
      return absl::OkStatus();
    });
    if (!s.ok()) return s;
    return reply.seconds();
  }

  const RequestContext admin_ = Caller(auth_api::CREDENTIAL_KIND_API_KEY, "tenants/acme/apiKeys/a");
  const RequestContext viewer_ = Caller(auth_api::CREDENTIAL_KIND_API_KEY, "tenants/acme/apiKeys/v",
                                        auth_api::PRINCIPAL_ROLE_VIEWER);
  FakeReplies replies_;
  int runs_ = 0;
};

TEST_F(IdempotencyTest, ARetryFromTheSameCallerGetsTheFirstReply) {
  ASSERT_EQ(Run(admin_, At(7)).value_or(-1), 1);
  absl::StatusOr<int64_t> retry = Run(admin_, At(7));
  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_EQ(*retry, 1);
  EXPECT_EQ(runs_, 1);
}

TEST_F(IdempotencyTest, AnotherCallersRequestIdIsRefusedWithoutNamingThemAndNothingRuns) {
  ASSERT_TRUE(Run(admin_, At(7)).ok());
  absl::StatusOr<int64_t> other = Run(viewer_, At(7));
  EXPECT_EQ(other.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ReasonOf(other.status()), "REQUEST_ID_REUSED");
  EXPECT_THAT(other.status().message(), HasSubstr("request_id r-1 was already used by another"));
  EXPECT_THAT(other.status().message(), Not(HasSubstr("apiKeys/a")));
  EXPECT_EQ(runs_, 1);
  EXPECT_EQ(replies_.kept.size(), 1u);
}

TEST_F(IdempotencyTest, ADifferentRequestUnderTheSameRequestIdIsRefused) {
  ASSERT_TRUE(Run(admin_, At(7)).ok());
  absl::StatusOr<int64_t> other = Run(admin_, At(8));
  EXPECT_EQ(ReasonOf(other.status()), "REQUEST_ID_REUSED");
  EXPECT_THAT(other.status().message(), HasSubstr("was already used for a different request"));
  EXPECT_EQ(runs_, 1);
}

// The role can change between a call and its retry (a JWT user's role binding); the caller is
// the same. The same subject under another kind of credential is someone else.
TEST_F(IdempotencyTest, ACallerIsTheCredentialsKindAndSubjectNotTheRole) {
  ASSERT_TRUE(Run(admin_, At(7)).ok());
  RequestContext demoted = admin_;
  demoted.principal.set_role(auth_api::PRINCIPAL_ROLE_VIEWER);
  EXPECT_EQ(Run(demoted, At(7)).value_or(-1), 1);
  RequestContext jwt = admin_;
  jwt.principal.set_credential_kind(auth_api::CREDENTIAL_KIND_JWT);
  EXPECT_EQ(ReasonOf(Run(jwt, At(7)).status()), "REQUEST_ID_REUSED");
  EXPECT_EQ(runs_, 1);
}

// Replies kept by a release before callers were kept (no caller) stay for a while after an
// upgrade: the same request gets its reply, from whoever retries it. And what this release keeps
// is what such a release compares: the request's own fingerprint, so that a retry reaching it
// during a rolling upgrade, or after a rollback, is still answered.
TEST_F(IdempotencyTest, RepliesWithoutACallerAnswerAnyoneAndRequestsAreKeptAsBefore) {
  google::protobuf::Timestamp first;
  first.set_seconds(42);
  replies_.kept["r-1"] =
      IdempotentReply{"Mutate", RequestFingerprint(At(7)), first.SerializeAsString(), ""};
  for (const RequestContext& rc : {admin_, viewer_}) {
    absl::StatusOr<int64_t> retry = Run(rc, At(7));
    ASSERT_TRUE(retry.ok()) << retry.status();
    EXPECT_EQ(*retry, 42);
  }
  EXPECT_EQ(ReasonOf(Run(admin_, At(8)).status()), "REQUEST_ID_REUSED");
  EXPECT_EQ(runs_, 0);

  replies_.kept.clear();
  ASSERT_TRUE(Run(admin_, At(7)).ok());
  ASSERT_EQ(replies_.kept.size(), 1u);
  const IdempotentReply& kept = replies_.kept.begin()->second;
  EXPECT_EQ(kept.request, RequestFingerprint(At(7)));
  EXPECT_FALSE(kept.caller.empty());
  EXPECT_EQ(kept.caller, KeyOf(admin_, At(7)).caller);
  // Not even a caller with nothing set is taken for an earlier release's reply.
  EXPECT_FALSE(KeyOf(RequestContext{}, At(7)).caller.empty());
}

}  // namespace
}  // namespace lagom
