// Channels to Lagom's services, as every service, tool and client in this repository opens
// them: one target may name several replicas, calls are spread over the healthy ones
// (round_robin with client-side health checking on grpc.health.v1), and a call that fails
// UNAVAILABLE (the replica died or is draining before it took the call) is retried on another.
//
// Addresses a flag or LAGOM_<SVC>_ADDR may hold:
//   host:port                 one name; every address it resolves to is a replica (in
//                             Kubernetes a headless Service: one address per ready pod)
//   ip:port,ip:port,...       a fixed list of replicas (tools/stack up --replicas N)
//   scheme:...                any gRPC target URI (dns:///, ipv4:, ipv6:, unix:) as it is
//
// Retrying is safe for Lagom's writes: each takes a request_id, and a retried call with the
// same id is answered from the first one's record (SubmitAnswer, CreateSession, ...).
#ifndef LAGOM_COMMON_CHANNEL_H_
#define LAGOM_COMMON_CHANNEL_H_

#include <grpcpp/channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace lagom {

// The largest message a Lagom service sends, and so what every channel to one receives.
// Scorecards are the largest: one at scoring's documented limits (500 organisations, 300 items,
// 100 000 answers) measures up to about 20 MB (docs/api.md, "Message sizes"). What a server
// takes in is bounded by ServerOptions::max_message_bytes; scoring and reporting take this much
// too (ScoreResponses' answers, RecordScorecard's scorecard).
inline constexpr int kMaxMessageBytes = 64 << 20;

// The gRPC target for `address` (see above), or INVALID_ARGUMENT naming what is wrong.
absl::StatusOr<std::string> ChannelTarget(absl::string_view address);

// The service config the channels use: round_robin, health checking, and a retry policy of
// up to 5 attempts on UNAVAILABLE (backoff 50 ms doubling to 1 s) for every method.
const std::string& ServiceConfigJson();

// Channel arguments with that service config, a short reconnect backoff (a replica that
// comes back is used again within about a second) and replies of up to kMaxMessageBytes.
grpc::ChannelArguments ServiceChannelArguments();

// A channel to `address` with those arguments, or INVALID_ARGUMENT for a bad address.
absl::StatusOr<std::shared_ptr<grpc::Channel>> CreateServiceChannel(
    absl::string_view address, const std::shared_ptr<grpc::ChannelCredentials>& credentials);

}  // namespace lagom

#endif  // LAGOM_COMMON_CHANNEL_H_
