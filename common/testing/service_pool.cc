#include "common/testing/service_pool.h"

#include "common/testing/integration.h"

namespace lagom::testing {

absl::StatusOr<std::unique_ptr<PgPool>> ServicePool(std::string_view owner,
                                                    const std::vector<Migration>& migrations,
                                                    int size) {
  absl::StatusOr<std::unique_ptr<PgPool>> as_owner =
      PgPool::Connect(TestServicesPostgresUrl("lagom"), 1, absl::Seconds(5));
  if (!as_owner.ok()) return as_owner.status();
  if (absl::Status s = (*as_owner)->RunMigrations(owner, migrations); !s.ok()) return s;
  return PgPool::Connect(TestServicesPostgresUrl("lagom_app"), size, absl::Seconds(5));
}

}  // namespace lagom::testing
