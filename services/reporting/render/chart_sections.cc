// The charts of the current figures: heat map, perception gaps and radar.
#include <algorithm>
#include <cmath>
#include <numbers>
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

constexpr char kMiddle[] = "text-anchor=\"middle\"";
constexpr char kEnd[] = "text-anchor=\"end\"";
constexpr char kMuted[] = "fill=\"#52606d\"";

// ---- Heat map: areas × groups, one coloured cell per area score.

constexpr double kHeatLabelWidth = 230;
constexpr double kHeatCellWidth = 104;
constexpr double kHeatCellHeight = 34;
constexpr double kHeatHeaderHeight = 36;
constexpr double kHeatLegendHeight = 44;
constexpr double kHeatSwatchWidth = 44;
// Five colour swatches, a gap, the hatch swatch and its label.
constexpr double kHeatLegendWidth = 5 * kHeatSwatchWidth + 24 + kHeatSwatchWidth + 160;
constexpr char kHatchId[] = "low-confidence-hatch";

std::string HatchDefinition() {
  return absl::StrCat(
      "<defs><pattern id=\"", kHatchId,
      "\" patternUnits=\"userSpaceOnUse\" width=\"6\" height=\"6\" "
      "patternTransform=\"rotate(45)\"><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" "
      "stroke=\"#1f2933\" stroke-opacity=\"0.5\" stroke-width=\"2\"/></pattern></defs>");
}

std::string FillAttributes(absl::string_view css_class, absl::string_view fill) {
  return absl::StrCat("class=\"", css_class, "\" fill=\"", fill, "\" stroke=\"#ffffff\"");
}

void AppendHeatCell(const ReportView& view, const AreaRow& area, const Column& column, Point at,
                    Svg& svg) {
  const Point center{at.x + kHeatCellWidth / 2, at.y + kHeatCellHeight / 2 + 4};
  const sapi::AreaScore* score = view.Score(area.id, column);
  if (view.Withheld(column) || score == nullptr) {
    const bool withheld = view.Withheld(column);
    svg.Rect(at.x, at.y, kHeatCellWidth, kHeatCellHeight,
             FillAttributes(withheld ? "cell withheld" : "cell empty",
                            withheld ? "#e4e7eb" : "#f5f7fa"));
    svg.Text(center, withheld ? WithheldMark(view) : kNoValue, absl::StrCat(kMiddle, " ", kMuted));
    return;
  }
  const std::string value = ScoreText(view, score->score(), score->low_confidence());
  const ScoreColor color = ColorOf(score->score());
  svg.BeginGroup(absl::StrCat(area.title, " · ", column.label, ": ", value));
  svg.Rect(at.x, at.y, kHeatCellWidth, kHeatCellHeight, FillAttributes("cell", color.fill));
  if (score->low_confidence()) {
    svg.Rect(at.x, at.y, kHeatCellWidth, kHeatCellHeight,
             absl::StrCat("class=\"cell low-confidence\" fill=\"url(#", kHatchId, ")\""));
  }
  svg.Text(center, value, absl::StrCat(kMiddle, " font-weight=\"600\" fill=\"", color.text, "\""));
  svg.EndGroup();
}

// The colour scale and the hatch, under the grid, so a printout explains itself.
void AppendHeatLegend(const ReportView& view, double top, Svg& svg) {
  constexpr double kSwatch = kHeatSwatchWidth;
  for (int step = 0; step <= 4; ++step) {
    const double score = step / 4.0;
    const double x = kHeatLabelWidth + step * kSwatch;
    svg.Rect(x, top + 8, kSwatch, 12, absl::StrCat("fill=\"", ColorOf(score).fill, "\""));
    svg.Text({x + kSwatch / 2, top + 34}, Percent(score, view.language()), kMiddle);
  }
  const double hatch_x = kHeatLabelWidth + 5 * kSwatch + 24;
  svg.Rect(hatch_x, top + 8, kSwatch, 12,
           absl::StrCat("fill=\"url(#", kHatchId, ")\" stroke=\"#52606d\""));
  svg.Text({hatch_x + kSwatch + 6, top + 19}, absl::StrCat("* ", view.Text(Msg::kLowConfidence)),
           "");
}

// ---- Perception gap: per area and customer group, customers minus provider as a bar
// diverging from zero.

constexpr double kGapAreaWidth = 200;
constexpr double kGapGroupWidth = 130;
constexpr double kGapBarWidth = 320;
constexpr double kGapValueWidth = 90;
constexpr double kGapRowHeight = 22;
constexpr double kGapAxisHeight = 30;

struct GapRow {
  const AreaRow* area;
  const Column* customers;
  bool first_of_area;
};

std::vector<GapRow> GapRows(const ReportView& view) {
  std::vector<GapRow> rows;
  for (const AreaRow& area : view.areas()) {
    bool first = true;
    for (const Column& column : view.columns()) {
      if (column.group.kind() == type::RESPONSE_GROUP_KIND_PROVIDER) continue;
      rows.push_back({&area, &column, first});
      first = false;
    }
  }
  return rows;
}

// Half the axis, in score units: at least 20 points, rounded up to 10, so small gaps are not
// blown up and the scale reads in round numbers.
double GapDomain(const ReportView& view, const std::vector<GapRow>& rows) {
  double largest = 0;
  for (const GapRow& row : rows) {
    if (const sapi::PerceptionGap* gap = view.AreaGap(row.area->id, *row.customers)) {
      if (std::isfinite(gap->gap())) largest = std::max(largest, std::abs(gap->gap()));
    }
  }
  return std::clamp(std::ceil(largest * 10 - 1e-9) / 10, 0.2, 1.0);
}

void AppendGapBar(const ReportView& view, const GapRow& row, double domain, double y, Svg& svg) {
  constexpr double kCenter = kGapAreaWidth + kGapGroupWidth + kGapBarWidth / 2;
  const Point value_at{kGapAreaWidth + kGapGroupWidth + kGapBarWidth + 8, y + 15};
  const sapi::PerceptionGap* gap = view.AreaGap(row.area->id, *row.customers);
  if (gap == nullptr) {
    const bool withheld = view.Withheld(*row.customers) || view.Withheld(view.provider_column());
    svg.Text(value_at, withheld ? WithheldMark(view) : kNoValue, kMuted);
    return;
  }
  const double value = std::isfinite(gap->gap()) ? std::clamp(gap->gap(), -domain, domain) : 0;
  const double width = std::abs(value) / domain * (kGapBarWidth / 2);
  const bool negative = value < 0;
  const std::string text =
      absl::StrCat(PercentagePoints(gap->gap(), view.language()), gap->low_confidence() ? "*" : "");
  svg.BeginGroup(absl::StrCat(row.area->title, " · ", row.customers->label, ": ", text));
  svg.Rect(negative ? kCenter - width : kCenter, y + 4, width, kGapRowHeight - 8,
           absl::StrCat("class=\"gap ", negative ? "negative" : "positive", "\" fill=\"",
                        negative ? "#d6604d" : "#4393c3", "\" fill-opacity=\"",
                        gap->low_confidence() ? "0.45" : "1", "\""));
  svg.Text(value_at, text, "");
  svg.EndGroup();
}

void AppendGapAxis(const ReportView& view, double domain, double height, Svg& svg) {
  constexpr double kLeft = kGapAreaWidth + kGapGroupWidth;
  constexpr double kCenter = kLeft + kGapBarWidth / 2;
  svg.Text({kLeft, 16}, PercentagePoints(-domain, view.language()), "");
  svg.Text({kCenter, 16}, "0", kMiddle);
  svg.Text({kLeft + kGapBarWidth, 16}, PercentagePoints(domain, view.language()), kEnd);
  svg.Line({kCenter, kGapAxisHeight - 8}, {kCenter, height}, "stroke=\"#1f2933\"");
  for (const double x : {kLeft, kLeft + kGapBarWidth}) {
    svg.Line({x, kGapAxisHeight - 8}, {x, height}, "stroke=\"#d9e2ec\" stroke-dasharray=\"2 3\"");
  }
}

// ---- Radar: one axis per area, polygons for the provider, all customers and the target.

// Wide enough for 24-character axis labels left and right of the circle.
constexpr double kRadarWidth = 720;
constexpr double kRadarRadius = 170;
constexpr Point kRadarCenter{360, 230};
constexpr double kRadarLegendTop = 450;
constexpr double kRadarHeight = 480;

Point RadarPoint(size_t axis, size_t axes, double fraction) {
  const double angle = -std::numbers::pi / 2 + 2 * std::numbers::pi * axis / axes;
  const double r = kRadarRadius * std::clamp(std::isfinite(fraction) ? fraction : 0.0, 0.0, 1.0);
  return {kRadarCenter.x + r * std::cos(angle), kRadarCenter.y + r * std::sin(angle)};
}

std::vector<Point> Ring(size_t axes, double fraction) {
  std::vector<Point> points;
  for (size_t i = 0; i < axes; ++i) points.push_back(RadarPoint(i, axes, fraction));
  return points;
}

void AppendRadarGrid(const ReportView& view, Svg& svg) {
  const size_t axes = view.areas().size();
  for (const double fraction : {0.25, 0.5, 0.75, 1.0}) {
    svg.Polygon(Ring(axes, fraction), "class=\"grid\" fill=\"none\" stroke=\"#d9e2ec\"");
  }
  for (size_t i = 0; i < axes; ++i) {
    svg.Line(kRadarCenter, RadarPoint(i, axes, 1), "stroke=\"#d9e2ec\"");
    const double angle = -std::numbers::pi / 2 + 2 * std::numbers::pi * i / axes;
    const double c = std::cos(angle);
    const Point at{kRadarCenter.x + (kRadarRadius + 10) * c,
                   kRadarCenter.y + (kRadarRadius + 14) * std::sin(angle) + 4};
    svg.Text(at, Shorten(view.areas()[i].title, 24),
             c > 0.3    ? "text-anchor=\"start\""
             : c < -0.3 ? kEnd
                        : kMiddle);
  }
  for (const double fraction : {0.5, 1.0}) {
    const Point at = RadarPoint(0, axes, fraction);
    svg.Text({at.x + 4, at.y + 12}, Percent(fraction, view.language()), kMuted);
  }
}

struct RadarSeries {
  std::string label;
  std::string color;
  bool dashed;
  std::vector<double> values;  // per area; a missing score counts as 0 (the centre)
  bool withheld;
};

RadarSeries ScoreSeries(const ReportView& view, const Column& column, std::string color) {
  RadarSeries series{column.label, std::move(color), false, {}, view.Withheld(column)};
  for (const AreaRow& area : view.areas()) {
    const sapi::AreaScore* score = view.Score(area.id, column);
    series.values.push_back(score ? score->score() : 0);
  }
  return series;
}

std::vector<RadarSeries> RadarSeriesOf(const ReportView& view) {
  RadarSeries target{std::string(view.Text(Msg::kTarget)), kTargetColor, true, {}, false};
  for (const AreaRow& area : view.areas()) target.values.push_back(area.target.value_or(0));
  return {std::move(target), ScoreSeries(view, view.provider_column(), kProviderColor),
          ScoreSeries(view, view.all_customers_column(), kCustomersColor)};
}

void AppendRadarSeries(const RadarSeries& series, Svg& svg) {
  if (series.withheld) return;
  const size_t axes = series.values.size();
  std::vector<Point> points;
  for (size_t i = 0; i < axes; ++i) points.push_back(RadarPoint(i, axes, series.values[i]));
  svg.BeginGroup(series.label);
  svg.Polygon(points, absl::StrCat("fill=\"", series.dashed ? "none" : series.color,
                                   "\" fill-opacity=\"0.12\" stroke=\"", series.color,
                                   "\" stroke-width=\"2\"",
                                   series.dashed ? " stroke-dasharray=\"6 4\"" : ""));
  for (const Point& p : points) {
    if (!series.dashed) svg.Circle(p, 3, absl::StrCat("fill=\"", series.color, "\""));
  }
  svg.EndGroup();
}

void AppendRadarLegend(const ReportView& view, const std::vector<RadarSeries>& all, Svg& svg) {
  double x = 100;
  for (const RadarSeries& series : all) {
    svg.Line({x, kRadarLegendTop}, {x + 28, kRadarLegendTop},
             absl::StrCat("stroke=\"", series.color, "\" stroke-width=\"3\"",
                          series.dashed ? " stroke-dasharray=\"6 4\"" : ""));
    const std::string label =
        series.withheld ? absl::StrCat(series.label, " (", WithheldMark(view), ")") : series.label;
    svg.Text({x + 34, kRadarLegendTop + 4}, Shorten(label, 30), "");
    x += 180;
  }
}

}  // namespace

void AppendHeatmap(const ReportView& view, std::string& out) {
  const std::vector<Column>& columns = view.columns();
  const double grid_height = kHeatCellHeight * view.areas().size();
  {
    const double width =
        kHeatLabelWidth + std::max(kHeatCellWidth * columns.size() + 8, kHeatLegendWidth);
    Svg svg(out, width, kHeatHeaderHeight + grid_height + kHeatLegendHeight,
            view.Text(Msg::kHeatmap));
    svg.Raw(HatchDefinition());
    for (size_t c = 0; c < columns.size(); ++c) {
      svg.Text({kHeatLabelWidth + kHeatCellWidth * (c + 0.5), kHeatHeaderHeight - 12},
               Shorten(columns[c].label, 16), absl::StrCat(kMiddle, " font-weight=\"600\""));
    }
    for (size_t r = 0; r < view.areas().size(); ++r) {
      const AreaRow& area = view.areas()[r];
      const double y = kHeatHeaderHeight + kHeatCellHeight * r;
      svg.Text({kHeatLabelWidth - 10, y + kHeatCellHeight / 2 + 4}, Shorten(area.title, 32), kEnd);
      for (size_t c = 0; c < columns.size(); ++c) {
        AppendHeatCell(view, area, columns[c], {kHeatLabelWidth + kHeatCellWidth * c, y}, svg);
      }
    }
    AppendHeatLegend(view, kHeatHeaderHeight + grid_height, svg);
  }
  AppendElement(out, "p", view.Text(Msg::kHeatmapExplain), "note");
  AppendElement(out, "p",
                absl::Substitute(view.Text(Msg::kLowConfidenceCell), LowConfidenceRule(view)),
                "note");
  AppendElement(out, "p", absl::StrCat(kNoValue, ": ", view.Text(Msg::kNoAnswers)), "note");
  if (view.shareable()) AppendWithheldNote(out, view);
}

void AppendPerceptionGap(const ReportView& view, std::string& out) {
  AppendElement(out, "p", view.Text(Msg::kPerceptionGapExplain), "note");
  const std::vector<GapRow> rows = GapRows(view);
  const double domain = GapDomain(view, rows);
  const double height = kGapAxisHeight + kGapRowHeight * rows.size() + 8;
  {
    Svg svg(out, kGapAreaWidth + kGapGroupWidth + kGapBarWidth + kGapValueWidth, height,
            view.Text(Msg::kPerceptionGap));
    AppendGapAxis(view, domain, height, svg);
    for (size_t i = 0; i < rows.size(); ++i) {
      const double y = kGapAxisHeight + kGapRowHeight * i;
      if (rows[i].first_of_area) {
        if (i > 0) svg.Line({0, y}, {kGapAreaWidth + kGapGroupWidth, y}, "stroke=\"#d9e2ec\"");
        svg.Text({0, y + 15}, Shorten(rows[i].area->title, 28), "font-weight=\"600\"");
      }
      svg.Text({kGapAreaWidth, y + 15}, Shorten(rows[i].customers->label, 18), kMuted);
      AppendGapBar(view, rows[i], domain, y, svg);
    }
  }
  AppendElement(
      out, "p",
      absl::StrCat("* ", view.Text(Msg::kLowConfidence), ": ", LowConfidenceRule(view), "."),
      "note");
  if (view.shareable()) AppendWithheldNote(out, view);
}

void AppendRadar(const ReportView& view, std::string& out) {
  AppendElement(out, "p", view.Text(Msg::kRadarExplain), "note");
  if (view.areas().empty()) return;
  const std::vector<RadarSeries> series = RadarSeriesOf(view);
  Svg svg(out, kRadarWidth, kRadarHeight, view.Text(Msg::kRadar));
  AppendRadarGrid(view, svg);
  for (const RadarSeries& s : series) AppendRadarSeries(s, svg);
  AppendRadarLegend(view, series, svg);
}

}  // namespace lagom::reporting
