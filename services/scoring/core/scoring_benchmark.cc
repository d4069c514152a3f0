// Google Benchmark of the scoring core (issue 6: at least 20 million answers per second per core
// on the aggregation path). Two models of 90 items answered by 1,000 respondents:
//   both:  90 ITEM_PERSPECTIVE_BOTH maturity items, everyone answers everything: 90,000 answers;
//   mixed: 10 areas of pairs, provider-only, customer-only SERVQUAL, BOTH, SAMM items, as
//          test_support's RandomInput builds them; 300 provider and 700 customer respondents in
//          10 organisations, each answering the items of their perspective.
// Aggregate is the aggregation path (check every answer against the indexed model, count it into
// the flat histograms); Score is the whole call (index the model, aggregate, compute every figure,
// build the Scorecard proto). shuffled:1 scores the mixed answers in random order, the worst case
// for the aggregation path's guesses (same respondent, same item order as the one before).
// The answers/s counter is answers scored per second of CPU time.
// Run: build-scoring/services/scoring/core/scoring_benchmark
#include <benchmark/benchmark.h>

#include <algorithm>
#include <random>

#include "services/scoring/core/scoring_core.h"
#include "services/scoring/core/scoring_model.h"
#include "services/scoring/core/tally.h"
#include "services/scoring/core/test_support.h"

namespace lagom::scoring {
namespace {

ScoringInput Input(const benchmark::State& state) {
  const bool all_both = state.range(0) == 1;
  testing::RandomShape shape;
  shape.areas = 10;
  shape.items_per_area = 9;
  shape.providers = all_both ? 1000 : 300;
  shape.customers = all_both ? 0 : 700;
  shape.organizations = 10;
  shape.answer_probability = 1;
  shape.na_probability = 0.05;
  shape.revote_probability = 0;
  shape.all_both = all_both;
  std::mt19937 random(6);
  ScoringInput input = testing::RandomInput(shape, random);
  if (state.range(1) == 1) std::shuffle(input.answers.begin(), input.answers.end(), random);
  return input;
}

void Report(benchmark::State& state, const ScoringInput& input) {
  state.counters["answers"] = static_cast<double>(input.answers.size());
  state.counters["answers/s"] = benchmark::Counter(
      static_cast<double>(input.answers.size()) * static_cast<double>(state.iterations()),
      benchmark::Counter::kIsRate);
}

void BM_Aggregate(benchmark::State& state) {
  const ScoringInput input = Input(state);
  const absl::StatusOr<ScoringModel> model = ScoringModel::Build(input);
  if (!model.ok()) state.SkipWithError(model.status().ToString().c_str());
  for (auto _ : state) {
    absl::StatusOr<Tally> tally = Aggregate(*model, input.answers);
    benchmark::DoNotOptimize(tally);
  }
  Report(state, input);
}
BENCHMARK(BM_Aggregate)
    ->ArgNames({"both", "shuffled"})
    ->Args({1, 0})
    ->Args({0, 0})
    ->Args({0, 1})
    ->Unit(benchmark::kMillisecond);

void BM_Score(benchmark::State& state) {
  const ScoringInput input = Input(state);
  for (auto _ : state) {
    absl::StatusOr<::lagom::scoring::v1::Scorecard> card = Score(input);
    if (!card.ok()) state.SkipWithError(card.status().ToString().c_str());
    benchmark::DoNotOptimize(card);
  }
  Report(state, input);
}
BENCHMARK(BM_Score)
    ->ArgNames({"both", "shuffled"})
    ->Args({1, 0})
    ->Args({0, 0})
    ->Args({0, 1})
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace lagom::scoring

BENCHMARK_MAIN();
