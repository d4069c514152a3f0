// Report inputs for the tests and the benchmark: a hand-made example whose figures the tests
// know, and a larger synthetic one of any shape.
#ifndef LAGOM_SERVICES_REPORTING_RENDER_REPORT_FIXTURE_H_
#define LAGOM_SERVICES_REPORTING_RENDER_REPORT_FIXTURE_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "services/reporting/render/api.h"
#include "services/reporting/render/report.h"

namespace lagom::reporting::testing {

inline constexpr char kScorecardName[] = "tenants/acme-it/scorecards/2025-q1";
inline constexpr char kNordbank[] = "tenants/acme-it/customerOrganizations/nordbank";
inline constexpr char kFjord[] = "tenants/acme-it/customerOrganizations/fjord";

type::ResponseGroup ProviderGroup();
type::ResponseGroup AllCustomersGroup();
type::ResponseGroup OrganizationGroup(absl::string_view organization);

// Everything a report is made from, in one place; Input() points into it, so keep the fixture
// alive (and unmoved) while the input is in use.
struct ReportFixture {
  sapi::Scorecard scorecard;
  qapi::ModelContent model;
  std::vector<sapi::Scorecard> history;
  reporting_api::GetBenchmarkResponse benchmark;
  absl::flat_hash_map<std::string, std::string> display_names;
  std::vector<ReportComment> comments;

  // A provider report in `language`, with the history, benchmark, names and comments.
  ReportInput Input(absl::string_view language = "en") const;
};

// The example the tests read. Groups: provider (4 of 5 invited answered), Nordbank AB (5 of 8),
// Fjord Logistik (2 of 6: low confidence, below min_respondents 3) and all customers (7 of 14).
// Area scores (provider / Nordbank / Fjord / all customers), target 0.6, tolerance 0.05:
//   incident       0.724 / 0.58 / 0.43 / 0.53   provider ABOVE, all customers BELOW
//   change         0.46  / 0.62 / 0.37 / 0.55   provider BELOW, all customers GOOD_ENOUGH
//   service-level  0.66  / 0.71 / 0.64 / 0.69   provider ABOVE, all customers ABOVE
//   knowledge      0.35  / 0.48 / 0.26 / 0.41   BELOW (no Swedish title in the model)
// The model also has an area "problem" that the scorecard does not score. Eight improvements,
// quick wins at ranks 2 and 5; rank 3 (knowledge.articles) cites an all-customers figure of 2
// answers. History: 2024-03-15 (incident scored as area "incident-2024", same lineage;
// no knowledge) and 2024-09-20. Benchmark: incident and service-level disclosed, change
// suppressed, knowledge absent. Three comments.
ReportFixture ExampleFixture();

// A synthetic fixture of the given shape with deterministic figures, for the benchmark.
struct FixtureShape {
  int areas = 12;
  int items = 90;  // spread over the areas
  int organizations = 2;
  int history = 10;
  int improvements = 15;
  int comments = 40;
};
ReportFixture SyntheticFixture(const FixtureShape& shape);

}  // namespace lagom::reporting::testing

#endif  // LAGOM_SERVICES_REPORTING_RENDER_REPORT_FIXTURE_H_
