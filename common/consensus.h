// Agreement among the answers to one ordinal item, shared by the session's live figures and the
// scoring core so that the number a facilitator watches is the number the scorecard records.
#ifndef LAGOM_COMMON_CONSENSUS_H_
#define LAGOM_COMMON_CONSENSUS_H_

#include "absl/types/span.h"

namespace lagom {

// Tastle & Wierman (2007) consensus of an ordinal distribution over `scale` (ascending):
// 1 + Σ p_i log2(1 − |X_i − μ| / d_X), d_X = max − min. 1 when everyone agrees, 0 for an even
// split between the extremes; 1 for no answers or a one-value scale. `counts[i]` answers chose
// `scale[i]`; extra entries of the longer span are ignored.
//
// Chosen over the standard deviation or the inter-quartile range because it is defined for
// ordinal data, is bounded 0–1 whatever the scale's width, and reads the same on a 0–5 maturity
// scale as on a yes/no item.
double Consensus(absl::Span<const double> scale, absl::Span<const int> counts);

}  // namespace lagom

#endif  // LAGOM_COMMON_CONSENSUS_H_
