// Inline SVG written straight into the page. Every text is escaped and every element closed,
// so each <svg> block is well-formed XML whatever names the report carries.
#ifndef LAGOM_SERVICES_REPORTING_RENDER_SVG_H_
#define LAGOM_SERVICES_REPORTING_RENDER_SVG_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace lagom::reporting {

struct Point {
  double x = 0;
  double y = 0;
};

// Opens <svg> on construction and closes it on destruction. `attributes` arguments are markup
// the caller writes from constants (class, fill, ...), never user text; user text goes through
// Text and Title, which escape it.
class Svg final {
 public:
  Svg(std::string& out, double width, double height, absl::string_view label);
  ~Svg();
  Svg(const Svg&) = delete;
  Svg& operator=(const Svg&) = delete;

  void Rect(double x, double y, double width, double height, absl::string_view attributes);
  void Line(Point from, Point to, absl::string_view attributes);
  void Circle(Point center, double radius, absl::string_view attributes);
  void Polyline(const std::vector<Point>& points, absl::string_view attributes);
  void Polygon(const std::vector<Point>& points, absl::string_view attributes);
  void Text(Point at, absl::string_view text, absl::string_view attributes);
  // <g attributes><title>tooltip</title> ... EndGroup() closes it.
  void BeginGroup(absl::string_view tooltip, absl::string_view attributes = "");
  void EndGroup();
  // Markup the caller wrote from constants, e.g. <defs>.
  void Raw(absl::string_view markup);

 private:
  void AppendPoints(const std::vector<Point>& points);

  std::string& out_;
};

// Series colours of the charts (the ends of ColorBrewer PRGn, told apart with the common
// colour-vision deficiencies); the page's CSS keys use the same.
inline constexpr char kProviderColor[] = "#762a83";
inline constexpr char kCustomersColor[] = "#1b7837";
inline constexpr char kTargetColor[] = "#52606d";

// Fill and text colour for a 0–1 score on the report's red–yellow–blue scale (ColorBrewer
// RdYlBu, readable with the common colour-vision deficiencies); the value is printed too.
struct ScoreColor {
  std::string fill;
  absl::string_view text;
};
ScoreColor ColorOf(double score);

}  // namespace lagom::reporting

#endif  // LAGOM_SERVICES_REPORTING_RENDER_SVG_H_
