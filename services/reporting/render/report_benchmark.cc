// Google Benchmark of RenderHtmlReport: a provider report of a 12-area scorecard with 4 groups
// (provider, two organisations, all customers), 90 items, 15 improvements, 40 comments, a
// benchmark and 10 earlier scorecards for the trend. Target: at most 100 ms per render.
// The shareable variant also checks item figures against min_respondents for every rationale.
// Run: build-render/services/reporting/render/report_benchmark
//        --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include "services/reporting/render/report.h"
#include "services/reporting/render/report_fixture.h"

namespace lagom::reporting {
namespace {

void BM_RenderHtmlReport(benchmark::State& state) {
  const testing::ReportFixture fixture = testing::SyntheticFixture(testing::FixtureShape{});
  ReportInput input = fixture.Input(state.range(1) == 1 ? "sv" : "en");
  if (state.range(0) == 1) input.audience = reporting_api::REPORT_AUDIENCE_CUSTOMER_SHAREABLE;
  size_t bytes = 0;
  for (auto _ : state) {
    absl::StatusOr<RenderedFile> file = RenderHtmlReport(input);
    if (!file.ok()) state.SkipWithError(file.status().ToString().c_str());
    bytes = file.ok() ? file->content.size() : 0;
    benchmark::DoNotOptimize(file);
  }
  state.counters["html_bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_RenderHtmlReport)
    ->ArgNames({"shareable", "sv"})
    ->Args({0, 0})
    ->Args({1, 0})
    ->Args({0, 1})
    ->Unit(benchmark::kMillisecond);

void BM_ExportScorecardCsv(benchmark::State& state) {
  const testing::ReportFixture fixture = testing::SyntheticFixture(testing::FixtureShape{});
  for (auto _ : state) {
    absl::StatusOr<RenderedFile> file = ExportScorecardCsv(fixture.scorecard);
    benchmark::DoNotOptimize(file);
  }
}
BENCHMARK(BM_ExportScorecardCsv)->Unit(benchmark::kMillisecond);

void BM_ExportScorecardJson(benchmark::State& state) {
  const testing::ReportFixture fixture = testing::SyntheticFixture(testing::FixtureShape{});
  for (auto _ : state) {
    absl::StatusOr<RenderedFile> file = ExportScorecardJson(fixture.scorecard);
    benchmark::DoNotOptimize(file);
  }
}
BENCHMARK(BM_ExportScorecardJson)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace lagom::reporting

BENCHMARK_MAIN();
