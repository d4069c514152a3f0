// Debian builds Abseil with its own absl::string_view (ABSL_OPTION_USE_STD_STRING_VIEW 0), so
// std::string_view does not convert to absl::string_view implicitly. Lagom's APIs take
// std::string_view; these bridge to absl (StrCat, Status, flags) without copying.
#ifndef LAGOM_COMMON_STRINGS_H_
#define LAGOM_COMMON_STRINGS_H_

#include <string_view>

#include "absl/strings/string_view.h"

namespace lagom {

inline absl::string_view ToAbsl(std::string_view s) { return {s.data(), s.size()}; }
inline std::string_view ToStd(absl::string_view s) { return {s.data(), s.size()}; }

}  // namespace lagom

#endif  // LAGOM_COMMON_STRINGS_H_
