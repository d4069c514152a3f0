#include "services/questionnaire/tenancy/tenancy_core.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <map>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/auth/api_key.h"
#include "common/status.h"
#include "services/questionnaire/tenancy/fake_tenancy_store.h"

namespace lagom::questionnaire {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;

RequestContext Operator() {
  RequestContext rc;
  rc.principal.set_subject("operator");
  rc.principal.set_role(auth_api::PRINCIPAL_ROLE_OPERATOR);
  rc.principal.set_credential_kind(auth_api::CREDENTIAL_KIND_OPERATOR);
  rc.peer = "ipv4:10.0.0.1:5000";
  return rc;
}

RequestContext AdminOf(const std::string& tenant) {
  RequestContext rc;
  rc.tenant_id = tenant;
  rc.principal.set_tenant_id(tenant);
  rc.principal.set_subject("tenants/" + tenant + "/apiKeys/admin");
  rc.principal.set_role(auth_api::PRINCIPAL_ROLE_TENANT_ADMIN);
  rc.principal.set_credential_kind(auth_api::CREDENTIAL_KIND_API_KEY);
  rc.peer = "ipv4:192.0.2.7:41000";
  return rc;
}

std::vector<std::string> Actions(const FakeTenancyStore::TenantData& data) {
  std::vector<std::string> out;
  for (const AuditRecord& r : data.audit) out.push_back(r.action);
  return out;
}

class TenancyCoreTest : public ::testing::Test {
 protected:
  TenancyCoreTest() : core_(store_, [this] { return now_; }) {}

  // Provisions `tenant` as the operator and returns its initial admin key.
  std::string Provision(const std::string& tenant) {
    tenancy::CreateTenantRequest req;
    req.set_tenant_id(tenant);
    req.mutable_tenant()->set_display_name("Tenant " + tenant);
    tenancy::CreateTenantResponse resp;
    absl::Status s = core_.CreateTenant(Operator(), req, &resp);
    EXPECT_TRUE(s.ok()) << s;
    return resp.initial_admin_secret();
  }

  tenancy::CreateApiKeyResponse CreateKey(const std::string& tenant, const std::string& id,
                                          tenancy::Role role) {
    tenancy::CreateApiKeyRequest req;
    req.set_parent("tenants/" + tenant);
    req.set_api_key_id(id);
    req.mutable_api_key()->set_display_name("key " + id);
    req.mutable_api_key()->add_roles(role);
    tenancy::CreateApiKeyResponse resp;
    absl::Status s = core_.CreateApiKey(AdminOf(tenant), req, &resp);
    EXPECT_TRUE(s.ok()) << s;
    return resp;
  }

  // The operator sets `tenant`'s state (ACTIVE or SUSPENDED).
  void SetState(const std::string& tenant, tenancy::Tenant::State state) {
    tenancy::UpdateTenantRequest update;
    update.mutable_tenant()->set_name("tenants/" + tenant);
    update.mutable_tenant()->set_state(state);
    update.mutable_update_mask()->add_paths("state");
    tenancy::UpdateTenantResponse updated;
    absl::Status s = core_.UpdateTenant(Operator(), update, &updated);
    ASSERT_TRUE(s.ok()) << s;
  }

  void ExpectInvalidKey(const std::string& key) {
    absl::StatusOr<auth::Principal> p = core_.VerifyApiKey(key);
    ASSERT_FALSE(p.ok());
    EXPECT_EQ(p.status().code(), absl::StatusCode::kUnauthenticated);
    EXPECT_EQ(ReasonOf(p.status()), "API_KEY_INVALID");
    EXPECT_EQ(p.status().message(), kApiKeyInvalidMessage);
  }

  absl::Time now_ = absl::FromUnixSeconds(1'800'000'000);
  FakeTenancyStore store_;
  TenancyCore core_;
};

TEST_F(TenancyCoreTest, CreateTenantReturnsAWorkingAdminKeyOnce) {
  tenancy::CreateTenantRequest req;
  req.set_tenant_id("acme");
  req.set_request_id("req-1");
  req.mutable_tenant()->set_display_name("Acme IT Services AB");
  tenancy::CreateTenantResponse resp;
  ASSERT_TRUE(core_.CreateTenant(Operator(), req, &resp).ok());
  EXPECT_EQ(resp.tenant().name(), "tenants/acme");
  EXPECT_EQ(resp.tenant().state(), tenancy::Tenant::STATE_ACTIVE);
  EXPECT_EQ(resp.initial_admin_api_key().name(), "tenants/acme/apiKeys/admin");
  EXPECT_THAT(resp.initial_admin_api_key().roles(), ElementsAre(tenancy::ROLE_TENANT_ADMIN));
  ASSERT_TRUE(absl::StartsWith(resp.initial_admin_secret(), "lgm_acme.admin."));

  absl::StatusOr<auth::Principal> p = core_.VerifyApiKey(resp.initial_admin_secret());
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->tenant_id(), "acme");
  EXPECT_EQ(p->subject(), "tenants/acme/apiKeys/admin");
  EXPECT_EQ(p->role(), auth_api::PRINCIPAL_ROLE_TENANT_ADMIN);
  EXPECT_EQ(p->credential_kind(), auth_api::CREDENTIAL_KIND_API_KEY);

  // The stored key holds only the hash of the secret.
  const ApiKeyRecord stored = store_.TenantSnapshot("acme").api_keys.at("admin");  // a copy
  auth::ApiKeyParts parts = *auth::ParseApiKey(resp.initial_admin_secret());
  EXPECT_EQ(stored.secret_hash, auth::HashApiKeySecret(parts.secret));
  EXPECT_THAT(stored.secret_hash, Not(HasSubstr(parts.secret)));
  EXPECT_THAT(Actions(store_.TenantSnapshot("acme")),
              ElementsAre("tenant.created", "api_key.created"));

  // A retry gets the tenant, never the secret again; another creation is ALREADY_EXISTS.
  tenancy::CreateTenantResponse retry;
  ASSERT_TRUE(core_.CreateTenant(Operator(), req, &retry).ok());
  EXPECT_EQ(retry.tenant().name(), "tenants/acme");
  EXPECT_EQ(retry.initial_admin_secret(), "");
  req.set_request_id("req-2");
  absl::Status again = core_.CreateTenant(Operator(), req, &retry);
  EXPECT_EQ(again.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ReasonOf(again), "ALREADY_EXISTS");
}

TEST_F(TenancyCoreTest, CreateTenantReportsBadFieldsAndStoresNothing) {
  tenancy::CreateTenantRequest req;
  req.set_tenant_id("Ab");
  req.mutable_tenant()->set_default_language_tag("not a tag");
  (*req.mutable_tenant()->mutable_labels())["Bad Key"] = "x";
  tenancy::CreateTenantResponse resp;
  absl::Status s = core_.CreateTenant(Operator(), req, &resp);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ViolationsOf(s),
              ElementsAre(Field(&FieldViolation::field, "tenant_id"),
                          Field(&FieldViolation::field, "tenant.display_name"),
                          Field(&FieldViolation::field, "tenant.default_language_tag"),
                          Field(&FieldViolation::field, "tenant.labels.Bad Key")));
  EXPECT_THAT(store_.Snapshot().tenants, IsEmpty());
}

TEST_F(TenancyCoreTest, OnlyTheOperatorProvisions) {
  tenancy::CreateTenantRequest req;
  req.set_tenant_id("sneaky");
  req.mutable_tenant()->set_display_name("Sneaky");
  tenancy::CreateTenantResponse resp;
  EXPECT_EQ(core_.CreateTenant(AdminOf("acme"), req, &resp).code(),
            absl::StatusCode::kPermissionDenied);
  tenancy::ListTenantsResponse list;
  EXPECT_EQ(core_.ListTenants(AdminOf("acme"), {}, &list).code(),
            absl::StatusCode::kPermissionDenied);
}

TEST_F(TenancyCoreTest, KeyWorksUntilRevoked) {
  Provision("acme");
  tenancy::CreateApiKeyResponse created = CreateKey("acme", "sync", tenancy::ROLE_SERVICE);
  EXPECT_EQ(created.api_key().name(), "tenants/acme/apiKeys/sync");
  EXPECT_EQ(created.api_key().state(), tenancy::ApiKey::STATE_ACTIVE);
  absl::StatusOr<auth::Principal> p = core_.VerifyApiKey(created.secret());
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->role(), auth_api::PRINCIPAL_ROLE_SERVICE);

  tenancy::RevokeApiKeyRequest revoke;
  revoke.set_name(created.api_key().name());
  tenancy::RevokeApiKeyResponse revoked;
  ASSERT_TRUE(core_.RevokeApiKey(AdminOf("acme"), revoke, &revoked).ok());
  EXPECT_EQ(revoked.api_key().state(), tenancy::ApiKey::STATE_REVOKED);
  ExpectInvalidKey(created.secret());
}

TEST_F(TenancyCoreTest, UnknownRevokedWrongSecretAndExpiredAllLookTheSame) {
  Provision("acme");
  tenancy::CreateApiKeyResponse key = CreateKey("acme", "ci", tenancy::ROLE_VIEWER);
  auth::ApiKeyParts parts = *auth::ParseApiKey(key.secret());
  // Wrong secret for a real key.
  ExpectInvalidKey(auth::FormatApiKey(auth::GenerateApiKey("acme", "ci")));
  // Unknown key id, unknown tenant.
  ExpectInvalidKey(auth::FormatApiKey({"acme", "nosuchkey", parts.secret}));
  ExpectInvalidKey(auth::FormatApiKey({"globex", "ci", parts.secret}));
  // Expired.
  tenancy::CreateApiKeyRequest req;
  req.set_parent("tenants/acme");
  req.set_api_key_id("shortlived");
  req.mutable_api_key()->set_display_name("short");
  req.mutable_api_key()->add_roles(tenancy::ROLE_VIEWER);
  *req.mutable_api_key()->mutable_expire_time() = ToProto(now_ + absl::Hours(1));
  tenancy::CreateApiKeyResponse shortlived;
  ASSERT_TRUE(core_.CreateApiKey(AdminOf("acme"), req, &shortlived).ok());
  ASSERT_TRUE(core_.VerifyApiKey(shortlived.secret()).ok());
  now_ += absl::Hours(2);
  ExpectInvalidKey(shortlived.secret());
  // Malformed keys say so (syntax only, nothing about existence).
  EXPECT_EQ(ReasonOf(core_.VerifyApiKey("not-a-key").status()), "API_KEY_MALFORMED");
}

TEST_F(TenancyCoreTest, RotationRetiresTheOldSecret) {
  Provision("acme");
  tenancy::CreateApiKeyResponse key = CreateKey("acme", "sync", tenancy::ROLE_SERVICE);
  tenancy::RotateApiKeyRequest rotate;
  rotate.set_name(key.api_key().name());
  tenancy::RotateApiKeyResponse rotated;
  ASSERT_TRUE(core_.RotateApiKey(AdminOf("acme"), rotate, &rotated).ok());
  EXPECT_EQ(rotated.api_key().name(), key.api_key().name());
  EXPECT_NE(rotated.secret(), key.secret());
  ExpectInvalidKey(key.secret());
  EXPECT_TRUE(core_.VerifyApiKey(rotated.secret()).ok());
}

TEST_F(TenancyCoreTest, AnExpiredKeyIsNotRotated) {
  Provision("acme");
  tenancy::CreateApiKeyRequest req;
  req.set_parent("tenants/acme");
  req.set_api_key_id("shortlived");
  req.mutable_api_key()->set_display_name("short");
  req.mutable_api_key()->add_roles(tenancy::ROLE_VIEWER);
  *req.mutable_api_key()->mutable_expire_time() = ToProto(now_ + absl::Hours(1));
  tenancy::CreateApiKeyResponse key;
  ASSERT_TRUE(core_.CreateApiKey(AdminOf("acme"), req, &key).ok());
  now_ += absl::Hours(2);
  tenancy::RotateApiKeyRequest rotate;
  rotate.set_name(key.api_key().name());
  tenancy::RotateApiKeyResponse rotated;
  const absl::Status s = core_.RotateApiKey(AdminOf("acme"), rotate, &rotated);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
  EXPECT_EQ(ReasonOf(s), "STATE_CONFLICT");
  EXPECT_THAT(s.message(), HasSubstr("has expired; create a new key"));
  EXPECT_TRUE(rotated.secret().empty());
}

// A binding takes exactly the subjects sign-in resolves: the longest one too.
TEST_F(TenancyCoreTest, TheLongestSubjectABindingTakesIsOneSignInResolves) {
  Provision("acme");
  const std::string subject(300, 'a');
  tenancy::CreateRoleBindingRequest bind;
  bind.set_parent("tenants/acme");
  bind.mutable_role_binding()->set_principal("user:" + subject);
  bind.mutable_role_binding()->set_role(tenancy::ROLE_VIEWER);
  tenancy::CreateRoleBindingResponse bound;
  ASSERT_TRUE(core_.CreateRoleBinding(AdminOf("acme"), bind, &bound).ok());
  absl::StatusOr<auth::Principal> principal = core_.ResolveSubject("acme", subject);
  ASSERT_TRUE(principal.ok()) << principal.status();
  EXPECT_EQ(principal->role(), auth_api::PRINCIPAL_ROLE_VIEWER);
}

TEST_F(TenancyCoreTest, RotationGracePeriodKeepsTheOldSecretForAWhile) {
  Provision("acme");
  tenancy::CreateApiKeyResponse key = CreateKey("acme", "sync", tenancy::ROLE_SERVICE);
  tenancy::RotateApiKeyRequest rotate;
  rotate.set_name(key.api_key().name());
  rotate.mutable_grace_period()->set_seconds(600);
  tenancy::RotateApiKeyResponse rotated;
  ASSERT_TRUE(core_.RotateApiKey(AdminOf("acme"), rotate, &rotated).ok());
  EXPECT_TRUE(core_.VerifyApiKey(key.secret()).ok());
  EXPECT_TRUE(core_.VerifyApiKey(rotated.secret()).ok());
  now_ += absl::Seconds(601);
  ExpectInvalidKey(key.secret());
  EXPECT_TRUE(core_.VerifyApiKey(rotated.secret()).ok());
}

TEST_F(TenancyCoreTest, ListAndGetNeverShowSecretsOrHashes) {
  Provision("acme");
  tenancy::CreateApiKeyResponse key = CreateKey("acme", "sync", tenancy::ROLE_SERVICE);
  auth::ApiKeyParts parts = *auth::ParseApiKey(key.secret());
  const std::string hash = auth::HashApiKeySecret(parts.secret);

  tenancy::ListApiKeysRequest list;
  list.set_parent("tenants/acme");
  tenancy::ListApiKeysResponse listed;
  ASSERT_TRUE(core_.ListApiKeys(AdminOf("acme"), list, &listed).ok());
  ASSERT_THAT(listed.api_keys(), SizeIs(2));  // admin and sync
  const std::string wire = listed.SerializeAsString() + listed.DebugString();
  EXPECT_THAT(wire, Not(HasSubstr(parts.secret)));
  EXPECT_THAT(wire, Not(HasSubstr(parts.secret.substr(4))));
  EXPECT_THAT(wire, Not(HasSubstr(hash)));
  EXPECT_EQ(listed.api_keys(1).secret_prefix(), "lgm_acme.sync." + parts.secret.substr(0, 4));

  tenancy::GetApiKeyRequest get;
  get.set_name(key.api_key().name());
  tenancy::GetApiKeyResponse got;
  ASSERT_TRUE(core_.GetApiKey(AdminOf("acme"), get, &got).ok());
  EXPECT_THAT(got.DebugString(), Not(HasSubstr(parts.secret)));
  EXPECT_THAT(got.DebugString(), Not(HasSubstr(hash)));

  // An idempotent retry of the creation gets the key but not the secret.
  tenancy::CreateApiKeyRequest create;
  create.set_parent("tenants/acme");
  create.set_request_id("r-1");
  create.mutable_api_key()->set_display_name("retry");
  create.mutable_api_key()->add_roles(tenancy::ROLE_VIEWER);
  tenancy::CreateApiKeyResponse first, second;
  ASSERT_TRUE(core_.CreateApiKey(AdminOf("acme"), create, &first).ok());
  ASSERT_TRUE(core_.CreateApiKey(AdminOf("acme"), create, &second).ok());
  EXPECT_FALSE(first.secret().empty());
  EXPECT_EQ(second.secret(), "");
  EXPECT_EQ(second.api_key().name(), first.api_key().name());
  for (const auto& [id, reply] : store_.TenantSnapshot("acme").replies) {
    EXPECT_THAT(reply.reply, Not(HasSubstr(first.secret())));
  }

  // Revoked keys are listed only when asked for.
  tenancy::RevokeApiKeyRequest revoke;
  revoke.set_name(key.api_key().name());
  tenancy::RevokeApiKeyResponse revoked;
  ASSERT_TRUE(core_.RevokeApiKey(AdminOf("acme"), revoke, &revoked).ok());
  listed.Clear();
  ASSERT_TRUE(core_.ListApiKeys(AdminOf("acme"), list, &listed).ok());
  EXPECT_THAT(listed.api_keys(), SizeIs(2));  // admin, retry
  list.set_show_inactive(true);
  listed.Clear();
  ASSERT_TRUE(core_.ListApiKeys(AdminOf("acme"), list, &listed).ok());
  EXPECT_THAT(listed.api_keys(), SizeIs(3));
}

// A request_id belongs to the caller who sent it first: another admin of the tenant sending
// the same request under it is refused, without learning who, and no second key is made.
TEST_F(TenancyCoreTest, AnotherCallersRequestIdIsRefusedAndMakesNoKey) {
  Provision("acme");
  tenancy::CreateApiKeyRequest create;
  create.set_parent("tenants/acme");
  create.set_request_id("r-1");
  create.mutable_api_key()->set_display_name("sync");
  create.mutable_api_key()->add_roles(tenancy::ROLE_SERVICE);
  tenancy::CreateApiKeyResponse first;
  ASSERT_TRUE(core_.CreateApiKey(AdminOf("acme"), create, &first).ok());

  RequestContext other_admin = AdminOf("acme");
  other_admin.principal.set_subject("kim@acme.example");
  other_admin.principal.set_credential_kind(auth_api::CREDENTIAL_KIND_JWT);
  tenancy::CreateApiKeyResponse refused;
  absl::Status s = core_.CreateApiKey(other_admin, create, &refused);
  EXPECT_EQ(s.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ReasonOf(s), "REQUEST_ID_REUSED");
  EXPECT_THAT(s.message(), HasSubstr("request_id r-1 was already used by another caller"));
  EXPECT_THAT(s.message(), Not(HasSubstr("apiKeys/admin")));
  EXPECT_EQ(refused.api_key().name(), "");
  EXPECT_THAT(store_.TenantSnapshot("acme").api_keys, SizeIs(2));  // admin and the new key
  EXPECT_THAT(Actions(store_.TenantSnapshot("acme")),
              ElementsAre("tenant.created", "api_key.created", "api_key.created"));

  tenancy::CreateApiKeyResponse retry;
  ASSERT_TRUE(core_.CreateApiKey(AdminOf("acme"), create, &retry).ok());
  EXPECT_EQ(retry.api_key().name(), first.api_key().name());
}

TEST_F(TenancyCoreTest, LastUseIsWrittenAtMostOnceAMinute) {
  Provision("acme");
  tenancy::CreateApiKeyResponse key = CreateKey("acme", "sync", tenancy::ROLE_SERVICE);
  auto last_use = [&] { return store_.TenantSnapshot("acme").api_keys.at("sync").last_use_time; };
  EXPECT_FALSE(last_use().has_value());
  const absl::Time first = now_;
  ASSERT_TRUE(core_.VerifyApiKey(key.secret()).ok());
  EXPECT_EQ(last_use(), first);
  now_ += absl::Seconds(59);
  ASSERT_TRUE(core_.VerifyApiKey(key.secret()).ok());
  EXPECT_EQ(last_use(), first);
  now_ += absl::Seconds(1);
  ASSERT_TRUE(core_.VerifyApiKey(key.secret()).ok());
  EXPECT_EQ(last_use(), now_);
}

TEST_F(TenancyCoreTest, BadApiKeyRequestReportsFieldsAndStoresNothing) {
  Provision("acme");
  tenancy::CreateApiKeyRequest req;
  req.set_parent("tenants/acme");
  req.set_api_key_id("Has-Dash");
  req.mutable_api_key()->add_roles(static_cast<tenancy::Role>(100));  // OPERATOR
  *req.mutable_api_key()->mutable_expire_time() = ToProto(now_ - absl::Seconds(1));
  tenancy::CreateApiKeyResponse resp;
  absl::Status s = core_.CreateApiKey(AdminOf("acme"), req, &resp);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ViolationsOf(s), ElementsAre(Field(&FieldViolation::field, "api_key_id"),
                                           Field(&FieldViolation::field, "api_key.display_name"),
                                           Field(&FieldViolation::field, "api_key.roles[0]"),
                                           Field(&FieldViolation::field, "api_key.expire_time")));
  EXPECT_THAT(ViolationsOf(s)[2].description, HasSubstr("OPERATOR"));
  EXPECT_THAT(store_.TenantSnapshot("acme").api_keys, SizeIs(1));  // only the initial admin key
  EXPECT_EQ(resp.secret(), "");
}

TEST_F(TenancyCoreTest, AnotherTenantsKeysAreNotFound) {
  Provision("acme");
  Provision("globex");
  tenancy::CreateApiKeyResponse key = CreateKey("acme", "sync", tenancy::ROLE_SERVICE);
  tenancy::RevokeApiKeyRequest revoke;
  revoke.set_name(key.api_key().name());
  tenancy::RevokeApiKeyResponse revoked;
  absl::Status s = core_.RevokeApiKey(AdminOf("globex"), revoke, &revoked);
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(core_.VerifyApiKey(key.secret()).ok());
  tenancy::ListApiKeysRequest list;
  list.set_parent("tenants/acme");
  tenancy::ListApiKeysResponse listed;
  EXPECT_EQ(core_.ListApiKeys(AdminOf("globex"), list, &listed).code(),
            absl::StatusCode::kNotFound);
}

TEST_F(TenancyCoreTest, RoleBindingResolvesAJwtSubject) {
  Provision("acme");
  absl::StatusOr<auth::Principal> none = core_.ResolveSubject("acme", "alice@example.com");
  EXPECT_EQ(none.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(ReasonOf(none.status()), "NO_ROLE_BINDING");
  EXPECT_THAT(none.status().message(), HasSubstr("ask a TENANT_ADMIN to bind one"));

  tenancy::CreateRoleBindingRequest req;
  req.set_parent("tenants/acme");
  req.set_role_binding_id("alice");
  req.mutable_role_binding()->set_principal("user:alice@example.com");
  req.mutable_role_binding()->set_role(tenancy::ROLE_FACILITATOR);
  tenancy::CreateRoleBindingResponse created;
  ASSERT_TRUE(core_.CreateRoleBinding(AdminOf("acme"), req, &created).ok());
  EXPECT_EQ(created.role_binding().name(), "tenants/acme/roleBindings/alice");

  absl::StatusOr<auth::Principal> p = core_.ResolveSubject("acme", "alice@example.com");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->tenant_id(), "acme");
  EXPECT_EQ(p->subject(), "alice@example.com");
  EXPECT_EQ(p->role(), auth_api::PRINCIPAL_ROLE_FACILITATOR);
  EXPECT_EQ(p->credential_kind(), auth_api::CREDENTIAL_KIND_JWT);
  // The binding is the tenant's own: the same subject in another tenant has no role.
  EXPECT_EQ(core_.ResolveSubject("globex", "alice@example.com").status().code(),
            absl::StatusCode::kPermissionDenied);

  // One role per principal and resource.
  req.set_role_binding_id("alice2");
  req.mutable_role_binding()->set_role(tenancy::ROLE_TENANT_ADMIN);
  EXPECT_EQ(core_.CreateRoleBinding(AdminOf("acme"), req, &created).code(),
            absl::StatusCode::kAlreadyExists);

  tenancy::ListRoleBindingsRequest list;
  list.set_parent("tenants/acme");
  list.set_filter("role = FACILITATOR");
  tenancy::ListRoleBindingsResponse listed;
  ASSERT_TRUE(core_.ListRoleBindings(AdminOf("acme"), list, &listed).ok());
  EXPECT_THAT(listed.role_bindings(), SizeIs(1));

  tenancy::DeleteRoleBindingRequest del;
  del.set_name("tenants/acme/roleBindings/alice");
  tenancy::DeleteRoleBindingResponse deleted;
  ASSERT_TRUE(core_.DeleteRoleBinding(AdminOf("acme"), del, &deleted).ok());
  EXPECT_EQ(core_.ResolveSubject("acme", "alice@example.com").status().code(),
            absl::StatusCode::kPermissionDenied);
}

TEST_F(TenancyCoreTest, BadRoleBindingReportsFields) {
  Provision("acme");
  tenancy::CreateRoleBindingRequest req;
  req.set_parent("tenants/acme");
  req.mutable_role_binding()->set_principal("alice");
  req.mutable_role_binding()->set_resource("tenants/globex/sessions/s1");
  tenancy::CreateRoleBindingResponse resp;
  absl::Status s = core_.CreateRoleBinding(AdminOf("acme"), req, &resp);
  EXPECT_THAT(ViolationsOf(s), ElementsAre(Field(&FieldViolation::field, "role_binding.principal"),
                                           Field(&FieldViolation::field, "role_binding.role"),
                                           Field(&FieldViolation::field, "role_binding.resource")));
  EXPECT_THAT(store_.TenantSnapshot("acme").role_bindings, IsEmpty());
}

// Only people signing in with a JWT are looked up in the bindings (ResolveSubject), and only
// bindings for the whole tenant: anything else would be stored and never grant anything.
TEST_F(TenancyCoreTest, BindingsThatWouldGrantNothingAreRefused) {
  Provision("acme");
  struct Case {
    std::string principal, resource, field, says;
  };
  const std::vector<Case> cases = {
      {"apiKey:tenants/acme/apiKeys/sync", "", "role_binding.principal", "CreateApiKey"},
      {"service:scoring", "", "role_binding.principal", "need no binding"},
      {"user:", "", "role_binding.principal", "'user:<subject>'"},
      // A subject longer than sign-in resolves.
      {"user:" + std::string(301, 'a'), "", "role_binding.principal", "1-300 characters"},
      {"user:alice@example.com", "tenants/acme/sessions/s1", "role_binding.resource",
       "not supported"},
  };
  for (const Case& c : cases) {
    tenancy::CreateRoleBindingRequest req;
    req.set_parent("tenants/acme");
    req.mutable_role_binding()->set_principal(c.principal);
    req.mutable_role_binding()->set_role(tenancy::ROLE_FACILITATOR);
    req.mutable_role_binding()->set_resource(c.resource);
    tenancy::CreateRoleBindingResponse resp;
    absl::Status s = core_.CreateRoleBinding(AdminOf("acme"), req, &resp);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << c.principal;
    EXPECT_THAT(ViolationsOf(s),
                ElementsAre(AllOf(Field(&FieldViolation::field, c.field),
                                  Field(&FieldViolation::description, HasSubstr(c.says)))))
        << c.principal << " " << c.resource;
  }
  EXPECT_THAT(store_.TenantSnapshot("acme").role_bindings, IsEmpty());
}

TEST_F(TenancyCoreTest, EveryAdministrativeActionIsAudited) {
  Provision("acme");
  tenancy::CreateApiKeyResponse key = CreateKey("acme", "sync", tenancy::ROLE_SERVICE);
  tenancy::RotateApiKeyRequest rotate;
  rotate.set_name(key.api_key().name());
  tenancy::RotateApiKeyResponse rotated;
  ASSERT_TRUE(core_.RotateApiKey(AdminOf("acme"), rotate, &rotated).ok());
  tenancy::RevokeApiKeyRequest revoke;
  revoke.set_name(key.api_key().name());
  tenancy::RevokeApiKeyResponse revoked;
  ASSERT_TRUE(core_.RevokeApiKey(AdminOf("acme"), revoke, &revoked).ok());
  tenancy::CreateRoleBindingRequest bind;
  bind.set_parent("tenants/acme");
  bind.set_role_binding_id("bob");
  bind.mutable_role_binding()->set_principal("user:bob");
  bind.mutable_role_binding()->set_role(tenancy::ROLE_VIEWER);
  tenancy::CreateRoleBindingResponse bound;
  ASSERT_TRUE(core_.CreateRoleBinding(AdminOf("acme"), bind, &bound).ok());
  tenancy::DeleteRoleBindingRequest unbind;
  unbind.set_name(bound.role_binding().name());
  tenancy::DeleteRoleBindingResponse unbound;
  ASSERT_TRUE(core_.DeleteRoleBinding(AdminOf("acme"), unbind, &unbound).ok());
  tenancy::UpdateTenantRequest update;
  update.mutable_tenant()->set_name("tenants/acme");
  update.mutable_tenant()->set_display_name("Acme AB");
  update.mutable_update_mask()->add_paths("display_name");
  tenancy::UpdateTenantResponse updated;
  ASSERT_TRUE(core_.UpdateTenant(Operator(), update, &updated).ok());
  EXPECT_EQ(updated.tenant().display_name(), "Acme AB");
  auth_api::RecordAuditEventRequest record;
  *record.mutable_actor() = AdminOf("acme").principal;
  record.set_action("session.opened");
  record.set_resource("tenants/acme/sessions/s1");
  record.set_origin("ipv4:198.51.100.1:1234");
  auth_api::RecordAuditEventResponse recorded;
  ASSERT_TRUE(core_.RecordAuditEvent(RequestContext{}, record, &recorded).ok());
  tenancy::DeleteTenantRequest del;
  del.set_name("tenants/acme");
  tenancy::DeleteTenantResponse deleted;
  ASSERT_TRUE(core_.DeleteTenant(Operator(), del, &deleted).ok());

  const FakeTenancyStore::TenantData data = store_.TenantSnapshot("acme");
  EXPECT_THAT(Actions(data),
              ElementsAre("tenant.created", "api_key.created", "api_key.created", "api_key.rotated",
                          "api_key.revoked", "role_binding.created", "role_binding.deleted",
                          "tenant.updated", "session.opened", "tenant.deleted"));
  const AuditRecord& revoke_row = data.audit[4];
  EXPECT_EQ(revoke_row.principal, "tenants/acme/apiKeys/admin");
  EXPECT_EQ(revoke_row.principal_role, "TENANT_ADMIN");
  EXPECT_EQ(revoke_row.credential_kind, "API_KEY");
  EXPECT_EQ(revoke_row.resource, "tenants/acme/apiKeys/sync");
  EXPECT_EQ(revoke_row.origin, "ipv4:192.0.2.7:41000");
  EXPECT_EQ(revoke_row.event_time, now_);
  EXPECT_EQ(data.audit[7].principal_role, "OPERATOR");
  EXPECT_EQ(data.audit[8].origin, "ipv4:198.51.100.1:1234");
}

TEST_F(TenancyCoreTest, DeletedTenantsCredentialsStopWorking) {
  const std::string admin = Provision("acme");
  ASSERT_TRUE(core_.VerifyApiKey(admin).ok());
  tenancy::DeleteTenantRequest del;
  del.set_name("tenants/acme");
  tenancy::DeleteTenantResponse deleted;
  ASSERT_TRUE(core_.DeleteTenant(Operator(), del, &deleted).ok());
  ExpectInvalidKey(admin);
  tenancy::GetTenantRequest get;
  get.set_name("tenants/acme");
  tenancy::GetTenantResponse got;
  ASSERT_TRUE(core_.GetTenant(Operator(), get, &got).ok());
  EXPECT_EQ(got.tenant().state(), tenancy::Tenant::STATE_DELETED);
}

// One service's share of tenants' data, as DeleteTenant sees it.
class FakeTenantData final : public auth::TenantDataHolder {
 public:
  explicit FakeTenantData(std::string name) : name_(std::move(name)) {}
  const std::string& name() const override { return name_; }
  absl::StatusOr<auth::TenantDataCounts> Purge(const std::string&) override {
    return absl::InternalError("DeleteTenant only queues purges");
  }

  absl::StatusOr<auth::TenantDataCounts> Describe(const std::string& tenant_id) override {
    ++asked;
    if (on_ask) on_ask(asked);
    if (!answer.ok()) return answer;
    auto it = counts.find(tenant_id);
    return it == counts.end() ? auth::TenantDataCounts{} : it->second;
  }

  std::map<std::string, auth::TenantDataCounts> counts;
  absl::Status answer;  // not OK: the service cannot be asked
  int asked = 0;
  std::function<void(int)> on_ask;  // called with the number of the ask, before answering

 private:
  std::string name_;
};

auth::TenantDataCounts Counts(const std::string& kind, int64_t n) {
  auth::TenantDataCounts counts(1);
  counts[0].set_kind(kind);
  counts[0].set_count(n);
  return counts;
}

TEST_F(TenancyCoreTest, WithoutForceATenantKeepingDataAnywhereIsNotDeleted) {
  FakeTenantData questionnaire("questionnaire"), session("session");
  core_.SetTenantData({&questionnaire, &session}, absl::Minutes(1));
  const std::string admin = Provision("acme");
  Provision("globex");
  session.counts["acme"] = Counts("sessions", 2);
  tenancy::DeleteTenantRequest del;
  del.set_name("tenants/acme");
  tenancy::DeleteTenantResponse deleted;
  const absl::Status in_use = core_.DeleteTenant(Operator(), del, &deleted);
  EXPECT_EQ(in_use.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReasonOf(in_use), "RESOURCE_IN_USE");
  EXPECT_THAT(in_use.message(), HasSubstr("tenants/acme still keeps data (session: 2 sessions)"));
  EXPECT_THAT(in_use.message(), HasSubstr("force=true"));
  // A service that cannot be asked: its error, saying nothing changed.
  session.answer = absl::UnavailableError("connection refused");
  const absl::Status unknown = core_.DeleteTenant(Operator(), del, &deleted);
  EXPECT_EQ(unknown.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(unknown.message(), HasSubstr("session service, so nothing was changed"));
  ASSERT_TRUE(core_.VerifyApiKey(admin).ok()) << "acme was not deleted";
  EXPECT_THAT(store_.TenantSnapshot("acme").purges, IsEmpty());
  // Another tenant without data goes without force, and nothing is purged.
  session.answer = absl::OkStatus();
  del.set_name("tenants/globex");
  ASSERT_TRUE(core_.DeleteTenant(Operator(), del, &deleted).ok());
  EXPECT_THAT(store_.TenantSnapshot("globex").purges, IsEmpty());
  EXPECT_EQ(Actions(store_.TenantSnapshot("globex")).back(), "tenant.deleted");
}

// A session created between the check for data and the deletion: the tenant is purged as if
// deleted with force, so a DELETED tenant never keeps data for good.
TEST_F(TenancyCoreTest, DataWrittenWhileADeletionWasCheckedIsPurged) {
  FakeTenantData questionnaire("questionnaire"), session("session");
  core_.SetTenantData({&questionnaire, &session}, absl::Minutes(1));
  Provision("acme");
  session.on_ask = [&](int ask) {
    // Written after the first ask, before the deletion.
    if (ask == 2) session.counts["acme"] = Counts("sessions", 1);
  };
  tenancy::DeleteTenantRequest del;
  del.set_name("tenants/acme");
  tenancy::DeleteTenantResponse deleted;
  ASSERT_TRUE(core_.DeleteTenant(Operator(), del, &deleted).ok());
  EXPECT_EQ(session.asked, 2);
  using Purge = std::pair<std::string, absl::Duration>;
  EXPECT_THAT(
      store_.TenantSnapshot("acme").purges,
      ElementsAre(Purge{"questionnaire", absl::Minutes(1)}, Purge{"session", absl::Minutes(1)}));
  const FakeTenancyStore::TenantData data = store_.TenantSnapshot("acme");
  EXPECT_THAT(Actions(data), ElementsAre("tenant.created", "api_key.created", "tenant.deleted",
                                         "tenant.purge_requested"));
  EXPECT_EQ(data.audit.back().detail, "data written while the deletion was checked");
}

TEST_F(TenancyCoreTest, WithForceEveryServicePurgesAfterTheGracePeriod) {
  FakeTenantData questionnaire("questionnaire"), session("session"), reporting("reporting");
  core_.SetTenantData({&questionnaire, &session, &reporting}, absl::Minutes(1));
  const std::string admin = Provision("acme");
  session.counts["acme"] = Counts("sessions", 2);
  tenancy::DeleteTenantRequest del;
  del.set_name("tenants/acme");
  del.set_force(true);
  tenancy::DeleteTenantResponse deleted;
  ASSERT_TRUE(core_.DeleteTenant(Operator(), del, &deleted).ok());
  ExpectInvalidKey(admin);
  using Purge = std::pair<std::string, absl::Duration>;
  EXPECT_THAT(
      store_.TenantSnapshot("acme").purges,
      ElementsAre(Purge{"questionnaire", absl::Minutes(1)}, Purge{"session", absl::Minutes(1)},
                  Purge{"reporting", absl::Minutes(1)}));
  EXPECT_THAT(
      Actions(store_.TenantSnapshot("acme")),
      ElementsAre("tenant.created", "api_key.created", "tenant.deleted", "tenant.purge_requested"));
  // Forced again (or after a delete without force): purged again, still one deletion.
  ASSERT_TRUE(core_.DeleteTenant(Operator(), del, &deleted).ok());
  EXPECT_THAT(store_.TenantSnapshot("acme").purges, SizeIs(6));
  EXPECT_THAT(Actions(store_.TenantSnapshot("acme")),
              ElementsAre("tenant.created", "api_key.created", "tenant.deleted",
                          "tenant.purge_requested", "tenant.purge_requested"));
  del.set_name("tenants/nobody");
  EXPECT_EQ(core_.DeleteTenant(Operator(), del, &deleted).code(), absl::StatusCode::kNotFound);
}

// A suspended tenant's credentials still work, marked so that calls changing data are refused
// (Authorize); made ACTIVE again, they are plain again.
TEST_F(TenancyCoreTest, SuspendedTenantsCredentialsSaySo) {
  const std::string admin = Provision("acme");
  tenancy::CreateRoleBindingRequest bind;
  bind.set_parent("tenants/acme");
  bind.set_role_binding_id("alice");
  bind.mutable_role_binding()->set_principal("user:alice@example.com");
  bind.mutable_role_binding()->set_role(tenancy::ROLE_FACILITATOR);
  tenancy::CreateRoleBindingResponse bound;
  ASSERT_TRUE(core_.CreateRoleBinding(AdminOf("acme"), bind, &bound).ok());
  for (bool suspended : {true, false}) {
    ASSERT_NO_FATAL_FAILURE(SetState(
        "acme", suspended ? tenancy::Tenant::STATE_SUSPENDED : tenancy::Tenant::STATE_ACTIVE));
    absl::StatusOr<auth::Principal> key = core_.VerifyApiKey(admin);
    ASSERT_TRUE(key.ok()) << key.status();
    EXPECT_EQ(key->tenant_suspended(), suspended);
    absl::StatusOr<auth::Principal> jwt = core_.ResolveSubject("acme", "alice@example.com");
    ASSERT_TRUE(jwt.ok()) << jwt.status();
    EXPECT_EQ(jwt->tenant_suspended(), suspended);
  }
}

// What the session service asks before it lets a respondent's invite token in: the tenant's
// standing follows its state, and a tenant nobody has is NOT_FOUND.
TEST_F(TenancyCoreTest, TenantStandingFollowsTheTenantsState) {
  Provision("acme");
  auto standing = [&](const std::string& tenant) {
    auth_api::GetTenantStandingRequest req;
    req.set_tenant_id(tenant);
    auth_api::GetTenantStandingResponse resp;
    absl::Status s = core_.GetTenantStanding({}, req, &resp);
    EXPECT_TRUE(s.ok()) << s;
    return resp.standing();
  };
  EXPECT_EQ(standing("acme"), auth_api::TENANT_STANDING_ACTIVE);
  ASSERT_NO_FATAL_FAILURE(SetState("acme", tenancy::Tenant::STATE_SUSPENDED));
  EXPECT_EQ(standing("acme"), auth_api::TENANT_STANDING_SUSPENDED);
  ASSERT_NO_FATAL_FAILURE(SetState("acme", tenancy::Tenant::STATE_ACTIVE));
  EXPECT_EQ(standing("acme"), auth_api::TENANT_STANDING_ACTIVE);
  tenancy::DeleteTenantRequest del;
  del.set_name("tenants/acme");
  tenancy::DeleteTenantResponse deleted;
  ASSERT_TRUE(core_.DeleteTenant(Operator(), del, &deleted).ok());
  EXPECT_EQ(standing("acme"), auth_api::TENANT_STANDING_DELETED);
  EXPECT_EQ(standing("globex"), auth_api::TENANT_STANDING_NOT_FOUND);

  auth_api::GetTenantStandingRequest bad;
  bad.set_tenant_id("Not a tenant!");
  auth_api::GetTenantStandingResponse resp;
  absl::Status refused = core_.GetTenantStanding({}, bad, &resp);
  EXPECT_EQ(refused.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ViolationsOf(refused), ElementsAre(Field(&FieldViolation::field, "tenant_id")));
}

// Revoked and expired keys are kept (the audit trail names them) but leave their place to new
// ones; only a tenant that has made ten times the quota in its life is refused for good.
TEST_F(TenancyCoreTest, OnlyKeysInUseCountAgainstTheQuota) {
  Provision("acme");
  RequestContext rc;
  rc.tenant_id = "acme";
  auto put = [&](int from, int to, const std::string& state, std::optional<absl::Time> expire) {
    return store_.InTenant(rc, [&](TenancyTransaction& tx) -> absl::Status {
      for (int i = from; i < to; ++i) {
        ApiKeyRecord r;
        r.key_id = absl::StrCat("k", i);
        r.version = 1;
        r.state = state;
        r.create_time = now_;
        r.expire_time = expire;
        if (absl::Status s = tx.InsertApiKey(r); !s.ok()) return s;
      }
      return absl::OkStatus();
    });
  };
  // The admin key and 998 more in use; 500 revoked, 500 expired.
  ASSERT_TRUE(put(0, 998, "ACTIVE", std::nullopt).ok());
  ASSERT_TRUE(put(998, 1498, "REVOKED", std::nullopt).ok());
  ASSERT_TRUE(put(1498, 1998, "ACTIVE", now_ - absl::Hours(1)).ok());
  CreateKey("acme", "last", tenancy::ROLE_VIEWER);
  tenancy::CreateApiKeyRequest req;
  req.set_parent("tenants/acme");
  req.mutable_api_key()->set_display_name("one more");
  req.mutable_api_key()->add_roles(tenancy::ROLE_VIEWER);
  tenancy::CreateApiKeyResponse resp;
  absl::Status full = core_.CreateApiKey(AdminOf("acme"), req, &resp);
  EXPECT_EQ(ReasonOf(full), "QUOTA_EXCEEDED") << full;
  EXPECT_THAT(full.message(), HasSubstr("at most 1000 API keys in use"));

  ASSERT_TRUE(put(1998, kMaxApiKeysKept, "REVOKED", std::nullopt).ok());
  ASSERT_TRUE(store_
                  .InTenant(rc,
                            [&](TenancyTransaction& tx) -> absl::Status {
                              ApiKeyRecord r = *tx.GetApiKey("k0").value();
                              r.state = "REVOKED";
                              return tx.UpdateApiKey(r);
                            })
                  .ok());
  full = core_.CreateApiKey(AdminOf("acme"), req, &resp);
  EXPECT_EQ(ReasonOf(full), "QUOTA_EXCEEDED") << full;
  EXPECT_THAT(full.message(), HasSubstr("keeps at most 10000 API keys"));
}

TEST_F(TenancyCoreTest, AnUpdateThatLeavesTheStateUnsetIsRefusedNamingIt) {
  Provision("acme");
  for (const char* path : {"state", "*"}) {
    tenancy::UpdateTenantRequest update;
    update.mutable_tenant()->set_name("tenants/acme");
    update.mutable_tenant()->set_display_name("Acme AB");
    update.mutable_update_mask()->add_paths(path);
    tenancy::UpdateTenantResponse updated;
    const absl::Status refused = core_.UpdateTenant(Operator(), update, &updated);
    EXPECT_EQ(refused.code(), absl::StatusCode::kInvalidArgument) << path << ": " << refused;
    EXPECT_THAT(ViolationsOf(refused), Contains(Field(&FieldViolation::field, "tenant.state")))
        << path;
  }
  EXPECT_EQ(store_.Snapshot().tenants.at("acme").state, "ACTIVE");
}

TEST_F(TenancyCoreTest, AuditEventsListNewestFirstInPages) {
  Provision("acme");
  for (int i = 0; i < 5; ++i) {
    now_ += absl::Seconds(1);
    CreateKey("acme", absl::StrCat("k", i), tenancy::ROLE_VIEWER);
  }
  tenancy::ListAuditEventsRequest req;
  req.set_parent("tenants/acme");
  req.set_page_size(2);
  req.set_filter("action = \"api_key.created\"");
  std::vector<std::string> resources;
  for (int page = 0; page < 10; ++page) {
    tenancy::ListAuditEventsResponse resp;
    absl::Status s = core_.ListAuditEvents(AdminOf("acme"), req, &resp);
    ASSERT_TRUE(s.ok()) << s;
    for (const auto& e : resp.audit_events()) resources.push_back(e.resource());
    if (resp.next_page_token().empty()) break;
    req.set_page_token(resp.next_page_token());
  }
  EXPECT_THAT(resources, ElementsAre("tenants/acme/apiKeys/k4", "tenants/acme/apiKeys/k3",
                                     "tenants/acme/apiKeys/k2", "tenants/acme/apiKeys/k1",
                                     "tenants/acme/apiKeys/k0", "tenants/acme/apiKeys/admin"));
  tenancy::ListAuditEventsResponse other;
  EXPECT_EQ(core_.ListAuditEvents(AdminOf("globex"), req, &other).code(),
            absl::StatusCode::kNotFound);

  // Audit events are looked up by equality only: "!=" is refused, not read as "=".
  tenancy::ListAuditEventsRequest unequal;
  unequal.set_parent("tenants/acme");
  unequal.set_filter("action != \"api_key.created\"");
  const absl::Status refused = core_.ListAuditEvents(AdminOf("acme"), unequal, &other);
  EXPECT_EQ(refused.code(), absl::StatusCode::kInvalidArgument) << refused;
  EXPECT_THAT(ViolationsOf(refused), ElementsAre(Field(&FieldViolation::field, "filter")));

  // A token edited to a time no event can have names the token, not the database's error.
  std::string decoded;
  ASSERT_TRUE(absl::WebSafeBase64Unescape(req.page_token(), &decoded));
  std::vector<std::string> parts = absl::StrSplit(decoded, absl::MaxSplits('\x1e', 3));
  ASSERT_EQ(parts.size(), 4u);
  parts[1] = "-9000000000000000000";
  req.set_page_token(absl::WebSafeBase64Escape(absl::StrJoin(parts, "\x1e")));
  const absl::Status forged = core_.ListAuditEvents(AdminOf("acme"), req, &other);
  EXPECT_EQ(forged.code(), absl::StatusCode::kInvalidArgument) << forged;
  EXPECT_THAT(ViolationsOf(forged), ElementsAre(Field(&FieldViolation::field, "page_token")));
}

// google.protobuf.Timestamp ends at 9999-12-31T23:59:59.999999999Z.
google::protobuf::Timestamp Year10000() {
  google::protobuf::Timestamp ts;
  ts.set_seconds(253402300800);
  return ts;
}

TEST_F(TenancyCoreTest, TimesOutsideTheTimestampRangeAreRefusedNamingTheField) {
  Provision("acme");
  tenancy::ListAuditEventsRequest list;
  list.set_parent("tenants/acme");
  list.mutable_start_time()->set_seconds(-62135596801);  // before 0001-01-01
  *list.mutable_end_time() = Year10000();
  tenancy::ListAuditEventsResponse listed;
  absl::Status s = core_.ListAuditEvents(AdminOf("acme"), list, &listed);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ViolationsOf(s), ElementsAre(Field(&FieldViolation::field, "start_time"),
                                           Field(&FieldViolation::field, "end_time")));
  EXPECT_THAT(s.message(), HasSubstr("9999-12-31T23:59:59.999999999Z"));

  tenancy::CreateApiKeyRequest key;
  key.set_parent("tenants/acme");
  key.mutable_api_key()->set_display_name("far future");
  key.mutable_api_key()->add_roles(tenancy::ROLE_VIEWER);
  *key.mutable_api_key()->mutable_expire_time() = Year10000();
  tenancy::CreateApiKeyResponse created;
  s = core_.CreateApiKey(AdminOf("acme"), key, &created);
  EXPECT_THAT(ViolationsOf(s), ElementsAre(Field(&FieldViolation::field, "api_key.expire_time")));
  EXPECT_THAT(store_.TenantSnapshot("acme").api_keys, SizeIs(1));  // only the initial admin key

  auth_api::RecordAuditEventRequest record;
  *record.mutable_actor() = AdminOf("acme").principal;
  record.set_action("session.opened");
  record.mutable_event_time()->set_nanos(1000000000);
  const size_t audited = store_.TenantSnapshot("acme").audit.size();
  auth_api::RecordAuditEventResponse recorded;
  s = core_.RecordAuditEvent(RequestContext{}, record, &recorded);
  EXPECT_THAT(ViolationsOf(s), ElementsAre(Field(&FieldViolation::field, "event_time")));
  EXPECT_THAT(store_.TenantSnapshot("acme").audit, SizeIs(audited));
}

TEST_F(TenancyCoreTest, SettingsHaveDefaultsAndUpdateWithEtags) {
  Provision("acme");
  tenancy::GetTenantSettingsRequest get;
  get.set_name("tenants/acme/settings");
  tenancy::GetTenantSettingsResponse got;
  ASSERT_TRUE(core_.GetTenantSettings(AdminOf("acme"), get, &got).ok());
  EXPECT_EQ(got.settings().name(), "tenants/acme/settings");
  EXPECT_EQ(got.settings().min_respondents_per_group(), 0);

  tenancy::UpdateTenantSettingsRequest update;
  update.mutable_settings()->set_name("tenants/acme/settings");
  update.mutable_settings()->set_etag(got.settings().etag());
  update.mutable_settings()->set_min_respondents_per_group(5);
  update.mutable_update_mask()->add_paths("min_respondents_per_group");
  tenancy::UpdateTenantSettingsResponse updated;
  ASSERT_TRUE(core_.UpdateTenantSettings(AdminOf("acme"), update, &updated).ok());
  EXPECT_EQ(updated.settings().min_respondents_per_group(), 5);
  // The old etag is stale now.
  EXPECT_EQ(core_.UpdateTenantSettings(AdminOf("acme"), update, &updated).code(),
            absl::StatusCode::kAborted);
  update.mutable_settings()->clear_etag();
  update.mutable_settings()->set_min_respondents_per_group(-1);
  absl::Status bad = core_.UpdateTenantSettings(AdminOf("acme"), update, &updated);
  EXPECT_THAT(ViolationsOf(bad),
              ElementsAre(Field(&FieldViolation::field, "settings.min_respondents_per_group")));
}

TEST_F(TenancyCoreTest, AuthenticateDispatchesOnTheCredential) {
  const std::string admin = Provision("acme");
  auth_api::AuthenticateRequest req;
  req.set_api_key(admin);
  auth_api::AuthenticateResponse resp;
  ASSERT_TRUE(core_.Authenticate({}, req, &resp).ok());
  EXPECT_EQ(resp.principal().subject(), "tenants/acme/apiKeys/admin");
  req.mutable_jwt_subject()->set_tenant_id("acme");
  req.mutable_jwt_subject()->set_subject("nobody");
  EXPECT_EQ(ReasonOf(core_.Authenticate({}, req, &resp)), "NO_ROLE_BINDING");
}

}  // namespace
}  // namespace lagom::questionnaire
