// lagom-gateway: every public RPC of Lagom over HTTP/JSON, for ITSM platforms and other REST
// clients. Flags and wiring only; the transcoder reads the routes from the API's descriptors.
#include <grpcpp/create_channel.h>

#include <fstream>
#include <iostream>
#include <memory>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "common/config.h"
#include "common/log.h"
#include "common/server_flags.h"
#include "services/gateway/api_descriptors.h"
#include "services/gateway/http_gateway.h"
#include "services/gateway/openapi.h"
#include "services/gateway/transcoder.h"

ABSL_FLAG(std::string, questionnaire_addr, "",
          "Questionnaire service HOST:PORT (QuestionnaireService, CatalogService, TenantService)");
ABSL_FLAG(std::string, session_addr, "", "Session service HOST:PORT");
ABSL_FLAG(std::string, scoring_addr, "", "Scoring service HOST:PORT");
ABSL_FLAG(std::string, reporting_addr, "", "Reporting service HOST:PORT");
ABSL_FLAG(absl::Duration, call_timeout, absl::Seconds(30), "Deadline of each unary call");
// 6 MiB: the largest import payload (4 MiB, ImportCatalog) is some 5.6 MB as base64 in JSON.
ABSL_FLAG(int64_t, max_body_bytes, 6 << 20, "Largest request body accepted (larger: 413)");
ABSL_FLAG(int, http_threads, 64,
          "HTTP worker threads: the most concurrent connections (keep-alive holds one each)");
ABSL_FLAG(int, max_streams, 0,
          "Streams (watches) open at once; 0: half of --http_threads. Past it: 503");
ABSL_FLAG(int, max_streams_per_caller, 0,
          "Streams open at once with one credential; 0: a quarter of --max_streams. Past it: 429");
ABSL_FLAG(std::string, openapi_out, "",
          "Write the OpenAPI document to this file and exit (docs/openapi.json)");
ABSL_DECLARE_FLAG(bool, allow_plaintext);

namespace {

constexpr char kService[] = "gateway";

// Which process serves each proto service, by the flag that names its address.
struct BackendFlag {
  const char* service;
  const absl::Flag<std::string>* flag;
  const char* flag_name;
};

std::vector<BackendFlag> BackendFlags() {
  return {{"lagom.questionnaire.v1.QuestionnaireService", &FLAGS_questionnaire_addr,
           "questionnaire_addr"},
          {"lagom.catalog.v1.CatalogService", &FLAGS_questionnaire_addr, "questionnaire_addr"},
          {"lagom.tenancy.v1.TenantService", &FLAGS_questionnaire_addr, "questionnaire_addr"},
          {"lagom.session.v1.SessionService", &FLAGS_session_addr, "session_addr"},
          {"lagom.scoring.v1.ScoringService", &FLAGS_scoring_addr, "scoring_addr"},
          {"lagom.reporting.v1.ReportingService", &FLAGS_reporting_addr, "reporting_addr"}};
}

template <typename T>
T OrDie(absl::StatusOr<T> value) {
  if (!value.ok()) lagom::DieWithConfigError(kService, value.status());
  return *std::move(value);
}

}  // namespace

int main(int argc, char** argv) {
  lagom::ParseCommandLineOrDie(argc, argv, "lagom-gateway: Lagom's API over HTTP/JSON");
  lagom::InitLogging(kService);
  std::unique_ptr<lagom::gateway::Transcoder> transcoder = OrDie(lagom::gateway::ApiTranscoder());
  const std::string openapi = lagom::gateway::OpenApiDocument(*transcoder);
  if (const std::string out = absl::GetFlag(FLAGS_openapi_out); !out.empty()) {
    std::ofstream file(out, std::ios::trunc);
    file << openapi;
    if (!file.flush()) {
      lagom::DieWithConfigError(kService,
                                absl::UnavailableError(absl::StrCat("cannot write ", out)));
    }
    return 0;
  }

  const lagom::ServerOptions server = lagom::ServerOptionsFromFlags(kService);
  if (!absl::GetFlag(FLAGS_allow_plaintext)) {
    lagom::DieWithConfigError(
        kService, absl::InvalidArgumentError(
                      "the gateway serves plain HTTP: terminate TLS in front of it (an ingress "
                      "or proxy) and pass --allow_plaintext"));
  }
  lagom::gateway::Backends backends;
  std::vector<BackendFlag> flags = BackendFlags();
  for (const lagom::gateway::Route& route : transcoder->routes()) {
    const std::string& service = route.method->service()->full_name();
    auto it = std::find_if(flags.begin(), flags.end(),
                           [&](const BackendFlag& f) { return f.service == service; });
    if (it == flags.end()) {
      lagom::DieWithConfigError(kService, absl::InternalError(absl::StrCat(
                                              service, " has HTTP routes but no backend flag")));
    }
  }
  for (const BackendFlag& backend : flags) {
    const std::string address = absl::GetFlag(*backend.flag);
    if (address.empty()) {
      lagom::LogWarn("a backend address is not set; its routes answer 501",
                     {{"flag", backend.flag_name}, {"service", backend.service}});
      continue;
    }
    backends.Add(backend.service, lagom::ServiceChannelOrDie(kService, backend.flag_name, address));
  }

  lagom::gateway::GatewayOptions options;
  options.listen_address = server.listen_address;
  options.address_file = server.address_file;
  options.metrics_address = server.metrics_address;
  options.drain_deadline = server.drain_deadline;
  options.drain_grace = server.drain_grace;
  options.access_log = server.access_log;
  options.call_timeout = absl::GetFlag(FLAGS_call_timeout);
  options.threads = absl::GetFlag(FLAGS_http_threads);
  options.max_streams = absl::GetFlag(FLAGS_max_streams);
  options.max_streams_per_caller = absl::GetFlag(FLAGS_max_streams_per_caller);
  const int64_t max_body = absl::GetFlag(FLAGS_max_body_bytes);
  if (max_body < 1 || options.threads < 1 || options.threads > 1024 ||
      options.call_timeout <= absl::ZeroDuration() || options.max_streams < 0 ||
      options.max_streams >= options.threads || options.max_streams_per_caller < 0) {
    lagom::DieWithConfigError(
        kService, absl::InvalidArgumentError(
                      "--max_body_bytes and --call_timeout must be positive, --http_threads "
                      "1..1024, --max_streams 0..(--http_threads - 1), "
                      "--max_streams_per_caller 0 or more"));
  }
  options.max_body_bytes = static_cast<size_t>(max_body);
  std::unique_ptr<lagom::gateway::HttpGateway> gateway =
      OrDie(lagom::gateway::HttpGateway::Start(options, *transcoder, backends, openapi));
  return gateway->WaitForShutdownSignal();
}
