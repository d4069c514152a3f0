// What the tenancy core needs from storage. Two kinds of transaction:
//   - a tenant's: everything of one tenant (its own tenant row read-only, settings, API keys,
//     role bindings, audit log, idempotent replies), nothing of any other tenant;
//   - the operator's: the tenants table only, plus the two writes provisioning and tenant
//     administration need in the tenant's own scope (its first API key, its audit rows).
// The PostgreSQL adapter is store/pg_tenancy_store; unit tests use tenancy/fake_tenancy_store.
#ifndef LAGOM_SERVICES_QUESTIONNAIRE_TENANCY_TENANCY_STORE_H_
#define LAGOM_SERVICES_QUESTIONNAIRE_TENANCY_TENANCY_STORE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/request_context.h"
#include "common/resource_util.h"

namespace lagom::questionnaire {

struct TenantRecord {
  std::string id;
  int64_t version = 0;
  std::string state;              // "ACTIVE", "SUSPENDED", "DELETED" (also inside body)
  std::string body;               // serialized lagom.tenancy.v1.Tenant
  std::string create_request_id;  // request_id of the CreateTenant that made it, if any
  absl::Time create_time;
  absl::Time update_time;
};

// Settings are a singleton; no record means defaults.
struct SettingsRecord {
  int64_t version = 0;
  std::string body;  // serialized lagom.tenancy.v1.TenantSettings
  absl::Time update_time;
};

// An API key as stored: never the secret, only its SHA-256.
struct ApiKeyRecord {
  std::string key_id;
  int64_t version = 0;
  std::string display_name;
  int role = 0;       // lagom.tenancy.v1.Role
  std::string state;  // "ACTIVE" or "REVOKED" (EXPIRED is derived from expire_time)
  std::string secret_hash;
  std::string secret_prefix;
  // After a rotation with a grace period, the previous secret works until this time.
  std::string previous_secret_hash;
  std::optional<absl::Time> previous_secret_expire_time;
  std::string creator;
  absl::Time create_time;
  std::optional<absl::Time> expire_time;
  std::optional<absl::Time> last_use_time;
  std::optional<absl::Time> rotate_time;
  std::optional<absl::Time> revoke_time;
};

struct RoleBindingRecord {
  std::string id;
  int64_t version = 0;
  std::string principal;  // "user:<sub>", "apiKey:<name>", "service:<name>"
  int role = 0;           // lagom.tenancy.v1.Role
  std::string resource;   // empty: the whole tenant
  absl::Time create_time;
};

// One line of the append-only audit log.
struct AuditRecord {
  std::string id;
  absl::Time event_time;
  std::string principal;        // subject of the caller
  std::string principal_role;   // "TENANT_ADMIN", "OPERATOR", ...
  std::string credential_kind;  // "API_KEY", "JWT", ...
  std::string action;           // "api_key.revoked"
  std::string method;           // "/lagom.tenancy.v1.TenantService/RevokeApiKey", or empty
  std::string resource;
  std::string request_id;
  std::string origin;  // peer address
  std::string detail;
};

// An audit line of a call of TenantService's `method` ("CreateWebhook"; "" for none) by rc's
// caller, at `now`.
AuditRecord AuditOf(const RequestContext& rc, absl::Time now, absl::string_view action,
                    absl::string_view method, absl::string_view resource,
                    absl::string_view request_id, std::string detail = "");

// Newest first; every set field narrows the result.
struct AuditQuery {
  // Only events strictly older than this (event_time, id) cursor.
  std::optional<std::pair<absl::Time, std::string>> before;
  absl::Time start_time = absl::InfinitePast();  // inclusive
  absl::Time end_time = absl::InfiniteFuture();  // exclusive
  std::string action;
  std::string principal;
  std::string method;
  std::string resource;
  bool resource_is_prefix = false;
  int limit = 100;
};

// Scoped to the tenant of the transaction. Insert of a duplicate fails ALREADY_EXISTS;
// Update and Delete of a missing record fail NOT_FOUND.
class TenancyTransaction {
 public:
  virtual ~TenancyTransaction() = default;

  // The transaction's own tenant row (a tenant can read itself, never another).
  virtual absl::StatusOr<std::optional<TenantRecord>> GetOwnTenant() = 0;

  virtual absl::StatusOr<std::optional<SettingsRecord>> GetSettings() = 0;
  virtual absl::Status PutSettings(const SettingsRecord& record) = 0;  // insert or replace

  virtual absl::StatusOr<std::optional<ApiKeyRecord>> GetApiKey(const std::string& key_id) = 0;
  virtual absl::StatusOr<std::vector<ApiKeyRecord>> ListApiKeys() = 0;
  // Hold the tenant's quota of API keys, or of role bindings, until the transaction ends: taken
  // before counting them to add one, so that adds at the same moment are counted one after the
  // other.
  virtual absl::Status LockApiKeysQuota() = 0;
  virtual absl::Status LockRoleBindingsQuota() = 0;
  // Hold an API key (if it exists), or the tenant's settings, until the transaction ends:
  // writers of one go one after the other, so what was read and any etag checked stay current
  // up to the write (a revocation is never undone by a rotation read before it). Take it
  // before reading what is changed.
  virtual absl::Status HoldApiKey(const std::string& key_id) = 0;
  virtual absl::Status HoldSettings() = 0;
  // How many API keys the tenant holds: in use (ACTIVE and not expired at `now`) and in all,
  // revoked and expired ones included; and how many role bindings (nothing read but counts).
  struct ApiKeyCount {
    int in_use = 0;
    int all = 0;
  };
  virtual absl::StatusOr<ApiKeyCount> CountApiKeys(absl::Time now) = 0;
  virtual absl::StatusOr<int> CountRoleBindings() = 0;
  virtual absl::Status InsertApiKey(const ApiKeyRecord& record) = 0;
  virtual absl::Status UpdateApiKey(const ApiKeyRecord& record) = 0;
  // Sets last_use_time only; no version change (it is not an edit).
  virtual absl::Status TouchApiKey(const std::string& key_id, absl::Time when) = 0;

  virtual absl::StatusOr<std::optional<RoleBindingRecord>> GetRoleBinding(
      const std::string& id) = 0;
  virtual absl::StatusOr<std::vector<RoleBindingRecord>> ListRoleBindings() = 0;
  // Fails ALREADY_EXISTS on a duplicate id or a second binding of the same principal and
  // resource.
  virtual absl::Status InsertRoleBinding(const RoleBindingRecord& record) = 0;
  virtual absl::Status DeleteRoleBinding(const std::string& id) = 0;
  virtual absl::StatusOr<std::vector<RoleBindingRecord>> FindRoleBindings(
      const std::string& principal) = 0;

  virtual absl::Status AppendAudit(const AuditRecord& record) = 0;
  virtual absl::StatusOr<std::vector<AuditRecord>> ListAudit(const AuditQuery& query) = 0;

  virtual absl::StatusOr<std::optional<IdempotentReply>> FindReply(
      const std::string& request_id) = 0;
  virtual absl::Status RecordReply(const std::string& request_id, const IdempotentReply& reply) = 0;
};

// The hosting operator's view: tenants, not their data.
class OperatorTransaction {
 public:
  virtual ~OperatorTransaction() = default;
  virtual absl::StatusOr<std::optional<TenantRecord>> GetTenant(const std::string& id) = 0;
  // Holds the tenant's row (if it exists) until the transaction ends: changes of one tenant go
  // one after the other, so that an update read before a deletion cannot write the tenant back
  // to ACTIVE or SUSPENDED after it. Take it before reading the tenant to change it.
  virtual absl::Status HoldTenant(const std::string& id) = 0;
  virtual absl::StatusOr<std::vector<TenantRecord>> ListTenants() = 0;
  virtual absl::Status InsertTenant(const TenantRecord& record) = 0;
  virtual absl::Status UpdateTenant(const TenantRecord& record) = 0;
  // Writes in `tenant_id`'s own scope, for provisioning and the tenant's audit log.
  virtual absl::Status InsertInitialApiKey(const std::string& tenant_id,
                                           const ApiKeyRecord& record) = 0;
  virtual absl::Status AppendAudit(const std::string& tenant_id, const AuditRecord& record) = 0;
  // Queues the purge of the tenant's data by each of `holders` (outbox consumers), due after
  // `delay`.
  virtual absl::Status QueuePurge(const std::string& tenant_id,
                                  const std::vector<std::string>& holders,
                                  absl::Duration delay) = 0;
};

class TenancyStore {
 public:
  virtual ~TenancyStore() = default;
  // Runs fn in one transaction of rc's tenant: committed when fn returns OK, else rolled back.
  // An empty rc.tenant_id is FAILED_PRECONDITION.
  virtual absl::Status InTenant(const RequestContext& rc,
                                const std::function<absl::Status(TenancyTransaction&)>& fn) = 0;
  // Runs fn in one operator transaction (no tenant set).
  virtual absl::Status AsOperator(const RequestContext& rc,
                                  const std::function<absl::Status(OperatorTransaction&)>& fn) = 0;
};

}  // namespace lagom::questionnaire

#endif  // LAGOM_SERVICES_QUESTIONNAIRE_TENANCY_TENANCY_STORE_H_
