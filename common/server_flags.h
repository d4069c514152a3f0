// The flags every service takes for its server (also settable as LAGOM_<FLAG> environment
// variables), and start-up helpers that turn bad configuration into one clear line and exit.
#ifndef LAGOM_COMMON_SERVER_FLAGS_H_
#define LAGOM_COMMON_SERVER_FLAGS_H_

#include <grpcpp/channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/migrations.h"
#include "common/postgres.h"
#include "common/redis.h"
#include "common/redis_shards.h"
#include "common/retention.h"
#include "common/server.h"

namespace lagom {

// --listen, --address_file, --metrics_address, --drain_deadline, --access_log.
ServerOptions ServerOptionsFromFlags(std::string service_name);

// Transport security from --tls_cert_file, --tls_key_file, --tls_client_ca_file (mTLS: client
// certificates required and verified) and --allow_plaintext. ServerOptionsFromFlags applies
// it; without a certificate a service starts only if plaintext is explicitly allowed.
std::shared_ptr<grpc::ServerCredentials> ServerCredentialsOrDie(std::string_view service);

// Credentials for calls to other Lagom services: TLS verified against --tls_ca_file (default:
// the client CA, one private CA for the deployment), presenting this service's certificate
// (mTLS); plaintext when the server side is plaintext.
std::shared_ptr<grpc::ChannelCredentials> ServiceChannelCredentials();

// A channel to other Lagom services at `address` (common/channel.h: replica lists, round_robin,
// retries on UNAVAILABLE) with ServiceChannelCredentials, or exits 1 naming --`flag`.
std::shared_ptr<grpc::Channel> ServiceChannelOrDie(std::string_view service, std::string_view flag,
                                                   const std::string& address);

// --executor_threads: threads that run blocking handler work.
int ExecutorThreadsFromFlags(std::string_view service);

// Connects to PostgreSQL at `url` and applies `service`'s migrations, or exits 1 with one line
// that says what is wrong. With --migrate_only it exits 0 once they are applied.
std::unique_ptr<PgPool> ConnectPostgresOrDie(std::string_view service, const std::string& url,
                                             const std::vector<Migration>& migrations);

// Starts `pool`'s retention sweep (common/retention.h) of <schema>.idempotent_requests and,
// `with_outbox`, <schema>.outbox, as --kept_reply_retention, --delivered_event_retention and
// --retention_sweep_every say, or exits 1 naming the flag that is out of range.
std::unique_ptr<RetentionSweeper> StartRetentionOrDie(std::string_view service, PgPool& pool,
                                                      std::string_view schema, bool with_outbox);

// Connects to Redis at `address` and checks it answers, or exits 1 with one line.
std::unique_ptr<RedisClient> ConnectRedisOrDie(std::string_view service,
                                               const std::string& address);

// Connects to every Redis of `addresses` ("HOST:PORT" or a comma-separated list of shards,
// common/redis_shards.h), or exits 1 with one line naming the one that failed.
std::unique_ptr<RedisShards> ConnectRedisShardsOrDie(std::string_view service,
                                                     const std::string& addresses);

// Starts the server or exits 1 with one line (port in use, bad address).
std::unique_ptr<Server> StartServerOrDie(const ServerOptions& options,
                                         std::vector<grpc::Service*> services);

}  // namespace lagom

#endif  // LAGOM_COMMON_SERVER_FLAGS_H_
