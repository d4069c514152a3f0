// Tenant isolation and credentials end to end, on the service binaries: API keys issued by the
// questionnaire service work on every service, a revoked key stops working everywhere within
// a second, another tenant's resources are NOT_FOUND, roles are enforced.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/auth/api_key.h"
#include "common/status.h"
#include "common/testing/byte_service.h"
#include "common/testing/integration.h"
#include "lagom/catalog/v1/catalog.grpc.pb.h"
#include "lagom/session/v1/session.pb.h"
#include "lagom/tenancy/v1/tenancy.grpc.pb.h"
#include "tests/integration/lagom_processes.h"

namespace lagom::testing {
namespace {

namespace catalog = ::lagom::catalog::v1;
namespace tenancy = ::lagom::tenancy::v1;

class AuthProcessTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<RunningService> q = StartService(Questionnaire(), "");
    ASSERT_TRUE(q.ok()) << q.status();
    questionnaire_ = new RunningService(*std::move(q));
    absl::StatusOr<RunningService> s = StartService(Session(), questionnaire_->address);
    ASSERT_TRUE(s.ok()) << s.status();
    session_ = new RunningService(*std::move(s));
  }
  static void TearDownTestSuite() {
    delete session_;
    delete questionnaire_;
  }

  void SetUp() override {
    tenant_a_ = UniqueTenantId("a");
    tenant_b_ = UniqueTenantId("b");
    absl::StatusOr<std::string> a = CreateTenant(*questionnaire_->channel, tenant_a_);
    ASSERT_TRUE(a.ok()) << a.status();
    key_a_ = *a;
    absl::StatusOr<std::string> b = CreateTenant(*questionnaire_->channel, tenant_b_);
    ASSERT_TRUE(b.ok()) << b.status();
    key_b_ = *b;
    catalog_ = catalog::CatalogService::NewStub(questionnaire_->channel);
  }

  grpc::Status CreateOrg(const std::string& key, const std::string& tenant, const std::string& id) {
    catalog::CreateCustomerOrganizationRequest req;
    req.set_parent("tenants/" + tenant);
    req.set_customer_organization_id(id);
    req.mutable_customer_organization()->set_display_name("Org " + id);
    catalog::CreateCustomerOrganizationResponse resp;
    grpc::ClientContext ctx;
    Authorize(ctx, key);
    return catalog_->CreateCustomerOrganization(&ctx, req, &resp);
  }

  grpc::Status GetOrg(const std::string& key, const std::string& name) {
    catalog::GetCustomerOrganizationRequest req;
    req.set_name(name);
    catalog::GetCustomerOrganizationResponse resp;
    grpc::ClientContext ctx;
    Authorize(ctx, key);
    return catalog_->GetCustomerOrganization(&ctx, req, &resp);
  }

  // A call on the session service, which checks keys through the questionnaire service; an
  // admitted caller gets to the core, which refuses the empty request (INVALID_ARGUMENT).
  grpc::Status CallSession(const std::string& key) {
    grpc::ClientContext ctx;
    Authorize(ctx, key);
    std::string reply;
    return CallUnary(session_->channel.get(), "/lagom.session.v1.SessionService/ListSessions", &ctx,
                     "", &reply);
  }

  static RunningService* questionnaire_;
  static RunningService* session_;
  std::string tenant_a_, tenant_b_, key_a_, key_b_;
  std::unique_ptr<catalog::CatalogService::Stub> catalog_;
};

RunningService* AuthProcessTest::questionnaire_ = nullptr;
RunningService* AuthProcessTest::session_ = nullptr;

TEST_F(AuthProcessTest, AnotherTenantsResourceIsNotFoundAndUnchanged) {
  ASSERT_TRUE(CreateOrg(key_a_, tenant_a_, "lund").ok());
  const std::string name = "tenants/" + tenant_a_ + "/customerOrganizations/lund";
  grpc::Status cross = GetOrg(key_b_, name);
  EXPECT_EQ(cross.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(ReasonOf(cross), "RESOURCE_NOT_FOUND");
  EXPECT_EQ(CreateOrg(key_b_, tenant_a_, "intruder").error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_TRUE(GetOrg(key_a_, name).ok());
  EXPECT_EQ(GetOrg(key_a_, "tenants/" + tenant_a_ + "/customerOrganizations/intruder").error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(AuthProcessTest, RolesAreEnforced) {
  absl::StatusOr<std::pair<std::string, std::string>> viewer =
      CreateApiKey(*questionnaire_->channel, key_a_, "ROLE_VIEWER");
  ASSERT_TRUE(viewer.ok()) << viewer.status();
  grpc::Status denied = CreateOrg(viewer->second, tenant_a_, "nope");
  EXPECT_EQ(denied.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(ReasonOf(denied), "PERMISSION_DENIED");
  ASSERT_TRUE(CreateOrg(key_a_, tenant_a_, "lund").ok());
  EXPECT_TRUE(GetOrg(viewer->second, "tenants/" + tenant_a_ + "/customerOrganizations/lund").ok());
  // The hosting operator provisions tenants but does not act inside them: it is told that a
  // tenant's credential is needed.
  grpc::Status op =
      GetOrg(TestSecrets().operator_token, "tenants/" + tenant_a_ + "/customerOrganizations/lund");
  EXPECT_EQ(op.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(ReasonOf(op), "TENANT_MISSING");
}

TEST_F(AuthProcessTest, BadCredentialsAreUnauthenticated) {
  lagom::auth::ApiKeyParts forged = lagom::auth::GenerateApiKey(tenant_a_, "forged");
  for (const std::string& key : {lagom::auth::FormatApiKey(forged), std::string("lgm_nonsense"),
                                 std::string("not-a-token"), key_a_ + "x"}) {
    EXPECT_EQ(GetOrg(key, "tenants/" + tenant_a_ + "/customerOrganizations/x").error_code(),
              grpc::StatusCode::UNAUTHENTICATED)
        << key;
    EXPECT_EQ(CallSession(key).error_code(), grpc::StatusCode::UNAUTHENTICATED) << key;
  }
}

// A suspended tenant is read-only everywhere: its keys still read, on the questionnaire
// service and on the session service (which learns of the state through the questionnaire's
// directory), and every call that would change data is refused TENANT_INACTIVE.
TEST_F(AuthProcessTest, ASuspendedTenantReadsButChangesNothing) {
  ASSERT_TRUE(CreateOrg(key_a_, tenant_a_, "lund").ok());
  auto tenants = tenancy::TenantService::NewStub(questionnaire_->channel);
  auto set_state = [&](tenancy::Tenant::State state) {
    tenancy::UpdateTenantRequest req;
    req.mutable_tenant()->set_name("tenants/" + tenant_a_);
    req.mutable_tenant()->set_state(state);
    req.mutable_update_mask()->add_paths("state");
    tenancy::UpdateTenantResponse resp;
    grpc::ClientContext ctx;
    Authorize(ctx, TestSecrets().operator_token);
    grpc::Status s = tenants->UpdateTenant(&ctx, req, &resp);
    ASSERT_TRUE(s.ok()) << s.error_message();
  };
  ASSERT_NO_FATAL_FAILURE(set_state(tenancy::Tenant::STATE_SUSPENDED));
  const std::string lund = "tenants/" + tenant_a_ + "/customerOrganizations/lund";
  // Each service caches a key's verdict for at most half a second.
  absl::Status refused;
  std::string attempt;
  const absl::Time suspended = absl::Now();
  for (int i = 0; absl::Now() - suspended < absl::Seconds(3); ++i) {
    attempt = absl::StrCat("malmo", i);
    refused = FromGrpcStatus(CreateOrg(key_a_, tenant_a_, attempt));
    if (!refused.ok()) break;
    absl::SleepFor(absl::Milliseconds(50));  // polling the other process's cache expiry
  }
  EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition) << refused;
  EXPECT_EQ(ReasonOf(refused), "TENANT_INACTIVE");
  EXPECT_EQ(
      GetOrg(key_a_, "tenants/" + tenant_a_ + "/customerOrganizations/" + attempt).error_code(),
      grpc::StatusCode::NOT_FOUND);  // the refused call made nothing
  EXPECT_TRUE(GetOrg(key_a_, lund).ok());
  // Reads pass to the session service's handler (which refuses the empty request), writes not.
  EXPECT_EQ(CallSession(key_a_).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  grpc::ClientContext ctx;
  Authorize(ctx, key_a_);
  std::string reply;
  session::v1::CreateSessionRequest create;
  create.set_parent("tenants/" + tenant_a_);
  grpc::Status write =
      CallUnary(session_->channel.get(), "/lagom.session.v1.SessionService/CreateSession", &ctx,
                create.SerializeAsString(), &reply);
  EXPECT_EQ(write.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << write.error_message();
  EXPECT_EQ(ReasonOf(write), "TENANT_INACTIVE");

  ASSERT_NO_FATAL_FAILURE(set_state(tenancy::Tenant::STATE_ACTIVE));
  grpc::Status again;
  const absl::Time active = absl::Now();
  while (absl::Now() - active < absl::Seconds(3)) {
    again = CreateOrg(key_a_, tenant_a_, "ystad");
    if (again.ok()) break;
    absl::SleepFor(absl::Milliseconds(50));  // polling the other process's cache expiry
  }
  EXPECT_TRUE(again.ok()) << again.error_message();
}

TEST_F(AuthProcessTest, ARevokedKeyStopsWorkingEverywhereWithinASecond) {
  absl::StatusOr<std::pair<std::string, std::string>> key =
      CreateApiKey(*questionnaire_->channel, key_a_, "ROLE_FACILITATOR");
  ASSERT_TRUE(key.ok()) << key.status();
  // Known to both services (and in their caches) before the revocation.
  ASSERT_EQ(CallSession(key->second).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  ASSERT_EQ(GetOrg(key->second, "tenants/" + tenant_a_ + "/customerOrganizations/x").error_code(),
            grpc::StatusCode::NOT_FOUND);

  auto tenants = tenancy::TenantService::NewStub(questionnaire_->channel);
  tenancy::RevokeApiKeyRequest req;
  req.set_name(key->first);
  tenancy::RevokeApiKeyResponse resp;
  grpc::ClientContext ctx;
  Authorize(ctx, key_a_);
  ASSERT_TRUE(tenants->RevokeApiKey(&ctx, req, &resp).ok());
  const absl::Time revoked = absl::Now();

  // Every service caches a verdict for at most half a second: both must refuse within one.
  absl::Duration until_refused = absl::InfiniteDuration();
  while (absl::Now() - revoked < absl::Seconds(3)) {
    const bool session_refuses =
        CallSession(key->second).error_code() == grpc::StatusCode::UNAUTHENTICATED;
    const bool questionnaire_refuses =
        GetOrg(key->second, "tenants/" + tenant_a_ + "/customerOrganizations/x").error_code() ==
        grpc::StatusCode::UNAUTHENTICATED;
    if (session_refuses && questionnaire_refuses) {
      until_refused = absl::Now() - revoked;
      break;
    }
    absl::SleepFor(absl::Milliseconds(20));  // polling other processes' cache expiry
  }
  EXPECT_LE(until_refused, absl::Seconds(1));
}

}  // namespace
}  // namespace lagom::testing
