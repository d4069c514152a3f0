#include "common/consensus.h"

#include <algorithm>
#include <cmath>

namespace lagom {

double Consensus(absl::Span<const double> scale, absl::Span<const int> counts) {
  const size_t size = std::min(scale.size(), counts.size());
  int n = 0;
  for (size_t i = 0; i < size; ++i) n += counts[i];
  if (n == 0 || scale.empty()) return 1;
  const auto [min, max] = std::minmax_element(scale.begin(), scale.end());
  const double width = *max - *min;
  if (width <= 0) return 1;
  double mean = 0;
  for (size_t i = 0; i < size; ++i) mean += scale[i] * counts[i] / n;
  double sum = 0;
  for (size_t i = 0; i < size; ++i) {
    // 0 · log2(0) is taken as 0: an empty extreme bucket contributes nothing.
    if (counts[i] == 0) continue;
    const double p = static_cast<double>(counts[i]) / n;
    sum += p * std::log2(1 - std::abs(scale[i] - mean) / width);
  }
  return std::clamp(1 + sum, 0.0, 1.0);
}

}  // namespace lagom
