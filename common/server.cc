#include "common/server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/impl/server_builder_option.h>
#include <grpcpp/impl/server_builder_plugin.h>
#include <grpcpp/impl/server_initializer.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>
#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "absl/memory/memory.h"
#include "absl/strings/str_cat.h"
#include "common/channel.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/strings.h"

namespace lagom {
namespace {

// gRPC keeps the names of registered services private; a builder plugin is handed them once
// BuildAndStart has registered everything (health and reflection included).
class ServiceNamesPlugin final : public grpc::ServerBuilderPlugin {
 public:
  explicit ServiceNamesPlugin(std::vector<std::string>* out) : out_(out) {}
  std::string name() override { return "lagom_service_names"; }
  void InitServer(grpc::ServerInitializer*) override {}
  void Finish(grpc::ServerInitializer* si) override { *out_ = *si->GetServiceList(); }
  void ChangeArguments(const std::string&, void*) override {}

 private:
  std::vector<std::string>* const out_;
};

class ServiceNamesOption final : public grpc::ServerBuilderOption {
 public:
  explicit ServiceNamesOption(std::vector<std::string>* out) : out_(out) {}
  void UpdateArguments(grpc::ChannelArguments*) override {}
  void UpdatePlugins(std::vector<std::unique_ptr<grpc::ServerBuilderPlugin>>* plugins) override {
    plugins->push_back(std::make_unique<ServiceNamesPlugin>(out_));
  }

 private:
  std::vector<std::string>* const out_;
};

sigset_t ShutdownSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return set;
}

}  // namespace

void BlockShutdownSignals() {
  const sigset_t signals = ShutdownSignals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
}

void AwaitShutdownSignal() {
  const sigset_t signals = ShutdownSignals();
  int signal = 0;
  sigwait(&signals, &signal);
  LogInfo("shutdown signal", {{"signal", signal == SIGTERM ? "SIGTERM" : "SIGINT"}});
}

std::string DialAddress(std::string_view listen_address, int port) {
  std::string_view host = listen_address.substr(0, listen_address.rfind(':'));
  if (host.empty() || host == "0.0.0.0" || host == "[::]") host = "127.0.0.1";
  return absl::StrCat(ToAbsl(host), ":", port);
}

absl::Status WriteFileAtomically(const std::string& path, std::string_view content) {
  const std::string tmp = absl::StrCat(path, ".tmp");
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << content;
    if (!out.flush()) return absl::InternalError(absl::StrCat("cannot write ", tmp));
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return absl::InternalError(absl::StrCat("cannot write ", path, ": ", ec.message()));
  return absl::OkStatus();
}

Server::Server(ServerOptions options, std::unique_ptr<Metrics> metrics)
    : options_(std::move(options)), metrics_(std::move(metrics)) {}

Server::~Server() { Shutdown(); }

absl::StatusOr<std::unique_ptr<Server>> Server::Start(const ServerOptions& options,
                                                      std::vector<grpc::Service*> services) {
  if (options.service_name.empty()) return absl::InvalidArgumentError("service_name is empty");
  BlockShutdownSignals();

  auto server =
      absl::WrapUnique(new Server(options, std::make_unique<Metrics>(options.service_name)));
  if (!options.metrics_address.empty()) {
    if (absl::Status s = server->metrics_->Expose(options.metrics_address); !s.ok()) return s;
    server->metrics_port_ = server->metrics_->exposed_port();
  }

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  // Without this a second server could share the port and split the traffic silently.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  // Clients that balance over a name's addresses (common/channel.h) resolve it again when a
  // connection ends: closing each one after a few minutes (streams on it carry on) lets them
  // find replicas added since.
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_MS, 5 * 60 * 1000);
  builder.AddListeningPort(
      options.listen_address,
      options.credentials ? options.credentials : grpc::InsecureServerCredentials(),
      &server->port_);
  builder.SetMaxReceiveMessageSize(options.max_message_bytes);
  builder.SetMaxSendMessageSize(std::max(options.max_message_bytes, kMaxMessageBytes));
  builder.SetOption(std::make_unique<ServiceNamesOption>(&server->service_names_));
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> creators;
  creators.push_back(server->metrics_->InterceptorFactory(options.access_log));
  builder.experimental().SetInterceptorCreators(std::move(creators));
  for (grpc::Service* service : services) builder.RegisterService(service);

  server->server_ = builder.BuildAndStart();
  if (server->server_ == nullptr || server->port_ == 0) {
    server->server_.reset();
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", options.listen_address, ": address in use or invalid"));
  }
  server->SetServing(true);
  const std::string address = DialAddress(options.listen_address, server->port_);
  if (!options.address_file.empty()) {
    if (absl::Status s = WriteFileAtomically(options.address_file, address + "\n"); !s.ok())
      return s;
  }
  LogInfo("serving", {{"address", address}, {"metrics_port", absl::StrCat(server->metrics_port_)}});
  return server;
}

void Server::SetServing(bool serving) {
  grpc::HealthCheckServiceInterface* health = server_->GetHealthCheckService();
  health->SetServingStatus("", serving);
  for (const std::string& name : service_names_) health->SetServingStatus(name, serving);
}

void Server::OnDrain(std::function<void()> callback) {
  absl::MutexLock lock(&shutdown_mu_);
  if (!shut_down_) on_drain_.push_back(std::move(callback));
}

void Server::Shutdown() {
  absl::MutexLock lock(&shutdown_mu_);
  if (shut_down_ || server_ == nullptr) return;
  shut_down_ = true;
  // Load balancers watching health stop sending new calls while in-flight ones finish.
  SetServing(false);
  LogInfo("draining",
          {{"deadline_s", absl::StrCat(absl::ToInt64Seconds(options_.drain_deadline))}});
  if (options_.drain_grace > absl::ZeroDuration()) absl::SleepFor(options_.drain_grace);
  for (const std::function<void()>& callback : on_drain_) callback();
  server_->Shutdown(absl::ToChronoTime(absl::Now() + options_.drain_deadline));
  server_->Wait();
  LogInfo("stopped");
}

int Server::WaitForShutdownSignal() {
  AwaitShutdownSignal();
  Shutdown();
  return 0;
}

}  // namespace lagom
