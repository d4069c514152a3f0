// In-memory SessionStore for unit tests of the session core: per-tenant data, and
// transactions that work on a copy kept only when they return OK.
#ifndef LAGOM_SERVICES_SESSION_CORE_FAKE_SESSION_STORE_H_
#define LAGOM_SERVICES_SESSION_CORE_FAKE_SESSION_STORE_H_

#include <algorithm>
#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "services/session/core/session_store.h"

namespace lagom::session {

class FakeSessionStore final : public SessionStore {
 public:
  struct TenantData {
    std::map<std::string, SessionRecord> sessions;
    std::map<std::string, IdempotentReply> replies;
  };

  absl::Status InTenant(const RequestContext& rc,
                        const std::function<absl::Status(SessionTransaction&)>& fn) override {
    if (rc.tenant_id.empty()) return absl::FailedPreconditionError("no tenant");
    absl::MutexLock lock(&mu_);
    std::map<std::string, TenantData> copy = data_;
    Tx tx(copy[rc.tenant_id]);
    absl::Status status = fn(tx);
    if (status.ok()) data_ = std::move(copy);
    return status;
  }

  // What is stored for `tenant`, for assertions.
  TenantData Snapshot(const std::string& tenant) {
    absl::MutexLock lock(&mu_);
    return data_[tenant];
  }

 private:
  struct Tx final : SessionTransaction {
    explicit Tx(TenantData& d) : data(d) {}
    TenantData& data;

    absl::StatusOr<std::optional<SessionRecord>> Get(const std::string& id) override {
      auto it = data.sessions.find(id);
      if (it == data.sessions.end()) return std::nullopt;
      return it->second;
    }
    bool Selected(const SessionRecord& r, const std::vector<std::string>& states) {
      return std::find(states.begin(), states.end(), r.state) != states.end();
    }
    absl::StatusOr<std::vector<SessionRecord>> List(const SessionPageQuery& q) override {
      std::vector<SessionRecord> all;
      for (const auto& [id, r] : data.sessions) {
        if (!Selected(r, q.states)) continue;
        if (q.after &&
            std::tie(r.create_time, r.session_id) >= std::tie(q.after->first, q.after->second)) {
          continue;
        }
        all.push_back(r);
      }
      std::sort(all.begin(), all.end(), [](const SessionRecord& a, const SessionRecord& b) {
        return std::tie(a.create_time, a.session_id) > std::tie(b.create_time, b.session_id);
      });
      if (static_cast<int>(all.size()) > q.limit) all.resize(q.limit);
      return all;
    }
    absl::StatusOr<int> Count(const std::vector<std::string>& states) override {
      return static_cast<int>(
          std::count_if(data.sessions.begin(), data.sessions.end(),
                        [&](const auto& entry) { return Selected(entry.second, states); }));
    }
    absl::Status Insert(const SessionRecord& r) override {
      if (!data.sessions.emplace(r.session_id, r).second) {
        return absl::AlreadyExistsError(r.session_id);
      }
      return absl::OkStatus();
    }
    absl::Status Update(const SessionRecord& r, int64_t expected_version) override {
      auto it = data.sessions.find(r.session_id);
      if (it == data.sessions.end()) return absl::NotFoundError(r.session_id);
      if (it->second.version != expected_version) return absl::AbortedError(r.session_id);
      it->second = r;
      return absl::OkStatus();
    }
    absl::Status Delete(const std::string& id) override {
      if (data.sessions.erase(id) == 0) return absl::NotFoundError(id);
      return absl::OkStatus();
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

  absl::Mutex mu_;
  std::map<std::string, TenantData> data_ ABSL_GUARDED_BY(mu_);
};

}  // namespace lagom::session

#endif  // LAGOM_SERVICES_SESSION_CORE_FAKE_SESSION_STORE_H_
