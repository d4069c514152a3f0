#include "services/questionnaire/tenancy/tenancy_core.h"

#include <google/protobuf/util/field_mask_util.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/auth/api_key.h"
#include "common/list_query.h"
#include "common/log.h"
#include "common/resource_util.h"
#include "common/status.h"
#include "common/strings.h"

namespace lagom::questionnaire {
namespace {

using google::protobuf::FieldMask;
using google::protobuf::util::FieldMaskUtil;

constexpr char kMethodPrefix[] = "/lagom.tenancy.v1.TenantService/";
// The longest JWT subject sign-in resolves, and so the longest a role binding may name.
constexpr size_t kMaxSubjectChars = 300;
constexpr absl::Duration kMaxRotationGrace = absl::Hours(24 * 7);
constexpr int kDefaultAuditPageSize = 100;
constexpr int kMaxAuditPageSize = 1000;
// The first key of a new tenant: "lgm_<tenant>.admin.<secret>".
constexpr char kInitialAdminKeyId[] = "admin";

// --- Names ------------------------------------------------------------------------------

std::string TenantName(absl::string_view tenant) { return absl::StrCat("tenants/", tenant); }

bool IsOperator(const RequestContext& rc) {
  return rc.tenant_id.empty() && rc.principal.role() == auth_api::PRINCIPAL_ROLE_OPERATOR;
}

absl::Status RequireOperator(const RequestContext& rc) {
  if (IsOperator(rc)) return absl::OkStatus();
  return Error(absl::StatusCode::kPermissionDenied, "PERMISSION_DENIED",
               "only the hosting operator may provision and administer tenants");
}

// "tenants/{tenant}": the caller's own tenant, or NOT_FOUND with no hint that another exists.
absl::Status CheckParent(const RequestContext& rc, absl::string_view parent) {
  std::vector<absl::string_view> parts = absl::StrSplit(parent, '/');
  if (parts.size() != 2 || parts[0] != "tenants" || parts[1].empty()) {
    Violations v;
    v.Add("parent", absl::StrCat("'", parent, "' is not a tenant name like tenants/{tenant}"));
    return std::move(v).ToStatus("invalid parent");
  }
  if (rc.tenant_id.empty() || parts[1] != rc.tenant_id) return NotFound("tenant", parent);
  return absl::OkStatus();
}

// `tenants/{tenant}/<collection>/{id}` of the caller's tenant → id.
absl::StatusOr<std::string> ChildId(const RequestContext& rc, absl::string_view name,
                                    absl::string_view collection, absl::string_view noun,
                                    const std::string& field) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  if (parts.size() != 4 || parts[0] != "tenants" || parts[2] != collection || parts[1].empty() ||
      parts[3].empty()) {
    Violations v;
    v.Add(field, absl::StrCat("'", name, "' is not a ", noun, " name like tenants/{tenant}/",
                              collection, "/{id}"));
    return std::move(v).ToStatus("invalid resource name");
  }
  if (rc.tenant_id.empty() || parts[1] != rc.tenant_id) return NotFound(noun, name);
  return std::string(parts[3]);
}

// `tenants/{tenant}` → tenant id (any tenant: the operator's view).
absl::StatusOr<std::string> TenantIdFrom(absl::string_view name, const std::string& field) {
  absl::string_view id = name;
  if (!absl::ConsumePrefix(&id, "tenants/") || !IsValidTenantId(ToStd(id))) {
    Violations v;
    v.Add(field, absl::StrCat("'", name, "' is not a tenant name like tenants/{tenant}"));
    return std::move(v).ToStatus("invalid resource name");
  }
  return std::string(id);
}

// --- Roles ------------------------------------------------------------------------------

bool IsTenantRole(int role) {
  return role != tenancy::ROLE_UNSPECIFIED && tenancy::Role_IsValid(role);
}

// lagom.tenancy.v1.Role and lagom.auth.v1.PrincipalRole share their numbers 1-6.
auth::Role ToPrincipalRole(int role) { return static_cast<auth::Role>(role); }

void CheckRole(Violations& v, const std::string& path, int role) {
  if (role == auth_api::PRINCIPAL_ROLE_OPERATOR) {
    v.Add(path, "OPERATOR is the hosting operator's, not a tenant role; it cannot be granted");
  } else if (!IsTenantRole(role)) {
    v.Add(path, absl::StrCat(role == 0 ? "required" : absl::StrCat("unknown role ", role),
                             " (allowed: TENANT_ADMIN, FACILITATOR, PROVIDER_RESPONDENT, "
                             "CUSTOMER_RESPONDENT, VIEWER, SERVICE)"));
  }
}

// --- Audit ------------------------------------------------------------------------------

std::string NewAuditId(absl::Time now) {
  // Sortable by time first, unique by the random tail.
  return absl::StrCat(absl::ToUnixMicros(now), "-", NewId("e").substr(2));
}

tenancy::AuditEvent AuditEventOf(absl::string_view tenant, const AuditRecord& r) {
  tenancy::AuditEvent e;
  e.set_name(absl::StrCat(TenantName(tenant), "/auditEvents/", r.id));
  *e.mutable_event_time() = ToProto(r.event_time);
  e.set_principal(r.principal);
  e.set_method(r.method);
  e.set_resource(r.resource);
  e.set_request_id(r.request_id);
  e.set_action(r.action);
  auto& details = *e.mutable_details();
  if (!r.principal_role.empty()) details["role"] = r.principal_role;
  if (!r.credential_kind.empty()) details["credential_kind"] = r.credential_kind;
  if (!r.origin.empty()) details["origin"] = r.origin;
  if (!r.detail.empty()) details["detail"] = r.detail;
  return e;
}

// --- Tenants ----------------------------------------------------------------------------

std::string StateName(tenancy::Tenant::State state) {
  return std::string(absl::StripPrefix(tenancy::Tenant::State_Name(state), "STATE_"));
}

void ValidateTenant(const tenancy::Tenant& t, Violations& v) {
  CheckText(v, "tenant.display_name", t.display_name(), 200, true);
  const std::string& lang = t.default_language_tag();
  if (!lang.empty() && !(lang.size() <= 35 && absl::ascii_isalpha(lang[0]) &&
                         std::all_of(lang.begin(), lang.end(),
                                     [](char c) { return absl::ascii_isalnum(c) || c == '-'; }))) {
    v.Add("tenant.default_language_tag",
          absl::StrCat("'", lang, "' is not a BCP 47 tag like en or sv"));
  }
  if (t.state() == tenancy::Tenant::STATE_DELETED || !tenancy::Tenant::State_IsValid(t.state())) {
    v.Add("tenant.state", "must be ACTIVE or SUSPENDED (DeleteTenant deletes)");
  }
  CheckLabels(v, "tenant.labels", t.labels());
}

absl::StatusOr<tenancy::Tenant> TenantOf(const TenantRecord& r) {
  tenancy::Tenant t;
  if (!t.ParseFromString(r.body)) {
    return absl::DataLossError(absl::StrCat("stored tenant ", r.id, " is unreadable"));
  }
  return t;
}

TenantRecord RecordOf(const std::string& id, int64_t version, const tenancy::Tenant& t,
                      absl::Time create_time, absl::Time update_time) {
  TenantRecord r;
  r.id = id;
  r.version = version;
  r.state = StateName(t.state());
  r.body = t.SerializeAsString();
  r.create_time = create_time;
  r.update_time = update_time;
  return r;
}

// --- API keys ---------------------------------------------------------------------------

bool IsKeyId(absl::string_view id) {
  return !id.empty() && id.size() <= 40 && std::all_of(id.begin(), id.end(), [](char c) {
    return absl::ascii_islower(c) || absl::ascii_isdigit(c);
  });
}

std::string NewKeyId() {
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  absl::BitGen gen;
  std::string id = "k";
  for (int i = 0; i < 15; ++i) id += kAlphabet[absl::Uniform(gen, 0u, 36u)];
  return id;
}

std::string ApiKeyName(absl::string_view tenant, absl::string_view key_id) {
  return absl::StrCat(TenantName(tenant), "/apiKeys/", key_id);
}

// Enough of the key to recognise it in a list, not enough to use it.
std::string SecretPrefixOf(const auth::ApiKeyParts& parts) {
  return absl::StrCat(auth::kApiKeyPrefix, parts.tenant_id, ".", parts.key_id, ".",
                      parts.secret.substr(0, 4));
}

bool IsExpired(const ApiKeyRecord& r, absl::Time now) {
  return r.expire_time.has_value() && *r.expire_time <= now;
}

tenancy::ApiKey ApiKeyOf(absl::string_view tenant, const ApiKeyRecord& r, absl::Time now) {
  tenancy::ApiKey k;
  k.set_name(ApiKeyName(tenant, r.key_id));
  k.set_display_name(r.display_name);
  k.add_roles(static_cast<tenancy::Role>(r.role));
  k.set_state(r.state == "REVOKED" ? tenancy::ApiKey::STATE_REVOKED
              : IsExpired(r, now)  ? tenancy::ApiKey::STATE_EXPIRED
                                   : tenancy::ApiKey::STATE_ACTIVE);
  k.set_secret_prefix(r.secret_prefix);
  if (r.expire_time) *k.mutable_expire_time() = ToProto(*r.expire_time);
  k.set_creator(r.creator);
  *k.mutable_create_time() = ToProto(r.create_time);
  if (r.last_use_time) *k.mutable_last_use_time() = ToProto(*r.last_use_time);
  if (r.rotate_time) *k.mutable_rotate_time() = ToProto(*r.rotate_time);
  if (r.revoke_time) *k.mutable_revoke_time() = ToProto(*r.revoke_time);
  k.set_etag(EtagOf(r.version));
  return k;
}

// A new ACTIVE key with a fresh secret; `*secret` receives the whole formatted key.
ApiKeyRecord NewApiKey(absl::string_view tenant, const std::string& key_id,
                       const std::string& display_name, int role, const std::string& creator,
                       absl::Time now, std::string* secret) {
  auth::ApiKeyParts parts = auth::GenerateApiKey(tenant, key_id);
  ApiKeyRecord r;
  r.key_id = key_id;
  r.version = 1;
  r.display_name = display_name;
  r.role = role;
  r.state = "ACTIVE";
  r.secret_hash = auth::HashApiKeySecret(parts.secret);
  r.secret_prefix = SecretPrefixOf(parts);
  r.creator = creator;
  r.create_time = now;
  *secret = auth::FormatApiKey(parts);
  return r;
}

absl::Status ApiKeyInvalid() {
  return Error(absl::StatusCode::kUnauthenticated, "API_KEY_INVALID", kApiKeyInvalidMessage);
}

// --- Role bindings ----------------------------------------------------------------------

// Role bindings are read only for people signing in with a JWT (ResolveSubject): an API key
// carries its own role, and Lagom's services act with the deployment's service token. A
// binding for either would be stored and never grant anything, so it is refused.
void ValidatePrincipal(Violations& v, const std::string& path, absl::string_view principal) {
  absl::string_view rest = principal;
  if (absl::StartsWith(principal, "apiKey:") || absl::StartsWith(principal, "service:")) {
    v.Add(path,
          "must be 'user:<subject>' (a JWT subject): an API key carries the role it was created "
          "with (CreateApiKey), and Lagom's services need no binding");
    return;
  }
  if (!absl::ConsumePrefix(&rest, "user:") || rest.empty() || rest.size() > kMaxSubjectChars ||
      std::any_of(rest.begin(), rest.end(), [](char c) { return absl::ascii_iscntrl(c); })) {
    v.Add(path, absl::StrCat("must be 'user:<subject>' (a JWT subject of 1-", kMaxSubjectChars,
                             " characters, as sign-in takes)"));
  }
}

tenancy::RoleBinding RoleBindingOf(absl::string_view tenant, const RoleBindingRecord& r) {
  tenancy::RoleBinding b;
  b.set_name(absl::StrCat(TenantName(tenant), "/roleBindings/", r.id));
  b.set_principal(r.principal);
  b.set_role(static_cast<tenancy::Role>(r.role));
  b.set_resource(r.resource);
  *b.mutable_create_time() = ToProto(r.create_time);
  b.set_etag(EtagOf(r.version));
  return b;
}

// --- Listing ----------------------------------------------------------------------------

// Field masks: "*" expands to every mutable field; output-only fields are refused.
absl::StatusOr<FieldMask> EffectiveMask(const FieldMask& mask,
                                        const google::protobuf::Descriptor* type,
                                        const std::set<std::string>& output_only,
                                        absl::string_view noun) {
  Violations v;
  if (mask.paths_size() == 0) {
    v.Add("update_mask", "required: list the fields to change, or \"*\" for all of them");
  }
  FieldMask effective;
  for (const std::string& path : mask.paths()) {
    if (path == "*") {
      for (int i = 0; i < type->field_count(); ++i) {
        if (!output_only.contains(type->field(i)->name()))
          effective.add_paths(type->field(i)->name());
      }
    } else if (!FieldMaskUtil::GetFieldDescriptors(type, path, nullptr)) {
      v.Add("update_mask", absl::StrCat("unknown field '", path, "' of ", noun));
    } else if (output_only.contains(path.substr(0, path.find('.')))) {
      v.Add("update_mask", absl::StrCat("'", path, "' cannot be changed"));
    } else {
      effective.add_paths(path);
    }
  }
  if (!v.empty()) return std::move(v).ToStatus("invalid update_mask");
  return effective;
}

template <typename Message>
void MergeMasked(const Message& input, const FieldMask& mask, Message* target) {
  FieldMaskUtil::MergeOptions options;
  options.set_replace_message_fields(true);
  options.set_replace_repeated_fields(true);
  FieldMaskUtil::MergeMessageTo(input, mask, options, target);
}

// --- Settings ---------------------------------------------------------------------------

void ValidateSettings(const tenancy::TenantSettings& s, Violations& v) {
  if (s.min_respondents_per_group() < 0 || s.min_respondents_per_group() > 1000) {
    v.Add("settings.min_respondents_per_group", "must be 0 (service default, 3) to 1000");
  }
  if (s.default_area_targets_size() > 500) {
    v.Add("settings.default_area_targets", "at most 500 targets");
  }
  std::set<std::string> seen;
  for (int i = 0; i < s.default_area_targets_size(); ++i) {
    const auto& t = s.default_area_targets(i);
    const std::string path = absl::StrCat("settings.default_area_targets[", i, "]");
    CheckText(v, path + ".area_id", t.area_id(), 200, true);
    if (!t.area_id().empty() && !seen.insert(t.area_id()).second) {
      v.Add(path + ".area_id", absl::StrCat("'", t.area_id(), "' has a target already"));
    }
    if (!(t.target_score() >= 0 && t.target_score() <= 1)) {
      v.Add(path + ".target_score", "must be between 0 and 1 (the normalised area score)");
    }
  }
}

// --- Audit listing ----------------------------------------------------------------------

constexpr char kAuditTokenVersion[] = "a1";

std::string AuditTokenBinding(const tenancy::ListAuditEventsRequest& req) {
  return absl::StrCat(req.filter(), "\x1f", req.start_time().seconds(), ".",
                      req.start_time().nanos(), "\x1f", req.end_time().seconds(), ".",
                      req.end_time().nanos());
}

std::string AuditPageToken(const tenancy::ListAuditEventsRequest& req, const AuditRecord& last) {
  return absl::WebSafeBase64Escape(absl::StrCat(kAuditTokenVersion, "\x1e",
                                                absl::ToUnixMicros(last.event_time), "\x1e",
                                                last.id, "\x1e", AuditTokenBinding(req)));
}

absl::StatusOr<AuditQuery> ParseAuditQuery(const tenancy::ListAuditEventsRequest& req) {
  AuditQuery q;
  Violations v;
  if (req.page_size() < 0) v.Add("page_size", "must be 0 (default 100) or positive (max 1000)");
  q.limit =
      req.page_size() <= 0 ? kDefaultAuditPageSize : std::min(req.page_size(), kMaxAuditPageSize);
  if (req.has_start_time() && CheckTimestamp(v, "start_time", req.start_time())) {
    q.start_time = FromProto(req.start_time());
  }
  if (req.has_end_time() && CheckTimestamp(v, "end_time", req.end_time())) {
    q.end_time = FromProto(req.end_time());
  }
  // Reuse the catalogue's AIP-160 parser for the filter only; audit pages use a cursor.
  absl::StatusOr<ListQuery> parsed =
      ParseListQuery({0, "", req.filter(), ""}, {"action", "principal", "method", "resource"},
                     {"event_time"}, "event_time");
  if (!parsed.ok()) {
    for (const FieldViolation& fv : ViolationsOf(parsed.status())) v.Add(fv.field, fv.description);
  } else {
    for (const FilterTerm& term : parsed->filter) {
      const std::string& field = term.path[0];
      if (term.negated || term.has) {
        v.Add("filter", absl::StrCat("audit events are filtered by ", field,
                                     " = \"value\" only, not != or :"));
        continue;
      }
      if (field == "action") q.action = term.value;
      if (field == "principal") q.principal = term.value;
      if (field == "method") q.method = term.value;
      if (field == "resource") {
        q.resource_is_prefix = absl::EndsWith(term.value, "*");
        q.resource =
            q.resource_is_prefix ? term.value.substr(0, term.value.size() - 1) : term.value;
      }
    }
  }
  if (!req.page_token().empty()) {
    std::string decoded;
    std::vector<std::string> parts;
    if (absl::WebSafeBase64Unescape(req.page_token(), &decoded)) {
      parts = absl::StrSplit(decoded, absl::MaxSplits('\x1e', 3));
    }
    int64_t micros = 0;
    // A time outside Timestamp's range cannot come from a listed event (only an edited token).
    if (parts.size() != 4 || parts[0] != kAuditTokenVersion || parts[3] != AuditTokenBinding(req) ||
        !absl::SimpleAtoi(parts[1], &micros) ||
        !IsValidTimestamp(ToProto(absl::FromUnixMicros(micros)))) {
      v.Add("page_token", "not a token from this list with the same filter and times");
    } else {
      q.before = std::make_pair(absl::FromUnixMicros(micros), parts[2]);
    }
  }
  if (!v.empty()) return std::move(v).ToStatus("invalid list request");
  return q;
}

bool IsAction(absl::string_view action) {
  std::vector<absl::string_view> parts = absl::StrSplit(action, '.');
  return action.size() <= 100 && parts.size() >= 2 &&
         std::all_of(parts.begin(), parts.end(), [](absl::string_view p) {
           return !p.empty() && std::all_of(p.begin(), p.end(), [](char c) {
             return absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '_';
           });
         });
}

// The API key `id` (named `name`), held until the transaction ends (a revocation and a
// rotation of it go one after the other), with a stale `etag` refused.
absl::StatusOr<ApiKeyRecord> KeyToChange(TenancyTransaction& tx, const std::string& id,
                                         const std::string& name, const std::string& etag) {
  if (absl::Status s = tx.HoldApiKey(id); !s.ok()) return s;
  absl::StatusOr<std::optional<ApiKeyRecord>> r = tx.GetApiKey(id);
  if (!r.ok()) return r.status();
  if (!r->has_value()) return NotFound("API key", name);
  if (absl::Status s = CheckEtag(name, etag, EtagOf((*r)->version)); !s.ok()) return s;
  return **std::move(r);
}

}  // namespace

AuditRecord AuditOf(const RequestContext& rc, absl::Time now, absl::string_view action,
                    absl::string_view method, absl::string_view resource,
                    absl::string_view request_id, std::string detail) {
  AuditRecord r;
  r.id = NewAuditId(now);
  r.event_time = now;
  r.principal = rc.principal.subject();
  r.principal_role = auth::RoleName(rc.principal.role());
  r.credential_kind = std::string(absl::StripPrefix(
      auth_api::CredentialKind_Name(rc.principal.credential_kind()), "CREDENTIAL_KIND_"));
  r.action = std::string(action);
  r.method = method.empty() ? "" : absl::StrCat(kMethodPrefix, method);
  r.resource = std::string(resource);
  r.request_id = std::string(request_id);
  r.origin = rc.peer;
  r.detail = std::move(detail);
  return r;
}

// === Tenants ==============================================================================

absl::Status TenancyCore::CreateTenant(const RequestContext& rc,
                                       const tenancy::CreateTenantRequest& req,
                                       tenancy::CreateTenantResponse* resp) {
  if (absl::Status s = RequireOperator(rc); !s.ok()) return s;
  Violations v;
  if (!IsValidTenantId(req.tenant_id()) || req.tenant_id().size() < 3) {
    v.Add("tenant_id",
          "3-63 lowercase letters, digits or '-', starting with a letter (e.g. acme-it)");
  }
  ValidateTenant(req.tenant(), v);
  CheckRequestId(v, req.request_id());
  if (!v.empty()) return std::move(v).ToStatus("invalid tenant");
  const absl::Time now = clock_();
  const std::string& id = req.tenant_id();
  return store_.AsOperator(rc, [&](OperatorTransaction& tx) -> absl::Status {
    absl::StatusOr<std::optional<TenantRecord>> existing = tx.GetTenant(id);
    if (!existing.ok()) return existing.status();
    if (existing->has_value()) {
      // A retry of the same creation gets the tenant again, but never the secret.
      if (!req.request_id().empty() && (*existing)->create_request_id == req.request_id()) {
        absl::StatusOr<tenancy::Tenant> t = TenantOf(**existing);
        if (!t.ok()) return t.status();
        *resp->mutable_tenant() = *std::move(t);
        return absl::OkStatus();
      }
      return Error(absl::StatusCode::kAlreadyExists, "ALREADY_EXISTS",
                   absl::StrCat("tenant ", TenantName(id), " already exists"));
    }
    tenancy::Tenant tenant = req.tenant();
    tenant.set_name(TenantName(id));
    if (tenant.state() == tenancy::Tenant::STATE_UNSPECIFIED) {
      tenant.set_state(tenancy::Tenant::STATE_ACTIVE);
    }
    *tenant.mutable_create_time() = ToProto(now);
    *tenant.mutable_update_time() = ToProto(now);
    tenant.set_etag(EtagOf(1));
    TenantRecord record = RecordOf(id, 1, tenant, now, now);
    record.create_request_id = req.request_id();
    if (absl::Status s = tx.InsertTenant(record); !s.ok()) {
      if (absl::IsAlreadyExists(s)) {
        return Error(absl::StatusCode::kAlreadyExists, "ALREADY_EXISTS",
                     absl::StrCat("tenant ", TenantName(id), " already exists"));
      }
      return s;
    }
    std::string secret;
    ApiKeyRecord key = NewApiKey(id, kInitialAdminKeyId, "Initial tenant admin key",
                                 tenancy::ROLE_TENANT_ADMIN, rc.principal.subject(), now, &secret);
    if (absl::Status s = tx.InsertInitialApiKey(id, key); !s.ok()) return s;
    const std::string key_name = ApiKeyName(id, key.key_id);
    if (absl::Status s = tx.AppendAudit(id, AuditOf(rc, now, "tenant.created", "CreateTenant",
                                                    TenantName(id), req.request_id()));
        !s.ok()) {
      return s;
    }
    if (absl::Status s =
            tx.AppendAudit(id, AuditOf(rc, now, "api_key.created", "CreateTenant", key_name,
                                       req.request_id(), "initial TENANT_ADMIN key"));
        !s.ok()) {
      return s;
    }
    *resp->mutable_tenant() = std::move(tenant);
    *resp->mutable_initial_admin_api_key() = ApiKeyOf(id, key, now);
    resp->set_initial_admin_secret(std::move(secret));
    return absl::OkStatus();
  });
}

absl::Status TenancyCore::GetTenant(const RequestContext& rc, const tenancy::GetTenantRequest& req,
                                    tenancy::GetTenantResponse* resp) {
  absl::StatusOr<std::string> id = TenantIdFrom(req.name(), "name");
  if (!id.ok()) return id.status();
  if (IsOperator(rc)) {
    return store_.AsOperator(rc, [&](OperatorTransaction& tx) -> absl::Status {
      absl::StatusOr<std::optional<TenantRecord>> r = tx.GetTenant(*id);
      if (!r.ok()) return r.status();
      if (!r->has_value()) return NotFound("tenant", req.name());
      absl::StatusOr<tenancy::Tenant> t = TenantOf(**r);
      if (!t.ok()) return t.status();
      *resp->mutable_tenant() = *std::move(t);
      return absl::OkStatus();
    });
  }
  if (rc.tenant_id.empty() || *id != rc.tenant_id) return NotFound("tenant", req.name());
  return store_.InTenant(rc, [&](TenancyTransaction& tx) -> absl::Status {
    absl::StatusOr<std::optional<TenantRecord>> r = tx.GetOwnTenant();
    if (!r.ok()) return r.status();
    if (!r->has_value() || (*r)->state == "DELETED") return NotFound("tenant", req.name());
    absl::StatusOr<tenancy::Tenant> t = TenantOf(**r);
    if (!t.ok()) return t.status();
    *resp->mutable_tenant() = *std::move(t);
    return absl::OkStatus();
  });
}

absl::Status TenancyCore::ListTenants(const RequestContext& rc,
                                      const tenancy::ListTenantsRequest& req,
                                      tenancy::ListTenantsResponse* resp) {
  if (absl::Status s = RequireOperator(rc); !s.ok()) return s;
  const ListRequestFields fields{req.page_size(), req.page_token(), req.filter(), req.order_by()};
  absl::StatusOr<ListQuery> query = ParseListQuery(fields, {"state", "display_name", "labels"},
                                                   {"display_name", "create_time"}, "create_time");
  if (!query.ok()) return query.status();
  std::vector<tenancy::Tenant> all;
  absl::Status read = store_.AsOperator(rc, [&](OperatorTransaction& tx) -> absl::Status {
    absl::StatusOr<std::vector<TenantRecord>> records = tx.ListTenants();
    if (!records.ok()) return records.status();
    for (const TenantRecord& r : *records) {
      absl::StatusOr<tenancy::Tenant> t = TenantOf(r);
      if (!t.ok()) return t.status();
      if (Matches(*t, query->filter)) all.push_back(*std::move(t));
    }
    return absl::OkStatus();
  });
  if (!read.ok()) return read;
  resp->set_total_size(static_cast<int>(all.size()));
  Paginate(all, *query, fields, resp, resp->mutable_tenants());
  return absl::OkStatus();
}

absl::Status TenancyCore::UpdateTenant(const RequestContext& rc,
                                       const tenancy::UpdateTenantRequest& req,
                                       tenancy::UpdateTenantResponse* resp) {
  if (absl::Status s = RequireOperator(rc); !s.ok()) return s;
  absl::StatusOr<std::string> id = TenantIdFrom(req.tenant().name(), "tenant.name");
  if (!id.ok()) return id.status();
  absl::StatusOr<FieldMask> mask =
      EffectiveMask(req.update_mask(), tenancy::Tenant::descriptor(),
                    {"name", "create_time", "update_time", "etag"}, "tenant");
  if (!mask.ok()) return mask.status();
  Violations v;
  CheckRequestId(v, req.request_id());
  if (!v.empty()) return std::move(v).ToStatus("invalid request");
  const absl::Time now = clock_();
  return store_.AsOperator(rc, [&](OperatorTransaction& tx) -> absl::Status {
    if (absl::Status s = tx.HoldTenant(*id); !s.ok()) return s;
    absl::StatusOr<std::optional<TenantRecord>> r = tx.GetTenant(*id);
    if (!r.ok()) return r.status();
    if (!r->has_value() || (*r)->state == "DELETED") return NotFound("tenant", req.tenant().name());
    absl::StatusOr<tenancy::Tenant> current = TenantOf(**r);
    if (!current.ok()) return current.status();
    if (absl::Status s = CheckEtag(current->name(), req.tenant().etag(), current->etag());
        !s.ok()) {
      return s;
    }
    tenancy::Tenant merged = *current;
    MergeMasked(req.tenant(), *mask, &merged);
    Violations invalid;
    ValidateTenant(merged, invalid);
    if (merged.state() == tenancy::Tenant::STATE_UNSPECIFIED) {
      // The mask named state and left it unset: a tenant is always in some state.
      invalid.Add("tenant.state", "required when update_mask names it: ACTIVE or SUSPENDED");
    }
    if (!invalid.empty()) return std::move(invalid).ToStatus("invalid tenant");
    const int64_t version = (*r)->version + 1;
    merged.set_etag(EtagOf(version));
    *merged.mutable_update_time() = ToProto(now);
    TenantRecord record = RecordOf(*id, version, merged, (*r)->create_time, now);
    record.create_request_id = (*r)->create_request_id;
    if (absl::Status s = tx.UpdateTenant(record); !s.ok()) return s;
    if (absl::Status s = tx.AppendAudit(
            *id, AuditOf(rc, now, "tenant.updated", "UpdateTenant", merged.name(), req.request_id(),
                         absl::StrCat("fields: ", absl::StrJoin(mask->paths(), ","))));
        !s.ok()) {
      return s;
    }
    *resp->mutable_tenant() = std::move(merged);
    return absl::OkStatus();
  });
}

absl::Status TenancyCore::DeleteTenant(const RequestContext& rc,
                                       const tenancy::DeleteTenantRequest& req,
                                       tenancy::DeleteTenantResponse*) {
  if (absl::Status s = RequireOperator(rc); !s.ok()) return s;
  absl::StatusOr<std::string> id = TenantIdFrom(req.name(), "name");
  if (!id.ok()) return id.status();
  Violations v;
  CheckRequestId(v, req.request_id());
  if (!v.empty()) return std::move(v).ToStatus("invalid request");
  // Without force, the tenant must keep no data: asked of every service first (outside the
  // transaction, which holds no lock meanwhile), for a tenant not yet DELETED.
  if (!req.force()) {
    bool deleted = false;
    absl::Status read = store_.AsOperator(rc, [&](OperatorTransaction& tx) -> absl::Status {
      absl::StatusOr<std::optional<TenantRecord>> r = tx.GetTenant(*id);
      if (!r.ok()) return r.status();
      if (!r->has_value()) return NotFound("tenant", req.name());
      deleted = (*r)->state == "DELETED";
      return absl::OkStatus();
    });
    if (!read.ok()) return read;
    if (deleted) return absl::OkStatus();  // already done: a retry
    if (absl::Status s = CheckNoTenantData(*id, req.name()); !s.ok()) return s;
  }
  const absl::Time now = clock_();
  bool deleted_now = false;
  absl::Status done = store_.AsOperator(rc, [&](OperatorTransaction& tx) -> absl::Status {
    deleted_now = false;
    if (absl::Status s = tx.HoldTenant(*id); !s.ok()) return s;
    absl::StatusOr<std::optional<TenantRecord>> r = tx.GetTenant(*id);
    if (!r.ok()) return r.status();
    if (!r->has_value()) return NotFound("tenant", req.name());
    if ((*r)->state != "DELETED") {
      absl::StatusOr<tenancy::Tenant> tenant = TenantOf(**r);
      if (!tenant.ok()) return tenant.status();
      if (absl::Status s = CheckEtag(req.name(), req.etag(), tenant->etag()); !s.ok()) return s;
      const int64_t version = (*r)->version + 1;
      tenant->set_state(tenancy::Tenant::STATE_DELETED);
      tenant->set_etag(EtagOf(version));
      *tenant->mutable_update_time() = ToProto(now);
      TenantRecord record = RecordOf(*id, version, *tenant, (*r)->create_time, now);
      record.create_request_id = (*r)->create_request_id;
      if (absl::Status s = tx.UpdateTenant(record); !s.ok()) return s;
      if (absl::Status s = tx.AppendAudit(*id, AuditOf(rc, now, "tenant.deleted", "DeleteTenant",
                                                       req.name(), req.request_id()));
          !s.ok()) {
        return s;
      }
      deleted_now = true;
    }
    if (!req.force()) return absl::OkStatus();
    return QueuePurges(tx, rc, *id, req, now, "");
  });
  if (!done.ok() || req.force() || !deleted_now) return done;
  // Data written between the check and the deletion (by a caller admitted while the tenant was
  // still ACTIVE) would be kept for good by a DELETED tenant: the services are asked again, and
  // unless every one says it keeps nothing, the tenant is purged as with force.
  if (CheckNoTenantData(*id, req.name()).ok()) return done;
  absl::Status purged = store_.AsOperator(rc, [&](OperatorTransaction& tx) {
    return QueuePurges(tx, rc, *id, req, now, "data written while the deletion was checked");
  });
  if (!purged.ok()) {
    LogWarn("tenant deleted with data written meanwhile; its purge was not queued",
            {{"tenant", *id}, {"error", purged.ToString()}});
  }
  return done;
}

absl::Status TenancyCore::QueuePurges(OperatorTransaction& tx, const RequestContext& rc,
                                      const std::string& tenant_id,
                                      const tenancy::DeleteTenantRequest& req, absl::Time now,
                                      std::string detail) {
  // Every service purges its share (also of a tenant deleted before without force).
  std::vector<std::string> holders;
  for (const auth::TenantDataHolder* h : tenant_data_) holders.push_back(h->name());
  if (absl::Status s = tx.QueuePurge(tenant_id, holders, purge_delay_); !s.ok()) return s;
  return tx.AppendAudit(tenant_id, AuditOf(rc, now, "tenant.purge_requested", "DeleteTenant",
                                           req.name(), req.request_id(), std::move(detail)));
}

absl::Status TenancyCore::CheckNoTenantData(const std::string& tenant_id, const std::string& name) {
  std::vector<std::string> kept;
  for (auth::TenantDataHolder* holder : tenant_data_) {
    absl::StatusOr<auth::TenantDataCounts> counts = holder->Describe(tenant_id);
    if (!counts.ok()) {
      return absl::Status(
          counts.status().code(),
          absl::StrCat("cannot tell whether ", name, " keeps data in the ", holder->name(),
                       " service, so nothing was changed: ", counts.status().message()));
    }
    if (!counts->empty()) {
      kept.push_back(absl::StrCat(holder->name(), ": ", auth::DescribeCounts(*counts)));
    }
  }
  if (kept.empty()) return absl::OkStatus();
  return Error(absl::StatusCode::kFailedPrecondition, "RESOURCE_IN_USE",
               absl::StrCat(name, " still keeps data (", absl::StrJoin(kept, "; "),
                            "); delete it with force=true to delete the data too"));
}

// === Settings =============================================================================

absl::Status TenancyCore::GetTenantSettings(const RequestContext& rc,
                                            const tenancy::GetTenantSettingsRequest& req,
                                            tenancy::GetTenantSettingsResponse* resp) {
  const std::string expected = absl::StrCat(TenantName(rc.tenant_id), "/settings");
  if (rc.tenant_id.empty() || req.name() != expected) {
    if (!absl::StartsWith(req.name(), "tenants/") || !absl::EndsWith(req.name(), "/settings")) {
      Violations v;
      v.Add("name", absl::StrCat("'", req.name(), "' is not like tenants/{tenant}/settings"));
      return std::move(v).ToStatus("invalid resource name");
    }
    return NotFound("tenant settings", req.name());
  }
  return store_.InTenant(rc, [&](TenancyTransaction& tx) -> absl::Status {
    absl::StatusOr<std::optional<SettingsRecord>> r = tx.GetSettings();
    if (!r.ok()) return r.status();
    tenancy::TenantSettings settings;
    if (r->has_value()) {
      if (!settings.ParseFromString((*r)->body)) {
        return absl::DataLossError("stored tenant settings are unreadable");
      }
    } else {
      settings.set_etag(EtagOf(0));  // defaults: never set
    }
    settings.set_name(expected);
    *resp->mutable_settings() = std::move(settings);
    return absl::OkStatus();
  });
}

absl::Status TenancyCore::UpdateTenantSettings(const RequestContext& rc,
                                               const tenancy::UpdateTenantSettingsRequest& req,
                                               tenancy::UpdateTenantSettingsResponse* resp) {
  const std::string expected = absl::StrCat(TenantName(rc.tenant_id), "/settings");
  if (rc.tenant_id.empty() || req.settings().name() != expected) {
    if (!absl::StartsWith(req.settings().name(), "tenants/") ||
        !absl::EndsWith(req.settings().name(), "/settings")) {
      Violations v;
      v.Add("settings.name",
            absl::StrCat("'", req.settings().name(), "' is not like tenants/{tenant}/settings"));
      return std::move(v).ToStatus("invalid resource name");
    }
    return NotFound("tenant settings", req.settings().name());
  }
  absl::StatusOr<FieldMask> mask =
      EffectiveMask(req.update_mask(), tenancy::TenantSettings::descriptor(),
                    {"name", "update_time", "etag"}, "tenant settings");
  if (!mask.ok()) return mask.status();
  Violations v;
  CheckRequestId(v, req.request_id());
  if (!v.empty()) return std::move(v).ToStatus("invalid request");
  const absl::Time now = clock_();
  return store_.InTenant(rc, [&](TenancyTransaction& tx) {
    return RunIdempotent(
        tx, rc, req.request_id(), "UpdateTenantSettings", req, resp, [&]() -> absl::Status {
          if (absl::Status s = tx.HoldSettings(); !s.ok()) return s;
          absl::StatusOr<std::optional<SettingsRecord>> r = tx.GetSettings();
          if (!r.ok()) return r.status();
          tenancy::TenantSettings current;
          int64_t version = 0;
          if (r->has_value()) {
            if (!current.ParseFromString((*r)->body)) {
              return absl::DataLossError("stored tenant settings are unreadable");
            }
            version = (*r)->version;
          }
          current.set_name(expected);
          current.set_etag(EtagOf(version));
          if (absl::Status s = CheckEtag(expected, req.settings().etag(), current.etag());
              !s.ok()) {
            return s;
          }
          tenancy::TenantSettings merged = current;
          MergeMasked(req.settings(), *mask, &merged);
          for (auto& target : *merged.mutable_default_area_targets()) target.clear_source();
          Violations invalid;
          ValidateSettings(merged, invalid);
          if (!invalid.empty()) return std::move(invalid).ToStatus("invalid tenant settings");
          merged.set_etag(EtagOf(version + 1));
          *merged.mutable_update_time() = ToProto(now);
          if (absl::Status s = tx.PutSettings({version + 1, merged.SerializeAsString(), now});
              !s.ok()) {
            return s;
          }
          if (absl::Status s = tx.AppendAudit(AuditOf(
                  rc, now, "tenant_settings.updated", "UpdateTenantSettings", expected,
                  req.request_id(), absl::StrCat("fields: ", absl::StrJoin(mask->paths(), ","))));
              !s.ok()) {
            return s;
          }
          *resp->mutable_settings() = std::move(merged);
          return absl::OkStatus();
        });
  });
}

// === API keys =============================================================================

absl::Status TenancyCore::CreateApiKey(const RequestContext& rc,
                                       const tenancy::CreateApiKeyRequest& req,
                                       tenancy::CreateApiKeyResponse* resp) {
  if (absl::Status s = CheckParent(rc, req.parent()); !s.ok()) return s;
  const absl::Time now = clock_();
  Violations v;
  if (!req.api_key_id().empty() && !IsKeyId(req.api_key_id())) {
    v.Add("api_key_id", "1-40 lowercase letters or digits (no '-': the key id is part of the key)");
  }
  const tenancy::ApiKey& in = req.api_key();
  CheckText(v, "api_key.display_name", in.display_name(), 200, true);
  if (in.roles_size() != 1) {
    v.Add("api_key.roles", absl::StrCat("exactly one role (got ", in.roles_size(), ")"));
  } else {
    CheckRole(v, "api_key.roles[0]", in.roles(0));
  }
  if (in.has_expire_time() && CheckTimestamp(v, "api_key.expire_time", in.expire_time()) &&
      FromProto(in.expire_time()) <= now) {
    v.Add("api_key.expire_time",
          "must be in the future (leave unset for a key that never expires)");
  }
  CheckRequestId(v, req.request_id());
  if (!v.empty()) return std::move(v).ToStatus("invalid API key");
  return store_.InTenant(rc, [&](TenancyTransaction& tx) {
    return RunIdempotent(
        tx, rc, req.request_id(), "CreateApiKey", req, resp,
        [&]() -> absl::Status {
          if (absl::Status s = tx.LockApiKeysQuota(); !s.ok()) return s;
          absl::StatusOr<TenancyTransaction::ApiKeyCount> existing = tx.CountApiKeys(now);
          if (!existing.ok()) return existing.status();
          if (existing->in_use >= kMaxApiKeysPerTenant) {
            return Error(absl::StatusCode::kResourceExhausted, "QUOTA_EXCEEDED",
                         absl::StrCat("a tenant holds at most ", kMaxApiKeysPerTenant,
                                      " API keys in use; revoke ones no longer used, or rotate "
                                      "a key instead of making another"));
          }
          if (existing->all >= kMaxApiKeysKept) {
            return Error(absl::StatusCode::kResourceExhausted, "QUOTA_EXCEEDED",
                         absl::StrCat("a tenant keeps at most ", kMaxApiKeysKept,
                                      " API keys, revoked and expired ones included; rotate a "
                                      "key instead of making another"));
          }
          const std::string key_id = req.api_key_id().empty() ? NewKeyId() : req.api_key_id();
          std::string secret;
          ApiKeyRecord key = NewApiKey(rc.tenant_id, key_id, in.display_name(), in.roles(0),
                                       rc.principal.subject(), now, &secret);
          if (in.has_expire_time()) key.expire_time = FromProto(in.expire_time());
          absl::Status inserted = tx.InsertApiKey(key);
          if (absl::IsAlreadyExists(inserted)) {
            return Error(
                absl::StatusCode::kAlreadyExists, "ALREADY_EXISTS",
                absl::StrCat("API key ", ApiKeyName(rc.tenant_id, key_id), " already exists"));
          }
          if (!inserted.ok()) return inserted;
          const std::string name = ApiKeyName(rc.tenant_id, key_id);
          if (absl::Status s = tx.AppendAudit(
                  AuditOf(rc, now, "api_key.created", "CreateApiKey", name, req.request_id(),
                          absl::StrCat("role ", auth::RoleName(ToPrincipalRole(key.role)))));
              !s.ok()) {
            return s;
          }
          *resp->mutable_api_key() = ApiKeyOf(rc.tenant_id, key, now);
          resp->set_secret(std::move(secret));
          return absl::OkStatus();
        },
        [](google::protobuf::Message& kept) {
          static_cast<tenancy::CreateApiKeyResponse&>(kept).clear_secret();
        });
  });
}

absl::Status TenancyCore::GetApiKey(const RequestContext& rc, const tenancy::GetApiKeyRequest& req,
                                    tenancy::GetApiKeyResponse* resp) {
  absl::StatusOr<std::string> id = ChildId(rc, req.name(), "apiKeys", "API key", "name");
  if (!id.ok()) return id.status();
  const absl::Time now = clock_();
  return store_.InTenant(rc, [&](TenancyTransaction& tx) -> absl::Status {
    absl::StatusOr<std::optional<ApiKeyRecord>> r = tx.GetApiKey(*id);
    if (!r.ok()) return r.status();
    if (!r->has_value()) return NotFound("API key", req.name());
    *resp->mutable_api_key() = ApiKeyOf(rc.tenant_id, **r, now);
    return absl::OkStatus();
  });
}

absl::Status TenancyCore::ListApiKeys(const RequestContext& rc,
                                      const tenancy::ListApiKeysRequest& req,
                                      tenancy::ListApiKeysResponse* resp) {
  if (absl::Status s = CheckParent(rc, req.parent()); !s.ok()) return s;
  const ListRequestFields fields{req.page_size(), req.page_token(), "", ""};
  absl::StatusOr<ListQuery> query = ParseListQuery(fields, {}, {"create_time"}, "create_time");
  if (!query.ok()) return query.status();
  const absl::Time now = clock_();
  std::vector<tenancy::ApiKey> all;
  absl::Status read = store_.InTenant(rc, [&](TenancyTransaction& tx) -> absl::Status {
    absl::StatusOr<std::vector<ApiKeyRecord>> records = tx.ListApiKeys();
    if (!records.ok()) return records.status();
    for (const ApiKeyRecord& r : *records) {
      tenancy::ApiKey key = ApiKeyOf(rc.tenant_id, r, now);
      if (req.show_inactive() || key.state() == tenancy::ApiKey::STATE_ACTIVE) {
        all.push_back(std::move(key));
      }
    }
    return absl::OkStatus();
  });
  if (!read.ok()) return read;
  Paginate(all, *query, fields, resp, resp->mutable_api_keys());
  return absl::OkStatus();
}

absl::Status TenancyCore::RevokeApiKey(const RequestContext& rc,
                                       const tenancy::RevokeApiKeyRequest& req,
                                       tenancy::RevokeApiKeyResponse* resp) {
  absl::StatusOr<std::string> id = ChildId(rc, req.name(), "apiKeys", "API key", "name");
  if (!id.ok()) return id.status();
  Violations v;
  CheckRequestId(v, req.request_id());
  if (!v.empty()) return std::move(v).ToStatus("invalid request");
  const absl::Time now = clock_();
  return store_.InTenant(rc, [&](TenancyTransaction& tx) {
    return RunIdempotent(
        tx, rc, req.request_id(), "RevokeApiKey", req, resp, [&]() -> absl::Status {
          absl::StatusOr<ApiKeyRecord> held = KeyToChange(tx, *id, req.name(), req.etag());
          if (!held.ok()) return held.status();
          ApiKeyRecord key = *std::move(held);
          if (key.state != "REVOKED") {
            key.state = "REVOKED";
            key.revoke_time = now;
            key.previous_secret_hash.clear();
            key.previous_secret_expire_time.reset();
            ++key.version;
            if (absl::Status s = tx.UpdateApiKey(key); !s.ok()) return s;
            if (absl::Status s = tx.AppendAudit(AuditOf(rc, now, "api_key.revoked", "RevokeApiKey",
                                                        req.name(), req.request_id()));
                !s.ok()) {
              return s;
            }
          }
          *resp->mutable_api_key() = ApiKeyOf(rc.tenant_id, key, now);
          return absl::OkStatus();
        });
  });
}

absl::Status TenancyCore::RotateApiKey(const RequestContext& rc,
                                       const tenancy::RotateApiKeyRequest& req,
                                       tenancy::RotateApiKeyResponse* resp) {
  absl::StatusOr<std::string> id = ChildId(rc, req.name(), "apiKeys", "API key", "name");
  if (!id.ok()) return id.status();
  Violations v;
  const absl::Duration grace =
      absl::Seconds(req.grace_period().seconds()) + absl::Nanoseconds(req.grace_period().nanos());
  if (grace < absl::ZeroDuration() || grace > kMaxRotationGrace) {
    v.Add("grace_period", "must be between 0 (the old secret stops at once) and 7 days");
  }
  CheckRequestId(v, req.request_id());
  if (!v.empty()) return std::move(v).ToStatus("invalid request");
  const absl::Time now = clock_();
  return store_.InTenant(rc, [&](TenancyTransaction& tx) {
    return RunIdempotent(
        tx, rc, req.request_id(), "RotateApiKey", req, resp,
        [&]() -> absl::Status {
          absl::StatusOr<ApiKeyRecord> held = KeyToChange(tx, *id, req.name(), req.etag());
          if (!held.ok()) return held.status();
          ApiKeyRecord key = *std::move(held);
          if (key.state == "REVOKED") {
            return Error(absl::StatusCode::kFailedPrecondition, "STATE_CONFLICT",
                         absl::StrCat("API key ", req.name(),
                                      " is revoked; create a new key instead of rotating it"));
          }
          // A new secret for an expired key would never be accepted.
          if (IsExpired(key, now)) {
            return Error(absl::StatusCode::kFailedPrecondition, "STATE_CONFLICT",
                         absl::StrCat("API key ", req.name(),
                                      " has expired; create a new key instead of rotating it"));
          }
          auth::ApiKeyParts parts = auth::GenerateApiKey(rc.tenant_id, key.key_id);
          if (grace > absl::ZeroDuration()) {
            key.previous_secret_hash = key.secret_hash;
            key.previous_secret_expire_time = now + grace;
          } else {
            key.previous_secret_hash.clear();
            key.previous_secret_expire_time.reset();
          }
          key.secret_hash = auth::HashApiKeySecret(parts.secret);
          key.secret_prefix = SecretPrefixOf(parts);
          key.rotate_time = now;
          ++key.version;
          if (absl::Status s = tx.UpdateApiKey(key); !s.ok()) return s;
          if (absl::Status s = tx.AppendAudit(
                  AuditOf(rc, now, "api_key.rotated", "RotateApiKey", req.name(), req.request_id(),
                          absl::StrCat("previous secret valid for ", absl::FormatDuration(grace))));
              !s.ok()) {
            return s;
          }
          *resp->mutable_api_key() = ApiKeyOf(rc.tenant_id, key, now);
          resp->set_secret(auth::FormatApiKey(parts));
          return absl::OkStatus();
        },
        [](google::protobuf::Message& kept) {
          static_cast<tenancy::RotateApiKeyResponse&>(kept).clear_secret();
        });
  });
}

// === Role bindings ========================================================================

absl::Status TenancyCore::CreateRoleBinding(const RequestContext& rc,
                                            const tenancy::CreateRoleBindingRequest& req,
                                            tenancy::CreateRoleBindingResponse* resp) {
  if (absl::Status s = CheckParent(rc, req.parent()); !s.ok()) return s;
  Violations v;
  if (!req.role_binding_id().empty() && !IsIdentifier(req.role_binding_id(), 63)) {
    v.Add("role_binding_id", "1-63 lowercase letters, digits or '-', starting with a letter");
  }
  const tenancy::RoleBinding& in = req.role_binding();
  ValidatePrincipal(v, "role_binding.principal", in.principal());
  CheckRole(v, "role_binding.role", in.role());
  if (!in.resource().empty()) {
    // A grant limited to one resource would need every service to check it; none does yet,
    // so such a binding would grant nothing. Refused rather than stored unread.
    v.Add("role_binding.resource",
          absl::StrCat("must be empty: a binding grants its role in the whole tenant ",
                       TenantName(rc.tenant_id),
                       "; bindings limited to one resource are not supported"));
  }
  CheckRequestId(v, req.request_id());
  if (!v.empty()) return std::move(v).ToStatus("invalid role binding");
  const absl::Time now = clock_();
  return store_.InTenant(rc, [&](TenancyTransaction& tx) {
    return RunIdempotent(
        tx, rc, req.request_id(), "CreateRoleBinding", req, resp, [&]() -> absl::Status {
          absl::StatusOr<std::vector<RoleBindingRecord>> same = tx.FindRoleBindings(in.principal());
          if (!same.ok()) return same.status();
          for (const RoleBindingRecord& other : *same) {
            if (other.resource == in.resource()) {
              return Error(
                  absl::StatusCode::kAlreadyExists, "ALREADY_EXISTS",
                  absl::StrCat(in.principal(), " already holds ",
                               auth::RoleName(ToPrincipalRole(other.role)), " in this tenant (",
                               RoleBindingOf(rc.tenant_id, other).name(),
                               "); delete that binding first"));
            }
          }
          if (absl::Status s = tx.LockRoleBindingsQuota(); !s.ok()) return s;
          absl::StatusOr<int> all = tx.CountRoleBindings();
          if (!all.ok()) return all.status();
          if (*all >= kMaxRoleBindingsPerTenant) {
            return Error(absl::StatusCode::kResourceExhausted, "QUOTA_EXCEEDED",
                         absl::StrCat("a tenant holds at most ", kMaxRoleBindingsPerTenant,
                                      " role bindings"));
          }
          RoleBindingRecord record;
          record.id = req.role_binding_id().empty() ? NewId("rb") : req.role_binding_id();
          record.version = 1;
          record.principal = in.principal();
          record.role = in.role();
          record.resource = in.resource();
          record.create_time = now;
          const tenancy::RoleBinding binding = RoleBindingOf(rc.tenant_id, record);
          absl::Status inserted = tx.InsertRoleBinding(record);
          if (absl::IsAlreadyExists(inserted)) {
            return Error(absl::StatusCode::kAlreadyExists, "ALREADY_EXISTS",
                         absl::StrCat("role binding ", binding.name(), " already exists"));
          }
          if (!inserted.ok()) return inserted;
          if (absl::Status s =
                  tx.AppendAudit(AuditOf(rc, now, "role_binding.created", "CreateRoleBinding",
                                         binding.name(), req.request_id(),
                                         absl::StrCat(in.principal(), " as ",
                                                      auth::RoleName(ToPrincipalRole(in.role())))));
              !s.ok()) {
            return s;
          }
          *resp->mutable_role_binding() = binding;
          return absl::OkStatus();
        });
  });
}

absl::Status TenancyCore::GetRoleBinding(const RequestContext& rc,
                                         const tenancy::GetRoleBindingRequest& req,
                                         tenancy::GetRoleBindingResponse* resp) {
  absl::StatusOr<std::string> id = ChildId(rc, req.name(), "roleBindings", "role binding", "name");
  if (!id.ok()) return id.status();
  return store_.InTenant(rc, [&](TenancyTransaction& tx) -> absl::Status {
    absl::StatusOr<std::optional<RoleBindingRecord>> r = tx.GetRoleBinding(*id);
    if (!r.ok()) return r.status();
    if (!r->has_value()) return NotFound("role binding", req.name());
    *resp->mutable_role_binding() = RoleBindingOf(rc.tenant_id, **r);
    return absl::OkStatus();
  });
}

absl::Status TenancyCore::ListRoleBindings(const RequestContext& rc,
                                           const tenancy::ListRoleBindingsRequest& req,
                                           tenancy::ListRoleBindingsResponse* resp) {
  if (absl::Status s = CheckParent(rc, req.parent()); !s.ok()) return s;
  const ListRequestFields fields{req.page_size(), req.page_token(), req.filter(), ""};
  absl::StatusOr<ListQuery> query =
      ParseListQuery(fields, {"principal", "role", "resource"}, {"create_time"}, "create_time");
  if (!query.ok()) return query.status();
  std::vector<tenancy::RoleBinding> all;
  absl::Status read = store_.InTenant(rc, [&](TenancyTransaction& tx) -> absl::Status {
    absl::StatusOr<std::vector<RoleBindingRecord>> records = tx.ListRoleBindings();
    if (!records.ok()) return records.status();
    for (const RoleBindingRecord& r : *records) {
      tenancy::RoleBinding b = RoleBindingOf(rc.tenant_id, r);
      if (Matches(b, query->filter)) all.push_back(std::move(b));
    }
    return absl::OkStatus();
  });
  if (!read.ok()) return read;
  Paginate(all, *query, fields, resp, resp->mutable_role_bindings());
  return absl::OkStatus();
}

absl::Status TenancyCore::DeleteRoleBinding(const RequestContext& rc,
                                            const tenancy::DeleteRoleBindingRequest& req,
                                            tenancy::DeleteRoleBindingResponse* resp) {
  absl::StatusOr<std::string> id = ChildId(rc, req.name(), "roleBindings", "role binding", "name");
  if (!id.ok()) return id.status();
  Violations v;
  CheckRequestId(v, req.request_id());
  if (!v.empty()) return std::move(v).ToStatus("invalid request");
  const absl::Time now = clock_();
  return store_.InTenant(rc, [&](TenancyTransaction& tx) {
    return RunIdempotent(
        tx, rc, req.request_id(), "DeleteRoleBinding", req, resp, [&]() -> absl::Status {
          absl::StatusOr<std::optional<RoleBindingRecord>> r = tx.GetRoleBinding(*id);
          if (!r.ok()) return r.status();
          if (!r->has_value()) return NotFound("role binding", req.name());
          if (absl::Status s = CheckEtag(req.name(), req.etag(), EtagOf((*r)->version)); !s.ok()) {
            return s;
          }
          if (absl::Status s = tx.DeleteRoleBinding(*id); !s.ok()) return s;
          return tx.AppendAudit(AuditOf(
              rc, now, "role_binding.deleted", "DeleteRoleBinding", req.name(), req.request_id(),
              absl::StrCat((*r)->principal, " as ", auth::RoleName(ToPrincipalRole((*r)->role)))));
        });
  });
}

// === Audit ================================================================================

absl::Status TenancyCore::ListAuditEvents(const RequestContext& rc,
                                          const tenancy::ListAuditEventsRequest& req,
                                          tenancy::ListAuditEventsResponse* resp) {
  if (absl::Status s = CheckParent(rc, req.parent()); !s.ok()) return s;
  absl::StatusOr<AuditQuery> query = ParseAuditQuery(req);
  if (!query.ok()) return query.status();
  const int page_size = query->limit;
  query->limit = page_size + 1;  // one more tells whether there is a next page
  return store_.InTenant(rc, [&](TenancyTransaction& tx) -> absl::Status {
    absl::StatusOr<std::vector<AuditRecord>> records = tx.ListAudit(*query);
    if (!records.ok()) return records.status();
    const int shown = std::min(page_size, static_cast<int>(records->size()));
    for (int i = 0; i < shown; ++i) {
      *resp->add_audit_events() = AuditEventOf(rc.tenant_id, (*records)[i]);
    }
    if (static_cast<int>(records->size()) > page_size) {
      resp->set_next_page_token(AuditPageToken(req, (*records)[page_size - 1]));
    }
    return absl::OkStatus();
  });
}

absl::Status TenancyCore::RecordAuditEvent(const RequestContext& rc,
                                           const auth_api::RecordAuditEventRequest& req,
                                           auth_api::RecordAuditEventResponse*) {
  Violations v;
  const std::string& tenant = req.actor().tenant_id();
  if (!IsValidTenantId(tenant)) {
    v.Add("actor.tenant_id", "required: the tenant whose audit log records the action");
  }
  if (!IsAction(req.action())) {
    v.Add("action", "like 'session.opened': dot-separated lowercase words, at most 100 characters");
  }
  CheckText(v, "actor.subject", req.actor().subject(), 320, false);
  CheckText(v, "resource", req.resource(), 500, false);
  CheckText(v, "origin", req.origin(), 200, false);
  CheckText(v, "detail", req.detail(), 2000, false);
  if (req.has_event_time()) CheckTimestamp(v, "event_time", req.event_time());
  if (!v.empty()) return std::move(v).ToStatus("invalid audit event");
  // A caller acting for a tenant writes that tenant's log only.
  if (!rc.tenant_id.empty() && rc.tenant_id != tenant) {
    return Error(absl::StatusCode::kPermissionDenied, "TENANT_MISMATCH",
                 "an audit event can only be recorded in the caller's own tenant");
  }
  RequestContext actor_rc = rc;
  actor_rc.tenant_id = tenant;
  actor_rc.principal = req.actor();
  actor_rc.peer = req.origin();
  const absl::Time when = req.has_event_time() ? FromProto(req.event_time()) : clock_();
  return store_.InTenant(actor_rc, [&](TenancyTransaction& tx) {
    return tx.AppendAudit(
        AuditOf(actor_rc, when, req.action(), "", req.resource(), "", req.detail()));
  });
}

// === Authentication =======================================================================

absl::Status TenancyCore::Authenticate(const RequestContext&,
                                       const auth_api::AuthenticateRequest& req,
                                       auth_api::AuthenticateResponse* resp) {
  absl::StatusOr<auth::Principal> principal;
  switch (req.credential_case()) {
    case auth_api::AuthenticateRequest::kApiKey:
      principal = VerifyApiKey(req.api_key());
      break;
    case auth_api::AuthenticateRequest::kJwtSubject:
      principal = ResolveSubject(req.jwt_subject().tenant_id(), req.jwt_subject().subject());
      break;
    default:
      return InvalidArgumentError("no credential", {{"credential", "set api_key or jwt_subject"}});
  }
  if (!principal.ok()) return principal.status();
  *resp->mutable_principal() = *std::move(principal);
  return absl::OkStatus();
}

absl::Status TenancyCore::GetTenantStanding(const RequestContext& rc,
                                            const auth_api::GetTenantStandingRequest& req,
                                            auth_api::GetTenantStandingResponse* resp) {
  if (!IsValidTenantId(req.tenant_id())) {
    return InvalidArgumentError("invalid tenant standing request",
                                {{"tenant_id", "not a tenant id"}});
  }
  // Read inside the tenant asked about: its own row is all the transaction can see.
  RequestContext tenant_rc = rc;
  tenant_rc.tenant_id = req.tenant_id();
  return store_.InTenant(tenant_rc, [&](TenancyTransaction& tx) -> absl::Status {
    absl::StatusOr<std::optional<TenantRecord>> tenant = tx.GetOwnTenant();
    if (!tenant.ok()) return tenant.status();
    if (!tenant->has_value()) {
      resp->set_standing(auth_api::TENANT_STANDING_NOT_FOUND);
    } else if ((*tenant)->state == "ACTIVE") {
      resp->set_standing(auth_api::TENANT_STANDING_ACTIVE);
    } else if ((*tenant)->state == "SUSPENDED") {
      resp->set_standing(auth_api::TENANT_STANDING_SUSPENDED);
    } else {  // DELETED, or a state that lets no credential work
      resp->set_standing(auth_api::TENANT_STANDING_DELETED);
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<auth::Principal> TenancyCore::VerifyApiKey(absl::string_view api_key) {
  absl::StatusOr<auth::ApiKeyParts> parts = auth::ParseApiKey(api_key);
  if (!parts.ok()) return parts.status();
  const absl::Time now = clock_();
  // Hash first, whatever is found, so an unknown key costs what a known one does.
  const std::string presented = auth::HashApiKeySecret(parts->secret);
  RequestContext rc;
  rc.tenant_id = parts->tenant_id;
  rc.principal.set_subject("system:api-key-verifier");
  rc.deadline = absl::Now() + absl::Seconds(5);
  auth::Principal principal;
  absl::Status status = store_.InTenant(rc, [&](TenancyTransaction& tx) -> absl::Status {
    absl::StatusOr<std::optional<TenantRecord>> tenant = tx.GetOwnTenant();
    if (!tenant.ok()) return tenant.status();
    absl::StatusOr<std::optional<ApiKeyRecord>> key = tx.GetApiKey(parts->key_id);
    if (!key.ok()) return key.status();
    if (!key->has_value() || !tenant->has_value() || (*tenant)->state == "DELETED") {
      return ApiKeyInvalid();
    }
    const ApiKeyRecord& k = **key;
    const bool current = auth::SecretsEqual(presented, k.secret_hash);
    const bool previous = !k.previous_secret_hash.empty() && k.previous_secret_expire_time &&
                          now < *k.previous_secret_expire_time &&
                          auth::SecretsEqual(presented, k.previous_secret_hash);
    if ((!current && !previous) || k.state != "ACTIVE" || IsExpired(k, now) ||
        !IsTenantRole(k.role)) {
      return ApiKeyInvalid();
    }
    if (!k.last_use_time || now - *k.last_use_time >= kLastUseResolution) {
      if (absl::Status s = tx.TouchApiKey(k.key_id, now); !s.ok()) return s;
    }
    principal.set_tenant_id(parts->tenant_id);
    principal.set_subject(ApiKeyName(parts->tenant_id, k.key_id));
    principal.set_role(ToPrincipalRole(k.role));
    principal.set_credential_kind(auth_api::CREDENTIAL_KIND_API_KEY);
    principal.set_tenant_suspended((*tenant)->state == "SUSPENDED");
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return principal;
}

absl::StatusOr<auth::Principal> TenancyCore::ResolveSubject(absl::string_view tenant_id,
                                                            absl::string_view subject) {
  Violations v;
  if (!IsValidTenantId(ToStd(tenant_id))) v.Add("tenant_id", "not a tenant id");
  if (subject.empty() || subject.size() > kMaxSubjectChars) {
    v.Add("subject", absl::StrCat("1-", kMaxSubjectChars, " characters"));
  }
  if (!v.empty()) return std::move(v).ToStatus("invalid JWT subject");
  RequestContext rc;
  rc.tenant_id = std::string(tenant_id);
  rc.principal.set_subject("system:subject-resolver");
  rc.deadline = absl::Now() + absl::Seconds(5);
  const std::string bound = absl::StrCat("user:", subject);
  auth::Principal principal;
  absl::Status status = store_.InTenant(rc, [&](TenancyTransaction& tx) -> absl::Status {
    absl::StatusOr<std::optional<TenantRecord>> tenant = tx.GetOwnTenant();
    if (!tenant.ok()) return tenant.status();
    absl::StatusOr<std::vector<RoleBindingRecord>> bindings = tx.FindRoleBindings(bound);
    if (!bindings.ok()) return bindings.status();
    const bool tenant_usable = tenant->has_value() && (*tenant)->state != "DELETED";
    for (const RoleBindingRecord& b : *bindings) {
      if (tenant_usable && b.resource.empty() && IsTenantRole(b.role)) {
        principal.set_tenant_id(std::string(tenant_id));
        principal.set_subject(std::string(subject));
        principal.set_role(ToPrincipalRole(b.role));
        principal.set_credential_kind(auth_api::CREDENTIAL_KIND_JWT);
        principal.set_tenant_suspended((*tenant)->state == "SUSPENDED");
        return absl::OkStatus();
      }
    }
    return Error(absl::StatusCode::kPermissionDenied, "NO_ROLE_BINDING",
                 absl::StrCat("'", bound, "' has no role in tenant ", tenant_id,
                              "; ask a TENANT_ADMIN to bind one"));
  });
  if (!status.ok()) return status;
  return principal;
}

}  // namespace lagom::questionnaire
