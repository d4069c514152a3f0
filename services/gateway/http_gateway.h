// The gateway's HTTP side: CivetWeb worker threads each take one request, transcode it, make
// the gRPC call and write the JSON answer (unary), or newline-delimited JSON as the messages
// arrive (server streaming). Also /healthz, /openapi.json and Prometheus metrics, and a
// graceful drain on SIGTERM like every other Lagom process.
#ifndef LAGOM_SERVICES_GATEWAY_HTTP_GATEWAY_H_
#define LAGOM_SERVICES_GATEWAY_HTTP_GATEWAY_H_

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/metrics.h"
#include "services/gateway/backend.h"
#include "services/gateway/transcoder.h"

struct mg_connection;
struct mg_context;

namespace lagom::gateway {

struct GatewayOptions {
  std::string listen_address = "127.0.0.1:0";  // HOST:PORT; port 0 picks a free one
  std::string address_file{};                  // written with "HOST:PORT\n" once listening
  std::string metrics_address{};               // "" = no /metrics
  absl::Duration drain_deadline = absl::Seconds(10);
  // On SIGTERM, how long /healthz says NOT_SERVING while requests are still served, so load
  // balancers move away before the gateway refuses anything.
  absl::Duration drain_grace = absl::ZeroDuration();
  absl::Duration call_timeout = absl::Seconds(30);  // deadline of each unary call
  size_t max_body_bytes = 4 << 20;                  // larger request bodies: 413
  int threads = 64;  // HTTP workers: concurrent connections (keep-alive holds one each)
  // A stream holds its worker for as long as it lasts: at most this many at once (0: half the
  // workers), and at most max_streams_per_caller for one credential (0: a quarter of
  // max_streams), so watches can neither take every worker nor be taken by one caller.
  int max_streams = 0;
  int max_streams_per_caller = 0;
  bool access_log = false;
};

class HttpGateway final {
 public:
  // `transcoder` and `backends` are not owned and must outlive the gateway. Blocks SIGTERM and
  // SIGINT first (as lagom::Server does), for WaitForShutdownSignal.
  static absl::StatusOr<std::unique_ptr<HttpGateway>> Start(const GatewayOptions& options,
                                                            const Transcoder& transcoder,
                                                            const Backends& backends,
                                                            std::string openapi_json);
  ~HttpGateway();

  int port() const { return port_; }
  int metrics_port() const { return metrics_port_; }

  // /healthz answers 503, new API requests are refused with UNAVAILABLE, streams are ended,
  // in-flight unary calls get up to the drain deadline; then the listener closes. Idempotent.
  void Shutdown();
  // Blocks until SIGTERM or SIGINT, then Shutdown(); returns the process exit code (0).
  int WaitForShutdownSignal();

 private:
  HttpGateway(GatewayOptions options, const Transcoder& transcoder, const Backends& backends,
              std::string openapi_json);
  static int HandleThunk(mg_connection* connection, void* self);
  int Handle(mg_connection* connection);
  int HandleApi(mg_connection* connection, absl::string_view method, absl::string_view path,
                absl::string_view query);
  // Writes the stream as newline-delimited JSON (200 once the first message came; the error's
  // HTTP status if the call failed before); returns the call's status.
  grpc::Status ForwardStream(mg_connection* connection, const Route& route,
                             const std::string& request, const Metadata& metadata,
                             int* http_status);
  bool Enter();
  void Leave();
  // Admits one more stream of `caller` (a hash of its credential), or says which limit it met.
  absl::Status OpenStream(size_t caller);
  void CloseStream(size_t caller);

  const GatewayOptions options_;
  const Transcoder& transcoder_;
  const Backends& backends_;
  const std::string openapi_json_;
  Metrics metrics_;
  CallRegistry streams_;
  CallRegistry unary_calls_;
  mg_context* context_ = nullptr;
  int port_ = 0;
  int metrics_port_ = 0;

  absl::Mutex mu_;
  bool not_serving_ ABSL_GUARDED_BY(mu_) = false;  // /healthz 503 from SIGTERM on
  bool draining_ ABSL_GUARDED_BY(mu_) = false;     // new requests refused
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  int in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  const int max_streams_;
  const int max_streams_per_caller_;
  int streams_open_ ABSL_GUARDED_BY(mu_) = 0;
  absl::flat_hash_map<size_t, int> streams_by_caller_ ABSL_GUARDED_BY(mu_);
};

}  // namespace lagom::gateway

#endif  // LAGOM_SERVICES_GATEWAY_HTTP_GATEWAY_H_
