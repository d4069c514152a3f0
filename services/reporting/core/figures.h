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
// Fewer contributing tenants than this and an area's p10 and p90 are withheld: with nearest
// ranks they would be the lowest and the highest score.
inline constexpr int kMinBenchmarkTailTenants = 10;
// Every disclosed percentile is a multiple of this (a quarter of a maturity level).
inline constexpr double kBenchmarkScoreStep = 0.05;

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

// The `percent`-th percentile (0–100) of ascending `sorted` (not empty) by nearest rank: the
// element of rank ceil(percent × n / 100), 1-based, at least 1 (Hyndman & Fan type 1). Always
// one of the elements, never a blend of two: a blend would let a tenant that moves its own
// score solve for a neighbour's.
double NearestRankPercentile(const std::vector<double>& sorted, int percent);

// The published form of one area's sample. With fewer than kMinBenchmarkTenants scores it is
// suppressed: no percentiles and no tenant count either (the count alone would tell a caller
// how many peers opted in and, over time, when one joined). Otherwise its percentiles are
// nearest-rank scores rounded to kBenchmarkScoreStep, and p10 and p90 are withheld below
// kMinBenchmarkTailTenants. Rounding commutes with sorting, so what is disclosed depends only
// on which step each contributing score rounds to: no response, nor any set of responses
// over chosen areas, groups, start times or own scores, tells a peer's score more closely
// than its step. own_score is the caller's own figure, exact, and is always shown.
api::AreaBenchmark SummariseBenchmark(const BenchmarkSample& sample);

}  // namespace lagom::reporting

#endif  // LAGOM_SERVICES_REPORTING_CORE_FIGURES_H_
