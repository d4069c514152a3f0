// CatalogStore on PostgreSQL: questionnaire.catalog_resources and
// questionnaire.idempotent_requests, every statement scoped to the transaction's tenant.
#ifndef LAGOM_SERVICES_QUESTIONNAIRE_STORE_PG_CATALOG_STORE_H_
#define LAGOM_SERVICES_QUESTIONNAIRE_STORE_PG_CATALOG_STORE_H_

#include "common/postgres.h"
#include "services/questionnaire/catalog/catalog_store.h"

namespace lagom::questionnaire {

class PgCatalogStore final : public CatalogStore {
 public:
  explicit PgCatalogStore(PgPool& pool) : pool_(pool) {}

  absl::Status InTransaction(const RequestContext& rc,
                             const std::function<absl::Status(CatalogTransaction&)>& fn) override;

 private:
  PgPool& pool_;
};

}  // namespace lagom::questionnaire

#endif  // LAGOM_SERVICES_QUESTIONNAIRE_STORE_PG_CATALOG_STORE_H_
