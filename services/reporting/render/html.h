// Small pieces of HTML the sections share. Text arguments are escaped here.
#ifndef LAGOM_SERVICES_REPORTING_RENDER_HTML_H_
#define LAGOM_SERVICES_REPORTING_RENDER_HTML_H_

#include <string>

#include "absl/strings/string_view.h"
#include "services/reporting/render/report_view.h"

namespace lagom::reporting {

// What a table cell or chart shows where there is no figure.
inline constexpr char kNoValue[] = "–";

// <tag class="css_class">text</tag>; no class attribute when css_class is empty.
void AppendElement(std::string& out, absl::string_view tag, absl::string_view text,
                   absl::string_view css_class = "");

// A good-enough verdict: a coloured badge whose symbol and words carry the meaning on their own
// (print, colour-blind readers): "▼ Below target", "● Good enough", "▲ Above target".
void AppendStatusBadge(std::string& out, const ReportView& view, sapi::GoodEnoughStatus status);

// What a cell shows instead of a withheld figure, e.g. "n<3".
std::string WithheldMark(const ReportView& view);
// "n<3: withheld: fewer than 3 respondents", as a note under a table or chart.
void AppendWithheldNote(std::string& out, const ReportView& view);

// "fewer than 3 respondents or a response rate below 30%".
std::string LowConfidenceRule(const ReportView& view);

// A score as a percentage with "*" when it is low confidence.
std::string ScoreText(const ReportView& view, double score, bool low_confidence);

}  // namespace lagom::reporting

#endif  // LAGOM_SERVICES_REPORTING_RENDER_HTML_H_
