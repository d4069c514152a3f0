// Tenants (provisioned by the hosting operator), tenant settings, API keys, role bindings and
// the audit log; and the look-ups authentication needs (API keys, JWT subjects' roles). No
// gRPC or storage types: requests and responses are the API messages, storage is a
// TenancyStore. Roles are enforced by the CallAdmitter before any of this runs; the core
// still validates input and scopes every read and write to rc.tenant_id.
#ifndef LAGOM_SERVICES_QUESTIONNAIRE_TENANCY_TENANCY_CORE_H_
#define LAGOM_SERVICES_QUESTIONNAIRE_TENANCY_TENANCY_CORE_H_

#include <functional>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "common/auth/authenticator.h"
#include "common/auth/principal.h"
#include "common/auth/tenant_data.h"
#include "common/request_context.h"
#include "lagom/auth/v1/auth.pb.h"
#include "lagom/tenancy/v1/tenancy.pb.h"
#include "services/questionnaire/tenancy/tenancy_store.h"

namespace lagom::questionnaire {

namespace tenancy = ::lagom::tenancy::v1;
namespace auth_api = ::lagom::auth::v1;

// One message for every API key that does not work, so a caller cannot tell an unknown key
// from a revoked one or a wrong secret.
inline constexpr char kApiKeyInvalidMessage[] =
    "API key is not valid (unknown, revoked or expired)";

// last_use_time is written at most this often per key, so authentication does not write on
// every call.
inline constexpr absl::Duration kLastUseResolution = absl::Minutes(1);

// A tenant's quotas: past them a create is RESOURCE_EXHAUSTED (QUOTA_EXCEEDED), however many
// are made at once.
// API keys in use (active, not expired); revoked and expired ones are kept (their audit
// trail names them) up to kMaxApiKeysKept in all.
inline constexpr int kMaxApiKeysPerTenant = 1000;
inline constexpr int kMaxApiKeysKept = 10 * kMaxApiKeysPerTenant;
inline constexpr int kMaxRoleBindingsPerTenant = 10000;

class TenancyCore final {
 public:
  using Clock = std::function<absl::Time()>;
  explicit TenancyCore(TenancyStore& store, Clock clock = absl::Now)
      : store_(store), clock_(std::move(clock)) {}
  // Every service's share of a tenant's data (not owned); once, before the core serves
  // (the remote shares need the service identity, which needs the core). DeleteTenant asks
  // them whether the tenant has data and, with force, queues a purge for each, due
  // `purge_delay` after the deletion so that work of the tenant already under way finishes
  // first. Without this, a tenant has no data anywhere.
  void SetTenantData(std::vector<auth::TenantDataHolder*> tenant_data, absl::Duration purge_delay) {
    tenant_data_ = std::move(tenant_data);
    purge_delay_ = purge_delay;
  }

  // Tenants: the operator's, except GetTenant, which a tenant's members may call for their own.
  absl::Status CreateTenant(const RequestContext& rc, const tenancy::CreateTenantRequest& req,
                            tenancy::CreateTenantResponse* resp);
  absl::Status GetTenant(const RequestContext& rc, const tenancy::GetTenantRequest& req,
                         tenancy::GetTenantResponse* resp);
  absl::Status ListTenants(const RequestContext& rc, const tenancy::ListTenantsRequest& req,
                           tenancy::ListTenantsResponse* resp);
  absl::Status UpdateTenant(const RequestContext& rc, const tenancy::UpdateTenantRequest& req,
                            tenancy::UpdateTenantResponse* resp);
  // The tenant becomes DELETED and its credentials stop working. Without force, only a
  // tenant without data (FAILED_PRECONDITION / RESOURCE_IN_USE naming what it keeps); with
  // force, its data in every service is purged soon after.
  absl::Status DeleteTenant(const RequestContext& rc, const tenancy::DeleteTenantRequest& req,
                            tenancy::DeleteTenantResponse* resp);

  absl::Status GetTenantSettings(const RequestContext& rc,
                                 const tenancy::GetTenantSettingsRequest& req,
                                 tenancy::GetTenantSettingsResponse* resp);
  absl::Status UpdateTenantSettings(const RequestContext& rc,
                                    const tenancy::UpdateTenantSettingsRequest& req,
                                    tenancy::UpdateTenantSettingsResponse* resp);

  absl::Status CreateApiKey(const RequestContext& rc, const tenancy::CreateApiKeyRequest& req,
                            tenancy::CreateApiKeyResponse* resp);
  absl::Status GetApiKey(const RequestContext& rc, const tenancy::GetApiKeyRequest& req,
                         tenancy::GetApiKeyResponse* resp);
  absl::Status ListApiKeys(const RequestContext& rc, const tenancy::ListApiKeysRequest& req,
                           tenancy::ListApiKeysResponse* resp);
  absl::Status RevokeApiKey(const RequestContext& rc, const tenancy::RevokeApiKeyRequest& req,
                            tenancy::RevokeApiKeyResponse* resp);
  absl::Status RotateApiKey(const RequestContext& rc, const tenancy::RotateApiKeyRequest& req,
                            tenancy::RotateApiKeyResponse* resp);

  absl::Status CreateRoleBinding(const RequestContext& rc,
                                 const tenancy::CreateRoleBindingRequest& req,
                                 tenancy::CreateRoleBindingResponse* resp);
  absl::Status GetRoleBinding(const RequestContext& rc, const tenancy::GetRoleBindingRequest& req,
                              tenancy::GetRoleBindingResponse* resp);
  absl::Status ListRoleBindings(const RequestContext& rc,
                                const tenancy::ListRoleBindingsRequest& req,
                                tenancy::ListRoleBindingsResponse* resp);
  absl::Status DeleteRoleBinding(const RequestContext& rc,
                                 const tenancy::DeleteRoleBindingRequest& req,
                                 tenancy::DeleteRoleBindingResponse* resp);

  absl::Status ListAuditEvents(const RequestContext& rc, const tenancy::ListAuditEventsRequest& req,
                               tenancy::ListAuditEventsResponse* resp);

  // lagom.auth.v1.AuthService.
  absl::Status Authenticate(const RequestContext& rc, const auth_api::AuthenticateRequest& req,
                            auth_api::AuthenticateResponse* resp);
  // ACTIVE, SUSPENDED, DELETED or NOT_FOUND (no such tenant row); INVALID_ARGUMENT when
  // tenant_id is not a tenant id.
  absl::Status GetTenantStanding(const RequestContext& rc,
                                 const auth_api::GetTenantStandingRequest& req,
                                 auth_api::GetTenantStandingResponse* resp);
  absl::Status RecordAuditEvent(const RequestContext& rc,
                                const auth_api::RecordAuditEventRequest& req,
                                auth_api::RecordAuditEventResponse* resp);

  // "lgm_<tenant>.<key id>.<secret>" → the key's principal. Looked up inside the key's tenant
  // (row-level security holds). Any key that does not work → UNAUTHENTICATED, reason
  // API_KEY_INVALID, kApiKeyInvalidMessage; a key that is not of that form → API_KEY_MALFORMED.
  absl::StatusOr<auth::Principal> VerifyApiKey(absl::string_view api_key);
  // A verified JWT's subject → its role from the tenant's role binding of "user:<subject>"
  // (tenant-wide bindings only). None → PERMISSION_DENIED, reason NO_ROLE_BINDING.
  absl::StatusOr<auth::Principal> ResolveSubject(absl::string_view tenant_id,
                                                 absl::string_view subject);

 private:
  // FAILED_PRECONDITION / RESOURCE_IN_USE when any service keeps data of the tenant; the
  // service's error when one cannot tell.
  absl::Status CheckNoTenantData(const std::string& tenant_id, const std::string& name);
  // Queues every service's purge of the tenant's data and audits it, with `detail`.
  absl::Status QueuePurges(OperatorTransaction& tx, const RequestContext& rc,
                           const std::string& tenant_id, const tenancy::DeleteTenantRequest& req,
                           absl::Time now, std::string detail);

  TenancyStore& store_;
  Clock clock_;
  std::vector<auth::TenantDataHolder*> tenant_data_;
  absl::Duration purge_delay_ = absl::ZeroDuration();
};

// The questionnaire process's own credential look-ups, in-process (other services ask
// AuthService). Not owned.
class TenancyDirectory final : public auth::ApiKeyVerifier, public auth::SubjectResolver {
 public:
  explicit TenancyDirectory(TenancyCore& core) : core_(core) {}
  absl::StatusOr<auth::Principal> VerifyApiKey(absl::string_view api_key) override {
    return core_.VerifyApiKey(api_key);
  }
  absl::StatusOr<auth::Principal> ResolveSubject(absl::string_view tenant_id,
                                                 absl::string_view subject) override {
    return core_.ResolveSubject(tenant_id, subject);
  }

 private:
  TenancyCore& core_;
};

}  // namespace lagom::questionnaire

#endif  // LAGOM_SERVICES_QUESTIONNAIRE_TENANCY_TENANCY_CORE_H_
