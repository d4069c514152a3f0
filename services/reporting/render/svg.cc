#include "services/reporting/render/svg.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "services/reporting/render/text.h"

namespace lagom::reporting {
namespace {

// " attributes", or nothing when there are none.
std::string Spaced(absl::string_view attributes) {
  return attributes.empty() ? std::string() : absl::StrCat(" ", attributes);
}

}  // namespace

Svg::Svg(std::string& out, double width, double height, absl::string_view label) : out_(out) {
  absl::StrAppendFormat(&out_,
                        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %.0f %.0f\" "
                        "width=\"%.0f\" height=\"%.0f\" role=\"img\" aria-label=\"",
                        width, height, width, height);
  AppendEscaped(out_, label);
  out_ += "\"><title>";
  AppendEscaped(out_, label);
  out_ += "</title>";
}

Svg::~Svg() { out_ += "</svg>\n"; }

void Svg::Rect(double x, double y, double width, double height, absl::string_view attributes) {
  absl::StrAppendFormat(&out_, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"%s/>", x,
                        y, std::max(0.0, width), std::max(0.0, height), Spaced(attributes));
}

void Svg::Line(Point from, Point to, absl::string_view attributes) {
  absl::StrAppendFormat(&out_, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"%s/>", from.x,
                        from.y, to.x, to.y, Spaced(attributes));
}

void Svg::Circle(Point center, double radius, absl::string_view attributes) {
  absl::StrAppendFormat(&out_, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\"%s/>", center.x, center.y,
                        radius, Spaced(attributes));
}

void Svg::AppendPoints(const std::vector<Point>& points) {
  for (size_t i = 0; i < points.size(); ++i) {
    absl::StrAppendFormat(&out_, "%s%.1f,%.1f", i == 0 ? "" : " ", points[i].x, points[i].y);
  }
}

void Svg::Polyline(const std::vector<Point>& points, absl::string_view attributes) {
  out_ += "<polyline points=\"";
  AppendPoints(points);
  absl::StrAppend(&out_, "\"", Spaced(attributes), "/>");
}

void Svg::Polygon(const std::vector<Point>& points, absl::string_view attributes) {
  out_ += "<polygon points=\"";
  AppendPoints(points);
  absl::StrAppend(&out_, "\"", Spaced(attributes), "/>");
}

void Svg::Text(Point at, absl::string_view text, absl::string_view attributes) {
  absl::StrAppendFormat(&out_, "<text x=\"%.1f\" y=\"%.1f\"%s>", at.x, at.y, Spaced(attributes));
  AppendEscaped(out_, text);
  out_ += "</text>";
}

void Svg::BeginGroup(absl::string_view tooltip, absl::string_view attributes) {
  absl::StrAppend(&out_, "<g", Spaced(attributes), "><title>");
  AppendEscaped(out_, tooltip);
  out_ += "</title>";
}

void Svg::EndGroup() { out_ += "</g>"; }

void Svg::Raw(absl::string_view markup) { out_.append(markup.data(), markup.size()); }

ScoreColor ColorOf(double score) {
  struct Rgb {
    double r, g, b;
  };
  static constexpr std::array<Rgb, 5> kStops = {
      {{215, 48, 39}, {252, 141, 89}, {254, 224, 144}, {145, 191, 219}, {69, 117, 180}}};
  const double t = std::clamp(std::isfinite(score) ? score : 0.0, 0.0, 1.0) * (kStops.size() - 1);
  const size_t low = std::min(static_cast<size_t>(t), kStops.size() - 2);
  const double f = t - static_cast<double>(low);
  const auto mix = [&](double Rgb::*channel) {
    return static_cast<int>(
        std::lround(kStops[low].*channel + (kStops[low + 1].*channel - kStops[low].*channel) * f));
  };
  const int r = mix(&Rgb::r);
  const int g = mix(&Rgb::g);
  const int b = mix(&Rgb::b);
  // Luminance (Rec. 709 weights, no gamma: close enough to pick dark or white text).
  const double luminance = (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
  return {absl::StrFormat("#%02x%02x%02x", r, g, b), luminance < 0.5 ? "#ffffff" : "#1f2933"};
}

}  // namespace lagom::reporting
