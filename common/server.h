// The bootstrap every Lagom service uses: callback-API gRPC server with health, reflection,
// metrics and access logs, graceful drain, and SIGTERM/SIGINT handling.
#ifndef LAGOM_COMMON_SERVER_H_
#define LAGOM_COMMON_SERVER_H_

#include <grpcpp/impl/service_type.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace lagom {

class Metrics;

// Every member has an initializer so designated initializers compile warning-free.
struct ServerOptions {
  std::string service_name{};  // short name: "session", used in logs and metrics
  std::string listen_address = "127.0.0.1:0";
  std::string address_file{};     // written with "HOST:PORT\n" once bound; "" = none
  std::string metrics_address{};  // "" = off, "127.0.0.1:0" = free port
  absl::Duration drain_deadline = absl::Seconds(10);
  // On shutdown, how long the server stays up NOT_SERVING before it stops taking calls:
  // clients watching its health move new calls to other replicas meanwhile, so none arrives
  // as it stops (such a call would fail CANCELLED, which clients do not retry).
  absl::Duration drain_grace = absl::ZeroDuration();
  // The largest request the server takes in; it sends replies of up to kMaxMessageBytes
  // (common/channel.h).
  int max_message_bytes = 4 << 20;
  bool access_log = false;  // one debug line per call
  // TLS (and mTLS when it verifies client certificates); null: plaintext, which start-up
  // allows only when explicitly asked to (--allow_plaintext).
  std::shared_ptr<grpc::ServerCredentials> credentials;
};

class Server final {
 public:
  // Blocks SIGTERM and SIGINT in the calling thread first, so that every thread started
  // afterwards (gRPC's included) inherits the mask and WaitForShutdownSignal gets them.
  // `services` are not owned and must outlive the Server.
  static absl::StatusOr<std::unique_ptr<Server>> Start(const ServerOptions& options,
                                                       std::vector<grpc::Service*> services);
  ~Server();

  int port() const { return port_; }
  int metrics_port() const { return metrics_port_; }
  const std::vector<std::string>& service_names() const { return service_names_; }

  // Health (grpc.health.v1) for "" and every registered service's full name.
  void SetServing(bool serving);

  // Called once when draining starts (after health turns NOT_SERVING, before in-flight calls
  // get their drain deadline): e.g. to end long-lived streams so that their clients resume on
  // another replica at once rather than when the deadline cuts them off. Not after Shutdown.
  void OnDrain(std::function<void()> callback);

  // Health NOT_SERVING, the OnDrain callbacks, then lets in-flight calls finish within the
  // drain deadline. Idempotent.
  void Shutdown();

  // Blocks until SIGTERM or SIGINT, then Shutdown(); returns the process exit code (0).
  int WaitForShutdownSignal();

 private:
  Server(ServerOptions options, std::unique_ptr<Metrics> metrics);

  ServerOptions options_;
  std::unique_ptr<Metrics> metrics_;
  std::unique_ptr<grpc::Server> server_;
  std::vector<std::string> service_names_;
  int port_ = 0;
  int metrics_port_ = 0;
  absl::Mutex shutdown_mu_;
  bool shut_down_ ABSL_GUARDED_BY(shutdown_mu_) = false;
  std::vector<std::function<void()>> on_drain_ ABSL_GUARDED_BY(shutdown_mu_);
};

// Blocks SIGTERM and SIGINT in the calling thread, so that threads started afterwards inherit
// the mask and AwaitShutdownSignal receives them (Server::Start does this).
void BlockShutdownSignals();
// Waits for SIGTERM or SIGINT (blocked first) and logs which one came.
void AwaitShutdownSignal();

// The address a client on this machine dials: the bound port on the listen host, loopback
// when listening on every interface.
std::string DialAddress(std::string_view listen_address, int port);

// Writes `content` to a temporary file beside `path` and renames it into place, so a reader
// (a script polling for an address file) never sees half of it.
absl::Status WriteFileAtomically(const std::string& path, std::string_view content);

}  // namespace lagom

#endif  // LAGOM_COMMON_SERVER_H_
