// Text that goes into the report: escaping for HTML and SVG, shortening for chart labels, and
// picking a translation.
#ifndef LAGOM_SERVICES_REPORTING_RENDER_TEXT_H_
#define LAGOM_SERVICES_REPORTING_RENDER_TEXT_H_

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"
#include "services/reporting/render/api.h"

namespace lagom::reporting {

// Appends `text` escaped for HTML text and attribute values alike, and for XML (the report is
// also well-formed XML, so its SVG can be checked and reused): & < > " ' become references;
// invalid UTF-8 and control characters XML forbids become U+FFFD, so no user string can break
// the markup.
void AppendEscaped(std::string& out, absl::string_view text);
std::string Escape(absl::string_view text);

// `text` cut to at most `max_chars` characters (code points), ending in "…" when cut.
std::string Shorten(absl::string_view text, size_t max_chars);

// The translation in `language`, else `default_language`, else "en", else the
// alphabetically first one, else `fallback`.
std::string Localize(const type::LocalizedText& text, absl::string_view language,
                     absl::string_view default_language, absl::string_view fallback);

// The last segment of a resource name: "tenants/t/services/erp" -> "erp".
absl::string_view LastSegment(absl::string_view resource_name);

// A safe file name stem from a resource name's last segment: letters, digits, '.', '_' and '-'
// kept, anything else '-', no leading dot; "scorecard" when empty.
std::string FileStem(absl::string_view resource_name);

}  // namespace lagom::reporting

#endif  // LAGOM_SERVICES_REPORTING_RENDER_TEXT_H_
