#include "common/server_flags.h"

#include <cstdlib>
#include <fstream>
#include <pqxx/pqxx>
#include <sstream>

#include "absl/container/flat_hash_set.h"
#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "common/channel.h"
#include "common/config.h"
#include "common/log.h"
#include "common/pg_transaction.h"
#include "common/strings.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:0",
          "Address to serve gRPC on; port 0 picks a free port (see --address_file)");
ABSL_FLAG(std::string, address_file, "",
          "File to write the bound HOST:PORT to once listening (for scripts and tests)");
ABSL_FLAG(std::string, metrics_address, "",
          "Address for the Prometheus /metrics endpoint; empty turns it off");
ABSL_FLAG(absl::Duration, drain_deadline, absl::Seconds(10),
          "On SIGTERM, how long in-flight calls may take to finish");
ABSL_FLAG(absl::Duration, drain_grace, absl::Milliseconds(500),
          "On SIGTERM, how long to stay up NOT_SERVING before refusing new calls, so that "
          "clients move to other replicas first");
ABSL_FLAG(bool, access_log, false, "Log one line per RPC");
ABSL_FLAG(int, executor_threads, 8, "Threads for handler work that blocks on storage");
ABSL_FLAG(std::string, tls_cert_file, "", "PEM certificate chain this service presents");
ABSL_FLAG(std::string, tls_key_file, "", "PEM private key of --tls_cert_file");
ABSL_FLAG(std::string, tls_client_ca_file, "",
          "PEM CA that client certificates must chain to; set: mutual TLS, clients without a "
          "valid certificate are refused");
ABSL_FLAG(
    std::string, tls_ca_file, "",
    "PEM CA that other Lagom services' certificates chain to (default: --tls_client_ca_file)");
ABSL_FLAG(bool, allow_plaintext, false,
          "Serve and call without TLS; for the local stack on loopback only");
ABSL_FLAG(std::string, postgres_migrations_url, "",
          "PostgreSQL URL of the role that owns the schemas and applies migrations; empty: "
          "--postgres_url applies them (services should connect as a role that owns nothing)");
ABSL_FLAG(bool, migrate_only, false,
          "Apply this service's PostgreSQL migrations, then exit 0 without serving (the "
          "deployment's migrations job)");
ABSL_FLAG(absl::Duration, kept_reply_retention, absl::Hours(24),
          "How long a write's reply is kept for a retry with the same request_id (at least 1h)");
ABSL_FLAG(absl::Duration, delivered_event_retention, absl::Hours(24 * 7),
          "How long a delivered outbox event is kept for operators (at least 1h)");
ABSL_FLAG(absl::Duration, retention_sweep_every, absl::Minutes(10),
          "How often each replica deletes expired kept replies and delivered events (1s..24h)");

namespace lagom {

namespace {

std::string ReadFileOrDie(std::string_view service, const std::string& flag,
                          const std::string& path) {
  std::ifstream in(path);
  std::stringstream content;
  content << in.rdbuf();
  if (!in || content.str().empty()) {
    DieWithConfigError(
        service, absl::InvalidArgumentError(absl::StrCat("--", flag, ": cannot read ", path)));
  }
  return content.str();
}

// Row-level security is a second wall only if the services' role can neither bypass it nor
// switch it off: not a superuser, no BYPASSRLS, owner of none of the service's tables. The
// local stack and production connect as such a role (lagom_app); say so loudly otherwise.
void WarnIfRowLevelSecurityIsNoWall(PgPool& pool, std::string_view service) {
  RequestContext probe;
  probe.tenant_id = "lagom-startup-check";
  bool bypasses = false;
  absl::Status checked = pool.WithTenant(probe, [&](PgTransaction& tx) {
    pqxx::row row = tx.exec_params1(
        "SELECT (SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user)"
        " OR EXISTS (SELECT 1 FROM pg_tables WHERE schemaname = $1 AND tableowner = current_user)",
        std::string(service));
    bypasses = row[0].as<bool>();
    return absl::OkStatus();
  });
  if (checked.ok() && bypasses) {
    LogWarn(
        "row-level security is not a second wall: the PostgreSQL role of --postgres_url is a "
        "superuser, has BYPASSRLS or owns the tables; connect as a role that owns nothing "
        "(lagom_app) and apply migrations with --postgres_migrations_url");
  }
}

}  // namespace

std::shared_ptr<grpc::ServerCredentials> ServerCredentialsOrDie(std::string_view service) {
  const std::string cert = absl::GetFlag(FLAGS_tls_cert_file);
  const std::string key = absl::GetFlag(FLAGS_tls_key_file);
  const std::string client_ca = absl::GetFlag(FLAGS_tls_client_ca_file);
  if (cert.empty() && key.empty()) {
    if (!absl::GetFlag(FLAGS_allow_plaintext)) {
      DieWithConfigError(service,
                         absl::InvalidArgumentError(
                             "no TLS certificate (--tls_cert_file, --tls_key_file); pass "
                             "--allow_plaintext to serve without TLS on a trusted network"));
    }
    if (!client_ca.empty()) {
      DieWithConfigError(service,
                         absl::InvalidArgumentError(
                             "--tls_client_ca_file needs --tls_cert_file and --tls_key_file"));
    }
    return grpc::InsecureServerCredentials();
  }
  if (cert.empty() || key.empty()) {
    DieWithConfigError(
        service, absl::InvalidArgumentError("--tls_cert_file and --tls_key_file go together"));
  }
  grpc::SslServerCredentialsOptions options(
      client_ca.empty() ? GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE
                        : GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  options.pem_key_cert_pairs.push_back(
      {ReadFileOrDie(service, "tls_key_file", key), ReadFileOrDie(service, "tls_cert_file", cert)});
  if (!client_ca.empty()) {
    options.pem_root_certs = ReadFileOrDie(service, "tls_client_ca_file", client_ca);
  }
  return grpc::SslServerCredentials(options);
}

std::shared_ptr<grpc::ChannelCredentials> ServiceChannelCredentials() {
  const std::string cert = absl::GetFlag(FLAGS_tls_cert_file);
  if (cert.empty()) return grpc::InsecureChannelCredentials();
  std::string ca = absl::GetFlag(FLAGS_tls_ca_file);
  if (ca.empty()) ca = absl::GetFlag(FLAGS_tls_client_ca_file);
  grpc::SslCredentialsOptions options;
  if (!ca.empty()) options.pem_root_certs = ReadFileOrDie("", "tls_ca_file", ca);
  options.pem_cert_chain = ReadFileOrDie("", "tls_cert_file", cert);
  options.pem_private_key = ReadFileOrDie("", "tls_key_file", absl::GetFlag(FLAGS_tls_key_file));
  return grpc::SslCredentials(options);
}

std::shared_ptr<grpc::Channel> ServiceChannelOrDie(std::string_view service, std::string_view flag,
                                                   const std::string& address) {
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel =
      CreateServiceChannel(address, ServiceChannelCredentials());
  if (!channel.ok()) {
    DieWithConfigError(service, absl::InvalidArgumentError(absl::StrCat(
                                    "--", ToAbsl(flag), ": ", channel.status().message())));
  }
  return *std::move(channel);
}

ServerOptions ServerOptionsFromFlags(std::string service_name) {
  ServerOptions options;
  options.credentials = ServerCredentialsOrDie(service_name);
  options.service_name = std::move(service_name);
  options.listen_address = absl::GetFlag(FLAGS_listen);
  options.address_file = absl::GetFlag(FLAGS_address_file);
  options.metrics_address = absl::GetFlag(FLAGS_metrics_address);
  options.drain_deadline = absl::GetFlag(FLAGS_drain_deadline);
  options.drain_grace = absl::GetFlag(FLAGS_drain_grace);
  options.access_log = absl::GetFlag(FLAGS_access_log);
  return options;
}

int ExecutorThreadsFromFlags(std::string_view service) {
  int threads = absl::GetFlag(FLAGS_executor_threads);
  if (threads < 1 || threads > 256) {
    DieWithConfigError(service, absl::InvalidArgumentError(absl::StrCat(
                                    "--executor_threads must be 1..256, got ", threads)));
  }
  return threads;
}

std::unique_ptr<RetentionSweeper> StartRetentionOrDie(std::string_view service, PgPool& pool,
                                                      std::string_view schema, bool with_outbox) {
  const absl::Duration kept = absl::GetFlag(FLAGS_kept_reply_retention);
  const absl::Duration delivered = absl::GetFlag(FLAGS_delivered_event_retention);
  RetentionOptions options;
  options.every = absl::GetFlag(FLAGS_retention_sweep_every);
  auto too_short = [&](const char* flag, absl::Duration d) {
    DieWithConfigError(service, absl::InvalidArgumentError(absl::StrCat(
                                    "--", flag, "=", absl::FormatDuration(d), ": must be at least ",
                                    absl::FormatDuration(kMinKeptReplyRetention))));
  };
  if (kept < kMinKeptReplyRetention) too_short("kept_reply_retention", kept);
  if (delivered < kMinKeptReplyRetention) too_short("delivered_event_retention", delivered);
  if (options.every < absl::Seconds(1) || options.every > absl::Hours(24)) {
    DieWithConfigError(service, absl::InvalidArgumentError(absl::StrCat(
                                    "--retention_sweep_every=", absl::FormatDuration(options.every),
                                    ": must be between 1s and 24h")));
  }
  auto sweeper = std::make_unique<RetentionSweeper>(
      pool, RetentionRules(schema, with_outbox, kept, delivered), options);
  sweeper->Start();
  return sweeper;
}

std::unique_ptr<PgPool> ConnectPostgresOrDie(std::string_view service, const std::string& url,
                                             const std::vector<Migration>& migrations) {
  if (url.empty()) {
    DieWithConfigError(
        service, absl::InvalidArgumentError("--postgres_url (or LAGOM_POSTGRES_URL) is required"));
  }
  const std::string migrations_url = absl::GetFlag(FLAGS_postgres_migrations_url);
  if (!migrations_url.empty()) {
    absl::StatusOr<std::unique_ptr<PgPool>> owner =
        PgPool::Connect(migrations_url, 1, absl::Seconds(5));
    if (!owner.ok()) DieWithConfigError(service, owner.status());
    if (absl::Status s = (*owner)->RunMigrations(service, migrations); !s.ok()) {
      DieWithConfigError(service, s);
    }
  }
  absl::StatusOr<std::unique_ptr<PgPool>> pool = PgPool::Connect(url, 16, absl::Seconds(5));
  if (!pool.ok()) DieWithConfigError(service, pool.status());
  if (migrations_url.empty()) {
    if (absl::Status s = (*pool)->RunMigrations(service, migrations); !s.ok()) {
      DieWithConfigError(service, s);
    }
  }
  if (absl::GetFlag(FLAGS_migrate_only)) {
    LogInfo("migrations applied; exiting (--migrate_only)",
            {{"service", std::string(service)}, {"migrations", absl::StrCat(migrations.size())}});
    std::exit(0);
  }
  WarnIfRowLevelSecurityIsNoWall(**pool, service);
  LogInfo("postgres ready", {{"migrations", absl::StrCat(migrations.size())}});
  return *std::move(pool);
}

std::unique_ptr<RedisClient> ConnectRedisOrDie(std::string_view service,
                                               const std::string& address) {
  if (address.empty()) {
    DieWithConfigError(
        service, absl::InvalidArgumentError("--redis_addr (or LAGOM_REDIS_ADDR) is required"));
  }
  absl::StatusOr<std::unique_ptr<RedisClient>> redis =
      RedisClient::Connect(address, absl::Seconds(3));
  if (!redis.ok()) DieWithConfigError(service, redis.status());
  if (absl::Status s = (*redis)->Ping(); !s.ok()) DieWithConfigError(service, s);
  return *std::move(redis);
}

std::unique_ptr<RedisShards> ConnectRedisShardsOrDie(std::string_view service,
                                                     const std::string& addresses) {
  std::vector<RedisShards::Shard> shards;
  absl::flat_hash_set<std::string> seen;
  for (absl::string_view part : absl::StrSplit(addresses, ',')) {
    const std::string address(absl::StripAsciiWhitespace(part));
    if (address.empty() && addresses.empty()) break;  // ConnectRedisOrDie names the flag
    if (address.empty() || !seen.insert(address).second) {
      DieWithConfigError(service, absl::InvalidArgumentError(absl::StrCat(
                                      "--redis_addr '", addresses, "': ",
                                      address.empty() ? "an empty shard address"
                                                      : absl::StrCat(address, " is listed twice"),
                                      "; give HOST:PORT or HOST:PORT,HOST:PORT,...")));
    }
    shards.push_back({address, ConnectRedisOrDie(service, address)});
  }
  if (shards.empty()) shards.push_back({"", ConnectRedisOrDie(service, "")});
  return std::make_unique<RedisShards>(std::move(shards));
}

std::unique_ptr<Server> StartServerOrDie(const ServerOptions& options,
                                         std::vector<grpc::Service*> services) {
  absl::StatusOr<std::unique_ptr<Server>> server = Server::Start(options, std::move(services));
  if (!server.ok()) DieWithConfigError(options.service_name, server.status());
  return *std::move(server);
}

}  // namespace lagom
