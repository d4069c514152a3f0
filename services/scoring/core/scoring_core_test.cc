// Golden tests of the scoring core: every expected figure is worked out by hand in the comments,
// from the published methods (docs/scoring.md).
#include "services/scoring/core/scoring_core.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/scoring/core/iso33020.h"
#include "services/scoring/core/test_support.h"

namespace lagom::scoring {
namespace {

using namespace ::lagom::scoring::testing;  // NOLINT(build/namespaces): builders of this test
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr auto kProviderItem = qapi::ITEM_PERSPECTIVE_PROVIDER;
constexpr auto kCustomerItem = qapi::ITEM_PERSPECTIVE_CUSTOMER;
constexpr auto kMaturity = qapi::SCALE_MATURITY_0_5;
constexpr auto kLikert = qapi::SCALE_LIKERT_5;
constexpr auto kSamm = qapi::SCALE_SAMM_4;

sapi::Scorecard ScoreOk(const ScoringInput& input) {
  absl::StatusOr<sapi::Scorecard> card = Score(input);
  EXPECT_TRUE(card.ok()) << card.status();
  return card.ok() ? *card : sapi::Scorecard();
}

// Provider respondents p0, p1, … answer `item` with `values` (nullopt = N/A), one each.
void ProviderAnswers(ScoringInput& input, const std::string& item,
                     const std::vector<std::optional<double>>& values) {
  for (size_t i = 0; i < values.size(); ++i) {
    input.answers.push_back(Provider(absl::StrCat("p", i), item, values[i]));
  }
}

TEST(RatingTest, Iso33020BoundariesBelongToTheLowerRating) {
  EXPECT_EQ(RatingOf(0), sapi::PROCESS_ATTRIBUTE_RATING_N);
  EXPECT_EQ(RatingOf(0.15), sapi::PROCESS_ATTRIBUTE_RATING_N);  // 15 % is N
  EXPECT_EQ(RatingOf(0.150001), sapi::PROCESS_ATTRIBUTE_RATING_P);
  EXPECT_EQ(RatingOf(0.5), sapi::PROCESS_ATTRIBUTE_RATING_P);  // 50 % is P
  EXPECT_EQ(RatingOf(0.500001), sapi::PROCESS_ATTRIBUTE_RATING_L);
  EXPECT_EQ(RatingOf(0.85), sapi::PROCESS_ATTRIBUTE_RATING_L);  // 85 % is L
  EXPECT_EQ(RatingOf(0.850001), sapi::PROCESS_ATTRIBUTE_RATING_F);
  EXPECT_EQ(RatingOf(1), sapi::PROCESS_ATTRIBUTE_RATING_F);
  // What floating point makes of sums meant to be exactly on a boundary.
  EXPECT_EQ(RatingOf(0.1 + 0.05), sapi::PROCESS_ATTRIBUTE_RATING_N);   // 0.15000000000000002
  EXPECT_EQ(RatingOf(0.04 + 0.81), sapi::PROCESS_ATTRIBUTE_RATING_L);  // 0.8500000000000001
  EXPECT_EQ(RatingOf(std::nan("")), sapi::PROCESS_ATTRIBUTE_RATING_UNSPECIFIED);
}

TEST(ScoreTest, AreaRatingsAtExactly15And50And85Percent) {
  ScoringInput input;
  // n15: two maturity items, weights 1 and 3. a: 1, 2 → mean 1.5 → 0.3; b: 0, 1 → 0.5 → 0.1.
  // score = (1·0.3 + 3·0.1) / 4 = 0.6 / 4 = 0.15 exactly; in floating point 0.3 +
  // 0.30000000000000004 = 0.6000000000000001, / 4 = 0.15000000000000002, still rated N.
  qapi::Area& n15 = AddArea(input.model, "n15");
  AddItem(n15, "n15.a", kProviderItem, kMaturity, 1);
  AddItem(n15, "n15.b", kProviderItem, kMaturity, 3);
  // p50: Likert 2, 3, 4 → mean 3 → (3 − 1) / 4 = 0.5 → P.
  AddItem(AddArea(input.model, "p50"), "p50.a", kProviderItem, kLikert);
  // l85: maturity 4, 4, 4, 5 → mean 4.25 → 4.25 / 5 = 0.85 → L.
  AddItem(AddArea(input.model, "l85"), "l85.a", kProviderItem, kMaturity);
  ProviderAnswers(input, "n15.a", {1, 2});
  ProviderAnswers(input, "n15.b", {0, 1});
  ProviderAnswers(input, "p50.a", {2, 3, 4});
  ProviderAnswers(input, "l85.a", {4, 4, 4, 5});
  const sapi::Scorecard card = ScoreOk(input);

  const sapi::AreaScore* n = FindArea(card, "n15", ProviderGroup());
  ASSERT_NE(n, nullptr);
  EXPECT_NEAR(n->score(), 0.15, 1e-15);
  EXPECT_EQ(n->rating(), sapi::PROCESS_ATTRIBUTE_RATING_N);
  EXPECT_NEAR(n->maturity_level(), 0.75, 1e-12);
  const sapi::AreaScore* p = FindArea(card, "p50", ProviderGroup());
  ASSERT_NE(p, nullptr);
  EXPECT_DOUBLE_EQ(p->score(), 0.5);
  EXPECT_EQ(p->rating(), sapi::PROCESS_ATTRIBUTE_RATING_P);
  const sapi::AreaScore* l = FindArea(card, "l85", ProviderGroup());
  ASSERT_NE(l, nullptr);
  EXPECT_DOUBLE_EQ(l->score(), 0.85);
  EXPECT_EQ(l->rating(), sapi::PROCESS_ATTRIBUTE_RATING_L);

  // One step above each boundary moves up a rating: l85 with 4, 4, 5, 5 → 0.9 → F.
  input.answers.back().value = 5;
  input.answers[input.answers.size() - 3].value = 5;
  EXPECT_EQ(FindArea(ScoreOk(input), "l85", ProviderGroup())->rating(),
            sapi::PROCESS_ATTRIBUTE_RATING_F);
}

TEST(ScoreTest, ItemStatistics) {
  ScoringInput input;
  AddItem(AddArea(input.model, "a"), "a.x", kProviderItem, kMaturity).set_na_allowed(true);
  // Values 1, 2, 2, 5 and one N/A: n = 4, mean = 10 / 4 = 2.5, median = (2 + 2) / 2 = 2,
  // deviations −1.5, −0.5, −0.5, 2.5 → squares 2.25 + 0.25 + 0.25 + 6.25 = 9, 9 / 3 = 3,
  // stddev = √3; normalized = 2.5 / 5 = 0.5.
  // Consensus (width 5, μ = 2.5): 1 + ¼·log2(1 − 1.5/5) + ½·log2(1 − 0.5/5) + ¼·log2(1 − 2.5/5)
  // = 1 + ¼·log2(0.7) + ½·log2(0.9) + ¼·log2(0.5).
  ProviderAnswers(input, "a.x", {1, 2, 2, 5, std::nullopt});
  const sapi::Scorecard item_card = ScoreOk(input);
  const sapi::ItemScore* item = FindItem(item_card, "a.x", ProviderGroup());
  ASSERT_NE(item, nullptr);
  const sapi::ItemStatistics& s = item->statistics();
  EXPECT_EQ(s.n(), 4);
  EXPECT_EQ(s.na_count(), 1);
  EXPECT_DOUBLE_EQ(s.mean(), 2.5);
  EXPECT_DOUBLE_EQ(s.median(), 2);
  EXPECT_DOUBLE_EQ(s.stddev(), std::sqrt(3.0));
  EXPECT_DOUBLE_EQ(s.normalized_mean(), 0.5);
  EXPECT_NEAR(s.consensus(),
              1 + 0.25 * std::log2(0.7) + 0.5 * std::log2(0.9) + 0.25 * std::log2(0.5), 1e-12);
  EXPECT_FALSE(item->low_confidence());  // 4 + 1 ≥ 3
  EXPECT_EQ(item->lineage_id(), "a.x");
  EXPECT_EQ(item->area_id(), "a");
}

TEST(ScoreTest, NotApplicableIsExcludedAndTheRemainingWeightsRenormalised) {
  ScoringInput input;
  qapi::Area& area = AddArea(input.model, "a");
  AddItem(area, "a.x", kProviderItem, kMaturity, 2);
  AddItem(area, "a.y", kProviderItem, kMaturity, 1);
  AddItem(area, "a.z", kProviderItem, kMaturity, 1).set_na_allowed(true);
  // x: 4, 4, 4 → 0.8 (w 2); y: 2, 2, 2 → 0.4 (w 1); z: N/A from everyone (w 1).
  // score = (2·0.8 + 1·0.4) / (2 + 1) = 2.0 / 3, not (2·0.8 + 0.4 + 0) / 4 = 0.5.
  ProviderAnswers(input, "a.x", {4, 4, 4});
  ProviderAnswers(input, "a.y", {2, 2, 2});
  ProviderAnswers(input, "a.z", {std::nullopt, std::nullopt, std::nullopt});
  const sapi::Scorecard score_card = ScoreOk(input);
  const sapi::AreaScore* score = FindArea(score_card, "a", ProviderGroup());
  ASSERT_NE(score, nullptr);
  EXPECT_NEAR(score->score(), 2.0 / 3, 1e-12);
  EXPECT_EQ(score->answered_item_count(), 2);
  EXPECT_EQ(score->na_item_count(), 1);

  // One value for z among the N/As: z has n = 1, value 1 → 0.2, and counts with its weight:
  // (1.6 + 0.4 + 0.2) / 4 = 0.55.
  input.answers.back().value = 1;
  const sapi::Scorecard partly_card = ScoreOk(input);
  const sapi::AreaScore* partly = FindArea(partly_card, "a", ProviderGroup());
  EXPECT_NEAR(partly->score(), 0.55, 1e-12);
  EXPECT_EQ(partly->na_item_count(), 0);
}

TEST(ScoreTest, ZeroWeightMeansDefaultWeightOne) {
  ScoringInput input;
  qapi::Area& area = AddArea(input.model, "a");
  AddItem(area, "a.x", kProviderItem, kMaturity, 0);
  AddItem(area, "a.y", kProviderItem, kMaturity, 1);
  ProviderAnswers(input, "a.x", {5, 5, 5});  // 1.0
  ProviderAnswers(input, "a.y", {0, 0, 0});  // 0.0 → (1 + 0) / 2 = 0.5
  EXPECT_DOUBLE_EQ(FindArea(ScoreOk(input), "a", ProviderGroup())->score(), 0.5);
}

TEST(ScoreTest, SammPracticeScoreSumsTheStreamMeansOfEachLevel) {
  ScoringInput input;
  qapi::Area& area = AddArea(input.model, "samm");
  auto samm = [&](const std::string& id, int level, const std::string& stream) {
    qapi::Item& item = AddItem(area, id, kProviderItem, kSamm);
    item.mutable_samm_position()->set_level(level);
    item.mutable_samm_position()->set_stream(stream);
  };
  samm("l1a", 1, "A");
  samm("l1b", 1, "B");
  samm("l2a", 2, "A");
  samm("l2b", 2, "B");
  samm("l3a", 3, "A");
  ProviderAnswers(input, "l1a", {1, 0.5});    // 0.75
  ProviderAnswers(input, "l1b", {0.5, 0.5});  // 0.5
  ProviderAnswers(input, "l2a", {0.25});      // 0.25
  ProviderAnswers(input, "l2b", {0, 0.5});    // 0.25
  ProviderAnswers(input, "l3a", {0, 0});      // 0
  // Level 1: (0.75 + 0.5) / 2 = 0.625; level 2: (0.25 + 0.25) / 2 = 0.25; level 3: 0 (stream A
  // only). Practice score = 0.625 + 0.25 + 0 = 0.875. Area score: (0.75 + 0.5 + 0.25 + 0.25 + 0)
  // / 5 = 0.35.
  const sapi::Scorecard card = ScoreOk(input);
  const sapi::AreaScore* score = FindArea(card, "samm", ProviderGroup());
  ASSERT_NE(score, nullptr);
  ASSERT_TRUE(score->has_samm_practice_score());
  EXPECT_DOUBLE_EQ(score->samm_practice_score(), 0.875);
  EXPECT_DOUBLE_EQ(score->score(), 0.35);

  // An area that mixes scales has no SAMM practice score.
  AddItem(area, "maturity", kProviderItem, kMaturity);
  ProviderAnswers(input, "maturity", {3});
  EXPECT_FALSE(FindArea(ScoreOk(input), "samm", ProviderGroup())->has_samm_practice_score());
}

TEST(ScoreTest, ProviderCustomerGapPerPairAreaAndDimension) {
  ScoringInput input;
  qapi::Area& area = AddArea(input.model, "a");
  AddPair(area, "fix");
  area.mutable_items(1)->set_servqual_dimension(qapi::SERVQUAL_DIMENSION_RELIABILITY);
  // Provider: 4, 4, 5 → 13/3 → 13/15 ≈ 0.8667. Customers (Likert): north 3, 3; south 2 →
  // mean 8/3 → (8/3 − 1) / 4 = 5/12 ≈ 0.4167. gap = 5/12 − 13/15 = (25 − 52) / 60 = −0.45.
  ProviderAnswers(input, "fix.provider", {4, 4, 5});
  input.answers.push_back(Customer("c1", "north", "fix.customer", 3));
  input.answers.push_back(Customer("c2", "north", "fix.customer", 3));
  input.answers.push_back(Customer("c3", "south", "fix.customer", 2));
  const sapi::Scorecard card = ScoreOk(input);

  const sapi::PerceptionGap* pair =
      FindGap(card, sapi::GAP_SUBJECT_KIND_ITEM_PAIR, "fix", AllCustomers());
  ASSERT_NE(pair, nullptr);
  EXPECT_NEAR(pair->provider_score(), 13.0 / 15, 1e-12);
  EXPECT_NEAR(pair->customer_score(), 5.0 / 12, 1e-12);
  EXPECT_NEAR(pair->gap(), -0.45, 1e-12);
  EXPECT_EQ(pair->area_id(), "a");
  EXPECT_EQ(pair->lineage_id(), "fix.provider");
  EXPECT_FALSE(pair->low_confidence());
  // North alone: 3 → 0.5; gap = 0.5 − 13/15 = −11/30; two respondents: low confidence.
  const sapi::PerceptionGap* north =
      FindGap(card, sapi::GAP_SUBJECT_KIND_ITEM_PAIR, "fix", Organization("north"));
  ASSERT_NE(north, nullptr);
  EXPECT_NEAR(north->gap(), -11.0 / 30, 1e-12);
  EXPECT_TRUE(north->low_confidence());
  // One pair: the area and the dimension have the same gap.
  EXPECT_NEAR(FindGap(card, sapi::GAP_SUBJECT_KIND_AREA, "a", AllCustomers())->gap(), -0.45, 1e-12);
  const sapi::PerceptionGap* dimension =
      FindGap(card, sapi::GAP_SUBJECT_KIND_SERVQUAL_DIMENSION, "RELIABILITY", AllCustomers());
  ASSERT_NE(dimension, nullptr);
  EXPECT_NEAR(dimension->gap(), -0.45, 1e-12);
  EXPECT_EQ(dimension->area_id(), "");
  EXPECT_EQ(FindGap(card, sapi::GAP_SUBJECT_KIND_ITEM_PAIR, "fix", ProviderGroup()), nullptr);
}

TEST(ScoreTest, AreaGapWeighsPairsAndBothItems) {
  ScoringInput input;
  qapi::Area& area = AddArea(input.model, "a");
  AddPair(area, "fix", 3);  // weight 3 on both halves
  AddItem(area, "both", qapi::ITEM_PERSPECTIVE_BOTH, kLikert, 1);
  // fix: provider 5 → 1.0, customers 1 → 0.0. both: provider 5 → 1.0, customers 3 → 0.5.
  // provider_score = (3·1 + 1·1) / 4 = 1; customer_score = (3·0 + 1·0.5) / 4 = 0.125; gap −0.875.
  input.answers = {Provider("p", "fix.provider", 5), Provider("p", "both", 5),
                   Customer("c", "o", "fix.customer", 1), Customer("c", "o", "both", 3)};
  const sapi::Scorecard card = ScoreOk(input);
  const sapi::PerceptionGap* gap = FindGap(card, sapi::GAP_SUBJECT_KIND_AREA, "a", AllCustomers());
  ASSERT_NE(gap, nullptr);
  EXPECT_DOUBLE_EQ(gap->provider_score(), 1);
  EXPECT_DOUBLE_EQ(gap->customer_score(), 0.125);
  EXPECT_DOUBLE_EQ(gap->gap(), -0.875);
  EXPECT_TRUE(gap->low_confidence());  // one respondent a side
  EXPECT_DOUBLE_EQ(FindGap(card, sapi::GAP_SUBJECT_KIND_ITEM_PAIR, "both", AllCustomers())->gap(),
                   -0.5);
}

TEST(ScoreTest, ServqualGapIsPerceptionMinusExpectation) {
  ScoringInput input;
  qapi::Area& area = AddArea(input.model, "a");
  qapi::Item& kept = AddItem(area, "kept", kCustomerItem, kLikert);
  kept.set_servqual_dimension(qapi::SERVQUAL_DIMENSION_RELIABILITY);
  kept.set_servqual_aspect(qapi::SERVQUAL_ASPECT_BOTH);
  // (perception, expectation): north (4, 5), (3, 5); south (2, 4).
  // All: P = 3 → 0.5; E = 14/3 → (14/3 − 1) / 4 = 11/12; gap = 0.5 − 11/12 = −5/12.
  // North: P = 3.5 → 0.625, E = 5 → 1, gap −0.375. South: P 0.25, E 0.75, gap −0.5.
  input.answers = {Customer("c1", "north", "kept", 4, 5), Customer("c2", "north", "kept", 3, 5),
                   Customer("c3", "south", "kept", 2, 4)};
  const sapi::Scorecard card = ScoreOk(input);
  const auto reliability = qapi::SERVQUAL_DIMENSION_RELIABILITY;
  const sapi::ServqualGap* all = FindServqual(card, reliability, "kept", AllCustomers());
  ASSERT_NE(all, nullptr);
  EXPECT_DOUBLE_EQ(all->perception(), 0.5);
  EXPECT_NEAR(all->expectation(), 11.0 / 12, 1e-12);
  EXPECT_NEAR(all->gap(), -5.0 / 12, 1e-12);
  EXPECT_FALSE(all->low_confidence());
  EXPECT_DOUBLE_EQ(FindServqual(card, reliability, "kept", Organization("north"))->gap(), -0.375);
  EXPECT_DOUBLE_EQ(FindServqual(card, reliability, "kept", Organization("south"))->gap(), -0.5);
  // The dimension as a whole has one item: the same gap.
  EXPECT_NEAR(FindServqual(card, reliability, "", AllCustomers())->gap(), -5.0 / 12, 1e-12);
}

TEST(ScoreTest, ServqualDimensionWithSeparateExpectationItems) {
  ScoringInput input;
  qapi::Area& area = AddArea(input.model, "a");
  auto item = [&](const std::string& id, qapi::ServqualDimension d, qapi::ServqualAspect aspect) {
    qapi::Item& i = AddItem(area, id, kCustomerItem, kLikert);
    i.set_servqual_dimension(d);
    i.set_servqual_aspect(aspect);
  };
  item("expect", qapi::SERVQUAL_DIMENSION_RESPONSIVENESS, qapi::SERVQUAL_ASPECT_EXPECTATION);
  item("perceive", qapi::SERVQUAL_DIMENSION_RESPONSIVENESS, qapi::SERVQUAL_ASPECT_PERCEPTION);
  item("alone", qapi::SERVQUAL_DIMENSION_EMPATHY, qapi::SERVQUAL_ASPECT_PERCEPTION);
  // E: 5, 5, 4 → 14/3 → 11/12; P: 3, 3, 3 → 0.5; gap = 0.5 − 11/12 = −5/12.
  for (int c = 0; c < 3; ++c) {
    const std::string who = absl::StrCat("c", c);
    input.answers.push_back(Customer(who, "o", "expect", c == 2 ? 4 : 5));
    input.answers.push_back(Customer(who, "o", "perceive", 3));
    input.answers.push_back(Customer(who, "o", "alone", 2));
  }
  const sapi::Scorecard card = ScoreOk(input);
  const sapi::ServqualGap* gap =
      FindServqual(card, qapi::SERVQUAL_DIMENSION_RESPONSIVENESS, "", AllCustomers());
  ASSERT_NE(gap, nullptr);
  EXPECT_NEAR(gap->gap(), -5.0 / 12, 1e-12);
  // EMPATHY asks no expectation: no SERVQUAL gap.
  EXPECT_EQ(FindServqual(card, qapi::SERVQUAL_DIMENSION_EMPATHY, "", AllCustomers()), nullptr);
  // An expectation item is not a measure of delivery: the area score is perceive and alone only,
  // (0.5 + 0.25) / 2 = 0.375.
  EXPECT_DOUBLE_EQ(FindArea(card, "a", AllCustomers())->score(), 0.375);
}

TEST(CapabilityLevelTest, LevelNNeedsItsAttributesLargelyAndAllLowerFully) {
  constexpr auto N = sapi::PROCESS_ATTRIBUTE_RATING_N;
  constexpr auto P = sapi::PROCESS_ATTRIBUTE_RATING_P;
  constexpr auto L = sapi::PROCESS_ATTRIBUTE_RATING_L;
  constexpr auto F = sapi::PROCESS_ATTRIBUTE_RATING_F;
  auto level = [](std::vector<std::optional<sapi::ProcessAttributeRating>> pa) {
    AttributeRatings ratings;
    for (size_t i = 0; i < pa.size(); ++i) ratings[i + 1] = pa[i];
    return CapabilityLevel(ratings);
  };
  EXPECT_EQ(level({}), 0);
  EXPECT_EQ(level({P}), 0);
  EXPECT_EQ(level({N}), 0);
  EXPECT_EQ(level({L}), 1);
  EXPECT_EQ(level({F, L, F}), 2);             // PA 2.1 L, PA 2.2 F, PA 1.1 F
  EXPECT_EQ(level({L, F, F}), 1);             // level 2 needs PA 1.1 F
  EXPECT_EQ(level({F, F, P}), 1);             // PA 2.2 only P
  EXPECT_EQ(level({F, F, std::nullopt}), 1);  // PA 2.2 without evidence
  EXPECT_EQ(level({F, F, F, L, L}), 3);
  EXPECT_EQ(level({F, F, F, F, L, L, L}), 3);  // level 4 needs PA 3.2 F
  EXPECT_EQ(level({F, F, F, F, F, F, F, F, F}), 5);
  EXPECT_EQ(level({std::nullopt, F, F}), 0);  // no PA 1.1: level 1 not reached
}

TEST(ScoreTest, ProcessAttributesAndCapabilityLevelOfAnArea) {
  ScoringInput input;
  qapi::Area& area = AddArea(input.model, "a");
  AddItem(area, "pa11", kProviderItem, kMaturity)
      .set_process_attribute(qapi::PROCESS_ATTRIBUTE_PA_1_1);
  AddItem(area, "pa21", kProviderItem, kMaturity)
      .set_process_attribute(qapi::PROCESS_ATTRIBUTE_PA_2_1);
  AddItem(area, "pa22", kProviderItem, kMaturity)
      .set_process_attribute(qapi::PROCESS_ATTRIBUTE_PA_2_2);
  AddItem(area, "pa31", kProviderItem, kMaturity)
      .set_process_attribute(qapi::PROCESS_ATTRIBUTE_PA_3_1);
  ProviderAnswers(input, "pa11", {5, 5, 5});  // 1.0 → F
  ProviderAnswers(input, "pa21", {3, 3, 4});  // 10/3 / 5 = 0.667 → L
  ProviderAnswers(input, "pa22", {5, 4, 5});  // 14/15 = 0.933 → F
  ProviderAnswers(input, "pa31", {5, 5, 5});  // F, but level 3 needs PA 2.1 F (and PA 3.2)
  const sapi::Scorecard score_card = ScoreOk(input);
  const sapi::AreaScore* score = FindArea(score_card, "a", ProviderGroup());
  ASSERT_NE(score, nullptr);
  ASSERT_EQ(score->process_attributes_size(), 4);
  EXPECT_EQ(score->process_attributes(0).attribute(), qapi::PROCESS_ATTRIBUTE_PA_1_1);
  EXPECT_EQ(score->process_attributes(0).rating(), sapi::PROCESS_ATTRIBUTE_RATING_F);
  EXPECT_NEAR(score->process_attributes(1).achievement(), 2.0 / 3, 1e-12);
  EXPECT_EQ(score->process_attributes(1).rating(), sapi::PROCESS_ATTRIBUTE_RATING_L);
  EXPECT_EQ(score->process_attributes(2).rating(), sapi::PROCESS_ATTRIBUTE_RATING_F);
  EXPECT_EQ(score->capability_level(), 2);
}

TEST(ScoreTest, GoodEnoughAgainstTargetWithTolerance) {
  ScoringInput input;
  AddItem(AddArea(input.model, "at", 0.6), "at.x", qapi::ITEM_PERSPECTIVE_PROVIDER,
          qapi::SCALE_SAMM_4);
  AddItem(AddArea(input.model, "low", 0.6), "low.x", kProviderItem, kLikert);
  AddItem(AddArea(input.model, "high", 0.2), "high.x", kProviderItem, kLikert);
  // at: 0.5, 0.5, 0.25, 1 → 2.25/4 = 0.5625; gap −0.0375, within 0.05: GOOD_ENOUGH.
  // low: Likert 3, 3, 2 → 8/3 → 5/12 ≈ 0.4167; gap −0.1833: BELOW. The session overrides the
  // target to 0.45: gap −0.0333: GOOD_ENOUGH, source SESSION.
  // high: 4, 4, 4 → 0.75; target 0.2: ABOVE.
  ProviderAnswers(input, "at.x", {0.5, 0.5, 0.25, 1});
  ProviderAnswers(input, "low.x", {3, 3, 2});
  ProviderAnswers(input, "high.x", {4, 4, 4});
  sapi::Scorecard card = ScoreOk(input);
  const sapi::AreaGoodEnough* at = FindGoodEnough(card, "at", ProviderGroup());
  ASSERT_NE(at, nullptr);
  EXPECT_EQ(at->status(), sapi::GOOD_ENOUGH_STATUS_GOOD_ENOUGH);
  EXPECT_NEAR(at->gap_to_target(), -0.0375, 1e-12);
  EXPECT_DOUBLE_EQ(at->tolerance(), 0.05);
  EXPECT_EQ(at->target().source(), type::TARGET_SOURCE_MODEL_DEFAULT);
  EXPECT_DOUBLE_EQ(at->target().target_score(), 0.6);
  EXPECT_EQ(FindGoodEnough(card, "low", ProviderGroup())->status(), sapi::GOOD_ENOUGH_STATUS_BELOW);
  EXPECT_EQ(FindGoodEnough(card, "high", ProviderGroup())->status(),
            sapi::GOOD_ENOUGH_STATUS_ABOVE);

  type::AreaTarget target;
  target.set_area_id("low");
  target.set_target_score(0.45);
  input.targets = {target};
  card = ScoreOk(input);
  const sapi::AreaGoodEnough* low = FindGoodEnough(card, "low", ProviderGroup());
  EXPECT_EQ(low->status(), sapi::GOOD_ENOUGH_STATUS_GOOD_ENOUGH);
  EXPECT_EQ(low->target().source(), type::TARGET_SOURCE_SESSION);
}

TEST(ScoreTest, GoodEnoughBandEdgeIsExact) {
  ScoringInput input;
  AddItem(AddArea(input.model, "a", 0.6), "a.x", kProviderItem, kMaturity);
  // 3, 3, 3, 2 → 2.75 / 5 = 0.55; 0.55 − 0.6 is −0.04999999999999993 in floating point and
  // exactly the tolerance in decimals: GOOD_ENOUGH. 2, 3, 3, 3, 2 → 2.6 / 5 = 0.52, gap −0.08:
  // BELOW.
  ProviderAnswers(input, "a.x", {3, 3, 3, 2});
  EXPECT_EQ(FindGoodEnough(ScoreOk(input), "a", ProviderGroup())->status(),
            sapi::GOOD_ENOUGH_STATUS_GOOD_ENOUGH);
  input.answers.clear();
  ProviderAnswers(input, "a.x", {2, 3, 3, 3, 2});
  EXPECT_EQ(FindGoodEnough(ScoreOk(input), "a", ProviderGroup())->status(),
            sapi::GOOD_ENOUGH_STATUS_BELOW);
}

// The worked example of docs/scoring.md. Area "service", target 0.6:
//   fix   pair (weight 2): provider 4, 4, 4 → 0.8; customers north 2, 2; south 4 → 5/12.
//   reply pair (weight 1): provider 3, 3, 2 → 8/15; customers north 3, 3; south 4 → 7/12.
//   docs  provider only (weight 1): 2, 2, 3 → 7/15.
//   portal customer only (weight 1): north 4, 4; south 5 → 10/12, above target everywhere.
ScoringInput WorkedExample() {
  ScoringInput input;
  qapi::Area& area = AddArea(input.model, "service", 0.6);
  AddPair(area, "fix", 2);
  AddPair(area, "reply", 1);
  AddItem(area, "docs", kProviderItem, kMaturity, 1);
  AddItem(area, "portal", kCustomerItem, kLikert, 1);
  ProviderAnswers(input, "fix.provider", {4, 4, 4});
  ProviderAnswers(input, "reply.provider", {3, 3, 2});
  ProviderAnswers(input, "docs", {2, 2, 3});
  const char* orgs[] = {"north", "north", "south"};
  const double fix[] = {2, 2, 4};
  const double reply[] = {3, 3, 4};
  const double portal[] = {4, 4, 5};
  for (int c = 0; c < 3; ++c) {
    const std::string who = absl::StrCat("c", c);
    input.answers.push_back(Customer(who, orgs[c], "fix.customer", fix[c]));
    input.answers.push_back(Customer(who, orgs[c], "reply.customer", reply[c]));
    input.answers.push_back(Customer(who, orgs[c], "portal", portal[c]));
  }
  return input;
}

TEST(ImprovementTest, RankingOfTheWorkedExample) {
  const sapi::Scorecard card = ScoreOk(WorkedExample());
  // fix: gap_to_target = (provider shortfall 0 + 2 × mean(north 0.6 − 0.25, south 0) ) / 3
  //      = 2 × 0.175 / 3 = 0.116667; perception gap = 0.8 − 5/12 = 0.383333; servqual 0;
  //      item weight 2/2 = 1; consensus of customers {2, 2, 4} on 1–5 (μ = 8/3):
  //      1 + ⅔·log2(1 − (2/3)/4) + ⅓·log2(1 − (4/3)/4) = 0.629656; effort: mean 4 is a whole
  //      level, next 5 is a full step away → 0.
  //      priority = 0.35·0.116667 + 0.25·0.383333 + 0.10·1 + 0.05·0.629656 = 0.268149.
  // reply: provider shortfall 0.6 − 8/15 = 0.066667; customer: north 0.6 − 0.5 = 0.1, south 0 →
  //      0.05; gap_to_target = (0.066667 + 2·0.05) / 3 = 0.055556; perception gap:
  //      8/15 − 7/12 < 0 → 0; item weight 1/2; consensus {3, 3, 4} (μ = 10/3) = 0.828635;
  //      effort: mean 8/3 is ⅓ below level 3 → 1 − 1/3 = 0.666667.
  //      priority = 0.35·0.055556 + 0.10·0.5 + 0.05·0.828635 + 0.10·0.666667 = 0.177543.
  //      Quick win: effort ≥ 0.5 and north feels it.
  // docs: shortfall 0.6 − 7/15 = 0.133333 (provider only); weight 1/2; consensus of {2, 2, 3} on
  //      0–5 (μ = 7/3) = 0.864826; effort 1 − (3 − 7/3) = 0.333333.
  //      priority = 0.35·0.133333 + 0.10·0.5 + 0.05·0.864826 + 0.10·0.333333 = 0.173241.
  // portal: above target for everyone and nothing to compare with: not listed.
  ASSERT_EQ(card.improvements_size(), 3);
  const sapi::Improvement& first = card.improvements(0);
  EXPECT_EQ(first.rank(), 1);
  EXPECT_EQ(first.item_id(), "fix.provider");
  EXPECT_NEAR(first.priority_score(), 0.268149, 1e-6);
  EXPECT_FALSE(first.quick_win());
  ASSERT_EQ(first.components_size(), 6);
  EXPECT_EQ(first.components(0).factor(), sapi::PRIORITY_FACTOR_GAP_TO_TARGET);
  EXPECT_NEAR(first.components(0).value(), 0.35 / 3, 1e-12);
  EXPECT_DOUBLE_EQ(first.components(0).weight(), 0.35);
  EXPECT_NEAR(first.components(1).value(), 0.8 - 5.0 / 12, 1e-12);
  EXPECT_NEAR(first.components(4).value(), 0.629656, 1e-6);
  EXPECT_EQ(card.improvements(1).item_id(), "reply.provider");
  EXPECT_NEAR(card.improvements(1).priority_score(), 0.177543, 1e-6);
  EXPECT_TRUE(card.improvements(1).quick_win());
  EXPECT_EQ(card.improvements(2).item_id(), "docs");
  EXPECT_NEAR(card.improvements(2).priority_score(), 0.173241, 1e-6);
  EXPECT_EQ(card.improvements(2).rank(), 3);

  // The rationale cites the figures, in English and Swedish (decimal comma).
  EXPECT_EQ(first.rationale().translations().at("en"),
            "Provider 0.80, customers 0.42 against the area target 0.60; customers rate it 0.38 "
            "lower than the provider; 1 of 2 customer organisations below target.");
  EXPECT_EQ(first.rationale().translations().at("sv"),
            "Leverantören 0,80, kunderna 0,42 mot områdets mål 0,60; kunderna ger 0,38 lägre än "
            "leverantören; 1 av 2 kundorganisationer under målet.");
  EXPECT_THAT(card.improvements(1).rationale().translations().at("en"),
              HasSubstr("quick win: mean 2.67 is close to level 3"));
  EXPECT_EQ(first.title().translations().at("sv"), "Förbättra: Text för fix.provider");
  EXPECT_EQ(first.lineage_id(), "fix.provider");
  EXPECT_EQ(first.area_id(), "service");
}

TEST(ImprovementTest, TiesAreBrokenByItemId) {
  ScoringInput input;
  qapi::Area& area = AddArea(input.model, "a", 1);
  AddItem(area, "b", kProviderItem, kMaturity);
  AddItem(area, "a", kProviderItem, kMaturity);
  ProviderAnswers(input, "b", {2, 2, 2});
  ProviderAnswers(input, "a", {2, 2, 2});
  const sapi::Scorecard card = ScoreOk(input);
  ASSERT_EQ(card.improvements_size(), 2);
  EXPECT_EQ(card.improvements(0).priority_score(), card.improvements(1).priority_score());
  EXPECT_EQ(card.improvements(0).item_id(), "a");
  input.options.max_improvements = 1;
  EXPECT_EQ(ScoreOk(input).improvements_size(), 1);
}

TEST(ScoreTest, LatestRoundCounts) {
  ScoringInput input;
  AddItem(AddArea(input.model, "a"), "a.x", kProviderItem, kMaturity);
  // p0 says 1 in round 0 and 5 in round 1 (listed first): only 5 counts.
  input.answers = {Provider("p0", "a.x", 5, 1), Provider("p0", "a.x", 1, 0),
                   Provider("p1", "a.x", 3)};
  const sapi::Scorecard item_card = ScoreOk(input);
  const sapi::ItemScore* item = FindItem(item_card, "a.x", ProviderGroup());
  EXPECT_EQ(item->statistics().n(), 2);
  EXPECT_DOUBLE_EQ(item->statistics().mean(), 4);
}

TEST(ScoreTest, CoverageAndLowConfidence) {
  ScoringInput input = WorkedExample();
  sapi::ExpectedRespondents provider;
  *provider.mutable_group() = ProviderGroup();
  provider.set_invited_count(4);
  sapi::ExpectedRespondents east;
  *east.mutable_group() = Organization("east");
  east.set_invited_count(2);
  input.expected_respondents = {provider, east};
  input.options.min_response_rate = 0.8;
  const sapi::Scorecard card = ScoreOk(input);
  EXPECT_THAT(card.customer_organizations(), ElementsAre("north", "south"));
  const sapi::Coverage& coverage = card.coverage();
  ASSERT_EQ(coverage.groups_size(), 5);  // PROVIDER, ALL_CUSTOMERS, east, north, south
  const sapi::GroupCoverage* p = FindCoverage(card, ProviderGroup());
  EXPECT_EQ(p->invited_count(), 4);
  EXPECT_EQ(p->respondent_count(), 3);
  EXPECT_DOUBLE_EQ(p->response_rate(), 0.75);
  EXPECT_TRUE(p->low_confidence());                                    // 0.75 < 0.8
  EXPECT_FALSE(FindCoverage(card, AllCustomers())->low_confidence());  // 3 respondents, no rate
  EXPECT_EQ(FindCoverage(card, Organization("east"))->respondent_count(), 0);
  EXPECT_TRUE(FindCoverage(card, Organization("north"))->low_confidence());  // 2 < 3
  EXPECT_TRUE(coverage.low_confidence());
  EXPECT_EQ(coverage.min_respondents(), 3);
  // Figures of a two-respondent group are flagged, never shown as solid.
  EXPECT_TRUE(FindItem(card, "portal", Organization("north"))->low_confidence());
  EXPECT_TRUE(FindArea(card, "service", Organization("north"))->low_confidence());
  EXPECT_FALSE(FindArea(card, "service", AllCustomers())->low_confidence());
}

TEST(ScoreTest, LineageIdsOnEveryFigure) {
  ScoringInput input = WorkedExample();
  input.model.mutable_areas(0)->set_lineage_id("svc");
  input.model.mutable_areas(0)->mutable_items(4)->set_lineage_id("documentation");
  input.model_version = "models/m/versions/2";
  input.model_content_hash = "sha256:abc";
  const sapi::Scorecard card = ScoreOk(input);
  EXPECT_EQ(card.model_version(), "models/m/versions/2");
  EXPECT_EQ(card.model_content_hash(), "sha256:abc");
  EXPECT_EQ(card.method_version(), "1.0");
  EXPECT_EQ(FindArea(card, "service", ProviderGroup())->lineage_id(), "svc");
  EXPECT_EQ(FindGoodEnough(card, "service", ProviderGroup())->lineage_id(), "svc");
  EXPECT_EQ(FindGap(card, sapi::GAP_SUBJECT_KIND_AREA, "service", AllCustomers())->lineage_id(),
            "svc");
  EXPECT_EQ(FindItem(card, "docs", ProviderGroup())->lineage_id(), "documentation");
  EXPECT_EQ(card.improvements(2).lineage_id(), "documentation");
}

TEST(ScoreTest, ScopeLeavesAreasOut) {
  ScoringInput input = WorkedExample();
  AddItem(AddArea(input.model, "other"), "other.x", kProviderItem, kMaturity);
  input.answers.push_back(Provider("p0", "other.x", 3));
  // The control: without a scope, the answered area is scored.
  const sapi::Scorecard unscoped = ScoreOk(input);
  ASSERT_NE(FindArea(unscoped, "other", ProviderGroup()), nullptr);
  // In scope only "service": an answer to the area left out is refused, and without one the
  // area is not scored while "service" is.
  input.area_ids = {"service"};
  EXPECT_THAT(Score(input).status().message(),
              HasSubstr("item 'other.x' is in area 'other', which is not in scope"));
  input.answers.pop_back();
  const sapi::Scorecard card = ScoreOk(input);
  EXPECT_EQ(FindArea(card, "other", ProviderGroup()), nullptr);
  EXPECT_NE(FindArea(card, "service", ProviderGroup()), nullptr);
}

}  // namespace
}  // namespace lagom::scoring
