// The scoring core of issue 6: answers to a model version in, scorecard out. Pure: no I/O, no
// clock, no gRPC; the same input always gives the same scorecard, whatever the order of the
// answers. The methods are described, with their sources, in docs/scoring.md.
#ifndef LAGOM_SERVICES_SCORING_CORE_SCORING_CORE_H_
#define LAGOM_SERVICES_SCORING_CORE_SCORING_CORE_H_

#include "absl/status/statusor.h"
#include "lagom/scoring/v1/scorecard.pb.h"
#include "services/scoring/core/scoring_input.h"

namespace lagom::scoring {

// The scorecard of `input`: statistics per item and group, scores per area and group, perception
// and SERVQUAL gaps, good-enough verdicts, ranked improvements and coverage. Sets model_version,
// model_content_hash, customer_organizations and method_version; the caller sets name, session,
// title, services, preview and the timestamps. Bad input (see ScoringModel::Build and Aggregate)
// is INVALID_ARGUMENT naming the field path of each problem.
absl::StatusOr<::lagom::scoring::v1::Scorecard> Score(const ScoringInput& input);

}  // namespace lagom::scoring

#endif  // LAGOM_SERVICES_SCORING_CORE_SCORING_CORE_H_
