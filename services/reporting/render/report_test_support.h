// What the report tests read a rendered report with: XML checks (libxml2; the report is HTML5
// that is also well-formed XML, and its <svg> blocks must stand alone as SVG documents) and
// finding sections and elements in the page.
#ifndef LAGOM_SERVICES_REPORTING_RENDER_REPORT_TEST_SUPPORT_H_
#define LAGOM_SERVICES_REPORTING_RENDER_REPORT_TEST_SUPPORT_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "services/reporting/render/report.h"

namespace lagom::reporting::testing {

// "" when `xml` is a well-formed XML document, else libxml2's message for the first error.
std::string XmlError(absl::string_view xml);

// Every <svg ...>...</svg> block of `html`, in order.
std::vector<std::string> SvgBlocks(absl::string_view html);

// The report's HTML; fails the test (and returns "") when rendering fails.
std::string RenderOk(const ReportInput& input);

// From `<section id="id"` to its `</section>`; "" when there is no such section.
std::string SectionOf(absl::string_view html, absl::string_view id);

// The text from the first `begin` to the next `end` after it, both included; "" when absent.
std::string Between(absl::string_view text, absl::string_view begin, absl::string_view end);

// How often `needle` occurs in `text`.
int Count(absl::string_view text, absl::string_view needle);

}  // namespace lagom::reporting::testing

#endif  // LAGOM_SERVICES_REPORTING_RENDER_REPORT_TEST_SUPPORT_H_
