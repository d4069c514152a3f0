// RenderHtmlReport: the page around the sections.
#include "services/reporting/render/report.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/substitute.h"
#include "services/reporting/render/html.h"
#include "services/reporting/render/report_view.h"
#include "services/reporting/render/sections.h"
#include "services/reporting/render/style.h"
#include "services/reporting/render/text.h"

namespace lagom::reporting {
namespace {

struct Section {
  absl::string_view id;  // stable: links, tests and integrators find sections by it
  Msg title;
  void (*append_body)(const ReportView&, std::string&);
};

std::vector<Section> SectionsOf(const ReportView& view) {
  std::vector<Section> sections = {
      {"summary", Msg::kSummary, AppendSummary},
      {"heatmap", Msg::kHeatmap, AppendHeatmap},
      {"perception-gap", Msg::kPerceptionGap, AppendPerceptionGap},
      {"radar", Msg::kRadar, AppendRadar},
      {"trend", Msg::kTrend, AppendTrend},
      {"roadmap", Msg::kRoadmap, AppendRoadmap},
      {"coverage", Msg::kCoverage, AppendCoverage},
  };
  if (view.input().benchmark != nullptr) {
    sections.push_back({"benchmark", Msg::kBenchmark, AppendBenchmark});
  }
  if (!view.shareable()) sections.push_back({"comments", Msg::kComments, AppendComments});
  return sections;
}

std::string TitleOf(const ReportView& view) {
  return view.card().title().empty() ? std::string(view.Text(Msg::kReportTitle))
                                     : view.card().title();
}

// Void elements are self-closed so that the page is well-formed XML as well as HTML5.
void AppendHead(const ReportView& view, std::string& out) {
  absl::StrAppend(&out, "<!DOCTYPE html>\n<html lang=\"", LanguageTag(view.language()),
                  "\">\n<head>\n<meta charset=\"utf-8\"/>\n"
                  "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n");
  AppendElement(out, "title", TitleOf(view));
  absl::StrAppend(&out, "\n<style>", ReportStyle(), "</style>\n</head>\n");
}

void AppendHeader(const ReportView& view, std::string& out) {
  out += "<header>";
  AppendElement(out, "p", view.Text(Msg::kReportTitle), "kicker");
  AppendElement(out, "h1", TitleOf(view));
  const std::string audience =
      view.shareable()
          ? absl::Substitute(view.Text(Msg::kAudienceShareable), view.min_respondents())
          : std::string(view.Text(Msg::kAudienceProvider));
  AppendElement(out, "p", audience, "audience");
  if (view.card().preview()) AppendElement(out, "p", view.Text(Msg::kPreview), "preview");
  out += "</header>\n";
}

void AppendNavigation(const ReportView& view, const std::vector<Section>& sections,
                      std::string& out) {
  out += "<nav aria-label=\"";
  AppendEscaped(out, view.Text(Msg::kContents));
  out += "\"><ul>";
  for (const Section& section : sections) {
    absl::StrAppend(&out, "<li><a href=\"#", section.id, "\">");
    AppendEscaped(out, view.Text(section.title));
    out += "</a></li>";
  }
  out += "</ul></nav>\n";
}

void AppendSection(const ReportView& view, const Section& section, std::string& out) {
  absl::StrAppend(&out, "<section id=\"", section.id, "\" aria-labelledby=\"", section.id,
                  "-title\">\n<h2 id=\"", section.id, "-title\">");
  AppendEscaped(out, view.Text(section.title));
  out += "</h2>\n";
  section.append_body(view, out);
  out += "</section>\n";
}

void AppendFooter(const ReportView& view, std::string& out) {
  out += "<footer>";
  const std::string& method = view.card().method_version();
  AppendElement(out, "p", absl::Substitute(view.Text(Msg::kFooter), method.empty() ? "–" : method));
  out += "</footer>\n";
}

std::string FileNameOf(const ReportView& view) {
  return absl::StrCat(FileStem(view.card().name()), "-report", view.shareable() ? "-shareable" : "",
                      "-", LanguageTag(view.language()), ".html");
}

}  // namespace

absl::StatusOr<RenderedFile> RenderHtmlReport(const ReportInput& input) {
  absl::StatusOr<ReportView> view = ReportView::Build(input);
  if (!view.ok()) return view.status();
  const std::vector<Section> sections = SectionsOf(*view);
  RenderedFile file;
  file.content.reserve(256 * 1024);
  AppendHead(*view, file.content);
  file.content += "<body>\n<main>\n";
  AppendHeader(*view, file.content);
  AppendNavigation(*view, sections, file.content);
  for (const Section& section : sections) AppendSection(*view, section, file.content);
  AppendFooter(*view, file.content);
  file.content += "</main>\n</body>\n</html>\n";
  file.content_type = "text/html; charset=utf-8";
  file.filename = FileNameOf(*view);
  return file;
}

}  // namespace lagom::reporting
