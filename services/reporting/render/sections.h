// The bodies of the report's sections. The page (report.cc) opens each <section> with its id
// and heading; these append what goes inside.
#ifndef LAGOM_SERVICES_REPORTING_RENDER_SECTIONS_H_
#define LAGOM_SERVICES_REPORTING_RENDER_SECTIONS_H_

#include <string>

#include "services/reporting/render/report_view.h"

namespace lagom::reporting {

// table_sections.cc: what was assessed, and the good-enough verdict per area and group.
void AppendSummary(const ReportView& view, std::string& out);
// chart_sections.cc: the current figures as charts.
void AppendHeatmap(const ReportView& view, std::string& out);
void AppendPerceptionGap(const ReportView& view, std::string& out);
void AppendRadar(const ReportView& view, std::string& out);
// history_sections.cc: this scorecard against earlier ones and against other providers.
void AppendTrend(const ReportView& view, std::string& out);
void AppendBenchmark(const ReportView& view, std::string& out);
// roadmap_section.cc: the ranked improvements as now / next / later.
void AppendRoadmap(const ReportView& view, std::string& out);
// table_sections.cc: who answered, and what they wrote (provider report only).
void AppendCoverage(const ReportView& view, std::string& out);
void AppendComments(const ReportView& view, std::string& out);

}  // namespace lagom::reporting

#endif  // LAGOM_SERVICES_REPORTING_RENDER_SECTIONS_H_
