// In-memory CatalogStore for unit tests of the catalogue core: per-tenant maps, and a
// transaction that works on a copy and is kept only when it returns OK.
#ifndef LAGOM_SERVICES_QUESTIONNAIRE_CATALOG_FAKE_CATALOG_STORE_H_
#define LAGOM_SERVICES_QUESTIONNAIRE_CATALOG_FAKE_CATALOG_STORE_H_

#include <algorithm>
#include <map>
#include <string>
#include <utility>

#include "absl/synchronization/mutex.h"
#include "services/questionnaire/catalog/catalog_store.h"

namespace lagom::questionnaire {

class FakeCatalogStore final : public CatalogStore {
 public:
  struct TenantData {
    std::map<std::pair<CatalogKind, std::string>, CatalogRecord> records;
    std::map<std::string, IdempotentReply> replies;
  };

  absl::Status InTransaction(const RequestContext& rc,
                             const std::function<absl::Status(CatalogTransaction&)>& fn) override {
    absl::MutexLock lock(&mu_);
    Tx tx(tenants_[rc.tenant_id]);
    absl::Status status = fn(tx);
    if (status.ok()) tenants_[rc.tenant_id] = std::move(tx.data);
    return status;
  }

  // Number of records of every kind the tenant holds.
  size_t RecordCount(const std::string& tenant) {
    absl::MutexLock lock(&mu_);
    return tenants_[tenant].records.size();
  }

 private:
  struct Tx final : CatalogTransaction {
    explicit Tx(TenantData copy) : data(std::move(copy)) {}
    TenantData data;

    absl::StatusOr<std::optional<CatalogRecord>> Get(CatalogKind kind,
                                                     const std::string& id) override {
      auto it = data.records.find({kind, id});
      if (it == data.records.end()) return std::nullopt;
      return it->second;
    }
    absl::StatusOr<std::vector<CatalogRecord>> List(CatalogKind kind) override {
      std::vector<CatalogRecord> out;
      for (const auto& [key, record] : data.records) {
        if (key.first == kind) out.push_back(record);
      }
      return out;
    }
    absl::StatusOr<std::optional<std::string>> FindByExternalId(
        CatalogKind kind, const std::string& external_id) override {
      for (const auto& [key, record] : data.records) {
        if (key.first == kind && record.external_id == external_id) return record.id;
      }
      return std::nullopt;
    }
    absl::StatusOr<std::vector<std::string>> FindReferencing(CatalogKind kind,
                                                             const std::string& ref) override {
      std::vector<std::string> out;
      for (const auto& [key, record] : data.records) {
        if (key.first == kind &&
            std::find(record.refs.begin(), record.refs.end(), ref) != record.refs.end()) {
          out.push_back(record.id);
        }
      }
      return out;
    }
    absl::Status Hold(CatalogKind, const std::string&) override { return absl::OkStatus(); }
    absl::StatusOr<bool> Refer(CatalogKind kind, const std::string& id) override {
      if (id.empty()) return true;
      return data.records.count(std::make_pair(kind, id)) > 0;
    }
    absl::StatusOr<int> Count(CatalogKind kind) override {
      return static_cast<int>(std::count_if(data.records.begin(), data.records.end(),
                                            [&](const auto& r) { return r.first.first == kind; }));
    }
    // Transactions here run one at a time.
    absl::Status LockQuota(CatalogKind) override { return absl::OkStatus(); }
    absl::Status Insert(CatalogKind kind, const CatalogRecord& record) override {
      if (!data.records.emplace(std::make_pair(kind, record.id), record).second) {
        return absl::AlreadyExistsError(record.id);
      }
      return absl::OkStatus();
    }
    absl::Status Update(CatalogKind kind, const CatalogRecord& record) override {
      auto it = data.records.find({kind, record.id});
      if (it == data.records.end() || it->second.version != record.version - 1) {
        return ChangedMeanwhile(kind, record.id);
      }
      it->second = record;
      return absl::OkStatus();
    }
    absl::Status Delete(CatalogKind kind, const std::string& id) override {
      if (data.records.erase({kind, id}) == 0) return absl::NotFoundError(id);
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

#endif  // LAGOM_SERVICES_QUESTIONNAIRE_CATALOG_FAKE_CATALOG_STORE_H_
