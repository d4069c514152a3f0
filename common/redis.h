// Redis client on hiredis' synchronous API, meant for executor threads. Every key is
// tenant-namespaced through TenantKey.
#ifndef LAGOM_COMMON_REDIS_H_
#define LAGOM_COMMON_REDIS_H_

#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/request_context.h"

struct redisContext;

namespace lagom {

struct RedisReply {
  enum class Type { kNil, kString, kInteger, kArray, kStatus };
  Type type = Type::kNil;
  long long integer = 0;
  std::string str;                   // kString and kStatus
  std::vector<RedisReply> elements;  // kArray; nested error replies come as kStatus "ERR ..."
};

class RedisClient final {
  struct ContextDeleter {
    void operator()(redisContext* c) const;
  };
  using ContextPtr = std::unique_ptr<redisContext, ContextDeleter>;

 public:
  // Opens one connection now (so an unreachable server fails at startup) and up to
  // `pool_size` on demand. `timeout` bounds connecting, each command, and waiting for a
  // free connection.
  static absl::StatusOr<std::unique_ptr<RedisClient>> Connect(std::string_view host_port,
                                                              absl::Duration timeout,
                                                              int pool_size = 4);
  ~RedisClient();

  // An error reply is FAILED_PRECONDITION with Redis' message; a broken connection is
  // reconnected and the command retried once, then UNAVAILABLE.
  absl::StatusOr<RedisReply> Command(const std::vector<std::string>& argv);
  // Sends every command at once on one connection and reads their replies in order: one round
  // trip. Any error reply fails the whole call (the other commands have still run); a broken
  // connection is UNAVAILABLE (not retried: some commands may have run).
  absl::StatusOr<std::vector<RedisReply>> Pipeline(
      const std::vector<std::vector<std::string>>& commands);

  // A pipeline in two halves, so its round trip overlaps what the caller does meanwhile: Send
  // writes the commands and returns; Receive reads their replies, as Pipeline would. Replies
  // never read cost the connection (it is closed, not reused).
  class InFlight {
   public:
    InFlight(InFlight&&) = default;
    InFlight& operator=(InFlight&&) = delete;
    ~InFlight();

   private:
    friend class RedisClient;
    InFlight(RedisClient* client, ContextPtr context, std::vector<std::string> names);
    RedisClient* client_;
    ContextPtr context_;
    std::vector<std::string> names_;  // each command's name, for errors
  };
  absl::StatusOr<InFlight> Send(const std::vector<std::vector<std::string>>& commands);
  absl::StatusOr<std::vector<RedisReply>> Receive(InFlight in_flight);

  absl::Status Ping();

 private:
  RedisClient(std::string host, int port, absl::Duration timeout, int pool_size);
  absl::StatusOr<ContextPtr> Open() const;
  absl::StatusOr<ContextPtr> Acquire();
  void Release(ContextPtr c);
  absl::Status Unreachable(std::string_view reason) const;

  const std::string host_;
  const int port_;
  const absl::Duration timeout_;
  const int pool_size_;
  absl::Mutex mu_;
  std::vector<ContextPtr> idle_ ABSL_GUARDED_BY(mu_);
  int open_ ABSL_GUARDED_BY(mu_) = 0;  // idle + lent out
};

// "lagom:<tenant>:<part>:<part>...".
std::string TenantKey(const RequestContext& rc, std::initializer_list<std::string_view> parts);

}  // namespace lagom

#endif  // LAGOM_COMMON_REDIS_H_
