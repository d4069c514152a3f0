#include "services/questionnaire/store/pg_catalog_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "common/testing/at_once.h"
#include "common/testing/integration.h"
#include "common/testing/service_pool.h"
#include "questionnaire_migrations.h"
#include "services/questionnaire/catalog/catalog_core.h"
#include "services/questionnaire/model/recording_audit_sink.h"

namespace lagom::questionnaire {
namespace {

using ::testing::ElementsAre;

class PgCatalogStoreTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto pool = lagom::testing::ServicePool("questionnaire", Migrations());
    ASSERT_TRUE(pool.ok()) << pool.status();
    pool_ = pool->release();
  }
  static void TearDownTestSuite() { delete pool_; }

  static CatalogRecord Record(std::string id, std::optional<std::string> external_id = {},
                              std::vector<std::string> refs = {}) {
    CatalogRecord r;
    r.id = std::move(id);
    r.version = 1;
    r.external_id = std::move(external_id);
    r.refs = std::move(refs);
    r.body = std::string("body\0with\xffzero", 14);
    r.create_time = absl::FromUnixMicros(1'800'000'000'123'456);
    r.update_time = r.create_time;
    return r;
  }

  absl::Status Run(const RequestContext& rc,
                   const std::function<absl::Status(CatalogTransaction&)>& fn) {
    PgCatalogStore store(*pool_);
    return store.InTransaction(rc, fn);
  }

  static PgPool* pool_;
  RequestContext a_{.tenant_id = lagom::testing::UniqueTenantId("a")};
  RequestContext b_{.tenant_id = lagom::testing::UniqueTenantId("b")};
};

PgPool* PgCatalogStoreTest::pool_ = nullptr;

TEST_F(PgCatalogStoreTest, RecordsRoundTripExactly) {
  ASSERT_TRUE(
      Run(a_, [](CatalogTransaction& tx) {
        return tx.Insert(CatalogKind::kService, Record("email", "sys-1", {"x", "y \"quoted\""}));
      }).ok());
  ASSERT_TRUE(Run(a_, [](CatalogTransaction& tx) -> absl::Status {
                auto got = tx.Get(CatalogKind::kService, "email");
                EXPECT_TRUE(got.ok() && got->has_value());
                const CatalogRecord expected = Record("email", "sys-1", {"x", "y \"quoted\""});
                EXPECT_EQ((*got)->body, expected.body);
                EXPECT_EQ((*got)->external_id, expected.external_id);
                EXPECT_THAT((*got)->refs, ElementsAre("x", "y \"quoted\""));
                EXPECT_EQ((*got)->create_time, expected.create_time);
                EXPECT_THAT(*tx.FindReferencing(CatalogKind::kService, "y \"quoted\""),
                            ElementsAre("email"));
                EXPECT_EQ(**tx.FindByExternalId(CatalogKind::kService, "sys-1"), "email");
                return absl::OkStatus();
              }).ok());
}

TEST_F(PgCatalogStoreTest, OrganizationsCreatedAtOnceStopExactlyAtTheQuota) {
  constexpr int kRoom = 10;
  constexpr int kRacers = 2 * kRoom;
  // A connection for each racer.
  auto pool = lagom::testing::ServicePool("questionnaire", Migrations(), kRacers);
  ASSERT_TRUE(pool.ok()) << pool.status();
  PgCatalogStore store(**pool);
  RecordingAuditSink audit;
  CatalogCore core(store, audit);
  ASSERT_TRUE(Run(a_, [](CatalogTransaction& tx) -> absl::Status {
                for (int i = 0; i < kMaxResourcesPerKind - kRoom; ++i) {
                  CatalogRecord r = Record(absl::StrCat("org", i));
                  if (absl::Status s = tx.Insert(CatalogKind::kCustomerOrganization, r); !s.ok()) {
                    return s;
                  }
                }
                return absl::OkStatus();
              }).ok());

  const std::vector<absl::Status> outcomes = lagom::testing::AtOnce(kRacers, [&](int i) {
    catalog::CreateCustomerOrganizationRequest req;
    req.set_parent("tenants/" + a_.tenant_id);
    req.set_customer_organization_id(absl::StrCat("racer", i));
    req.mutable_customer_organization()->set_display_name(absl::StrCat("Racer ", i));
    catalog::CreateCustomerOrganizationResponse resp;
    return core.CreateCustomerOrganization(a_, req, &resp);
  });
  EXPECT_EQ(lagom::testing::AcceptedRestOverQuota(
                outcomes, "a tenant holds at most 10000 customerOrganizations"),
            kRoom);
  ASSERT_TRUE(Run(a_, [](CatalogTransaction& tx) -> absl::Status {
                EXPECT_EQ(tx.List(CatalogKind::kCustomerOrganization)->size(),
                          static_cast<size_t>(kMaxResourcesPerKind));
                return absl::OkStatus();
              }).ok());
}

// Of edits sent with one etag at the same moment, exactly one is taken: the rest find it
// stale (ABORTED), as they would one after the other.
TEST_F(PgCatalogStoreTest, EditsWithOneEtagAtOnceTakeExactlyOne) {
  constexpr int kRacers = 12;
  auto pool = lagom::testing::ServicePool("questionnaire", Migrations(), kRacers);
  ASSERT_TRUE(pool.ok()) << pool.status();
  PgCatalogStore store(**pool);
  RecordingAuditSink audit;
  CatalogCore core(store, audit);
  for (int attempt = 0; attempt < 5; ++attempt) {
    catalog::CreateCustomerOrganizationRequest create;
    create.set_parent("tenants/" + a_.tenant_id);
    create.set_customer_organization_id(absl::StrCat("contended", attempt));
    create.mutable_customer_organization()->set_display_name("Contended");
    catalog::CreateCustomerOrganizationResponse created;
    ASSERT_TRUE(core.CreateCustomerOrganization(a_, create, &created).ok());
    const std::vector<absl::Status> outcomes = lagom::testing::AtOnce(kRacers, [&](int i) {
      catalog::UpdateCustomerOrganizationRequest req;
      *req.mutable_customer_organization() = created.customer_organization();
      req.mutable_customer_organization()->set_display_name(absl::StrCat("Edit ", i));
      req.mutable_update_mask()->add_paths("display_name");
      catalog::UpdateCustomerOrganizationResponse resp;
      return core.UpdateCustomerOrganization(a_, req, &resp);
    });
    EXPECT_EQ(lagom::testing::AcceptedRestStale(outcomes), 1) << "attempt " << attempt;
  }
}

// An organisation deleted while services that name it are created at the same moment: either
// the deletion waits and is refused (it is in use), or the services find it gone. Never a
// service naming an organisation that no longer exists.
TEST_F(PgCatalogStoreTest, AnOrganisationIsNeverDeletedFromUnderAServiceNamingIt) {
  constexpr int kRacers = 8;
  auto pool = lagom::testing::ServicePool("questionnaire", Migrations(), kRacers);
  ASSERT_TRUE(pool.ok()) << pool.status();
  PgCatalogStore store(**pool);
  RecordingAuditSink audit;
  CatalogCore core(store, audit);
  for (int attempt = 0; attempt < 12; ++attempt) {
    catalog::CreateCustomerOrganizationRequest create;
    create.set_parent("tenants/" + a_.tenant_id);
    create.set_customer_organization_id(absl::StrCat("named", attempt));
    create.mutable_customer_organization()->set_display_name("Named");
    catalog::CreateCustomerOrganizationResponse org;
    ASSERT_TRUE(core.CreateCustomerOrganization(a_, create, &org).ok());
    const std::vector<absl::Status> outcomes = lagom::testing::AtOnce(kRacers, [&](int i) {
      if (i == 0) {
        catalog::DeleteCustomerOrganizationRequest req;
        req.set_name(org.customer_organization().name());
        catalog::DeleteCustomerOrganizationResponse resp;
        return core.DeleteCustomerOrganization(a_, req, &resp);
      }
      catalog::CreateItServiceRequest req;
      req.set_parent("tenants/" + a_.tenant_id);
      req.set_service_id(absl::StrCat("svc", attempt, "-", i));
      req.mutable_service()->set_display_name("Service");
      req.mutable_service()->add_customer_organizations(org.customer_organization().name());
      catalog::CreateItServiceResponse resp;
      return core.CreateItService(a_, req, &resp);
    });
    // The deletion goes, or it is refused as in use; each service is created, or refused for
    // naming an organisation that is gone. Exactly one side wins.
    const absl::Status& deleted = outcomes[0];
    if (!deleted.ok()) {
      EXPECT_EQ(deleted.code(), absl::StatusCode::kFailedPrecondition) << deleted;
      EXPECT_EQ(ReasonOf(deleted), "RESOURCE_IN_USE") << deleted;
    }
    int created = 0;
    for (int i = 1; i < kRacers; ++i) {
      if (outcomes[i].ok()) {
        ++created;
        continue;
      }
      EXPECT_EQ(outcomes[i].code(), absl::StatusCode::kInvalidArgument) << outcomes[i];
      EXPECT_THAT(std::string(outcomes[i].message()), ::testing::HasSubstr("not found"))
          << outcomes[i];
    }
    EXPECT_NE(deleted.ok(), created > 0)
        << "attempt " << attempt << ": deleted " << deleted << ", " << created << " created";
    ASSERT_TRUE(Run(a_, [&](CatalogTransaction& tx) -> absl::Status {
                  absl::StatusOr<std::optional<CatalogRecord>> still =
                      tx.Get(CatalogKind::kCustomerOrganization, absl::StrCat("named", attempt));
                  if (!still.ok()) return still.status();
                  absl::StatusOr<std::vector<std::string>> naming =
                      tx.FindReferencing(CatalogKind::kService, org.customer_organization().name());
                  if (!naming.ok()) return naming.status();
                  EXPECT_TRUE(still->has_value() || naming->empty())
                      << "attempt " << attempt << ": " << naming->size()
                      << " services name a deleted organisation";
                  return absl::OkStatus();
                }).ok());
  }
}

TEST_F(PgCatalogStoreTest, AnotherTenantSeesNothing) {
  ASSERT_TRUE(Run(a_, [](CatalogTransaction& tx) {
                return tx.Insert(CatalogKind::kCustomerOrganization, Record("lund", "ext-1"));
              }).ok());
  ASSERT_TRUE(
      Run(b_, [](CatalogTransaction& tx) -> absl::Status {
        EXPECT_FALSE(tx.Get(CatalogKind::kCustomerOrganization, "lund")->has_value());
        EXPECT_TRUE(tx.List(CatalogKind::kCustomerOrganization)->empty());
        EXPECT_FALSE(tx.FindByExternalId(CatalogKind::kCustomerOrganization, "ext-1")->has_value());
        EXPECT_TRUE(absl::IsNotFound(tx.Delete(CatalogKind::kCustomerOrganization, "lund")));
        // The same id and external id are free in another tenant.
        return tx.Insert(CatalogKind::kCustomerOrganization, Record("lund", "ext-1"));
      }).ok());
}

TEST_F(PgCatalogStoreTest, DuplicateExternalIdIsAlreadyExistsAndRollsBack) {
  absl::Status status = Run(a_, [](CatalogTransaction& tx) -> absl::Status {
    EXPECT_TRUE(tx.Insert(CatalogKind::kCustomerOrganization, Record("one", "dup")).ok());
    return tx.Insert(CatalogKind::kCustomerOrganization, Record("two", "dup"));
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kAlreadyExists);
  ASSERT_TRUE(Run(a_, [](CatalogTransaction& tx) -> absl::Status {
                EXPECT_TRUE(tx.List(CatalogKind::kCustomerOrganization)->empty());
                return absl::OkStatus();
              }).ok());
}

// A taken id is the store's ALREADY_EXISTS, which the core turns into a message naming the
// resource (not the generic one a unique violation gets).
TEST_F(PgCatalogStoreTest, ATakenIdIsAlreadyExistsNamingTheResource) {
  PgCatalogStore store(*pool_);
  RecordingAuditSink audit;
  CatalogCore core(store, audit);
  catalog::CreateCustomerOrganizationRequest req;
  req.set_parent("tenants/" + a_.tenant_id);
  req.set_customer_organization_id("north");
  req.mutable_customer_organization()->set_display_name("North");
  catalog::CreateCustomerOrganizationResponse resp;
  ASSERT_TRUE(core.CreateCustomerOrganization(a_, req, &resp).ok());
  const absl::Status again = core.CreateCustomerOrganization(a_, req, &resp);
  EXPECT_EQ(again.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ReasonOf(again), "ALREADY_EXISTS");
  EXPECT_THAT(std::string(again.message()),
              ::testing::HasSubstr("tenants/" + a_.tenant_id +
                                   "/customerOrganizations/north already exists"));
}

TEST_F(PgCatalogStoreTest, UpdateDeleteAndRepliesPersist) {
  ASSERT_TRUE(
      Run(a_, [](CatalogTransaction& tx) -> absl::Status {
        if (auto s = tx.Insert(CatalogKind::kService, Record("email")); !s.ok()) return s;
        CatalogRecord changed = Record("email", "new-ext");
        changed.version = 2;
        changed.update_time += absl::Seconds(60);
        if (auto s = tx.Update(CatalogKind::kService, changed); !s.ok()) return s;
        return tx.RecordReply("req-1", {"CreateItService", std::string("r\0q", 3), "reply"});
      }).ok());
  ASSERT_TRUE(Run(a_, [](CatalogTransaction& tx) -> absl::Status {
                auto got = tx.Get(CatalogKind::kService, "email");
                EXPECT_EQ((*got)->version, 2);
                EXPECT_EQ((*got)->external_id, "new-ext");
                EXPECT_EQ((*got)->update_time - (*got)->create_time, absl::Seconds(60));
                auto reply = tx.FindReply("req-1");
                EXPECT_EQ((*reply)->request, std::string("r\0q", 3));
                EXPECT_EQ((*reply)->reply, "reply");
                EXPECT_TRUE(tx.Delete(CatalogKind::kService, "email").ok());
                EXPECT_TRUE(absl::IsAborted(tx.Update(CatalogKind::kService, Record("email"))));
                return absl::OkStatus();
              }).ok());
  // The delete persists too.
  ASSERT_TRUE(Run(a_, [](CatalogTransaction& tx) -> absl::Status {
                absl::StatusOr<std::optional<CatalogRecord>> got =
                    tx.Get(CatalogKind::kService, "email");
                if (!got.ok()) return got.status();
                EXPECT_FALSE(got->has_value());
                EXPECT_EQ(*tx.Count(CatalogKind::kService), 0);
                return absl::OkStatus();
              }).ok());
}

// An update written over a record that another transaction changed after it was read is
// refused, and the other transaction's change stays.
TEST_F(PgCatalogStoreTest, AnUpdateOverARecordChangedSinceItWasReadWritesNothing) {
  ASSERT_TRUE(Run(a_, [](CatalogTransaction& tx) {
                return tx.Insert(CatalogKind::kService, Record("email"));
              }).ok());
  const absl::Status stale = Run(a_, [&](CatalogTransaction& tx) -> absl::Status {
    absl::StatusOr<std::optional<CatalogRecord>> read = tx.Get(CatalogKind::kService, "email");
    if (!read.ok()) return read.status();
    // Another request changes it and commits meanwhile.
    absl::Status other = Run(a_, [](CatalogTransaction& tx2) {
      CatalogRecord r = Record("email", "theirs");
      r.version = 2;
      return tx2.Update(CatalogKind::kService, r);
    });
    EXPECT_TRUE(other.ok()) << other;
    CatalogRecord mine = **read;
    mine.version = (*read)->version + 1;
    mine.external_id = "mine";
    return tx.Update(CatalogKind::kService, mine);
  });
  EXPECT_TRUE(absl::IsAborted(stale)) << stale;
  EXPECT_EQ(ReasonOf(stale), "STATE_CONFLICT");
  EXPECT_THAT(std::string(stale.message()), ::testing::HasSubstr("service email changed"));
  ASSERT_TRUE(Run(a_, [](CatalogTransaction& tx) -> absl::Status {
                auto got = tx.Get(CatalogKind::kService, "email");
                EXPECT_EQ((*got)->version, 2);
                EXPECT_EQ((*got)->external_id, "theirs");
                return absl::OkStatus();
              }).ok());
}

// A transaction that runs `interleave` once, in a transaction of its own, right after the
// first List of services: what another request does between an import's reading and writing.
class InterleavingStore final : public CatalogStore {
 public:
  InterleavingStore(CatalogStore& inner, std::function<void()> interleave)
      : inner_(inner), interleave_(std::move(interleave)) {}

  absl::Status InTransaction(const RequestContext& rc,
                             const std::function<absl::Status(CatalogTransaction&)>& fn) override {
    return inner_.InTransaction(rc, [&](CatalogTransaction& tx) {
      Tx wrapped(tx, interleave_);
      return fn(wrapped);
    });
  }

 private:
  struct Tx final : CatalogTransaction {
    Tx(CatalogTransaction& tx, std::function<void()>& interleave)
        : tx(tx), interleave(interleave) {}
    CatalogTransaction& tx;
    std::function<void()>& interleave;

    absl::StatusOr<std::optional<CatalogRecord>> Get(CatalogKind k,
                                                     const std::string& id) override {
      return tx.Get(k, id);
    }
    absl::StatusOr<std::vector<CatalogRecord>> List(CatalogKind k) override {
      absl::StatusOr<std::vector<CatalogRecord>> listed = tx.List(k);
      if (k == CatalogKind::kService && interleave) std::exchange(interleave, nullptr)();
      return listed;
    }
    absl::Status Hold(CatalogKind k, const std::string& id) override { return tx.Hold(k, id); }
    absl::StatusOr<bool> Refer(CatalogKind k, const std::string& id) override {
      return tx.Refer(k, id);
    }
    absl::StatusOr<int> Count(CatalogKind k) override { return tx.Count(k); }
    absl::StatusOr<std::optional<std::string>> FindByExternalId(CatalogKind k,
                                                                const std::string& e) override {
      return tx.FindByExternalId(k, e);
    }
    absl::StatusOr<std::vector<std::string>> FindReferencing(CatalogKind k,
                                                             const std::string& ref) override {
      return tx.FindReferencing(k, ref);
    }
    absl::Status LockQuota(CatalogKind k) override { return tx.LockQuota(k); }
    absl::Status Insert(CatalogKind k, const CatalogRecord& r) override { return tx.Insert(k, r); }
    absl::Status Update(CatalogKind k, const CatalogRecord& r) override { return tx.Update(k, r); }
    absl::Status Delete(CatalogKind k, const std::string& id) override { return tx.Delete(k, id); }
    absl::StatusOr<std::optional<IdempotentReply>> FindReply(const std::string& id) override {
      return tx.FindReply(id);
    }
    absl::Status RecordReply(const std::string& id, const IdempotentReply& reply) override {
      return tx.RecordReply(id, reply);
    }
  };

  CatalogStore& inner_;
  std::function<void()> interleave_;
};

// A service edited between an import's reading the catalogue and its writing: the import is
// planned again over the edit, so both the edit and the import's row are kept, and the
// versions (etags) stay one per change.
TEST_F(PgCatalogStoreTest, AnImportKeepsAServiceEditMadeWhileItRan) {
  PgCatalogStore pg(*pool_);
  RecordingAuditSink audit;
  CatalogCore direct(pg, audit);
  const std::string parent = "tenants/" + a_.tenant_id;
  catalog::CreateItServiceRequest create;
  create.set_parent(parent);
  create.set_service_id("email");
  create.mutable_service()->set_display_name("Email");
  create.mutable_service()->set_external_id("S1");
  catalog::CreateItServiceResponse created;
  ASSERT_TRUE(direct.CreateItService(a_, create, &created).ok());

  InterleavingStore interleaving(pg, [&] {
    catalog::UpdateItServiceRequest edit;
    *edit.mutable_service() = created.service();
    edit.mutable_service()->set_description("Edited while the import ran");
    edit.mutable_update_mask()->add_paths("description");
    catalog::UpdateItServiceResponse edited;
    const absl::Status s = direct.UpdateItService(a_, edit, &edited);
    EXPECT_TRUE(s.ok()) << s;
  });
  CatalogCore importing(interleaving, audit);
  catalog::ImportCatalogRequest import;
  import.set_parent(parent);
  import.set_format(catalog::IMPORT_FORMAT_CSV);
  import.set_payload("record_type,external_id,display_name,owner\nservice,S1,Email,Mail team\n");
  catalog::ImportCatalogResponse imported;
  const absl::Status s = importing.ImportCatalog(a_, import, &imported);
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_TRUE(imported.applied());
  EXPECT_EQ(imported.updated_service_count(), 1);

  catalog::GetItServiceRequest get;
  get.set_name(created.service().name());
  catalog::GetItServiceResponse got;
  ASSERT_TRUE(direct.GetItService(a_, get, &got).ok());
  EXPECT_EQ(got.service().description(), "Edited while the import ran");
  EXPECT_EQ(got.service().owner(), "Mail team");
  EXPECT_EQ(got.service().etag(), EtagOf(3));  // created, edited, imported
}

}  // namespace
}  // namespace lagom::questionnaire
