// Transaction-level advisory locks that make a check-then-write atomic across transactions,
// replicas included: a count quota's check-and-insert, and a request_id's look-up of its kept
// reply and the write that keeps one.
#ifndef LAGOM_COMMON_PG_QUOTA_H_
#define LAGOM_COMMON_PG_QUOTA_H_

#include <string_view>

#include "common/pg_transaction.h"

namespace lagom {

// Holds `holder`'s `quota` (e.g. quota "webhooks", holder a tenant id) until `tx` ends: another
// transaction taking the same one waits here until this one commits or rolls back. Take it
// before counting what the quota counts, and a count that found room stays true up to the
// insert. A transaction-level advisory lock on (hashtext(quota), hashtext(holder)): no row is
// locked, row-level security does not apply, and the two-key space is not the single-key one
// the migrations lock. Two holders whose hashes collide only wait for each other.
void LockQuota(PgTransaction& tx, std::string_view quota, std::string_view holder);

// Holds `tenant`'s `request_id` in `schema`'s kept replies until `tx` ends. Taken before looking
// up the kept reply: a retry sent while its first call is still running waits for it and then
// finds its reply, instead of running the change again and failing on the kept reply's key.
void HoldRequestId(PgTransaction& tx, std::string_view schema, std::string_view tenant,
                   std::string_view request_id);

}  // namespace lagom

#endif  // LAGOM_COMMON_PG_QUOTA_H_
