// The aggregation path: one pass over the answers that checks each against the model and counts
// it into a flat histogram per (response group, item). Everything the scorecard reports is
// computed from these counts, so no figure depends on the order the answers came in.
#ifndef LAGOM_SERVICES_SCORING_CORE_TALLY_H_
#define LAGOM_SERVICES_SCORING_CORE_TALLY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "lagom/type/v1/assessment.pb.h"
#include "common/scales.h"
#include "services/scoring/core/scoring_input.h"
#include "services/scoring/core/scoring_model.h"

namespace lagom::scoring {

// Response groups by number: PROVIDER, ALL_CUSTOMERS, then one per customer organisation in
// name order (group kFirstOrganizationGroup + k).
inline constexpr int kProviderGroup = 0;
inline constexpr int kAllCustomersGroup = 1;
inline constexpr int kFirstOrganizationGroup = 2;

// The answers one group gave one item: how many chose each scale value (indexes of
// ScaleInfo::values), how many gave each expectation value, how many said N/A.
struct Cell {
  uint32_t values[kMaxScaleValues] = {};
  uint32_t expectations[kMaxScaleValues] = {};
  uint32_t na = 0;
};

struct Respondent {
  absl::string_view id;
  // kProviderGroup; the organisation's group; or kAllCustomersGroup for a customer without one.
  int group = kProviderGroup;
};

class Tally final {
 public:
  int group_count() const {
    return kFirstOrganizationGroup + static_cast<int>(organizations_.size());
  }
  const Cell& cell(int group, int item) const { return cells_[group * item_count_ + item]; }
  // Customer organisations in name order; organisation k is group kFirstOrganizationGroup + k.
  const std::vector<std::string>& organizations() const { return organizations_; }
  const std::vector<Respondent>& respondents() const { return respondents_; }
  // The index (into the answers) of respondent r's answer to `item` that counts: the one of
  // their latest round; −1 when they did not answer it.
  int32_t Counted(int respondent, int item) const {
    return counted_[static_cast<size_t>(respondent) * item_count_ + item];
  }
  // Whether respondent r belongs to `group` (customers belong to ALL_CUSTOMERS too).
  bool InGroup(int respondent, int group) const {
    const int own = respondents_[respondent].group;
    return group == kAllCustomersGroup ? own != kProviderGroup : own == group;
  }

  ::lagom::type::v1::ResponseGroup GroupProto(int group) const;
  // The group number of `group`, or −1 when no respondent belongs to it.
  int FindGroup(const ::lagom::type::v1::ResponseGroup& group) const;
  // "PROVIDER", "ALL_CUSTOMERS" or "organisation 'x'".
  std::string GroupName(int group) const;

 private:
  friend absl::StatusOr<Tally> Aggregate(const ScoringModel& model,
                                         absl::Span<const ScoringAnswer> answers);
  int item_count_ = 0;
  std::vector<Cell> cells_;  // group-major
  std::vector<std::string> organizations_;
  std::vector<Respondent> respondents_;
  std::vector<int32_t> counted_;  // respondent-major, item_count_ per respondent
};

// Checks every answer against `model` and counts the ones that count (a respondent's latest
// round per item). INVALID_ARGUMENT with the field path ("answers[3].value") of every problem,
// at most 100 listed: no answers at all; respondent_id missing; perspective missing, changing
// between a respondent's answers or not the item's; customer_organization on a PROVIDER answer
// or changing; item unknown or out of scope; a value off the item's scale (naming the allowed
// values); N/A where the item does not allow it; expectation_value missing, off the scale or on
// an item without one; the same respondent, item and round twice. `answers` must outlive the
// result (respondent ids are views into it).
absl::StatusOr<Tally> Aggregate(const ScoringModel& model, absl::Span<const ScoringAnswer> answers);

}  // namespace lagom::scoring

#endif  // LAGOM_SERVICES_SCORING_CORE_TALLY_H_
