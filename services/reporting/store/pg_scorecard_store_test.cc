// The reporting store on real PostgreSQL, its migrations applied as the owner role and the
// store connected as the services' role lagom_app, so that row-level security applies: trends over
// several scorecards, one scorecard per session under concurrent recordings, and the benchmark's
// cross-tenant read seeing opted-in tenants only.
#include "services/reporting/store/pg_scorecard_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>
#include <pqxx/pqxx>
#include <thread>

#include "absl/strings/str_cat.h"
#include "common/pg_outbox_store.h"
#include "common/status.h"
#include "common/testing/integration.h"
#include "common/testing/scratch_database.h"
#include "lagom/auth/v1/auth.pb.h"
#include "reporting_migrations.h"
#include "services/reporting/core/fake_scorecard_store.h"
#include "services/reporting/core/reporting_core.h"
#include "services/reporting/testing/scorecard_builder.h"

namespace lagom::reporting {
namespace {

using testing::AreaSpec;
using testing::BuildScorecard;
using ::testing::ElementsAre;
using testing::ScorecardSpec;

const absl::Time kNow = absl::Now();

RequestContext Rc(const std::string& tenant) {
  RequestContext rc;
  rc.tenant_id = tenant;
  return rc;
}

class PgScorecardStoreTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    db_ = new lagom::testing::ScratchDatabase("reporting_store");
    auto owner = PgPool::Connect(db_->owner_url(), 1, absl::Seconds(5));
    ASSERT_TRUE(owner.ok()) << owner.status();
    ASSERT_TRUE((*owner)->RunMigrations("reporting", Migrations()).ok());
  }
  static void TearDownTestSuite() { delete db_; }

  void SetUp() override {
    auto pool = PgPool::Connect(db_->app_url(), 4, absl::Seconds(5));
    ASSERT_TRUE(pool.ok()) << pool.status();
    pool_ = *std::move(pool);
    store_ = std::make_unique<PgScorecardStore>(*pool_);
    core_ = std::make_unique<ReportingCore>(*store_, settings_,
                                            [this] { return now_.value_or(absl::Now()); });
    tenant_ = lagom::testing::UniqueTenantId("rep");
    settings_.Set(tenant_, true);
  }

  // A scorecard of `session` closed `days` ago whose change area scores `customers` (the
  // customers' view) under a model version.
  absl::StatusOr<sapi::Scorecard> Record(const std::string& tenant, const std::string& session,
                                         int days, double customers,
                                         const std::string& version = "1",
                                         bool low_confidence = false) {
    ScorecardSpec spec;
    spec.tenant = tenant;
    spec.session_id = session;
    spec.close_time = kNow - absl::Hours(24 * days);
    spec.model_version = "models/lagom-itsm/versions/" + version;
    spec.organization_ids = {"contoso"};
    spec.customers_low_confidence = low_confidence;
    spec.areas = {AreaSpec{"change", "lin.change", 0.7, customers, 0.6},
                  AreaSpec{"reactive", "lin.reactive", 0.5, 0.5, 0.6}};
    api::RecordScorecardRequest req;
    req.set_parent("tenants/" + tenant);
    *req.mutable_scorecard() = BuildScorecard(spec);
    api::RecordScorecardResponse resp;
    absl::Status s = core_->RecordScorecard(Rc(tenant), req, &resp);
    if (!s.ok()) return s;
    return resp.scorecard();
  }

  static lagom::testing::ScratchDatabase* db_;
  std::unique_ptr<PgPool> pool_;
  std::unique_ptr<PgScorecardStore> store_;
  FakeTenantSettings settings_;
  std::unique_ptr<ReportingCore> core_;
  std::optional<absl::Time> now_;  // the core's clock when set, else the real one
  std::string tenant_;
};

lagom::testing::ScratchDatabase* PgScorecardStoreTest::db_ = nullptr;

TEST_F(PgScorecardStoreTest, TrendsKeepTheMostRecentPointsOldestFirstPerArea) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(Record(tenant_, "s" + std::to_string(i), 50 - 10 * i, 0.3 + 0.1 * i, "1",
                       /*low_confidence=*/i == 4)
                    .ok());
  }
  api::GetTrendRequest req;
  req.set_parent("tenants/" + tenant_);
  req.set_metric(api::TREND_METRIC_AREA_SCORE);
  req.set_max_points(3);
  api::GetTrendResponse resp;
  ASSERT_TRUE(core_->GetTrend(Rc(tenant_), req, &resp).ok());
  ASSERT_EQ(resp.series_size(), 2);  // every area seen, by lineage
  const api::TrendSeries& change = resp.series(0);
  EXPECT_EQ(change.area_lineage_id(), "lin.change");
  std::vector<double> values;
  for (const auto& p : change.points()) values.push_back(p.value());
  EXPECT_THAT(values,
              ElementsAre(::testing::DoubleNear(0.5, 1e-9), ::testing::DoubleNear(0.6, 1e-9),
                          ::testing::DoubleNear(0.7, 1e-9)));
  EXPECT_LT(change.points(0).time().seconds(), change.points(2).time().seconds());
  EXPECT_FALSE(change.points(1).low_confidence());
  EXPECT_TRUE(change.points(2).low_confidence());
  EXPECT_EQ(change.points(2).model_version(), "models/lagom-itsm/versions/1");

  // The perception gap of one organisation, for one asked-for area, in a time window.
  req.set_metric(api::TREND_METRIC_PERCEPTION_GAP);
  req.mutable_group()->set_kind(tapi::RESPONSE_GROUP_KIND_CUSTOMER_ORGANIZATION);
  req.mutable_group()->set_customer_organization("tenants/" + tenant_ +
                                                 "/customerOrganizations/contoso");
  req.add_area_lineage_ids("lin.change");
  *req.mutable_selector()->mutable_start_time() = ToProto(kNow - absl::Hours(24 * 35));
  resp.Clear();
  ASSERT_TRUE(core_->GetTrend(Rc(tenant_), req, &resp).ok());
  ASSERT_EQ(resp.series_size(), 1);
  ASSERT_EQ(resp.series(0).points_size(), 3);  // closed 30, 20, 10 days ago
  // contoso is customers − 0.05; the provider scores 0.7.
  EXPECT_NEAR(resp.series(0).points(0).value(), 0.5 - 0.05 - 0.7, 1e-9);
  EXPECT_TRUE(resp.series(0).points(0).low_confidence());
}

TEST_F(PgScorecardStoreTest, AListReadsRowsOnlyWhileTheRowsBeforeTheLastHoldFewerThanMaxBytes) {
  // Newest first: a, b, c of 1.5 MiB, one of 6 MiB, then two small ones.
  const std::vector<std::pair<std::string, double>> sizes = {
      {"a", 1.5}, {"b", 1.5}, {"c", 1.5}, {"large", 6}, {"d", 0.01}, {"e", 0.01}};
  for (size_t i = 0; i < sizes.size(); ++i) {
    ScorecardSpec spec;
    spec.tenant = tenant_;
    spec.session_id = sizes[i].first;
    spec.close_time = kNow - absl::Hours(24 * (i + 1));
    api::RecordScorecardRequest req;
    req.set_parent("tenants/" + tenant_);
    *req.mutable_scorecard() = BuildScorecard(spec);
    testing::PadScorecard(*req.mutable_scorecard(), sizes[i].second);
    api::RecordScorecardResponse resp;
    ASSERT_TRUE(core_->RecordScorecard(Rc(tenant_), req, &resp).ok());
  }
  auto sessions_read = [&](HistoryPageQuery query) {
    std::vector<std::string> out;
    absl::Status read = store_->InTenant(Rc(tenant_), [&](ScorecardTransaction& tx) {
      absl::StatusOr<std::vector<ScorecardRecord>> rows = tx.List(query);
      if (!rows.ok()) return rows.status();
      for (const ScorecardRecord& r : *rows) {
        sapi::Scorecard card;
        EXPECT_TRUE(card.ParseFromString(query.summary_only ? r.summary : r.body));
        out.push_back(card.session().substr(card.session().rfind('/') + 1));
      }
      return absl::OkStatus();
    });
    EXPECT_TRUE(read.ok()) << read;
    return out;
  };
  HistoryPageQuery query;
  query.limit = 100;
  query.max_bytes = 2 << 20;
  // c is read (only a, 1.5 MiB, comes before b); the large one is not (a and b, 3 MiB).
  EXPECT_THAT(sessions_read(query), ElementsAre("a", "b", "c"));
  query.after = HistoryCursor{kNow - absl::Hours(24 * 3), ""};  // after c (any id sorts later)
  EXPECT_THAT(sessions_read(query), ElementsAre("large", "d"));
  query.max_bytes = 7 << 20;
  EXPECT_THAT(sessions_read(query), ElementsAre("large", "d", "e"));
  query.after.reset();
  query.limit = 2;
  EXPECT_THAT(sessions_read(query), ElementsAre("a", "b"));
  // Summaries are small: the bytes of the column read are what count.
  query.limit = 100;
  query.max_bytes = 2 << 20;
  query.summary_only = true;
  EXPECT_THAT(sessions_read(query), ElementsAre("a", "b", "c", "large", "d", "e"));
}

// The outbox as every relay uses it (common/pg_outbox_store.h), on the reporting service's
// table: an outcome counts only while the claim it answers still holds.
TEST_F(PgScorecardStoreTest, AnOutboxOutcomeCountsOnlyWhileItsClaimHolds) {
  ASSERT_TRUE(Record(tenant_, "spring", 1, 0.4).ok());  // queues this tenant's webhook events
  PgOutboxStore outbox(*pool_, {"reporting.outbox", "scorecard_id", kWebhooksConsumer});
  // Claims every due row (other tests' too), and returns this tenant's first.
  auto claim = [&](absl::Duration lease) -> std::optional<OutboxDelivery> {
    absl::StatusOr<std::vector<OutboxDelivery>> rows = outbox.Claim(1000, lease);
    EXPECT_TRUE(rows.ok()) << rows.status();
    if (!rows.ok()) return std::nullopt;
    std::optional<OutboxDelivery> mine;
    for (const OutboxDelivery& row : *rows) {
      if (row.tenant_id == tenant_ && (!mine || row.event_id < mine->event_id)) mine = row;
    }
    return mine;
  };
  // A claim whose lease ran out at once, then another replica's.
  std::optional<OutboxDelivery> stale = claim(absl::ZeroDuration());
  ASSERT_TRUE(stale.has_value());
  std::optional<OutboxDelivery> held = claim(absl::Minutes(1));
  ASSERT_TRUE(held.has_value());
  ASSERT_EQ(held->event_id, stale->event_id);
  EXPECT_EQ(held->attempts, stale->attempts + 1);
  EXPECT_TRUE(absl::IsAborted(outbox.MarkDelivered(*stale, "")));
  EXPECT_TRUE(absl::IsAborted(outbox.Retry(*stale, absl::Seconds(1), "stale")));
  EXPECT_TRUE(absl::IsAborted(outbox.Release(*stale)));
  // The holder releases the row: due again at once, under a new claim that no earlier one
  // matches.
  ASSERT_TRUE(outbox.Release(*held).ok());
  std::optional<OutboxDelivery> again = claim(absl::Minutes(1));
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->event_id, held->event_id);
  EXPECT_EQ(again->attempts, held->attempts + 1);
  EXPECT_TRUE(absl::IsAborted(outbox.MarkDelivered(*held, "")));
  ASSERT_TRUE(outbox.MarkDelivered(*again, "").ok());
  EXPECT_TRUE(absl::IsAborted(outbox.Retry(*again, absl::Seconds(1), "after delivery")));
  std::optional<OutboxDelivery> next = claim(absl::Minutes(1));
  EXPECT_TRUE(!next.has_value() || next->event_id != again->event_id) << "delivered stays so";
}

TEST_F(PgScorecardStoreTest, ConcurrentRecordingsOfOneSessionStoreOneScorecard) {
  std::vector<std::string> names(8);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < names.size(); ++i) {
    threads.emplace_back([&, i] {
      absl::StatusOr<sapi::Scorecard> s = Record(tenant_, "raced", 1, 0.1 * i);
      names[i] = s.ok() ? s->name() : s.status().ToString();
    });
  }
  for (std::thread& t : threads) t.join();
  for (const std::string& name : names) EXPECT_EQ(name, names[0]);
  pqxx::connection owner(db_->admin_url());
  pqxx::work tx(owner);
  EXPECT_EQ(
      tx.exec_params1("SELECT count(*) FROM reporting.scorecards WHERE tenant_id = $1", tenant_)[0]
          .as<int>(),
      1);
  EXPECT_EQ(tx.exec_params1("SELECT count(*) FROM reporting.area_figures WHERE tenant_id = $1",
                            tenant_)[0]
                .as<int>(),
            6);
}

// A request_id is its caller's, through PostgreSQL: another caller's same recording is
// refused.
TEST_F(PgScorecardStoreTest, AKeptReplyAnswersOnlyItsCaller) {
  ScorecardSpec spec;
  spec.tenant = tenant_;
  spec.session_id = "kept";
  spec.close_time = kNow - absl::Hours(1);
  spec.organization_ids = {"contoso"};
  spec.areas = {AreaSpec{"change", "lin.change", 0.7, 0.5, 0.6}};
  api::RecordScorecardRequest req;
  req.set_parent("tenants/" + tenant_);
  req.set_request_id("3e7a1c9d-2b4f-4a6e-8c1d-9f0b2e5a7c31");
  *req.mutable_scorecard() = BuildScorecard(spec);
  RequestContext scoring = Rc(tenant_);
  scoring.principal.set_subject("lagom-scoring");
  scoring.principal.set_credential_kind(auth::v1::CREDENTIAL_KIND_SERVICE);
  api::RecordScorecardResponse first, retry, other;
  ASSERT_TRUE(core_->RecordScorecard(scoring, req, &first).ok());
  ASSERT_TRUE(core_->RecordScorecard(scoring, req, &retry).ok());
  EXPECT_EQ(retry.scorecard().name(), first.scorecard().name());
  RequestContext someone = Rc(tenant_);
  someone.principal.set_subject("tenants/" + tenant_ + "/apiKeys/service");
  someone.principal.set_credential_kind(auth::v1::CREDENTIAL_KIND_API_KEY);
  EXPECT_EQ(ReasonOf(core_->RecordScorecard(someone, req, &other)), "REQUEST_ID_REUSED");
}

TEST_F(PgScorecardStoreTest, TheServicesRoleCannotChangeARecordedScorecard) {
  ASSERT_TRUE(Record(tenant_, "spring", 1, 0.5).ok());
  pqxx::connection app(db_->app_url());
  pqxx::work tx(app);
  tx.exec_params("SELECT set_config('lagom.tenant_id', $1, true)", tenant_);
  EXPECT_THROW(tx.exec("UPDATE reporting.scorecards SET content_hash = 'sha256:forged'"),
               pqxx::sql_error);
}

// A purge waits for a recording already under way, then deletes what it stored; a recording
// after the purge is refused and stores nothing (the scoring service records for a tenant
// after its own credentials stopped working).
TEST_F(PgScorecardStoreTest, APurgeWaitsForARecordingUnderWayAndLaterOnesStoreNothing) {
  pqxx::connection recording(db_->app_url());
  pqxx::work rec(recording);
  rec.exec_params("SELECT set_config('lagom.tenant_id', $1, true)", tenant_);
  ASSERT_FALSE(rec.exec1("SELECT reporting.tenant_purged()")[0].as<bool>());
  rec.exec_params(
      "INSERT INTO reporting.scorecards (tenant_id, scorecard_id, session, model, model_version,"
      " content_hash, close_time, create_time, services, customer_organizations, summary, body)"
      " VALUES ($1, 'late-1', $2, 'models/m', 'models/m/versions/1', 'sha256:x', now(), now(),"
      " '{}', '{}', '', '')",
      tenant_, "tenants/" + tenant_ + "/sessions/late");

  lagom::testing::BackgroundPurge purge("reporting", tenant_, db_->app_url());
  EXPECT_TRUE(lagom::testing::AwaitsALock(purge.pid()))
      << "the purge should wait for the recording under way";
  rec.commit();
  EXPECT_EQ(purge.Finish(), "");

  pqxx::connection owner(db_->admin_url());
  pqxx::work check(owner);
  EXPECT_EQ(check
                .exec_params1("SELECT count(*) FROM reporting.scorecards WHERE tenant_id = $1",
                              tenant_)[0]
                .as<int>(),
            0)
      << "the purge deletes what the recording under way stored";
  check.commit();
  absl::StatusOr<sapi::Scorecard> late = Record(tenant_, "later", 1, 0.5);
  EXPECT_EQ(late.status().code(), absl::StatusCode::kFailedPrecondition) << late.status();
  pqxx::work after(owner);
  for (const char* table :
       {"scorecards", "area_figures", "benchmark_participants", "outbox", "idempotent_requests"}) {
    EXPECT_EQ(after
                  .exec_params1(absl::StrCat("SELECT count(*) FROM reporting.", table,
                                             " WHERE tenant_id = $1"),
                                tenant_)[0]
                  .as<int>(),
              0)
        << table;
  }
  // Another tenant records as before.
  const std::string other = lagom::testing::UniqueTenantId("rep-other");
  settings_.Set(other, true);
  EXPECT_TRUE(Record(other, "spring", 1, 0.5).ok());
}

TEST_F(PgScorecardStoreTest, TheBenchmarkReadsOnlyOptedInTenantsAndNoneOfTheirNames) {
  // Two tenants of their own in this database: only one opted in.
  const std::string in = lagom::testing::UniqueTenantId("in");
  const std::string out = lagom::testing::UniqueTenantId("out");
  settings_.Set(in, true);
  settings_.Set(out, false);
  now_ = kNow - absl::Hours(24 * 2);  // recorded a day after they closed
  ASSERT_TRUE(Record(in, "spring", 3, 0.4).ok());
  ASSERT_TRUE(Record(out, "spring", 3, 0.9).ok());
  ASSERT_TRUE(Record(tenant_, "spring", 2, 0.6).ok());
  // Closed, or recorded, after the snapshot: `in`'s 0.4 stays its latest; the caller's own
  // latest counts whenever it closed.
  now_.reset();
  ASSERT_TRUE(Record(in, "summer", 0, 0.85).ok());
  ASSERT_TRUE(Record(in, "autumn", 1, 0.8).ok());
  ASSERT_TRUE(Record(tenant_, "summer", 0, 0.65).ok());

  BenchmarkQuery q;
  q.model = "models/lagom-itsm";
  q.area_lineage_ids = {"lin.change"};
  q.start_time = kNow - absl::Hours(24 * 30);
  q.snapshot_time = kNow - absl::Hours(12);
  absl::StatusOr<std::vector<BenchmarkSample>> samples = store_->BenchmarkSamples(tenant_, q);
  ASSERT_TRUE(samples.ok()) << samples.status();
  ASSERT_EQ(samples->size(), 1u);
  // Scores of every opted-in peer (other tests' tenants too), never `out`'s 0.9, nor what
  // closed after the snapshot, nor the caller's own.
  for (double score : (*samples)[0].peer_scores) {
    EXPECT_NE(score, 0.9);
    EXPECT_NE(score, 0.85);
    EXPECT_NE(score, 0.8);
    EXPECT_NE(score, 0.65);
  }
  EXPECT_THAT((*samples)[0].peer_scores, ::testing::Contains(::testing::DoubleEq(0.4)));
  EXPECT_EQ((*samples)[0].own_score, 0.65);

  // The operator's policy is the wall, not the query: as the operator, lagom_app reads the
  // figures of opted-in tenants only, and no scorecard at all.
  pqxx::connection app(db_->app_url());
  pqxx::work tx(app);
  tx.exec("SELECT set_config('lagom.operator', 'on', true)");
  EXPECT_EQ(
      tx.exec_params1("SELECT count(*) FROM reporting.area_figures WHERE tenant_id = $1", out)[0]
          .as<int>(),
      0);
  EXPECT_GT(
      tx.exec_params1("SELECT count(*) FROM reporting.area_figures WHERE tenant_id = $1", in)[0]
          .as<int>(),
      0);
  EXPECT_EQ(tx.exec1("SELECT count(*) FROM reporting.scorecards")[0].as<int>(), 0);
}

}  // namespace
}  // namespace lagom::reporting
