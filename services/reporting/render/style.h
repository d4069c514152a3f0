// The report's one inline stylesheet.
#ifndef LAGOM_SERVICES_REPORTING_RENDER_STYLE_H_
#define LAGOM_SERVICES_REPORTING_RENDER_STYLE_H_

#include "absl/strings/string_view.h"

namespace lagom::reporting {

// Screen styles plus a print stylesheet: each section on a new page, no page or badge
// backgrounds (badges keep their words and symbols), no navigation.
absl::string_view ReportStyle();

}  // namespace lagom::reporting

#endif  // LAGOM_SERVICES_REPORTING_RENDER_STYLE_H_
