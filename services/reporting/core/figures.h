// The arithmetic of reporting, with no storage and no gRPC: the indexed figures of a
// scorecard, area-by-area comparison of two scorecards by lineage id, and the anonymous
// benchmark distribution with its disclosure rule.
#ifndef LAGOM_SERVICES_REPORTING_CORE_FIGURES_H_
#define LAGOM_SERVICES_REPORTING_CORE_FIGURES_H_

#include <vector>

#include "lagom/reporting/v1/reporting.pb.h"
#include "lagom/scoring/v1/scorecard.pb.h"
#include "services/reporting/core/scorecard_store.h"

namespace lagom::reporting {

namespace api = ::lagom::reporting::v1;

// Fewer contributing tenants than this and a benchmark area discloses nothing of theirs.
inline constexpr int kMinBenchmarkTenants = 5;

// One AreaFigure per area (by lineage) and group found in the scorecard's area scores,
// good-enough verdicts and area perception gaps (SERVQUAL gap 1, keyed by the customer group
// compared with the provider). An area without a lineage id is its own lineage.
std::vector<AreaFigure> AreaFiguresOf(const sapi::Scorecard& scorecard);

// One entry per area lineage and requested group present in either scorecard: the base's
// areas in their order, then the comparison's new ones. Areas match by lineage id, so a
// renamed area of a later model version still meets its predecessor.
std::vector<api::AreaComparison> CompareFigures(const std::vector<AreaFigure>& base,
                                                const std::vector<AreaFigure>& comparison,
                                                const std::vector<tapi::ResponseGroup>& groups);

// The `p`-quantile (0–1) of ascending `sorted` (not empty), interpolating linearly between
// the closest ranks (Hyndman & Fan type 7, as numpy and spreadsheets' PERCENTILE.INC do).
double Percentile(const std::vector<double>& sorted, double p);

// The published form of one area's sample. With fewer than kMinBenchmarkTenants scores it is
// suppressed: no percentiles and no tenant count either (the count alone would tell a caller
// how many peers opted in and, over time, when one joined). own_score is the caller's own
// figure and is always shown.
api::AreaBenchmark SummariseBenchmark(const BenchmarkSample& sample);

}  // namespace lagom::reporting

#endif  // LAGOM_SERVICES_REPORTING_CORE_FIGURES_H_
