#include "common/request_context.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/status.h"

namespace lagom {
namespace {

using ::testing::HasSubstr;
using Metadata = std::multimap<grpc::string_ref, grpc::string_ref>;

const absl::Time kDeadline = absl::FromUnixSeconds(1700000000);

TEST(RequestContextTest, MissingTenantIsUnauthenticatedAndNamesTheKey) {
  for (const Metadata& md : {Metadata{}, Metadata{{kTenantMetadataKey, ""}}}) {
    absl::StatusOr<RequestContext> rc = RequestContextFromMetadata(md, kDeadline);
    ASSERT_FALSE(rc.ok());
    EXPECT_EQ(rc.status().code(), absl::StatusCode::kUnauthenticated);
    EXPECT_EQ(ReasonOf(rc.status()), "TENANT_MISSING");
    EXPECT_THAT(rc.status().message(), HasSubstr("x-lagom-tenant"));
  }
}

TEST(RequestContextTest, MalformedTenantIsUnauthenticatedAndNamesThePattern) {
  for (const char* bad : {"Acme", "1acme", "a", "acme_corp", "acme corp",
                          "a234567890123456789012345678901234567890123456789012345678901234"}) {
    Metadata md{{kTenantMetadataKey, bad}};
    absl::StatusOr<RequestContext> rc = RequestContextFromMetadata(md, kDeadline);
    ASSERT_FALSE(rc.ok()) << bad;
    EXPECT_EQ(rc.status().code(), absl::StatusCode::kUnauthenticated);
    EXPECT_EQ(ReasonOf(rc.status()), "TENANT_INVALID");
    EXPECT_THAT(rc.status().message(), HasSubstr(kTenantIdPattern));
  }
}

TEST(RequestContextTest, GoodMetadataFillsTheContext) {
  Metadata md{{kTenantMetadataKey, "acme-it"},
              {kPrincipalMetadataKey, "alice@acme"},
              {kRequestIdMetadataKey, "r-1"}};
  absl::StatusOr<RequestContext> rc = RequestContextFromMetadata(md, kDeadline);
  ASSERT_TRUE(rc.ok()) << rc.status();
  EXPECT_EQ(rc->tenant_id, "acme-it");
  EXPECT_EQ(rc->principal, "alice@acme");
  EXPECT_EQ(rc->request_id_hint, "r-1");
  EXPECT_EQ(rc->deadline, kDeadline);
}

TEST(RequestContextTest, LongestAndShortestValidTenants) {
  EXPECT_TRUE(IsValidTenantId("ab"));
  EXPECT_TRUE(IsValidTenantId(std::string(63, 'a')));
  EXPECT_FALSE(IsValidTenantId(std::string(64, 'a')));
}

TEST(RequestContextTest, ForwardToSetsTheDeadline) {
  RequestContext rc{"acme", "alice", "", kDeadline};
  grpc::ClientContext ctx;
  ForwardTo(rc, &ctx);
  EXPECT_EQ(absl::FromChrono(ctx.deadline()), kDeadline);
}

}  // namespace
}  // namespace lagom
