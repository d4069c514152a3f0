// The closed-loop driver: keeps exactly `inflight` unary calls outstanding on gRPC's callback
// client API (each completion starts the next call) for a bounded time and a bounded number of
// calls, and records every call's latency and status.
#ifndef LAGOM_TOOLS_LOADGEN_LOAD_H_
#define LAGOM_TOOLS_LOADGEN_LOAD_H_

#include <grpcpp/channel.h>
#include <grpcpp/support/status.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "tools/loadgen/stats.h"

namespace lagom::loadgen {

// One call's request and metadata, for loads whose calls differ (one respondent's token and
// answer per call, a fresh request_id each time).
struct CallSpec {
  std::string request;                                        // serialized request message
  std::vector<std::pair<std::string, std::string>> metadata;  // added to LoadOptions::metadata
};

// Fills the next call of call slot `slot` (0..inflight-1). A slot's calls run one after
// another, so it is never called concurrently for one slot; it is for different slots.
using CallMaker = std::function<void(int slot, CallSpec& call)>;

struct LoadOptions {
  std::string method;                                         // "/pkg.Service/Method"
  std::string request;                                        // serialized request message
  std::vector<std::pair<std::string, std::string>> metadata;  // sent with every call
  // If set, every call's request and extra metadata come from it and `request` is unused.
  // Making the call is then part of the measured client work, for every target alike.
  CallMaker make_call;
  int inflight = 16;
  absl::Duration duration = absl::Seconds(10);  // measured, after the warm-up
  // Calls started during the warm-up (connection set-up, first-call allocations) are not
  // recorded.
  absl::Duration warmup = absl::Milliseconds(500);
  int64_t max_calls = 10'000'000;  // hard cap on calls started, warm-up included
  absl::Duration call_timeout = absl::Seconds(5);
};

// "UNAVAILABLE" for grpc::StatusCode::UNAVAILABLE: how errors are counted in Samples.
const char* StatusCodeName(grpc::StatusCode code);

// Only loopback targets ("127.0.0.1:PORT", "localhost:PORT", "[::1]:PORT"): loadgen is for
// measuring on this machine, never for flooding someone else's.
absl::Status CheckLoopbackTarget(const std::string& target);

// `channels` plaintext channels to `target`, each with its own connection.
std::vector<std::shared_ptr<grpc::Channel>> MakeChannels(const std::string& target, int channels);

// Waits until every channel is connected; UNAVAILABLE with the target if one is not within
// `timeout`.
absl::Status WaitConnected(const std::vector<std::shared_ptr<grpc::Channel>>& channels,
                           const std::string& target, absl::Duration timeout);

// One call with `options`' method, request and metadata: OK, or the call's status as an
// absl::Status naming the method. Run before the load so a refused call says why at once.
absl::Status CallOnce(grpc::Channel& channel, const LoadOptions& options);

// Drives the load; call slots are spread round-robin over `channels`. The measured window runs
// from the end of the warm-up to the last completion of a recorded call.
Samples RunLoad(const std::vector<std::shared_ptr<grpc::Channel>>& channels,
                const LoadOptions& options);

}  // namespace lagom::loadgen

#endif  // LAGOM_TOOLS_LOADGEN_LOAD_H_
