// Closed-loop HTTP load, the REST side of `loadgen gateway`: `inflight` threads, each with its
// own keep-alive connection, send the same request back to back for a bounded time, recording
// every call's latency and HTTP status like RunLoad does for gRPC.
#ifndef LAGOM_TOOLS_LOADGEN_HTTP_LOAD_H_
#define LAGOM_TOOLS_LOADGEN_HTTP_LOAD_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "tools/loadgen/load.h"
#include "tools/loadgen/stats.h"

namespace lagom::loadgen {

struct HttpCall {
  std::string base;  // http://HOST:PORT
  std::string method = "GET";
  std::string target;  // path and query
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// One call: OK on a 2xx, else the status and body. Run before the load.
absl::Status HttpCallOnce(const HttpCall& call, absl::Duration timeout);

// Uses LoadOptions' inflight, duration, warmup, max_calls and call_timeout. Errors are counted
// as "HTTP <status>" (or "UNAVAILABLE" when no response came).
Samples RunHttpLoad(const HttpCall& call, const LoadOptions& options);

}  // namespace lagom::loadgen

#endif  // LAGOM_TOOLS_LOADGEN_HTTP_LOAD_H_
