// Bad input to the scoring core: every problem is INVALID_ARGUMENT naming its field path and
// saying what is allowed.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "services/scoring/core/scoring_core.h"
#include "services/scoring/core/scoring_model.h"
#include "services/scoring/core/test_support.h"

namespace lagom::scoring {
namespace {

using namespace ::lagom::scoring::testing;  // NOLINT(build/namespaces): builders of this test
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;

// a.x PROVIDER maturity; a.feel CUSTOMER Likert with SERVQUAL perception and expectation;
// a.samm PROVIDER SAMM with N/A allowed. b.y PROVIDER yes/no.
ScoringInput Input() {
  ScoringInput input;
  qapi::Area& a = AddArea(input.model, "a");
  AddItem(a, "a.x", qapi::ITEM_PERSPECTIVE_PROVIDER, qapi::SCALE_MATURITY_0_5);
  qapi::Item& feel = AddItem(a, "a.feel", qapi::ITEM_PERSPECTIVE_CUSTOMER, qapi::SCALE_LIKERT_5);
  feel.set_servqual_dimension(qapi::SERVQUAL_DIMENSION_EMPATHY);
  feel.set_servqual_aspect(qapi::SERVQUAL_ASPECT_BOTH);
  AddItem(a, "a.samm", qapi::ITEM_PERSPECTIVE_PROVIDER, qapi::SCALE_SAMM_4).set_na_allowed(true);
  AddItem(AddArea(input.model, "b"), "b.y", qapi::ITEM_PERSPECTIVE_PROVIDER, qapi::SCALE_YES_NO);
  input.answers = {Provider("p1", "a.x", 3), Provider("p1", "a.samm", 0.5),
                   Customer("c1", "north", "a.feel", 4, 5), Provider("p1", "b.y", 1)};
  return input;
}

// Every violation of a failed Score, as "field: description".
std::vector<std::string> Problems(const ScoringInput& input) {
  absl::StatusOr<sapi::Scorecard> card = Score(input);
  EXPECT_FALSE(card.ok());
  if (card.ok()) return {};
  EXPECT_EQ(card.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ReasonOf(card.status()), "FIELD_INVALID");
  std::vector<std::string> out;
  for (const FieldViolation& v : ViolationsOf(card.status())) {
    out.push_back(v.field + ": " + v.description);
  }
  return out;
}

TEST(ValidationTest, TheValidInputScores) { EXPECT_TRUE(Score(Input()).ok()); }

TEST(ValidationTest, NoAnswers) {
  ScoringInput input = Input();
  input.answers.clear();
  EXPECT_THAT(Problems(input), ElementsAre("answers: required: there is nothing to score"));
  EXPECT_EQ(Score(input).status().message(),
            "invalid scoring input: answers: required: there is nothing to score");
}

TEST(ValidationTest, UnknownItemNamesTheAnswer) {
  ScoringInput input = Input();
  input.answers.push_back(Provider("p1", "a.nope", 3));
  EXPECT_THAT(Problems(input),
              ElementsAre("answers[4].item_id: unknown item 'a.nope' (not in the model version)"));
  input.answers.back().item_id = "";
  EXPECT_THAT(Problems(input), ElementsAre("answers[4].item_id: required"));
}

TEST(ValidationTest, ValueNotOnTheScaleNamesTheAllowedValues) {
  ScoringInput input = Input();
  input.answers[0].value = 7;
  input.answers[1].value = 0.3;
  input.answers[3].value = 0.5;
  EXPECT_THAT(
      Problems(input),
      ElementsAre("answers[0].value: 7 is not on the item's scale; allowed: 0, 1, 2, 3, 4, 5",
                  "answers[1].value: 0.3 is not on the item's scale; allowed: 0, 0.25, 0.5, 1",
                  "answers[3].value: 0.5 is not on the item's scale; allowed: 0, 1"));
}

TEST(ValidationTest, WrongPerspective) {
  ScoringInput input = Input();
  input.answers.push_back(Customer("c1", "north", "a.x", 3));
  input.answers.push_back(Customer("p1", "north", "a.feel", 3, 5));
  EXPECT_THAT(Problems(input),
              ElementsAre("answers[4].perspective: item 'a.x' is answered by PROVIDER respondents, "
                          "not CUSTOMER",
                          "answers[5].perspective: respondent 'p1' answered as PROVIDER in "
                          "answers[0]"));
  ScoringAnswer& last = input.answers.back();
  last.respondent_id = "p2";
  last.perspective = type::PERSPECTIVE_PROVIDER;
  last.customer_organization = "";
  EXPECT_EQ(Problems(input)[1],
            "answers[5].perspective: item 'a.feel' is answered by CUSTOMER respondents, not "
            "PROVIDER");
  last.perspective = type::PERSPECTIVE_UNSPECIFIED;
  EXPECT_EQ(Problems(input)[1],
            "answers[5].perspective: required: PERSPECTIVE_PROVIDER or PERSPECTIVE_CUSTOMER");
}

TEST(ValidationTest, NotApplicableWhereNotAllowed) {
  ScoringInput input = Input();
  input.answers[0].value.reset();
  input.answers[1].value.reset();  // a.samm allows N/A
  EXPECT_THAT(Problems(input),
              ElementsAre("answers[0].not_applicable: item 'a.x' does not allow N/A"));
}

TEST(ValidationTest, ExpectationValues) {
  ScoringInput input = Input();
  input.answers[2].expectation_value.reset();
  input.answers[0].expectation_value = 3;
  EXPECT_THAT(Problems(input),
              ElementsAre("answers[0].expectation_value: item 'a.x' takes no expectation value",
                          "answers[2].expectation_value: required for item 'a.feel' (perception "
                          "and expectation); allowed: 1, 2, 3, 4, 5"));
  input = Input();
  input.answers[2].expectation_value = 0;
  EXPECT_THAT(Problems(input),
              ElementsAre("answers[2].expectation_value: 0 is not on the item's scale; allowed: 1, "
                          "2, 3, 4, 5"));
}

TEST(ValidationTest, RespondentKeepsOneOrganization) {
  ScoringInput input = Input();
  input.answers.push_back(Customer("c1", "south", "a.feel", 4, 5, 1));
  input.answers.push_back(Customer("c2", "", "a.feel", 4, 5));
  input.answers.push_back(Provider("p1", "a.x", 3, 1));
  input.answers.back().customer_organization = "north";
  EXPECT_THAT(Problems(input),
              ElementsAre("answers[4].customer_organization: respondent 'c1' answered for 'north' "
                          "in answers[2]",
                          "answers[6].customer_organization: only CUSTOMER answers name an "
                          "organisation"));
}

TEST(ValidationTest, TheSameRoundTwice) {
  ScoringInput input = Input();
  input.answers.push_back(Provider("p1", "a.x", 4));
  input.answers.push_back(Provider("p1", "a.x", 4, -1));
  EXPECT_THAT(Problems(input),
              ElementsAre("answers[4]: respondent 'p1' answered item 'a.x' in round 0 already "
                          "(answers[0])",
                          "answers[5].round: must be ≥ 0"));
}

// An answer repeating a round is refused whichever rounds came between: 0, 1, 0 as 0, 0, 1.
TEST(ValidationTest, TheSameRoundTwiceWhateverTheOrder) {
  struct Case {
    int rounds[3];  // of p1's three answers to a.x: answers[0], [4] and [5]
    std::string problem;
  };
  const Case cases[] = {
      {{0, 1, 0},
       "answers[5]: respondent 'p1' answered item 'a.x' in round 0 already (answers[0])"},
      {{0, 0, 1},
       "answers[4]: respondent 'p1' answered item 'a.x' in round 0 already (answers[0])"},
      {{1, 0, 0},
       "answers[5]: respondent 'p1' answered item 'a.x' in round 0 already (answers[4])"},
      {{1, 0, 1},
       "answers[5]: respondent 'p1' answered item 'a.x' in round 1 already (answers[0])"},
  };
  for (const Case& c : cases) {
    ScoringInput input = Input();
    input.answers[0].round = c.rounds[0];
    input.answers.push_back(Provider("p1", "a.x", 4, c.rounds[1]));
    input.answers.push_back(Provider("p1", "a.x", 2, c.rounds[2]));
    EXPECT_THAT(Problems(input), ElementsAre(c.problem))
        << c.rounds[0] << ", " << c.rounds[1] << ", " << c.rounds[2];
  }
}

TEST(ValidationTest, RoundsInAnyOrderCountTheLatest) {
  ScoringInput input = Input();
  input.answers[0].round = 2;  // a.x 3
  input.answers.push_back(Provider("p1", "a.x", 5, 0));
  input.answers.push_back(Provider("p1", "a.x", 1, 1));
  absl::StatusOr<sapi::Scorecard> card = Score(input);
  ASSERT_TRUE(card.ok()) << card.status();
  const sapi::ItemScore* x = FindItem(*card, "a.x", ProviderGroup());
  ASSERT_NE(x, nullptr);
  EXPECT_EQ(x->statistics().n(), 1);
  EXPECT_DOUBLE_EQ(x->statistics().mean(), 3);
}

TEST(ValidationTest, RespondentIdRequired) {
  ScoringInput input = Input();
  input.answers[3].respondent_id = "";
  EXPECT_THAT(Problems(input), ElementsAre("answers[3].respondent_id: required"));
}

TEST(ValidationTest, TargetsOutsideTheScaleAndUnknownAreas) {
  ScoringInput input = Input();
  type::AreaTarget& high = input.targets.emplace_back();
  high.set_area_id("a");
  high.set_target_score(1.5);
  type::AreaTarget& unknown = input.targets.emplace_back();
  unknown.set_area_id("zzz");
  unknown.set_target_score(0.5);
  type::AreaTarget& again = input.targets.emplace_back();
  again.set_area_id("a");
  again.set_target_score(-0.1);
  EXPECT_THAT(
      Problems(input),
      ElementsAre("targets[0].target_score: 1.5 is outside 0–1; targets are on the normalised "
                  "area-score scale (maturity 3 of 0–5 is 0.6, Likert 4 of 1–5 is 0.75)",
                  "targets[1].area_id: unknown area 'zzz'; the model's areas: a, b",
                  "targets[2].area_id: area 'a' already has a target (targets[0])",
                  "targets[2].target_score: -0.1 is outside 0–1; targets are on the normalised "
                  "area-score scale (maturity 3 of 0–5 is 0.6, Likert 4 of 1–5 is 0.75)"));
}

// A target must apply: to an area in scope, with a source TargetSource defines.
TEST(ValidationTest, TargetsOutsideTheScopeOrWithAnUndefinedSource) {
  ScoringInput input = Input();
  input.area_ids = {"a"};
  input.answers.pop_back();  // b.y, out of scope
  type::AreaTarget& outside = input.targets.emplace_back();
  outside.set_area_id("b");
  outside.set_target_score(0.5);
  type::AreaTarget& undefined = input.targets.emplace_back();
  undefined.set_area_id("a");
  undefined.set_target_score(0.5);
  undefined.set_source(static_cast<type::TargetSource>(42));
  EXPECT_THAT(Problems(input),
              ElementsAre("targets[0].area_id: area 'b' is not in scope (area_ids); the areas in "
                          "scope: a",
                          "targets[1].source: 42 is not a target source; allowed: "
                          "TARGET_SOURCE_MODEL_DEFAULT, TARGET_SOURCE_TENANT, "
                          "TARGET_SOURCE_SESSION, or TARGET_SOURCE_UNSPECIFIED (read as "
                          "TARGET_SOURCE_SESSION)"));

  // A defined source is kept; an unset one is the caller's (the session's).
  input.targets.erase(input.targets.begin());
  input.targets[0].set_source(type::TARGET_SOURCE_TENANT);
  absl::StatusOr<sapi::Scorecard> card = Score(input);
  ASSERT_TRUE(card.ok()) << card.status();
  const sapi::AreaGoodEnough* verdict = FindGoodEnough(*card, "a", ProviderGroup());
  ASSERT_NE(verdict, nullptr);
  EXPECT_EQ(verdict->target().source(), type::TARGET_SOURCE_TENANT);
}

TEST(ValidationTest, UnknownAreaInScope) {
  ScoringInput input = Input();
  input.area_ids = {"a", "x"};
  EXPECT_THAT(Problems(input),
              ElementsAre("area_ids[1]: unknown area 'x'; the model's areas: a, b"));
}

TEST(ValidationTest, ExpectedRespondentsAndOptions) {
  ScoringInput input = Input();
  sapi::ExpectedRespondents& none = input.expected_respondents.emplace_back();
  none.set_invited_count(-1);
  sapi::ExpectedRespondents& org = input.expected_respondents.emplace_back();
  *org.mutable_group() = Group(type::RESPONSE_GROUP_KIND_CUSTOMER_ORGANIZATION);
  input.options.min_respondents = 0;
  input.options.good_enough_tolerance = 2;
  EXPECT_THAT(Problems(input),
              ElementsAre("options.min_respondents: 0 must be at least 1",
                          "options.good_enough_tolerance: 2 is outside 0–1",
                          "expected_respondents[0].group.kind: required: "
                          "RESPONSE_GROUP_KIND_PROVIDER, RESPONSE_GROUP_KIND_ALL_CUSTOMERS or "
                          "RESPONSE_GROUP_KIND_CUSTOMER_ORGANIZATION",
                          "expected_respondents[0].invited_count: -1 must be ≥ 0",
                          "expected_respondents[1].group.customer_organization: required for "
                          "RESPONSE_GROUP_KIND_CUSTOMER_ORGANIZATION"));
}

TEST(ValidationTest, ARepeatedExpectedGroupNamesItsFirstEntry) {
  ScoringInput input = Input();
  for (const char* organization : {"north", "south", "east", "south", "north"}) {
    sapi::ExpectedRespondents& e = input.expected_respondents.emplace_back();
    *e.mutable_group() = Organization(organization);
    e.set_invited_count(3);
  }
  *input.expected_respondents.emplace_back().mutable_group() = ProviderGroup();
  *input.expected_respondents.emplace_back().mutable_group() = ProviderGroup();
  EXPECT_THAT(
      Problems(input),
      ElementsAre("expected_respondents[3].group: the same group as expected_respondents[1]",
                  "expected_respondents[4].group: the same group as expected_respondents[0]",
                  "expected_respondents[6].group: the same group as expected_respondents[5]"));
}

TEST(ValidationTest, ModelProblemsScoringCannotWorkAround) {
  ScoringInput input = Input();
  input.model.mutable_areas(0)->mutable_items(0)->set_scale(qapi::SCALE_UNSPECIFIED);
  input.model.mutable_areas(1)->mutable_items(0)->set_id("a.x");
  EXPECT_THAT(Problems(input),
              ElementsAre("model.areas[0].items[0].scale: scale 0 cannot be scored; allowed: "
                          "SCALE_MATURITY_0_5, SCALE_SAMM_4, SCALE_LIKERT_5, SCALE_YES_NO",
                          "model.areas[1].items[0].id: item id 'a.x' is used twice (also "
                          "model.areas[0].items[0])"));
  input = Input();
  input.model.clear_areas();
  EXPECT_THAT(Problems(input), ElementsAre("model.areas: no items in scope to score"));
}

// Two weights of 1e308 made Σ wᵢ·xᵢ / Σ wᵢ = inf / inf = NaN, which a preview showed and
// reporting refused to record. Weights past kMaxItemWeight are refused; up to it every sum is
// finite.
TEST(ValidationTest, WeightsPastTheBoundAreRefusedSoNoScoreIsNaN) {
  ScoringInput input;
  qapi::Area& a = AddArea(input.model, "a");
  AddItem(a, "a.x", qapi::ITEM_PERSPECTIVE_PROVIDER, qapi::SCALE_MATURITY_0_5, 1e308);
  AddItem(a, "a.y", qapi::ITEM_PERSPECTIVE_PROVIDER, qapi::SCALE_MATURITY_0_5, 1e308);
  input.answers = {Provider("p1", "a.x", 5), Provider("p1", "a.y", 5)};
  const std::string allowed =
      " is outside the allowed range: a number from 0.001 to 1000, or 0 for the default weight 1";
  EXPECT_THAT(Problems(input), ElementsAre("model.areas[0].items[0].weight: 1e+308" + allowed,
                                           "model.areas[0].items[1].weight: 1e+308" + allowed));
  a.mutable_items(1)->set_weight(std::numeric_limits<double>::quiet_NaN());
  a.mutable_items(0)->set_weight(std::nextafter(kMaxItemWeight, 2 * kMaxItemWeight));
  EXPECT_THAT(Problems(input), SizeIs(2));

  a.mutable_items(0)->set_weight(kMaxItemWeight);
  a.mutable_items(1)->set_weight(kMaxItemWeight);
  absl::StatusOr<sapi::Scorecard> card = Score(input);
  ASSERT_TRUE(card.ok()) << card.status();
  const sapi::AreaScore* area = FindArea(*card, "a", ProviderGroup());
  ASSERT_NE(area, nullptr);
  EXPECT_DOUBLE_EQ(area->score(), 1);

  // Too small a weight rounds wᵢ·xᵢ towards 0: 5e-324 scored 0.4 as 0. The smallest taken is
  // exact.
  a.mutable_items(0)->set_weight(std::numeric_limits<double>::denorm_min());
  a.mutable_items(1)->set_weight(std::nextafter(kMinItemWeight, 0.0));
  EXPECT_THAT(Problems(input), SizeIs(2));
  a.mutable_items(0)->set_weight(kMinItemWeight);
  a.mutable_items(1)->set_weight(kMinItemWeight);
  input.answers = {Provider("p1", "a.x", 2), Provider("p1", "a.y", 2)};
  card = Score(input);
  ASSERT_TRUE(card.ok()) << card.status();
  area = FindArea(*card, "a", ProviderGroup());
  ASSERT_NE(area, nullptr);
  EXPECT_DOUBLE_EQ(area->score(), 0.4);
}

// As many problems as the error's details hold (6,000 bytes) are listed; the rest are
// counted in one last entry, and the message counts them all.
TEST(ValidationTest, ProblemsPastWhatTheDetailsHoldAreCounted) {
  ScoringInput input = Input();
  for (int i = 0; i < 150; ++i) input.answers.push_back(Provider("p1", "nope", 1));
  const std::vector<std::string> problems = Problems(input);
  ASSERT_GT(problems.size(), 50u);
  ASSERT_LE(problems.size(), 101u);
  EXPECT_EQ(problems.back(), absl::StrCat(": and ", 150 - (problems.size() - 1),
                                          " more violations not listed here: fix these and send "
                                          "it again"));
  EXPECT_THAT(Score(input).status().message(), HasSubstr("(and 149 more)"));
}

}  // namespace
}  // namespace lagom::scoring
