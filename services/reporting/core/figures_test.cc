#include "services/reporting/core/figures.h"

#include <gmock/gmock.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "services/reporting/testing/scorecard_builder.h"

namespace lagom::reporting {
namespace {

using testing::AreaSpec;
using testing::BuildScorecard;
using ::testing::ElementsAre;
using ::testing::Optional;
using testing::ScorecardSpec;

constexpr char kOrg[] = "tenants/acme/customerOrganizations/contoso";

tapi::ResponseGroup Group(tapi::ResponseGroupKind kind, const std::string& org = "") {
  tapi::ResponseGroup g;
  g.set_kind(kind);
  g.set_customer_organization(org);
  return g;
}

const AreaFigure* Find(const std::vector<AreaFigure>& figures, const std::string& lineage,
                       tapi::ResponseGroupKind kind) {
  for (const AreaFigure& f : figures) {
    if (f.area_lineage_id == lineage && f.group_kind == kind) return &f;
  }
  return nullptr;
}

ScorecardSpec TwoAreas() {
  ScorecardSpec spec;
  spec.tenant = "acme";
  spec.session_id = "spring";
  spec.close_time = absl::FromUnixSeconds(1700000000);
  spec.organization_ids = {"contoso"};
  spec.areas = {AreaSpec{"change", "lin.change", 0.8, 0.5, 0.6},
                AreaSpec{"reactive", "lin.reactive", 0.4, 0.7, 0.6}};
  return spec;
}

TEST(AreaFiguresOf, OneRowPerAreaAndGroupWithScoreGapStatusAndPerceptionGap) {
  const std::vector<AreaFigure> figures = AreaFiguresOf(BuildScorecard(TwoAreas()));
  ASSERT_EQ(figures.size(), 6u);  // 2 areas × (provider, all customers, contoso)

  const AreaFigure* provider = Find(figures, "lin.change", tapi::RESPONSE_GROUP_KIND_PROVIDER);
  ASSERT_NE(provider, nullptr);
  EXPECT_EQ(provider->area_id, "change");
  EXPECT_EQ(provider->position, 0);
  EXPECT_THAT(provider->score, Optional(0.8));
  EXPECT_THAT(provider->gap_to_target, Optional(::testing::DoubleNear(0.2, 1e-12)));
  EXPECT_EQ(provider->status, sapi::GOOD_ENOUGH_STATUS_ABOVE);
  EXPECT_EQ(provider->perception_gap, std::nullopt) << "the provider is not compared with itself";

  const AreaFigure* customers =
      Find(figures, "lin.change", tapi::RESPONSE_GROUP_KIND_ALL_CUSTOMERS);
  ASSERT_NE(customers, nullptr);
  EXPECT_THAT(customers->perception_gap, Optional(::testing::DoubleNear(-0.3, 1e-12)));
  EXPECT_EQ(customers->status, sapi::GOOD_ENOUGH_STATUS_BELOW);

  const AreaFigure* org =
      Find(figures, "lin.reactive", tapi::RESPONSE_GROUP_KIND_CUSTOMER_ORGANIZATION);
  ASSERT_NE(org, nullptr);
  EXPECT_EQ(org->customer_organization, kOrg);
  EXPECT_EQ(org->position, 1);
  EXPECT_TRUE(org->low_confidence);
  EXPECT_TRUE(org->perception_gap_low_confidence);
  // The item-pair gaps of the scorecard are not area figures.
  EXPECT_EQ(Find(figures, "lin.change.main", tapi::RESPONSE_GROUP_KIND_ALL_CUSTOMERS), nullptr);
}

TEST(AreaFiguresOf, AnAreaWithoutLineageIsItsOwnLineageAndGapsFindIt) {
  sapi::Scorecard card = BuildScorecard(TwoAreas());
  for (auto& a : *card.mutable_area_scores()) a.clear_lineage_id();
  for (auto& g : *card.mutable_good_enough()) g.clear_lineage_id();
  for (auto& p : *card.mutable_perception_gaps()) p.clear_lineage_id();
  const std::vector<AreaFigure> figures = AreaFiguresOf(card);
  ASSERT_EQ(figures.size(), 6u);
  const AreaFigure* f = Find(figures, "change", tapi::RESPONSE_GROUP_KIND_ALL_CUSTOMERS);
  ASSERT_NE(f, nullptr);
  EXPECT_TRUE(f->perception_gap.has_value());
}

TEST(CompareFigures, MatchesAreasByLineageAcrossRenamesThenAddsNewAreas) {
  ScorecardSpec base = TwoAreas();
  ScorecardSpec later = TwoAreas();
  // Version 2 renamed "change" (same lineage), dropped "reactive" and added "knowledge".
  later.areas = {AreaSpec{"knowledge", "lin.knowledge", 0.5, 0.5, 0.6},
                 AreaSpec{"change-enablement", "lin.change", 0.8, 0.62, 0.6}};
  const std::vector<tapi::ResponseGroup> groups = {Group(tapi::RESPONSE_GROUP_KIND_PROVIDER),
                                                   Group(tapi::RESPONSE_GROUP_KIND_ALL_CUSTOMERS)};

  const std::vector<api::AreaComparison> areas = CompareFigures(
      AreaFiguresOf(BuildScorecard(base)), AreaFiguresOf(BuildScorecard(later)), groups);

  std::vector<std::string> order;
  for (const auto& a : areas)
    order.push_back(a.lineage_id() + "/" + std::to_string(a.group().kind()));
  EXPECT_THAT(order, ElementsAre("lin.change/1", "lin.change/2", "lin.reactive/1", "lin.reactive/2",
                                 "lin.knowledge/1", "lin.knowledge/2"));
  const api::AreaComparison& change = areas[1];
  EXPECT_EQ(change.base_area_id(), "change");
  EXPECT_EQ(change.comparison_area_id(), "change-enablement");
  EXPECT_DOUBLE_EQ(change.base_score(), 0.5);
  EXPECT_DOUBLE_EQ(change.comparison_score(), 0.62);
  EXPECT_NEAR(change.delta(), 0.12, 1e-12);
  EXPECT_EQ(change.base_status(), sapi::GOOD_ENOUGH_STATUS_BELOW);
  EXPECT_EQ(change.comparison_status(), sapi::GOOD_ENOUGH_STATUS_GOOD_ENOUGH);
  EXPECT_NEAR(change.base_perception_gap(), -0.3, 1e-12);
  EXPECT_NEAR(change.comparison_perception_gap(), -0.18, 1e-12);

  const api::AreaComparison& dropped = areas[3];
  EXPECT_EQ(dropped.comparison_area_id(), "");
  EXPECT_TRUE(dropped.has_base_score());
  EXPECT_FALSE(dropped.has_comparison_score());
  EXPECT_FALSE(dropped.has_delta());
  const api::AreaComparison& added = areas[5];
  EXPECT_EQ(added.base_area_id(), "");
  EXPECT_FALSE(added.has_base_score());
  EXPECT_FALSE(added.has_delta());
}

TEST(CompareFigures, OnlyTheRequestedGroupsAndOnlyWhereEitherSideHasThem) {
  const std::vector<AreaFigure> figures = AreaFiguresOf(BuildScorecard(TwoAreas()));
  const auto areas = CompareFigures(figures, figures,
                                    {Group(tapi::RESPONSE_GROUP_KIND_CUSTOMER_ORGANIZATION, kOrg),
                                     Group(tapi::RESPONSE_GROUP_KIND_CUSTOMER_ORGANIZATION,
                                           "tenants/acme/customerOrganizations/absent")});
  ASSERT_EQ(areas.size(), 2u);
  EXPECT_EQ(areas[0].group().customer_organization(), kOrg);
  EXPECT_DOUBLE_EQ(areas[0].delta(), 0);
}

TEST(NearestRankPercentile, TakesTheElementOfRankCeilPTimesN) {
  const std::vector<double> five = {0.1, 0.2, 0.3, 0.4, 0.5};
  EXPECT_DOUBLE_EQ(NearestRankPercentile(five, 10), 0.1);  // rank ceil(0.5) = 1
  EXPECT_DOUBLE_EQ(NearestRankPercentile(five, 25), 0.2);  // rank ceil(1.25) = 2
  EXPECT_DOUBLE_EQ(NearestRankPercentile(five, 50), 0.3);  // rank ceil(2.5) = 3
  EXPECT_DOUBLE_EQ(NearestRankPercentile(five, 75), 0.4);  // rank ceil(3.75) = 4
  EXPECT_DOUBLE_EQ(NearestRankPercentile(five, 90), 0.5);  // rank ceil(4.5) = 5
  EXPECT_DOUBLE_EQ(NearestRankPercentile(five, 0), 0.1);
  EXPECT_DOUBLE_EQ(NearestRankPercentile(five, 100), 0.5);
  const std::vector<double> ten = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  EXPECT_DOUBLE_EQ(NearestRankPercentile(ten, 10), 0);
  EXPECT_DOUBLE_EQ(NearestRankPercentile(ten, 50), 4);
  EXPECT_DOUBLE_EQ(NearestRankPercentile(ten, 90), 8);
  std::vector<double> ranks(30);
  for (int i = 0; i < 30; ++i) ranks[i] = i + 1;
  EXPECT_DOUBLE_EQ(NearestRankPercentile(ranks, 10), 3) << "10 × 30 / 100 exactly, not above";
  EXPECT_DOUBLE_EQ(NearestRankPercentile(ranks, 90), 27);
  EXPECT_DOUBLE_EQ(NearestRankPercentile({0.7}, 90), 0.7);
}

TEST(SummariseBenchmark, FourTenantsDiscloseNothingButTheCallersOwnScore) {
  const api::AreaBenchmark area = SummariseBenchmark({"lin.change", {0.2, 0.4, 0.6, 0.8}, 0.4});
  EXPECT_TRUE(area.suppressed());
  EXPECT_EQ(area.tenant_count(), 0) << "not even how many peers opted in";
  EXPECT_EQ(area.p10(), 0);
  EXPECT_EQ(area.p25(), 0);
  EXPECT_EQ(area.p50(), 0);
  EXPECT_EQ(area.p75(), 0);
  EXPECT_EQ(area.p90(), 0);
  EXPECT_THAT(area.has_own_score() ? std::optional<double>(area.own_score()) : std::nullopt,
              Optional(0.4));
}

TEST(SummariseBenchmark, FiveTenantsDiscloseRoundedQuartilesButNotTheExtremes) {
  const api::AreaBenchmark area =
      SummariseBenchmark({"lin.change", {0.52, 0.11, 0.38, 0.21, 0.33}, std::nullopt});
  EXPECT_FALSE(area.suppressed());
  EXPECT_EQ(area.tenant_count(), 5);
  // Sorted {0.11, 0.21, 0.33, 0.38, 0.52}: ranks 2, 3 and 4, each to the nearest 0.05.
  EXPECT_NEAR(area.p25(), 0.2, 1e-12);
  EXPECT_NEAR(area.p50(), 0.35, 1e-12);
  EXPECT_NEAR(area.p75(), 0.4, 1e-12);
  EXPECT_TRUE(area.tails_withheld()) << "p10 and p90 would be the lowest and highest score";
  EXPECT_EQ(area.p10(), 0);
  EXPECT_EQ(area.p90(), 0);
  EXPECT_FALSE(area.has_own_score());
}

TEST(SummariseBenchmark, ElevenPeersDiscloseTheTailsTenDoNot) {
  std::vector<double> peers = {0.93, 0.07, 0.12, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.88};
  const api::AreaBenchmark ten = SummariseBenchmark({"lin.change", peers, std::nullopt});
  EXPECT_EQ(ten.tenant_count(), 10);
  EXPECT_TRUE(ten.tails_withheld()) << "p10 of ten would be the lowest score";
  EXPECT_EQ(ten.p10(), 0);
  EXPECT_EQ(ten.p90(), 0);

  peers.push_back(0.5);
  const api::AreaBenchmark eleven = SummariseBenchmark({"lin.change", peers, 0.99});
  EXPECT_EQ(eleven.tenant_count(), 11);
  EXPECT_FALSE(eleven.tails_withheld());
  EXPECT_DOUBLE_EQ(eleven.p10(), 0.1);  // 0.12, rank 2 of 11; 0.07 is rank 1
  EXPECT_DOUBLE_EQ(eleven.p90(), 0.9);  // 0.88, rank 10 of 11; 0.93 is rank 11
  EXPECT_THAT(eleven.has_own_score() ? std::optional<double>(eleven.own_score()) : std::nullopt,
              Optional(0.99));
}

TEST(SummariseBenchmark, ScoresThatCannotBeRecordedAreLeftOut) {
  const api::AreaBenchmark area = SummariseBenchmark(
      {"lin.change", {0.2, 0.3, 0.4, 0.5, std::nan(""), 1.5, -0.1}, std::nullopt});
  EXPECT_TRUE(area.suppressed()) << "four scores to show, not seven";
}

// Issue 7: no other tenant's figures can be derived from any response. A response depends
// only on which step each peer's score falls in: moving every peer's score within its step,
// and the caller's own score anywhere, changes nothing disclosed but own_score. With linearly
// interpolated percentiles, or with the caller's score among the peers', this fails at once.
TEST(SummariseBenchmark, ScoresMovedWithinTheirStepsAndTheCallersOwnChangeNothingDisclosed) {
  std::mt19937 random(7);
  std::uniform_real_distribution<double> score(0, 1);
  std::uniform_real_distribution<double> nudge(-0.49, 0.49);
  for (const int peers : {5, 6, 7, 9, 10, 11, 16, 40}) {
    for (int trial = 0; trial < 200; ++trial) {
      BenchmarkSample sample{"lin.change", {}, score(random)};
      for (int i = 0; i < peers; ++i) sample.peer_scores.push_back(score(random));
      api::AreaBenchmark disclosed = SummariseBenchmark(sample);

      BenchmarkSample moved = sample;
      moved.own_score = score(random);
      for (double& peer : moved.peer_scores) {
        const double step = std::round(peer * kBenchmarkStepsPerUnit);
        peer = std::clamp((step + nudge(random)) / kBenchmarkStepsPerUnit, 0.0, 1.0);
        ASSERT_EQ(std::round(peer * kBenchmarkStepsPerUnit), step);
      }
      api::AreaBenchmark after = SummariseBenchmark(moved);
      EXPECT_DOUBLE_EQ(after.own_score(), *moved.own_score);
      disclosed.clear_own_score();
      after.clear_own_score();
      EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(disclosed, after))
          << peers << " peers, trial " << trial << "\n"
          << disclosed.DebugString() << "\n"
          << after.DebugString();
      for (const double p :
           {disclosed.p10(), disclosed.p25(), disclosed.p50(), disclosed.p75(), disclosed.p90()}) {
        EXPECT_DOUBLE_EQ(p, std::round(p * kBenchmarkStepsPerUnit) / kBenchmarkStepsPerUnit);
      }
    }
  }
}

}  // namespace
}  // namespace lagom::reporting
