// Every figure of a scorecard, computed from the tally: item statistics, area scores (with
// ISO/IEC 33020 attribute ratings, capability level and SAMM practice score), perception gaps,
// SERVQUAL gaps, good-enough verdicts and coverage. Each function can also record how it got its
// result (a Trace), which is what ExplainScore returns, so a figure and its explanation come
// from the same code.
#ifndef LAGOM_SERVICES_SCORING_CORE_FIGURES_H_
#define LAGOM_SERVICES_SCORING_CORE_FIGURES_H_

#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/types/span.h"
#include "lagom/questionnaire/v1/model.pb.h"
#include "lagom/scoring/v1/scorecard.pb.h"
#include "lagom/scoring/v1/scoring.pb.h"
#include "services/scoring/core/scoring_input.h"
#include "services/scoring/core/scoring_model.h"
#include "services/scoring/core/tally.h"

namespace lagom::scoring {

// How a figure came about: formula, method, intermediate values in computation order, the
// figures it is computed from, and whose answers to which items went in.
struct Trace {
  std::string formula;
  std::string method_reference;
  std::vector<::lagom::scoring::v1::IntermediateValue> values;
  std::vector<::lagom::scoring::v1::FigureReference> inputs;
  std::vector<std::pair<int, int>> answers;  // (group, item)

  void Add(std::string label, double value, std::optional<double> weight = std::nullopt);
  // Sets the formula and method reference and appends the final `values` in order.
  void Conclude(std::string formula_text, std::string method,
                std::initializer_list<std::pair<const char*, double>> final_values);
};

// Σ wᵢ·xᵢ and Σ wᵢ, for the weighted means of every aggregate.
struct WeightedMean {
  double weighted = 0;
  double weights = 0;

  void Add(double value, double weight) {
    weighted += weight * value;
    weights += weight;
  }
  bool empty() const { return weights <= 0; }
  double value() const { return weighted / weights; }
};

// Statistics of one item in one group, on the item's scale unless said otherwise.
struct ItemStats {
  int n = 0;   // value answers
  int na = 0;  // N/A answers
  double mean = 0;
  double median = 0;
  double stddev = 0;      // sample; 0 when n < 2
  double normalized = 0;  // mean normalised to 0–1
  double consensus = 1;   // Tastle & Wierman (2007)
  // SERVQUAL_ASPECT_BOTH items: expectation answers and their mean normalised to 0–1.
  int expectation_n = 0;
  double expectation = 0;
  bool low_confidence = true;  // n + na < min_respondents
};

struct AreaResult {
  double score = 0;  // 0–1
  ::lagom::scoring::v1::ProcessAttributeRating rating =
      ::lagom::scoring::v1::PROCESS_ATTRIBUTE_RATING_UNSPECIFIED;
  std::vector<::lagom::scoring::v1::ProcessAttributeScore> attributes;  // PA 1.1 first
  int capability_level = 0;
  std::optional<double> samm_practice_score;
  int answered_items = 0;
  int na_items = 0;
  bool low_confidence = true;
};

// Provider vs customer group on comparable items: a pair, a BOTH item, or an aggregate of them.
struct GapResult {
  double provider = 0;
  double customer = 0;
  double gap = 0;  // customer − provider
  bool low_confidence = true;
};

// SERVQUAL perception − expectation.
struct ServqualResult {
  double expectation = 0;
  double perception = 0;
  double gap = 0;  // perception − expectation
  bool low_confidence = true;
};

struct GoodEnoughResult {
  double score = 0;
  double gap_to_target = 0;  // score − target
  ::lagom::scoring::v1::GoodEnoughStatus status =
      ::lagom::scoring::v1::GOOD_ENOUGH_STATUS_UNSPECIFIED;
};

// What a perception gap compares: a provider/customer pair (id = pair id) or a BOTH item
// (id = item id), with the SERVQUAL dimension it counts towards.
struct GapSubject {
  std::string id;
  int provider_item = -1;
  int customer_item = -1;  // the same item for BOTH items
  int area = 0;
  double weight = 1;  // mean of the two items' weights
  ::lagom::questionnaire::v1::ServqualDimension dimension =
      ::lagom::questionnaire::v1::SERVQUAL_DIMENSION_UNSPECIFIED;
  std::string lineage_id;  // the provider item's
};

class Figures final {
 public:
  // `input` supplies the options and expected respondents; all three must outlive this.
  Figures(const ScoringModel& model, const Tally& tally, const ScoringInput& input);

  const ScoringModel& model() const { return model_; }
  const Tally& tally() const { return tally_; }
  const ScoringOptions& options() const { return input_.options; }

  // Whether respondents of `group` answer `item` (PROVIDER: PROVIDER and BOTH items; customer
  // groups: CUSTOMER and BOTH items).
  bool Answers(int group, int item) const;
  const ItemStats& Item(int group, int item) const {
    return stats_[static_cast<size_t>(group) * model_.items().size() + item];
  }
  // Records the item's statistics and histogram in `trace`.
  void TraceItem(int group, int item, Trace& trace) const;

  // nullopt when no item of the area has a value answer from the group.
  std::optional<AreaResult> Area(int group, int area, Trace* trace = nullptr) const;

  const std::vector<GapSubject>& gap_subjects() const { return subjects_; }
  // nullopt when either side has no value answers. `customer_group` is ALL_CUSTOMERS or an
  // organisation.
  std::optional<GapResult> SubjectGap(const GapSubject& subject, int customer_group,
                                      Trace* trace = nullptr) const;
  // Weighted over the area's (or dimension's) subjects that both sides answered.
  std::optional<GapResult> AreaGap(int area, int customer_group, Trace* trace = nullptr) const;
  std::optional<GapResult> DimensionGap(::lagom::questionnaire::v1::ServqualDimension dimension,
                                        int customer_group, Trace* trace = nullptr) const;

  // SERVQUAL_ASPECT_BOTH items the customer group answered, with expectations.
  std::optional<ServqualResult> ItemServqual(int item, int customer_group,
                                             Trace* trace = nullptr) const;
  std::optional<ServqualResult> DimensionServqual(
      ::lagom::questionnaire::v1::ServqualDimension dimension, int customer_group,
      Trace* trace = nullptr) const;

  std::optional<GoodEnoughResult> GoodEnough(int group, int area, Trace* trace = nullptr) const;

  // Per group PROVIDER, ALL_CUSTOMERS, each organisation (answered or expected), in that order.
  ::lagom::scoring::v1::Coverage CoverageOf() const;
  ::lagom::scoring::v1::GroupCoverage GroupCoverageOf(const ::lagom::type::v1::ResponseGroup& group,
                                                      Trace* trace = nullptr) const;

  // The respondents of `group` (indexes into tally().respondents()).
  const std::vector<int>& members(int group) const { return members_[group]; }
  // Respondents of `group` who answered (value or N/A) at least one of `items`; counting stops
  // at `stop_at`.
  int RespondentsBehind(int group, absl::Span<const int> items, int stop_at) const;
  // Whether fewer than min_respondents of `group` answered any of `items`.
  bool LowConfidence(int group, absl::Span<const int> items) const;

  // Whether the item measures what is delivered (not a SERVQUAL_ASPECT_EXPECTATION item, whose
  // answers say what customers expect and are used only for SERVQUAL gaps).
  bool Measures(int item) const;

 private:
  const ScoringModel& model_;
  const Tally& tally_;
  const ScoringInput& input_;
  std::vector<ItemStats> stats_;           // group-major
  std::vector<std::vector<int>> members_;  // respondents per group
  std::vector<GapSubject> subjects_;
};

// Figure references, for Trace::inputs and Explain.
::lagom::scoring::v1::FigureReference ItemFigure(const std::string& item_id,
                                                 const ::lagom::type::v1::ResponseGroup& group,
                                                 std::string metric = "");
::lagom::scoring::v1::FigureReference AreaFigure(const std::string& area_id,
                                                 const ::lagom::type::v1::ResponseGroup& group,
                                                 std::string metric = "");

// "RELIABILITY" for SERVQUAL_DIMENSION_RELIABILITY.
std::string DimensionName(::lagom::questionnaire::v1::ServqualDimension dimension);

}  // namespace lagom::scoring

#endif  // LAGOM_SERVICES_SCORING_CORE_FIGURES_H_
