#include "services/reporting/core/reporting_core.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <tuple>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "common/log.h"
#include "common/resource_util.h"
#include "common/status.h"
#include "services/reporting/core/figures.h"
#include "services/reporting/core/requests.h"
#include "services/reporting/core/webhook_events.h"

namespace lagom::reporting {
namespace {

constexpr int kDefaultPageSize = 20;
constexpr int kMaxPageSize = 100;
constexpr int kDefaultMaxPoints = 20;
constexpr int kMaxPoints = 100;
constexpr int kMaxAreaIds = 100;
constexpr size_t kMaxAreaIdLength = 200;
constexpr int kBenchmarkDefaultMonths = 24;

// ---- RecordScorecard: validation --------------------------------------------------------

bool IsScore(double x) { return std::isfinite(x) && x >= 0 && x <= 1; }

void CheckNames(const RequestContext& rc,
                const google::protobuf::RepeatedPtrField<std::string>& names,
                absl::string_view collection, const std::string& path, Violations& v) {
  for (int i = 0; i < names.size(); ++i) {
    if (!TenantChildId(rc, names[i], collection)) {
      v.Add(absl::StrCat(path, "[", i, "]"),
            absl::StrCat("'", names[i], "' is not a name like tenants/", rc.tenant_id, "/",
                         collection, "/{id}"));
    }
  }
}

// The indexed parts of a figure list: area id, group, no figure twice.
template <typename Figure>
void CheckAreaFigures(const RequestContext& rc,
                      const google::protobuf::RepeatedPtrField<Figure>& figures,
                      const std::string& path, Violations& v) {
  std::set<std::tuple<std::string, int, std::string>> seen;
  for (int i = 0; i < figures.size(); ++i) {
    const Figure& f = figures[i];
    const std::string at = absl::StrCat(path, "[", i, "]");
    if (f.area_id().empty()) v.Add(at + ".area_id", "required");
    CheckGroup(rc, f.group(), at + ".group", v);
    if (!seen.emplace(f.area_id(), f.group().kind(), f.group().customer_organization()).second) {
      v.Add(at, absl::StrCat("area '", f.area_id(), "' has this group twice"));
    }
  }
}

// Figures are kept by lineage (an area without one is its own): two areas of one lineage
// would overwrite each other's figures in trends, comparisons and benchmarks.
template <typename Figure>
void CheckLineages(const google::protobuf::RepeatedPtrField<Figure>& figures,
                   const std::string& path,
                   absl::flat_hash_map<std::string, std::string>& area_of_lineage, Violations& v) {
  for (int i = 0; i < figures.size(); ++i) {
    const Figure& f = figures[i];
    const std::string& lineage = f.lineage_id().empty() ? f.area_id() : f.lineage_id();
    auto [it, added] = area_of_lineage.try_emplace(lineage, f.area_id());
    if (!added && it->second != f.area_id()) {
      v.Add(absl::StrCat(path, "[", i, "].lineage_id"),
            absl::StrCat("areas '", it->second, "' and '", f.area_id(), "' have one lineage '",
                         lineage, "'; each area's lineage is its own"));
    }
  }
}

void CheckAreaScores(const RequestContext& rc, const sapi::Scorecard& s, Violations& v) {
  absl::flat_hash_map<std::string, std::string> area_of_lineage;
  CheckLineages(s.area_scores(), "scorecard.area_scores", area_of_lineage, v);
  CheckLineages(s.good_enough(), "scorecard.good_enough", area_of_lineage, v);
  CheckAreaFigures(rc, s.area_scores(), "scorecard.area_scores", v);
  for (int i = 0; i < s.area_scores_size(); ++i) {
    if (!IsScore(s.area_scores(i).score())) {
      v.Add(absl::StrCat("scorecard.area_scores[", i, "].score"), "must be between 0 and 1");
    }
  }
  CheckAreaFigures(rc, s.good_enough(), "scorecard.good_enough", v);
  for (int i = 0; i < s.good_enough_size(); ++i) {
    if (!std::isfinite(s.good_enough(i).gap_to_target())) {
      v.Add(absl::StrCat("scorecard.good_enough[", i, "].gap_to_target"), "must be a number");
    }
  }
}

void CheckAreaGaps(const RequestContext& rc, const sapi::Scorecard& s, Violations& v) {
  for (int i = 0; i < s.perception_gaps_size(); ++i) {
    const sapi::PerceptionGap& gap = s.perception_gaps(i);
    if (gap.subject_kind() != sapi::GAP_SUBJECT_KIND_AREA) continue;
    const std::string at = absl::StrCat("scorecard.perception_gaps[", i, "]");
    if (gap.subject_id().empty() && gap.area_id().empty()) v.Add(at + ".area_id", "required");
    CheckGroup(rc, gap.customer_group(), at + ".customer_group", v);
    if (gap.customer_group().kind() == tapi::RESPONSE_GROUP_KIND_PROVIDER) {
      v.Add(at + ".customer_group.kind", "a perception gap compares the provider with customers");
    }
    if (!std::isfinite(gap.gap())) v.Add(at + ".gap", "must be a number");
  }
}

void CheckScorecard(const RequestContext& rc, const api::RecordScorecardRequest& req,
                    Violations& v) {
  if (!req.has_scorecard()) {
    v.Add("scorecard", "required");
    return;
  }
  const sapi::Scorecard& s = req.scorecard();
  if (s.preview()) v.Add("scorecard.preview", "a preview of an OPEN session is never recorded");
  if (s.session().empty()) {
    v.Add("scorecard.session", "required: the session that was scored");
  } else if (!TenantChildId(rc, s.session(), "sessions")) {
    v.Add("scorecard.session",
          absl::StrCat("'", s.session(), "' is not a session of ", req.parent(), " (tenants/",
                       rc.tenant_id, "/sessions/{session})"));
  }
  if (s.model_version().empty()) {
    v.Add("scorecard.model_version", "required");
  } else if (!ModelOfVersion(rc, s.model_version())) {
    v.Add("scorecard.model_version",
          absl::StrCat("'", s.model_version(), "' is not a model version name like models/{model}",
                       "/versions/{version} or tenants/", rc.tenant_id,
                       "/models/{model}/versions/{version}"));
  }
  if (!s.has_session_close_time()) {
    v.Add("scorecard.session_close_time", "required");
  } else {
    CheckTimestamp(v, "scorecard.session_close_time", s.session_close_time());
  }
  if (s.has_score_time()) CheckTimestamp(v, "scorecard.score_time", s.score_time());
  CheckText(v, "scorecard.title", s.title(), 200, false);
  CheckNames(rc, s.services(), "services", "scorecard.services", v);
  CheckNames(rc, s.customer_organizations(), "customerOrganizations",
             "scorecard.customer_organizations", v);
  CheckAreaScores(rc, s, v);
  CheckAreaGaps(rc, s, v);
}

// ---- RecordScorecard: what is stored ----------------------------------------------------

// The listing form: who, what and when, no figures.
sapi::Scorecard SummaryOf(const sapi::Scorecard& full) {
  sapi::Scorecard s = full;
  s.clear_item_scores();
  s.clear_area_scores();
  s.clear_perception_gaps();
  s.clear_servqual_gaps();
  s.clear_good_enough();
  s.clear_improvements();
  s.clear_coverage();
  return s;
}

ScorecardRecord NewRecord(const RequestContext& rc, const sapi::Scorecard& in, absl::Time now) {
  const std::string session_id = *TenantChildId(rc, in.session(), "sessions");
  ScorecardRecord r;
  r.scorecard_id = NewScorecardId(session_id);
  sapi::Scorecard stored = in;
  stored.set_name(ScorecardName(rc.tenant_id, r.scorecard_id));
  *stored.mutable_create_time() = ToProto(now);
  r.session = in.session();
  r.model = *ModelOfVersion(rc, in.model_version());
  r.model_version = in.model_version();
  r.content_hash = in.model_content_hash();
  r.close_time = FromProto(in.session_close_time());
  if (in.has_score_time()) r.score_time = FromProto(in.score_time());
  r.create_time = now;
  r.services.assign(in.services().begin(), in.services().end());
  r.customer_organizations.assign(in.customer_organizations().begin(),
                                  in.customer_organizations().end());
  r.summary = SummaryOf(stored).SerializeAsString();
  r.body = stored.SerializeAsString();
  return r;
}

absl::Status ParseScorecard(const std::string& bytes, const std::string& id, sapi::Scorecard* out) {
  if (!out->ParseFromString(bytes)) {
    return absl::DataLossError(absl::StrCat("stored scorecard ", id, " is unreadable"));
  }
  return absl::OkStatus();
}

// ---- Shared checks ----------------------------------------------------------------------

void CheckAreaIds(const google::protobuf::RepeatedPtrField<std::string>& ids, Violations& v) {
  if (ids.size() > kMaxAreaIds) v.Add("area_lineage_ids", "at most 100 areas");
  std::set<absl::string_view> seen;
  for (int i = 0; i < ids.size(); ++i) {
    const std::string at = absl::StrCat("area_lineage_ids[", i, "]");
    if (ids[i].empty() || ids[i].size() > kMaxAreaIdLength) {
      v.Add(at, "1-200 characters");
    } else if (!seen.insert(ids[i]).second) {
      v.Add(at, absl::StrCat("'", ids[i], "' is listed twice"));
    }
  }
}

// 0 → `fallback`, above `max` → `max` (AIP-158 coerces), negative → a violation.
int Bounded(int value, int fallback, int max, const std::string& field, Violations& v) {
  if (value < 0) v.Add(field, "must not be negative");
  if (value <= 0) return fallback;
  return std::min(value, max);
}

// ---- GetTrend ---------------------------------------------------------------------------

std::optional<TrendValue> TrendValueOf(api::TrendMetric metric) {
  switch (metric) {
    case api::TREND_METRIC_AREA_SCORE:
      return TrendValue::kAreaScore;
    case api::TREND_METRIC_GAP_TO_TARGET:
      return TrendValue::kGapToTarget;
    case api::TREND_METRIC_PERCEPTION_GAP:
      return TrendValue::kPerceptionGap;
    default:
      return std::nullopt;
  }
}

// An empty group (no kind, no organisation) is the default: REST clients send `{}`.
tapi::ResponseGroup TrendGroup(const RequestContext& rc, const api::GetTrendRequest& req,
                               Violations& v) {
  tapi::ResponseGroup group = req.group();
  if (group.kind() == tapi::RESPONSE_GROUP_KIND_UNSPECIFIED &&
      group.customer_organization().empty()) {
    group.set_kind(tapi::RESPONSE_GROUP_KIND_ALL_CUSTOMERS);
  }
  CheckGroup(rc, group, "group", v);
  if (req.metric() == api::TREND_METRIC_PERCEPTION_GAP &&
      group.kind() == tapi::RESPONSE_GROUP_KIND_PROVIDER) {
    v.Add("group.kind",
          "PERCEPTION_GAP compares the provider with a customer group: ALL_CUSTOMERS or "
          "CUSTOMER_ORGANIZATION");
  }
  return group;
}

absl::StatusOr<TrendQuery> TrendQueryOf(const RequestContext& rc, const api::GetTrendRequest& req) {
  Violations v;
  if (absl::Status s = CheckParent(rc, req.parent(), v); !s.ok()) return s;
  TrendQuery q;
  std::optional<TrendValue> value = TrendValueOf(req.metric());
  if (!value) v.Add("metric", "required: AREA_SCORE, GAP_TO_TARGET or PERCEPTION_GAP");
  q.value = value.value_or(TrendValue::kAreaScore);
  tapi::ResponseGroup group = TrendGroup(rc, req, v);
  q.group_kind = group.kind();
  q.customer_organization = group.customer_organization();
  CheckAreaIds(req.area_lineage_ids(), v);
  q.area_lineage_ids.assign(req.area_lineage_ids().begin(), req.area_lineage_ids().end());
  q.max_points = Bounded(req.max_points(), kDefaultMaxPoints, kMaxPoints, "max_points", v);
  q.filter = FilterOf(rc, req.selector(), "selector", v);
  if (!v.empty()) return std::move(v).ToStatus("invalid trend request");
  return q;
}

void AddSeries(const RequestContext& rc, const std::string& lineage,
               const std::vector<const TrendRow*>& rows, api::GetTrendResponse* resp) {
  api::TrendSeries* series = resp->add_series();
  series->set_area_lineage_id(lineage);
  if (!rows.empty()) series->set_area_id(rows.back()->area_id);  // the most recent
  for (const TrendRow* row : rows) {
    api::TrendPoint* p = series->add_points();
    p->set_scorecard(ScorecardName(rc.tenant_id, row->scorecard_id));
    *p->mutable_time() = ToProto(row->close_time);
    p->set_value(row->value);
    p->set_model_version(row->model_version);
    p->set_low_confidence(row->low_confidence);
  }
}

// ---- CompareScorecards ------------------------------------------------------------------

std::vector<tapi::ResponseGroup> ComparedGroups(const RequestContext& rc,
                                                const api::CompareScorecardsRequest& req,
                                                Violations& v) {
  std::vector<tapi::ResponseGroup> groups(req.groups().begin(), req.groups().end());
  if (groups.empty()) {
    groups.resize(2);
    groups[0].set_kind(tapi::RESPONSE_GROUP_KIND_PROVIDER);
    groups[1].set_kind(tapi::RESPONSE_GROUP_KIND_ALL_CUSTOMERS);
  }
  std::set<std::pair<int, std::string>> seen;
  for (size_t i = 0; i < groups.size(); ++i) {
    const std::string at = absl::StrCat("groups[", i, "]");
    CheckGroup(rc, groups[i], at, v);
    if (!seen.emplace(groups[i].kind(), groups[i].customer_organization()).second) {
      v.Add(at, "listed twice");
    }
  }
  return groups;
}

// The stored scorecard `id` (named `name` in errors) and its figures.
absl::StatusOr<std::pair<ScorecardRecord, std::vector<AreaFigure>>> LoadFigures(
    ScorecardTransaction& tx, const std::string& name, const std::string& id) {
  absl::StatusOr<std::optional<ScorecardRecord>> record = tx.Get(id);
  if (!record.ok()) return record.status();
  if (!record->has_value()) return ScorecardNotFound(name);
  absl::StatusOr<std::vector<AreaFigure>> figures = tx.Figures(id);
  if (!figures.ok()) return figures.status();
  return std::make_pair(**std::move(record), *std::move(figures));
}

// ---- GetBenchmark -----------------------------------------------------------------------

absl::Time MonthsBefore(absl::Time t, int months) {
  const absl::CivilSecond now = absl::ToCivilSecond(t, absl::UTCTimeZone());
  const absl::CivilSecond then(now.year(), now.month() - months, now.day(), now.hour(),
                               now.minute(), now.second());
  return absl::FromCivil(then, absl::UTCTimeZone());
}

absl::StatusOr<BenchmarkQuery> BenchmarkQueryOf(const RequestContext& rc,
                                                const api::GetBenchmarkRequest& req,
                                                absl::Time now) {
  Violations v;
  if (absl::Status s = CheckParent(rc, req.parent(), v); !s.ok()) return s;
  BenchmarkQuery q;
  if (req.model().empty()) {
    v.Add("model", "required, e.g. models/lagom-itsm");
  } else if (!IsModelName(rc, req.model())) {
    v.Add("model", absl::StrCat("'", req.model(), "' is not a model name like models/{model} or ",
                                "tenants/", rc.tenant_id, "/models/{model}"));
  }
  q.model = req.model();
  switch (req.group_kind()) {
    case tapi::RESPONSE_GROUP_KIND_UNSPECIFIED:
      q.group_kind = tapi::RESPONSE_GROUP_KIND_ALL_CUSTOMERS;
      break;
    case tapi::RESPONSE_GROUP_KIND_PROVIDER:
    case tapi::RESPONSE_GROUP_KIND_ALL_CUSTOMERS:
      q.group_kind = req.group_kind();
      break;
    default:
      v.Add("group_kind",
            "PROVIDER or ALL_CUSTOMERS: customer organisations are not comparable across tenants");
  }
  CheckAreaIds(req.area_lineage_ids(), v);
  q.area_lineage_ids.assign(req.area_lineage_ids().begin(), req.area_lineage_ids().end());
  absl::Time start = MonthsBefore(now, kBenchmarkDefaultMonths);
  if (req.has_start_time() && CheckTimestamp(v, "start_time", req.start_time())) {
    start = FromProto(req.start_time());
  }
  // Whole months, so that moving the start time dates no peer's latest scorecard more
  // closely than its month.
  q.start_time =
      absl::FromCivil(absl::ToCivilMonth(start, absl::UTCTimeZone()), absl::UTCTimeZone());
  q.snapshot_time =
      absl::FromCivil(absl::ToCivilDay(now, absl::UTCTimeZone()), absl::UTCTimeZone());
  if (!v.empty()) return std::move(v).ToStatus("invalid benchmark request");
  return q;
}

absl::Status OptInRequired(const RequestContext& rc) {
  return Error(absl::StatusCode::kFailedPrecondition, "BENCHMARK_OPT_IN_REQUIRED",
               absl::StrCat("tenant ", rc.tenant_id,
                            " does not contribute to benchmarks, and only contributors may read "
                            "them: a TENANT_ADMIN can set benchmark_opt_in in tenants/",
                            rc.tenant_id, "/settings"));
}

// How many of `records` (read by a HistoryPageQuery asking one row more than `asked`, with
// max_bytes kMaxPageBytes) a page keeps: at most `asked`, and no more than kMaxPageBytes of
// summaries or bodies unless the first alone is larger.
size_t PageLength(const std::vector<ScorecardRecord>& records, int asked, bool summary) {
  size_t kept = 0;
  int64_t bytes = 0;
  for (const ScorecardRecord& r : records) {
    const auto size = static_cast<int64_t>((summary ? r.summary : r.body).size());
    if (static_cast<int>(kept) == asked || (kept > 0 && bytes + size > kMaxPageBytes)) break;
    bytes += size;
    ++kept;
  }
  return kept;
}

}  // namespace

absl::Status ReportingCore::RecordScorecard(const RequestContext& rc,
                                            const api::RecordScorecardRequest& req,
                                            api::RecordScorecardResponse* resp) {
  Violations v;
  if (absl::Status s = CheckParent(rc, req.parent(), v); !s.ok()) return s;
  CheckScorecard(rc, req, v);
  CheckRequestId(v, req.request_id());
  if (!v.empty()) return std::move(v).ToStatus("invalid scorecard");

  const absl::Time now = clock_();
  const ScorecardRecord record = NewRecord(rc, req.scorecard(), now);
  const std::vector<AreaFigure> figures = AreaFiguresOf(req.scorecard());
  // Read before the transaction: no connection is held across an RPC. A failure only leaves
  // the last-seen value in place; the scorecard is recorded all the same.
  const absl::StatusOr<bool> opt_in = settings_.BenchmarkOptIn(rc);
  if (!opt_in.ok()) {
    LogWarn("benchmark opt-in not refreshed",
            {{"tenant", rc.tenant_id}, {"error", opt_in.status().ToString()}});
  }
  // The scope's only service, for the webhook events an ITSM platform opens records from; a
  // failed read leaves its display name and external id out of them, nothing more.
  std::optional<CatalogEntry> service;
  if (req.scorecard().services_size() == 1) {
    absl::StatusOr<CatalogEntry> entry = settings_.Service(rc, req.scorecard().services(0));
    if (entry.ok()) {
      service = *std::move(entry);
    } else {
      LogWarn("catalogue entry not read for webhook events",
              {{"tenant", rc.tenant_id}, {"error", entry.status().ToString()}});
    }
  }
  return store_.InTenant(rc, [&](ScorecardTransaction& tx) -> absl::Status {
    // The scoring service records for a tenant, so a close scored after the tenant was
    // deleted and purged could bring its data back. FAILED_PRECONDITION settles that close.
    absl::StatusOr<bool> purged = tx.TenantPurged();
    if (!purged.ok()) return purged.status();
    if (*purged) {
      return Error(absl::StatusCode::kFailedPrecondition, "TENANT_INACTIVE",
                   absl::StrCat("tenant ", req.parent(),
                                " was deleted and its data purged: nothing is recorded for it"));
    }
    return RunIdempotent(
        tx, rc, req.request_id(), "RecordScorecard", req, resp, [&]() -> absl::Status {
          absl::StatusOr<std::pair<ScorecardRecord, bool>> stored =
              tx.InsertIfAbsent(record, figures);
          if (!stored.ok()) return stored.status();
          if (opt_in.ok()) {
            absl::Status kept = tx.SetBenchmarkOptIn(*opt_in, now);
            if (!kept.ok()) return kept;
          }
          absl::Status parsed = ParseScorecard(stored->first.body, stored->first.scorecard_id,
                                               resp->mutable_scorecard());
          if (!parsed.ok() || !stored->second) return parsed;
          // First recording only: the webhook events go out with the scorecard, or not at all.
          for (const OutboxEvent& event :
               ScorecardWebhookEvents(rc.tenant_id, resp->scorecard(), service)) {
            if (absl::Status queued = tx.AddOutboxEvent(event); !queued.ok()) return queued;
          }
          return absl::OkStatus();
        });
  });
}

absl::Status ReportingCore::GetScorecard(const RequestContext& rc,
                                         const api::GetScorecardRequest& req,
                                         api::GetScorecardResponse* resp) {
  absl::StatusOr<std::string> id = ScorecardIdOf(rc, req.name(), "name");
  if (!id.ok()) return id.status();
  return store_.InTenant(rc, [&](ScorecardTransaction& tx) -> absl::Status {
    absl::StatusOr<std::optional<ScorecardRecord>> record = tx.Get(*id);
    if (!record.ok()) return record.status();
    if (!record->has_value()) return ScorecardNotFound(req.name());
    return ParseScorecard((*record)->body, *id, resp->mutable_scorecard());
  });
}

absl::Status ReportingCore::ListScorecards(const RequestContext& rc,
                                           const api::ListScorecardsRequest& req,
                                           api::ListScorecardsResponse* resp) {
  Violations v;
  if (absl::Status s = CheckParent(rc, req.parent(), v); !s.ok()) return s;
  HistoryPageQuery query;
  query.limit = Bounded(req.page_size(), kDefaultPageSize, kMaxPageSize, "page_size", v);
  query.filter = FilterOf(rc, req.selector(), "selector", v);
  query.summary_only = req.summary_only();
  if (!v.empty()) return std::move(v).ToStatus("invalid list request");
  const std::string query_key = ListQueryKey(req);
  if (!req.page_token().empty()) {
    query.after = ParsePageToken(req.page_token(), query_key);
    if (!query.after) return BadPageToken();
  }
  const int asked = query.limit;
  ++query.limit;  // one more than asked, to know whether there is a next page
  query.max_bytes = kMaxPageBytes;
  return store_.InTenant(rc, [&](ScorecardTransaction& tx) -> absl::Status {
    absl::StatusOr<std::vector<ScorecardRecord>> records = tx.List(query);
    if (!records.ok()) return records.status();
    absl::StatusOr<int> total = tx.Count(query.filter);
    if (!total.ok()) return total.status();
    const size_t kept = PageLength(*records, asked, req.summary_only());
    for (size_t i = 0; i < kept; ++i) {
      const ScorecardRecord& r = (*records)[i];
      absl::Status parsed = ParseScorecard(req.summary_only() ? r.summary : r.body, r.scorecard_id,
                                           resp->add_scorecards());
      if (!parsed.ok()) return parsed;
    }
    if (kept < records->size()) {
      const ScorecardRecord& last = (*records)[kept - 1];
      resp->set_next_page_token(PageToken({last.close_time, last.scorecard_id}, query_key));
    }
    resp->set_total_size(*total);
    return absl::OkStatus();
  });
}

absl::StatusOr<StreamPlan> ReportingCore::PlanStream(const RequestContext& rc,
                                                     const api::StreamScorecardsRequest& req) {
  Violations v;
  if (absl::Status s = CheckParent(rc, req.parent(), v); !s.ok()) return s;
  StreamPlan plan{FilterOf(rc, req.selector(), "selector", v)};
  if (!v.empty()) return std::move(v).ToStatus("invalid stream request");
  return plan;
}

absl::StatusOr<StreamPage> ReportingCore::ReadStreamPage(const RequestContext& rc,
                                                         const StreamPlan& plan,
                                                         const std::optional<HistoryCursor>& after,
                                                         int page_size) {
  HistoryPageQuery query;
  query.filter = plan.filter;
  query.newest_first = false;
  query.after = after;
  query.limit = page_size + 1;
  query.max_bytes = kMaxPageBytes;
  StreamPage page;
  absl::Status read = store_.InTenant(rc, [&](ScorecardTransaction& tx) -> absl::Status {
    absl::StatusOr<std::vector<ScorecardRecord>> records = tx.List(query);
    if (!records.ok()) return records.status();
    const size_t kept = PageLength(*records, page_size, /*summary=*/false);
    for (size_t i = 0; i < kept; ++i) {
      const ScorecardRecord& r = (*records)[i];
      page.scorecards.emplace_back();
      absl::Status parsed = ParseScorecard(r.body, r.scorecard_id, &page.scorecards.back());
      if (!parsed.ok()) return parsed;
    }
    if (kept < records->size()) {
      page.next = HistoryCursor{(*records)[kept - 1].close_time, (*records)[kept - 1].scorecard_id};
    }
    return absl::OkStatus();
  });
  if (!read.ok()) return read;
  return page;
}

absl::Status ReportingCore::GetTrend(const RequestContext& rc, const api::GetTrendRequest& req,
                                     api::GetTrendResponse* resp) {
  absl::StatusOr<TrendQuery> query = TrendQueryOf(rc, req);
  if (!query.ok()) return query.status();
  std::vector<TrendRow> rows;
  absl::Status read = store_.InTenant(rc, [&](ScorecardTransaction& tx) -> absl::Status {
    absl::StatusOr<std::vector<TrendRow>> found = tx.Trend(*query);
    if (!found.ok()) return found.status();
    rows = *std::move(found);
    return absl::OkStatus();
  });
  if (!read.ok()) return read;
  // Rows come grouped by area; asked-for areas with no points still get their (empty) series.
  std::vector<std::string> order = query->area_lineage_ids;
  absl::flat_hash_map<std::string, std::vector<const TrendRow*>> by_area;
  for (const TrendRow& row : rows) {
    auto [it, added] = by_area.try_emplace(row.area_lineage_id);
    if (added && query->area_lineage_ids.empty()) order.push_back(row.area_lineage_id);
    it->second.push_back(&row);
  }
  for (const std::string& lineage : order) AddSeries(rc, lineage, by_area[lineage], resp);
  return absl::OkStatus();
}

absl::Status ReportingCore::CompareScorecards(const RequestContext& rc,
                                              const api::CompareScorecardsRequest& req,
                                              api::CompareScorecardsResponse* resp) {
  absl::StatusOr<std::string> base_id = ScorecardIdOf(rc, req.base_scorecard(), "base_scorecard");
  if (!base_id.ok()) return base_id.status();
  absl::StatusOr<std::string> comparison_id =
      ScorecardIdOf(rc, req.comparison_scorecard(), "comparison_scorecard");
  if (!comparison_id.ok()) return comparison_id.status();
  Violations v;
  const std::vector<tapi::ResponseGroup> groups = ComparedGroups(rc, req, v);
  if (!v.empty()) return std::move(v).ToStatus("invalid comparison");
  return store_.InTenant(rc, [&](ScorecardTransaction& tx) -> absl::Status {
    auto base = LoadFigures(tx, req.base_scorecard(), *base_id);
    if (!base.ok()) return base.status();
    auto comparison = LoadFigures(tx, req.comparison_scorecard(), *comparison_id);
    if (!comparison.ok()) return comparison.status();
    resp->set_same_model_content(!base->first.content_hash.empty() &&
                                 base->first.content_hash == comparison->first.content_hash);
    for (api::AreaComparison& area : CompareFigures(base->second, comparison->second, groups)) {
      *resp->add_areas() = std::move(area);
    }
    return absl::OkStatus();
  });
}

absl::Status ReportingCore::GetBenchmark(const RequestContext& rc,
                                         const api::GetBenchmarkRequest& req,
                                         api::GetBenchmarkResponse* resp) {
  const absl::Time now = clock_();
  absl::StatusOr<BenchmarkQuery> query = BenchmarkQueryOf(rc, req, now);
  if (!query.ok()) return query.status();
  // The caller's own opt-in is read now, never taken from the last-seen table: an opt-out
  // stops the tenant's benchmark reads at once.
  absl::StatusOr<bool> opt_in = settings_.BenchmarkOptIn(rc);
  if (!opt_in.ok()) return opt_in.status();
  absl::Status kept = store_.InTenant(
      rc, [&](ScorecardTransaction& tx) { return tx.SetBenchmarkOptIn(*opt_in, now); });
  if (!kept.ok()) return kept;
  if (!*opt_in) return OptInRequired(rc);

  absl::StatusOr<std::vector<BenchmarkSample>> samples =
      store_.BenchmarkSamples(rc.tenant_id, *query);
  if (!samples.ok()) return samples.status();
  absl::flat_hash_map<std::string, api::AreaBenchmark> by_area;
  std::vector<std::string> order = query->area_lineage_ids;
  for (const BenchmarkSample& s : *samples) {
    api::AreaBenchmark area = SummariseBenchmark(s);
    // Asked for every area: only those with figures to show or the caller's own score. An
    // area listed for 1–4 peers alone would tell that they exist.
    if (query->area_lineage_ids.empty()) {
      if (area.suppressed() && !area.has_own_score()) continue;
      order.push_back(s.area_lineage_id);
    }
    by_area[s.area_lineage_id] = std::move(area);
  }
  resp->set_min_tenant_count(kMinBenchmarkTenants);
  resp->set_score_step(kBenchmarkScoreStep);
  for (const std::string& lineage : order) {
    auto found = by_area.find(lineage);
    *resp->add_areas() = found != by_area.end()
                             ? found->second
                             : SummariseBenchmark(BenchmarkSample{lineage, {}, std::nullopt});
  }
  *resp->mutable_compute_time() = ToProto(query->snapshot_time);
  return absl::OkStatus();
}

}  // namespace lagom::reporting
