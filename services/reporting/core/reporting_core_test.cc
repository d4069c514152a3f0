#include "services/reporting/core/reporting_core.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/status.h"
#include "lagom/auth/v1/auth.pb.h"
#include "services/reporting/core/fake_scorecard_store.h"
#include "services/reporting/core/webhook_events.h"
#include "services/reporting/testing/scorecard_builder.h"

namespace lagom::reporting {
namespace {

using testing::BuildScorecard;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::ItsmAreas;
using testing::ScorecardSpec;
using ::testing::StartsWith;

const absl::Time kNow = absl::FromUnixSeconds(1750000000);

RequestContext Rc(const std::string& tenant) {
  RequestContext rc;
  rc.tenant_id = tenant;
  return rc;
}

std::vector<std::string> Fields(const absl::Status& s) {
  std::vector<std::string> out;
  for (const FieldViolation& v : ViolationsOf(s)) out.push_back(v.field);
  return out;
}

class ReportingCoreTest : public ::testing::Test {
 protected:
  ReportingCoreTest() : core_(store_, settings_, [this] { return now_; }) {
    settings_.Set("acme", true);
  }

  ScorecardSpec Spec(const std::string& session, absl::Duration days_ago,
                     const std::string& tenant = "acme") {
    ScorecardSpec spec;
    spec.tenant = tenant;
    spec.session_id = session;
    spec.close_time = kNow - days_ago;
    spec.service_ids = {"email"};
    spec.organization_ids = {"contoso"};
    spec.areas = ItsmAreas(0.6, 0.5);
    return spec;
  }

  api::RecordScorecardRequest RecordRequest(const ScorecardSpec& spec) {
    api::RecordScorecardRequest req;
    req.set_parent("tenants/" + spec.tenant);
    *req.mutable_scorecard() = BuildScorecard(spec);
    return req;
  }

  absl::StatusOr<sapi::Scorecard> Record(const ScorecardSpec& spec) {
    api::RecordScorecardResponse resp;
    absl::Status s = core_.RecordScorecard(Rc(spec.tenant), RecordRequest(spec), &resp);
    if (!s.ok()) return s;
    return resp.scorecard();
  }

  absl::StatusOr<api::ListScorecardsResponse> List(api::ListScorecardsRequest req) {
    if (req.parent().empty()) req.set_parent("tenants/acme");
    api::ListScorecardsResponse resp;
    absl::Status s = core_.ListScorecards(Rc("acme"), req, &resp);
    if (!s.ok()) return s;
    return resp;
  }

  absl::Time now_ = kNow;  // when the core records and reads
  FakeScorecardStore store_;
  FakeTenantSettings settings_;
  ReportingCore core_;
};

TEST_F(ReportingCoreTest, RecordNamesTheScorecardAfterItsSessionAndStoresItWhole) {
  absl::StatusOr<sapi::Scorecard> recorded = Record(Spec("spring-review", absl::Hours(1)));
  ASSERT_TRUE(recorded.ok()) << recorded.status();
  EXPECT_THAT(recorded->name(), StartsWith("tenants/acme/scorecards/spring-review-"));
  EXPECT_EQ(recorded->name().size(),
            std::string("tenants/acme/scorecards/spring-review-").size() + 6);
  EXPECT_EQ(recorded->create_time().seconds(), absl::ToUnixSeconds(kNow));
  EXPECT_EQ(recorded->area_scores_size(), 30);

  const auto data = store_.Snapshot("acme");
  ASSERT_EQ(data.scorecards.size(), 1u);
  const auto& stored = data.scorecards.begin()->second;
  EXPECT_EQ(stored.record.model, "models/lagom-itsm");
  EXPECT_EQ(stored.record.session, "tenants/acme/sessions/spring-review");
  EXPECT_EQ(stored.figures.size(), 30u);  // 10 areas × 3 groups
  EXPECT_EQ(data.opt_in, true) << "the opt-in read at recording is kept";
}

TEST_F(ReportingCoreTest, BadScorecardsAreRefusedNamingEveryFieldAndNothingIsStored) {
  api::RecordScorecardRequest req = RecordRequest(Spec("spring", absl::Hours(1)));
  req.mutable_scorecard()->set_preview(true);
  req.mutable_scorecard()->set_session("tenants/other/sessions/spring");
  req.mutable_scorecard()->set_model_version("lagom-itsm");
  req.mutable_scorecard()->clear_session_close_time();
  req.mutable_scorecard()->mutable_area_scores(0)->set_score(1.5);
  req.mutable_scorecard()->mutable_area_scores(1)->mutable_group()->clear_kind();
  api::RecordScorecardResponse resp;
  absl::Status s = core_.RecordScorecard(Rc("acme"), req, &resp);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Fields(s),
              ElementsAre("scorecard.preview", "scorecard.session", "scorecard.model_version",
                          "scorecard.session_close_time", "scorecard.area_scores[1].group.kind",
                          "scorecard.area_scores[0].score"));
  EXPECT_THAT(s.message(), HasSubstr("preview"));
  EXPECT_TRUE(store_.Snapshot("acme").scorecards.empty());

  req.clear_scorecard();
  s = core_.RecordScorecard(Rc("acme"), req, &resp);
  EXPECT_THAT(Fields(s), ElementsAre("scorecard"));
}

// Figures are kept by lineage: two areas of one lineage would overwrite each other's.
TEST_F(ReportingCoreTest, TwoAreasOfOneLineageAreRefused) {
  api::RecordScorecardRequest req = RecordRequest(Spec("spring", absl::Hours(1)));
  sapi::Scorecard& card = *req.mutable_scorecard();
  ASSERT_GT(card.area_scores_size(), 1);
  std::string other_area;
  int clash = -1;
  for (int i = 0; i < card.area_scores_size() && clash < 0; ++i) {
    if (card.area_scores(i).area_id() != card.area_scores(0).area_id()) {
      clash = i;
      other_area = card.area_scores(i).area_id();
    }
  }
  ASSERT_GE(clash, 0);
  // Every figure of the other area takes the first area's lineage.
  for (sapi::AreaScore& a : *card.mutable_area_scores()) {
    if (a.area_id() == other_area) a.set_lineage_id(card.area_scores(0).lineage_id());
  }
  api::RecordScorecardResponse resp;
  absl::Status s = core_.RecordScorecard(Rc("acme"), req, &resp);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  ASSERT_FALSE(Fields(s).empty());
  EXPECT_EQ(Fields(s)[0], absl::StrCat("scorecard.area_scores[", clash, "].lineage_id"));
  EXPECT_THAT(s.message(), HasSubstr("have one lineage"));
  EXPECT_TRUE(store_.Snapshot("acme").scorecards.empty());
}

TEST_F(ReportingCoreTest, APurgedTenantsLateScorecardIsRefusedAndNothingIsStored) {
  store_.Purge("acme");
  absl::StatusOr<sapi::Scorecard> late = Record(Spec("spring", absl::Hours(1)));
  EXPECT_EQ(late.status().code(), absl::StatusCode::kFailedPrecondition) << late.status();
  EXPECT_EQ(ReasonOf(late.status()), "TENANT_INACTIVE");
  EXPECT_THAT(late.status().message(), HasSubstr("tenants/acme was deleted"));
  const auto data = store_.Snapshot("acme");
  EXPECT_TRUE(data.purged);
  EXPECT_TRUE(data.scorecards.empty());
  EXPECT_TRUE(data.outbox.empty());
  EXPECT_TRUE(data.replies.empty());
  EXPECT_FALSE(data.opt_in.has_value());
  // Another tenant records as before.
  settings_.Set("globex", true);
  EXPECT_TRUE(Record(Spec("spring", absl::Hours(1), "globex")).ok());
}

// google.protobuf.Timestamp ends at 9999-12-31T23:59:59.999999999Z and starts at 0001-01-01.
google::protobuf::Timestamp Year10000() {
  google::protobuf::Timestamp ts;
  ts.set_seconds(253402300800);
  return ts;
}

google::protobuf::Timestamp BeforeYearOne() {
  google::protobuf::Timestamp ts;
  ts.set_seconds(-62135596801);
  return ts;
}

TEST_F(ReportingCoreTest, TimesOutsideTheTimestampRangeAreRefusedAndNothingIsStored) {
  api::RecordScorecardRequest req = RecordRequest(Spec("spring", absl::Hours(1)));
  *req.mutable_scorecard()->mutable_session_close_time() = Year10000();
  req.mutable_scorecard()->mutable_score_time()->set_nanos(-1);
  api::RecordScorecardResponse resp;
  absl::Status s = core_.RecordScorecard(Rc("acme"), req, &resp);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Fields(s), ElementsAre("scorecard.session_close_time", "scorecard.score_time"));
  EXPECT_THAT(s.message(), HasSubstr("0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z"));
  EXPECT_TRUE(store_.Snapshot("acme").scorecards.empty());

  api::ListScorecardsRequest list;
  *list.mutable_selector()->mutable_start_time() = BeforeYearOne();
  *list.mutable_selector()->mutable_end_time() = Year10000();
  s = List(list).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Fields(s), ElementsAre("selector.start_time", "selector.end_time"));
}

TEST_F(ReportingCoreTest, RecordingASessionAgainReturnsTheFirstScorecardUnchanged) {
  absl::StatusOr<sapi::Scorecard> first = Record(Spec("spring", absl::Hours(1)));
  ASSERT_TRUE(first.ok());
  ScorecardSpec rescored = Spec("spring", absl::Hours(1));
  rescored.areas = ItsmAreas(0.9, 0.9);
  absl::StatusOr<sapi::Scorecard> second = Record(rescored);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->SerializeAsString(), first->SerializeAsString());
  EXPECT_EQ(store_.Snapshot("acme").scorecards.size(), 1u);
}

TEST_F(ReportingCoreTest, TheFirstRecordingAloneQueuesItsWebhookEvents) {
  settings_.SetService({"tenants/acme/services/email", "Workplace and email", "sn-1"});
  absl::StatusOr<sapi::Scorecard> first = Record(Spec("spring", absl::Hours(1)));
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_GT(first->improvements_size(), 0);
  const std::vector<OutboxEvent> queued = store_.Snapshot("acme").outbox;
  ASSERT_EQ(static_cast<int>(queued.size()),
            1 + std::min(first->improvements_size(), kMaxProposedImprovements));
  EXPECT_EQ(queued[0].topic, "scorecard.ready");
  EXPECT_EQ(queued[1].topic, "improvement.proposed");
  EXPECT_EQ(queued[0].scorecard_id, first->name().substr(first->name().rfind('/') + 1));
  auth::v1::PublishWebhookEventRequest ready;
  ASSERT_TRUE(ready.ParseFromString(queued[0].payload));
  EXPECT_EQ(ready.data().at("serviceName"), "Workplace and email");
  // Recorded again (scoring retried): the same scorecard, no second set of events.
  ASSERT_TRUE(Record(Spec("spring", absl::Hours(1))).ok());
  EXPECT_EQ(store_.Snapshot("acme").outbox.size(), queued.size());
  // A refused scorecard queues nothing.
  api::RecordScorecardRequest bad = RecordRequest(Spec("autumn", absl::Hours(1)));
  bad.mutable_scorecard()->clear_model_version();
  api::RecordScorecardResponse resp;
  EXPECT_FALSE(core_.RecordScorecard(Rc("acme"), bad, &resp).ok());
  EXPECT_EQ(store_.Snapshot("acme").outbox.size(), queued.size());
}

TEST_F(ReportingCoreTest, ARequestIdRetryGetsTheFirstReplyAndReuseIsRefused) {
  api::RecordScorecardRequest req = RecordRequest(Spec("spring", absl::Hours(1)));
  req.set_request_id("7d7e5a2c-retry");
  api::RecordScorecardResponse first, retry;
  ASSERT_TRUE(core_.RecordScorecard(Rc("acme"), req, &first).ok());
  ASSERT_TRUE(core_.RecordScorecard(Rc("acme"), req, &retry).ok());
  EXPECT_EQ(retry.SerializeAsString(), first.SerializeAsString());

  api::RecordScorecardRequest other = RecordRequest(Spec("autumn", absl::Hours(1)));
  other.set_request_id("7d7e5a2c-retry");
  api::RecordScorecardResponse refused;
  absl::Status s = core_.RecordScorecard(Rc("acme"), other, &refused);
  EXPECT_EQ(ReasonOf(s), "REQUEST_ID_REUSED");
  EXPECT_EQ(store_.Snapshot("acme").scorecards.size(), 1u);
}

TEST_F(ReportingCoreTest, AnUnreadableOptInDoesNotStopRecordingAndKeepsTheLastSeenValue) {
  // No settings for beta or gamma: each keeps the value last seen, whichever it was.
  store_.SetOptIn("beta", false);
  ASSERT_TRUE(Record(Spec("spring", absl::Hours(1), "beta")).ok());
  EXPECT_EQ(store_.Snapshot("beta").opt_in, false);
  store_.SetOptIn("gamma", true);
  ASSERT_TRUE(Record(Spec("spring", absl::Hours(1), "gamma")).ok());
  EXPECT_EQ(store_.Snapshot("gamma").opt_in, true);
}

TEST_F(ReportingCoreTest, AnotherTenantsScorecardIsNotFoundAndBadNamesSayWhichField) {
  absl::StatusOr<sapi::Scorecard> recorded = Record(Spec("spring", absl::Hours(1)));
  ASSERT_TRUE(recorded.ok());
  api::GetScorecardRequest get;
  get.set_name(recorded->name());
  api::GetScorecardResponse got;
  ASSERT_TRUE(core_.GetScorecard(Rc("acme"), get, &got).ok());
  EXPECT_EQ(got.scorecard().SerializeAsString(), recorded->SerializeAsString());

  EXPECT_EQ(core_.GetScorecard(Rc("beta"), get, &got).code(), absl::StatusCode::kNotFound);
  get.set_name("tenants/acme/scorecards/absent-abc123");
  EXPECT_EQ(core_.GetScorecard(Rc("acme"), get, &got).code(), absl::StatusCode::kNotFound);
  get.set_name("tenants/acme/sessions/spring");
  absl::Status bad = core_.GetScorecard(Rc("acme"), get, &got);
  EXPECT_EQ(bad.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Fields(bad), ElementsAre("name"));
}

TEST_F(ReportingCoreTest, ListPagesNewestFirstWithTotalsAndTokensBoundToTheQuery) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(Record(Spec("s" + std::to_string(i), absl::Hours(24 * (5 - i)))).ok());
  }
  api::ListScorecardsRequest req;
  req.set_page_size(2);
  std::vector<std::string> sessions;
  for (int page = 0; page < 3; ++page) {
    absl::StatusOr<api::ListScorecardsResponse> resp = List(req);
    ASSERT_TRUE(resp.ok()) << resp.status();
    EXPECT_EQ(resp->total_size(), 5);
    for (const auto& s : resp->scorecards()) sessions.push_back(s.session());
    EXPECT_EQ(resp->next_page_token().empty(), page == 2);
    req.set_page_token(resp->next_page_token());
  }
  EXPECT_THAT(sessions, ElementsAre("tenants/acme/sessions/s4", "tenants/acme/sessions/s3",
                                    "tenants/acme/sessions/s2", "tenants/acme/sessions/s1",
                                    "tenants/acme/sessions/s0"));

  req.set_page_token(List([] {
                       api::ListScorecardsRequest r;
                       r.set_page_size(2);
                       return r;
                     }())
                         ->next_page_token());
  req.set_page_size(3);  // page size may change between pages
  EXPECT_TRUE(List(req).ok());
  req.set_summary_only(true);  // the query may not
  EXPECT_EQ(ReasonOf(List(req).status()), "PAGE_TOKEN_INVALID");
  req.set_page_token("bm90IG91cnM");
  absl::Status garbage = List(req).status();
  EXPECT_EQ(ReasonOf(garbage), "PAGE_TOKEN_INVALID");
  EXPECT_THAT(Fields(garbage), ElementsAre("page_token"));
}

TEST_F(ReportingCoreTest, ListFiltersBySelectorAndSummariesCarryNoFigures) {
  ScorecardSpec other = Spec("other-service", absl::Hours(2));
  other.service_ids = {"erp"};
  ASSERT_TRUE(Record(other).ok());
  ASSERT_TRUE(Record(Spec("old", absl::Hours(24 * 400))).ok());
  ASSERT_TRUE(Record(Spec("new", absl::Hours(1))).ok());

  api::ListScorecardsRequest req;
  req.mutable_selector()->set_service("tenants/acme/services/email");
  *req.mutable_selector()->mutable_start_time() = ToProto(kNow - absl::Hours(24 * 30));
  req.set_summary_only(true);
  absl::StatusOr<api::ListScorecardsResponse> resp = List(req);
  ASSERT_TRUE(resp.ok()) << resp.status();
  ASSERT_EQ(resp->scorecards_size(), 1);
  EXPECT_EQ(resp->total_size(), 1);
  const sapi::Scorecard& summary = resp->scorecards(0);
  EXPECT_EQ(summary.session(), "tenants/acme/sessions/new");
  EXPECT_EQ(summary.title(), "Quarterly service review");
  EXPECT_EQ(summary.services_size(), 1);
  EXPECT_TRUE(summary.has_session_close_time());
  EXPECT_EQ(summary.area_scores_size(), 0);
  EXPECT_EQ(summary.item_scores_size(), 0);
  EXPECT_FALSE(summary.has_coverage());
}

TEST_F(ReportingCoreTest, ListChecksEveryField) {
  api::ListScorecardsRequest req;
  req.set_page_size(-1);
  req.mutable_selector()->set_service("tenants/beta/services/email");
  req.mutable_selector()->set_model("lagom-itsm");
  *req.mutable_selector()->mutable_start_time() = ToProto(kNow);
  *req.mutable_selector()->mutable_end_time() = ToProto(kNow - absl::Hours(1));
  absl::Status s = List(req).status();
  EXPECT_THAT(Fields(s),
              ElementsAre("page_size", "selector.service", "selector.model", "selector.end_time"));
  req.Clear();
  req.set_parent("tenants/beta");
  EXPECT_EQ(List(req).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(ReportingCoreTest, StreamPagesRunOldestFirstToTheEnd) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(Record(Spec("s" + std::to_string(i), absl::Hours(24 * (5 - i)))).ok());
  }
  api::StreamScorecardsRequest req;
  req.set_parent("tenants/acme");
  absl::StatusOr<StreamPlan> plan = core_.PlanStream(Rc("acme"), req);
  ASSERT_TRUE(plan.ok());
  std::vector<std::string> sessions;
  std::optional<HistoryCursor> after;
  for (int pages = 0; pages < 10; ++pages) {
    absl::StatusOr<StreamPage> page = core_.ReadStreamPage(Rc("acme"), *plan, after, 2);
    ASSERT_TRUE(page.ok());
    for (const auto& s : page->scorecards) sessions.push_back(s.session());
    if (!page->next) break;
    after = page->next;
  }
  EXPECT_THAT(sessions, ElementsAre("tenants/acme/sessions/s0", "tenants/acme/sessions/s1",
                                    "tenants/acme/sessions/s2", "tenants/acme/sessions/s3",
                                    "tenants/acme/sessions/s4"));
}

void RecordOfSize(ReportingCore& core, api::RecordScorecardRequest req, double mib) {
  testing::PadScorecard(*req.mutable_scorecard(), mib);
  api::RecordScorecardResponse resp;
  absl::Status s = core.RecordScorecard(Rc("acme"), req, &resp);
  ASSERT_TRUE(s.ok()) << s;
}

TEST_F(ReportingCoreTest, PagesStopBeforeFourMebibytesAndHoldAtLeastOneScorecard) {
  // Newest first: a, b, c of 1.5 MiB, one of 6 MiB, then two small ones.
  const std::vector<std::pair<std::string, double>> sizes = {
      {"a", 1.5}, {"b", 1.5}, {"c", 1.5}, {"large", 6}, {"d", 0.01}, {"e", 0.01}};
  for (size_t i = 0; i < sizes.size(); ++i) {
    RecordOfSize(core_, RecordRequest(Spec(sizes[i].first, absl::Hours(24 * (i + 1)))),
                 sizes[i].second);
  }
  api::ListScorecardsRequest req;
  req.set_page_size(100);
  std::vector<std::vector<std::string>> pages;
  for (int page = 0; page < 10; ++page) {
    absl::StatusOr<api::ListScorecardsResponse> resp = List(req);
    ASSERT_TRUE(resp.ok()) << resp.status();
    EXPECT_EQ(resp->total_size(), 6);
    std::vector<std::string>& names = pages.emplace_back();
    for (const auto& card : resp->scorecards())
      names.push_back(card.session().substr(card.session().rfind('/') + 1));
    if (resp->scorecards_size() > 1) {
      EXPECT_LE(resp->ByteSizeLong(), size_t{4} << 20);
    }
    if (resp->next_page_token().empty()) break;
    req.set_page_token(resp->next_page_token());
  }
  using V = std::vector<std::string>;
  EXPECT_THAT(pages, ElementsAre(V{"a", "b"}, V{"c"}, V{"large"}, V{"d", "e"}));

  // Summaries carry no figures: all six fit one page.
  api::ListScorecardsRequest summaries;
  summaries.set_page_size(100);
  summaries.set_summary_only(true);
  absl::StatusOr<api::ListScorecardsResponse> listed = List(summaries);
  ASSERT_TRUE(listed.ok()) << listed.status();
  EXPECT_EQ(listed->scorecards_size(), 6);
  EXPECT_TRUE(listed->next_page_token().empty());

  // A stream reads its pages (oldest first) the same way, and sends every scorecard once.
  api::StreamScorecardsRequest stream;
  stream.set_parent("tenants/acme");
  absl::StatusOr<StreamPlan> plan = core_.PlanStream(Rc("acme"), stream);
  ASSERT_TRUE(plan.ok());
  std::vector<std::vector<std::string>> read;
  std::optional<HistoryCursor> after;
  for (int page = 0; page < 10; ++page) {
    absl::StatusOr<StreamPage> got = core_.ReadStreamPage(Rc("acme"), *plan, after, 50);
    ASSERT_TRUE(got.ok()) << got.status();
    std::vector<std::string>& names = read.emplace_back();
    for (const auto& card : got->scorecards)
      names.push_back(card.session().substr(card.session().rfind('/') + 1));
    if (!got->next) break;
    after = got->next;
  }
  EXPECT_THAT(read, ElementsAre(V{"e", "d"}, V{"large"}, V{"c", "b"}, V{"a"}));
}

TEST_F(ReportingCoreTest, TrendRequestsAreChecked) {
  api::GetTrendRequest req;
  req.set_parent("tenants/acme");
  req.set_max_points(-3);
  req.add_area_lineage_ids("lin.change");
  req.add_area_lineage_ids("lin.change");
  api::GetTrendResponse resp;
  absl::Status s = core_.GetTrend(Rc("acme"), req, &resp);
  EXPECT_THAT(Fields(s), ElementsAre("metric", "area_lineage_ids[1]", "max_points"));

  req.Clear();
  req.set_parent("tenants/acme");
  req.set_metric(api::TREND_METRIC_PERCEPTION_GAP);
  req.mutable_group()->set_kind(tapi::RESPONSE_GROUP_KIND_PROVIDER);
  s = core_.GetTrend(Rc("acme"), req, &resp);
  EXPECT_THAT(Fields(s), ElementsAre("group.kind"));
}

TEST_F(ReportingCoreTest, CompareMatchesAreasByLineageAcrossModelVersions) {
  absl::StatusOr<sapi::Scorecard> v1 = Record(Spec("spring", absl::Hours(48)));
  ScorecardSpec later = Spec("autumn", absl::Hours(1));
  later.model_version = "models/lagom-itsm/versions/2";
  later.content_hash = "sha256:lagom-itsm-2";
  later.areas[5].id = "change-enablement";  // renamed, same lineage
  later.areas[5].customers = 0.75;
  absl::StatusOr<sapi::Scorecard> v2 = Record(later);
  ASSERT_TRUE(v1.ok() && v2.ok());

  api::CompareScorecardsRequest req;
  req.set_base_scorecard(v1->name());
  req.set_comparison_scorecard(v2->name());
  api::CompareScorecardsResponse resp;
  ASSERT_TRUE(core_.CompareScorecards(Rc("acme"), req, &resp).ok());
  EXPECT_FALSE(resp.same_model_content());
  ASSERT_EQ(resp.areas_size(), 20);  // 10 lineages × (PROVIDER, ALL_CUSTOMERS)
  const api::AreaComparison& change = resp.areas(11);
  EXPECT_EQ(change.lineage_id(), "lin.change");
  EXPECT_EQ(change.group().kind(), tapi::RESPONSE_GROUP_KIND_ALL_CUSTOMERS);
  EXPECT_EQ(change.base_area_id(), "change");
  EXPECT_EQ(change.comparison_area_id(), "change-enablement");
  EXPECT_NEAR(change.delta(), 0.75 - 0.5, 1e-12);

  req.set_comparison_scorecard("tenants/beta/scorecards/x-abcdef");
  EXPECT_EQ(core_.CompareScorecards(Rc("acme"), req, &resp).code(), absl::StatusCode::kNotFound);
  req.set_comparison_scorecard(v1->name());
  req.add_groups()->set_kind(tapi::RESPONSE_GROUP_KIND_CUSTOMER_ORGANIZATION);
  EXPECT_THAT(Fields(core_.CompareScorecards(Rc("acme"), req, &resp)),
              ElementsAre("groups[0].customer_organization"));
}

class BenchmarkTest : public ReportingCoreTest {
 protected:
  // `count` tenants besides acme that opted in and recorded one scorecard each, `age` ago,
  // customers at 0.1, 0.2, ...
  void Peers(int count, absl::Duration age = absl::Hours(24)) {
    for (int i = 0; i < count; ++i) {
      const std::string tenant = "peer-" + std::to_string(i);
      settings_.Set(tenant, true);
      ScorecardSpec spec = Spec("spring", age, tenant);
      spec.areas = {testing::AreaSpec{"change", "lin.change", 0.5, 0.1 * (i + 1), 0.6}};
      now_ = spec.close_time + absl::Minutes(5);  // scored and recorded soon after the close
      absl::Status recorded = Record(spec).status();
      now_ = kNow;
      ASSERT_TRUE(recorded.ok()) << recorded;
    }
  }

  // acme's own assessment, `age` ago, scoring `change` at `customers`.
  void Own(const std::string& session, absl::Duration age, double customers) {
    ScorecardSpec own = Spec(session, age);
    own.areas = {testing::AreaSpec{"change", "lin.change", 0.5, customers, 0.6}};
    ASSERT_TRUE(Record(own).ok());
  }

  absl::StatusOr<api::GetBenchmarkResponse> Benchmark(
      const std::string& tenant, std::optional<absl::Time> start = std::nullopt,
      std::vector<std::string> areas = {"lin.change"}) {
    api::GetBenchmarkRequest req;
    req.set_parent("tenants/" + tenant);
    req.set_model("models/lagom-itsm");
    for (const std::string& area : areas) req.add_area_lineage_ids(area);
    if (start) *req.mutable_start_time() = ToProto(*start);
    api::GetBenchmarkResponse resp;
    absl::Status s = core_.GetBenchmark(Rc(tenant), req, &resp);
    if (!s.ok()) return s;
    return resp;
  }
};

TEST_F(BenchmarkTest, FourPeersAreSuppressedFiveAreDisclosed) {
  Peers(4);
  Own("own", absl::Hours(2), 0.45);

  absl::StatusOr<api::GetBenchmarkResponse> four = Benchmark("acme");
  ASSERT_TRUE(four.ok()) << four.status();
  EXPECT_EQ(four->min_tenant_count(), 5);
  ASSERT_EQ(four->areas_size(), 1);
  EXPECT_TRUE(four->areas(0).suppressed()) << "the caller is not its own peer";
  EXPECT_EQ(four->areas(0).p50(), 0);
  EXPECT_DOUBLE_EQ(four->areas(0).own_score(), 0.45) << "the caller's own, closed today";

  settings_.Set("peer-4", true);
  ScorecardSpec fifth = Spec("spring", absl::Hours(24), "peer-4");
  fifth.areas = {testing::AreaSpec{"change", "lin.change", 0.5, 0.9, 0.6}};
  now_ = fifth.close_time + absl::Minutes(5);
  ASSERT_TRUE(Record(fifth).ok());
  now_ = kNow;
  absl::StatusOr<api::GetBenchmarkResponse> five = Benchmark("acme");
  ASSERT_TRUE(five.ok());
  const api::AreaBenchmark& area = five->areas(0);
  EXPECT_FALSE(area.suppressed());
  EXPECT_EQ(area.tenant_count(), 5);
  EXPECT_NEAR(area.p50(), 0.3, 1e-12);  // peers {0.1, 0.2, 0.3, 0.4, 0.9}
  EXPECT_TRUE(area.tails_withheld());
  EXPECT_EQ(area.p90(), 0) << "the highest of five scores";
  EXPECT_DOUBLE_EQ(area.own_score(), 0.45);
  EXPECT_DOUBLE_EQ(five->score_step(), 0.05);
  // The snapshot: the start of kNow's day, 2025-06-15 00:00 UTC.
  EXPECT_EQ(five->compute_time().seconds(), absl::ToUnixSeconds(kNow) - (15 * 3600 + 6 * 60 + 40));
}

// The caller's own score is not among the figures it reads: recording assessments that score
// 0 and then 1 (ranks 2–4 would otherwise be the lowest or the highest peers) moves nothing.
TEST_F(BenchmarkTest, TheCallersOwnScoreMovesNothingItReads) {
  Peers(5);
  Own("low", absl::Hours(3), 0);
  absl::StatusOr<api::GetBenchmarkResponse> low = Benchmark("acme");
  Own("high", absl::Hours(2), 1);
  absl::StatusOr<api::GetBenchmarkResponse> high = Benchmark("acme");
  ASSERT_TRUE(low.ok() && high.ok());
  EXPECT_DOUBLE_EQ(low->areas(0).own_score(), 0);
  EXPECT_DOUBLE_EQ(high->areas(0).own_score(), 1);
  for (api::GetBenchmarkResponse* r : {&*low, &*high}) r->mutable_areas(0)->clear_own_score();
  EXPECT_EQ(low->SerializeAsString(), high->SerializeAsString());
  EXPECT_NEAR(low->areas(0).p25(), 0.2, 1e-12);  // peers {0.1, 0.2, 0.3, 0.4, 0.5}
  EXPECT_NEAR(low->areas(0).p75(), 0.4, 1e-12);
}

// Peers' figures are those of the day's start: a peer's assessment closed today, or closed
// earlier but recorded today (its scoring delayed), joins tomorrow, so asking again and again
// does not time it.
TEST_F(BenchmarkTest, APeersAssessmentClosedOrRecordedTodayJoinsTomorrow) {
  Peers(5);
  absl::StatusOr<api::GetBenchmarkResponse> before = Benchmark("acme");
  ScorecardSpec today = Spec("summer", absl::Hours(1), "peer-0");
  today.areas = {testing::AreaSpec{"change", "lin.change", 0.5, 0.95, 0.6}};
  ASSERT_TRUE(Record(today).ok());
  ScorecardSpec late = Spec("autumn", absl::Hours(20), "peer-1");  // closed yesterday
  late.areas = {testing::AreaSpec{"change", "lin.change", 0.5, 0.95, 0.6}};
  ASSERT_TRUE(Record(late).ok());  // recorded now, today
  absl::StatusOr<api::GetBenchmarkResponse> after = Benchmark("acme");
  ASSERT_TRUE(before.ok() && after.ok());
  EXPECT_EQ(before->SerializeAsString(), after->SerializeAsString());
  EXPECT_NEAR(after->areas(0).p25(), 0.2, 1e-12) << "peer-1's 0.2 of two days ago still counts";

  now_ = kNow + absl::Hours(12);  // the next day
  absl::StatusOr<api::GetBenchmarkResponse> tomorrow = Benchmark("acme");
  ASSERT_TRUE(tomorrow.ok());
  EXPECT_NEAR(tomorrow->areas(0).p25(), 0.4, 1e-12);  // peers {0.3, 0.4, 0.5, 0.95, 0.95}
  EXPECT_NEAR(tomorrow->areas(0).p75(), 0.95, 1e-12);
}

// Asked for every area, an area only 1–4 peers scored is not listed (its row alone would tell
// they exist); one the caller scored is, suppressed.
TEST_F(BenchmarkTest, EveryAreaListsOnlyAreasWithFiguresOrTheCallersOwn) {
  Peers(4);
  absl::StatusOr<api::GetBenchmarkResponse> all = Benchmark("acme", std::nullopt, {});
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_THAT(all->areas(), IsEmpty());
  Own("own", absl::Hours(2), 0.45);
  all = Benchmark("acme", std::nullopt, {});
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->areas_size(), 1);
  EXPECT_TRUE(all->areas(0).suppressed());
  EXPECT_DOUBLE_EQ(all->areas(0).own_score(), 0.45);
}

TEST_F(BenchmarkTest, AStartTimeCountsFromTheFirstOfItsMonth) {
  // The peers' scorecards closed on 2025-05-26. A start time a day later, in the same month,
  // still counts them: otherwise moving the start time day by day and watching tenant_count
  // would date each peer's latest scorecard to the day.
  Peers(5, absl::Hours(24 * 20));
  absl::StatusOr<api::GetBenchmarkResponse> may = Benchmark("acme", kNow - absl::Hours(24 * 19));
  ASSERT_TRUE(may.ok()) << may.status();
  EXPECT_FALSE(may->areas(0).suppressed());
  EXPECT_EQ(may->areas(0).tenant_count(), 5);
  // From June on, none of them.
  absl::StatusOr<api::GetBenchmarkResponse> june = Benchmark("acme", kNow - absl::Hours(24 * 13));
  ASSERT_TRUE(june.ok());
  EXPECT_TRUE(june->areas(0).suppressed());
}

TEST_F(BenchmarkTest, TenantsThatOptedOutNeitherReadNorContribute) {
  Peers(5);
  settings_.Set("peer-0", false);
  absl::StatusOr<api::GetBenchmarkResponse> refused = Benchmark("peer-0");
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReasonOf(refused.status()), "BENCHMARK_OPT_IN_REQUIRED");
  EXPECT_THAT(refused.status().message(), HasSubstr("benchmark_opt_in"));
  EXPECT_EQ(store_.Snapshot("peer-0").opt_in, false);

  // peer-0's opt-out is now last seen: four contributors remain.
  absl::StatusOr<api::GetBenchmarkResponse> after = Benchmark("acme");
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(after->areas(0).suppressed());
  EXPECT_FALSE(after->areas(0).has_own_score()) << "acme has no scorecard";
}

TEST_F(BenchmarkTest, AnUnreadableOptInIsUnavailableAndBadRequestsNameTheField) {
  EXPECT_EQ(Benchmark("nobody").status().code(), absl::StatusCode::kUnavailable);
  api::GetBenchmarkRequest req;
  req.set_parent("tenants/acme");
  req.set_group_kind(tapi::RESPONSE_GROUP_KIND_CUSTOMER_ORGANIZATION);
  api::GetBenchmarkResponse resp;
  EXPECT_THAT(Fields(core_.GetBenchmark(Rc("acme"), req, &resp)),
              ElementsAre("model", "group_kind"));
  EXPECT_THAT(resp.areas(), IsEmpty());

  req.set_model("models/lagom-itsm");
  req.clear_group_kind();
  *req.mutable_start_time() = Year10000();
  absl::Status s = core_.GetBenchmark(Rc("acme"), req, &resp);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Fields(s), ElementsAre("start_time"));
}

}  // namespace
}  // namespace lagom::reporting
