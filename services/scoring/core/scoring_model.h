// The model version as the scoring core uses it, indexed once per Score call: the items and
// areas in scope in model order, each item's scale, effective weight, pair partner and SERVQUAL
// role, each area's effective target. Building it checks every input but the answers.
#ifndef LAGOM_SERVICES_SCORING_CORE_SCORING_MODEL_H_
#define LAGOM_SERVICES_SCORING_CORE_SCORING_MODEL_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/resource_util.h"
#include "common/scales.h"
#include "lagom/questionnaire/v1/model.pb.h"
#include "lagom/type/v1/assessment.pb.h"
#include "services/scoring/core/ids.h"
#include "services/scoring/core/scoring_input.h"

namespace lagom::scoring {

// The largest item weight scoring takes (Item.weight; 0 means the default 1). Weights are
// relative, so a bound costs nothing, and it keeps every Σ wᵢ·xᵢ and Σ wᵢ finite: with weights
// up to 1e308 two items overflowed to inf / inf = NaN. The questionnaire publishes models with
// the same bound (questionnaire::kMaxItemWeight).
inline constexpr double kMaxItemWeight = 1000;
// The smallest non-zero weight: a smaller one rounds wᵢ·xᵢ towards 0 (a weight of 5e-324 scored
// an item answered 0.4 as 0), and a million to one is as uneven as any model needs.
inline constexpr double kMinItemWeight = 0.001;

struct ItemInfo {
  const ::lagom::questionnaire::v1::Item* item = nullptr;
  int area = 0;  // index into ScoringModel::areas()
  const ScaleInfo* scale = nullptr;
  double weight = 1;       // Item.weight, 0 read as 1
  std::string lineage_id;  // Item.lineage_id, defaulting to the id
  // The other item of its provider/customer pair, when both are in scope; −1 otherwise.
  int partner = -1;
  bool provider_answers = false;  // PROVIDER and BOTH items
  bool customer_answers = false;  // CUSTOMER and BOTH items
  // SERVQUAL_ASPECT_BOTH: answers carry an expectation beside the (perception) value.
  bool wants_expectation = false;
  // SERVQUAL dimension of the item, or (for the provider half of a pair) of its partner: the
  // dimension the item's perception gap counts towards.
  ::lagom::questionnaire::v1::ServqualDimension gap_dimension =
      ::lagom::questionnaire::v1::SERVQUAL_DIMENSION_UNSPECIFIED;

  const std::string& id() const { return item->id(); }
};

struct AreaInfo {
  const ::lagom::questionnaire::v1::Area* area = nullptr;
  std::string lineage_id;
  std::vector<int> items;  // indexes into ScoringModel::items(), model order
  // Every item is SCALE_SAMM_4 with a SAMM position: the area reports a SAMM practice score.
  bool samm_only = false;
  ::lagom::type::v1::AreaTarget target;  // effective, with its source

  const std::string& id() const { return area->id(); }
};

// Adds a violation under `path` ("expected_respondents[2].group") when `group` has no valid
// kind, or names an organisation exactly when it is not RESPONSE_GROUP_KIND_CUSTOMER_ORGANIZATION.
void CheckResponseGroup(const ::lagom::type::v1::ResponseGroup& group, const std::string& path,
                        Violations& v);

class ScoringModel final {
 public:
  // Indexes `input.model` for the areas in scope and checks the model as far as scoring needs
  // it (known scales, unique ids, weights 0–kMaxItemWeight), `area_ids`, `targets` (areas in
  // scope, 0–1, a defined source), `expected_respondents` and `options`: INVALID_ARGUMENT naming
  // the field path of every problem. The result points into `input.model`, which must outlive it.
  static absl::StatusOr<ScoringModel> Build(const ScoringInput& input);

  const std::vector<ItemInfo>& items() const { return items_; }
  // ModelContent.default_language_tag, "en" when unset.
  const std::string& default_language() const { return default_language_; }
  const std::vector<AreaInfo>& areas() const { return areas_; }

  // Index of the item in scope, or −1.
  int FindItem(absl::string_view id) const {
    auto it = item_index_.find(id);
    return it == item_index_.end() ? -1 : it->second;
  }
  // Index of the area in scope, or −1.
  int FindArea(absl::string_view id) const;
  // The area of an item the model has but the scope leaves out; empty when there is none.
  std::string OutOfScopeArea(absl::string_view item_id) const;
  // "a, b, c": the ids of the areas in scope.
  std::string AreaIds() const;

 private:
  std::vector<ItemInfo> items_;
  std::vector<AreaInfo> areas_;
  std::string default_language_;
  IdMap<int> item_index_;
  absl::flat_hash_map<absl::string_view, absl::string_view> out_of_scope_;  // item → area
};

}  // namespace lagom::scoring

#endif  // LAGOM_SERVICES_SCORING_CORE_SCORING_MODEL_H_
