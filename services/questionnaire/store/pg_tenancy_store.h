// TenancyStore on PostgreSQL: questionnaire.tenants, tenant_settings, api_keys, role_bindings,
// audit_events and idempotent_requests. Tenant transactions run under PgPool::WithTenant and
// scope every statement to the tenant in SQL as well as through row-level security; operator
// transactions run under PgPool::WithOperator and see the tenants table only.
#ifndef LAGOM_SERVICES_QUESTIONNAIRE_STORE_PG_TENANCY_STORE_H_
#define LAGOM_SERVICES_QUESTIONNAIRE_STORE_PG_TENANCY_STORE_H_

#include "common/postgres.h"
#include "services/questionnaire/tenancy/tenancy_store.h"

namespace lagom::questionnaire {

// Appends one audit line of `tenant` in `tx` (which must be in the tenant's scope).
void InsertAuditRow(PgTransaction& tx, const std::string& tenant, const AuditRecord& r);

class PgTenancyStore final : public TenancyStore {
 public:
  explicit PgTenancyStore(PgPool& pool) : pool_(pool) {}

  absl::Status InTenant(const RequestContext& rc,
                        const std::function<absl::Status(TenancyTransaction&)>& fn) override;
  absl::Status AsOperator(const RequestContext& rc,
                          const std::function<absl::Status(OperatorTransaction&)>& fn) override;

 private:
  PgPool& pool_;
};

}  // namespace lagom::questionnaire

#endif  // LAGOM_SERVICES_QUESTIONNAIRE_STORE_PG_TENANCY_STORE_H_
