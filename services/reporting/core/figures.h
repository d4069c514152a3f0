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

// Fewer peers (contributing tenants besides the caller) than this and a benchmark area
// discloses nothing of theirs.
inline constexpr int kMinBenchmarkTenants = 5;
// Fewer peers than this and an area's p10 and p90 are withheld: by nearest rank they would be
// the lowest and the highest peer's score (p10 is rank 2 from 11 peers on).
inline constexpr int kMinBenchmarkTailTenants = 11;
// Every disclosed percentile is a whole number of steps of 1/20 = 0.05 (a quarter of a
// maturity level).
inline constexpr int kBenchmarkStepsPerUnit = 20;
inline constexpr double kBenchmarkScoreStep = 1.0 / kBenchmarkStepsPerUnit;

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
// element of rank ceil(percent × n / 100), 1-based, at least 1 (Hyndman & Fan type 1).
double NearestRankPercentile(const std::vector<double>& sorted, int percent);

// The published form of one area's sample. Its percentiles are of the peers' scores only, so
// a caller that moves its own score (by recording assessments) moves nothing disclosed. With
// fewer than kMinBenchmarkTenants peers it is suppressed: no percentiles and no count either
// (the count alone would tell a caller how many peers opted in and, over time, when one
// joined). Otherwise each percentile is one peer's score by nearest rank, rounded to
// kBenchmarkScoreStep — the rounding is what hides the score: the response depends only on
// which step each peer's score falls in, so a peer's score moved within its step changes
// nothing in it — and p10 and p90 are withheld below kMinBenchmarkTailTenants. own_score is
// the caller's own figure, exact, and is always shown. docs/security.md says what remains
// visible.
api::AreaBenchmark SummariseBenchmark(const BenchmarkSample& sample);

}  // namespace lagom::reporting

#endif  // LAGOM_SERVICES_REPORTING_CORE_FIGURES_H_
