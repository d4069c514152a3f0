#include "services/questionnaire/store/pg_idempotency.h"

#include <pqxx/pqxx>

#include "common/pg_quota.h"
#include "common/pg_transaction.h"

namespace lagom::questionnaire {

std::optional<IdempotentReply> FindStoredReply(PgTransaction& tx, const std::string& tenant_id,
                                               const std::string& request_id) {
  HoldRequestId(tx, "questionnaire", tenant_id, request_id);
  pqxx::result rows = tx.exec_params(
      "SELECT method, request, reply, caller FROM questionnaire.idempotent_requests"
      " WHERE tenant_id = $1 AND request_id = $2",
      tenant_id, request_id);
  if (rows.empty()) return std::nullopt;
  return IdempotentReply{rows[0][0].as<std::string>(), pqxx::binarystring(rows[0][1]).str(),
                         pqxx::binarystring(rows[0][2]).str(),
                         pqxx::binarystring(rows[0][3]).str()};
}

void StoreReply(PgTransaction& tx, const std::string& tenant_id, const std::string& request_id,
                const IdempotentReply& reply) {
  tx.exec_params(
      "INSERT INTO questionnaire.idempotent_requests"
      " (tenant_id, request_id, method, request, reply, caller)"
      " VALUES ($1, $2, $3, $4, $5, $6)",
      tenant_id, request_id, reply.method, pqxx::binarystring(reply.request),
      pqxx::binarystring(reply.reply), pqxx::binarystring(reply.caller));
}

}  // namespace lagom::questionnaire
