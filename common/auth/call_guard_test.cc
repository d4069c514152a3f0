#include "common/auth/call_guard.h"

#include <gmock/gmock.h>
#include <grpcpp/server_context.h>
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/status.h"
#include "lagom/auth/v1/auth.pb.h"
#include "lagom/session/v1/session.pb.h"
#include "lagom/tenancy/v1/tenancy.pb.h"

namespace lagom::auth {
namespace {

using ::testing::HasSubstr;

// Answers every call with the principal (or error) it was given, and remembers the metadata
// it was shown.
class FakeAuthenticator final : public Authenticator {
 public:
  explicit FakeAuthenticator(absl::StatusOr<Principal> result) : result_(std::move(result)) {}

  absl::StatusOr<Principal> Authenticate(const Metadata& metadata) override {
    seen_.clear();
    for (const auto& [key, value] : metadata) {
      seen_.emplace_back(std::string(key.data(), key.size()),
                         std::string(value.data(), value.size()));
    }
    return result_;
  }

  const std::vector<std::pair<std::string, std::string>>& seen() const { return seen_; }

 private:
  absl::StatusOr<Principal> result_;
  std::vector<std::pair<std::string, std::string>> seen_;
};

Principal Person(const std::string& tenant, Role role) {
  Principal p;
  p.set_tenant_id(tenant);
  p.set_subject("alice@example.com");
  p.set_role(role);
  p.set_credential_kind(v1::CREDENTIAL_KIND_JWT);
  return p;
}

session::v1::GetSessionRequest GetSession(const std::string& name) {
  session::v1::GetSessionRequest request;
  request.set_name(name);
  return request;
}

// A limiter that refills one call per 1000 s: only the burst counts within a test.
RateLimits Burst(double calls) {
  RateLimits limits;
  limits.calls_per_second = 0.001;
  limits.burst = calls;
  return limits;
}

TEST(CallGuardTest, AdmittedCallCarriesWhoWhichTenantUntilWhen) {
  FakeAuthenticator authenticator(Person("acme", v1::PRINCIPAL_ROLE_FACILITATOR));
  RateLimiter limiter{RateLimits{}};
  CallGuard guard(authenticator, &limiter);
  const std::string key = "authorization", value = "Bearer token";
  const std::string rid_key = "x-request-id", rid = "req-42";
  Metadata metadata{{key, value}, {rid_key, rid}};
  const absl::Time deadline = absl::FromUnixSeconds(2000000000);

  absl::StatusOr<RequestContext> rc =
      guard.AdmitMetadata(metadata, deadline, GetSession("tenants/acme/sessions/s1"));

  ASSERT_TRUE(rc.ok()) << rc.status();
  EXPECT_EQ(rc->tenant_id, "acme");
  EXPECT_EQ(rc->principal.tenant_id(), "acme");
  EXPECT_EQ(rc->principal.subject(), "alice@example.com");
  EXPECT_EQ(rc->principal.role(), v1::PRINCIPAL_ROLE_FACILITATOR);
  EXPECT_EQ(rc->request_id_hint, "req-42");
  EXPECT_EQ(rc->deadline, deadline);
  EXPECT_THAT(authenticator.seen(),
              ::testing::UnorderedElementsAre(std::pair(key, value), std::pair(rid_key, rid)));
}

TEST(CallGuardTest, AdmitReadsTheServerContext) {
  FakeAuthenticator authenticator(Person("acme", v1::PRINCIPAL_ROLE_VIEWER));
  CallGuard guard(authenticator, nullptr);
  grpc::ServerContext ctx;  // no metadata, no deadline, no peer

  absl::StatusOr<RequestContext> rc = guard.Admit(ctx, GetSession("tenants/acme/sessions/s1"));

  ASSERT_TRUE(rc.ok()) << rc.status();
  EXPECT_EQ(rc->tenant_id, "acme");
  EXPECT_EQ(rc->deadline, absl::InfiniteFuture());
  EXPECT_EQ(rc->request_id_hint, "");
  EXPECT_TRUE(authenticator.seen().empty());
}

TEST(CallGuardTest, OverlongRequestIdIsCut) {
  FakeAuthenticator authenticator(Person("acme", v1::PRINCIPAL_ROLE_VIEWER));
  CallGuard guard(authenticator, nullptr);
  const std::string key = "x-request-id", value(5000, 'r');
  absl::StatusOr<RequestContext> rc = guard.AdmitMetadata(
      Metadata{{key, value}}, absl::InfiniteFuture(), GetSession("tenants/acme/sessions/s1"));
  ASSERT_TRUE(rc.ok()) << rc.status();
  EXPECT_EQ(rc->request_id_hint, std::string(128, 'r'));
}

TEST(CallGuardTest, AuthenticationFailurePassesThrough) {
  FakeAuthenticator authenticator(Error(absl::StatusCode::kUnauthenticated, "JWT_EXPIRED",
                                        "the token expired at 12:00; get a new one"));
  RateLimiter limiter{RateLimits{}};
  CallGuard guard(authenticator, &limiter);

  absl::StatusOr<RequestContext> rc = guard.AdmitMetadata(Metadata{}, absl::InfiniteFuture(),
                                                          GetSession("tenants/acme/sessions/s1"));

  ASSERT_FALSE(rc.ok());
  EXPECT_EQ(rc.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(ReasonOf(rc.status()), "JWT_EXPIRED");
  EXPECT_EQ(rc.status().message(), "the token expired at 12:00; get a new one");
}

TEST(CallGuardTest, RoleThatMayNotCallIsDenied) {
  FakeAuthenticator authenticator(Person("acme", v1::PRINCIPAL_ROLE_VIEWER));
  CallGuard guard(authenticator, nullptr);
  session::v1::CloseSessionRequest close;
  close.set_name("tenants/acme/sessions/s1");

  absl::StatusOr<RequestContext> rc =
      guard.AdmitMetadata(Metadata{}, absl::InfiniteFuture(), close);

  ASSERT_FALSE(rc.ok());
  EXPECT_EQ(rc.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(ReasonOf(rc.status()), "PERMISSION_DENIED");
  EXPECT_THAT(rc.status().message(), HasSubstr("VIEWER"));
}

TEST(CallGuardTest, AnotherTenantsResourceIsNotFound) {
  FakeAuthenticator authenticator(Person("acme", v1::PRINCIPAL_ROLE_TENANT_ADMIN));
  CallGuard guard(authenticator, nullptr);

  absl::StatusOr<RequestContext> rc = guard.AdmitMetadata(Metadata{}, absl::InfiniteFuture(),
                                                          GetSession("tenants/globex/sessions/s1"));

  ASSERT_FALSE(rc.ok());
  EXPECT_EQ(rc.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(rc.status().message(), "tenants/globex/sessions/s1 not found");
}

TEST(CallGuardTest, TenantOverItsRateIsRefusedAndOthersAreNot) {
  FakeAuthenticator acme(Person("acme", v1::PRINCIPAL_ROLE_VIEWER));
  FakeAuthenticator globex(Person("globex", v1::PRINCIPAL_ROLE_VIEWER));
  RateLimiter limiter(Burst(2));
  CallGuard acme_guard(acme, &limiter);
  CallGuard globex_guard(globex, &limiter);
  const auto admit = [](const CallGuard& guard, const std::string& name) {
    return guard.AdmitMetadata(Metadata{}, absl::InfiniteFuture(), GetSession(name)).status();
  };

  EXPECT_TRUE(admit(acme_guard, "tenants/acme/sessions/s1").ok());
  EXPECT_TRUE(admit(acme_guard, "tenants/acme/sessions/s1").ok());
  const absl::Status limited = admit(acme_guard, "tenants/acme/sessions/s1");

  EXPECT_EQ(limited.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(ReasonOf(limited), "RATE_LIMITED");
  EXPECT_TRUE(limited.GetPayload("type.googleapis.com/google.rpc.RetryInfo").has_value());
  EXPECT_TRUE(admit(globex_guard, "tenants/globex/sessions/s1").ok());
}

// A stream admitted once is checked again as it runs, without spending the tenant's budget.
TEST(CallGuardTest, ReadmittingAStreamDoesNotSpendTheTenantsBudget) {
  FakeAuthenticator authenticator(Person("acme", v1::PRINCIPAL_ROLE_VIEWER));
  RateLimiter limiter(Burst(1));
  CallGuard guard(authenticator, &limiter);
  grpc::ServerContext ctx;
  const session::v1::GetSessionRequest get = GetSession("tenants/acme/sessions/s1");
  ASSERT_TRUE(guard.Admit(ctx, get).ok());
  for (int i = 0; i < 5; ++i) {
    absl::StatusOr<RequestContext> again = guard.Readmit(ctx, get);
    ASSERT_TRUE(again.ok()) << again.status();
    EXPECT_EQ(again->principal.role(), v1::PRINCIPAL_ROLE_VIEWER);
  }
  EXPECT_EQ(guard.Admit(ctx, get).status().code(), absl::StatusCode::kResourceExhausted);
  // It is still authorised: a role that may not make the call is refused again.
  session::v1::CloseSessionRequest close;
  close.set_name("tenants/acme/sessions/s1");
  EXPECT_EQ(guard.Readmit(ctx, close).status().code(), absl::StatusCode::kPermissionDenied);
}

TEST(CallGuardTest, RefusedCallsDoNotSpendTheTenantsBudget) {
  FakeAuthenticator authenticator(Person("acme", v1::PRINCIPAL_ROLE_VIEWER));
  RateLimiter limiter(Burst(1));
  CallGuard guard(authenticator, &limiter);
  session::v1::CloseSessionRequest close;
  close.set_name("tenants/acme/sessions/s1");
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(guard.AdmitMetadata(Metadata{}, absl::InfiniteFuture(), close).status().code(),
              absl::StatusCode::kPermissionDenied);
  }
  EXPECT_TRUE(
      guard
          .AdmitMetadata(Metadata{}, absl::InfiniteFuture(), GetSession("tenants/acme/sessions/s1"))
          .ok());
}

TEST(CallGuardTest, OperatorHasNoTenantAndNoTenantBudget) {
  Principal op;
  op.set_subject("operator");
  op.set_role(v1::PRINCIPAL_ROLE_OPERATOR);
  op.set_credential_kind(v1::CREDENTIAL_KIND_OPERATOR);
  FakeAuthenticator authenticator(op);
  RateLimiter limiter(Burst(1));
  CallGuard guard(authenticator, &limiter);
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<RequestContext> rc =
        guard.AdmitMetadata(Metadata{}, absl::InfiniteFuture(), tenancy::v1::ListTenantsRequest());
    ASSERT_TRUE(rc.ok()) << rc.status();
    EXPECT_EQ(rc->tenant_id, "");
    EXPECT_EQ(rc->principal.role(), v1::PRINCIPAL_ROLE_OPERATOR);
  }
}

}  // namespace
}  // namespace lagom::auth
