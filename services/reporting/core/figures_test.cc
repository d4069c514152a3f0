#include "services/reporting/core/figures.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

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

TEST(Percentile, InterpolatesBetweenClosestRanks) {
  const std::vector<double> five = {0.1, 0.2, 0.3, 0.4, 0.5};
  EXPECT_NEAR(Percentile(five, 0.10), 0.14, 1e-12);
  EXPECT_NEAR(Percentile(five, 0.25), 0.2, 1e-12);
  EXPECT_NEAR(Percentile(five, 0.50), 0.3, 1e-12);
  EXPECT_NEAR(Percentile(five, 0.75), 0.4, 1e-12);
  EXPECT_NEAR(Percentile(five, 0.90), 0.46, 1e-12);
  EXPECT_DOUBLE_EQ(Percentile(five, 1.0), 0.5);
  EXPECT_DOUBLE_EQ(Percentile({0.7}, 0.9), 0.7);
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

TEST(SummariseBenchmark, FiveTenantsDiscloseTheDistribution) {
  const api::AreaBenchmark area =
      SummariseBenchmark({"lin.change", {0.5, 0.1, 0.4, 0.2, 0.3}, std::nullopt});
  EXPECT_FALSE(area.suppressed());
  EXPECT_EQ(area.tenant_count(), 5);
  EXPECT_NEAR(area.p10(), 0.14, 1e-12);
  EXPECT_NEAR(area.p50(), 0.3, 1e-12);
  EXPECT_NEAR(area.p90(), 0.46, 1e-12);
  EXPECT_FALSE(area.has_own_score());
}

}  // namespace
}  // namespace lagom::reporting
