// Pure rendering and export of scorecards: a self-contained HTML report for people, JSON and
// CSV files for other tools. No I/O and no RPCs: the reporting service fetches the scorecard,
// the model, the history and the benchmark, and hands them in.
//
// The HTML report is one HTML5 page (also well-formed XML) with inline CSS and inline SVG, no
// scripts and no external assets, in English or Swedish. Its sections carry stable ids:
// summary, heatmap, perception-gap, radar, trend, roadmap, coverage, benchmark (only with a
// benchmark) and comments (provider report only).
//
// Roadmap rule: improvements ranked 1–3 are "now", 4–6 "next", 7 and later "later"; three at a
// time is what a small provider can act on between two assessments.
//
// Audiences:
//   PROVIDER (and UNSPECIFIED): every group's figures and the respondents' comments.
//   CUSTOMER_SHAREABLE: columns for the provider, all customers and, when
//     customer_organization is set, that organisation alone; no comments; every figure of a
//     group with fewer respondents than the scorecard's min_respondents is withheld (area
//     figures use the group's respondent count, improvement rationales the n of the items they
//     cite), because a figure from one or two people tells who answered what.
#ifndef LAGOM_SERVICES_REPORTING_RENDER_REPORT_H_
#define LAGOM_SERVICES_REPORTING_RENDER_REPORT_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "lagom/questionnaire/v1/model.pb.h"
#include "lagom/reporting/v1/reporting.pb.h"
#include "lagom/scoring/v1/scorecard.pb.h"
#include "lagom/type/v1/assessment.pb.h"

namespace lagom::reporting {

// A respondent's free-text comment on an item. It names the group, never the respondent.
struct ReportComment {
  std::string item_id;
  lagom::type::v1::ResponseGroup group;
  std::string text;
};

struct ReportInput {
  // The scorecard reported. Required.
  const lagom::scoring::v1::Scorecard* scorecard = nullptr;
  // The model version's content, for area and item titles: the report language, else the
  // model's default_language_tag, else "en", else any translation, else the id. Required.
  const lagom::questionnaire::v1::ModelContent* model = nullptr;
  // Earlier scorecards of the tenant, oldest first (may be empty). Trend lines match areas by
  // lineage_id, so they span model versions.
  std::vector<lagom::scoring::v1::Scorecard> history;
  // Optional; when set the report has a benchmark section. Suppressed areas say so.
  const lagom::reporting::v1::GetBenchmarkResponse* benchmark = nullptr;
  // "en" or "sv".
  std::string language = "en";
  // PROVIDER or CUSTOMER_SHAREABLE (UNSPECIFIED = PROVIDER).
  lagom::reporting::v1::ReportAudience audience = lagom::reporting::v1::REPORT_AUDIENCE_UNSPECIFIED;
  // CUSTOMER_SHAREABLE: the organisation the report is for (one of the scorecard's
  // customer_organizations); empty = aggregate figures only.
  std::string customer_organization;
  // Resource name -> display name, for organisations, services and the model version. Names
  // without an entry show their last path segment.
  absl::flat_hash_map<std::string, std::string> display_names;
  // Free-text comments, listed per item in the provider report only.
  std::vector<ReportComment> comments;
};

struct RenderedFile {
  std::string content;
  std::string content_type;
  std::string filename;
};

// The HTML report. INVALID_ARGUMENT, naming each bad field (scorecard, model, language_tag,
// audience, customer_organization), when the input cannot make a report.
absl::StatusOr<RenderedFile> RenderHtmlReport(const ReportInput& input);

// The Scorecard as proto3 JSON (lowerCamelCase names, as the REST gateway sends them).
absl::StatusOr<RenderedFile> ExportScorecardJson(const lagom::scoring::v1::Scorecard& scorecard);

// RFC 4180 CSV (CRLF line ends, fields quoted when they hold a comma, quote or line break) with
// the header `kind,area_id,item_id,group,metric,value` and one row per figure:
//   item             per ItemScore: n, na_count, mean, median, stddev, normalized_mean,
//                    consensus, low_confidence
//   area             per AreaScore: score, maturity_level, rating, capability_level,
//                    samm_practice_score (when set), answered_item_count, na_item_count,
//                    low_confidence
//   process_attribute  per AreaScore attribute: <PA>.achievement, <PA>.rating (e.g. PA_2_1)
//   perception_gap   per PerceptionGap: provider_score, customer_score, gap, low_confidence;
//                    item pairs put the subject in item_id, areas in area_id, SERVQUAL
//                    dimensions prefix the metric (RELIABILITY.gap)
//   servqual_gap     per ServqualGap: <DIMENSION>.expectation, .perception, .gap,
//                    .low_confidence
//   good_enough      per AreaGoodEnough: target_score, score, gap_to_target, tolerance, status
//   improvement      per Improvement: rank, priority_score, quick_win
//   coverage         per GroupCoverage: invited_count, respondent_count, response_rate,
//                    low_confidence; and once, group empty: min_respondents, min_response_rate,
//                    low_confidence
// group is "provider", "all_customers" or the organisation's resource name. Numbers are the
// shortest text that reads back as the same double; enums are their names without prefix;
// flags are true/false.
absl::StatusOr<RenderedFile> ExportScorecardCsv(const lagom::scoring::v1::Scorecard& scorecard);

}  // namespace lagom::reporting

#endif  // LAGOM_SERVICES_REPORTING_RENDER_REPORT_H_
