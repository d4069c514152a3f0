// Scorecard history end to end on the service binaries and real PostgreSQL: the questionnaire
// process (API keys, tenant settings) and the reporting process. Scorecards are recorded with
// the service token as the scoring service records them, then read, listed, paged, streamed,
// followed as trends, compared across model versions and benchmarked across tenants.
#include <gmock/gmock.h>
#include <grpcpp/create_channel.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <pqxx/pqxx>
#include <thread>

#include "absl/strings/str_cat.h"
#include "common/channel.h"
#include "common/resource_util.h"
#include "common/status.h"
#include "common/testing/integration.h"
#include "lagom/reporting/v1/reporting.grpc.pb.h"
#include "lagom/tenancy/v1/tenancy.grpc.pb.h"
#include "services/reporting/testing/scorecard_builder.h"
#include "tests/integration/lagom_processes.h"

namespace lagom::testing {
namespace {

namespace api = ::lagom::reporting::v1;
namespace sapi = ::lagom::scoring::v1;
namespace tapi = ::lagom::type::v1;
namespace tenancy = ::lagom::tenancy::v1;
using reporting::testing::AreaSpec;
using reporting::testing::BuildScorecard;
using reporting::testing::ItsmAreas;
using reporting::testing::ScorecardSpec;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

const absl::Time kNow = absl::Now();

// A tenant with an admin key (reads) and a SERVICE key (an integration's: it may not record).
struct Tenant {
  std::string id;
  std::string admin_key;
  std::string service_key;
};

class ReportingProcessTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<RunningService> q = StartService(Questionnaire(), "");
    ASSERT_TRUE(q.ok()) << q.status();
    questionnaire_ = new RunningService(*std::move(q));
    absl::StatusOr<RunningService> r = StartService(Reporting(), questionnaire_->address);
    ASSERT_TRUE(r.ok()) << r.status();
    reporting_ = new RunningService(*std::move(r));
  }
  static void TearDownTestSuite() {
    delete reporting_;
    delete questionnaire_;
  }

  void SetUp() override { stub_ = api::ReportingService::NewStub(reporting_->channel); }

  static Tenant NewTenant(const std::string& prefix) {
    Tenant t;
    t.id = UniqueTenantId(prefix);
    absl::StatusOr<std::string> admin = CreateTenant(*questionnaire_->channel, t.id);
    EXPECT_TRUE(admin.ok()) << admin.status();
    t.admin_key = admin.value_or("");
    auto service = CreateApiKey(*questionnaire_->channel, t.admin_key, "ROLE_SERVICE");
    EXPECT_TRUE(service.ok()) << service.status();
    if (service.ok()) t.service_key = service->second;
    return t;
  }

  static void SetOptIn(const Tenant& t, bool opt_in) {
    auto tenants = tenancy::TenantService::NewStub(questionnaire_->channel);
    tenancy::UpdateTenantSettingsRequest req;
    req.mutable_settings()->set_name(absl::StrCat("tenants/", t.id, "/settings"));
    req.mutable_settings()->set_benchmark_opt_in(opt_in);
    req.mutable_update_mask()->add_paths("benchmark_opt_in");
    tenancy::UpdateTenantSettingsResponse resp;
    grpc::ClientContext ctx;
    Authorize(ctx, t.admin_key);
    grpc::Status s = tenants->UpdateTenantSettings(&ctx, req, &resp);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  static ScorecardSpec Spec(const Tenant& t, const std::string& session, int days_ago) {
    ScorecardSpec spec;
    spec.tenant = t.id;
    spec.session_id = session;
    spec.close_time = kNow - absl::Hours(24 * days_ago);
    spec.service_ids = {"email"};
    spec.organization_ids = {"contoso", "fabrikam"};
    spec.areas = ItsmAreas(0.6, 0.5);
    return spec;
  }

  template <typename Req, typename Resp, typename Method>
  grpc::Status Call(Method method, const std::string& key, const Req& req, Resp* resp) {
    grpc::ClientContext ctx;
    Authorize(ctx, key);
    return ((*stub_).*method)(&ctx, req, resp);
  }

  grpc::Status Record(const Tenant& t, const sapi::Scorecard& card, sapi::Scorecard* out,
                      const std::string& request_id = "") {
    api::RecordScorecardRequest req;
    req.set_parent("tenants/" + t.id);
    *req.mutable_scorecard() = card;
    req.set_request_id(request_id);
    api::RecordScorecardResponse resp;
    grpc::ClientContext ctx;
    AuthorizeAsScoring(ctx, t.id);
    grpc::Status s = stub_->RecordScorecard(&ctx, req, &resp);
    if (out != nullptr) *out = resp.scorecard();
    return s;
  }

  sapi::Scorecard MustRecord(const Tenant& t, const ScorecardSpec& spec) {
    sapi::Scorecard out;
    grpc::Status s = Record(t, BuildScorecard(spec), &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }

  api::ListScorecardsResponse List(const Tenant& t, api::ListScorecardsRequest req) {
    req.set_parent("tenants/" + t.id);
    api::ListScorecardsResponse resp;
    grpc::Status s = Call(&api::ReportingService::Stub::ListScorecards, t.admin_key, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return resp;
  }

  static RunningService* questionnaire_;
  static RunningService* reporting_;
  std::unique_ptr<api::ReportingService::Stub> stub_;
};

RunningService* ReportingProcessTest::questionnaire_ = nullptr;
RunningService* ReportingProcessTest::reporting_ = nullptr;

std::vector<std::string> SessionsOf(
    const google::protobuf::RepeatedPtrField<sapi::Scorecard>& cards) {
  std::vector<std::string> out;
  for (const sapi::Scorecard& c : cards)
    out.push_back(c.session().substr(c.session().rfind('/') + 1));
  return out;
}

TEST_F(ReportingProcessTest, RecordGetListPageAndStreamTheHistory) {
  const Tenant t = NewTenant("hist");
  // Four quarterly assessments; the third covered the ERP service only.
  std::vector<sapi::Scorecard> recorded;
  for (int q = 0; q < 4; ++q) {
    ScorecardSpec spec = Spec(t, absl::StrCat("q", q + 1), 90 * (4 - q));
    if (q == 2) spec.service_ids = {"erp"};
    recorded.push_back(MustRecord(t, spec));
  }
  EXPECT_THAT(recorded[0].name(), ::testing::StartsWith("tenants/" + t.id + "/scorecards/q1-"));
  EXPECT_TRUE(recorded[0].has_create_time());

  api::GetScorecardRequest get;
  get.set_name(recorded[1].name());
  api::GetScorecardResponse got;
  ASSERT_TRUE(Call(&api::ReportingService::Stub::GetScorecard, t.admin_key, get, &got).ok());
  EXPECT_EQ(got.scorecard().SerializeAsString(), recorded[1].SerializeAsString());

  // Newest first, two per page, with the total.
  api::ListScorecardsRequest list;
  list.set_page_size(2);
  api::ListScorecardsResponse page1 = List(t, list);
  EXPECT_EQ(page1.total_size(), 4);
  EXPECT_THAT(SessionsOf(page1.scorecards()), ElementsAre("q4", "q3"));
  list.set_page_token(page1.next_page_token());
  api::ListScorecardsResponse page2 = List(t, list);
  EXPECT_THAT(SessionsOf(page2.scorecards()), ElementsAre("q2", "q1"));
  EXPECT_EQ(page2.next_page_token(), "");

  // A token of another query is refused, naming the field.
  list.set_parent("tenants/" + t.id);
  list.mutable_selector()->set_service("tenants/" + t.id + "/services/email");
  list.set_page_token(page1.next_page_token());
  api::ListScorecardsResponse refused;
  grpc::Status bad =
      Call(&api::ReportingService::Stub::ListScorecards, t.admin_key, list, &refused);
  EXPECT_EQ(bad.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ReasonOf(bad), "PAGE_TOKEN_INVALID");

  // Filters: a service, and a window of close times; summaries have no figures.
  list.clear_page_token();
  list.set_page_size(0);
  list.set_summary_only(true);
  *list.mutable_selector()->mutable_start_time() = ToProto(kNow - absl::Hours(24 * 200));
  api::ListScorecardsResponse email_recent = List(t, list);
  EXPECT_THAT(SessionsOf(email_recent.scorecards()), ElementsAre("q4"));
  EXPECT_EQ(email_recent.scorecards(0).area_scores_size(), 0);
  EXPECT_EQ(email_recent.scorecards(0).title(), "Quarterly service review");

  // The stream: everything, oldest first.
  api::StreamScorecardsRequest stream_req;
  stream_req.set_parent("tenants/" + t.id);
  grpc::ClientContext ctx;
  Authorize(ctx, t.admin_key);
  auto reader = stub_->StreamScorecards(&ctx, stream_req);
  api::StreamScorecardsResponse item;
  std::vector<std::string> streamed;
  while (reader->Read(&item)) streamed.push_back(item.scorecard().name());
  ASSERT_TRUE(reader->Finish().ok());
  EXPECT_THAT(streamed, ElementsAre(recorded[0].name(), recorded[1].name(), recorded[2].name(),
                                    recorded[3].name()));
}

TEST_F(ReportingProcessTest, ScorecardsOfManyMegabytesAreRecordedReadAndListedPageByPage) {
  const Tenant t = NewTenant("large");
  // A client that takes replies as large as Lagom sends, as scoring and the gateway do; stub_
  // keeps gRPC's default of 4 MiB, as other clients do unless told otherwise (docs/api.md).
  auto large = api::ReportingService::NewStub(grpc::CreateCustomChannel(
      reporting_->address, grpc::InsecureChannelCredentials(), ServiceChannelArguments()));
  auto call = [&](auto method, const std::string& key, const auto& req, auto* resp) {
    grpc::ClientContext ctx;
    Authorize(ctx, key);
    return ((*large).*method)(&ctx, req, resp);
  };
  // Three of 2.5 MiB, then (newest) one of 12 MiB, as a session with hundreds of organisations.
  std::vector<sapi::Scorecard> recorded;
  for (int q = 0; q < 4; ++q) {
    api::RecordScorecardRequest req;
    req.set_parent("tenants/" + t.id);
    *req.mutable_scorecard() = BuildScorecard(Spec(t, absl::StrCat("q", q + 1), 90 * (4 - q)));
    reporting::testing::PadScorecard(*req.mutable_scorecard(), q == 3 ? 12 : 2.5);
    api::RecordScorecardResponse resp;
    grpc::ClientContext ctx;
    AuthorizeAsScoring(ctx, t.id);
    grpc::Status s = large->RecordScorecard(&ctx, req, &resp);
    ASSERT_TRUE(s.ok()) << s.error_message();
    recorded.push_back(resp.scorecard());
  }
  api::GetScorecardRequest get;
  get.set_name(recorded[3].name());
  api::GetScorecardResponse got;
  grpc::Status read = call(&api::ReportingService::Stub::GetScorecard, t.admin_key, get, &got);
  ASSERT_TRUE(read.ok()) << read.error_message();
  EXPECT_GT(got.ByteSizeLong(), size_t{12} << 20);
  EXPECT_EQ(got.scorecard().SerializeAsString(), recorded[3].SerializeAsString());
  EXPECT_EQ(Call(&api::ReportingService::Stub::GetScorecard, t.admin_key, get, &got).error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);

  // Pages stop short of 4 MiB: the large one alone, then one of 2.5 MiB a page.
  api::ListScorecardsRequest list;
  list.set_parent("tenants/" + t.id);
  list.set_page_size(10);
  std::vector<std::vector<std::string>> pages;
  for (int page = 0; page < 6; ++page) {
    api::ListScorecardsResponse resp;
    grpc::Status s = call(&api::ReportingService::Stub::ListScorecards, t.admin_key, list, &resp);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(resp.total_size(), 4);
    pages.push_back(SessionsOf(resp.scorecards()));
    if (resp.next_page_token().empty()) break;
    list.set_page_token(resp.next_page_token());
  }
  using V = std::vector<std::string>;
  EXPECT_THAT(pages, ElementsAre(V{"q4"}, V{"q3"}, V{"q2"}, V{"q1"}));
  // Those pages are within a default client's reach.
  list.set_page_token("");
  api::ListScorecardsResponse first;
  ASSERT_TRUE(call(&api::ReportingService::Stub::ListScorecards, t.admin_key, list, &first).ok());
  list.set_page_token(first.next_page_token());
  EXPECT_THAT(SessionsOf(List(t, list).scorecards()), ElementsAre("q3"));
}

TEST_F(ReportingProcessTest, TrendsAndComparisonsFollowAreasAcrossModelVersions) {
  const Tenant t = NewTenant("trend");
  std::vector<sapi::Scorecard> recorded;
  for (int q = 0; q < 4; ++q) {
    ScorecardSpec spec = Spec(t, absl::StrCat("q", q + 1), 90 * (4 - q));
    spec.areas[5].customers = 0.3 + 0.1 * q;  // change management improves every quarter
    if (q == 3) {
      // Version 2 of the model renamed the area; its lineage is unchanged.
      spec.model_version = "models/lagom-itsm/versions/2";
      spec.content_hash = "sha256:lagom-itsm-2";
      spec.areas[5].id = "change-enablement";
    }
    recorded.push_back(MustRecord(t, spec));
  }

  api::GetTrendRequest trend;
  trend.set_parent("tenants/" + t.id);
  trend.set_metric(api::TREND_METRIC_AREA_SCORE);
  trend.add_area_lineage_ids("lin.change");
  api::GetTrendResponse series;
  ASSERT_TRUE(Call(&api::ReportingService::Stub::GetTrend, t.admin_key, trend, &series).ok());
  ASSERT_EQ(series.series_size(), 1);
  EXPECT_EQ(series.series(0).area_id(), "change-enablement");  // as in the latest scorecard
  std::vector<double> values;
  for (const auto& p : series.series(0).points()) values.push_back(p.value());
  EXPECT_THAT(values,
              ElementsAre(::testing::DoubleNear(0.3, 1e-9), ::testing::DoubleNear(0.4, 1e-9),
                          ::testing::DoubleNear(0.5, 1e-9), ::testing::DoubleNear(0.6, 1e-9)));
  EXPECT_EQ(series.series(0).points(3).model_version(), "models/lagom-itsm/versions/2");
  EXPECT_EQ(series.series(0).points(0).scorecard(), recorded[0].name());

  // Gap to target, two most recent points.
  trend.set_metric(api::TREND_METRIC_GAP_TO_TARGET);
  trend.set_max_points(2);
  ASSERT_TRUE(Call(&api::ReportingService::Stub::GetTrend, t.admin_key, trend, &series).ok());
  ASSERT_EQ(series.series(0).points_size(), 2);
  EXPECT_NEAR(series.series(0).points(0).value(), 0.5 - 0.6, 1e-9);

  api::CompareScorecardsRequest compare;
  compare.set_base_scorecard(recorded[2].name());
  compare.set_comparison_scorecard(recorded[3].name());
  api::CompareScorecardsResponse diff;
  ASSERT_TRUE(
      Call(&api::ReportingService::Stub::CompareScorecards, t.admin_key, compare, &diff).ok());
  EXPECT_FALSE(diff.same_model_content());
  ASSERT_EQ(diff.areas_size(), 20);  // ten lineages × provider and all customers
  const api::AreaComparison& change = diff.areas(11);
  EXPECT_EQ(change.lineage_id(), "lin.change");
  EXPECT_EQ(change.group().kind(), tapi::RESPONSE_GROUP_KIND_ALL_CUSTOMERS);
  EXPECT_EQ(change.base_area_id(), "change");
  EXPECT_EQ(change.comparison_area_id(), "change-enablement");
  EXPECT_NEAR(change.delta(), 0.1, 1e-9);
  EXPECT_EQ(change.base_status(), sapi::GOOD_ENOUGH_STATUS_BELOW);
  EXPECT_TRUE(change.has_comparison_perception_gap());

  compare.set_comparison_scorecard(recorded[1].name());
  ASSERT_TRUE(
      Call(&api::ReportingService::Stub::CompareScorecards, t.admin_key, compare, &diff).ok());
  EXPECT_TRUE(diff.same_model_content());
}

TEST_F(ReportingProcessTest, RecordingIsIdempotentPerSessionEvenUnderConcurrency) {
  const Tenant t = NewTenant("idem");
  sapi::Scorecard first;
  ASSERT_TRUE(Record(t, BuildScorecard(Spec(t, "spring", 1)), &first, "req-1").ok());
  // The scoring service retries with the same request_id: the first reply.
  sapi::Scorecard retried;
  ASSERT_TRUE(Record(t, BuildScorecard(Spec(t, "spring", 1)), &retried, "req-1").ok());
  EXPECT_EQ(retried.SerializeAsString(), first.SerializeAsString());
  // Scored again (other figures): the session already has its scorecard, returned unchanged.
  ScorecardSpec rescored = Spec(t, "spring", 1);
  rescored.areas = ItsmAreas(0.9, 0.9);
  sapi::Scorecard again;
  ASSERT_TRUE(Record(t, BuildScorecard(rescored), &again).ok());
  EXPECT_EQ(again.SerializeAsString(), first.SerializeAsString());

  // Six replicas of the scoring service record one new session at once.
  std::vector<std::string> names(6);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < names.size(); ++i) {
    threads.emplace_back([&, i] {
      ScorecardSpec spec = Spec(t, "autumn", 0);
      spec.areas = ItsmAreas(0.1 * i, 0.5);
      sapi::Scorecard out;
      grpc::Status s = Record(t, BuildScorecard(spec), &out);
      names[i] = s.ok() ? out.name() : s.error_message();
    });
  }
  for (std::thread& th : threads) th.join();
  for (const std::string& name : names) EXPECT_EQ(name, names[0]);
  EXPECT_EQ(List(t, {}).total_size(), 2);
}

TEST_F(ReportingProcessTest, AnotherTenantsScorecardIsNotFoundAndBadInputNamesTheField) {
  const Tenant owner = NewTenant("own");
  const Tenant other = NewTenant("oth");
  const sapi::Scorecard card = MustRecord(owner, Spec(owner, "spring", 1));

  api::GetScorecardRequest get;
  get.set_name(card.name());
  api::GetScorecardResponse got;
  grpc::Status s = Call(&api::ReportingService::Stub::GetScorecard, other.admin_key, get, &got);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_FALSE(got.has_scorecard());
  api::CompareScorecardsRequest compare;
  compare.set_base_scorecard(card.name());
  compare.set_comparison_scorecard(card.name());
  api::CompareScorecardsResponse diff;
  EXPECT_EQ(Call(&api::ReportingService::Stub::CompareScorecards, other.admin_key, compare, &diff)
                .error_code(),
            grpc::StatusCode::NOT_FOUND);

  sapi::Scorecard preview = BuildScorecard(Spec(owner, "open-one", 0));
  preview.set_preview(true);
  preview.clear_model_version();
  s = Record(owner, preview, nullptr);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  std::vector<std::string> fields;
  for (const FieldViolation& v : ViolationsOf(s)) fields.push_back(v.field);
  EXPECT_THAT(fields, ElementsAre("scorecard.preview", "scorecard.model_version"));
  EXPECT_EQ(List(owner, {}).total_size(), 1) << "nothing of the refused scorecard was stored";

  // Only the scoring service records: not an admin, nor the tenant's own SERVICE key (an
  // integration's), which could otherwise record a session's results before it is scored.
  api::RecordScorecardRequest req;
  req.set_parent("tenants/" + owner.id);
  *req.mutable_scorecard() = BuildScorecard(Spec(owner, "forged", 0));
  api::RecordScorecardResponse resp;
  for (const std::string& key : {owner.admin_key, owner.service_key}) {
    grpc::Status refused = Call(&api::ReportingService::Stub::RecordScorecard, key, req, &resp);
    EXPECT_EQ(refused.error_code(), grpc::StatusCode::PERMISSION_DENIED) << refused.error_message();
  }
  EXPECT_EQ(List(owner, {}).total_size(), 1) << "nothing of the refused scorecards was stored";
}

// Times at the ends of what the wire can carry, far outside google.protobuf.Timestamp's
// 0001-01-01 to 9999-12-31 and outside what PostgreSQL can store.
google::protobuf::Timestamp FarPast() {
  google::protobuf::Timestamp ts;
  ts.set_seconds(std::numeric_limits<int64_t>::min());
  return ts;
}

TEST_F(ReportingProcessTest, TimesOutsideTheTimestampRangeAreInvalidArgumentsStoringNothing) {
  const Tenant t = NewTenant("time");
  SetOptIn(t, true);
  sapi::Scorecard card = BuildScorecard(Spec(t, "far-past", 0));
  *card.mutable_session_close_time() = FarPast();
  grpc::Status s = Record(t, card, nullptr);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();
  ASSERT_EQ(ViolationsOf(s).size(), 1u) << s.error_message();
  EXPECT_EQ(ViolationsOf(s)[0].field, "scorecard.session_close_time");
  EXPECT_THAT(ViolationsOf(s)[0].description, HasSubstr("9999-12-31T23:59:59.999999999Z"));
  EXPECT_EQ(List(t, {}).total_size(), 0) << "nothing of the refused scorecard was stored";

  api::ListScorecardsRequest list;
  list.set_parent("tenants/" + t.id);
  *list.mutable_selector()->mutable_start_time() = FarPast();
  api::ListScorecardsResponse listed;
  s = Call(&api::ReportingService::Stub::ListScorecards, t.admin_key, list, &listed);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();
  ASSERT_EQ(ViolationsOf(s).size(), 1u) << s.error_message();
  EXPECT_EQ(ViolationsOf(s)[0].field, "selector.start_time");

  api::GetBenchmarkRequest benchmark;
  benchmark.set_parent("tenants/" + t.id);
  benchmark.set_model("models/lagom-itsm");
  *benchmark.mutable_start_time() = FarPast();
  api::GetBenchmarkResponse benchmarked;
  s = Call(&api::ReportingService::Stub::GetBenchmark, t.admin_key, benchmark, &benchmarked);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();
  ASSERT_EQ(ViolationsOf(s).size(), 1u) << s.error_message();
  EXPECT_EQ(ViolationsOf(s)[0].field, "start_time");
}

class BenchmarkProcessTest : public ReportingProcessTest {
 protected:
  // A model of this test's own, so that opted-in tenants of other tests and earlier runs on
  // the same database do not join the benchmark.
  void SetUp() override {
    ReportingProcessTest::SetUp();
    model_ = "models/" + UniqueTenantId("bench");
  }

  // An opted-in tenant whose latest assessment scores `change` at `customers`.
  Tenant Contributor(double customers, bool opt_in = true) {
    Tenant t = NewTenant("peer");
    SetOptIn(t, opt_in);
    ScorecardSpec older = Spec(t, "older", 300);
    older.model_version = model_ + "/versions/1";
    older.areas = {AreaSpec{"change", "lin.change", 0.5, 0.99, 0.6}};  // superseded
    MustRecord(t, older);
    ScorecardSpec latest = Spec(t, "latest", 10);
    latest.model_version = model_ + "/versions/1";
    latest.areas = {AreaSpec{"change", "lin.change", 0.5, customers, 0.6}};
    MustRecord(t, latest);
    return t;
  }

  // A benchmark shows peers' figures recorded before the day began, and these were recorded
  // just now: as if each was recorded a minute after its session closed.
  void RecordedWhenClosed() {
    pqxx::connection db(lagom::testing::TestServicesPostgresUrl("postgres"));
    pqxx::work tx(db);
    tx.exec_params(
        "UPDATE reporting.area_figures SET record_time = close_time + interval '1 minute'"
        " WHERE model = $1",
        model_);
    tx.commit();
  }

  grpc::Status Benchmark(const Tenant& t, api::GetBenchmarkResponse* resp) {
    RecordedWhenClosed();
    api::GetBenchmarkRequest req;
    req.set_parent("tenants/" + t.id);
    req.set_model(model_);
    return Call(&api::ReportingService::Stub::GetBenchmark, t.admin_key, req, resp);
  }

  std::string model_;
};

TEST_F(BenchmarkProcessTest, FourPeersAreSuppressedFiveDiscloseRoundedPercentiles) {
  const Tenant caller = Contributor(0.45);
  std::vector<Tenant> peers = {Contributor(0.21), Contributor(0.32), Contributor(0.61),
                               Contributor(0.74)};
  Contributor(0.1, /*opt_in=*/false);  // never counted

  api::GetBenchmarkResponse four;
  ASSERT_TRUE(Benchmark(caller, &four).ok());
  EXPECT_EQ(four.min_tenant_count(), 5);
  ASSERT_EQ(four.areas_size(), 1);
  EXPECT_EQ(four.areas(0).area_lineage_id(), "lin.change");
  EXPECT_TRUE(four.areas(0).suppressed());
  EXPECT_EQ(four.areas(0).tenant_count(), 0);
  EXPECT_EQ(four.areas(0).p10(), 0);
  EXPECT_EQ(four.areas(0).p50(), 0);
  EXPECT_EQ(four.areas(0).p90(), 0);
  EXPECT_DOUBLE_EQ(four.areas(0).own_score(), 0.45);

  peers.push_back(Contributor(0.83));
  api::GetBenchmarkResponse five;
  ASSERT_TRUE(Benchmark(caller, &five).ok());
  const api::AreaBenchmark& area = five.areas(0);
  EXPECT_FALSE(area.suppressed());
  EXPECT_EQ(area.tenant_count(), 5);
  EXPECT_DOUBLE_EQ(five.score_step(), 0.05);
  // The peers' latest scores {0.21, 0.32, 0.61, 0.74, 0.83}; the caller's own 0.45, the
  // superseded 0.99s and the opted-out 0.1 do not count. Ranks 2, 3 and 4 to the nearest
  // 0.05; the lowest and highest not at all.
  EXPECT_NEAR(area.p25(), 0.3, 1e-9);
  EXPECT_NEAR(area.p50(), 0.6, 1e-9);
  EXPECT_NEAR(area.p75(), 0.75, 1e-9);
  EXPECT_TRUE(area.tails_withheld());
  EXPECT_EQ(area.p10(), 0);
  EXPECT_EQ(area.p90(), 0);
  EXPECT_DOUBLE_EQ(area.own_score(), 0.45);
  const std::string wire = five.SerializeAsString();
  for (const Tenant& peer : peers) EXPECT_THAT(wire, ::testing::Not(HasSubstr(peer.id)));
  for (const double peer_score : {0.21, 0.32, 0.61, 0.74, 0.83}) {
    for (const double disclosed : {area.p10(), area.p25(), area.p50(), area.p75(), area.p90()}) {
      EXPECT_NE(disclosed, peer_score) << "a peer's own score, unrounded";
    }
  }
}

TEST_F(BenchmarkProcessTest, ATenantThatHasNotOptedInIsRefused) {
  // FAILED_PRECONDITION, not PERMISSION_DENIED: the caller's role may read benchmarks; what
  // is missing is the tenant's opt-in, which its admin can set.
  const Tenant t = Contributor(0.5, /*opt_in=*/false);
  api::GetBenchmarkResponse resp;
  grpc::Status s = Benchmark(t, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(ReasonOf(s), "BENCHMARK_OPT_IN_REQUIRED");
  EXPECT_THAT(s.error_message(), HasSubstr("benchmark_opt_in"));
  EXPECT_EQ(resp.areas_size(), 0);

  // Opting in is read at the next call.
  SetOptIn(t, true);
  EXPECT_TRUE(Benchmark(t, &resp).ok());
}

}  // namespace
}  // namespace lagom::testing
