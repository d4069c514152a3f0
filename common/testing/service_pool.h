// A PostgreSQL pool as a service has one in a deployment, for tests of a service's stores: on
// the services' database (TestServicesPostgresUrl), as lagom_app, after the service's
// migrations were applied as the owner role "lagom". Row-level security, the tables' grants
// and the migrations' policies all apply, as they do in the running service.
#ifndef LAGOM_COMMON_TESTING_SERVICE_POOL_H_
#define LAGOM_COMMON_TESTING_SERVICE_POOL_H_

#include <memory>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/migrations.h"
#include "common/postgres.h"

namespace lagom::testing {

absl::StatusOr<std::unique_ptr<PgPool>> ServicePool(std::string_view owner,
                                                    const std::vector<Migration>& migrations,
                                                    int size = 4);

}  // namespace lagom::testing

#endif  // LAGOM_COMMON_TESTING_SERVICE_POOL_H_
