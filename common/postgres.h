// PostgreSQL connection pool on libpqxx 6.4. Every query runs inside WithTenant, which sets
// lagom.tenant_id for the transaction (row-level security and audits read it); only
// migrations run without a tenant.
#ifndef LAGOM_COMMON_POSTGRES_H_
#define LAGOM_COMMON_POSTGRES_H_

#include <functional>
#include <memory>
#include <pqxx/connection>
#include <pqxx/transaction>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/migrations.h"
#include "common/pg_transaction.h"
#include "common/request_context.h"

namespace lagom {

class PgPool final {
 public:
  // `url` is a libpq URL or keyword string; connect_timeout is added to it so an unreachable
  // host fails in seconds. One connection opens now, the rest (up to `size`) on demand.
  static absl::StatusOr<std::unique_ptr<PgPool>> Connect(std::string url, int size,
                                                         absl::Duration connect_timeout);
  ~PgPool();

  // BEGIN; SELECT set_config('lagom.tenant_id', tenant, true); fn; COMMIT if fn is OK,
  // ROLLBACK otherwise (BEGIN and the settings travel with the first statement, see
  // PgTransaction). A deadline also sets statement_timeout. An empty tenant is FAILED_PRECONDITION.
  // pqxx exceptions map to: broken connection → UNAVAILABLE (connection dropped), 23505 →
  // ALREADY_EXISTS, serialization failure / deadlock → ABORTED, others → INTERNAL. Waits for a free
  // connection until the earlier of rc.deadline and connect_timeout, then UNAVAILABLE.
  absl::Status WithTenant(const RequestContext& rc,
                          const std::function<absl::Status(PgTransaction&)>& fn);

  // Like WithTenant, but for the hosting operator's tenant-less work (provisioning, listing
  // tenants): sets lagom.operator = 'on' for the transaction and no tenant. Only the tenants
  // table has a policy that admits the operator; every tenant's data stays invisible.
  absl::Status WithOperator(const std::function<absl::Status(PgTransaction&)>& fn);

  // Applies `migrations` (ascending versions) not yet recorded for `owner`, each in its own
  // transaction under pg_advisory_xact_lock(hashtext(owner)). An applied migration whose SQL
  // changed → FAILED_PRECONDITION naming owner/version.
  absl::Status RunMigrations(std::string_view owner, const std::vector<Migration>& migrations);

 private:
  using ConnPtr = std::unique_ptr<pqxx::connection>;
  class Lease;

  PgPool(std::string url, int size, absl::Duration connect_timeout);
  absl::StatusOr<ConnPtr> Open() const;
  absl::StatusOr<ConnPtr> Acquire(absl::Time deadline);
  void Release(ConnPtr conn);
  // Runs fn in a transaction with `settings` on a pooled connection, mapping exceptions.
  absl::Status InTransaction(absl::Time deadline,
                             std::vector<std::pair<std::string, std::string>> settings,
                             const std::function<absl::Status(PgTransaction&)>& fn);
  absl::Status ApplyOne(std::string_view owner, const Migration& m);

  const std::string url_;
  const int size_;
  const absl::Duration connect_timeout_;
  absl::Mutex mu_;
  std::vector<ConnPtr> idle_ ABSL_GUARDED_BY(mu_);
  int open_ ABSL_GUARDED_BY(mu_) = 0;  // idle + lent out
};

}  // namespace lagom

#endif  // LAGOM_COMMON_POSTGRES_H_
