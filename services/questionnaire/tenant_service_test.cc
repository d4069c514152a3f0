// TenantService and AuthService over real gRPC on loopback and real PostgreSQL: what a client
// (lagomctl, another Lagom service) sees.
#include "services/questionnaire/tenant_service.h"

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

#include "common/server.h"
#include "common/status.h"
#include "common/testing/integration.h"
#include "common/testing/service_pool.h"
#include "common/testing/test_admitter.h"
#include "questionnaire_migrations.h"
#include "services/questionnaire/auth_service.h"
#include "services/questionnaire/store/pg_tenancy_store.h"
#include "services/questionnaire/store/pg_webhook_store.h"

namespace lagom::questionnaire {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class TenantServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto pool = lagom::testing::ServicePool("questionnaire", Migrations());
    ASSERT_TRUE(pool.ok()) << pool.status();
    pool_ = *std::move(pool);
    store_ = std::make_unique<PgTenancyStore>(*pool_);
    core_ = std::make_unique<TenancyCore>(*store_);
    webhook_store_ = std::make_unique<webhooks::PgWebhookStore>(*pool_);
    webhook_core_ = std::make_unique<webhooks::WebhookRpcCore>(*webhook_store_);
    tenant_service_ =
        std::make_unique<TenantServiceImpl>(*core_, *webhook_core_, admitter_, executor_);
    auth_service_ = std::make_unique<AuthServiceImpl>(*core_, *webhook_core_, admitter_, executor_);
    auto server = Server::Start({.service_name = "questionnaire-test"},
                                {tenant_service_.get(), auth_service_.get()});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()),
                                       grpc::InsecureChannelCredentials());
    tenants_ = tenancy::TenantService::NewStub(channel);
    auth_ = auth_api::AuthService::NewStub(channel);

    RequestContext op;
    op.principal.set_subject("operator");
    op.principal.set_role(auth_api::PRINCIPAL_ROLE_OPERATOR);
    tenancy::CreateTenantRequest create;
    create.set_tenant_id(tenant_);
    create.mutable_tenant()->set_display_name("Acme");
    tenancy::CreateTenantResponse created;
    ASSERT_TRUE(core_->CreateTenant(op, create, &created).ok());
  }

  void TearDown() override {
    if (server_) server_->Shutdown();
  }

  std::unique_ptr<grpc::ClientContext> As(const std::string& tenant) {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->AddMetadata(lagom::testing::kTestTenantKey, tenant);
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    return ctx;
  }

  grpc::Status Authenticate(const std::string& key, auth_api::AuthenticateResponse* resp) {
    auth_api::AuthenticateRequest req;
    req.set_api_key(key);
    return auth_->Authenticate(As(tenant_).get(), req, resp);
  }

  const std::string tenant_ = lagom::testing::UniqueTenantId("acme");
  lagom::testing::TestAdmitter admitter_;
  Executor executor_{2};
  std::unique_ptr<PgPool> pool_;
  std::unique_ptr<PgTenancyStore> store_;
  std::unique_ptr<TenancyCore> core_;
  std::unique_ptr<webhooks::PgWebhookStore> webhook_store_;
  std::unique_ptr<webhooks::WebhookRpcCore> webhook_core_;
  std::unique_ptr<TenantServiceImpl> tenant_service_;
  std::unique_ptr<AuthServiceImpl> auth_service_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<tenancy::TenantService::Stub> tenants_;
  std::unique_ptr<auth_api::AuthService::Stub> auth_;
};

TEST_F(TenantServiceTest, AKeyAuthenticatesUntilItIsRevoked) {
  tenancy::CreateApiKeyRequest create;
  create.set_parent("tenants/" + tenant_);
  create.set_api_key_id("sync");
  create.mutable_api_key()->set_display_name("ServiceNow sync");
  create.mutable_api_key()->add_roles(tenancy::ROLE_SERVICE);
  tenancy::CreateApiKeyResponse created;
  grpc::Status status = tenants_->CreateApiKey(As(tenant_).get(), create, &created);
  ASSERT_TRUE(status.ok()) << status.error_message();

  auth_api::AuthenticateResponse who;
  status = Authenticate(created.secret(), &who);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(who.principal().subject(), "tenants/" + tenant_ + "/apiKeys/sync");
  EXPECT_EQ(who.principal().role(), auth_api::PRINCIPAL_ROLE_SERVICE);

  tenancy::ListApiKeysRequest list;
  list.set_parent("tenants/" + tenant_);
  tenancy::ListApiKeysResponse listed;
  ASSERT_TRUE(tenants_->ListApiKeys(As(tenant_).get(), list, &listed).ok());
  EXPECT_EQ(listed.api_keys_size(), 2);
  EXPECT_THAT(listed.DebugString(), Not(HasSubstr(created.secret().substr(20))));

  tenancy::RevokeApiKeyRequest revoke;
  revoke.set_name(created.api_key().name());
  tenancy::RevokeApiKeyResponse revoked;
  ASSERT_TRUE(tenants_->RevokeApiKey(As(tenant_).get(), revoke, &revoked).ok());
  status = Authenticate(created.secret(), &who);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(ReasonOf(status), "API_KEY_INVALID");

  tenancy::ListAuditEventsRequest audit;
  audit.set_parent("tenants/" + tenant_);
  audit.set_filter("action = \"api_key.revoked\"");
  tenancy::ListAuditEventsResponse events;
  ASSERT_TRUE(tenants_->ListAuditEvents(As(tenant_).get(), audit, &events).ok());
  ASSERT_EQ(events.audit_events_size(), 1);
  EXPECT_EQ(events.audit_events(0).resource(), created.api_key().name());
  EXPECT_EQ(events.audit_events(0).method(), "/lagom.tenancy.v1.TenantService/RevokeApiKey");
  EXPECT_THAT(events.audit_events(0).details().at("origin"), HasSubstr("127.0.0.1"));
}

TEST_F(TenantServiceTest, AnotherTenantsKeyIsNotFoundAndUnchanged) {
  tenancy::GetApiKeyRequest get;
  get.set_name("tenants/" + tenant_ + "/apiKeys/admin");
  tenancy::GetApiKeyResponse got;
  grpc::Status status = tenants_->GetApiKey(As("someone-else").get(), get, &got);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  tenancy::RevokeApiKeyRequest revoke;
  revoke.set_name(get.name());
  tenancy::RevokeApiKeyResponse revoked;
  status = tenants_->RevokeApiKey(As("someone-else").get(), revoke, &revoked);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  ASSERT_TRUE(tenants_->GetApiKey(As(tenant_).get(), get, &got).ok());
  EXPECT_EQ(got.api_key().state(), tenancy::ApiKey::STATE_ACTIVE);
}

TEST_F(TenantServiceTest, TimesOutsideTheTimestampRangeAreInvalidArgumentsStoringNothing) {
  // The ends of what the wire can carry: far outside google.protobuf.Timestamp's 0001-01-01 to
  // 9999-12-31 and outside what PostgreSQL can store.
  tenancy::ListAuditEventsRequest audit;
  audit.set_parent("tenants/" + tenant_);
  audit.mutable_start_time()->set_seconds(std::numeric_limits<int64_t>::min());
  audit.mutable_end_time()->set_seconds(std::numeric_limits<int64_t>::max());
  tenancy::ListAuditEventsResponse events;
  grpc::Status status = tenants_->ListAuditEvents(As(tenant_).get(), audit, &events);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
  std::vector<std::string> fields;
  for (const FieldViolation& v : ViolationsOf(status)) fields.push_back(v.field);
  EXPECT_THAT(fields, ::testing::ElementsAre("start_time", "end_time"));

  tenancy::CreateApiKeyRequest create;
  create.set_parent("tenants/" + tenant_);
  create.mutable_api_key()->set_display_name("Never expires, nearly");
  create.mutable_api_key()->add_roles(tenancy::ROLE_VIEWER);
  create.mutable_api_key()->mutable_expire_time()->set_seconds(std::numeric_limits<int64_t>::max());
  tenancy::CreateApiKeyResponse created;
  status = tenants_->CreateApiKey(As(tenant_).get(), create, &created);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
  ASSERT_EQ(ViolationsOf(status).size(), 1u) << status.error_message();
  EXPECT_EQ(ViolationsOf(status)[0].field, "api_key.expire_time");
  EXPECT_THAT(ViolationsOf(status)[0].description, HasSubstr("0001-01-01T00:00:00Z"));
  tenancy::ListApiKeysRequest list;
  list.set_parent("tenants/" + tenant_);
  tenancy::ListApiKeysResponse listed;
  ASSERT_TRUE(tenants_->ListApiKeys(As(tenant_).get(), list, &listed).ok());
  EXPECT_EQ(listed.api_keys_size(), 1) << "only the initial admin key";
}

TEST_F(TenantServiceTest, WebhooksOverGrpcNameBadFieldsAndShowTheSecretOnce) {
  tenancy::CreateWebhookRequest create;
  create.set_parent("tenants/" + tenant_);
  create.mutable_webhook()->set_url("http://itsm.example.com/hook");
  tenancy::CreateWebhookResponse created;
  grpc::Status status = tenants_->CreateWebhook(As(tenant_).get(), create, &created);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  std::vector<std::string> fields;
  for (const FieldViolation& v : ViolationsOf(status)) fields.push_back(v.field);
  EXPECT_THAT(fields, ::testing::ElementsAre("webhook.url", "webhook.event_types"));

  create.mutable_webhook()->set_url("https://itsm.example.com/hook");
  create.mutable_webhook()->add_event_types("scorecard.ready");
  status = tenants_->CreateWebhook(As(tenant_).get(), create, &created);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_THAT(created.secret(), ::testing::StartsWith("whsec_"));

  tenancy::GetWebhookRequest get;
  get.set_name(created.webhook().name());
  tenancy::GetWebhookResponse got;
  ASSERT_TRUE(tenants_->GetWebhook(As(tenant_).get(), get, &got).ok());
  EXPECT_EQ(got.webhook().url(), "https://itsm.example.com/hook");
  EXPECT_THAT(got.DebugString(), Not(HasSubstr(created.secret())));
  // Another tenant cannot see it.
  EXPECT_EQ(tenants_->GetWebhook(As("globex").get(), get, &got).error_code(),
            grpc::StatusCode::NOT_FOUND);

  tenancy::ListWebhookDeliveriesRequest deliveries;
  deliveries.set_parent(created.webhook().name());
  tenancy::ListWebhookDeliveriesResponse log;
  ASSERT_TRUE(tenants_->ListWebhookDeliveries(As(tenant_).get(), deliveries, &log).ok());
  EXPECT_EQ(log.webhook_deliveries_size(), 0);

  tenancy::DeleteWebhookRequest del;
  del.set_name(created.webhook().name());
  tenancy::DeleteWebhookResponse deleted;
  ASSERT_TRUE(tenants_->DeleteWebhook(As(tenant_).get(), del, &deleted).ok());
  EXPECT_EQ(tenants_->GetWebhook(As(tenant_).get(), get, &got).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

}  // namespace
}  // namespace lagom::questionnaire
