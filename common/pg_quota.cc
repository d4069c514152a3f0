#include "common/pg_quota.h"

#include <string>

namespace lagom {

void LockQuota(PgTransaction& tx, std::string_view quota, std::string_view holder) {
  tx.exec_params("SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))", std::string(quota),
                 std::string(holder));
}

void HoldRequestId(PgTransaction& tx, std::string_view schema, std::string_view tenant,
                   std::string_view request_id) {
  std::string holder(tenant);
  holder.append("/").append(request_id);
  LockQuota(tx, std::string(schema).append(".request_id"), holder);
}

}  // namespace lagom
