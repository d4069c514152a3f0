// Numbers and times as the report prints them, in the report's language.
#ifndef LAGOM_SERVICES_REPORTING_RENDER_FORMAT_H_
#define LAGOM_SERVICES_REPORTING_RENDER_FORMAT_H_

#include <string>

#include "google/protobuf/timestamp.pb.h"
#include "services/reporting/render/messages.h"

namespace lagom::reporting {

// A 0–1 fraction as a whole percentage: "72%"; Swedish "72 %" (no-break space). "–" when not a
// number.
std::string Percent(double fraction, Language language);

// A difference of two 0–1 scores in whole percentage points, always signed: "+5 pp", "−13 pp"
// (U+2212 minus), "0 pp"; Swedish "p.e." (procentenheter).
std::string PercentagePoints(double difference, Language language);

// `value` with `decimals` digits after the language's decimal mark: "0.52", Swedish "0,52".
std::string Decimal(double value, int decimals, Language language);

// "2025-03-14 14:30 UTC", the same in both languages (ISO 8601 reads the same everywhere); ""
// when unset.
std::string FormatTime(const google::protobuf::Timestamp& time);
// "2025-03-14"; "" when unset.
std::string FormatDate(const google::protobuf::Timestamp& time);

}  // namespace lagom::reporting

#endif  // LAGOM_SERVICES_REPORTING_RENDER_FORMAT_H_
