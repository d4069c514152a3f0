#include "services/reporting/render/html.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/substitute.h"
#include "services/reporting/render/format.h"
#include "services/reporting/render/text.h"

namespace lagom::reporting {

void AppendElement(std::string& out, absl::string_view tag, absl::string_view text,
                   absl::string_view css_class) {
  absl::StrAppend(&out, "<", tag);
  if (!css_class.empty()) absl::StrAppend(&out, " class=\"", css_class, "\"");
  out += ">";
  AppendEscaped(out, text);
  absl::StrAppend(&out, "</", tag, ">");
}

void AppendStatusBadge(std::string& out, const ReportView& view, sapi::GoodEnoughStatus status) {
  switch (status) {
    case sapi::GOOD_ENOUGH_STATUS_BELOW:
      return AppendElement(out, "span", absl::StrCat("▼ ", view.Text(Msg::kStatusBelow)),
                           "badge below");
    case sapi::GOOD_ENOUGH_STATUS_GOOD_ENOUGH:
      return AppendElement(out, "span", absl::StrCat("● ", view.Text(Msg::kStatusGoodEnough)),
                           "badge good-enough");
    case sapi::GOOD_ENOUGH_STATUS_ABOVE:
      return AppendElement(out, "span", absl::StrCat("▲ ", view.Text(Msg::kStatusAbove)),
                           "badge above");
    default:
      return AppendElement(out, "span", absl::StrCat("– ", view.Text(Msg::kStatusNone)),
                           "badge none");
  }
}

std::string WithheldMark(const ReportView& view) {
  return absl::StrCat("n<", view.min_respondents());
}

void AppendWithheldNote(std::string& out, const ReportView& view) {
  AppendElement(out, "p",
                absl::StrCat(WithheldMark(view), ": ",
                             absl::Substitute(view.Text(Msg::kWithheld), view.min_respondents())),
                "note");
}

std::string LowConfidenceRule(const ReportView& view) {
  const sapi::Coverage& coverage = view.card().coverage();
  // Without a response-rate threshold only the respondent count can make a figure weak.
  if (coverage.min_response_rate() <= 0) {
    return absl::Substitute(view.Text(Msg::kLowConfidenceRespondents), coverage.min_respondents());
  }
  return absl::Substitute(view.Text(Msg::kLowConfidenceRule), coverage.min_respondents(),
                          Percent(coverage.min_response_rate(), view.language()));
}

std::string ScoreText(const ReportView& view, double score, bool low_confidence) {
  return absl::StrCat(Percent(score, view.language()), low_confidence ? "*" : "");
}

}  // namespace lagom::reporting
