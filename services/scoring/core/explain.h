// ExplainScore's core: how one figure of the scorecard of an input came about.
#ifndef LAGOM_SERVICES_SCORING_CORE_EXPLAIN_H_
#define LAGOM_SERVICES_SCORING_CORE_EXPLAIN_H_

#include "absl/status/statusor.h"
#include "lagom/scoring/v1/scoring.pb.h"
#include "services/scoring/core/scoring_input.h"

namespace lagom::scoring {

// The value of `figure` in Score(input), with its formula, method reference, intermediate values
// in computation order, the figures it is computed from and the answers behind it (N/A answers
// included, marked not_applicable). INVALID_ARGUMENT for bad input (as Score) and for a figure
// the scorecard does not have, naming the field: "figure.area_id: unknown area 'x'; the areas in
// scope: a, b", "figure.metric: unknown metric 'x' for FIGURE_KIND_AREA_SCORE; allowed: ...".
absl::StatusOr<::lagom::scoring::v1::Explanation> Explain(
    const ScoringInput& input, const ::lagom::scoring::v1::FigureReference& figure);

}  // namespace lagom::scoring

#endif  // LAGOM_SERVICES_SCORING_CORE_EXPLAIN_H_
