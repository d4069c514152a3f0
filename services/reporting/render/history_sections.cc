// The sections that put this scorecard in context: the trend over earlier scorecards and the
// benchmark against other providers.
#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/substitute.h"
#include "services/reporting/render/format.h"
#include "services/reporting/render/html.h"
#include "services/reporting/render/sections.h"
#include "services/reporting/render/svg.h"
#include "services/reporting/render/text.h"

namespace lagom::reporting {
namespace {

// ---- Trend: per area, a small line chart of the area score over the history and this
// scorecard, matched by lineage id so that it spans model versions.

constexpr double kSparkWidth = 260;
constexpr double kSparkHeight = 64;
constexpr double kSparkPadding = 8;

struct TrendSeries {
  const Column* column;
  absl::string_view color;
  absl::string_view key_class;                // the CSS class of its key, coloured like the line
  std::vector<std::optional<double>> values;  // one per scorecard, oldest first
};

std::vector<const sapi::Scorecard*> Timeline(const ReportView& view) {
  std::vector<const sapi::Scorecard*> cards;
  for (const sapi::Scorecard& card : view.input().history) cards.push_back(&card);
  cards.push_back(&view.card());
  return cards;
}

// The area's score for `group` in `card`; nullopt when absent or withheld from the audience.
std::optional<double> ScoreIn(const ReportView& view, const sapi::Scorecard& card,
                              absl::string_view lineage_id, const Column& column) {
  if (view.Withheld(card, column.group)) return std::nullopt;
  for (const sapi::AreaScore& s : card.area_scores()) {
    const absl::string_view lineage = s.lineage_id().empty() ? s.area_id() : s.lineage_id();
    if (lineage == lineage_id && GroupKey(s.group()) == column.key) return s.score();
  }
  return std::nullopt;
}

std::vector<TrendSeries> TrendOf(const ReportView& view, const AreaRow& area,
                                 const std::vector<const sapi::Scorecard*>& timeline) {
  std::vector<TrendSeries> series = {
      {&view.provider_column(), kProviderColor, "key provider", {}},
      {&view.all_customers_column(), kCustomersColor, "key customers", {}}};
  for (TrendSeries& s : series) {
    for (const sapi::Scorecard* card : timeline) {
      s.values.push_back(ScoreIn(view, *card, area.lineage_id, *s.column));
    }
  }
  return series;
}

Point SparkPoint(size_t index, size_t count, double value) {
  const double inner_width = kSparkWidth - 2 * kSparkPadding;
  const double x = kSparkPadding + (count < 2 ? inner_width : inner_width * index / (count - 1));
  const double clamped = std::clamp(value, 0.0, 1.0);
  return {x, kSparkHeight - kSparkPadding - clamped * (kSparkHeight - 2 * kSparkPadding)};
}

// A line through each run of consecutive scorecards that have the figure; a dot on every one.
void AppendTrendLine(const TrendSeries& series, Svg& svg) {
  const size_t count = series.values.size();
  std::vector<Point> run;
  const auto flush = [&] {
    if (run.size() >= 2) {
      svg.Polyline(run, absl::StrCat("fill=\"none\" stroke=\"", series.color,
                                     "\" stroke-width=\"2\" class=\"trend-line\""));
    }
    run.clear();
  };
  for (size_t i = 0; i < count; ++i) {
    if (!series.values[i]) {
      flush();
      continue;
    }
    run.push_back(SparkPoint(i, count, *series.values[i]));
  }
  flush();
  for (size_t i = 0; i < count; ++i) {
    if (!series.values[i]) continue;
    svg.Circle(SparkPoint(i, count, *series.values[i]), i + 1 == count ? 3.5 : 2,
               absl::StrCat("fill=\"", series.color, "\""));
  }
}

void AppendSparkline(const ReportView& view, const AreaRow& area,
                     const std::vector<TrendSeries>& series, std::string& out) {
  Svg svg(out, kSparkWidth, kSparkHeight, absl::StrCat(view.Text(Msg::kTrend), ": ", area.title));
  svg.Rect(0, 0, kSparkWidth, kSparkHeight, "fill=\"none\" stroke=\"#d9e2ec\"");
  if (area.target) {
    const size_t count = series.front().values.size();
    svg.Line(
        {kSparkPadding, SparkPoint(0, count, *area.target).y},
        {kSparkWidth - kSparkPadding, SparkPoint(0, count, *area.target).y},
        absl::StrCat("stroke=\"", kTargetColor, "\" stroke-dasharray=\"4 3\" class=\"target\""));
  }
  for (const TrendSeries& s : series) AppendTrendLine(s, svg);
}

// "Provider 72% · since last: +8 pp".
void AppendLatest(const ReportView& view, const TrendSeries& series, std::string& out) {
  out += "<div>";
  AppendElement(out, "span", series.column->label, series.key_class);
  const std::optional<double>& latest = series.values.back();
  std::string text = latest ? Percent(*latest, view.language()) : kNoValue;
  const size_t count = series.values.size();
  if (latest && count >= 2 && series.values[count - 2]) {
    absl::StrAppend(
        &text, " · ",
        absl::Substitute(view.Text(Msg::kSinceLast),
                         PercentagePoints(*latest - *series.values[count - 2], view.language())));
  }
  out += " ";
  AppendElement(out, "span", text);
  out += "</div>";
}

// ---- Benchmark: per area, the distribution across tenants with the own score on it.

constexpr double kBoxWidth = 320;
constexpr double kBoxHeight = 44;
constexpr double kBoxMargin = 18;  // room for the "100%" under the axis end
constexpr double kBoxMiddle = 16;

double BoxX(double score) {
  return kBoxMargin +
         std::clamp(std::isfinite(score) ? score : 0.0, 0.0, 1.0) * (kBoxWidth - 2 * kBoxMargin);
}

const reporting_api::AreaBenchmark* BenchmarkOf(const ReportView& view,
                                                absl::string_view lineage_id) {
  for (const reporting_api::AreaBenchmark& b : view.input().benchmark->areas()) {
    if (b.area_lineage_id() == lineage_id) return &b;
  }
  return nullptr;
}

// The ◆ is the scorecard's customers' score, withheld like its column in a shareable report
// when too few customers answered.
bool OwnScoreShown(const ReportView& view, const reporting_api::AreaBenchmark& b) {
  return b.has_own_score() && !view.Withheld(view.all_customers_column());
}

void AppendBoxPlot(const ReportView& view, const AreaRow& area,
                   const reporting_api::AreaBenchmark& b, std::string& out) {
  Svg svg(out, kBoxWidth, kBoxHeight, absl::StrCat(view.Text(Msg::kBenchmark), ": ", area.title));
  svg.Line({BoxX(0), kBoxHeight - 12}, {BoxX(1), kBoxHeight - 12}, "stroke=\"#d9e2ec\"");
  for (const double tick : {0.0, 0.5, 1.0}) {
    svg.Text({BoxX(tick), kBoxHeight - 1}, Percent(tick, view.language()),
             "text-anchor=\"middle\" font-size=\"10\" fill=\"#52606d\"");
  }
  if (!b.tails_withheld()) {  // fewer than 10 tenants: no p10 and p90 to draw
    svg.Line({BoxX(b.p10()), kBoxMiddle}, {BoxX(b.p90()), kBoxMiddle},
             "stroke=\"#52606d\" stroke-width=\"2\" class=\"whisker\"");
  }
  svg.Rect(BoxX(b.p25()), kBoxMiddle - 8, BoxX(b.p75()) - BoxX(b.p25()), 16,
           "fill=\"#d9e2ec\" stroke=\"#52606d\" class=\"box\"");
  svg.Line({BoxX(b.p50()), kBoxMiddle - 8}, {BoxX(b.p50()), kBoxMiddle + 8},
           "stroke=\"#1f2933\" stroke-width=\"2\" class=\"median\"");
  if (OwnScoreShown(view, b)) {
    const double x = BoxX(b.own_score());
    svg.Polygon(
        {{x, kBoxMiddle - 7}, {x + 6, kBoxMiddle}, {x, kBoxMiddle + 7}, {x - 6, kBoxMiddle}},
        "fill=\"#b2182b\" stroke=\"#ffffff\" class=\"own\"");
  }
}

void AppendBenchmarkRow(const ReportView& view, const AreaRow& area, std::string& out) {
  out += "<tr>";
  AppendElement(out, "th", area.title);
  const reporting_api::AreaBenchmark* b = BenchmarkOf(view, area.lineage_id);
  if (b == nullptr || b->suppressed()) {
    const int given = view.input().benchmark->min_tenant_count();
    const int min_tenants = given > 0 ? given : 5;  // the API's documented minimum
    const std::string text = b == nullptr
                                 ? std::string(view.Text(Msg::kNoBenchmark))
                                 : absl::Substitute(view.Text(Msg::kNotEnoughTenants), min_tenants);
    out += "<td colspan=\"2\">";
    AppendElement(out, "span", text, b == nullptr ? "note" : "suppressed");
    out += "</td></tr>";
    return;
  }
  out += "<td>";
  AppendBoxPlot(view, area, *b, out);
  out += "</td>";
  std::string figures;
  if (OwnScoreShown(view, *b)) {
    figures = absl::StrCat(
        absl::Substitute(view.Text(Msg::kOwnScore), Percent(b->own_score(), view.language())),
        " · ");
  }
  absl::StrAppend(&figures,
                  absl::Substitute(view.Text(Msg::kMedian), Percent(b->p50(), view.language())));
  AppendElement(out, "td", figures);
  out += "</tr>";
}

}  // namespace

void AppendTrend(const ReportView& view, std::string& out) {
  if (view.input().history.empty()) {
    return AppendElement(out, "p", view.Text(Msg::kFirstAssessment), "first-assessment");
  }
  AppendElement(out, "p", view.Text(Msg::kTrendExplain), "note");
  const std::vector<const sapi::Scorecard*> timeline = Timeline(view);
  out += "<table class=\"trend\"><thead><tr>";
  AppendElement(out, "th", view.Text(Msg::kArea));
  AppendElement(out, "th",
                absl::StrCat(FormatDate(timeline.front()->session_close_time()), " → ",
                             FormatDate(timeline.back()->session_close_time())));
  AppendElement(out, "th", view.Text(Msg::kLatest));
  out += "</tr></thead><tbody>";
  for (const AreaRow& area : view.areas()) {
    const std::vector<TrendSeries> series = TrendOf(view, area, timeline);
    out += "<tr>";
    AppendElement(out, "th", area.title);
    out += "<td>";
    AppendSparkline(view, area, series, out);
    out += "</td><td>";
    for (const TrendSeries& s : series) AppendLatest(view, s, out);
    out += "</td></tr>";
  }
  out += "</tbody></table>\n";
  if (view.shareable()) AppendWithheldNote(out, view);
}

void AppendBenchmark(const ReportView& view, std::string& out) {
  AppendElement(out, "p", view.Text(Msg::kBenchmarkExplain), "note");
  out += "<table class=\"benchmark\"><tbody>";
  for (const AreaRow& area : view.areas()) AppendBenchmarkRow(view, area, out);
  out += "</tbody></table>\n";
}

}  // namespace lagom::reporting
