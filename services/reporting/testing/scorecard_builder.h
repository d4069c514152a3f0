// Realistic scorecards for the reporting tests and benchmark: the built-in model's areas
// scored for the provider, all customers and each customer organisation, with good-enough
// verdicts, area and item-pair perception gaps, item statistics, improvements and coverage,
// as the scoring service produces them.
#ifndef LAGOM_SERVICES_REPORTING_TESTING_SCORECARD_BUILDER_H_
#define LAGOM_SERVICES_REPORTING_TESTING_SCORECARD_BUILDER_H_

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "lagom/scoring/v1/scorecard.pb.h"

namespace lagom::reporting::testing {

// One area's scores 0–1. Each organisation's score is `customers` shifted by its index
// (−0.05, +0.05, ...), so groups differ as they do in real assessments.
struct AreaSpec {
  std::string id;
  std::string lineage_id;
  double provider = 0.6;
  double customers = 0.5;
  double target = 0.6;
};

struct ScorecardSpec {
  std::string tenant;
  std::string session_id;
  std::string title = "Quarterly service review";
  std::string model_version = "models/lagom-itsm/versions/1";
  std::string content_hash = "sha256:lagom-itsm-1";
  absl::Time close_time;
  std::vector<std::string> service_ids;       // tenants/{tenant}/services/{id}
  std::vector<std::string> organization_ids;  // tenants/{tenant}/customerOrganizations/{id}
  std::vector<AreaSpec> areas;
  bool customers_low_confidence = false;
};

// The built-in model's ten areas (`catalogue`, `service-level`, ..., lineage `lin.<id>`),
// provider at `provider` and customers at `customers`, each area a little apart.
std::vector<AreaSpec> ItsmAreas(double provider, double customers);

lagom::scoring::v1::Scorecard BuildScorecard(const ScorecardSpec& spec);

// Adds item figures of 4 kB until `card` serializes to at least `mib` MiB: a scorecard as
// large as those of sessions with hundreds of organisations, for tests of message and page
// sizes.
void PadScorecard(lagom::scoring::v1::Scorecard& card, double mib);

}  // namespace lagom::reporting::testing

#endif  // LAGOM_SERVICES_REPORTING_TESTING_SCORECARD_BUILDER_H_
