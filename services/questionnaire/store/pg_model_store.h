// ModelStore on PostgreSQL: questionnaire.models, questionnaire.model_versions and
// questionnaire.idempotent_requests, every statement scoped to the transaction's tenant (and
// row-level security behind that).
#ifndef LAGOM_SERVICES_QUESTIONNAIRE_STORE_PG_MODEL_STORE_H_
#define LAGOM_SERVICES_QUESTIONNAIRE_STORE_PG_MODEL_STORE_H_

#include "common/postgres.h"
#include "services/questionnaire/model/model_store.h"

namespace lagom::questionnaire {

class PgModelStore final : public ModelStore {
 public:
  explicit PgModelStore(PgPool& pool) : pool_(pool) {}

  absl::Status InTransaction(const RequestContext& rc,
                             const std::function<absl::Status(ModelTransaction&)>& fn) override;

 private:
  PgPool& pool_;
};

}  // namespace lagom::questionnaire

#endif  // LAGOM_SERVICES_QUESTIONNAIRE_STORE_PG_MODEL_STORE_H_
