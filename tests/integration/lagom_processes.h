// Service binaries started as an operator starts them, for cross-service tests: shared
// secrets in a scratch directory, the questionnaire service first (it holds API keys), a
// tenant with its first admin key, and helpers to call the services with a key.
#ifndef LAGOM_TESTS_INTEGRATION_LAGOM_PROCESSES_H_
#define LAGOM_TESTS_INTEGRATION_LAGOM_PROCESSES_H_

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "lagom/session/v1/session.pb.h"
#include "tests/integration/child_process.h"

namespace lagom::testing {

struct ServiceBinary {
  std::string name;
  std::string binary;
  bool postgres = false;
  bool redis = false;
};

ServiceBinary Questionnaire();
ServiceBinary Session();
ServiceBinary Scoring();
ServiceBinary Reporting();
std::vector<ServiceBinary> AllServiceBinaries();

// The secrets Lagom's services share, written once per test process.
struct Secrets {
  std::string service_token;  // what Lagom's services call each other with
  std::string service_token_file;
  std::string operator_token_file;
  std::string operator_token;
};
const Secrets& TestSecrets();

std::string ScratchDir();

// A loopback port nothing listens on, for a process that keeps its address across restarts
// (so the port is picked before it starts). Picked at random below the kernel's ephemeral
// range (net.ipv4.ip_local_port_range), where no outgoing connection can take it before the
// process binds it, and checked free by binding it.
int ReservedLoopbackPort();

// Flags for `service` on the test Redis and PostgreSQL; `questionnaire_addr` for the services
// that verify API keys through it.
std::vector<std::string> ServiceArgs(const ServiceBinary& service,
                                     const std::string& questionnaire_addr);

// A started service and its address, ready (SERVING).
struct RunningService {
  std::unique_ptr<ChildProcess> process;
  std::string address;
  std::shared_ptr<grpc::Channel> channel;
};
absl::StatusOr<RunningService> StartService(const ServiceBinary& service,
                                            const std::string& questionnaire_addr,
                                            std::vector<std::string> extra_args = {});
// The same, listening on `port` (from ReservedLoopbackPort: others were told the address
// before the service started). Something on the machine may hold the port for a moment since
// it was picked: then it tries again, up to five times.
absl::StatusOr<RunningService> StartServiceOn(const ServiceBinary& service,
                                              const std::string& questionnaire_addr, int port,
                                              std::vector<std::string> extra_args = {});

// The four services wired to each other as tools/stack wires them: questionnaire first (told
// where session and reporting will listen, for DeleteTenant, whose purges it hands over at
// once), scoring reading sessions and recording scorecards. `scoring_args` go to the scoring
// service.
struct ServiceStack {
  RunningService questionnaire;
  RunningService reporting;
  RunningService session;
  RunningService scoring;
};
absl::StatusOr<std::unique_ptr<ServiceStack>> StartServiceStack(
    std::vector<std::string> scoring_args = {});

// Provisions `tenant_id` through TenantService.CreateTenant with the operator token and
// returns the tenant's first TENANT_ADMIN API key.
absl::StatusOr<std::string> CreateTenant(grpc::Channel& questionnaire,
                                         const std::string& tenant_id);

// Creates an API key with `role` (e.g. "ROLE_VIEWER") in the key's tenant; returns
// {resource name, secret}.
absl::StatusOr<std::pair<std::string, std::string>> CreateApiKey(grpc::Channel& questionnaire,
                                                                 const std::string& admin_key,
                                                                 const std::string& role);

// Creates customer organisation `id` named `display_name` in `tenant_id` with `key`; returns
// its resource name.
absl::StatusOr<std::string> CreateCustomerOrganization(grpc::Channel& questionnaire,
                                                       const std::string& key,
                                                       const std::string& tenant_id,
                                                       const std::string& id,
                                                       const std::string& display_name);

// Sets `authorization: Bearer <key>` and a 10 s deadline.
void Authorize(grpc::ClientContext& ctx, const std::string& key);
// Calls as the scoring service does when it records a scorecard: the service token, acting for
// `tenant_id` as SERVICE, with a 10 s deadline.
void AuthorizeAsScoring(grpc::ClientContext& ctx, const std::string& tenant_id);

// A row of the session service's outbox, read where the service keeps it.
struct SessionOutboxRow {
  int64_t event_id = 0;
  int attempts = 0;
  bool delivered = false;  // handed over, or settled for good (last_error then says why)
  std::string last_error;
};
// `tenant_id`'s row for `consumer` ("scoring", "webhooks") of `topic` about session
// `session_id`: NOT_FOUND while there is none, FAILED_PRECONDITION if there are several.
absl::StatusOr<SessionOutboxRow> ReadSessionOutbox(const std::string& tenant_id,
                                                   const std::string& session_id,
                                                   const std::string& consumer,
                                                   const std::string& topic = "session.closed");

// Edits the stored record of a session, past the session service's checks: for tests of
// sessions stored before a check that now refuses them. As the test's superuser.
absl::Status EditStoredSession(const std::string& tenant_id, const std::string& session_id,
                               const std::function<void(session::v1::Session&)>& edit);

}  // namespace lagom::testing

#endif  // LAGOM_TESTS_INTEGRATION_LAGOM_PROCESSES_H_
