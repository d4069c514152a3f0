#include "services/gateway/http_gateway.h"

#include <civetweb.h>

#include <algorithm>
#include <optional>

#include "absl/hash/hash.h"
#include "absl/memory/memory.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "common/auth/authenticator.h"
#include "common/log.h"
#include "common/server.h"
#include "common/status.h"
#include "services/gateway/json_errors.h"

namespace lagom::gateway {
namespace {

constexpr char kJson[] = "application/json";
constexpr char kNdJson[] = "application/x-ndjson";

void Respond(mg_connection* connection, int status, absl::string_view content_type,
             absl::string_view body,
             const std::vector<std::pair<std::string, std::string>>& extra = {}) {
  mg_response_header_start(connection, status);
  mg_response_header_add(connection, "Content-Type", content_type.data(),
                         static_cast<int>(content_type.size()));
  const std::string length = absl::StrCat(body.size());
  mg_response_header_add(connection, "Content-Length", length.c_str(), -1);
  for (const auto& [name, value] : extra) {
    mg_response_header_add(connection, name.c_str(), value.c_str(), -1);
  }
  mg_response_header_send(connection);
  mg_write(connection, body.data(), body.size());
}

// The error as a google.rpc.Status in JSON; `http_status` overrides the code's usual one.
int RespondError(mg_connection* connection, const grpc::Status& status, int http_status = 0) {
  HttpError error = ToHttpError(status);
  if (http_status != 0) error.http_status = http_status;
  std::vector<std::pair<std::string, std::string>> extra;
  if (!error.retry_after.empty()) extra.emplace_back("Retry-After", error.retry_after);
  Respond(connection, error.http_status, kJson, error.json, extra);
  return error.http_status;
}

int RespondError(mg_connection* connection, const absl::Status& status, int http_status = 0) {
  return RespondError(connection, ToGrpcStatus(status), http_status);
}

// The body, or RESOURCE_EXHAUSTED once it passes `limit` (declared or as it arrives).
absl::StatusOr<std::string> ReadBody(mg_connection* connection, size_t limit) {
  const mg_request_info* info = mg_get_request_info(connection);
  auto too_large = [&](absl::string_view size) {
    return Error(absl::StatusCode::kResourceExhausted, "QUOTA_EXCEEDED",
                 absl::StrCat("the request body (", size,
                              ") is larger than the gateway's limit of ", limit, " bytes"));
  };
  if (info->content_length > 0 && static_cast<size_t>(info->content_length) > limit) {
    return too_large(absl::StrCat(info->content_length, " bytes"));
  }
  std::string body;
  if (info->content_length > 0) body.reserve(static_cast<size_t>(info->content_length));
  char buffer[16 * 1024];
  while (true) {
    const int n = mg_read(connection, buffer, sizeof(buffer));
    if (n <= 0) break;
    body.append(buffer, static_cast<size_t>(n));
    if (body.size() > limit) return too_large("more bytes");
  }
  return body;
}

// The headers passed on to the service. gRPC carries only printable ASCII in a text value, and
// a call given anything else fails inside gRPC (in this release, by ending the process): such a
// value is refused here, naming its header, and nothing is called.
absl::StatusOr<Metadata> ForwardedMetadata(const mg_connection* connection) {
  Metadata metadata;
  std::vector<FieldViolation> violations;
  for (const std::string& header : ForwardedHeaders()) {
    const char* value = mg_get_header(connection, header.c_str());
    if (value == nullptr) continue;
    const absl::string_view text(value);
    if (!std::all_of(text.begin(), text.end(), [](char c) { return c >= 0x20 && c <= 0x7e; })) {
      violations.push_back({absl::StrCat("header ", header),
                            "may hold only printable ASCII characters (0x20-0x7E): no tabs, "
                            "control characters or non-ASCII letters"});
      continue;
    }
    metadata.emplace_back(header, std::string(text));
  }
  if (!violations.empty()) return ViolationsError("invalid request header", violations);
  return metadata;
}

// A caller's own deadline for a unary call, in gRPC's `grpc-timeout` form (1 to 8 digits and
// a unit: H, M, S, m, u, n); unset when the header is absent. The gateway's --call_timeout
// stays the most any call gets.
absl::StatusOr<std::optional<absl::Duration>> CallersTimeout(const mg_connection* connection) {
  const char* value = mg_get_header(connection, "grpc-timeout");
  if (value == nullptr) return std::nullopt;
  const absl::string_view text = absl::StripAsciiWhitespace(value);
  int64_t amount = 0;
  const absl::string_view digits = text.substr(0, text.empty() ? 0 : text.size() - 1);
  const char unit = text.empty() ? '\0' : text.back();
  const bool digits_only = !digits.empty() && digits.size() <= 8 &&
                           std::all_of(digits.begin(), digits.end(), absl::ascii_isdigit);
  if (digits_only && absl::SimpleAtoi(digits, &amount)) {
    switch (unit) {
      case 'H':
        return absl::Hours(amount);
      case 'M':
        return absl::Minutes(amount);
      case 'S':
        return absl::Seconds(amount);
      case 'm':
        return absl::Milliseconds(amount);
      case 'u':
        return absl::Microseconds(amount);
      case 'n':
        return absl::Nanoseconds(amount);
      default:
        break;
    }
  }
  return InvalidArgumentError(
      "invalid request header",
      {{"header grpc-timeout",
        "1 to 8 digits and a unit: H (hours), M (minutes), S (seconds), m (milliseconds), u "
        "(microseconds) or n (nanoseconds), as in 30S or 500m"}});
}

// The credential the services will authenticate, written one way, so that callers are told
// apart by it (spelling "Bearer" otherwise or adding spaces gives no second share of streams):
// an invite token if there is one, as the services prefer it, else the Bearer credential.
std::string CredentialOf(const Metadata& metadata) {
  std::string authorization;
  for (const auto& [key, value] : metadata) {
    if (key == auth::kInviteTokenKey && !absl::StripAsciiWhitespace(value).empty()) {
      return absl::StrCat("invite ", absl::StripAsciiWhitespace(value));
    }
    if (key == auth::kAuthorizationKey) authorization = value;
  }
  absl::string_view credential = absl::StripAsciiWhitespace(authorization);
  constexpr absl::string_view kBearer = "bearer ";
  if (absl::StartsWithIgnoreCase(credential, kBearer)) {
    return absl::StrCat("bearer ", absl::StripAsciiWhitespace(credential.substr(kBearer.size())));
  }
  return std::string(credential);
}

int LogCivetweb(const mg_connection*, const char* message) {
  LogWarn("http server", {{"message", message}});
  return 1;
}

}  // namespace

HttpGateway::HttpGateway(GatewayOptions options, const Transcoder& transcoder,
                         const Backends& backends, std::string openapi_json)
    : options_(std::move(options)),
      transcoder_(transcoder),
      backends_(backends),
      openapi_json_(std::move(openapi_json)),
      metrics_("gateway"),
      // Streams always leave a worker they cannot take.
      max_streams_(options_.max_streams > 0
                       ? options_.max_streams
                       : std::max(1, std::min(options_.threads / 2, options_.threads - 1))),
      max_streams_per_caller_(options_.max_streams_per_caller > 0 ? options_.max_streams_per_caller
                                                                  : std::max(1, max_streams_ / 4)) {
}

HttpGateway::~HttpGateway() { Shutdown(); }

absl::StatusOr<std::unique_ptr<HttpGateway>> HttpGateway::Start(const GatewayOptions& options,
                                                                const Transcoder& transcoder,
                                                                const Backends& backends,
                                                                std::string openapi_json) {
  BlockShutdownSignals();
  if (options.threads < 1 || options.max_body_bytes < 1) {
    return absl::InvalidArgumentError("threads and max_body_bytes must be positive");
  }
  auto gateway =
      absl::WrapUnique(new HttpGateway(options, transcoder, backends, std::move(openapi_json)));
  if (!options.metrics_address.empty()) {
    if (absl::Status s = gateway->metrics_.Expose(options.metrics_address); !s.ok()) return s;
    gateway->metrics_port_ = gateway->metrics_.exposed_port();
  }
  mg_init_library(0);
  const std::string threads = absl::StrCat(options.threads);
  // Headers and body go out as two writes: without tcp_nodelay, Nagle's algorithm and the
  // client's delayed ACK hold every response for ~40 ms.
  // clang-format off
  const char* civetweb_options[] = {
      "listening_ports",    options.listen_address.c_str(),
      "num_threads",        threads.c_str(),
      "enable_keep_alive",  "yes",
      "keep_alive_timeout_ms", "30000",
      "request_timeout_ms", "60000",
      "tcp_nodelay",        "1",
      nullptr};
  // clang-format on

  mg_callbacks callbacks{};
  callbacks.log_message = &LogCivetweb;
  gateway->context_ = mg_start(&callbacks, gateway.get(), civetweb_options);
  if (gateway->context_ == nullptr) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", options.listen_address, ": address in use or invalid"));
  }
  mg_set_request_handler(gateway->context_, "/", &HttpGateway::HandleThunk, gateway.get());
  mg_server_port port{};
  if (mg_get_server_ports(gateway->context_, 1, &port) < 1 || port.port <= 0) {
    return absl::InternalError("the HTTP server reports no listening port");
  }
  gateway->port_ = port.port;
  const std::string address = DialAddress(options.listen_address, gateway->port_);
  if (!options.address_file.empty()) {
    if (absl::Status s = WriteFileAtomically(options.address_file, address + "\n"); !s.ok())
      return s;
  }
  LogInfo("serving HTTP", {{"address", address},
                           {"routes", absl::StrCat(transcoder.routes().size())},
                           {"metrics_port", absl::StrCat(gateway->metrics_port_)}});
  return gateway;
}

int HttpGateway::HandleThunk(mg_connection* connection, void* self) {
  return static_cast<HttpGateway*>(self)->Handle(connection);
}

bool HttpGateway::Enter() {
  absl::MutexLock lock(&mu_);
  if (draining_) return false;
  ++in_flight_;
  return true;
}

void HttpGateway::Leave() {
  absl::MutexLock lock(&mu_);
  --in_flight_;
}

absl::Status HttpGateway::OpenStream(size_t caller) {
  absl::MutexLock lock(&mu_);
  int& mine = streams_by_caller_[caller];
  if (mine >= max_streams_per_caller_) {
    if (mine == 0) streams_by_caller_.erase(caller);
    return Error(absl::StatusCode::kResourceExhausted, "QUOTA_EXCEEDED",
                 absl::StrCat("this credential already holds ", max_streams_per_caller_,
                              " open streams at this gateway, the most one caller may; end one "
                              "first"));
  }
  if (streams_open_ >= max_streams_) {
    if (mine == 0) streams_by_caller_.erase(caller);
    return Error(absl::StatusCode::kUnavailable, "UNAVAILABLE",
                 absl::StrCat("this gateway holds ", max_streams_,
                              " open streams, the most it serves at once; retry shortly"));
  }
  ++mine;
  ++streams_open_;
  return absl::OkStatus();
}

void HttpGateway::CloseStream(size_t caller) {
  absl::MutexLock lock(&mu_);
  --streams_open_;
  auto it = streams_by_caller_.find(caller);
  if (it != streams_by_caller_.end() && --it->second == 0) streams_by_caller_.erase(it);
}

int HttpGateway::Handle(mg_connection* connection) {
  const mg_request_info* info = mg_get_request_info(connection);
  const absl::string_view method = info->request_method;
  const absl::string_view path = info->local_uri_raw != nullptr ? info->local_uri_raw : "";
  const absl::string_view query = info->query_string != nullptr ? info->query_string : "";
  if (path == "/healthz") {
    bool draining;
    {
      absl::MutexLock lock(&mu_);
      draining = not_serving_;
    }
    Respond(connection, draining ? 503 : 200, kJson,
            draining ? R"({"status":"NOT_SERVING"})" : R"({"status":"SERVING"})");
    return draining ? 503 : 200;
  }
  if (path == "/openapi.json" && method == "GET") {
    Respond(connection, 200, kJson, openapi_json_);
    return 200;
  }
  if (!Enter()) {
    return RespondError(connection, Error(absl::StatusCode::kUnavailable, "UNAVAILABLE",
                                          "the gateway is shutting down; retry"));
  }
  const absl::Time start = absl::Now();
  // CivetWeb hands the path over percent-decoded; the transcoder decodes each segment itself,
  // so a '%' that was sent encoded must reach it encoded again (never decoded twice).
  const std::string escaped = absl::StrReplaceAll(path, {{"%", "%25"}});
  const int status = HandleApi(connection, method, escaped, query);
  if (options_.access_log) {
    LogInfo("http", {{"method", std::string(method)},
                     {"path", std::string(path)},
                     {"status", absl::StrCat(status)},
                     {"ms", absl::StrCat(absl::ToDoubleMilliseconds(absl::Now() - start))}});
  }
  Leave();
  return status;
}

int HttpGateway::HandleApi(mg_connection* connection, absl::string_view method,
                           absl::string_view path, absl::string_view query) {
  const absl::Time start = absl::Now();
  absl::StatusOr<Transcoder::Match> match = transcoder_.Find(method, path);
  if (!match.ok()) return RespondError(connection, match.status());
  const Route& route = *match->route;
  auto record = [&](grpc::StatusCode code) {
    metrics_.RecordCall(route.grpc_path, code, absl::Now() - start);
  };
  absl::StatusOr<std::string> body = ReadBody(connection, options_.max_body_bytes);
  if (!body.ok()) {
    record(grpc::StatusCode::RESOURCE_EXHAUSTED);
    return RespondError(connection, body.status(), 413);
  }
  absl::StatusOr<std::string> request = transcoder_.Request(*match, query, *body);
  if (!request.ok()) {
    record(static_cast<grpc::StatusCode>(request.status().code()));
    return RespondError(connection, request.status());
  }
  std::shared_ptr<grpc::Channel> channel =
      backends_.ChannelFor(route.method->service()->full_name());
  if (channel == nullptr) {
    record(grpc::StatusCode::UNIMPLEMENTED);
    return RespondError(
        connection, Error(absl::StatusCode::kUnimplemented, "UNIMPLEMENTED",
                          absl::StrCat("no backend serves ", route.method->service()->full_name(),
                                       " at this gateway (its address flag is not set)")));
  }
  absl::StatusOr<Metadata> metadata = ForwardedMetadata(connection);
  if (!metadata.ok()) {
    record(grpc::StatusCode::INVALID_ARGUMENT);
    return RespondError(connection, metadata.status());
  }
  if (route.server_streaming()) {
    const size_t caller = absl::HashOf(CredentialOf(*metadata));
    if (absl::Status admitted = OpenStream(caller); !admitted.ok()) {
      record(static_cast<grpc::StatusCode>(admitted.code()));
      return RespondError(connection, admitted);
    }
    int http_status = 200;
    const grpc::Status status = ForwardStream(connection, route, *request, *metadata, &http_status);
    CloseStream(caller);
    record(status.error_code());
    return http_status;
  }
  absl::StatusOr<std::optional<absl::Duration>> callers_timeout = CallersTimeout(connection);
  if (!callers_timeout.ok()) {
    record(grpc::StatusCode::INVALID_ARGUMENT);
    return RespondError(connection, callers_timeout.status());
  }
  // The caller's time counts from when its request arrived; spent already, nothing is called.
  const absl::Duration timeout =
      std::min(options_.call_timeout,
               callers_timeout->value_or(absl::InfiniteDuration()) - (absl::Now() - start));
  if (timeout <= absl::ZeroDuration()) {
    record(grpc::StatusCode::DEADLINE_EXCEEDED);
    return RespondError(connection,
                        Error(absl::StatusCode::kDeadlineExceeded, "DEADLINE_EXCEEDED",
                              "the caller's grpc-timeout passed before the call could be made"));
  }
  std::string response;
  grpc::Status status =
      CallUnary(channel, route.grpc_path, *request, *metadata, timeout, unary_calls_, &response);
  record(status.error_code());
  if (!status.ok()) return RespondError(connection, status);
  absl::StatusOr<std::string> json = transcoder_.ResponseJson(route, response);
  if (!json.ok()) return RespondError(connection, json.status());
  Respond(connection, 200, kJson, *json);
  return 200;
}

grpc::Status HttpGateway::ForwardStream(mg_connection* connection, const Route& route,
                                        const std::string& request, const Metadata& metadata,
                                        int* http_status) {
  // Headers go out with the first message, so a call refused at once still gets its HTTP
  // status; after that, an error ends the stream as a last {"error": ...} line.
  bool started = false;
  bool client_gone = false;
  absl::Status unconvertible;  // a message the gateway could not write as JSON
  grpc::Status status = CallServerStreaming(
      backends_.ChannelFor(route.method->service()->full_name()), route.grpc_path, request,
      metadata, streams_, [&](const std::string& message) {
        absl::StatusOr<std::string> json = transcoder_.ResponseJson(route, message);
        if (!json.ok()) {
          unconvertible = json.status();
          return false;
        }
        if (!started) {
          started = true;
          mg_response_header_start(connection, 200);
          mg_response_header_add(connection, "Content-Type", kNdJson, -1);
          mg_response_header_add(connection, "Transfer-Encoding", "chunked", -1);
          mg_response_header_send(connection);
        }
        const std::string line = absl::StrCat(R"({"result":)", *json, "}\n");
        client_gone =
            mg_send_chunk(connection, line.data(), static_cast<unsigned>(line.size())) <= 0;
        return !client_gone;
      });
  if (!unconvertible.ok()) {
    LogError("a stream message could not be written as JSON",
             {{"method", route.grpc_path}, {"error", unconvertible.ToString()}});
    status = grpc::Status(grpc::StatusCode::INTERNAL,
                          "the gateway could not write a message of the stream as JSON");
  }
  if (!started) {
    if (status.ok()) {
      Respond(connection, 200, kNdJson, "");
    } else {
      *http_status = RespondError(connection, status);
    }
    return status;
  }
  if (!status.ok() && !client_gone) {
    const std::string line = absl::StrCat(R"({"error":)", ToHttpError(status).json, "}\n");
    mg_send_chunk(connection, line.data(), static_cast<unsigned>(line.size()));
  }
  if (!client_gone) mg_send_chunk(connection, "", 0);
  return status;
}

void HttpGateway::Shutdown() {
  {
    absl::MutexLock lock(&mu_);
    if (stopped_ || context_ == nullptr) return;
    stopped_ = true;
    not_serving_ = true;
  }
  if (options_.drain_grace > absl::ZeroDuration()) {
    LogInfo("not serving; still taking requests",
            {{"grace_ms", absl::StrCat(absl::ToInt64Milliseconds(options_.drain_grace))}});
    absl::SleepFor(options_.drain_grace);
  }
  {
    absl::MutexLock lock(&mu_);
    draining_ = true;
  }
  LogInfo("draining",
          {{"deadline_s", absl::StrCat(absl::ToInt64Seconds(options_.drain_deadline))}});
  // A watch never ends by itself: end every stream now; unary calls get the deadline.
  streams_.CancelAll();
  {
    absl::MutexLock lock(&mu_);
    auto idle = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return in_flight_ == 0; };
    if (!mu_.AwaitWithTimeout(absl::Condition(&idle), options_.drain_deadline)) {
      LogWarn("drain deadline passed; ending the calls still in flight",
              {{"in_flight", absl::StrCat(in_flight_)}});
    }
  }
  // Calls still running past the deadline end now (UNAVAILABLE) rather than at their own.
  unary_calls_.CancelAll();
  mg_stop(context_);
  context_ = nullptr;
  LogInfo("stopped");
}

int HttpGateway::WaitForShutdownSignal() {
  AwaitShutdownSignal();
  Shutdown();
  return 0;
}

}  // namespace lagom::gateway
