#include "services/questionnaire/store/pg_tenancy_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <pqxx/pqxx>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/auth/api_key.h"
#include "common/resource_util.h"
#include "common/status.h"
#include "common/testing/at_once.h"
#include "common/testing/integration.h"
#include "common/testing/scratch_database.h"
#include "common/testing/service_pool.h"
#include "questionnaire_migrations.h"
#include "services/questionnaire/store/pg_catalog_store.h"
#include "services/questionnaire/tenancy/tenancy_core.h"

namespace lagom::questionnaire {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;

RequestContext TenantRc(const std::string& tenant) {
  RequestContext rc;
  rc.tenant_id = tenant;
  rc.principal.set_tenant_id(tenant);
  rc.principal.set_subject("tenants/" + tenant + "/apiKeys/admin");
  rc.principal.set_role(auth_api::PRINCIPAL_ROLE_TENANT_ADMIN);
  rc.principal.set_credential_kind(auth_api::CREDENTIAL_KIND_API_KEY);
  return rc;
}

RequestContext OperatorRc() {
  RequestContext rc;
  rc.principal.set_subject("operator");
  rc.principal.set_role(auth_api::PRINCIPAL_ROLE_OPERATOR);
  rc.principal.set_credential_kind(auth_api::CREDENTIAL_KIND_OPERATOR);
  return rc;
}

ApiKeyRecord Key(const std::string& id) {
  ApiKeyRecord r;
  r.key_id = id;
  r.version = 1;
  r.display_name = "key " + id;
  r.role = 6;
  r.state = "ACTIVE";
  r.secret_hash = std::string(64, 'a');
  r.secret_prefix = "lgm_x." + id + ".abcd";
  r.creator = "tester";
  r.create_time = absl::FromUnixMicros(1'800'000'000'123'456);
  r.expire_time = r.create_time + absl::Hours(24);
  return r;
}

AuditRecord Audit(const std::string& id, absl::Time when, const std::string& action) {
  AuditRecord r;
  r.id = id;
  r.event_time = when;
  r.principal = "user:alice";
  r.principal_role = "TENANT_ADMIN";
  r.credential_kind = "JWT";
  r.action = action;
  r.method = "/lagom.tenancy.v1.TenantService/CreateApiKey";
  r.resource = "tenants/x/apiKeys/" + id;
  r.origin = "ipv4:127.0.0.1:1";
  return r;
}

// --- Store round trips (as the services' role) ---------------------------------------------

class PgTenancyStoreTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto pool = lagom::testing::ServicePool("questionnaire", Migrations());
    ASSERT_TRUE(pool.ok()) << pool.status();
    pool_ = pool->release();
  }
  static void TearDownTestSuite() { delete pool_; }

  absl::Status Run(const RequestContext& rc,
                   const std::function<absl::Status(TenancyTransaction&)>& fn) {
    PgTenancyStore store(*pool_);
    return store.InTenant(rc, fn);
  }

  static PgPool* pool_;
  RequestContext a_ = TenantRc(lagom::testing::UniqueTenantId("a"));
  RequestContext b_ = TenantRc(lagom::testing::UniqueTenantId("b"));
};

PgPool* PgTenancyStoreTest::pool_ = nullptr;

TEST_F(PgTenancyStoreTest, ApiKeysRoundTripExactly) {
  ASSERT_TRUE(Run(a_, [](TenancyTransaction& tx) { return tx.InsertApiKey(Key("sync")); }).ok());
  ASSERT_TRUE(Run(a_, [](TenancyTransaction& tx) -> absl::Status {
                auto got = tx.GetApiKey("sync");
                EXPECT_TRUE(got.ok() && got->has_value());
                const ApiKeyRecord want = Key("sync");
                EXPECT_EQ((*got)->display_name, want.display_name);
                EXPECT_EQ((*got)->secret_hash, want.secret_hash);
                EXPECT_EQ((*got)->create_time, want.create_time);
                EXPECT_EQ((*got)->expire_time, want.expire_time);
                EXPECT_FALSE((*got)->last_use_time.has_value());
                ApiKeyRecord changed = **got;
                changed.state = "REVOKED";
                changed.revoke_time = want.create_time + absl::Microseconds(1);
                changed.version = 2;
                if (auto s = tx.UpdateApiKey(changed); !s.ok()) return s;
                return tx.TouchApiKey("sync", want.create_time + absl::Seconds(61));
              }).ok());
  ASSERT_TRUE(Run(a_, [](TenancyTransaction& tx) -> absl::Status {
                auto got = tx.GetApiKey("sync");
                EXPECT_EQ((*got)->state, "REVOKED");
                EXPECT_EQ((*got)->version, 2);
                EXPECT_EQ((*got)->revoke_time, Key("").create_time + absl::Microseconds(1));
                EXPECT_EQ((*got)->last_use_time, Key("").create_time + absl::Seconds(61));
                EXPECT_THAT(*tx.ListApiKeys(), SizeIs(1));
                return absl::OkStatus();
              }).ok());
}

TEST_F(PgTenancyStoreTest, AnotherTenantSeesNothing) {
  ASSERT_TRUE(
      Run(a_, [](TenancyTransaction& tx) -> absl::Status {
        if (auto s = tx.InsertApiKey(Key("sync")); !s.ok()) return s;
        if (auto s = tx.InsertRoleBinding({"rb", 1, "user:al", 2, "", absl::Now()}); !s.ok())
          return s;
        if (auto s = tx.PutSettings({1, "body", absl::Now()}); !s.ok()) return s;
        return tx.AppendAudit(Audit("e1", absl::Now(), "api_key.created"));
      }).ok());
  ASSERT_TRUE(Run(b_, [](TenancyTransaction& tx) -> absl::Status {
                EXPECT_FALSE(tx.GetApiKey("sync")->has_value());
                EXPECT_TRUE(tx.ListApiKeys()->empty());
                EXPECT_TRUE(tx.ListRoleBindings()->empty());
                EXPECT_TRUE(tx.FindRoleBindings("user:al")->empty());
                EXPECT_FALSE(tx.GetSettings()->has_value());
                EXPECT_TRUE(tx.ListAudit({})->empty());
                EXPECT_TRUE(absl::IsNotFound(tx.TouchApiKey("sync", absl::Now())));
                EXPECT_TRUE(absl::IsNotFound(tx.DeleteRoleBinding("rb")));
                return absl::OkStatus();
              }).ok());
}

TEST_F(PgTenancyStoreTest, RoleBindingsAreUniquePerPrincipalAndResource) {
  absl::Status s = Run(a_, [](TenancyTransaction& tx) -> absl::Status {
    EXPECT_TRUE(tx.InsertRoleBinding({"one", 1, "user:al", 2, "", absl::Now()}).ok());
    return tx.InsertRoleBinding({"two", 1, "user:al", 1, "", absl::Now()});
  });
  EXPECT_EQ(s.code(), absl::StatusCode::kAlreadyExists);
  ASSERT_TRUE(Run(a_, [](TenancyTransaction& tx) -> absl::Status {
                EXPECT_TRUE(tx.ListRoleBindings()->empty());  // rolled back
                return absl::OkStatus();
              }).ok());
}

TEST_F(PgTenancyStoreTest, AuditListsNewestFirstWithCursorAndFilters) {
  const absl::Time t0 = absl::FromUnixMicros(1'800'000'000'000'001);
  ASSERT_TRUE(Run(a_, [&](TenancyTransaction& tx) -> absl::Status {
                for (int i = 0; i < 4; ++i) {
                  AuditRecord r = Audit(absl::StrCat("e", i), t0 + absl::Seconds(i),
                                        i % 2 == 0 ? "api_key.created" : "api_key.revoked");
                  if (auto s = tx.AppendAudit(r); !s.ok()) return s;
                }
                return absl::OkStatus();
              }).ok());
  ASSERT_TRUE(Run(a_, [&](TenancyTransaction& tx) -> absl::Status {
                auto ids = [](const std::vector<AuditRecord>& rs) {
                  std::vector<std::string> out;
                  for (const auto& r : rs) out.push_back(r.id);
                  return out;
                };
                AuditQuery q;
                EXPECT_THAT(ids(*tx.ListAudit(q)), ElementsAre("e3", "e2", "e1", "e0"));
                auto first = tx.ListAudit(q);
                EXPECT_EQ((*first)[0].event_time, t0 + absl::Seconds(3));
                q.before = std::make_pair(t0 + absl::Seconds(2), std::string("e2"));
                EXPECT_THAT(ids(*tx.ListAudit(q)), ElementsAre("e1", "e0"));
                q.before.reset();
                q.action = "api_key.created";
                EXPECT_THAT(ids(*tx.ListAudit(q)), ElementsAre("e2", "e0"));
                q.action.clear();
                q.resource = "tenants/x/apiKeys/";
                q.resource_is_prefix = true;
                q.start_time = t0 + absl::Seconds(1);
                q.end_time = t0 + absl::Seconds(3);
                q.limit = 1;
                EXPECT_THAT(ids(*tx.ListAudit(q)), ElementsAre("e2"));
                return absl::OkStatus();
              }).ok());
}

TEST_F(PgTenancyStoreTest, CoreProvisionsAndVerifiesAgainstPostgres) {
  PgTenancyStore store(*pool_);
  TenancyCore core(store);
  const std::string tenant = lagom::testing::UniqueTenantId("p");
  tenancy::CreateTenantRequest req;
  req.set_tenant_id(tenant);
  req.mutable_tenant()->set_display_name("Provisioned");
  tenancy::CreateTenantResponse resp;
  absl::Status created = core.CreateTenant(OperatorRc(), req, &resp);
  ASSERT_TRUE(created.ok()) << created;
  absl::StatusOr<auth::Principal> p = core.VerifyApiKey(resp.initial_admin_secret());
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->tenant_id(), tenant);

  tenancy::ListAuditEventsRequest list;
  list.set_parent("tenants/" + tenant);
  tenancy::ListAuditEventsResponse events;
  ASSERT_TRUE(core.ListAuditEvents(TenantRc(tenant), list, &events).ok());
  ASSERT_THAT(events.audit_events(), SizeIs(2));
  EXPECT_EQ(events.audit_events(0).details().at("role"), "OPERATOR");

  tenancy::RevokeApiKeyRequest revoke;
  revoke.set_name(resp.initial_admin_api_key().name());
  tenancy::RevokeApiKeyResponse revoked;
  ASSERT_TRUE(core.RevokeApiKey(TenantRc(tenant), revoke, &revoked).ok());
  EXPECT_EQ(ReasonOf(core.VerifyApiKey(resp.initial_admin_secret()).status()), "API_KEY_INVALID");
}

// --- Quotas: creates at the same moment are counted one after the other ---------------------

// More racers than places left, through a pool with a connection for each.
constexpr int kRoom = 10;
constexpr int kRacers = 2 * kRoom;

TEST_F(PgTenancyStoreTest, ApiKeysCreatedAtOnceStopExactlyAtTheQuota) {
  auto pool = lagom::testing::ServicePool("questionnaire", Migrations(), kRacers);
  ASSERT_TRUE(pool.ok()) << pool.status();
  PgTenancyStore store(**pool);
  TenancyCore core(store);
  ASSERT_TRUE(Run(a_, [](TenancyTransaction& tx) -> absl::Status {
                for (int i = 0; i < kMaxApiKeysPerTenant - kRoom; ++i) {
                  ApiKeyRecord key = Key(absl::StrCat("k", i));
                  key.expire_time = std::nullopt;
                  if (absl::Status s = tx.InsertApiKey(key); !s.ok()) return s;
                }
                // Revoked and expired keys are kept but not in use: they leave the places.
                ApiKeyRecord revoked = Key("revoked");
                revoked.state = "REVOKED";
                revoked.revoke_time = revoked.create_time;
                ApiKeyRecord expired = Key("expired");
                expired.expire_time = absl::Now() - absl::Hours(1);
                for (const ApiKeyRecord& kept : {revoked, expired}) {
                  if (absl::Status s = tx.InsertApiKey(kept); !s.ok()) return s;
                }
                return absl::OkStatus();
              }).ok());

  const std::vector<absl::Status> outcomes = lagom::testing::AtOnce(kRacers, [&](int i) {
    tenancy::CreateApiKeyRequest req;
    req.set_parent("tenants/" + a_.tenant_id);
    req.set_api_key_id(absl::StrCat("racer", i));
    req.mutable_api_key()->set_display_name(absl::StrCat("racer ", i));
    req.mutable_api_key()->add_roles(tenancy::ROLE_VIEWER);
    tenancy::CreateApiKeyResponse resp;
    return core.CreateApiKey(a_, req, &resp);
  });
  EXPECT_EQ(
      lagom::testing::AcceptedRestOverQuota(
          outcomes,
          "a tenant holds at most 1000 API keys in use; revoke ones no longer used, or rotate a "
          "key instead of making another"),
      kRoom);
  EXPECT_TRUE(Run(a_, [](TenancyTransaction& tx) -> absl::Status {
                EXPECT_EQ(tx.ListApiKeys()->size(), static_cast<size_t>(kMaxApiKeysPerTenant + 2));
                return absl::OkStatus();
              }).ok());
}

// A key revoked while it is being rotated stays revoked: the rotations read it one after the
// other with the revocation, never from before it. And of edits of the tenant's settings sent
// with one etag at the same moment, exactly one is taken.
TEST_F(PgTenancyStoreTest, ChangesOfOneKeyOrTheSettingsAtOnceGoOneAfterTheOther) {
  auto pool = lagom::testing::ServicePool("questionnaire", Migrations(), kRacers);
  ASSERT_TRUE(pool.ok()) << pool.status();
  PgTenancyStore store(**pool);
  TenancyCore core(store);
  for (int attempt = 0; attempt < 3; ++attempt) {
    tenancy::CreateApiKeyRequest create;
    create.set_parent("tenants/" + a_.tenant_id);
    create.set_api_key_id(absl::StrCat("rotated", attempt));
    create.mutable_api_key()->set_display_name("rotated");
    create.mutable_api_key()->add_roles(tenancy::ROLE_VIEWER);
    tenancy::CreateApiKeyResponse created;
    ASSERT_TRUE(core.CreateApiKey(a_, create, &created).ok());
    const std::string name = created.api_key().name();
    const std::vector<absl::Status> outcomes = lagom::testing::AtOnce(kRacers, [&](int i) {
      if (i == kRacers / 2) {
        tenancy::RevokeApiKeyRequest req;
        req.set_name(name);
        tenancy::RevokeApiKeyResponse resp;
        absl::Status s = core.RevokeApiKey(a_, req, &resp);
        EXPECT_TRUE(s.ok()) << s;
        return s;
      }
      tenancy::RotateApiKeyRequest req;
      req.set_name(name);
      tenancy::RotateApiKeyResponse resp;
      return core.RotateApiKey(a_, req, &resp);  // refused once the key is revoked
    });
    int rotated = 0;
    for (int i = 0; i < kRacers; ++i) {
      if (i == kRacers / 2) continue;  // the revocation, checked above
      if (outcomes[i].ok()) {
        ++rotated;
        continue;
      }
      EXPECT_EQ(outcomes[i].code(), absl::StatusCode::kFailedPrecondition) << outcomes[i];
      EXPECT_EQ(ReasonOf(outcomes[i]), "STATE_CONFLICT") << outcomes[i];
      EXPECT_THAT(std::string(outcomes[i].message()), HasSubstr("is revoked")) << outcomes[i];
    }
    tenancy::GetApiKeyRequest get;
    get.set_name(name);
    tenancy::GetApiKeyResponse got;
    ASSERT_TRUE(core.GetApiKey(a_, get, &got).ok());
    EXPECT_EQ(got.api_key().state(), tenancy::ApiKey::STATE_REVOKED) << "attempt " << attempt;
    // Created as version 1, then one version for each rotation taken and one for the revocation.
    EXPECT_EQ(got.api_key().etag(), EtagOf(2 + rotated)) << "attempt " << attempt;
  }

  tenancy::GetTenantSettingsRequest read;
  read.set_name(absl::StrCat("tenants/", a_.tenant_id, "/settings"));
  tenancy::GetTenantSettingsResponse current;
  ASSERT_TRUE(core.GetTenantSettings(a_, read, &current).ok());
  const std::vector<absl::Status> edits = lagom::testing::AtOnce(kRacers, [&](int i) {
    tenancy::UpdateTenantSettingsRequest req;
    req.mutable_settings()->set_name(read.name());
    req.mutable_settings()->set_etag(current.settings().etag());
    req.mutable_settings()->set_min_respondents_per_group(2 + i);
    req.mutable_update_mask()->add_paths("min_respondents_per_group");
    tenancy::UpdateTenantSettingsResponse resp;
    return core.UpdateTenantSettings(a_, req, &resp);
  });
  EXPECT_EQ(lagom::testing::AcceptedRestStale(edits), 1);
}

// A tenant deleted while the operator also updates it stays DELETED: an update read before
// the deletion never writes it back.
TEST_F(PgTenancyStoreTest, ATenantDeletedAmongUpdatesStaysDeleted) {
  auto pool = lagom::testing::ServicePool("questionnaire", Migrations(), kRacers);
  ASSERT_TRUE(pool.ok()) << pool.status();
  PgTenancyStore store(**pool);
  TenancyCore core(store);
  for (int attempt = 0; attempt < 3; ++attempt) {
    const std::string tenant = lagom::testing::UniqueTenantId("gone");
    tenancy::CreateTenantRequest create;
    create.set_tenant_id(tenant);
    create.mutable_tenant()->set_display_name("Gone");
    tenancy::CreateTenantResponse created;
    ASSERT_TRUE(core.CreateTenant(OperatorRc(), create, &created).ok());
    const std::vector<absl::Status> outcomes = lagom::testing::AtOnce(kRacers, [&](int i) {
      if (i == kRacers / 2) {
        tenancy::DeleteTenantRequest req;
        req.set_name("tenants/" + tenant);
        tenancy::DeleteTenantResponse resp;
        absl::Status s = core.DeleteTenant(OperatorRc(), req, &resp);
        EXPECT_TRUE(s.ok()) << s;
        return s;
      }
      tenancy::UpdateTenantRequest req;
      req.mutable_tenant()->set_name("tenants/" + tenant);
      req.mutable_tenant()->set_state(i % 2 == 0 ? tenancy::Tenant::STATE_SUSPENDED
                                                 : tenancy::Tenant::STATE_ACTIVE);
      req.mutable_update_mask()->add_paths("state");
      tenancy::UpdateTenantResponse resp;
      return core.UpdateTenant(OperatorRc(), req, &resp);  // NOT_FOUND once deleted
    });
    for (int i = 0; i < kRacers; ++i) {
      if (i == kRacers / 2 || outcomes[i].ok()) continue;
      EXPECT_EQ(outcomes[i].code(), absl::StatusCode::kNotFound)
          << "attempt " << attempt << ": " << outcomes[i];
    }
    tenancy::GetTenantRequest get;
    get.set_name("tenants/" + tenant);
    tenancy::GetTenantResponse got;
    ASSERT_TRUE(core.GetTenant(OperatorRc(), get, &got).ok());
    EXPECT_EQ(got.tenant().state(), tenancy::Tenant::STATE_DELETED) << "attempt " << attempt;
  }
}

// A request_id is its caller's, through PostgreSQL: the caller's retry gets the first reply,
// another admin's same request is refused and makes nothing.
TEST_F(PgTenancyStoreTest, AKeptReplyAnswersOnlyItsCaller) {
  PgTenancyStore store(*pool_);
  TenancyCore core(store);
  tenancy::CreateApiKeyRequest req;
  req.set_parent("tenants/" + a_.tenant_id);
  req.set_request_id("0b8e4f1a-5c2d-4e7b-9a3f-6d1c8e2b7f40");
  req.mutable_api_key()->set_display_name("ci");
  req.mutable_api_key()->add_roles(tenancy::ROLE_VIEWER);
  tenancy::CreateApiKeyResponse first, retry, other;
  ASSERT_TRUE(core.CreateApiKey(a_, req, &first).ok());
  ASSERT_TRUE(core.CreateApiKey(a_, req, &retry).ok());
  EXPECT_EQ(retry.api_key().name(), first.api_key().name());
  RequestContext second = a_;
  second.principal.set_subject("tenants/" + a_.tenant_id + "/apiKeys/second-admin");
  absl::Status refused = core.CreateApiKey(second, req, &other);
  EXPECT_EQ(ReasonOf(refused), "REQUEST_ID_REUSED") << refused;
  EXPECT_TRUE(Run(a_, [](TenancyTransaction& tx) -> absl::Status {
                EXPECT_EQ(tx.CountApiKeys(absl::Now())->all, 1);
                return absl::OkStatus();
              }).ok());
}

// A taken id is the store's ALREADY_EXISTS, which the core turns into a message naming the
// resource (not the generic one a unique violation gets).
TEST_F(PgTenancyStoreTest, ATakenIdIsAlreadyExistsNamingTheResource) {
  PgTenancyStore store(*pool_);
  TenancyCore core(store);
  tenancy::CreateApiKeyRequest key;
  key.set_parent("tenants/" + a_.tenant_id);
  key.set_api_key_id("ci");
  key.mutable_api_key()->set_display_name("ci");
  key.mutable_api_key()->add_roles(tenancy::ROLE_VIEWER);
  tenancy::CreateApiKeyResponse created;
  ASSERT_TRUE(core.CreateApiKey(a_, key, &created).ok());
  absl::Status taken = core.CreateApiKey(a_, key, &created);
  EXPECT_EQ(ReasonOf(taken), "ALREADY_EXISTS") << taken;
  EXPECT_THAT(std::string(taken.message()),
              HasSubstr("tenants/" + a_.tenant_id + "/apiKeys/ci already exists"));

  tenancy::CreateRoleBindingRequest bind;
  bind.set_parent("tenants/" + a_.tenant_id);
  bind.set_role_binding_id("alice");
  bind.mutable_role_binding()->set_principal("user:alice@example.com");
  bind.mutable_role_binding()->set_role(tenancy::ROLE_VIEWER);
  tenancy::CreateRoleBindingResponse bound;
  ASSERT_TRUE(core.CreateRoleBinding(a_, bind, &bound).ok());
  bind.mutable_role_binding()->set_principal("user:bob@example.com");
  taken = core.CreateRoleBinding(a_, bind, &bound);
  EXPECT_EQ(ReasonOf(taken), "ALREADY_EXISTS") << taken;
  EXPECT_THAT(std::string(taken.message()),
              HasSubstr("tenants/" + a_.tenant_id + "/roleBindings/alice already exists"));
}

TEST_F(PgTenancyStoreTest, RoleBindingsCreatedAtOnceStopExactlyAtTheQuota) {
  auto pool = lagom::testing::ServicePool("questionnaire", Migrations(), kRacers);
  ASSERT_TRUE(pool.ok()) << pool.status();
  PgTenancyStore store(**pool);
  TenancyCore core(store);
  ASSERT_TRUE(Run(a_, [](TenancyTransaction& tx) -> absl::Status {
                for (int i = 0; i < kMaxRoleBindingsPerTenant - kRoom; ++i) {
                  RoleBindingRecord r;
                  r.id = absl::StrCat("rb", i);
                  r.version = 1;
                  r.principal = absl::StrCat("user:u", i, "@example.com");
                  r.role = tenancy::ROLE_VIEWER;
                  r.create_time = absl::Now();
                  if (absl::Status s = tx.InsertRoleBinding(r); !s.ok()) return s;
                }
                return absl::OkStatus();
              }).ok());

  const std::vector<absl::Status> outcomes = lagom::testing::AtOnce(kRacers, [&](int i) {
    tenancy::CreateRoleBindingRequest req;
    req.set_parent("tenants/" + a_.tenant_id);
    req.mutable_role_binding()->set_principal(absl::StrCat("user:racer", i, "@example.com"));
    req.mutable_role_binding()->set_role(tenancy::ROLE_FACILITATOR);
    tenancy::CreateRoleBindingResponse resp;
    return core.CreateRoleBinding(a_, req, &resp);
  });
  EXPECT_EQ(
      lagom::testing::AcceptedRestOverQuota(outcomes, "a tenant holds at most 10000 role bindings"),
      kRoom);
  EXPECT_TRUE(Run(a_, [](TenancyTransaction& tx) -> absl::Status {
                EXPECT_EQ(tx.ListRoleBindings()->size(),
                          static_cast<size_t>(kMaxRoleBindingsPerTenant));
                return absl::OkStatus();
              }).ok());
}

// --- The second wall: row-level security against the services' role ---------------------

constexpr const char* kTables[] = {
    "tenants",      "tenant_settings",   "api_keys",           "role_bindings",
    "audit_events", "catalog_resources", "idempotent_requests"};

class RowLevelSecurityTest : public ::testing::Test {
 protected:
  lagom::testing::ScratchDatabase db_{"lagom_rls"};
  const std::string owner_url_ = db_.owner_url();
  const std::string app_url_ = db_.app_url();
};

TEST_F(RowLevelSecurityTest, TheServicesRoleSeesOnlyItsTenantsRowsAndCannotRewriteTheAudit) {
  // Migrations as the owner role grant to lagom_app.
  {
    auto owner = PgPool::Connect(owner_url_, 1, absl::Seconds(5));
    ASSERT_TRUE(owner.ok()) << owner.status();
    absl::Status migrated = (*owner)->RunMigrations("questionnaire", Migrations());
    ASSERT_TRUE(migrated.ok()) << migrated;
  }
  const std::string a = lagom::testing::UniqueTenantId("a");
  const std::string b = lagom::testing::UniqueTenantId("b");

  // Rows of two tenants, written through the stores as lagom_app.
  auto app = PgPool::Connect(app_url_, 2, absl::Seconds(5));
  ASSERT_TRUE(app.ok()) << app.status();
  {
    PgTenancyStore store(**app);
    TenancyCore core(store);
    PgCatalogStore catalog(**app);
    for (const std::string& t : {a, b}) {
      tenancy::CreateTenantRequest create;
      create.set_tenant_id(t);
      create.mutable_tenant()->set_display_name(t);
      tenancy::CreateTenantResponse created;
      absl::Status s = core.CreateTenant(OperatorRc(), create, &created);
      ASSERT_TRUE(s.ok()) << s;
      ASSERT_TRUE(
          store
              .InTenant(TenantRc(t),
                        [](TenancyTransaction& tx) -> absl::Status {
                          if (auto s = tx.PutSettings({1, "x", absl::Now()}); !s.ok()) return s;
                          if (auto s = tx.RecordReply("r1", {"M", "q", "r"}); !s.ok()) return s;
                          return tx.InsertRoleBinding({"rb", 1, "user:al", 2, "", absl::Now()});
                        })
              .ok());
      ASSERT_TRUE(catalog
                      .InTransaction(TenantRc(t),
                                     [](CatalogTransaction& tx) {
                                       CatalogRecord r;
                                       r.id = "svc";
                                       r.version = 1;
                                       r.body = "b";
                                       r.create_time = r.update_time = absl::Now();
                                       return tx.Insert(CatalogKind::kService, r);
                                     })
                      .ok());
    }
  }

  pqxx::connection admin_conn(db_.admin_url());
  pqxx::connection app_conn(app_url_);
  {
    pqxx::work tx(app_conn);
    pqxx::row role =
        tx.exec1("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user");
    EXPECT_EQ(tx.exec1("SELECT current_user")[0].as<std::string>(), "lagom_app");
    EXPECT_FALSE(role[0].as<bool>());
    EXPECT_FALSE(role[1].as<bool>());
  }

  for (const char* table : kTables) {
    SCOPED_TRACE(table);
    const std::string from = absl::StrCat(" FROM questionnaire.", table);
    {
      pqxx::work tx(admin_conn);  // superuser: the rows are there
      EXPECT_GE(tx.exec1("SELECT count(*)" + from)[0].as<int>(), 2);
    }
    {
      // (a) No tenant set: nothing, although rows exist.
      pqxx::work tx(app_conn);
      EXPECT_EQ(tx.exec1("SELECT count(*)" + from)[0].as<int>(), 0);
    }
    {
      // (b) Tenant A set: B's rows are invisible.
      pqxx::work tx(app_conn);
      tx.exec_params("SELECT set_config('lagom.tenant_id', $1, true)", a);
      const std::string column = std::string(table) == "tenants" ? "id" : "tenant_id";
      EXPECT_GE(tx.exec1("SELECT count(*)" + from)[0].as<int>(), 1);
      EXPECT_EQ(
          tx.exec_params1(absl::StrCat("SELECT count(*)", from, " WHERE ", column, " = $1"), b)[0]
              .as<int>(),
          0);
    }
  }

  // (b) ... and a row for B cannot be written while A is set.
  for (const std::string& insert :
       {std::string("INSERT INTO questionnaire.api_keys (tenant_id, key_id, version,"
                    " display_name, role, state, secret_hash, secret_prefix, creator,"
                    " create_time) VALUES ($1, 'evil', 1, 'x', 1, 'ACTIVE', 'h', 'p', 'c', now())"),
        std::string("INSERT INTO questionnaire.audit_events VALUES ($1, 'evil', now(), 'p', 'r',"
                    " 'c', 'a.b', 'm', 'r', '', '', '')"),
        std::string("INSERT INTO questionnaire.catalog_resources (tenant_id, kind, id, version,"
                    " body, create_time, update_time) VALUES ($1, 'service', 'evil', 1, 'b',"
                    " now(), now())"),
        std::string("INSERT INTO questionnaire.tenants VALUES ($1 || '-x', 1, 'ACTIVE', 'b', '',"
                    " now(), now())")}) {
    SCOPED_TRACE(insert);
    pqxx::work tx(app_conn);
    tx.exec_params("SELECT set_config('lagom.tenant_id', $1, true)", a);
    try {
      tx.exec_params(insert, b);
      ADD_FAILURE() << "lagom_app wrote a row of another tenant";
    } catch (const pqxx::sql_error& e) {
      EXPECT_THAT(e.what(), HasSubstr("row-level security"));
    }
  }

  // (c) The audit log is append-only for lagom_app, even for the tenant's own rows.
  for (const std::string& change :
       {std::string("UPDATE questionnaire.audit_events SET action = 'nothing.happened'"),
        std::string("DELETE FROM questionnaire.audit_events")}) {
    SCOPED_TRACE(change);
    pqxx::work tx(app_conn);
    tx.exec_params("SELECT set_config('lagom.tenant_id', $1, true)", a);
    try {
      tx.exec(change);
      ADD_FAILURE() << "lagom_app changed the audit log";
    } catch (const pqxx::sql_error& e) {
      EXPECT_THAT(e.what(), HasSubstr("permission denied"));
    }
  }

  // The operator sees tenants, but not their data.
  {
    pqxx::work tx(app_conn);
    tx.exec("SELECT set_config('lagom.operator', 'on', true)");
    EXPECT_EQ(tx.exec1("SELECT count(*) FROM questionnaire.tenants")[0].as<int>(), 2);
    for (const char* table : kTables) {
      if (std::string(table) == "tenants") continue;
      EXPECT_EQ(tx.exec1(absl::StrCat("SELECT count(*) FROM questionnaire.", table))[0].as<int>(),
                0)
          << table;
    }
  }
}

}  // namespace
}  // namespace lagom::questionnaire
