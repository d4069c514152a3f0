// SessionStore on PostgreSQL: session.sessions and session.idempotent_requests. Every
// transaction runs under PgPool::WithTenant and scopes each statement to the tenant in SQL as
// well as through row-level security.
#ifndef LAGOM_SERVICES_SESSION_STORE_PG_SESSION_STORE_H_
#define LAGOM_SERVICES_SESSION_STORE_PG_SESSION_STORE_H_

#include "common/postgres.h"
#include "services/session/core/session_store.h"

namespace lagom::session {

class PgSessionStore final : public SessionStore {
 public:
  explicit PgSessionStore(PgPool& pool) : pool_(pool) {}

  absl::Status InTenant(const RequestContext& rc,
                        const std::function<absl::Status(SessionTransaction&)>& fn) override;

 private:
  PgPool& pool_;
};

}  // namespace lagom::session

#endif  // LAGOM_SERVICES_SESSION_STORE_PG_SESSION_STORE_H_
