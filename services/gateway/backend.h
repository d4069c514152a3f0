// Calls to the services behind the gateway: generic gRPC calls (no generated stubs) by method
// path, carrying the caller's credentials as they came and nothing of the gateway's own.
#ifndef LAGOM_SERVICES_GATEWAY_BACKEND_H_
#define LAGOM_SERVICES_GATEWAY_BACKEND_H_

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <grpcpp/support/status.h>

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace lagom::gateway {

using Metadata = std::vector<std::pair<std::string, std::string>>;

// The request headers that travel as gRPC metadata, as the services read them: API keys and
// JWTs (authorization: Bearer ...), invite tokens (x-lagom-invite-token) and the request id
// (x-request-id). Nothing else passes, the services' own credentials (x-lagom-service-token,
// x-lagom-on-behalf-of-bin) least of all.
const std::vector<std::string>& ForwardedHeaders();

// One channel per proto service; several services may share one (questionnaire serves three).
class Backends final {
 public:
  void Add(const std::string& service, std::shared_ptr<grpc::Channel> channel);
  // Null when no backend serves `service` (its address flag is not set).
  std::shared_ptr<grpc::Channel> ChannelFor(absl::string_view service) const;

 private:
  absl::flat_hash_map<std::string, std::shared_ptr<grpc::Channel>> channels_;
};

// Calls in flight, so that shutdown can end them: streams at once (a watch never ends itself),
// unary calls once the drain deadline has passed.
class CallRegistry final {
 public:
  // Returns false once CancelAll has run: the call must not start.
  bool Add(grpc::ClientContext* context);
  void Remove(grpc::ClientContext* context);
  void CancelAll();
  // Whether CancelAll has run.
  bool cancelled();

 private:
  absl::Mutex mu_;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  absl::flat_hash_set<grpc::ClientContext*> contexts_ ABSL_GUARDED_BY(mu_);
};

// Unary call of `method` ("/pkg.Service/Method") with the serialized `request`; blocks the
// calling thread until it completes, `timeout` passes or `calls` is cancelled (UNAVAILABLE).
grpc::Status CallUnary(const std::shared_ptr<grpc::Channel>& channel, const std::string& method,
                       const std::string& request, const Metadata& metadata, absl::Duration timeout,
                       CallRegistry& calls, std::string* response);

// Server-streaming call: `on_message` gets each serialized response and returns false to
// cancel the call (the HTTP client went away). Blocks until the stream ends; a stream ended by
// `streams`' CancelAll ends UNAVAILABLE (reconnect), not CANCELLED.
grpc::Status CallServerStreaming(const std::shared_ptr<grpc::Channel>& channel,
                                 const std::string& method, const std::string& request,
                                 const Metadata& metadata, CallRegistry& streams,
                                 const std::function<bool(const std::string&)>& on_message);

}  // namespace lagom::gateway

#endif  // LAGOM_SERVICES_GATEWAY_BACKEND_H_
