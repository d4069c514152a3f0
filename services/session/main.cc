// lagom-session: assessment sessions, participants, invitations, answers, rounds and the live
// watch stream. PostgreSQL is the record of every acknowledged answer; Redis is live state.
// Flags and wiring only.
#include <grpcpp/create_channel.h>

#include <memory>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/auth/service_auth.h"
#include "common/auth/tenant_data.h"
#include "common/auth/webhook_event_consumer.h"
#include "common/config.h"
#include "common/executor.h"
#include "common/log.h"
#include "common/outbox_relay.h"
#include "common/pg_outbox_store.h"
#include "common/server_flags.h"
#include "services/session/core/answer_core.h"
#include "services/session/core/participant_core.h"
#include "services/session/core/session_core.h"
#include "services/session/live/redis_live_state.h"
#include "services/session/live/watch_hub.h"
#include "services/session/session_service.h"
#include "services/session/store/pg_invite_store.h"
#include "services/session/store/pg_session_store.h"
#include "services/session/store/remote_model_catalog.h"
#include "services/session/store/scoring_event_consumer.h"
#include "session_migrations.h"

ABSL_FLAG(std::string, postgres_url, "",
          "PostgreSQL URL, e.g. postgresql://lagom_app@127.0.0.1:5432/lagom");
ABSL_FLAG(std::string, redis_addr, "",
          "Redis HOST:PORT for live session state, or HOST:PORT,HOST:PORT,... of independent "
          "primaries: each session's live state on one of them");
ABSL_FLAG(std::string, scoring_addr, "",
          "Scoring service HOST:PORT: where session.closed events go (they wait in the outbox "
          "while it is unset or unreachable)");
ABSL_FLAG(int, answer_batch, 64, "At most this many answer submissions share one transaction");
ABSL_FLAG(int, answer_writers, 1,
          "At most this many answer transactions run at once (more only pays with spare cores)");
ABSL_FLAG(absl::Duration, live_state_idle_ttl, lagom::session::kDefaultLiveStateIdleTtl,
          "A session's live state leaves Redis once nothing has written it for this long (it is "
          "rebuilt from PostgreSQL when the session is used again)");
ABSL_FLAG(absl::Duration, watch_heartbeat, absl::Seconds(15),
          "How often an idle WatchSession stream gets a heartbeat, and how often every stream's "
          "credential is checked again: a revoked invitation, a removed participant, a "
          "revoked API key or a deleted tenant stops watching within this");
ABSL_DECLARE_FLAG(std::string, questionnaire_addr);

int main(int argc, char** argv) {
  lagom::ParseCommandLineOrDie(argc, argv, "lagom-session: live assessment sessions");
  lagom::InitLogging("session");
  lagom::ServerOptions options = lagom::ServerOptionsFromFlags("session");
  std::unique_ptr<lagom::PgPool> pg = lagom::ConnectPostgresOrDie(
      "session", absl::GetFlag(FLAGS_postgres_url), lagom::session::Migrations());
  // Kept replies go once no retry can come for them, delivered events after a while.
  std::unique_ptr<lagom::RetentionSweeper> retention =
      lagom::StartRetentionOrDie("session", *pg, "session", /*with_outbox=*/true);
  std::unique_ptr<lagom::RedisShards> redis =
      lagom::ConnectRedisShardsOrDie("session", absl::GetFlag(FLAGS_redis_addr));
  // The watch hubs block on connections of their own.
  std::unique_ptr<lagom::RedisShards> watch_redis =
      lagom::ConnectRedisShardsOrDie("session", absl::GetFlag(FLAGS_redis_addr));

  lagom::session::PgInviteStore invites(*pg);
  std::unique_ptr<lagom::auth::ServiceAuth> auth =
      lagom::auth::RemoteServiceAuthOrDie("session", &invites);
  lagom::Executor executor(lagom::ExecutorThreadsFromFlags("session"));

  lagom::session::PgSessionStore store(*pg);
  lagom::session::ModelIndexCache models;
  const absl::Duration idle_ttl = absl::GetFlag(FLAGS_live_state_idle_ttl);
  if (idle_ttl < absl::Seconds(2)) {
    lagom::DieWithConfigError(
        "session",
        absl::InvalidArgumentError(absl::StrCat(
            "--live_state_idle_ttl=", absl::FormatDuration(idle_ttl), ": must be at least 2s")));
  }
  lagom::session::RedisLiveState live(*redis, store, models, idle_ttl);
  const absl::Duration heartbeat = absl::GetFlag(FLAGS_watch_heartbeat);
  if (heartbeat < absl::Milliseconds(100)) {
    lagom::DieWithConfigError("session", absl::InvalidArgumentError(absl::StrCat(
                                             "--watch_heartbeat=", absl::FormatDuration(heartbeat),
                                             ": must be at least 100ms")));
  }
  lagom::session::WatchHubs hubs(*watch_redis, idle_ttl, heartbeat);
  lagom::session::RemoteModelCatalog catalog(
      lagom::ServiceChannelOrDie("session", "questionnaire_addr",
                                 absl::GetFlag(FLAGS_questionnaire_addr)),
      auth->service_token);
  lagom::session::InviteTokenCodec tokens;
  lagom::session::SessionCore sessions(store, catalog, absl::Now, &live);
  lagom::session::ParticipantCore participants(store, models, live, tokens);
  lagom::session::AnswerCore answers(store, models, live, auth->service_token, absl::Now,
                                     absl::GetFlag(FLAGS_answer_batch),
                                     absl::GetFlag(FLAGS_answer_writers));
  lagom::session::AnswerValuesCore answer_values(store, auth->service_token);
  lagom::session::SessionServiceImpl session_service(
      *auth->guard, executor, sessions, participants, answers, answer_values,
      lagom::session::WatchDeps{store, models, live, hubs, executor, auth->limiter.get(),
                                auth->guard.get()});

  // The outbox has a relay per consumer, from every replica at once: session.closed for the
  // scoring service, and session.opened and session.closed for the tenant's webhooks (handed
  // to the questionnaire service). Neither holds up the other.
  lagom::PgOutboxStore scoring_outbox(*pg, {"session.outbox", "session_id", "scoring"});
  std::unique_ptr<lagom::session::ScoringEventConsumer> scoring;
  std::unique_ptr<lagom::OutboxRelay> scoring_relay;
  if (const std::string addr = absl::GetFlag(FLAGS_scoring_addr); !addr.empty()) {
    scoring = std::make_unique<lagom::session::ScoringEventConsumer>(
        lagom::ServiceChannelOrDie("session", "scoring_addr", addr), auth->service_token);
    scoring_relay = std::make_unique<lagom::OutboxRelay>(scoring_outbox, *scoring);
    scoring_relay->Start();
  } else {
    lagom::LogWarn(
        "no --scoring_addr: session.closed events wait in the outbox until a "
        "replica with one delivers them");
  }
  lagom::auth::WebhookOutboxRelay webhooks(
      *pg, "session.outbox", "session_id",
      lagom::ServiceChannelOrDie("session", "questionnaire_addr",
                                 absl::GetFlag(FLAGS_questionnaire_addr)),
      auth->service_token, "session");
  // A deleted tenant's sessions, answers and invitations, and then its live state in Redis.
  lagom::auth::PgTenantData tenant_data(*pg, "session");
  lagom::auth::TenantDataServiceImpl tenant_data_service(
      tenant_data, *auth->guard, executor,
      [&redis](const std::string& tenant_id) { return redis->DeleteTenantKeys(tenant_id); });
  std::unique_ptr<lagom::Server> server =
      lagom::StartServerOrDie(options, {&session_service, &tenant_data_service});
  // Watchers of a replica being shut down resume on another at once, from their cursor.
  server->OnDrain([&hubs] { hubs.Drain(); });
  return server->WaitForShutdownSignal();
}
