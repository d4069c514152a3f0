// Prometheus metrics per service: RPC calls, errors and latency, recorded by a gRPC server
// interceptor, exposed over HTTP (prometheus-cpp pull) when an address is configured.
#ifndef LAGOM_COMMON_METRICS_H_
#define LAGOM_COMMON_METRICS_H_

#include <grpcpp/support/server_interceptor.h>
#include <grpcpp/support/status.h>
#include <prometheus/counter.h>
#include <prometheus/exposer.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <array>
#include <memory>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace lagom {

class Metrics final {
 public:
  explicit Metrics(std::string service);
  ~Metrics();

  prometheus::Registry& registry() { return *registry_; }

  // Starts the HTTP exposer on `address` ("127.0.0.1:0" picks a free port).
  absl::Status Expose(const std::string& address);
  int exposed_port() const;

  // `method` is the full gRPC path, "/pkg.Service/Method".
  void RecordCall(std::string_view method, grpc::StatusCode code, absl::Duration latency);

  // For ServerBuilder::experimental().SetInterceptorCreators. Metrics must outlive the server.
  std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> InterceptorFactory(
      bool access_log);

 private:
  static constexpr int kCodes = 17;
  struct MethodMetrics {
    prometheus::Histogram* latency = nullptr;
    std::array<prometheus::Counter*, kCodes> calls{};
    std::array<prometheus::Counter*, kCodes> errors{};
  };
  MethodMetrics& ForMethod(std::string_view method) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string service_;
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& calls_;
  prometheus::Family<prometheus::Counter>& errors_;
  prometheus::Family<prometheus::Histogram>& latency_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  // Family::Add hashes the label map on every call; caching the metric pointers keeps the
  // hot path to one flat_hash_map lookup.
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, MethodMetrics> by_method_ ABSL_GUARDED_BY(mu_);
};

}  // namespace lagom

#endif  // LAGOM_COMMON_METRICS_H_
