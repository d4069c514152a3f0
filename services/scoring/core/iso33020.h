// ISO/IEC 33020:2019 process measurement framework, the two parts the scorecard uses: the
// rating scale of a process attribute achievement (N, P, L, F) and the process capability level
// model (which attribute ratings a capability level needs).
#ifndef LAGOM_SERVICES_SCORING_CORE_ISO33020_H_
#define LAGOM_SERVICES_SCORING_CORE_ISO33020_H_

#include <array>
#include <optional>

#include "services/scoring/core/api.h"

namespace lagom::scoring {

inline constexpr char kIso33020Reference[] =
    "ISO/IEC 33020:2019, process attribute rating scale and process capability level model";

// Rating of an achievement `fraction` (0–1, i.e. the percentage / 100): N 0–15 %,
// P >15–50 %, L >50–85 %, F >85–100 %. The boundaries belong to the lower rating (15 % is N,
// 50 % P, 85 % L). The fraction is first rounded to 1e-9, so a score meant as 0.15 that floating
// point computed as 0.15000000000000002 still rates N. NaN is UNSPECIFIED.
::lagom::scoring::v1::ProcessAttributeRating RatingOf(double fraction);

// "N", "P", "L", "F" or "unrated".
const char* RatingLetter(::lagom::scoring::v1::ProcessAttributeRating rating);

// Capability level of the attribute (PA 1.1 → 1, PA 2.1 and 2.2 → 2, …); 0 for UNSPECIFIED.
int CapabilityLevelOf(::lagom::questionnaire::v1::ProcessAttribute attribute);

// Ratings of the nine attributes, indexed by the ProcessAttribute number; nullopt = no evidence.
using AttributeRatings =
    std::array<std::optional<::lagom::scoring::v1::ProcessAttributeRating>, 10>;

// The process capability level: the highest n such that every attribute of level n is rated L or
// F and every attribute of the levels below is rated F. An attribute without evidence is not
// achieved, so a level the model does not evidence completely is not reached. 0 when none is.
int CapabilityLevel(const AttributeRatings& ratings);

}  // namespace lagom::scoring

#endif  // LAGOM_SERVICES_SCORING_CORE_ISO33020_H_
