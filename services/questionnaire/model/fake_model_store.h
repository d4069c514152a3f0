// In-memory ModelStore for unit tests of the model core: per-tenant maps, and a transaction
// that works on a copy and is kept only when it returns OK.
#ifndef LAGOM_SERVICES_QUESTIONNAIRE_MODEL_FAKE_MODEL_STORE_H_
#define LAGOM_SERVICES_QUESTIONNAIRE_MODEL_FAKE_MODEL_STORE_H_

#include <algorithm>
#include <map>
#include <string>
#include <utility>

#include "absl/algorithm/container.h"
#include "absl/synchronization/mutex.h"
#include "services/questionnaire/model/model_store.h"

namespace lagom::questionnaire {

class FakeModelStore final : public ModelStore {
 public:
  struct TenantData {
    std::map<std::string, ModelRecord> models;
    std::map<std::pair<std::string, std::string>, ModelVersionRecord> versions;
    std::map<std::string, IdempotentReply> replies;
  };

  absl::Status InTransaction(const RequestContext& rc,
                             const std::function<absl::Status(ModelTransaction&)>& fn) override {
    absl::MutexLock lock(&mu_);
    Tx tx(tenants_[rc.tenant_id]);
    absl::Status status = fn(tx);
    if (status.ok()) tenants_[rc.tenant_id] = std::move(tx.data);
    return status;
  }

  // Models and versions the tenant holds, for "nothing was stored" checks.
  size_t ModelCount(const std::string& tenant) {
    absl::MutexLock lock(&mu_);
    return tenants_[tenant].models.size();
  }
  size_t VersionCount(const std::string& tenant) {
    absl::MutexLock lock(&mu_);
    return tenants_[tenant].versions.size();
  }
  // The stored body of a version ("" when missing).
  std::string VersionBody(const std::string& tenant, const std::string& model_id,
                          const std::string& id) {
    absl::MutexLock lock(&mu_);
    auto it = tenants_[tenant].versions.find({model_id, id});
    return it == tenants_[tenant].versions.end() ? "" : it->second.body;
  }

 private:
  struct Tx final : ModelTransaction {
    explicit Tx(TenantData copy) : data(std::move(copy)) {}
    TenantData data;

    absl::StatusOr<std::optional<ModelRecord>> GetModel(const std::string& id) override {
      auto it = data.models.find(id);
      if (it == data.models.end()) return std::nullopt;
      return it->second;
    }
    absl::StatusOr<std::vector<ModelRecord>> ListModels() override {
      std::vector<ModelRecord> out;
      for (const auto& [id, record] : data.models) out.push_back(record);
      return out;
    }
    absl::Status HoldModel(const std::string&) override { return absl::OkStatus(); }
    absl::StatusOr<int> CountModels() override { return static_cast<int>(data.models.size()); }
    // Transactions here run one at a time.
    absl::Status LockModelsQuota() override { return absl::OkStatus(); }
    absl::Status LockVersionsQuota(const std::string&) override { return absl::OkStatus(); }
    absl::Status InsertModel(const ModelRecord& record) override {
      if (!data.models.emplace(record.id, record).second) {
        return absl::AlreadyExistsError(record.id);
      }
      return absl::OkStatus();
    }
    absl::Status UpdateModel(const ModelRecord& record, int64_t expected_version) override {
      auto it = data.models.find(record.id);
      if (it == data.models.end()) return absl::NotFoundError(record.id);
      if (it->second.version != expected_version) return absl::AbortedError(record.id);
      it->second = record;
      return absl::OkStatus();
    }
    absl::Status DeleteModel(const std::string& id) override {
      if (data.models.erase(id) == 0) return absl::NotFoundError(id);
      std::erase_if(data.versions, [&](const auto& entry) { return entry.first.first == id; });
      return absl::OkStatus();
    }
    absl::StatusOr<std::optional<ModelVersionRecord>> GetVersion(const std::string& model_id,
                                                                 const std::string& id) override {
      auto it = data.versions.find({model_id, id});
      if (it == data.versions.end()) return std::nullopt;
      return it->second;
    }
    // Newest first.
    std::vector<ModelVersionRecord> AllVersions(const std::string& model_id) {
      std::vector<ModelVersionRecord> out;
      for (const auto& [key, record] : data.versions) {
        if (key.first == model_id) out.push_back(record);
      }
      std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.seq > b.seq; });
      return out;
    }
    absl::StatusOr<std::vector<ModelVersionRecord>> ListVersionsPage(const std::string& model_id,
                                                                     const VersionFilter& filter,
                                                                     int offset,
                                                                     int limit) override {
      auto holds = [](const std::string& value, const std::vector<std::string>& is,
                      const std::vector<std::string>& is_not) {
        return absl::c_all_of(is, [&](const std::string& v) { return v == value; }) &&
               absl::c_none_of(is_not, [&](const std::string& v) { return v == value; });
      };
      std::vector<ModelVersionRecord> out;
      for (ModelVersionRecord& r : AllVersions(model_id)) {
        if (!holds(r.state, filter.state_is, filter.state_is_not) ||
            !holds(r.content_hash, filter.content_hash_is, filter.content_hash_is_not)) {
          continue;
        }
        if (offset > 0) {
          --offset;
        } else if (static_cast<int>(out.size()) < limit) {
          out.push_back(std::move(r));
        }
      }
      return out;
    }
    absl::StatusOr<std::vector<VersionKey>> ListVersionKeys(const std::string& model_id) override {
      std::vector<VersionKey> out;
      for (const ModelVersionRecord& r : AllVersions(model_id)) {
        out.push_back(VersionKey{r.id, r.seq, r.state});
      }
      return out;
    }
    absl::Status InsertVersion(const ModelVersionRecord& record) override {
      if (!data.models.contains(record.model_id)) return absl::NotFoundError(record.model_id);
      if (!data.versions.emplace(std::make_pair(record.model_id, record.id), record).second) {
        return absl::AlreadyExistsError(record.id);
      }
      return absl::OkStatus();
    }
    absl::Status UpdateVersion(const ModelVersionRecord& record,
                               int64_t expected_version) override {
      auto it = data.versions.find({record.model_id, record.id});
      if (it == data.versions.end()) return absl::NotFoundError(record.id);
      if (it->second.version != expected_version) return absl::AbortedError(record.id);
      it->second = record;
      return absl::OkStatus();
    }
    absl::Status DeleteVersion(const std::string& model_id, const std::string& id) override {
      if (data.versions.erase({model_id, id}) == 0) return absl::NotFoundError(id);
      return absl::OkStatus();
    }
    absl::StatusOr<std::optional<IdempotentReply>> FindReply(
        const std::string& request_id) override {
      auto it = data.replies.find(request_id);
      if (it == data.replies.end()) return std::nullopt;
      return it->second;
    }
    absl::Status RecordReply(const std::string& request_id, const IdempotentReply& reply) override {
      data.replies[request_id] = reply;
      return absl::OkStatus();
    }
  };

  absl::Mutex mu_;
  std::map<std::string, TenantData> tenants_ ABSL_GUARDED_BY(mu_);
};

}  // namespace lagom::questionnaire

#endif  // LAGOM_SERVICES_QUESTIONNAIRE_MODEL_FAKE_MODEL_STORE_H_
