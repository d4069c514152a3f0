// CatalogService over real gRPC on loopback and real PostgreSQL: what a client sees.
#include "services/questionnaire/catalog_service.h"

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "common/server.h"
#include "common/status.h"
#include "common/testing/integration.h"
#include "common/testing/service_pool.h"
#include "common/testing/test_admitter.h"
#include "questionnaire_migrations.h"
#include "services/questionnaire/catalog/catalog_import.h"
#include "services/questionnaire/catalog/import_examples.h"
#include "services/questionnaire/model/recording_audit_sink.h"
#include "services/questionnaire/store/pg_catalog_store.h"

namespace lagom::questionnaire {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;

class CatalogServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto pool = lagom::testing::ServicePool("questionnaire", Migrations());
    ASSERT_TRUE(pool.ok()) << pool.status();
    pool_ = *std::move(pool);
    store_ = std::make_unique<PgCatalogStore>(*pool_);
    core_ = std::make_unique<CatalogCore>(*store_, audit_);
    service_ = std::make_unique<CatalogServiceImpl>(*core_, admitter_, executor_);
    auto server = Server::Start(
        {.service_name = "questionnaire-test", .max_message_bytes = kMaxImportRequestBytes},
        {service_.get()});
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
  RecordingAuditSink audit_;
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

// --- ImportCatalog --------------------------------------------------------------------------

std::vector<catalog::ImportAction> Actions(const catalog::ImportCatalogResponse& resp) {
  std::vector<catalog::ImportAction> actions;
  for (const catalog::ImportRowResult& r : resp.results()) actions.push_back(r.action());
  return actions;
}

constexpr catalog::ImportAction kCreate = catalog::IMPORT_ACTION_CREATE;
constexpr catalog::ImportAction kUpdate = catalog::IMPORT_ACTION_UPDATE;
constexpr catalog::ImportAction kUnchanged = catalog::IMPORT_ACTION_UNCHANGED;

class CatalogImportTest : public CatalogServiceTest {
 protected:
  grpc::Status Import(const std::string& caller, const std::string& payload,
                      catalog::ImportCatalogResponse* resp,
                      catalog::ImportFormat format = catalog::IMPORT_FORMAT_CSV,
                      bool dry_run = false, const std::string& request_id = "") {
    catalog::ImportCatalogRequest req;
    req.set_parent("tenants/" + tenant_a_);
    req.set_format(format);
    req.set_payload(payload);
    req.set_dry_run(dry_run);
    req.set_source_system("servicenow");
    req.set_request_id(request_id);
    *resp = {};
    return stub_->ImportCatalog(As(caller).get(), req, resp);
  }

  int CountServices(const std::string& tenant) {
    catalog::ListItServicesRequest req;
    req.set_parent("tenants/" + tenant);
    catalog::ListItServicesResponse resp;
    EXPECT_TRUE(stub_->ListItServices(As(tenant).get(), req, &resp).ok());
    return resp.total_size();
  }

  const std::string csv_ = ReadImportExample("catalog-import.csv");
};

TEST_F(CatalogImportTest, TheExampleAppliesAndReimportingItChangesNothing) {
  catalog::ImportCatalogResponse first;
  ASSERT_TRUE(Import(tenant_a_, csv_, &first).ok());
  EXPECT_TRUE(first.applied());
  EXPECT_THAT(first.errors(), ::testing::IsEmpty());
  EXPECT_EQ(first.created_customer_organization_count(), 2);
  EXPECT_EQ(first.created_service_count(), 3);
  EXPECT_THAT(Actions(first), ElementsAre(kCreate, kCreate, kCreate, kCreate, kCreate));
  EXPECT_EQ(CountOrgs(tenant_a_), 2);
  EXPECT_EQ(CountServices(tenant_a_), 3);

  catalog::GetItServiceRequest get;
  get.set_name(first.results(2).resource());
  catalog::GetItServiceResponse email;
  ASSERT_TRUE(stub_->GetItService(As(tenant_a_).get(), get, &email).ok());
  EXPECT_EQ(email.service().display_name(), "Email and calendar");
  EXPECT_DOUBLE_EQ(email.service().service_level().availability_target_percent(), 99.5);
  EXPECT_THAT(email.service().customer_organizations(),
              ElementsAre(first.results(0).resource(), first.results(1).resource()));

  catalog::ImportCatalogResponse again;
  ASSERT_TRUE(Import(tenant_a_, csv_, &again).ok());
  EXPECT_EQ(again.unchanged_count(), 5);
  EXPECT_THAT(Actions(again),
              ElementsAre(kUnchanged, kUnchanged, kUnchanged, kUnchanged, kUnchanged));
  EXPECT_EQ(again.results(2).resource(), first.results(2).resource());
  catalog::GetItServiceResponse after;
  ASSERT_TRUE(stub_->GetItService(As(tenant_a_).get(), get, &after).ok());
  EXPECT_EQ(after.service().etag(), email.service().etag());

  // The JSON example describes the same catalogue.
  catalog::ImportCatalogResponse json;
  ASSERT_TRUE(Import(tenant_a_, ReadImportExample("catalog-import.json"), &json,
                     catalog::IMPORT_FORMAT_JSON)
                  .ok());
  EXPECT_THAT(json.errors(), ::testing::IsEmpty());
  EXPECT_EQ(json.unchanged_count(), 5);
  ASSERT_THAT(audit_.recorded(), ::testing::SizeIs(3));
  EXPECT_EQ(audit_.recorded()[0].tenant_id, tenant_a_);
}

TEST_F(CatalogImportTest, AChangedRowUpdatesOnlyThatResource) {
  catalog::ImportCatalogResponse first;
  ASSERT_TRUE(Import(tenant_a_, csv_, &first).ok());
  std::string changed = csv_;
  changed.replace(changed.find("Municipality of Lund"), 20, "Lund Municipality");
  catalog::ImportCatalogResponse second;
  ASSERT_TRUE(Import(tenant_a_, changed, &second).ok());
  EXPECT_THAT(Actions(second),
              ElementsAre(kUpdate, kUnchanged, kUnchanged, kUnchanged, kUnchanged));
  EXPECT_EQ(second.updated_customer_organization_count(), 1);
  EXPECT_EQ(second.results(0).resource(), first.results(0).resource());

  catalog::GetCustomerOrganizationRequest get;
  get.set_name(first.results(0).resource());
  catalog::GetCustomerOrganizationResponse got;
  ASSERT_TRUE(stub_->GetCustomerOrganization(As(tenant_a_).get(), get, &got).ok());
  EXPECT_EQ(got.customer_organization().display_name(), "Lund Municipality");
  EXPECT_EQ(got.customer_organization().contact_name(), "Anna Berg");
  EXPECT_EQ(got.customer_organization().etag(), "v2");
}

TEST_F(CatalogImportTest, OneBadRowWritesNothingAndNamesRowAndColumn) {
  std::string bad = csv_ + "customer_organization,C-9,Ystad,,Bo,bo(at)ystad,,,,,,,,,,,,,\r\n";
  catalog::ImportCatalogResponse resp;
  ASSERT_TRUE(Import(tenant_a_, bad, &resp).ok());
  EXPECT_FALSE(resp.applied());
  ASSERT_THAT(resp.errors(), ::testing::SizeIs(1));
  EXPECT_EQ(resp.errors(0).row(), 6);
  EXPECT_EQ(resp.errors(0).external_id(), "C-9");
  EXPECT_EQ(resp.errors(0).field(), "contact_email");
  EXPECT_THAT(resp.errors(0).message(), HasSubstr("not an email address like name@example.org"));
  EXPECT_EQ(CountOrgs(tenant_a_), 0);
  EXPECT_EQ(CountServices(tenant_a_), 0);
  EXPECT_THAT(audit_.recorded(), ::testing::IsEmpty());
}

TEST_F(CatalogImportTest, ADryRunReportsWhatWouldHappenAndWritesNothing) {
  catalog::ImportCatalogResponse resp;
  ASSERT_TRUE(Import(tenant_a_, csv_, &resp, catalog::IMPORT_FORMAT_CSV, /*dry_run=*/true).ok());
  EXPECT_FALSE(resp.applied());
  EXPECT_EQ(resp.created_customer_organization_count(), 2);
  EXPECT_EQ(resp.created_service_count(), 3);
  EXPECT_THAT(Actions(resp), ElementsAre(kCreate, kCreate, kCreate, kCreate, kCreate));
  EXPECT_EQ(resp.results(0).resource(), "");  // ids are chosen when written
  EXPECT_EQ(CountOrgs(tenant_a_), 0);
  EXPECT_EQ(CountServices(tenant_a_), 0);
}

TEST_F(CatalogImportTest, AnotherTenantsCatalogIsNotFoundAndUntouched) {
  catalog::ImportCatalogResponse resp;
  grpc::Status status = Import(tenant_b_, csv_, &resp);  // parent is tenant A
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(ReasonOf(status), "RESOURCE_NOT_FOUND");
  EXPECT_EQ(CountOrgs(tenant_a_), 0);
  EXPECT_EQ(CountOrgs(tenant_b_), 0);
  EXPECT_EQ(Import("", csv_, &resp).error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(CatalogImportTest, ARetryWithTheRequestIdGetsTheFirstReply) {
  const std::string request_id = "0b1e7a52-31c4-4c8e-9d0b-6f2f43a4d001";
  catalog::ImportCatalogResponse first;
  ASSERT_TRUE(Import(tenant_a_, csv_, &first, catalog::IMPORT_FORMAT_CSV, false, request_id).ok());
  catalog::ImportCatalogResponse retry;
  ASSERT_TRUE(Import(tenant_a_, csv_, &retry, catalog::IMPORT_FORMAT_CSV, false, request_id).ok());
  EXPECT_EQ(retry.SerializeAsString(), first.SerializeAsString());  // CREATE, not UNCHANGED
  EXPECT_EQ(CountOrgs(tenant_a_), 2);
  EXPECT_THAT(audit_.recorded(), ::testing::SizeIs(1));

  catalog::ImportCatalogResponse other;
  grpc::Status reused = Import(tenant_a_, csv_ + "service,S-x,X,,,,,,,,,,,,,,,,\r\n", &other,
                               catalog::IMPORT_FORMAT_CSV, false, request_id);
  EXPECT_EQ(reused.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(ReasonOf(reused), "REQUEST_ID_REUSED");
  EXPECT_EQ(CountServices(tenant_a_), 3);
}

TEST_F(CatalogImportTest, AnUnreadablePayloadIsPayloadInvalid) {
  catalog::ImportCatalogResponse resp;
  grpc::Status status = Import(tenant_a_, "record_type,sys_id\r\nservice,x\r\n", &resp);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ReasonOf(status), "PAYLOAD_INVALID");
  EXPECT_THAT(ViolationsOf(status), Contains(Field(&FieldViolation::description,
                                                   HasSubstr("unknown column \"sys_id\""))));
  status = Import(tenant_a_, "{\"rows\": [}", &resp, catalog::IMPORT_FORMAT_JSON);
  EXPECT_EQ(ReasonOf(status), "PAYLOAD_INVALID");
}

TEST_F(CatalogImportTest, APayloadOver4MiBGetsItsOwnErrorNotTheTransportsOne) {
  catalog::ImportCatalogResponse resp;
  grpc::Status status = Import(tenant_a_, std::string(kMaxImportPayloadBytes + 1, 'x'), &resp);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolationsOf(status),
              ElementsAre(AllOf(Field(&FieldViolation::field, "payload"),
                                Field(&FieldViolation::description, HasSubstr("4 MiB")))));
}

}  // namespace
}  // namespace lagom::questionnaire
