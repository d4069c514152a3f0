// The ranked improvement list: which items to improve first, and why. The priority of an item
// is a weighted sum of six factors, each 0–1 (docs/scoring.md has the formula and its reasons):
//
//   priority = 0.35·gap_to_target + 0.25·perception_gap + 0.15·servqual_gap
//            + 0.10·item_weight + 0.05·consensus + 0.10·effort
//
// An item is listed when it falls short somewhere (below target, seen worse by customers than by
// the provider, or below customers' expectations); a provider/customer pair is one improvement,
// listed under its provider item.
#ifndef LAGOM_SERVICES_SCORING_CORE_IMPROVEMENTS_H_
#define LAGOM_SERVICES_SCORING_CORE_IMPROVEMENTS_H_

#include <optional>
#include <string>
#include <vector>

#include "lagom/scoring/v1/scorecard.pb.h"
#include "services/scoring/core/figures.h"

namespace lagom::scoring {

struct PriorityWeights {
  static constexpr double kGapToTarget = 0.35;
  static constexpr double kPerceptionGap = 0.25;
  static constexpr double kServqualGap = 0.15;
  static constexpr double kItemWeight = 0.10;
  static constexpr double kConsensus = 0.05;
  static constexpr double kEffort = 0.10;
};

// An effort value at least this high (the mean is at least half-way to the next level) makes an
// improvement customers feel a quick win.
inline constexpr double kQuickWinEffort = 0.5;

// The item an improvement is listed under: the provider half of a pair, or any other item that
// measures delivery; nullopt with the reason for the customer half of a pair and SERVQUAL
// expectation items.
struct CandidateCheck {
  bool ok = false;
  std::string reason;
};
CandidateCheck CheckCandidate(const Figures& figures, int item);

// The improvement for `item` (a candidate), whether listed or not: nullopt when no group has a
// value answer for it. `listed` says whether it falls short anywhere.
struct Priority {
  ::lagom::scoring::v1::Improvement improvement;  // rank unset
  bool listed = false;
};
std::optional<Priority> PriorityOf(const Figures& figures, int item, Trace* trace = nullptr);

// The listed improvements, highest priority first (ties by item id), ranked from 1, at most
// options.max_improvements (0 = all).
std::vector<::lagom::scoring::v1::Improvement> Improvements(const Figures& figures);

}  // namespace lagom::scoring

#endif  // LAGOM_SERVICES_SCORING_CORE_IMPROVEMENTS_H_
