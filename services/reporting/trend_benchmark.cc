// GetTrend latency over a long history: records --scorecards realistic scorecards of one
// tenant (the built-in model's ten areas for the provider, all customers and two
// organisations: 40 figure rows each) through the reporting core into a scratch database, as
// the services' role so row-level security applies, then times --queries GetTrend calls
// through the store and through gRPC and prints p50/p90/p99/max. The scratch database is
// dropped at the end.
//
//   export LAGOM_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:PORT/postgres
//   build/services/reporting/reporting_trend_benchmark --scorecards=10000 --queries=2000
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <memory>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/executor.h"
#include "common/postgres.h"
#include "common/testing/scratch_database.h"
#include "common/testing/test_admitter.h"
#include "reporting_migrations.h"
#include "services/reporting/core/fake_scorecard_store.h"
#include "services/reporting/core/reporting_core.h"
#include "services/reporting/reporting_service.h"
#include "services/reporting/store/pg_scorecard_store.h"
#include "services/reporting/store/remote_report_sources.h"
#include "services/reporting/testing/scorecard_builder.h"

ABSL_FLAG(int, scorecards, 10000, "Scorecards to record for the tenant");
ABSL_FLAG(int, queries, 2000, "GetTrend calls to time, per path");
ABSL_FLAG(bool, drop_trend_index, false,
          "Drop reporting.area_figures_trend before timing, to see what the index is worth");

namespace lagom::reporting {
namespace {

constexpr char kTenant[] = "bench";

RequestContext TenantRc() {
  RequestContext rc;
  rc.tenant_id = kTenant;
  return rc;
}

// Weekly-ish assessments going back in time, scores drifting so series are not flat.
api::RecordScorecardRequest Assessment(int i, int count, absl::Time now) {
  testing::ScorecardSpec spec;
  spec.tenant = kTenant;
  spec.session_id = absl::StrCat("assessment-", i);
  spec.close_time = now - absl::Hours(6) * (count - i);
  spec.service_ids = {i % 2 == 0 ? "email" : "erp"};
  spec.organization_ids = {"contoso", "fabrikam"};
  const double drift = 0.3 * static_cast<double>(i % 97) / 97;
  spec.areas = testing::ItsmAreas(0.45 + drift, 0.35 + drift);
  api::RecordScorecardRequest req;
  req.set_parent(absl::StrCat("tenants/", kTenant));
  *req.mutable_scorecard() = testing::BuildScorecard(spec);
  return req;
}

void Load(ReportingCore& core, int count) {
  const absl::Time start = absl::Now();
  for (int i = 0; i < count; ++i) {
    api::RecordScorecardResponse resp;
    absl::Status s = core.RecordScorecard(TenantRc(), Assessment(i, count, start), &resp);
    if (!s.ok()) {
      std::fprintf(stderr, "recording scorecard %d failed: %s\n", i, s.ToString().c_str());
      std::exit(1);
    }
  }
  std::printf("recorded %d scorecards (%d area figure rows) in %.1f s\n", count, count * 40,
              absl::ToDoubleSeconds(absl::Now() - start));
}

api::GetTrendRequest TrendOfEveryArea() {
  api::GetTrendRequest req;
  req.set_parent(absl::StrCat("tenants/", kTenant));
  req.set_metric(api::TREND_METRIC_AREA_SCORE);  // all customers, every area, 20 points each
  return req;
}

api::GetTrendRequest PerceptionGapOfOneOrganisation() {
  api::GetTrendRequest req = TrendOfEveryArea();
  req.set_metric(api::TREND_METRIC_PERCEPTION_GAP);
  req.mutable_group()->set_kind(tapi::RESPONSE_GROUP_KIND_CUSTOMER_ORGANIZATION);
  req.mutable_group()->set_customer_organization(
      absl::StrCat("tenants/", kTenant, "/customerOrganizations/fabrikam"));
  req.add_area_lineage_ids("lin.change");
  req.set_max_points(100);
  return req;
}

// Times `queries` calls of `call` (which returns false on failure) after a short warm-up.
void Time(const std::string& label, int queries, const std::function<bool()>& call) {
  for (int i = 0; i < 20; ++i) call();
  std::vector<double> ms;
  ms.reserve(queries);
  for (int i = 0; i < queries; ++i) {
    const absl::Time start = absl::Now();
    if (!call()) {
      std::fprintf(stderr, "%s failed\n", label.c_str());
      std::exit(1);
    }
    ms.push_back(absl::ToDoubleMilliseconds(absl::Now() - start));
  }
  std::sort(ms.begin(), ms.end());
  auto at = [&](double p) { return ms[static_cast<size_t>(p * (ms.size() - 1))]; };
  std::printf("%-58s n=%d p50=%.2f ms p90=%.2f ms p99=%.2f ms max=%.2f ms\n", label.c_str(),
              queries, at(0.5), at(0.9), at(0.99), ms.back());
}

bool CountPoints(const api::GetTrendResponse& resp, int expected) {
  int points = 0;
  for (const auto& s : resp.series()) points += s.points_size();
  return points == expected;
}

int Run() {
  const int count = absl::GetFlag(FLAGS_scorecards);
  const int queries = absl::GetFlag(FLAGS_queries);
  lagom::testing::ScratchDatabase db("reporting_bench");
  {
    auto owner = PgPool::Connect(db.owner_url(), 1, absl::Seconds(5));
    if (!owner.ok() || !(*owner)->RunMigrations("reporting", Migrations()).ok()) return 1;
  }
  auto pool = PgPool::Connect(db.app_url(), 8, absl::Seconds(5));
  if (!pool.ok()) return 1;
  PgScorecardStore store(**pool);
  FakeTenantSettings settings;
  settings.Set(kTenant, true);
  ReportingCore core(store, settings);
  Load(core, count);
  {
    // As autovacuum would soon after a bulk load: planner statistics for the new rows.
    pqxx::connection owner(db.owner_url());
    pqxx::nontransaction sql(owner);
    if (absl::GetFlag(FLAGS_drop_trend_index)) sql.exec("DROP INDEX reporting.area_figures_trend");
    sql.exec("ANALYZE reporting.scorecards; ANALYZE reporting.area_figures");
  }

  const api::GetTrendRequest every_area = TrendOfEveryArea();
  const api::GetTrendRequest one_org = PerceptionGapOfOneOrganisation();
  Time("store: AREA_SCORE, ALL_CUSTOMERS, 10 areas x 20 points", queries, [&] {
    api::GetTrendResponse resp;
    return core.GetTrend(TenantRc(), every_area, &resp).ok() && CountPoints(resp, 200);
  });
  Time("store: PERCEPTION_GAP, one organisation, 1 area x 100 points", queries, [&] {
    api::GetTrendResponse resp;
    return core.GetTrend(TenantRc(), one_org, &resp).ok() && CountPoints(resp, 100);
  });

  Executor executor(4);
  lagom::testing::TestAdmitter admitter;
  // GetTrend only: the report core's sources are never called.
  RemoteReportSources sources(
      grpc::CreateChannel("127.0.0.1:1", grpc::InsecureChannelCredentials()), nullptr, "");
  ReportCore reports(core, sources);
  ReportingServiceImpl service(admitter, executor, core, reports, nullptr);
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  auto stub = api::ReportingService::NewStub(
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
  Time("gRPC: AREA_SCORE, ALL_CUSTOMERS, 10 areas x 20 points", queries, [&] {
    grpc::ClientContext ctx;
    ctx.AddMetadata(lagom::testing::kTestTenantKey, kTenant);
    api::GetTrendResponse resp;
    return stub->GetTrend(&ctx, every_area, &resp).ok() && CountPoints(resp, 200);
  });
  server->Shutdown();
  return 0;
}

}  // namespace
}  // namespace lagom::reporting

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return lagom::reporting::Run();
}
