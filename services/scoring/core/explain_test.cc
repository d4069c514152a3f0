// ExplainScore's core: every figure of a scorecard can be explained, with the value the
// scorecard shows, and a figure the scorecard does not have is a clear error.
#include "services/scoring/core/explain.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "services/scoring/core/figures.h"
#include "services/scoring/core/scoring_core.h"
#include "services/scoring/core/test_support.h"

namespace lagom::scoring {
namespace {

using namespace ::lagom::scoring::testing;  // NOLINT(build/namespaces): builders of this test
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Area "a" (target 0.6): x PROVIDER maturity weight 2; z PROVIDER maturity with N/A, weight 1;
// pair "fix"; "kept" CUSTOMER Likert asking perception and expectation (RELIABILITY).
ScoringInput Input() {
  ScoringInput input;
  qapi::Area& a = AddArea(input.model, "a");
  AddItem(a, "x", qapi::ITEM_PERSPECTIVE_PROVIDER, qapi::SCALE_MATURITY_0_5, 2);
  AddItem(a, "z", qapi::ITEM_PERSPECTIVE_PROVIDER, qapi::SCALE_MATURITY_0_5).set_na_allowed(true);
  AddPair(a, "fix");
  qapi::Item& kept = AddItem(a, "kept", qapi::ITEM_PERSPECTIVE_CUSTOMER, qapi::SCALE_LIKERT_5);
  kept.set_servqual_dimension(qapi::SERVQUAL_DIMENSION_RELIABILITY);
  kept.set_servqual_aspect(qapi::SERVQUAL_ASPECT_BOTH);
  AddItem(AddArea(input.model, "b"), "b.y", qapi::ITEM_PERSPECTIVE_PROVIDER, qapi::SCALE_YES_NO);
  for (int p = 0; p < 3; ++p) {
    const std::string who = absl::StrCat("p", p);
    input.answers.push_back(Provider(who, "x", 3 + p % 2));
    input.answers.push_back(Provider(who, "z", p == 0 ? std::optional<double>(5) : std::nullopt));
    input.answers.push_back(Provider(who, "fix.provider", 4));
    input.answers.push_back(Provider(who, "b.y", 1));
    input.answers.back().answer_name = absl::StrCat("tenants/t/sessions/s/answers/", who, "-b.y");
  }
  for (int c = 0; c < 3; ++c) {
    const std::string who = absl::StrCat("c", c);
    input.answers.push_back(Customer(who, c < 2 ? "north" : "south", "fix.customer", 2 + c));
    input.answers.push_back(Customer(who, c < 2 ? "north" : "south", "kept", 3, 4 + c % 2));
  }
  return input;
}

sapi::Explanation ExplainOk(const ScoringInput& input, const sapi::FigureReference& figure) {
  absl::StatusOr<sapi::Explanation> explanation = Explain(input, figure);
  EXPECT_TRUE(explanation.ok()) << explanation.status();
  return explanation.ok() ? *explanation : sapi::Explanation();
}

std::vector<std::string> Labels(const sapi::Explanation& e) {
  std::vector<std::string> labels;
  for (const sapi::IntermediateValue& v : e.intermediate_values()) labels.push_back(v.label());
  return labels;
}

TEST(ExplainTest, AreaScoreShowsWeightsFormulaAndTheAnswersIncludingNa) {
  // x: 3, 4, 3 → 10/3 → 2/3 (w 2); z: 5 and two N/A → 1.0 (w 1); fix.provider 4 → 0.8 (w 1).
  // score = (2·2/3 + 1 + 0.8) / 4 = (4/3 + 1.8) / 4 = 0.783333.
  const sapi::Explanation e = ExplainOk(Input(), AreaFigure("a", ProviderGroup()));
  EXPECT_NEAR(e.value(), (4.0 / 3 + 1.8) / 4, 1e-12);
  EXPECT_THAT(e.formula(), HasSubstr("Σ wᵢ·xᵢ / Σ wᵢ"));
  EXPECT_THAT(e.method_reference(), HasSubstr("ServiceNow"));
  EXPECT_THAT(e.method_reference(), HasSubstr("ISO/IEC 33020:2019"));
  EXPECT_THAT(Labels(e), Contains("weight_sum_excluding_na"));
  bool weighted = false;  // x's normalised mean with its weight 2
  for (const sapi::IntermediateValue& v : e.intermediate_values()) {
    weighted = weighted || (v.label() == "item:x.normalized_mean" && v.weight() == 2);
  }
  EXPECT_TRUE(weighted);
  EXPECT_EQ(e.inputs_size(), 3);
  EXPECT_EQ(e.inputs(0).kind(), sapi::FIGURE_KIND_ITEM_STATISTIC);
  EXPECT_EQ(e.inputs(0).item_id(), "x");
  // 3 answers each to x, z, fix.provider; z's two N/A are listed and marked.
  ASSERT_EQ(e.answers_size(), 9);
  int na = 0;
  for (const sapi::ContributingAnswer& a : e.answers()) {
    if (a.not_applicable()) {
      ++na;
      EXPECT_EQ(a.item_id(), "z");
      EXPECT_FALSE(a.has_value());
    }
  }
  EXPECT_EQ(na, 2);
  EXPECT_EQ(e.answers(0).item_id(), "x");
  EXPECT_DOUBLE_EQ(e.answers(0).value(), 3);
  EXPECT_DOUBLE_EQ(e.answers(0).normalized_value(), 0.6);
  EXPECT_EQ(e.answers(0).group().kind(), type::RESPONSE_GROUP_KIND_PROVIDER);
}

// An item everyone answered N/A drops out of the score, but its answers are still listed,
// marked not applicable, as the documentation promises.
TEST(ExplainTest, AreaScoreListsTheAnswersOfAnItemEveryoneAnsweredNa) {
  ScoringInput input = Input();
  for (ScoringAnswer& answer : input.answers) {
    if (answer.item_id == "z") answer.value.reset();
  }
  // x: 2/3 (w 2); fix.provider 0.8 (w 1); z excluded.
  const sapi::Explanation e = ExplainOk(input, AreaFigure("a", ProviderGroup()));
  EXPECT_NEAR(e.value(), (4.0 / 3 + 0.8) / 3, 1e-12);
  bool excluded = false;
  for (const sapi::IntermediateValue& v : e.intermediate_values()) {
    excluded = excluded || (v.label() == "item:z.na_count (excluded)" && v.value() == 3);
  }
  EXPECT_TRUE(excluded);
  ASSERT_EQ(e.answers_size(), 9);  // 3 each to x, z and fix.provider
  int na = 0;
  for (const sapi::ContributingAnswer& a : e.answers()) {
    if (a.item_id() != "z") continue;
    ++na;
    EXPECT_TRUE(a.not_applicable());
    EXPECT_FALSE(a.has_value());
    EXPECT_EQ(a.group().kind(), type::RESPONSE_GROUP_KIND_PROVIDER);
  }
  EXPECT_EQ(na, 3);
}

TEST(ExplainTest, MetricsOfAnArea) {
  sapi::FigureReference figure = AreaFigure("a", ProviderGroup(), "rating");
  sapi::Explanation e = ExplainOk(Input(), figure);
  EXPECT_EQ(e.value(), sapi::PROCESS_ATTRIBUTE_RATING_L);  // 78.3 %
  EXPECT_THAT(e.formula(), HasSubstr("N 0–15 %, P >15–50 %, L >50–85 %, F >85–100 %"));
  figure.set_metric("maturity_level");
  EXPECT_NEAR(ExplainOk(Input(), figure).value(), 5 * (4.0 / 3 + 1.8) / 4, 1e-12);
  figure.set_metric("median");
  EXPECT_EQ(Explain(Input(), figure).status().message(),
            "invalid figure: figure.metric: unknown metric 'median' for FIGURE_KIND_AREA_SCORE; "
            "allowed: score, maturity_level, rating, capability_level");
}

TEST(ExplainTest, ItemStatistic) {
  const sapi::Explanation e = ExplainOk(Input(), ItemFigure("x", ProviderGroup(), "median"));
  EXPECT_DOUBLE_EQ(e.value(), 3);
  EXPECT_THAT(e.method_reference(), HasSubstr("Tastle & Wierman (2007)"));
  EXPECT_THAT(Labels(e), Contains("count(value=3)"));
  EXPECT_EQ(e.answers_size(), 3);
  EXPECT_EQ(e.figure().metric(), "median");
}

TEST(ExplainTest, PerceptionGapOfAPairForOneOrganization) {
  sapi::FigureReference figure;
  figure.set_kind(sapi::FIGURE_KIND_PERCEPTION_GAP);
  figure.set_gap_subject_kind(sapi::GAP_SUBJECT_KIND_ITEM_PAIR);
  figure.set_subject_id("fix");
  *figure.mutable_group() = Organization("north");
  // Provider 4 → 0.8; north 2, 3 → 2.5 → 0.375; gap = 0.375 − 0.8 = −0.425.
  const sapi::Explanation e = ExplainOk(Input(), figure);
  EXPECT_NEAR(e.value(), -0.425, 1e-12);
  EXPECT_THAT(e.method_reference(), HasSubstr("Parasuraman, Zeithaml & Berry (1985)"));
  EXPECT_EQ(e.answers_size(), 5);  // 3 provider + 2 north
  *figure.mutable_group() = ProviderGroup();
  EXPECT_THAT(Explain(Input(), figure).status().message(),
              HasSubstr("figure.group.kind: this figure compares the provider with a customer "
                        "group"));
  *figure.mutable_group() = Organization("west");
  EXPECT_EQ(Explain(Input(), figure).status().message(),
            "invalid figure: figure.group.customer_organization: no answers from organisation "
            "'west'; organisations that answered: north, south");
}

TEST(ExplainTest, ServqualGap) {
  sapi::FigureReference figure;
  figure.set_kind(sapi::FIGURE_KIND_SERVQUAL_GAP);
  figure.set_servqual_dimension(qapi::SERVQUAL_DIMENSION_RELIABILITY);
  figure.set_item_id("kept");
  *figure.mutable_group() = AllCustomers();
  // P: 3, 3, 3 → 0.5; E: 4, 5, 4 → 13/3 → 10/12; gap = 0.5 − 5/6 = −1/3.
  const sapi::Explanation e = ExplainOk(Input(), figure);
  EXPECT_NEAR(e.value(), -1.0 / 3, 1e-12);
  EXPECT_THAT(e.formula(), HasSubstr("P − E"));
  EXPECT_THAT(e.method_reference(), HasSubstr("SERVQUAL"));
}

// The value of the intermediate value `label` of `e`; -1 when it has none.
double Intermediate(const sapi::Explanation& e, const std::string& label) {
  for (const sapi::IntermediateValue& v : e.intermediate_values()) {
    if (v.label() == label) return v.value();
  }
  return -1;
}

TEST(ExplainTest, ImprovementPriorityRankAndTheCustomerHalfOfAPair) {
  // Area a: target 0.6, largest weight 2 (x).
  // fix.provider (weight 1): provider 4, 4, 4 → 0.8, not short; customers 2, 3, 4 → 0.5, north
  //   2.5 → 0.375 (0.225 short), south 4 → 0.75 (not short) → 0.1125; gap_to_target =
  //   (0 + 2·0.1125) / 3 = 0.075; perception gap 0.8 − 0.5 = 0.3; no SERVQUAL; item weight 1/2;
  //   consensus of {2, 3, 4} on 1–5 (μ = 3): 1 + ⅔·log2(1 − 1/4) = 0.723308; effort: mean 4 is a
  //   whole level → 0. priority = 0.35·0.075 + 0.25·0.3 + 0.10·0.5 + 0.05·0.723308 = 0.187415.
  // kept (customers only): 3, 3, 3 → 0.5, both organisations 0.1 short → gap_to_target 0.1;
  //   E 4, 5, 4 → 5/6, so E − P = 1/3; item weight 1/2; consensus 1; effort 0.
  //   priority = 0.35·0.1 + 0.15·(1/3) + 0.10·0.5 + 0.05·1 = 0.185: second after fix.provider.
  // x: 3, 4, 3 → 2/3, above target with nothing to compare: not listed (rank 0), though its
  //   priority is 0.10·(2/2) + 0.05·0.864826 (consensus of {3, 4, 3} on 0–5) + 0.10·(1 − (4 −
  //   10/3)) = 0.176575. z (5 → 1.0) and b.y (yes → 1.0) are not listed either.
  sapi::FigureReference figure;
  figure.set_kind(sapi::FIGURE_KIND_IMPROVEMENT_PRIORITY);
  figure.set_item_id("fix.provider");
  const sapi::Explanation e = ExplainOk(Input(), figure);
  EXPECT_NEAR(e.value(), 0.187415, 1e-6);
  EXPECT_THAT(e.formula(), HasSubstr("0.35·gap_to_target"));
  EXPECT_NEAR(Intermediate(e, "gap_to_target"), 0.075, 1e-12);
  EXPECT_NEAR(Intermediate(e, "perception_gap"), 0.3, 1e-12);
  EXPECT_NEAR(Intermediate(e, "consensus"), 0.723308, 1e-6);
  EXPECT_EQ(Intermediate(e, "effort"), 0);
  figure.set_metric("rank");
  EXPECT_EQ(ExplainOk(Input(), figure).value(), 1);

  figure.set_item_id("kept");
  EXPECT_EQ(ExplainOk(Input(), figure).value(), 2);
  figure.clear_metric();
  EXPECT_NEAR(ExplainOk(Input(), figure).value(), 0.185, 1e-12);

  figure.set_item_id("x");
  EXPECT_NEAR(ExplainOk(Input(), figure).value(), 0.176575, 1e-6);
  figure.set_metric("rank");
  EXPECT_EQ(ExplainOk(Input(), figure).value(), 0);

  figure.clear_metric();
  figure.set_item_id("fix.customer");
  EXPECT_EQ(Explain(Input(), figure).status().message(),
            "invalid figure: figure.item_id: item 'fix.customer' is the customer half of pair "
            "'fix'; its improvement is listed under item 'fix.provider'");
}

TEST(ExplainTest, ImprovementOfABothItemShowsBothViews) {
  ScoringInput input;
  AddItem(AddArea(input.model, "a"), "both", qapi::ITEM_PERSPECTIVE_BOTH, qapi::SCALE_LIKERT_5);
  for (int r = 0; r < 3; ++r) {
    input.answers.push_back(Provider(absl::StrCat("p", r), "both", 5));
    input.answers.push_back(Customer(absl::StrCat("c", r), "o", "both", 1));
  }
  sapi::FigureReference figure;
  figure.set_kind(sapi::FIGURE_KIND_IMPROVEMENT_PRIORITY);
  figure.set_item_id("both");
  const sapi::Explanation e = ExplainOk(input, figure);
  ASSERT_EQ(e.inputs_size(), 2);
  EXPECT_EQ(e.inputs(0).group().kind(), type::RESPONSE_GROUP_KIND_PROVIDER);
  EXPECT_EQ(e.inputs(1).group().kind(), type::RESPONSE_GROUP_KIND_ALL_CUSTOMERS);
  EXPECT_EQ(e.answers_size(), 6);
  // Perception gap 1 − 0 = 1 (the largest there is), the customers' shortfall 0.6.
  EXPECT_THAT(Labels(e), Contains("perception_gap"));
}

TEST(ExplainTest, UnknownFigures) {
  EXPECT_EQ(Explain(Input(), AreaFigure("nope", ProviderGroup())).status().message(),
            "invalid figure: figure.area_id: unknown area 'nope'; the areas in scope: a, b");
  const absl::Status status = Explain(Input(), AreaFigure("nope", ProviderGroup())).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  ASSERT_EQ(ViolationsOf(status).size(), 1u);
  EXPECT_EQ(ViolationsOf(status)[0].field, "figure.area_id");
  EXPECT_THAT(Explain(Input(), ItemFigure("nope", ProviderGroup())).status().message(),
              HasSubstr("figure.item_id: unknown item 'nope'"));
  EXPECT_THAT(Explain(Input(), ItemFigure("kept", ProviderGroup())).status().message(),
              HasSubstr("figure.group: item 'kept' is not answered by PROVIDER"));
  EXPECT_THAT(Explain(Input(), sapi::FigureReference()).status().message(),
              HasSubstr("figure.kind: required"));
  sapi::FigureReference figure = AreaFigure("a", type::ResponseGroup());
  EXPECT_THAT(Explain(Input(), figure).status().message(),
              HasSubstr("figure.group.kind: required"));
}

TEST(ExplainTest, Coverage) {
  sapi::FigureReference figure;
  figure.set_kind(sapi::FIGURE_KIND_COVERAGE);
  *figure.mutable_group() = Organization("north");
  figure.set_metric("respondent_count");
  EXPECT_EQ(ExplainOk(Input(), figure).value(), 2);
}

// Every figure of a random scorecard explains to the value the scorecard shows. Improvements are
// left out: Explain takes an item's priority and rank from the very PriorityOf and Improvements
// calls that make the scorecard's list, so comparing the two could not fail; the worked values of
// ImprovementPriorityRankAndTheCustomerHalfOfAPair check them instead.
TEST(ExplainTest, EveryFigureOfTheScorecardExplainsToItsValue) {
  std::mt19937 random(20240611);
  const ScoringInput input = RandomInput(
      {.areas = 4, .items_per_area = 6, .providers = 4, .customers = 6, .organizations = 2},
      random);
  const absl::StatusOr<sapi::Scorecard> card = Score(input);
  ASSERT_TRUE(card.ok()) << card.status();
  int explained = 0;
  auto check = [&](const sapi::FigureReference& figure, double expected) {
    absl::StatusOr<sapi::Explanation> e = Explain(input, figure);
    ASSERT_TRUE(e.ok()) << e.status() << " for " << figure.DebugString();
    EXPECT_DOUBLE_EQ(e->value(), expected) << figure.DebugString();
    ++explained;
  };
  for (const sapi::ItemScore& s : card->item_scores()) {
    check(ItemFigure(s.item_id(), s.group(), "mean"), s.statistics().mean());
    check(ItemFigure(s.item_id(), s.group(), "consensus"), s.statistics().consensus());
  }
  for (const sapi::AreaScore& s : card->area_scores()) {
    check(AreaFigure(s.area_id(), s.group()), s.score());
    check(AreaFigure(s.area_id(), s.group(), "capability_level"), s.capability_level());
    if (s.has_samm_practice_score()) {
      check(AreaFigure(s.area_id(), s.group(), "samm_practice_score"), s.samm_practice_score());
    }
  }
  for (const sapi::PerceptionGap& g : card->perception_gaps()) {
    sapi::FigureReference figure;
    figure.set_kind(sapi::FIGURE_KIND_PERCEPTION_GAP);
    figure.set_gap_subject_kind(g.subject_kind());
    figure.set_subject_id(g.subject_id());
    *figure.mutable_group() = g.customer_group();
    check(figure, g.gap());
  }
  for (const sapi::ServqualGap& g : card->servqual_gaps()) {
    sapi::FigureReference figure;
    figure.set_kind(sapi::FIGURE_KIND_SERVQUAL_GAP);
    figure.set_servqual_dimension(g.dimension());
    figure.set_item_id(g.item_id());
    *figure.mutable_group() = g.group();
    check(figure, g.gap());
  }
  for (const sapi::AreaGoodEnough& g : card->good_enough()) {
    sapi::FigureReference figure;
    figure.set_kind(sapi::FIGURE_KIND_GOOD_ENOUGH);
    figure.set_area_id(g.area_id());
    *figure.mutable_group() = g.group();
    check(figure, g.gap_to_target());
  }
  for (const sapi::GroupCoverage& c : card->coverage().groups()) {
    sapi::FigureReference figure;
    figure.set_kind(sapi::FIGURE_KIND_COVERAGE);
    *figure.mutable_group() = c.group();
    check(figure, c.response_rate());
  }
  EXPECT_GT(explained, 100);
}

}  // namespace
}  // namespace lagom::scoring
