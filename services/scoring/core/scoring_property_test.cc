// Properties of the scoring core over many random inputs (fixed seeds, so a failure repeats):
// the order of the answers does not matter, N/A answers do not move scores, raising an answer
// never lowers its area's score, and every figure is finite whatever the weights.
#include <gmock/gmock.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "common/scales.h"
#include "services/scoring/core/scoring_core.h"
#include "services/scoring/core/scoring_model.h"
#include "services/scoring/core/test_support.h"

namespace lagom::scoring {
namespace {

using namespace ::lagom::scoring::testing;  // NOLINT(build/namespaces): builders of this test
using ::google::protobuf::util::MessageDifferencer;

constexpr int kIterations = 300;

RandomShape ShapeOf(std::mt19937& random) {
  auto between = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(random); };
  RandomShape shape;
  shape.areas = between(1, 5);
  shape.items_per_area = between(1, 8);
  shape.providers = between(1, 6);
  shape.customers = between(1, 9);
  shape.organizations = between(1, 3);
  shape.answer_probability = 0.8;
  shape.na_probability = 0.2;
  shape.revote_probability = 0.1;
  return shape;
}

// A random input with at least one answer, and its scorecard.
struct Case {
  ScoringInput input;
  sapi::Scorecard card;
};

Case RandomCase(std::mt19937& random) {
  for (;;) {
    Case c{RandomInput(ShapeOf(random), random), {}};
    if (c.input.answers.empty()) continue;
    absl::StatusOr<sapi::Scorecard> card = Score(c.input);
    EXPECT_TRUE(card.ok()) << card.status();
    c.card = *std::move(card);
    return c;
  }
}

const qapi::Item* ItemOf(const ScoringInput& input, const std::string& id) {
  for (const qapi::Area& area : input.model.areas()) {
    for (const qapi::Item& item : area.items()) {
      if (item.id() == id) return &item;
    }
  }
  return nullptr;
}

std::string AreaOf(const ScoringInput& input, const std::string& item_id) {
  for (const qapi::Area& area : input.model.areas()) {
    for (const qapi::Item& item : area.items()) {
      if (item.id() == item_id) return area.id();
    }
  }
  return "";
}

TEST(PropertyTest, AnswerOrderDoesNotMatter) {
  std::mt19937 random(1);
  for (int i = 0; i < kIterations; ++i) {
    Case c = RandomCase(random);
    std::shuffle(c.input.answers.begin(), c.input.answers.end(), random);
    absl::StatusOr<sapi::Scorecard> shuffled = Score(c.input);
    ASSERT_TRUE(shuffled.ok()) << shuffled.status();
    std::string diff;
    MessageDifferencer differencer;
    differencer.ReportDifferencesToString(&diff);
    ASSERT_TRUE(differencer.Compare(c.card, *shuffled)) << "iteration " << i << ":\n" << diff;
  }
}

// Everything a value answer determines, which an N/A answer must leave alone.
void ExpectSameScores(const sapi::Scorecard& before, const sapi::Scorecard& after, int iteration) {
  for (const sapi::ItemScore& b : before.item_scores()) {
    const sapi::ItemScore* a = FindItem(after, b.item_id(), b.group());
    ASSERT_NE(a, nullptr) << iteration;
    const sapi::ItemStatistics& x = b.statistics();
    const sapi::ItemStatistics& y = a->statistics();
    EXPECT_EQ(x.n(), y.n()) << iteration;
    EXPECT_EQ(x.mean(), y.mean()) << iteration;
    EXPECT_EQ(x.median(), y.median()) << iteration;
    EXPECT_EQ(x.stddev(), y.stddev()) << iteration;
    EXPECT_EQ(x.normalized_mean(), y.normalized_mean()) << iteration;
    EXPECT_EQ(x.consensus(), y.consensus()) << iteration;
  }
  ASSERT_EQ(before.area_scores_size(), after.area_scores_size()) << iteration;
  for (int k = 0; k < before.area_scores_size(); ++k) {
    const sapi::AreaScore& x = before.area_scores(k);
    const sapi::AreaScore& y = after.area_scores(k);
    EXPECT_EQ(x.area_id(), y.area_id()) << iteration;
    EXPECT_EQ(x.score(), y.score()) << iteration;
    EXPECT_EQ(x.rating(), y.rating()) << iteration;
    EXPECT_EQ(x.capability_level(), y.capability_level()) << iteration;
    EXPECT_EQ(x.answered_item_count(), y.answered_item_count()) << iteration;
    EXPECT_EQ(x.has_samm_practice_score(), y.has_samm_practice_score()) << iteration;
    EXPECT_EQ(x.samm_practice_score(), y.samm_practice_score()) << iteration;
    EXPECT_TRUE(MessageDifferencer::Equals(x.group(), y.group())) << iteration;
  }
  ASSERT_EQ(before.perception_gaps_size(), after.perception_gaps_size()) << iteration;
  for (int k = 0; k < before.perception_gaps_size(); ++k) {
    EXPECT_EQ(before.perception_gaps(k).gap(), after.perception_gaps(k).gap()) << iteration;
  }
  ASSERT_EQ(before.servqual_gaps_size(), after.servqual_gaps_size()) << iteration;
  for (int k = 0; k < before.servqual_gaps_size(); ++k) {
    EXPECT_EQ(before.servqual_gaps(k).gap(), after.servqual_gaps(k).gap()) << iteration;
  }
  ASSERT_EQ(before.good_enough_size(), after.good_enough_size()) << iteration;
  for (int k = 0; k < before.good_enough_size(); ++k) {
    EXPECT_EQ(before.good_enough(k).status(), after.good_enough(k).status()) << iteration;
  }
  ASSERT_EQ(before.improvements_size(), after.improvements_size()) << iteration;
  for (int k = 0; k < before.improvements_size(); ++k) {
    EXPECT_EQ(before.improvements(k).item_id(), after.improvements(k).item_id()) << iteration;
    EXPECT_EQ(before.improvements(k).priority_score(), after.improvements(k).priority_score())
        << iteration;
  }
}

TEST(PropertyTest, AddingNotApplicableAnswersDoesNotChangeScores) {
  std::mt19937 random(2);
  int added = 0;
  for (int i = 0; i < kIterations; ++i) {
    Case c = RandomCase(random);
    // Every respondent answers N/A to every item that allows it and they did not answer, and a
    // newcomer in each group that answered says N/A to everything it may.
    std::vector<ScoringAnswer> extra;
    std::vector<ScoringAnswer> respondents;
    for (const ScoringAnswer& a : c.input.answers) {
      bool known = false;
      for (const ScoringAnswer& r : respondents) {
        known = known || r.respondent_id == a.respondent_id;
      }
      if (!known) respondents.push_back(a);
    }
    for (size_t r = 0, n = respondents.size(); r < n; ++r) {
      ScoringAnswer newcomer = respondents[r];
      newcomer.respondent_id += "-newcomer";
      respondents.push_back(newcomer);
    }
    for (const ScoringAnswer& who : respondents) {
      for (const qapi::Area& area : c.input.model.areas()) {
        for (const qapi::Item& item : area.items()) {
          const bool answered = std::any_of(
              c.input.answers.begin(), c.input.answers.end(), [&](const ScoringAnswer& a) {
                return a.respondent_id == who.respondent_id && a.item_id == item.id();
              });
          if (!Answers(who, item) || !item.na_allowed() || answered) continue;
          ScoringAnswer na = who;
          na.item_id = item.id();
          na.value.reset();
          na.expectation_value.reset();
          na.round = 0;
          extra.push_back(na);
        }
      }
    }
    added += static_cast<int>(extra.size());
    c.input.answers.insert(c.input.answers.end(), extra.begin(), extra.end());
    absl::StatusOr<sapi::Scorecard> after = Score(c.input);
    ASSERT_TRUE(after.ok()) << after.status();
    ExpectSameScores(c.card, *after, i);
    if (HasFailure()) return;
  }
  EXPECT_GT(added, kIterations);  // the property was exercised
}

TEST(PropertyTest, RaisingAnAnswerNeverLowersItsAreaScore) {
  std::mt19937 random(3);
  int raised = 0;
  for (int i = 0; i < kIterations; ++i) {
    Case c = RandomCase(random);
    // Raise one value answer of the latest round (later rounds replace earlier ones) to a
    // higher value of its scale.
    std::vector<size_t> candidates;
    for (size_t k = 0; k < c.input.answers.size(); ++k) {
      const ScoringAnswer& a = c.input.answers[k];
      const ScaleInfo& scale = *ScaleOf(ItemOf(c.input, a.item_id)->scale());
      const bool latest =
          std::none_of(c.input.answers.begin(), c.input.answers.end(), [&](const ScoringAnswer& b) {
            return b.respondent_id == a.respondent_id && b.item_id == a.item_id &&
                   b.round > a.round;
          });
      if (latest && a.value && *a.value < scale.values[scale.size - 1]) candidates.push_back(k);
    }
    if (candidates.empty()) continue;
    ScoringAnswer& answer = c.input.answers[candidates[std::uniform_int_distribution<size_t>(
        0, candidates.size() - 1)(random)]];
    const ScaleInfo& scale = *ScaleOf(ItemOf(c.input, answer.item_id)->scale());
    std::vector<double> higher;
    for (double v : scale.Values()) {
      if (v > *answer.value) higher.push_back(v);
    }
    answer.value = higher[std::uniform_int_distribution<size_t>(0, higher.size() - 1)(random)];
    absl::StatusOr<sapi::Scorecard> after = Score(c.input);
    ASSERT_TRUE(after.ok()) << after.status();
    const std::string area = AreaOf(c.input, answer.item_id);
    std::vector<type::ResponseGroup> groups;
    if (answer.perspective == type::PERSPECTIVE_PROVIDER) {
      groups = {ProviderGroup()};
    } else {
      groups = {AllCustomers(), Organization(answer.customer_organization)};
    }
    for (const type::ResponseGroup& group : groups) {
      const sapi::AreaScore* before = FindArea(c.card, area, group);
      const sapi::AreaScore* now = FindArea(*after, area, group);
      if (before == nullptr) continue;  // e.g. an expectation item: not part of area scores
      ASSERT_NE(now, nullptr);
      EXPECT_GE(now->score(), before->score() - 1e-12)
          << "iteration " << i << ": raising " << answer.item_id << " of " << answer.respondent_id
          << " lowered " << area;
      ++raised;
    }
    if (HasFailure()) return;
  }
  EXPECT_GT(raised, kIterations);
}

// The path of every double or float field of `message` that is NaN or infinite.
void NonFinite(const google::protobuf::Message& message, const std::string& path,
               std::vector<std::string>& out) {
  using google::protobuf::FieldDescriptor;
  const google::protobuf::Reflection& reflection = *message.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  reflection.ListFields(message, &fields);
  for (const FieldDescriptor* field : fields) {
    const int count = field->is_repeated() ? reflection.FieldSize(message, field) : 1;
    for (int k = 0; k < count; ++k) {
      const std::string at = field->is_repeated() ? absl::StrCat(path, field->name(), "[", k, "]")
                                                  : absl::StrCat(path, field->name());
      const bool repeated = field->is_repeated();
      switch (field->cpp_type()) {
        case FieldDescriptor::CPPTYPE_DOUBLE:
          if (!std::isfinite(repeated ? reflection.GetRepeatedDouble(message, field, k)
                                      : reflection.GetDouble(message, field))) {
            out.push_back(at);
          }
          break;
        case FieldDescriptor::CPPTYPE_FLOAT:
          if (!std::isfinite(repeated ? reflection.GetRepeatedFloat(message, field, k)
                                      : reflection.GetFloat(message, field))) {
            out.push_back(at);
          }
          break;
        case FieldDescriptor::CPPTYPE_MESSAGE:
          NonFinite(repeated ? reflection.GetRepeatedMessage(message, field, k)
                             : reflection.GetMessage(message, field),
                    at + ".", out);
          break;
        default:
          break;
      }
    }
  }
}

// Gives each item of the case's model one of `weights`, at random.
void GiveRandomWeights(absl::Span<const double> weights, std::mt19937& random, Case& c) {
  std::uniform_int_distribution<size_t> pick(0, weights.size() - 1);
  for (qapi::Area& area : *c.input.model.mutable_areas()) {
    for (qapi::Item& item : *area.mutable_items()) item.set_weight(weights[pick(random)]);
  }
}

// Whatever weights a model may give (0, and kMinItemWeight to kMaxItemWeight, both bounds
// included), every figure of the scorecard is a finite number: reporting refuses NaN, and a
// session's close would be retried for ever.
TEST(PropertyTest, EveryFigureIsFiniteWhateverTheWeights) {
  std::mt19937 random(4);
  const double weights[] = {0, kMinItemWeight, 0.37, 1, kMaxItemWeight};
  int with_area_scores = 0;  // iterations whose area scores were checked
  for (int i = 0; i < kIterations; ++i) {
    Case c = RandomCase(random);
    GiveRandomWeights(weights, random, c);
    absl::StatusOr<sapi::Scorecard> card = Score(c.input);
    ASSERT_TRUE(card.ok()) << card.status();
    std::vector<std::string> bad;
    NonFinite(*card, "", bad);
    EXPECT_THAT(bad, ::testing::IsEmpty()) << "iteration " << i;
    for (const sapi::AreaScore& area : card->area_scores()) {
      EXPECT_GE(area.score(), 0) << "iteration " << i;
      EXPECT_LE(area.score(), 1) << "iteration " << i;
    }
    if (card->area_scores_size() > 0) ++with_area_scores;
    if (HasFailure()) return;
  }
  // Nearly every random case is answered well enough to score its areas: the bounds above
  // were checked, not skipped.
  EXPECT_GT(with_area_scores, kIterations / 2);
}

// Weights are relative: every weight a thousand times larger (the smallest allowed becoming 1,
// the largest of these 1000) leaves every area score as it was. Rounding of the weighted sums
// towards 0 would not.
TEST(PropertyTest, ScoresDoNotChangeWhenEveryWeightIsScaledAlike) {
  std::mt19937 random(5);
  const double weights[] = {kMinItemWeight, 0.013, 0.5, 1};
  for (int i = 0; i < kIterations; ++i) {
    Case c = RandomCase(random);
    GiveRandomWeights(weights, random, c);
    absl::StatusOr<sapi::Scorecard> small = Score(c.input);
    ASSERT_TRUE(small.ok()) << small.status();
    for (qapi::Area& area : *c.input.model.mutable_areas()) {
      for (qapi::Item& item : *area.mutable_items()) item.set_weight(item.weight() * 1000);
    }
    absl::StatusOr<sapi::Scorecard> large = Score(c.input);
    ASSERT_TRUE(large.ok()) << large.status();
    ASSERT_EQ(small->area_scores_size(), large->area_scores_size());
    for (int a = 0; a < small->area_scores_size(); ++a) {
      EXPECT_NEAR(small->area_scores(a).score(), large->area_scores(a).score(), 1e-9)
          << "iteration " << i << ", area score " << a;
    }
    if (HasFailure()) return;
  }
}

}  // namespace
}  // namespace lagom::scoring
