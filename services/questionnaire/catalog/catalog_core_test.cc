#include "services/questionnaire/catalog/catalog_core.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/status.h"
#include "services/questionnaire/catalog/fake_catalog_store.h"
#include "services/questionnaire/model/recording_audit_sink.h"

namespace lagom::questionnaire {
namespace {

using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::SizeIs;

class CatalogCoreTest : public ::testing::Test {
 protected:
  CatalogCoreTest() : core_(store_, audit_, [this] { return now_; }) {}

  catalog::CustomerOrganization CreateOrg(const std::string& id, const std::string& display_name,
                                          const RequestContext& rc) {
    catalog::CreateCustomerOrganizationRequest req;
    req.set_parent("tenants/" + rc.tenant_id);
    req.set_customer_organization_id(id);
    req.mutable_customer_organization()->set_display_name(display_name);
    catalog::CreateCustomerOrganizationResponse resp;
    EXPECT_TRUE(core_.CreateCustomerOrganization(rc, req, &resp).ok());
    return resp.customer_organization();
  }

  RequestContext acme_{.tenant_id = "acme"};
  RequestContext globex_{.tenant_id = "globex"};
  absl::Time now_ = absl::FromUnixSeconds(1'800'000'000);
  FakeCatalogStore store_;
  RecordingAuditSink audit_;
  CatalogCore core_;
};

TEST_F(CatalogCoreTest, CreatesAndReadsBackAnOrganization) {
  catalog::CustomerOrganization created = CreateOrg("lund", "Municipality of Lund", acme_);
  EXPECT_EQ(created.name(), "tenants/acme/customerOrganizations/lund");
  EXPECT_EQ(created.etag(), "v1");
  EXPECT_EQ(created.create_time().seconds(), 1'800'000'000);

  catalog::GetCustomerOrganizationRequest get;
  get.set_name(created.name());
  catalog::GetCustomerOrganizationResponse got;
  ASSERT_TRUE(core_.GetCustomerOrganization(acme_, get, &got).ok());
  EXPECT_EQ(got.customer_organization().display_name(), "Municipality of Lund");
}

TEST_F(CatalogCoreTest, ReportsEveryInvalidFieldAndStoresNothing) {
  catalog::CreateCustomerOrganizationRequest req;
  req.set_parent("tenants/acme");
  req.set_customer_organization_id("Not An Id");
  req.mutable_customer_organization()->set_contact_email("nobody");
  req.mutable_customer_organization()->set_country_code("Sweden");
  catalog::CreateCustomerOrganizationResponse resp;
  absl::Status status = core_.CreateCustomerOrganization(acme_, req, &resp);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ViolationsOf(status),
              ElementsAre(Field(&FieldViolation::field, "customer_organization_id"),
                          Field(&FieldViolation::field, "customer_organization.display_name"),
                          Field(&FieldViolation::field, "customer_organization.contact_email"),
                          Field(&FieldViolation::field, "customer_organization.country_code")));
  EXPECT_EQ(store_.RecordCount("acme"), 0u);
}

TEST_F(CatalogCoreTest, AnotherTenantsResourceIsNotFound) {
  catalog::CustomerOrganization created = CreateOrg("lund", "Lund", acme_);
  catalog::GetCustomerOrganizationRequest get;
  get.set_name(created.name());
  catalog::GetCustomerOrganizationResponse got;
  EXPECT_EQ(core_.GetCustomerOrganization(globex_, get, &got).code(), absl::StatusCode::kNotFound);

  catalog::DeleteCustomerOrganizationRequest del;
  del.set_name(created.name());
  catalog::DeleteCustomerOrganizationResponse deleted;
  EXPECT_EQ(core_.DeleteCustomerOrganization(globex_, del, &deleted).code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(store_.RecordCount("acme"), 1u);
}

TEST_F(CatalogCoreTest, UpdateAppliesTheMaskChecksTheEtagAndBumpsIt) {
  catalog::CustomerOrganization created = CreateOrg("lund", "Lund", acme_);
  now_ += absl::Minutes(5);
  catalog::UpdateCustomerOrganizationRequest req;
  *req.mutable_customer_organization() = created;
  req.mutable_customer_organization()->set_display_name("Lund kommun");
  req.mutable_customer_organization()->set_industry("ignored: not in the mask");
  req.mutable_update_mask()->add_paths("display_name");
  catalog::UpdateCustomerOrganizationResponse resp;
  ASSERT_TRUE(core_.UpdateCustomerOrganization(acme_, req, &resp).ok());
  EXPECT_EQ(resp.customer_organization().display_name(), "Lund kommun");
  EXPECT_EQ(resp.customer_organization().industry(), "");
  EXPECT_EQ(resp.customer_organization().etag(), "v2");
  EXPECT_EQ(resp.customer_organization().update_time().seconds(), 1'800'000'300);
  EXPECT_EQ(resp.customer_organization().create_time().seconds(), 1'800'000'000);

  // The same stale etag again: someone else's change must not be overwritten.
  absl::Status stale = core_.UpdateCustomerOrganization(acme_, req, &resp);
  EXPECT_EQ(stale.code(), absl::StatusCode::kAborted);
  EXPECT_EQ(ReasonOf(stale), "ETAG_MISMATCH");
}

TEST_F(CatalogCoreTest, UpdateRefusesOutputOnlyAndUnknownPaths) {
  catalog::CustomerOrganization created = CreateOrg("lund", "Lund", acme_);
  catalog::UpdateCustomerOrganizationRequest req;
  *req.mutable_customer_organization() = created;
  req.mutable_update_mask()->add_paths("create_time");
  req.mutable_update_mask()->add_paths("colour");
  catalog::UpdateCustomerOrganizationResponse resp;
  absl::Status status = core_.UpdateCustomerOrganization(acme_, req, &resp);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("cannot be changed"));
  EXPECT_THAT(ViolationsOf(status), SizeIs(2));
}

TEST_F(CatalogCoreTest, RetryWithTheSameRequestIdReturnsTheFirstReply) {
  catalog::CreateCustomerOrganizationRequest req;
  req.set_parent("tenants/acme");
  req.mutable_customer_organization()->set_display_name("Lund");
  req.set_request_id("6f1c1a0e-0d3b-4c55-9a53-1f0c0c8b3f11");
  catalog::CreateCustomerOrganizationResponse first, second;
  ASSERT_TRUE(core_.CreateCustomerOrganization(acme_, req, &first).ok());
  ASSERT_TRUE(core_.CreateCustomerOrganization(acme_, req, &second).ok());
  EXPECT_EQ(first.customer_organization().name(), second.customer_organization().name());
  EXPECT_EQ(store_.RecordCount("acme"), 1u);

  req.mutable_customer_organization()->set_display_name("Malmö");
  absl::Status reused = core_.CreateCustomerOrganization(acme_, req, &second);
  EXPECT_EQ(reused.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ReasonOf(reused), "REQUEST_ID_REUSED");
}

TEST_F(CatalogCoreTest, ExternalIdIsUniqueWithinTheTenant) {
  catalog::CreateCustomerOrganizationRequest req;
  req.set_parent("tenants/acme");
  req.mutable_customer_organization()->set_display_name("Lund");
  req.mutable_customer_organization()->set_external_id("core_company:42");
  catalog::CreateCustomerOrganizationResponse resp;
  ASSERT_TRUE(core_.CreateCustomerOrganization(acme_, req, &resp).ok());
  absl::Status dup = core_.CreateCustomerOrganization(acme_, req, &resp);
  EXPECT_EQ(ReasonOf(dup), "ALREADY_EXISTS");
  EXPECT_THAT(ViolationsOf(dup),
              ElementsAre(Field(&FieldViolation::field, "customer_organization.external_id")));
  // Another tenant may use the same external id.
  req.set_parent("tenants/globex");
  EXPECT_TRUE(core_.CreateCustomerOrganization(globex_, req, &resp).ok());
}

TEST_F(CatalogCoreTest, ServiceMustNameExistingOrganizationsOfItsOwnTenant) {
  CreateOrg("lund", "Lund", acme_);
  CreateOrg("springfield", "Springfield", globex_);
  catalog::CreateItServiceRequest req;
  req.set_parent("tenants/acme");
  req.set_service_id("email");
  req.mutable_service()->set_display_name("Email and calendar");
  req.mutable_service()->add_customer_organizations("tenants/acme/customerOrganizations/lund");
  req.mutable_service()->add_customer_organizations(
      "tenants/globex/customerOrganizations/springfield");
  req.mutable_service()->add_customer_organizations("tenants/acme/customerOrganizations/malmo");
  catalog::CreateItServiceResponse resp;
  absl::Status status = core_.CreateItService(acme_, req, &resp);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ViolationsOf(status),
              ElementsAre(Field(&FieldViolation::field, "service.customer_organizations[1]"),
                          Field(&FieldViolation::field, "service.customer_organizations[2]")));

  req.mutable_service()->mutable_customer_organizations()->DeleteSubrange(1, 2);
  ASSERT_TRUE(core_.CreateItService(acme_, req, &resp).ok());
  EXPECT_EQ(resp.service().name(), "tenants/acme/services/email");
}

TEST_F(CatalogCoreTest, AnOrganizationInUseCannotBeDeleted) {
  CreateOrg("lund", "Lund", acme_);
  catalog::CreateItServiceRequest create;
  create.set_parent("tenants/acme");
  create.set_service_id("email");
  create.mutable_service()->set_display_name("Email");
  create.mutable_service()->add_customer_organizations("tenants/acme/customerOrganizations/lund");
  catalog::CreateItServiceResponse created;
  ASSERT_TRUE(core_.CreateItService(acme_, create, &created).ok());

  catalog::DeleteCustomerOrganizationRequest del;
  del.set_name("tenants/acme/customerOrganizations/lund");
  catalog::DeleteCustomerOrganizationResponse deleted;
  absl::Status in_use = core_.DeleteCustomerOrganization(acme_, del, &deleted);
  EXPECT_EQ(ReasonOf(in_use), "RESOURCE_IN_USE");
  EXPECT_THAT(in_use.message(), HasSubstr("tenants/acme/services/email"));

  catalog::DeleteItServiceRequest del_service;
  del_service.set_name("tenants/acme/services/email");
  catalog::DeleteItServiceResponse deleted_service;
  ASSERT_TRUE(core_.DeleteItService(acme_, del_service, &deleted_service).ok());
  EXPECT_TRUE(core_.DeleteCustomerOrganization(acme_, del, &deleted).ok());
  EXPECT_EQ(store_.RecordCount("acme"), 0u);
}

TEST_F(CatalogCoreTest, ListsPageByPageWithFilterAndOrder) {
  // Ids, order of creation and display names each in a different order.
  CreateOrg("org-c", "Delta", acme_);
  CreateOrg("org-e", "Alpha", acme_);
  CreateOrg("org-a", "Charlie", acme_);
  CreateOrg("org-d", "Bravo", acme_);
  CreateOrg("org-b", "Echo", acme_);
  CreateOrg("other", "Other tenant", globex_);
  catalog::ListCustomerOrganizationsRequest req;
  req.set_parent("tenants/acme");
  req.set_page_size(2);
  std::vector<std::string> seen;
  for (int page = 0; page < 5; ++page) {
    catalog::ListCustomerOrganizationsResponse resp;
    ASSERT_TRUE(core_.ListCustomerOrganizations(acme_, req, &resp).ok());
    EXPECT_EQ(resp.total_size(), 5);
    for (const auto& org : resp.customer_organizations()) seen.push_back(org.display_name());
    if (resp.next_page_token().empty()) break;
    req.set_page_token(resp.next_page_token());
  }
  EXPECT_THAT(seen, ElementsAre("Alpha", "Bravo", "Charlie", "Delta", "Echo"));

  catalog::ListCustomerOrganizationsRequest desc;
  desc.set_parent("tenants/acme");
  desc.set_page_size(2);
  desc.set_order_by("display_name desc");
  std::vector<std::string> seen_desc;
  for (int page = 0; page < 5; ++page) {
    catalog::ListCustomerOrganizationsResponse resp;
    ASSERT_TRUE(core_.ListCustomerOrganizations(acme_, desc, &resp).ok());
    EXPECT_EQ(resp.total_size(), 5);
    for (const auto& org : resp.customer_organizations()) seen_desc.push_back(org.display_name());
    if (resp.next_page_token().empty()) break;
    desc.set_page_token(resp.next_page_token());
  }
  EXPECT_THAT(seen_desc, ElementsAre("Echo", "Delta", "Charlie", "Bravo", "Alpha"));

  // A token is bound to the query it came from.
  req.set_order_by("display_name desc");
  catalog::ListCustomerOrganizationsResponse resp;
  absl::Status mismatched = core_.ListCustomerOrganizations(acme_, req, &resp);
  EXPECT_THAT(ViolationsOf(mismatched), ElementsAre(Field(&FieldViolation::field, "page_token")));

  req.clear_page_token();
  req.set_filter("display_name = \"Charlie\"");
  ASSERT_TRUE(core_.ListCustomerOrganizations(acme_, req, &resp).ok());
  ASSERT_THAT(resp.customer_organizations(), SizeIs(1));
  EXPECT_EQ(resp.customer_organizations(0).name(), "tenants/acme/customerOrganizations/org-a");
}

TEST_F(CatalogCoreTest, MalformedNamesSayWhatANameLooksLike) {
  catalog::GetItServiceRequest req;
  req.set_name("services/email");
  catalog::GetItServiceResponse resp;
  absl::Status status = core_.GetItService(acme_, req, &resp);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("tenants/{tenant}/services/{id}"));
}

// --- ImportCatalog against the fake store (the gRPC and PostgreSQL path: catalog_service_test)

constexpr char kImportCsv[] =
    "record_type,external_id,display_name,owner,customer_organization_external_ids\r\n"
    "service,S1,Email,Workplace team,C1;C2\r\n"
    "customer_organization,C1,Lund,,\r\n"
    "customer_organization,C2,Malmo,,\r\n";

catalog::ImportCatalogRequest ImportRequest(const std::string& payload) {
  catalog::ImportCatalogRequest req;
  req.set_parent("tenants/acme");
  req.set_format(catalog::IMPORT_FORMAT_CSV);
  req.set_payload(payload);
  req.set_source_system("servicenow");
  return req;
}

TEST_F(CatalogCoreTest, ImportCreatesOrganizationsBeforeTheServicesThatNameThem) {
  catalog::ImportCatalogResponse resp;
  ASSERT_TRUE(core_.ImportCatalog(acme_, ImportRequest(kImportCsv), &resp).ok());
  EXPECT_TRUE(resp.applied());
  EXPECT_THAT(resp.errors(), SizeIs(0));
  EXPECT_EQ(resp.created_customer_organization_count(), 2);
  EXPECT_EQ(resp.created_service_count(), 1);
  ASSERT_THAT(resp.results(), SizeIs(3));
  EXPECT_EQ(resp.results(0).row(), 1);  // in row order, though organisations went first
  EXPECT_EQ(resp.results(0).action(), catalog::IMPORT_ACTION_CREATE);

  catalog::GetItServiceRequest get;
  get.set_name(resp.results(0).resource());
  catalog::GetItServiceResponse got;
  ASSERT_TRUE(core_.GetItService(acme_, get, &got).ok());
  EXPECT_EQ(got.service().owner(), "Workplace team");
  EXPECT_THAT(got.service().customer_organizations(),
              ElementsAre(resp.results(1).resource(), resp.results(2).resource()));
  ASSERT_THAT(audit_.recorded(), SizeIs(1));
  EXPECT_EQ(audit_.recorded()[0].entry.action, "catalog.imported");
  EXPECT_THAT(audit_.recorded()[0].entry.detail, HasSubstr("source_system=servicenow created=3"));
}

TEST_F(CatalogCoreTest, ImportNamingAnUnknownOrganizationWritesNothing) {
  catalog::ImportCatalogResponse resp;
  ASSERT_TRUE(core_
                  .ImportCatalog(acme_,
                                 ImportRequest("record_type,external_id,display_name,"
                                               "customer_organization_external_ids\n"
                                               "customer_organization,C1,Lund,\n"
                                               "service,S1,Email,C1;C9\n"),
                                 &resp)
                  .ok());
  EXPECT_FALSE(resp.applied());
  ASSERT_THAT(resp.errors(), SizeIs(1));
  EXPECT_EQ(resp.errors(0).row(), 2);
  EXPECT_EQ(resp.errors(0).field(), "customer_organization_external_ids");
  EXPECT_EQ(resp.errors(0).reason(), "RESOURCE_NOT_FOUND");
  EXPECT_THAT(resp.errors(0).message(),
              HasSubstr("no customer organisation has external_id \"C9\""));
  EXPECT_EQ(resp.created_customer_organization_count(), 1);  // what would have happened
  EXPECT_EQ(store_.RecordCount("acme"), 0u);
  EXPECT_THAT(audit_.recorded(), SizeIs(0));
}

TEST_F(CatalogCoreTest, ImportIntoAnotherTenantIsNotFound) {
  catalog::ImportCatalogRequest req = ImportRequest(kImportCsv);
  catalog::ImportCatalogResponse resp;
  absl::Status status = core_.ImportCatalog(globex_, req, &resp);
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store_.RecordCount("acme"), 0u);
  EXPECT_EQ(store_.RecordCount("globex"), 0u);
}

}  // namespace
}  // namespace lagom::questionnaire
