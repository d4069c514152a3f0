// In-memory ScorecardStore and TenantSettingsSource for unit tests of the reporting core:
// per-tenant data, transactions that work on a copy kept only when they return OK, and the
// same orders and filters as the PostgreSQL store.
#ifndef LAGOM_SERVICES_REPORTING_CORE_FAKE_SCORECARD_STORE_H_
#define LAGOM_SERVICES_REPORTING_CORE_FAKE_SCORECARD_STORE_H_

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "services/reporting/core/reporting_core.h"
#include "services/reporting/core/scorecard_store.h"

namespace lagom::reporting {

class FakeScorecardStore final : public ScorecardStore {
 public:
  struct Stored {
    ScorecardRecord record;
    std::vector<AreaFigure> figures;
  };
  struct TenantData {
    std::map<std::string, Stored> scorecards;  // by id
    std::map<std::string, IdempotentReply> replies;
    std::optional<bool> opt_in;
    std::vector<OutboxEvent> outbox;
    bool purged = false;  // what purge_tenant() marks; nothing else of it stays then
  };

  absl::Status InTenant(const RequestContext& rc,
                        const std::function<absl::Status(ScorecardTransaction&)>& fn) override {
    if (rc.tenant_id.empty()) return absl::FailedPreconditionError("no tenant");
    absl::MutexLock lock(&mu_);
    std::map<std::string, TenantData> copy = data_;
    Tx tx(copy[rc.tenant_id]);
    absl::Status status = fn(tx);
    if (status.ok()) data_ = std::move(copy);
    return status;
  }

  // What purge_tenant() leaves of `tenant`: its mark.
  void Purge(const std::string& tenant) {
    absl::MutexLock lock(&mu_);
    data_[tenant] = TenantData{.purged = true};
  }

  // Latest figure per (area, opted-in tenant); this fake keeps every tenant's data, so it
  // answers like the database does for the operator.
  absl::StatusOr<std::vector<BenchmarkSample>> BenchmarkSamples(const std::string& caller,
                                                                const BenchmarkQuery& q) override {
    absl::MutexLock lock(&mu_);
    std::map<std::string, BenchmarkSample> by_area;
    for (const auto& [tenant, data] : data_) {
      if (!data.opt_in.value_or(false)) continue;
      std::map<std::string, std::pair<absl::Time, double>> latest;
      for (const auto& [id, s] : data.scorecards) {
        if (s.record.model != q.model || s.record.close_time < q.start_time) continue;
        if (tenant != caller &&
            (s.record.close_time >= q.snapshot_time || s.record.create_time >= q.snapshot_time)) {
          continue;
        }
        for (const AreaFigure& f : s.figures) {
          if (f.group_kind != q.group_kind || !f.score || !Asked(q, f.area_lineage_id)) continue;
          auto [it, added] = latest.try_emplace(f.area_lineage_id, s.record.close_time, *f.score);
          if (!added && it->second.first < s.record.close_time) {
            it->second = {s.record.close_time, *f.score};
          }
        }
      }
      for (const auto& [lineage, figure] : latest) {
        BenchmarkSample& sample = by_area[lineage];
        sample.area_lineage_id = lineage;
        if (tenant == caller) {
          sample.own_score = figure.second;
        } else {
          sample.peer_scores.push_back(figure.second);
        }
      }
    }
    std::vector<BenchmarkSample> out;
    for (auto& [lineage, sample] : by_area) out.push_back(std::move(sample));
    return out;
  }

  TenantData Snapshot(const std::string& tenant) {
    absl::MutexLock lock(&mu_);
    return data_[tenant];
  }
  void SetOptIn(const std::string& tenant, bool opt_in) {
    absl::MutexLock lock(&mu_);
    data_[tenant].opt_in = opt_in;
  }

 private:
  static bool Asked(const BenchmarkQuery& q, const std::string& lineage) {
    return q.area_lineage_ids.empty() ||
           std::find(q.area_lineage_ids.begin(), q.area_lineage_ids.end(), lineage) !=
               q.area_lineage_ids.end();
  }

  static bool Matches(const ScorecardFilter& f, const ScorecardRecord& r) {
    auto has = [](const std::vector<std::string>& names, const std::string& name) {
      return std::find(names.begin(), names.end(), name) != names.end();
    };
    return (!f.customer_organization || has(r.customer_organizations, *f.customer_organization)) &&
           (!f.service || has(r.services, *f.service)) && (!f.session || r.session == *f.session) &&
           (!f.model || r.model == *f.model) && (!f.start_time || r.close_time >= *f.start_time) &&
           (!f.end_time || r.close_time < *f.end_time);
  }

  static HistoryCursor KeyOf(const ScorecardRecord& r) { return {r.close_time, r.scorecard_id}; }

  struct Tx final : ScorecardTransaction {
    explicit Tx(TenantData& d) : data(d) {}
    TenantData& data;

    absl::StatusOr<std::pair<ScorecardRecord, bool>> InsertIfAbsent(
        const ScorecardRecord& r, const std::vector<AreaFigure>& figures) override {
      for (const auto& [id, s] : data.scorecards) {
        if (s.record.session == r.session) return std::make_pair(s.record, false);
      }
      data.scorecards[r.scorecard_id] = Stored{r, figures};
      return std::make_pair(r, true);
    }
    absl::StatusOr<std::optional<ScorecardRecord>> Get(const std::string& id) override {
      auto it = data.scorecards.find(id);
      if (it == data.scorecards.end()) return std::nullopt;
      return it->second.record;
    }
    std::vector<ScorecardRecord> Selected(const ScorecardFilter& f) {
      std::vector<ScorecardRecord> out;
      for (const auto& [id, s] : data.scorecards) {
        if (Matches(f, s.record)) out.push_back(s.record);
      }
      return out;
    }
    absl::StatusOr<std::vector<ScorecardRecord>> List(const HistoryPageQuery& q) override {
      std::vector<ScorecardRecord> all = Selected(q.filter);
      std::sort(all.begin(), all.end(), [&](const ScorecardRecord& a, const ScorecardRecord& b) {
        return q.newest_first ? KeyOf(a) > KeyOf(b) : KeyOf(a) < KeyOf(b);
      });
      std::vector<ScorecardRecord> out;
      int64_t before_previous = 0;  // bytes of the rows read before the last one read
      int64_t previous = 0;
      for (const ScorecardRecord& r : all) {
        if (q.after && (q.newest_first ? KeyOf(r) >= *q.after : KeyOf(r) <= *q.after)) continue;
        if (static_cast<int>(out.size()) == q.limit || before_previous >= q.max_bytes) break;
        out.push_back(r);
        (q.summary_only ? out.back().body : out.back().summary).clear();
        before_previous += previous;
        previous = static_cast<int64_t>((q.summary_only ? r.summary : r.body).size());
      }
      return out;
    }
    absl::StatusOr<int> Count(const ScorecardFilter& f) override {
      return static_cast<int>(Selected(f).size());
    }
    absl::StatusOr<std::vector<TrendRow>> Trend(const TrendQuery&) override {
      return absl::UnimplementedError("the fake has no trends: see the integration tests");
    }
    absl::StatusOr<std::vector<AreaFigure>> Figures(const std::string& id) override {
      auto it = data.scorecards.find(id);
      if (it == data.scorecards.end()) return std::vector<AreaFigure>{};
      return it->second.figures;
    }
    absl::StatusOr<bool> TenantPurged() override { return data.purged; }
    absl::Status AddOutboxEvent(const OutboxEvent& event) override {
      data.outbox.push_back(event);
      return absl::OkStatus();
    }
    absl::Status SetBenchmarkOptIn(bool opt_in, absl::Time) override {
      data.opt_in = opt_in;
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

// Opt-ins by tenant and catalogue entries by name; an unknown one's read fails, like an
// unreachable questionnaire.
class FakeTenantSettings final : public TenantSettingsSource {
 public:
  void Set(const std::string& tenant, bool opt_in) {
    absl::MutexLock lock(&mu_);
    opt_in_[tenant] = opt_in;
  }
  void SetService(CatalogEntry entry) {
    absl::MutexLock lock(&mu_);
    services_[entry.name] = std::move(entry);
  }
  absl::StatusOr<CatalogEntry> Service(const RequestContext&, const std::string& name) override {
    absl::MutexLock lock(&mu_);
    auto it = services_.find(name);
    if (it == services_.end()) return absl::NotFoundError(name);
    return it->second;
  }
  absl::StatusOr<bool> BenchmarkOptIn(const RequestContext& rc) override {
    absl::MutexLock lock(&mu_);
    auto it = opt_in_.find(rc.tenant_id);
    if (it == opt_in_.end()) return absl::UnavailableError("questionnaire unreachable");
    return it->second;
  }

 private:
  absl::Mutex mu_;
  std::map<std::string, bool> opt_in_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, CatalogEntry> services_ ABSL_GUARDED_BY(mu_);
};

}  // namespace lagom::reporting

#endif  // LAGOM_SERVICES_REPORTING_CORE_FAKE_SCORECARD_STORE_H_
