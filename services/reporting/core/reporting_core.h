// Scorecard history: record (immutably, once per session), read, list, stream, trends,
// comparisons and the anonymous benchmark. No gRPC or storage types: requests and responses
// are the API messages, storage is a ScorecardStore, the tenant's benchmark opt-in comes from
// a TenantSettingsSource. Roles are enforced by the CallAdmitter before any of this runs; the
// core still validates input and scopes every read and write to rc.tenant_id.
//
// Benchmark participation rule. A tenant's TenantSettings.benchmark_opt_in (owned by the
// questionnaire process) is read over gRPC whenever the tenant records a scorecard or asks for
// a benchmark, and kept in reporting's own table as last seen. A tenant contributes its
// figures to benchmarks exactly while that last-seen value is true, and may read benchmarks
// only if its current value (read at that call) is true. So an opt-out takes effect for the
// tenant's own benchmark reads at once and for its contribution at its next recording or
// benchmark read; an opt-in, at the same moments.
#ifndef LAGOM_SERVICES_REPORTING_CORE_REPORTING_CORE_H_
#define LAGOM_SERVICES_REPORTING_CORE_REPORTING_CORE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "common/request_context.h"
#include "lagom/reporting/v1/reporting.pb.h"
#include "services/reporting/core/scorecard_store.h"

namespace lagom::reporting {

namespace api = ::lagom::reporting::v1;

// A page of ListScorecards stops before the scorecard that would take it past this many bytes,
// so that a client with gRPC's default receive limit (4 MiB) reads pages of ordinary
// scorecards; a page holds at least one scorecard, however large. StreamScorecards reads its
// pages the same way.
inline constexpr int64_t kMaxPageBytes = (4 << 20) - (64 << 10);

// The questionnaire process's tenant settings and catalogue, as far as reporting needs them.
class TenantSettingsSource {
 public:
  virtual ~TenantSettingsSource() = default;
  // rc's tenant's TenantSettings.benchmark_opt_in now; an error when it cannot be read.
  virtual absl::StatusOr<bool> BenchmarkOptIn(const RequestContext& rc) = 0;
  // The catalogue entry `name` (`tenants/{t}/services/{s}`) of rc's tenant: what webhook
  // events tell an ITSM platform about the service (core/webhook_events.h).
  virtual absl::StatusOr<CatalogEntry> Service(const RequestContext& rc,
                                               const std::string& name) = 0;
};

// A validated StreamScorecards request: the store query of its first page.
struct StreamPlan {
  ScorecardFilter filter;
};

// One page of a stream, oldest first; `next` is where the following page starts (unset on
// the last page).
struct StreamPage {
  std::vector<sapi::Scorecard> scorecards;
  std::optional<HistoryCursor> next;
};

class ReportingCore final {
 public:
  using Clock = std::function<absl::Time()>;
  ReportingCore(ScorecardStore& store, TenantSettingsSource& settings, Clock clock = absl::Now)
      : store_(store), settings_(settings), clock_(std::move(clock)) {}

  // Scorecard names are `tenants/{t}/scorecards/{session id}-{6 random [a-z0-9]}` (the session
  // part cut to fit 63 characters): readable, since the name says which session was scored,
  // and unique without coordination. The unique key is the session, so a second recording of
  // a session returns the first scorecard unchanged whatever name it would have got.
  absl::Status RecordScorecard(const RequestContext& rc, const api::RecordScorecardRequest& req,
                               api::RecordScorecardResponse* resp);
  absl::Status GetScorecard(const RequestContext& rc, const api::GetScorecardRequest& req,
                            api::GetScorecardResponse* resp);
  // Newest session close time first; page tokens are bound to the parent, selector and
  // summary_only they were issued for.
  absl::Status ListScorecards(const RequestContext& rc, const api::ListScorecardsRequest& req,
                              api::ListScorecardsResponse* resp);
  // StreamScorecards in pages, oldest first: the checked request, then each page from a
  // cursor (nullopt: the first).
  absl::StatusOr<StreamPlan> PlanStream(const RequestContext& rc,
                                        const api::StreamScorecardsRequest& req);
  absl::StatusOr<StreamPage> ReadStreamPage(const RequestContext& rc, const StreamPlan& plan,
                                            const std::optional<HistoryCursor>& after,
                                            int page_size);
  absl::Status GetTrend(const RequestContext& rc, const api::GetTrendRequest& req,
                        api::GetTrendResponse* resp);
  absl::Status CompareScorecards(const RequestContext& rc, const api::CompareScorecardsRequest& req,
                                 api::CompareScorecardsResponse* resp);
  // A caller whose tenant has not opted in is refused with FAILED_PRECONDITION
  // (BENCHMARK_OPT_IN_REQUIRED): its role may read benchmarks, what is missing is a setting of
  // the tenant that an admin can change, not a permission of the caller.
  absl::Status GetBenchmark(const RequestContext& rc, const api::GetBenchmarkRequest& req,
                            api::GetBenchmarkResponse* resp);

 private:
  ScorecardStore& store_;
  TenantSettingsSource& settings_;
  Clock clock_;
};

}  // namespace lagom::reporting

#endif  // LAGOM_SERVICES_REPORTING_CORE_REPORTING_CORE_H_
