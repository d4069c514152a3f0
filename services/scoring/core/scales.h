// The answer scales of lagom.questionnaire.v1.Scale as the scoring core sees them: the values an
// answer may take and how a value is normalised to 0–1. The same values as the questionnaire's
// validation and the session's answer checks; normalisation as the Scale enum documents it.
#ifndef LAGOM_SERVICES_SCORING_CORE_SCALES_H_
#define LAGOM_SERVICES_SCORING_CORE_SCALES_H_

#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <string>

#include "absl/types/span.h"
#include "services/scoring/core/api.h"

namespace lagom::scoring {

// The most values any scale has (maturity 0–5).
inline constexpr int kMaxScaleValues = 6;
// Quarters from 0 to 5 inclusive.
inline constexpr int kQuarters = 21;
// Answer values are decimals from JSON or a UI; they match a level within this tolerance.
inline constexpr double kValueTolerance = 1e-9;

// One scale: ascending values; normalised(v) = (v − values[0]) / (values[last] − values[0]),
// which is v / 5 for maturity, v for SAMM and yes/no, (v − 1) / 4 for Likert.
struct ScaleInfo {
  ::lagom::questionnaire::v1::Scale scale;
  double values[kMaxScaleValues];
  int size;
  // Every value of every scale is a multiple of 0.25 in 0–5: index of the value k/4, or −1.
  int8_t index_of_quarter[kQuarters];

  absl::Span<const double> Values() const { return {values, static_cast<size_t>(size)}; }
  double Normalize(double value) const {
    return (value - values[0]) / (values[size - 1] - values[0]);
  }
  // Index of `value` among `values` (within 1e-9, as answer validation compares), or −1. On
  // the aggregation path: a multiplication and a table look-up, no loop.
  int IndexOf(double value) const {
    const double quarters = value * 4;
    if (!(quarters > -0.5 && quarters < kQuarters - 0.5)) return -1;  // also NaN
    const int k = static_cast<int>(quarters + 0.5);
    if (std::abs(quarters - k) > 4 * kValueTolerance) return -1;
    return index_of_quarter[k];
  }
  // "0, 0.25, 0.5, 1".
  std::string Allowed() const;
};

// nullptr for SCALE_UNSPECIFIED and numbers the enum does not define.
const ScaleInfo* ScaleOf(::lagom::questionnaire::v1::Scale scale);

}  // namespace lagom::scoring

#endif  // LAGOM_SERVICES_SCORING_CORE_SCALES_H_
