#include "common/redis.h"

#include <hiredis/hiredis.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/strings.h"

namespace lagom {
namespace {

struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using ReplyPtr = std::unique_ptr<redisReply, ReplyDeleter>;

RedisReply Convert(const redisReply& r) {
  RedisReply out;
  switch (r.type) {
    case REDIS_REPLY_STRING:
      out.type = RedisReply::Type::kString;
      out.str.assign(r.str, r.len);
      break;
    case REDIS_REPLY_STATUS:
    case REDIS_REPLY_ERROR:
      out.type = RedisReply::Type::kStatus;
      out.str.assign(r.str, r.len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = RedisReply::Type::kInteger;
      out.integer = r.integer;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = RedisReply::Type::kArray;
      for (size_t i = 0; i < r.elements; ++i) out.elements.push_back(Convert(*r.element[i]));
      break;
    default:
      out.type = RedisReply::Type::kNil;
  }
  return out;
}

}  // namespace

void RedisClient::ContextDeleter::operator()(redisContext* c) const { redisFree(c); }

RedisClient::RedisClient(std::string host, int port, absl::Duration timeout, int pool_size)
    : host_(std::move(host)), port_(port), timeout_(timeout), pool_size_(pool_size) {}

RedisClient::~RedisClient() = default;

absl::StatusOr<std::unique_ptr<RedisClient>> RedisClient::Connect(std::string_view host_port,
                                                                  absl::Duration timeout,
                                                                  int pool_size) {
  const size_t colon = host_port.rfind(':');
  int port = 0;
  if (colon == std::string_view::npos || colon == 0 ||
      !absl::SimpleAtoi(ToAbsl(host_port.substr(colon + 1)), &port) || port <= 0 || port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("redis address '", ToAbsl(host_port), "' is not HOST:PORT"));
  }
  if (pool_size < 1) return absl::InvalidArgumentError("redis pool size must be at least 1");
  auto client = absl::WrapUnique(
      new RedisClient(std::string(host_port.substr(0, colon)), port, timeout, pool_size));
  // Fail at startup, not on the first request, when Redis is unreachable.
  absl::StatusOr<ContextPtr> first = client->Open();
  if (!first.ok()) return first.status();
  absl::MutexLock lock(&client->mu_);
  client->idle_.push_back(*std::move(first));
  client->open_ = 1;
  return client;
}

absl::Status RedisClient::Unreachable(std::string_view reason) const {
  return absl::UnavailableError(
      absl::StrCat("redis at ", host_, ":", port_, " unreachable: ", ToAbsl(reason)));
}

absl::StatusOr<RedisClient::ContextPtr> RedisClient::Open() const {
  ContextPtr c(redisConnectWithTimeout(host_.c_str(), port_, absl::ToTimeval(timeout_)));
  if (c == nullptr) return Unreachable("out of memory");
  if (c->err != 0) return Unreachable(c->errstr);
  if (redisSetTimeout(c.get(), absl::ToTimeval(timeout_)) != REDIS_OK)
    return Unreachable(c->errstr);
  return c;
}

absl::StatusOr<RedisClient::ContextPtr> RedisClient::Acquire() {
  {
    absl::MutexLock lock(&mu_);
    auto available = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return !idle_.empty() || open_ < pool_size_;
    };
    if (!mu_.AwaitWithTimeout(absl::Condition(&available), timeout_)) {
      return absl::UnavailableError(
          absl::StrCat("no redis connection free within ", absl::FormatDuration(timeout_)));
    }
    if (!idle_.empty()) {
      ContextPtr c = std::move(idle_.back());
      idle_.pop_back();
      return c;
    }
    ++open_;  // reserve the slot; connect outside the lock
  }
  absl::StatusOr<ContextPtr> c = Open();
  if (!c.ok()) {
    absl::MutexLock lock(&mu_);
    --open_;
  }
  return c;
}

void RedisClient::Release(ContextPtr c) {
  absl::MutexLock lock(&mu_);
  if (c == nullptr || c->err != 0) {
    --open_;  // broken: drop it; the next Acquire opens a fresh one
    return;
  }
  idle_.push_back(std::move(c));
}

absl::StatusOr<RedisReply> RedisClient::Command(const std::vector<std::string>& argv) {
  std::vector<const char*> args;
  std::vector<size_t> lens;
  for (const std::string& a : argv) {
    args.push_back(a.data());
    lens.push_back(a.size());
  }
  std::string last_error;
  // A pooled connection may have been closed by the server while idle: retry once on a new one.
  for (int attempt = 0; attempt < 2; ++attempt) {
    absl::StatusOr<ContextPtr> c = Acquire();
    if (!c.ok()) return c.status();
    ReplyPtr reply(static_cast<redisReply*>(
        redisCommandArgv(c->get(), static_cast<int>(args.size()), args.data(), lens.data())));
    if (reply == nullptr) {
      last_error = (*c)->errstr;
      Release(*std::move(c));
      continue;
    }
    Release(*std::move(c));
    if (reply->type == REDIS_REPLY_ERROR) {
      return absl::FailedPreconditionError(absl::StrCat("redis ", argv.empty() ? "" : argv[0], ": ",
                                                        absl::string_view(reply->str, reply->len)));
    }
    return Convert(*reply);
  }
  return Unreachable(last_error);
}

absl::StatusOr<std::vector<RedisReply>> RedisClient::Pipeline(
    const std::vector<std::vector<std::string>>& commands) {
  if (commands.empty()) return std::vector<RedisReply>{};
  absl::StatusOr<InFlight> sent = Send(commands);
  if (!sent.ok()) return sent.status();
  return Receive(*std::move(sent));
}

RedisClient::InFlight::InFlight(RedisClient* client, ContextPtr context,
                                std::vector<std::string> names)
    : client_(client), context_(std::move(context)), names_(std::move(names)) {}

RedisClient::InFlight::~InFlight() {
  if (context_ == nullptr) return;                                       // moved from, or received
  context_->err = context_->err != 0 ? context_->err : REDIS_ERR_OTHER;  // replies left unread
  client_->Release(std::move(context_));
}

absl::StatusOr<RedisClient::InFlight> RedisClient::Send(
    const std::vector<std::vector<std::string>>& commands) {
  absl::StatusOr<ContextPtr> c = Acquire();
  if (!c.ok()) return c.status();
  std::vector<std::string> names;
  names.reserve(commands.size());
  for (const std::vector<std::string>& argv : commands) {
    std::vector<const char*> args;
    std::vector<size_t> lens;
    for (const std::string& a : argv) {
      args.push_back(a.data());
      lens.push_back(a.size());
    }
    names.push_back(argv.empty() ? "" : argv[0]);
    if (redisAppendCommandArgv(c->get(), static_cast<int>(args.size()), args.data(), lens.data()) !=
        REDIS_OK) {
      const std::string error = (*c)->errstr;
      Release(*std::move(c));  // broken: dropped
      return Unreachable(error);
    }
  }
  for (int written = 0; written == 0;) {
    if (redisBufferWrite(c->get(), &written) != REDIS_OK) {
      const std::string error = (*c)->errstr;
      Release(*std::move(c));
      return Unreachable(error);
    }
  }
  return InFlight(this, *std::move(c), std::move(names));
}

absl::StatusOr<std::vector<RedisReply>> RedisClient::Receive(InFlight in_flight) {
  std::vector<RedisReply> out;
  out.reserve(in_flight.names_.size());
  redisContext* c = in_flight.context_.get();
  absl::Status first_error;
  for (const std::string& name : in_flight.names_) {
    void* raw = nullptr;
    if (redisGetReply(c, &raw) != REDIS_OK || raw == nullptr) {
      return Unreachable(c->errstr);  // ~InFlight drops the connection
    }
    ReplyPtr reply(static_cast<redisReply*>(raw));
    if (reply->type == REDIS_REPLY_ERROR && first_error.ok()) {
      first_error = absl::FailedPreconditionError(
          absl::StrCat("redis ", name, ": ", absl::string_view(reply->str, reply->len)));
    }
    out.push_back(Convert(*reply));
  }
  Release(std::move(in_flight.context_));
  if (!first_error.ok()) return first_error;
  return out;
}

absl::Status RedisClient::Ping() {
  absl::StatusOr<RedisReply> reply = Command({"PING"});
  if (!reply.ok()) return reply.status();
  if (reply->str != "PONG") return Unreachable(absl::StrCat("PING answered '", reply->str, "'"));
  return absl::OkStatus();
}

std::string TenantKey(const RequestContext& rc, std::initializer_list<std::string_view> parts) {
  std::string key = absl::StrCat("lagom:", rc.tenant_id);
  for (std::string_view part : parts) absl::StrAppend(&key, ":", ToAbsl(part));
  return key;
}

}  // namespace lagom
