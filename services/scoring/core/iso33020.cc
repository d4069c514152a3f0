#include "services/scoring/core/iso33020.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace lagom::scoring {
namespace {

// Rating boundaries in billionths of the fraction, compared as integers so that they are exact.
constexpr int64_t kScale = 1'000'000'000;
constexpr int64_t kUpperN = 150'000'000;  // 15 %
constexpr int64_t kUpperP = 500'000'000;  // 50 %
constexpr int64_t kUpperL = 850'000'000;  // 85 %

bool Achieved(const std::optional<sapi::ProcessAttributeRating>& rating, bool largely_is_enough) {
  if (!rating) return false;
  return *rating == sapi::PROCESS_ATTRIBUTE_RATING_F ||
         (largely_is_enough && *rating == sapi::PROCESS_ATTRIBUTE_RATING_L);
}

}  // namespace

sapi::ProcessAttributeRating RatingOf(double fraction) {
  if (std::isnan(fraction)) return sapi::PROCESS_ATTRIBUTE_RATING_UNSPECIFIED;
  const int64_t units = std::llround(std::clamp(fraction, 0.0, 1.0) * kScale);
  if (units <= kUpperN) return sapi::PROCESS_ATTRIBUTE_RATING_N;
  if (units <= kUpperP) return sapi::PROCESS_ATTRIBUTE_RATING_P;
  if (units <= kUpperL) return sapi::PROCESS_ATTRIBUTE_RATING_L;
  return sapi::PROCESS_ATTRIBUTE_RATING_F;
}

const char* RatingLetter(sapi::ProcessAttributeRating rating) {
  switch (rating) {
    case sapi::PROCESS_ATTRIBUTE_RATING_N:
      return "N";
    case sapi::PROCESS_ATTRIBUTE_RATING_P:
      return "P";
    case sapi::PROCESS_ATTRIBUTE_RATING_L:
      return "L";
    case sapi::PROCESS_ATTRIBUTE_RATING_F:
      return "F";
    default:
      return "unrated";
  }
}

int CapabilityLevelOf(qapi::ProcessAttribute attribute) {
  switch (attribute) {
    case qapi::PROCESS_ATTRIBUTE_PA_1_1:
      return 1;
    case qapi::PROCESS_ATTRIBUTE_PA_2_1:
    case qapi::PROCESS_ATTRIBUTE_PA_2_2:
      return 2;
    case qapi::PROCESS_ATTRIBUTE_PA_3_1:
    case qapi::PROCESS_ATTRIBUTE_PA_3_2:
      return 3;
    case qapi::PROCESS_ATTRIBUTE_PA_4_1:
    case qapi::PROCESS_ATTRIBUTE_PA_4_2:
      return 4;
    case qapi::PROCESS_ATTRIBUTE_PA_5_1:
    case qapi::PROCESS_ATTRIBUTE_PA_5_2:
      return 5;
    default:
      return 0;
  }
}

int CapabilityLevel(const AttributeRatings& ratings) {
  int reached = 0;
  for (int level = 1; level <= 5; ++level) {
    // Level n: its own attributes at least L, and every lower level's attributes F.
    for (int attribute = 1; attribute < static_cast<int>(ratings.size()); ++attribute) {
      const int of = CapabilityLevelOf(static_cast<qapi::ProcessAttribute>(attribute));
      if (of > level) continue;
      if (!Achieved(ratings[attribute], /*largely_is_enough=*/of == level)) return reached;
    }
    reached = level;
  }
  return reached;
}

}  // namespace lagom::scoring
