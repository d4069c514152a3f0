#include "common/metrics.h"

#include <exception>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/log.h"
#include "common/strings.h"

namespace lagom {
namespace {

using grpc::experimental::InterceptionHookPoints;

// Latency buckets from 1 ms to ~10 s: assessment RPCs are interactive.
prometheus::Histogram::BucketBoundaries LatencyBuckets() {
  return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

std::string CodeName(grpc::StatusCode code) {
  return absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
}

// One per call: times the call from its metadata arriving to its status leaving.
class MetricsInterceptor final : public grpc::experimental::Interceptor {
 public:
  MetricsInterceptor(Metrics* metrics, const char* method, bool access_log)
      : metrics_(metrics), method_(method), access_log_(access_log) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      start_ = absl::Now();
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      Record(methods->GetSendStatus().error_code());
    }
    methods->Proceed();
  }

 private:
  void Record(grpc::StatusCode code) {
    const absl::Duration latency = absl::Now() - start_;
    metrics_->RecordCall(method_, code, latency);
    if (access_log_) {
      Log(LogLevel::kDebug, "rpc",
          {{"method", std::string(method_)},
           {"code", CodeName(code)},
           {"latency_ms", absl::StrFormat("%.3f", absl::ToDoubleMilliseconds(latency))}});
    }
  }

  Metrics* const metrics_;
  const std::string_view method_;
  const bool access_log_;
  absl::Time start_ = absl::Now();
};

class MetricsInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  MetricsInterceptorFactory(Metrics* metrics, bool access_log)
      : metrics_(metrics), access_log_(access_log) {}

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new MetricsInterceptor(metrics_, info->method(), access_log_);
  }

 private:
  Metrics* const metrics_;
  const bool access_log_;
};

}  // namespace

Metrics::Metrics(std::string service)
    : service_(std::move(service)),
      registry_(std::make_shared<prometheus::Registry>()),
      calls_(prometheus::BuildCounter()
                 .Name("lagom_rpc_calls_total")
                 .Help("RPCs handled, by method and status code")
                 .Register(*registry_)),
      errors_(prometheus::BuildCounter()
                  .Name("lagom_rpc_errors_total")
                  .Help("RPCs that ended with a non-OK status")
                  .Register(*registry_)),
      latency_(prometheus::BuildHistogram()
                   .Name("lagom_rpc_latency_seconds")
                   .Help("RPC latency from request metadata to status")
                   .Register(*registry_)) {}

Metrics::~Metrics() = default;

absl::Status Metrics::Expose(const std::string& address) {
  try {
    exposer_ = std::make_unique<prometheus::Exposer>(address);
  } catch (const std::exception& e) {
    return absl::UnavailableError(
        absl::StrCat("cannot serve metrics on ", address, ": address in use or invalid"));
  }
  exposer_->RegisterCollectable(registry_);
  return absl::OkStatus();
}

int Metrics::exposed_port() const {
  if (exposer_ == nullptr) return 0;
  std::vector<int> ports = exposer_->GetListeningPorts();
  return ports.empty() ? 0 : ports.front();
}

Metrics::MethodMetrics& Metrics::ForMethod(std::string_view method) {
  auto it = by_method_.find(ToAbsl(method));
  if (it != by_method_.end()) return it->second;
  MethodMetrics& m = by_method_[std::string(method)];
  m.latency =
      &latency_.Add({{"service", service_}, {"method", std::string(method)}}, LatencyBuckets());
  return m;
}

void Metrics::RecordCall(std::string_view method, grpc::StatusCode code, absl::Duration latency) {
  const int index = static_cast<int>(code);
  if (index < 0 || index >= kCodes) return;
  absl::MutexLock lock(&mu_);
  MethodMetrics& m = ForMethod(method);
  auto counter = [&](prometheus::Family<prometheus::Counter>& family) {
    return &family.Add(
        {{"service", service_}, {"method", std::string(method)}, {"code", CodeName(code)}});
  };
  if (m.calls[index] == nullptr) m.calls[index] = counter(calls_);
  m.calls[index]->Increment();
  if (code != grpc::StatusCode::OK) {
    if (m.errors[index] == nullptr) m.errors[index] = counter(errors_);
    m.errors[index]->Increment();
  }
  m.latency->Observe(absl::ToDoubleSeconds(latency));
}

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> Metrics::InterceptorFactory(
    bool access_log) {
  return std::make_unique<MetricsInterceptorFactory>(this, access_log);
}

}  // namespace lagom
