// What the reporting core needs from storage: the tenant's scorecard history (each scorecard
// stored whole beside the columns queries need, plus one row of figures per area and group so
// trends and comparisons never parse stored scorecards), the replies kept for idempotent
// retries, the tenant's benchmark opt-in as last seen, and one cross-tenant query: the
// benchmark samples. The PostgreSQL adapter is store/pg_scorecard_store; unit tests use
// core/fake_scorecard_store.h.
#ifndef LAGOM_SERVICES_REPORTING_CORE_SCORECARD_STORE_H_
#define LAGOM_SERVICES_REPORTING_CORE_SCORECARD_STORE_H_

#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/request_context.h"
#include "common/resource_util.h"
#include "lagom/scoring/v1/scorecard.pb.h"
#include "lagom/type/v1/assessment.pb.h"

namespace lagom::reporting {

namespace sapi = ::lagom::scoring::v1;
namespace tapi = ::lagom::type::v1;

// One recorded scorecard. Stored once, never changed.
struct ScorecardRecord {
  std::string scorecard_id;
  std::string session;  // `tenants/{t}/sessions/{s}`; one scorecard per session
  std::string model;    // the model of model_version: `models/{m}` or `tenants/{t}/models/{m}`
  std::string model_version;  // also inside body
  std::string content_hash;   // also inside body
  absl::Time close_time;      // session close time: history is ordered by it
  std::optional<absl::Time> score_time;
  absl::Time create_time;
  std::vector<std::string> services;
  std::vector<std::string> customer_organizations;
  std::string summary;  // serialized lagom.scoring.v1.Scorecard without figures, for listings
  std::string body;     // serialized lagom.scoring.v1.Scorecard, with name and create_time
};

// The indexed figures of one area (by lineage) for one group in one scorecard.
struct AreaFigure {
  std::string area_lineage_id;
  std::string area_id;
  int position = 0;  // order of the area in its scorecard
  tapi::ResponseGroupKind group_kind = tapi::RESPONSE_GROUP_KIND_UNSPECIFIED;
  std::string customer_organization;    // set only for RESPONSE_GROUP_KIND_CUSTOMER_ORGANIZATION
  std::optional<double> score;          // AreaScore.score
  bool low_confidence = false;          // AreaScore.low_confidence
  std::optional<double> gap_to_target;  // AreaGoodEnough.gap_to_target
  sapi::GoodEnoughStatus status = sapi::GOOD_ENOUGH_STATUS_UNSPECIFIED;
  std::optional<double> perception_gap;  // area PerceptionGap vs this customer group
  bool perception_gap_low_confidence = false;
};

// Which scorecards a query covers (a validated ScorecardSelector). Unset fields do not
// restrict.
struct ScorecardFilter {
  std::optional<std::string> customer_organization;
  std::optional<std::string> service;
  std::optional<std::string> session;
  std::optional<std::string> model;
  std::optional<absl::Time> start_time;  // close_time >= start_time
  std::optional<absl::Time> end_time;    // close_time < end_time
};

// Where a page of history starts: strictly after this (close_time, scorecard_id) in the
// page's order.
using HistoryCursor = std::pair<absl::Time, std::string>;

struct HistoryPageQuery {
  ScorecardFilter filter;
  bool newest_first = true;  // (close_time, scorecard_id) descending; else ascending
  std::optional<HistoryCursor> after;
  int limit = 20;
  // Fill ScorecardRecord::summary and leave body empty (listings); else the other way round.
  bool summary_only = false;
  // Besides `limit`: a row is read only while the rows read before the one before it hold
  // fewer than this many bytes of the column read. A page that keeps rows up to this many
  // bytes (at least one) so always has the row after its last, when there is one, to tell that
  // more follow; and what is read stays near this size however large the scorecards.
  int64_t max_bytes = std::numeric_limits<int64_t>::max();
};

// Which figure a trend follows; the store reads the matching column.
enum class TrendValue { kAreaScore, kGapToTarget, kPerceptionGap };

struct TrendQuery {
  ScorecardFilter filter;
  TrendValue value = TrendValue::kAreaScore;
  tapi::ResponseGroupKind group_kind = tapi::RESPONSE_GROUP_KIND_ALL_CUSTOMERS;
  std::string customer_organization;
  std::vector<std::string> area_lineage_ids;  // empty: every area with such figures
  int max_points = 20;                        // most recent points per area
};

// One point of a trend, as stored.
struct TrendRow {
  std::string area_lineage_id;
  std::string area_id;
  std::string scorecard_id;
  absl::Time close_time;
  std::string model_version;
  double value = 0;
  bool low_confidence = false;
};

struct BenchmarkQuery {
  std::string model;
  tapi::ResponseGroupKind group_kind = tapi::RESPONSE_GROUP_KIND_ALL_CUSTOMERS;
  std::vector<std::string> area_lineage_ids;  // empty: every area
  absl::Time start_time;                      // scorecards closed at or after this
  absl::Time snapshot_time;  // peers' scorecards closed and recorded before this; the caller's
                             // at any time
};

// One area's scores across the contributing tenants, with no tenant named: one score per
// peer (each opted-in tenant besides the caller, its latest scorecard closed in
// [start_time, snapshot_time) and recorded before snapshot_time), and the caller's own latest
// since start_time apart.
struct BenchmarkSample {
  std::string area_lineage_id;
  std::vector<double> peer_scores;
  std::optional<double> own_score;
};

// A service of the tenant's catalogue, as webhook events name it to ITSM platforms.
struct CatalogEntry {
  std::string name;          // tenants/{t}/services/{s}
  std::string display_name;  // "Service desk"
  std::string external_id;   // the ITSM platform's id from a catalogue import, e.g. a sys_id
};

// A webhook event for the outbox (core/webhook_events.h), handed to the questionnaire service
// by the outbox relay.
struct OutboxEvent {
  std::string topic;  // "scorecard.ready", "improvement.proposed"
  std::string scorecard_id;
  std::string payload;  // a serialized lagom.auth.v1.PublishWebhookEventRequest
};

// Scoped to the transaction's tenant.
class ScorecardTransaction {
 public:
  virtual ~ScorecardTransaction() = default;

  // Whether the tenant's data was purged (it was deleted): nothing may be stored for it
  // again. Until the transaction ends, a purge of the tenant waits for it.
  virtual absl::StatusOr<bool> TenantPurged() = 0;

  // Stores `record` and its figures unless the tenant already has a scorecard for
  // record.session; either way returns the stored record (body filled) and whether it is new.
  // Concurrent calls for one session store one.
  virtual absl::StatusOr<std::pair<ScorecardRecord, bool>> InsertIfAbsent(
      const ScorecardRecord& record, const std::vector<AreaFigure>& figures) = 0;
  // body filled, summary empty.
  virtual absl::StatusOr<std::optional<ScorecardRecord>> Get(const std::string& scorecard_id) = 0;
  virtual absl::StatusOr<std::vector<ScorecardRecord>> List(const HistoryPageQuery& query) = 0;
  virtual absl::StatusOr<int> Count(const ScorecardFilter& filter) = 0;
  // Ordered by the query's area order (area_lineage_ids as given, else by lineage id), then
  // oldest first.
  virtual absl::StatusOr<std::vector<TrendRow>> Trend(const TrendQuery& query) = 0;
  // In scorecard order (AreaFigure::position), then group.
  virtual absl::StatusOr<std::vector<AreaFigure>> Figures(const std::string& scorecard_id) = 0;

  // Appends to the tenant's outbox, for the webhooks consumer.
  virtual absl::Status AddOutboxEvent(const OutboxEvent& event) = 0;

  // The tenant's TenantSettings.benchmark_opt_in as read at `seen_time`.
  virtual absl::Status SetBenchmarkOptIn(bool opt_in, absl::Time seen_time) = 0;

  virtual absl::StatusOr<std::optional<IdempotentReply>> FindReply(
      const std::string& request_id) = 0;
  virtual absl::Status RecordReply(const std::string& request_id, const IdempotentReply& reply) = 0;
};

class ScorecardStore {
 public:
  virtual ~ScorecardStore() = default;
  // Runs fn in one transaction of rc's tenant: committed when fn returns OK, else rolled back.
  // An empty rc.tenant_id is FAILED_PRECONDITION.
  virtual absl::Status InTenant(const RequestContext& rc,
                                const std::function<absl::Status(ScorecardTransaction&)>& fn) = 0;

  // Across tenants, so outside any one tenant's transaction: the scores of the tenants whose
  // benchmark opt-in is true as last seen, each tenant's latest figure per area of `query`'s
  // model and group kind (customer-organisation figures never take part). Tenants stay
  // anonymous: only `caller_tenant`'s own score is marked.
  virtual absl::StatusOr<std::vector<BenchmarkSample>> BenchmarkSamples(
      const std::string& caller_tenant, const BenchmarkQuery& query) = 0;
};

}  // namespace lagom::reporting

#endif  // LAGOM_SERVICES_REPORTING_CORE_SCORECARD_STORE_H_
