// ScorecardStore on PostgreSQL: the reporting schema (migrations/0002_scorecards.sql). Tenant
// transactions run under PgPool::WithTenant and scope each statement to the tenant in SQL as
// well as through row-level security; the benchmark query runs as the operator, whose policies
// admit only opted-in tenants' figures.
#ifndef LAGOM_SERVICES_REPORTING_STORE_PG_SCORECARD_STORE_H_
#define LAGOM_SERVICES_REPORTING_STORE_PG_SCORECARD_STORE_H_

#include <string>
#include <vector>

#include "common/postgres.h"
#include "services/reporting/core/scorecard_store.h"

namespace lagom::reporting {

class PgScorecardStore final : public ScorecardStore {
 public:
  explicit PgScorecardStore(PgPool& pool) : pool_(pool) {}

  absl::Status InTenant(const RequestContext& rc,
                        const std::function<absl::Status(ScorecardTransaction&)>& fn) override;
  absl::StatusOr<std::vector<BenchmarkSample>> BenchmarkSamples(
      const std::string& caller_tenant, const BenchmarkQuery& query) override;

 private:
  PgPool& pool_;
};

}  // namespace lagom::reporting

#endif  // LAGOM_SERVICES_REPORTING_STORE_PG_SCORECARD_STORE_H_
