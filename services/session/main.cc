// lagom-session: assessment sessions, participants, invitations, answers, rounds and the live
// watch stream. PostgreSQL is the record of every acknowledged answer; Redis is live state.
// Flags and wiring only.
#include <memory>

#include "absl/flags/flag.h"
#include "common/auth/service_auth.h"
#include "common/config.h"
#include "common/log.h"
#include "common/server_flags.h"
#include "services/session/session_service.h"
#include "services/session/store/pg_invite_store.h"
#include "session_migrations.h"

ABSL_FLAG(std::string, postgres_url, "",
          "PostgreSQL URL, e.g. postgresql://lagom_app@127.0.0.1:5432/lagom");
ABSL_FLAG(std::string, redis_addr, "", "Redis HOST:PORT for live session state");

int main(int argc, char** argv) {
  lagom::ParseCommandLineOrDie(argc, argv, "lagom-session: live assessment sessions");
  lagom::InitLogging("session");
  lagom::ServerOptions options = lagom::ServerOptionsFromFlags("session");
  std::unique_ptr<lagom::PgPool> pg = lagom::ConnectPostgresOrDie(
      "session", absl::GetFlag(FLAGS_postgres_url), lagom::session::Migrations());
  std::unique_ptr<lagom::RedisClient> redis =
      lagom::ConnectRedisOrDie("session", absl::GetFlag(FLAGS_redis_addr));

  lagom::session::PgInviteStore invites(*pg);
  std::unique_ptr<lagom::auth::ServiceAuth> auth =
      lagom::auth::RemoteServiceAuthOrDie("session", &invites);
  lagom::session::SessionServiceImpl session_service(*auth->guard);
  std::unique_ptr<lagom::Server> server = lagom::StartServerOrDie(options, {&session_service});
  return server->WaitForShutdownSignal();
}
