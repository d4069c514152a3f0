// questionnaire.idempotent_requests, shared by the catalogue and tenancy stores: the first
// reply to a mutation that carried a request_id, kept so a retry gets it again.
#ifndef LAGOM_SERVICES_QUESTIONNAIRE_STORE_PG_IDEMPOTENCY_H_
#define LAGOM_SERVICES_QUESTIONNAIRE_STORE_PG_IDEMPOTENCY_H_

#include <optional>
#include <pqxx/transaction>
#include <string>

#include "common/pg_transaction.h"
#include "common/resource_util.h"

namespace lagom::questionnaire {

std::optional<IdempotentReply> FindStoredReply(PgTransaction& tx, const std::string& tenant_id,
                                               const std::string& request_id);

void StoreReply(PgTransaction& tx, const std::string& tenant_id, const std::string& request_id,
                const IdempotentReply& reply);

}  // namespace lagom::questionnaire

#endif  // LAGOM_SERVICES_QUESTIONNAIRE_STORE_PG_IDEMPOTENCY_H_
