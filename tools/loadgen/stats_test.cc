#include "tools/loadgen/stats.h"

#include <algorithm>
#include <random>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace lagom::loadgen {
namespace {

using ::testing::HasSubstr;

std::vector<int64_t> OneToN(int64_t n) {
  std::vector<int64_t> v;
  for (int64_t i = 1; i <= n; ++i) v.push_back(i);
  return v;
}

TEST(PercentileTest, NearestRankOfOneToHundred) {
  const std::vector<int64_t> samples = OneToN(100);
  EXPECT_EQ(PercentileOfSorted(samples, 50), 50);
  EXPECT_EQ(PercentileOfSorted(samples, 90), 90);
  EXPECT_EQ(PercentileOfSorted(samples, 99), 99);
  EXPECT_EQ(PercentileOfSorted(samples, 100), 100);
  EXPECT_EQ(PercentileOfSorted(samples, 0.5), 1);
}

TEST(PercentileTest, RoundsTheRankUpBetweenSamples) {
  // 10 samples: p50 is the 5th, p90 the 9th, p99 the 10th (rank 9.9 rounded up).
  const std::vector<int64_t> samples = OneToN(10);
  EXPECT_EQ(PercentileOfSorted(samples, 50), 5);
  EXPECT_EQ(PercentileOfSorted(samples, 51), 6);
  EXPECT_EQ(PercentileOfSorted(samples, 90), 9);
  EXPECT_EQ(PercentileOfSorted(samples, 99), 10);
}

TEST(PercentileTest, FractionalPercentilesDoNotSlipARank) {
  // 99.9 % of 1000 is exactly rank 999, although 99.9 has no exact binary form.
  EXPECT_EQ(PercentileOfSorted(OneToN(1000), 99.9), 999);
  EXPECT_EQ(PercentileOfSorted(OneToN(100000), 99.99), 99990);
}

TEST(PercentileTest, EmptyAndSingle) {
  EXPECT_EQ(PercentileOfSorted({}, 50), 0);
  EXPECT_EQ(PercentileOfSorted({7}, 1), 7);
  EXPECT_EQ(PercentileOfSorted({7}, 99), 7);
}

TEST(SummarizeTest, SortsAndReportsPercentilesOfUnorderedSamples) {
  Samples samples;
  samples.ok_latencies_ns = OneToN(1000);
  for (int64_t& ns : samples.ok_latencies_ns) ns *= 1000;  // 1 us .. 1 ms
  std::shuffle(samples.ok_latencies_ns.begin(), samples.ok_latencies_ns.end(), std::mt19937(42));
  samples.elapsed = absl::Seconds(2);

  const Summary s = Summarize("run", samples);
  EXPECT_EQ(s.p50, absl::Microseconds(500));
  EXPECT_EQ(s.p90, absl::Microseconds(900));
  EXPECT_EQ(s.p99, absl::Microseconds(990));
  EXPECT_EQ(s.max, absl::Microseconds(1000));
}

TEST(SummarizeTest, RpsCountsSuccessfulCallsOverTheWindow) {
  Samples samples;
  samples.ok_latencies_ns.assign(30000, 1000);
  samples.errors = {{"UNAVAILABLE", 5}, {"RESOURCE_EXHAUSTED", 7}};
  samples.elapsed = absl::Seconds(3);

  const Summary s = Summarize("run", samples);
  EXPECT_EQ(s.ok, 30000);
  EXPECT_EQ(s.errors, 12);
  EXPECT_EQ(s.calls, 30012);
  EXPECT_DOUBLE_EQ(s.rps, 10000.0);
  EXPECT_EQ(s.errors_by_code.at("UNAVAILABLE"), 5);
}

TEST(CallsPerSecondTest, Arithmetic) {
  EXPECT_DOUBLE_EQ(CallsPerSecond(12345, absl::Milliseconds(500)), 24690.0);
  EXPECT_DOUBLE_EQ(CallsPerSecond(0, absl::Seconds(1)), 0.0);
  EXPECT_DOUBLE_EQ(CallsPerSecond(100, absl::ZeroDuration()), 0.0);
}

TEST(MergeTest, RoundsAddUpToTotalCallsOverTotalTime) {
  Samples a;
  a.ok_latencies_ns.assign(1000, 10);
  a.elapsed = absl::Seconds(1);
  Samples b;
  b.ok_latencies_ns.assign(3000, 20);
  b.errors = {{"INTERNAL", 1}};
  b.elapsed = absl::Seconds(1);

  Merge(a, std::move(b));
  const Summary s = Summarize("merged", a);
  EXPECT_EQ(s.ok, 4000);
  EXPECT_DOUBLE_EQ(s.rps, 2000.0);          // 4000 calls in 2 s
  EXPECT_EQ(s.p50, absl::Nanoseconds(20));  // 1000 tens then 3000 twenties
  EXPECT_EQ(s.errors_by_code.at("INTERNAL"), 1);
}

TEST(MergeTest, UnequalWindowsWeighByTime) {
  Samples a;
  a.ok_latencies_ns.assign(1000, 1);
  a.elapsed = absl::Seconds(1);
  Samples b;
  b.ok_latencies_ns.assign(1000, 1);
  b.elapsed = absl::Seconds(3);

  Merge(a, std::move(b));
  EXPECT_DOUBLE_EQ(Summarize("merged", a).rps, 500.0);  // 2000 calls in 4 s
}

TEST(FormatTest, JsonLineHoldsTheFiguresAndExtras) {
  Samples samples;
  samples.ok_latencies_ns = {1'000'000, 2'000'000, 3'000'000, 4'000'000};
  samples.errors = {{"UNAVAILABLE", 2}};
  samples.elapsed = absl::Seconds(2);
  const std::string json =
      FormatJson({Summarize("echo", samples)}, {{"auth_over_noauth_rps", "0.9500"}});

  EXPECT_EQ(json.find('\n'), std::string::npos);
  EXPECT_THAT(json, HasSubstr("\"label\":\"echo\""));
  EXPECT_THAT(json, HasSubstr("\"calls\":6,\"ok\":4,\"errors\":2"));
  EXPECT_THAT(json, HasSubstr("\"rps\":2.0"));
  EXPECT_THAT(json, HasSubstr("\"p50_ms\":2.000"));
  EXPECT_THAT(json, HasSubstr("\"max_ms\":4.000"));
  EXPECT_THAT(json, HasSubstr("\"errors_by_code\":{\"UNAVAILABLE\":2}"));
  EXPECT_THAT(json, HasSubstr("\"auth_over_noauth_rps\":0.9500}"));
}

TEST(FormatTest, TableListsEveryRunAndItsErrors) {
  Samples samples;
  samples.ok_latencies_ns = {1'000'000};
  samples.errors = {{"UNAUTHENTICATED", 3}};
  samples.elapsed = absl::Seconds(1);
  const std::string table = FormatTable({Summarize("auth", samples)});
  EXPECT_THAT(table, HasSubstr("p99 ms"));
  EXPECT_THAT(table, HasSubstr("auth"));
  EXPECT_THAT(table, HasSubstr("error UNAUTHENTICATED: 3"));
}

}  // namespace
}  // namespace lagom::loadgen
