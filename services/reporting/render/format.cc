#include "services/reporting/render/format.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"

namespace lagom::reporting {
namespace {

constexpr char kNoBreakSpace[] = "\xC2\xA0";
constexpr char kMinusSign[] = "\xE2\x88\x92";   // U+2212: the typographic minus
constexpr char kNotANumber[] = "\xE2\x80\x93";  // U+2013 en dash

bool Swedish(Language language) { return language == Language::kSwedish; }

std::string FormatUtc(const google::protobuf::Timestamp& time, const char* format) {
  if (time.seconds() == 0 && time.nanos() == 0) return "";
  const absl::Time t = absl::FromUnixSeconds(time.seconds()) + absl::Nanoseconds(time.nanos());
  return absl::FormatTime(format, t, absl::UTCTimeZone());
}

}  // namespace

std::string Percent(double fraction, Language language) {
  if (!std::isfinite(fraction)) return kNotANumber;
  const long percent = std::lround(fraction * 100);
  return Swedish(language) ? absl::StrCat(percent, kNoBreakSpace, "%") : absl::StrCat(percent, "%");
}

std::string PercentagePoints(double difference, Language language) {
  if (!std::isfinite(difference)) return kNotANumber;
  // Round first, so that -0.4 points prints as "0 pp" rather than "−0 pp".
  const long points = std::lround(difference * 100);
  const char* sign = points > 0 ? "+" : points < 0 ? kMinusSign : "";
  return absl::StrCat(sign, std::labs(points), kNoBreakSpace, Swedish(language) ? "p.e." : "pp");
}

std::string Decimal(double value, int decimals, Language language) {
  if (!std::isfinite(value)) return kNotANumber;
  std::string text = absl::StrFormat("%.*f", decimals, value);
  if (Swedish(language)) std::replace(text.begin(), text.end(), '.', ',');
  return text;
}

std::string FormatTime(const google::protobuf::Timestamp& time) {
  return FormatUtc(time, "%Y-%m-%d %H:%M UTC");
}

std::string FormatDate(const google::protobuf::Timestamp& time) {
  return FormatUtc(time, "%Y-%m-%d");
}

}  // namespace lagom::reporting
