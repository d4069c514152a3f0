// In-memory TenancyStore for unit tests of the tenancy core: per-tenant data, and
// transactions that work on a copy kept only when they return OK.
#ifndef LAGOM_SERVICES_QUESTIONNAIRE_TENANCY_FAKE_TENANCY_STORE_H_
#define LAGOM_SERVICES_QUESTIONNAIRE_TENANCY_FAKE_TENANCY_STORE_H_

#include <algorithm>
#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/synchronization/mutex.h"
#include "services/questionnaire/tenancy/tenancy_store.h"

namespace lagom::questionnaire {

class FakeTenancyStore final : public TenancyStore {
 public:
  struct TenantData {
    std::optional<SettingsRecord> settings;
    std::map<std::string, ApiKeyRecord> api_keys;
    std::map<std::string, RoleBindingRecord> role_bindings;
    std::vector<AuditRecord> audit;
    std::map<std::string, IdempotentReply> replies;
    // Purges queued by DeleteTenant: (holder, delay).
    std::vector<std::pair<std::string, absl::Duration>> purges;
  };
  struct Data {
    std::map<std::string, TenantRecord> tenants;
    std::map<std::string, TenantData> tenant_data;
  };

  absl::Status InTenant(const RequestContext& rc,
                        const std::function<absl::Status(TenancyTransaction&)>& fn) override {
    if (rc.tenant_id.empty()) return absl::FailedPreconditionError("no tenant");
    absl::MutexLock lock(&mu_);
    Data copy = data_;
    TenantTx tx(copy, rc.tenant_id);
    absl::Status status = fn(tx);
    if (status.ok()) data_ = std::move(copy);
    return status;
  }

  absl::Status AsOperator(const RequestContext&,
                          const std::function<absl::Status(OperatorTransaction&)>& fn) override {
    absl::MutexLock lock(&mu_);
    Data copy = data_;
    OperatorTx tx(copy);
    absl::Status status = fn(tx);
    if (status.ok()) data_ = std::move(copy);
    return status;
  }

  // A snapshot of everything stored, for assertions.
  Data Snapshot() {
    absl::MutexLock lock(&mu_);
    return data_;
  }
  TenantData TenantSnapshot(const std::string& tenant) {
    absl::MutexLock lock(&mu_);
    return data_.tenant_data[tenant];
  }

 private:
  struct TenantTx final : TenancyTransaction {
    TenantTx(Data& d, std::string t) : all(d), tenant(std::move(t)), data(d.tenant_data[tenant]) {}
    Data& all;
    std::string tenant;
    TenantData& data;

    absl::StatusOr<std::optional<TenantRecord>> GetOwnTenant() override {
      auto it = all.tenants.find(tenant);
      if (it == all.tenants.end()) return std::nullopt;
      return it->second;
    }
    absl::StatusOr<std::optional<SettingsRecord>> GetSettings() override { return data.settings; }
    absl::Status PutSettings(const SettingsRecord& r) override {
      data.settings = r;
      return absl::OkStatus();
    }
    absl::StatusOr<std::optional<ApiKeyRecord>> GetApiKey(const std::string& id) override {
      auto it = data.api_keys.find(id);
      if (it == data.api_keys.end()) return std::nullopt;
      return it->second;
    }
    absl::StatusOr<std::vector<ApiKeyRecord>> ListApiKeys() override {
      std::vector<ApiKeyRecord> out;
      for (const auto& [id, r] : data.api_keys) out.push_back(r);
      return out;
    }
    // Transactions here run one at a time.
    absl::Status LockApiKeysQuota() override { return absl::OkStatus(); }
    absl::Status LockRoleBindingsQuota() override { return absl::OkStatus(); }
    absl::Status HoldApiKey(const std::string&) override { return absl::OkStatus(); }
    absl::Status HoldSettings() override { return absl::OkStatus(); }
    absl::StatusOr<ApiKeyCount> CountApiKeys(absl::Time now) override {
      ApiKeyCount count;
      for (const auto& [id, key] : data.api_keys) {
        ++count.all;
        if (key.state == "ACTIVE" && (!key.expire_time || *key.expire_time > now)) {
          ++count.in_use;
        }
      }
      return count;
    }
    absl::StatusOr<int> CountRoleBindings() override {
      return static_cast<int>(data.role_bindings.size());
    }
    absl::Status InsertApiKey(const ApiKeyRecord& r) override {
      if (!data.api_keys.emplace(r.key_id, r).second) return absl::AlreadyExistsError(r.key_id);
      return absl::OkStatus();
    }
    absl::Status UpdateApiKey(const ApiKeyRecord& r) override {
      auto it = data.api_keys.find(r.key_id);
      if (it == data.api_keys.end()) return absl::NotFoundError(r.key_id);
      it->second = r;
      return absl::OkStatus();
    }
    absl::Status TouchApiKey(const std::string& id, absl::Time when) override {
      auto it = data.api_keys.find(id);
      if (it == data.api_keys.end()) return absl::NotFoundError(id);
      it->second.last_use_time = when;
      return absl::OkStatus();
    }
    absl::StatusOr<std::optional<RoleBindingRecord>> GetRoleBinding(
        const std::string& id) override {
      auto it = data.role_bindings.find(id);
      if (it == data.role_bindings.end()) return std::nullopt;
      return it->second;
    }
    absl::StatusOr<std::vector<RoleBindingRecord>> ListRoleBindings() override {
      std::vector<RoleBindingRecord> out;
      for (const auto& [id, r] : data.role_bindings) out.push_back(r);
      return out;
    }
    absl::Status InsertRoleBinding(const RoleBindingRecord& r) override {
      for (const auto& [id, other] : data.role_bindings) {
        if (other.principal == r.principal && other.resource == r.resource) {
          return absl::AlreadyExistsError(r.principal);
        }
      }
      if (!data.role_bindings.emplace(r.id, r).second) return absl::AlreadyExistsError(r.id);
      return absl::OkStatus();
    }
    absl::Status DeleteRoleBinding(const std::string& id) override {
      if (data.role_bindings.erase(id) == 0) return absl::NotFoundError(id);
      return absl::OkStatus();
    }
    absl::StatusOr<std::vector<RoleBindingRecord>> FindRoleBindings(
        const std::string& principal) override {
      std::vector<RoleBindingRecord> out;
      for (const auto& [id, r] : data.role_bindings) {
        if (r.principal == principal) out.push_back(r);
      }
      return out;
    }
    absl::Status AppendAudit(const AuditRecord& r) override {
      data.audit.push_back(r);
      return absl::OkStatus();
    }
    absl::StatusOr<std::vector<AuditRecord>> ListAudit(const AuditQuery& q) override {
      std::vector<AuditRecord> all = data.audit;
      std::sort(all.begin(), all.end(), [](const AuditRecord& a, const AuditRecord& b) {
        return std::tie(a.event_time, a.id) > std::tie(b.event_time, b.id);
      });
      std::vector<AuditRecord> out;
      for (const AuditRecord& r : all) {
        if (q.before && std::tie(r.event_time, r.id) >= std::tie(q.before->first, q.before->second))
          continue;
        if (r.event_time < q.start_time || r.event_time >= q.end_time) continue;
        if (!q.action.empty() && r.action != q.action) continue;
        if (!q.principal.empty() && r.principal != q.principal) continue;
        if (!q.method.empty() && r.method != q.method) continue;
        if (!q.resource.empty() && !(q.resource_is_prefix ? absl::StartsWith(r.resource, q.resource)
                                                          : r.resource == q.resource))
          continue;
        out.push_back(r);
        if (static_cast<int>(out.size()) == q.limit) break;
      }
      return out;
    }
    absl::StatusOr<std::optional<IdempotentReply>> FindReply(const std::string& id) override {
      auto it = data.replies.find(id);
      if (it == data.replies.end()) return std::nullopt;
      return it->second;
    }
    absl::Status RecordReply(const std::string& id, const IdempotentReply& reply) override {
      data.replies[id] = reply;
      return absl::OkStatus();
    }
  };

  struct OperatorTx final : OperatorTransaction {
    explicit OperatorTx(Data& d) : data(d) {}
    Data& data;

    absl::StatusOr<std::optional<TenantRecord>> GetTenant(const std::string& id) override {
      auto it = data.tenants.find(id);
      if (it == data.tenants.end()) return std::nullopt;
      return it->second;
    }
    absl::Status HoldTenant(const std::string&) override { return absl::OkStatus(); }
    absl::StatusOr<std::vector<TenantRecord>> ListTenants() override {
      std::vector<TenantRecord> out;
      for (const auto& [id, r] : data.tenants) out.push_back(r);
      return out;
    }
    absl::Status InsertTenant(const TenantRecord& r) override {
      if (!data.tenants.emplace(r.id, r).second) return absl::AlreadyExistsError(r.id);
      return absl::OkStatus();
    }
    absl::Status UpdateTenant(const TenantRecord& r) override {
      auto it = data.tenants.find(r.id);
      if (it == data.tenants.end()) return absl::NotFoundError(r.id);
      it->second = r;
      return absl::OkStatus();
    }
    absl::Status InsertInitialApiKey(const std::string& tenant, const ApiKeyRecord& r) override {
      if (!data.tenant_data[tenant].api_keys.emplace(r.key_id, r).second) {
        return absl::AlreadyExistsError(r.key_id);
      }
      return absl::OkStatus();
    }
    absl::Status AppendAudit(const std::string& tenant, const AuditRecord& r) override {
      data.tenant_data[tenant].audit.push_back(r);
      return absl::OkStatus();
    }
    absl::Status QueuePurge(const std::string& tenant, const std::vector<std::string>& holders,
                            absl::Duration delay) override {
      for (const std::string& h : holders) data.tenant_data[tenant].purges.emplace_back(h, delay);
      return absl::OkStatus();
    }
  };

  absl::Mutex mu_;
  Data data_ ABSL_GUARDED_BY(mu_);
};

}  // namespace lagom::questionnaire

#endif  // LAGOM_SERVICES_QUESTIONNAIRE_TENANCY_FAKE_TENANCY_STORE_H_
