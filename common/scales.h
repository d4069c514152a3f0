// The answer scales of lagom.questionnaire.v1.Scale, once for every service: the values an
// answer may take (the questionnaire's model validation, the session's answer checks, the
// scoring core) and how a value is normalised to 0–1, as the Scale enum documents it.
#ifndef LAGOM_COMMON_SCALES_H_
#define LAGOM_COMMON_SCALES_H_

#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <string>

#include "absl/types/span.h"
#include "lagom/questionnaire/v1/model.pb.h"

namespace lagom {

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

// The values of `scale`, ascending; empty for a scale the enum does not define.
absl::Span<const double> ScaleValues(::lagom::questionnaire::v1::Scale scale);

}  // namespace lagom

#endif  // LAGOM_COMMON_SCALES_H_
