#include "common/pg_quota.h"

#include <string>

namespace lagom {

void LockQuota(PgTransaction& tx, std::string_view quota, std::string_view holder) {
  tx.exec_params("SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))", std::string(quota),
                 std::string(holder));
}

}  // namespace lagom
