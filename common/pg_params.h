// Query parameters libpq sends as text that need composing: arrays (to insert many rows in one
// statement with unnest, or to test membership with ANY) and the elements of bytea arrays.
#ifndef LAGOM_COMMON_PG_PARAMS_H_
#define LAGOM_COMMON_PG_PARAMS_H_

#include <string>
#include <vector>

namespace lagom {

// A PostgreSQL array literal of `values`, each quoted and escaped: `$1::text[]`,
// `$1::bigint[]`, `$1::bytea[]` (elements from PgByteaElement) and so on.
std::string PgArray(const std::vector<std::string>& values);

// `bytes` as one element of a bytea[] literal (hex format).
std::string PgByteaElement(const std::string& bytes);

}  // namespace lagom

#endif  // LAGOM_COMMON_PG_PARAMS_H_
