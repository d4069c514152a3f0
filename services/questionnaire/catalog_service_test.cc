// CatalogService over real gRPC on loopback and real PostgreSQL: what a client sees.
#include "services/questionnaire/catalog_service.h"

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "common/server.h"
#include "common/status.h"
#include "common/testing/integration.h"
#include "common/testing/test_admitter.h"
#include "questionnaire_migrations.h"
#include "services/questionnaire/store/pg_catalog_store.h"

namespace lagom::questionnaire {
namespace {

using ::testing::Contains;
using ::testing::Field;
using ::testing::HasSubstr;

class CatalogServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto pool = PgPool::Connect(lagom::testing::TestPostgresUrl(), 4, absl::Seconds(5));
    ASSERT_TRUE(pool.ok()) << pool.status();
    pool_ = *std::move(pool);
    ASSERT_TRUE(pool_->RunMigrations("questionnaire", Migrations()).ok());
    store_ = std::make_unique<PgCatalogStore>(*pool_);
    core_ = std::make_unique<CatalogCore>(*store_);
    service_ = std::make_unique<CatalogServiceImpl>(*core_, admitter_, executor_);
    auto server = Server::Start({.service_name = "questionnaire-test"}, {service_.get()});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    stub_ = catalog::CatalogService::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", server_->port()), grpc::InsecureChannelCredentials()));
  }

  void TearDown() override {
    if (server_) server_->Shutdown();
  }

  std::unique_ptr<grpc::ClientContext> As(const std::string& tenant) {
    auto ctx = std::make_unique<grpc::ClientContext>();
    if (!tenant.empty()) ctx->AddMetadata(lagom::testing::kTestTenantKey, tenant);
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    return ctx;
  }

  grpc::Status CreateOrg(const std::string& tenant, const std::string& id,
                         catalog::CustomerOrganization* out) {
    catalog::CreateCustomerOrganizationRequest req;
    req.set_parent("tenants/" + tenant);
    req.set_customer_organization_id(id);
    req.mutable_customer_organization()->set_display_name("Org " + id);
    catalog::CreateCustomerOrganizationResponse resp;
    grpc::Status status = stub_->CreateCustomerOrganization(As(tenant).get(), req, &resp);
    *out = resp.customer_organization();
    return status;
  }

  int CountOrgs(const std::string& tenant) {
    catalog::ListCustomerOrganizationsRequest req;
    req.set_parent("tenants/" + tenant);
    catalog::ListCustomerOrganizationsResponse resp;
    EXPECT_TRUE(stub_->ListCustomerOrganizations(As(tenant).get(), req, &resp).ok());
    return resp.total_size();
  }

  lagom::testing::TestAdmitter admitter_;
  Executor executor_{4};
  std::unique_ptr<PgPool> pool_;
  std::unique_ptr<PgCatalogStore> store_;
  std::unique_ptr<CatalogCore> core_;
  std::unique_ptr<CatalogServiceImpl> service_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<catalog::CatalogService::Stub> stub_;
  const std::string tenant_a_ = lagom::testing::UniqueTenantId("a");
  const std::string tenant_b_ = lagom::testing::UniqueTenantId("b");
};

TEST_F(CatalogServiceTest, CreateGetAndListOverGrpc) {
  catalog::CustomerOrganization org;
  ASSERT_TRUE(CreateOrg(tenant_a_, "lund", &org).ok());
  catalog::CreateItServiceRequest req;
  req.set_parent("tenants/" + tenant_a_);
  req.set_service_id("email");
  req.mutable_service()->set_display_name("Email and calendar");
  req.mutable_service()->add_customer_organizations(org.name());
  catalog::CreateItServiceResponse created;
  ASSERT_TRUE(stub_->CreateItService(As(tenant_a_).get(), req, &created).ok());

  catalog::GetItServiceRequest get;
  get.set_name(created.service().name());
  catalog::GetItServiceResponse got;
  ASSERT_TRUE(stub_->GetItService(As(tenant_a_).get(), get, &got).ok());
  EXPECT_EQ(got.service().display_name(), "Email and calendar");
  EXPECT_EQ(got.service().customer_organizations(0), org.name());
  EXPECT_EQ(CountOrgs(tenant_a_), 1);
}

TEST_F(CatalogServiceTest, ARefusedCallStopsBeforeTheHandler) {
  catalog::ListItServicesRequest req;
  req.set_parent("tenants/" + tenant_a_);
  catalog::ListItServicesResponse resp;
  grpc::Status status = stub_->ListItServices(As("").get(), req, &resp);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(ReasonOf(status), "UNAUTHENTICATED");
}

TEST_F(CatalogServiceTest, BadInputNamesTheFieldAndStoresNothing) {
  catalog::CreateCustomerOrganizationRequest req;
  req.set_parent("tenants/" + tenant_a_);
  req.mutable_customer_organization()->set_contact_email("not-an-email");
  catalog::CreateCustomerOrganizationResponse resp;
  grpc::Status status = stub_->CreateCustomerOrganization(As(tenant_a_).get(), req, &resp);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ReasonOf(status), "FIELD_INVALID");
  EXPECT_THAT(ViolationsOf(status),
              Contains(Field(&FieldViolation::field, "customer_organization.contact_email")));
  EXPECT_THAT(ViolationsOf(status),
              Contains(Field(&FieldViolation::field, "customer_organization.display_name")));
  EXPECT_EQ(CountOrgs(tenant_a_), 0);
}

TEST_F(CatalogServiceTest, AnotherTenantsResourcesAreNotFoundAndUnchanged) {
  catalog::CustomerOrganization org;
  ASSERT_TRUE(CreateOrg(tenant_a_, "lund", &org).ok());

  catalog::GetCustomerOrganizationRequest get;
  get.set_name(org.name());
  catalog::GetCustomerOrganizationResponse got;
  EXPECT_EQ(stub_->GetCustomerOrganization(As(tenant_b_).get(), get, &got).error_code(),
            grpc::StatusCode::NOT_FOUND);

  catalog::UpdateCustomerOrganizationRequest update;
  *update.mutable_customer_organization() = org;
  update.mutable_customer_organization()->set_display_name("Hijacked");
  update.mutable_update_mask()->add_paths("display_name");
  catalog::UpdateCustomerOrganizationResponse updated;
  EXPECT_EQ(stub_->UpdateCustomerOrganization(As(tenant_b_).get(), update, &updated).error_code(),
            grpc::StatusCode::NOT_FOUND);

  catalog::DeleteCustomerOrganizationRequest del;
  del.set_name(org.name());
  catalog::DeleteCustomerOrganizationResponse deleted;
  EXPECT_EQ(stub_->DeleteCustomerOrganization(As(tenant_b_).get(), del, &deleted).error_code(),
            grpc::StatusCode::NOT_FOUND);

  catalog::ListCustomerOrganizationsRequest list;
  list.set_parent("tenants/" + tenant_a_);
  catalog::ListCustomerOrganizationsResponse listed;
  EXPECT_EQ(stub_->ListCustomerOrganizations(As(tenant_b_).get(), list, &listed).error_code(),
            grpc::StatusCode::NOT_FOUND);

  ASSERT_TRUE(stub_->GetCustomerOrganization(As(tenant_a_).get(), get, &got).ok());
  EXPECT_EQ(got.customer_organization().display_name(), "Org lund");
}

TEST_F(CatalogServiceTest, ImportIsNotImplementedYetButStillAdmitsTheCallFirst) {
  catalog::ImportCatalogRequest req;
  req.set_parent("tenants/" + tenant_a_);
  catalog::ImportCatalogResponse resp;
  grpc::Status status = stub_->ImportCatalog(As(tenant_a_).get(), req, &resp);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNIMPLEMENTED);
  EXPECT_EQ(ReasonOf(status), "NOT_IMPLEMENTED_YET");
  EXPECT_EQ(stub_->ImportCatalog(As("").get(), req, &resp).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

}  // namespace
}  // namespace lagom::questionnaire
