#include "common/server_flags.h"

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/config.h"
#include "common/log.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:0",
          "Address to serve gRPC on; port 0 picks a free port (see --address_file)");
ABSL_FLAG(std::string, address_file, "",
          "File to write the bound HOST:PORT to once listening (for scripts and tests)");
ABSL_FLAG(std::string, metrics_address, "",
          "Address for the Prometheus /metrics endpoint; empty turns it off");
ABSL_FLAG(absl::Duration, drain_deadline, absl::Seconds(10),
          "On SIGTERM, how long in-flight calls may take to finish");
ABSL_FLAG(bool, access_log, false, "Log one line per RPC");
ABSL_FLAG(int, executor_threads, 8, "Threads for handler work that blocks on storage");

namespace lagom {

ServerOptions ServerOptionsFromFlags(std::string service_name) {
  ServerOptions options;
  options.service_name = std::move(service_name);
  options.listen_address = absl::GetFlag(FLAGS_listen);
  options.address_file = absl::GetFlag(FLAGS_address_file);
  options.metrics_address = absl::GetFlag(FLAGS_metrics_address);
  options.drain_deadline = absl::GetFlag(FLAGS_drain_deadline);
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

std::unique_ptr<PgPool> ConnectPostgresOrDie(std::string_view service, const std::string& url,
                                             const std::vector<Migration>& migrations) {
  if (url.empty()) {
    DieWithConfigError(
        service, absl::InvalidArgumentError("--postgres_url (or LAGOM_POSTGRES_URL) is required"));
  }
  absl::StatusOr<std::unique_ptr<PgPool>> pool = PgPool::Connect(url, 16, absl::Seconds(5));
  if (!pool.ok()) DieWithConfigError(service, pool.status());
  if (absl::Status s = (*pool)->RunMigrations(service, migrations); !s.ok()) {
    DieWithConfigError(service, s);
  }
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

std::unique_ptr<Server> StartServerOrDie(const ServerOptions& options,
                                         std::vector<grpc::Service*> services) {
  absl::StatusOr<std::unique_ptr<Server>> server = Server::Start(options, std::move(services));
  if (!server.ok()) DieWithConfigError(options.service_name, server.status());
  return *std::move(server);
}

}  // namespace lagom
