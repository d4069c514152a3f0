#include "tests/integration/lagom_processes.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <random>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/auth/api_key.h"
#include "common/auth/forwarding.h"
#include "common/postgres.h"
#include "common/testing/integration.h"
#include "lagom/catalog/v1/catalog.grpc.pb.h"
#include "lagom/tenancy/v1/tenancy.grpc.pb.h"
#include "tools/lagomctl/probe.h"

namespace lagom::testing {
namespace {

namespace tenancy = ::lagom::tenancy::v1;

std::string WriteSecret(const std::string& path, const std::string& secret) {
  std::ofstream(path) << secret << "\n";
  return path;
}

}  // namespace

ServiceBinary Questionnaire() { return {"questionnaire", LAGOM_QUESTIONNAIRE_BIN, true, false}; }
ServiceBinary Session() { return {"session", LAGOM_SESSION_BIN, true, true}; }
ServiceBinary Scoring() { return {"scoring", LAGOM_SCORING_BIN, false, false}; }
ServiceBinary Reporting() { return {"reporting", LAGOM_REPORTING_BIN, true, false}; }
std::vector<ServiceBinary> AllServiceBinaries() {
  return {Questionnaire(), Session(), Scoring(), Reporting()};
}

std::string ScratchDir() {
  const char* dir = getenv("TEST_TMPDIR");
  return dir != nullptr ? dir : "/tmp";
}

const Secrets& TestSecrets() {
  static const Secrets* secrets = [] {
    auto* s = new Secrets;
    const std::string base = absl::StrCat(ScratchDir(), "/lagom-secrets-", getpid());
    // Random, unguessable per run: the same generator as API key secrets.
    s->service_token = auth::GenerateApiKey("test", "service").secret;
    s->operator_token = auth::GenerateApiKey("test", "operator").secret;
    s->service_token_file = WriteSecret(base + ".service", s->service_token);
    s->operator_token_file = WriteSecret(base + ".operator", s->operator_token);
    return s;
  }();
  return *secrets;
}

std::vector<std::string> ServiceArgs(const ServiceBinary& service,
                                     const std::string& questionnaire_addr) {
  std::vector<std::string> args = {"--listen=127.0.0.1:0", "--drain_deadline=5s",
                                   "--allow_plaintext",
                                   "--service_token_file=" + TestSecrets().service_token_file};
  if (service.postgres) {
    args.push_back("--postgres_url=" + TestServicesPostgresUrl("lagom_app"));
    args.push_back("--postgres_migrations_url=" + TestServicesPostgresUrl("lagom"));
  }
  if (service.redis) args.push_back("--redis_addr=" + TestRedisAddress());
  if (service.name == "questionnaire") {
    args.push_back("--operator_token_file=" + TestSecrets().operator_token_file);
  } else {
    args.push_back("--questionnaire_addr=" + questionnaire_addr);
  }
  return args;
}

absl::StatusOr<RunningService> StartService(const ServiceBinary& service,
                                            const std::string& questionnaire_addr,
                                            std::vector<std::string> extra_args) {
  std::vector<std::string> args = ServiceArgs(service, questionnaire_addr);
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  absl::StatusOr<ChildProcess> child = ChildProcess::Start(service.binary, args, ScratchDir());
  if (!child.ok()) return child.status();
  RunningService running;
  running.process = std::make_unique<ChildProcess>(*std::move(child));
  absl::StatusOr<std::string> address = running.process->WaitForAddress(absl::Seconds(20));
  if (!address.ok()) return address.status();
  running.address = *address;
  if (absl::Status serving = ctl::WaitForServing(*address, absl::Seconds(10)); !serving.ok()) {
    return serving;
  }
  running.channel = grpc::CreateChannel(*address, grpc::InsecureChannelCredentials());
  return running;
}

absl::StatusOr<RunningService> StartServiceOn(const ServiceBinary& service,
                                              const std::string& questionnaire_addr, int port,
                                              std::vector<std::string> extra_args) {
  extra_args.push_back(absl::StrCat("--listen=127.0.0.1:", port));
  absl::StatusOr<RunningService> started = StartService(service, questionnaire_addr, extra_args);
  for (int attempt = 1; attempt < 5 && !started.ok() &&
                        absl::StrContains(started.status().message(), "address in use");
       ++attempt) {
    absl::SleepFor(absl::Milliseconds(500));  // waiting out another process's hold
    started = StartService(service, questionnaire_addr, extra_args);
  }
  return started;
}

absl::StatusOr<std::unique_ptr<ServiceStack>> StartServiceStack(
    std::vector<std::string> scoring_args) {
  auto stack = std::make_unique<ServiceStack>();
  const int session_port = ReservedLoopbackPort();
  const int reporting_port = ReservedLoopbackPort();
  absl::StatusOr<RunningService> q = StartService(
      Questionnaire(), "",
      {absl::StrCat("--session_addr=127.0.0.1:", session_port),
       absl::StrCat("--reporting_addr=127.0.0.1:", reporting_port), "--tenant_purge_delay=0s"});
  if (!q.ok()) return q.status();
  stack->questionnaire = *std::move(q);
  const std::string& directory = stack->questionnaire.address;
  absl::StatusOr<RunningService> r = StartServiceOn(Reporting(), directory, reporting_port);
  if (!r.ok()) return r.status();
  stack->reporting = *std::move(r);
  absl::StatusOr<RunningService> s = StartServiceOn(Session(), directory, session_port);
  if (!s.ok()) return s.status();
  stack->session = *std::move(s);
  scoring_args.push_back("--session_addr=" + stack->session.address);
  scoring_args.push_back("--reporting_addr=" + stack->reporting.address);
  absl::StatusOr<RunningService> sc = StartService(Scoring(), directory, scoring_args);
  if (!sc.ok()) return sc.status();
  stack->scoring = *std::move(sc);
  return stack;
}

void Authorize(grpc::ClientContext& ctx, const std::string& key) {
  ctx.AddMetadata("authorization", "Bearer " + key);
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
}

void AuthorizeAsScoring(grpc::ClientContext& ctx, const std::string& tenant_id) {
  RequestContext rc;
  rc.tenant_id = tenant_id;
  rc.principal.set_tenant_id(tenant_id);
  rc.principal.set_subject("lagom-scoring");
  rc.principal.set_role(auth::v1::PRINCIPAL_ROLE_SERVICE);
  rc.principal.set_credential_kind(auth::v1::CREDENTIAL_KIND_SERVICE);
  rc.deadline = absl::Now() + absl::Seconds(10);
  auth::ForwardCaller(rc, TestSecrets().service_token, &ctx);
}

absl::StatusOr<std::string> CreateTenant(grpc::Channel& questionnaire,
                                         const std::string& tenant_id) {
  auto stub = tenancy::TenantService::NewStub(
      std::shared_ptr<grpc::Channel>(&questionnaire, [](grpc::Channel*) {}));
  tenancy::CreateTenantRequest req;
  req.set_tenant_id(tenant_id);
  req.mutable_tenant()->set_display_name("Tenant " + tenant_id);
  tenancy::CreateTenantResponse resp;
  grpc::ClientContext ctx;
  Authorize(ctx, TestSecrets().operator_token);
  grpc::Status status = stub->CreateTenant(&ctx, req, &resp);
  if (!status.ok()) {
    return absl::InternalError(absl::StrCat("CreateTenant: ", status.error_message()));
  }
  return resp.initial_admin_secret();
}

absl::StatusOr<std::string> CreateCustomerOrganization(grpc::Channel& questionnaire,
                                                       const std::string& key,
                                                       const std::string& tenant_id,
                                                       const std::string& id,
                                                       const std::string& display_name) {
  auto stub = catalog::v1::CatalogService::NewStub(
      std::shared_ptr<grpc::Channel>(&questionnaire, [](grpc::Channel*) {}));
  catalog::v1::CreateCustomerOrganizationRequest req;
  req.set_parent("tenants/" + tenant_id);
  req.set_customer_organization_id(id);
  req.mutable_customer_organization()->set_display_name(display_name);
  catalog::v1::CreateCustomerOrganizationResponse resp;
  grpc::ClientContext ctx;
  Authorize(ctx, key);
  grpc::Status status = stub->CreateCustomerOrganization(&ctx, req, &resp);
  if (!status.ok()) {
    return absl::InternalError(
        absl::StrCat("CreateCustomerOrganization: ", status.error_message()));
  }
  return resp.customer_organization().name();
}

absl::StatusOr<std::pair<std::string, std::string>> CreateApiKey(grpc::Channel& questionnaire,
                                                                 const std::string& admin_key,
                                                                 const std::string& role) {
  absl::StatusOr<auth::ApiKeyParts> admin = auth::ParseApiKey(admin_key);
  if (!admin.ok()) return admin.status();
  auto stub = tenancy::TenantService::NewStub(
      std::shared_ptr<grpc::Channel>(&questionnaire, [](grpc::Channel*) {}));
  tenancy::CreateApiKeyRequest req;
  req.set_parent("tenants/" + admin->tenant_id);
  req.mutable_api_key()->set_display_name("test " + role);
  tenancy::Role parsed;
  if (!tenancy::Role_Parse(role, &parsed)) return absl::InvalidArgumentError(role);
  req.mutable_api_key()->add_roles(parsed);
  tenancy::CreateApiKeyResponse resp;
  grpc::ClientContext ctx;
  Authorize(ctx, admin_key);
  grpc::Status status = stub->CreateApiKey(&ctx, req, &resp);
  if (!status.ok()) {
    return absl::InternalError(absl::StrCat("CreateApiKey: ", status.error_message()));
  }
  return std::make_pair(resp.api_key().name(), resp.secret());
}

int ReservedLoopbackPort() {
  int ephemeral_low = 32768;
  std::ifstream("/proc/sys/net/ipv4/ip_local_port_range") >> ephemeral_low;
  static std::mt19937 random(std::random_device{}());
  std::uniform_int_distribution<int> pick(std::max(1024, ephemeral_low / 2), ephemeral_low - 1);
  for (;;) {
    const int port = pick(random);
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    const bool free = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    close(fd);
    if (free) return port;
  }
}

absl::StatusOr<SessionOutboxRow> ReadSessionOutbox(const std::string& tenant_id,
                                                   const std::string& session_id,
                                                   const std::string& consumer,
                                                   const std::string& topic) {
  absl::StatusOr<std::unique_ptr<PgPool>> pg =
      PgPool::Connect(TestServicesPostgresUrl("postgres"), 1, absl::Seconds(5));
  if (!pg.ok()) return pg.status();
  RequestContext rc;
  rc.tenant_id = tenant_id;
  SessionOutboxRow row;
  size_t rows = 0;
  absl::Status read = (*pg)->WithTenant(rc, [&](PgTransaction& tx) {
    pqxx::result r = tx.exec_params(
        "SELECT event_id, attempts, deliver_time IS NOT NULL, last_error FROM session.outbox"
        " WHERE tenant_id = $1 AND session_id = $2 AND consumer = $3 AND topic = $4",
        tenant_id, session_id, consumer, topic);
    rows = r.size();
    if (rows == 1) {
      row = SessionOutboxRow{r[0][0].as<int64_t>(), r[0][1].as<int>(), r[0][2].as<bool>(),
                             r[0][3].as<std::string>()};
    }
    return absl::OkStatus();
  });
  if (!read.ok()) return read;
  if (rows != 1) {
    const std::string which =
        absl::StrCat("session.outbox rows of tenant ", tenant_id, ", session ", session_id,
                     ", consumer ", consumer, ", topic ", topic);
    if (rows == 0) return absl::NotFoundError(absl::StrCat("no ", which));
    return absl::FailedPreconditionError(absl::StrCat(rows, " ", which, "; expected one"));
  }
  return row;
}

absl::Status EditStoredSession(const std::string& tenant_id, const std::string& session_id,
                               const std::function<void(session::v1::Session&)>& edit) {
  absl::StatusOr<std::unique_ptr<PgPool>> pg =
      PgPool::Connect(TestServicesPostgresUrl("postgres"), 1, absl::Seconds(5));
  if (!pg.ok()) return pg.status();
  RequestContext rc;
  rc.tenant_id = tenant_id;
  return (*pg)->WithTenant(rc, [&](PgTransaction& tx) -> absl::Status {
    pqxx::result r = tx.exec_params(
        "SELECT encode(body, 'hex') FROM session.sessions WHERE tenant_id = $1 AND session_id = $2"
        " FOR UPDATE",
        tenant_id, session_id);
    session::v1::Session s;
    if (r.size() != 1 || !s.ParseFromString(absl::HexStringToBytes(r[0][0].as<std::string>()))) {
      return absl::NotFoundError(absl::StrCat("no stored session ", session_id));
    }
    edit(s);
    tx.exec_params(
        "UPDATE session.sessions SET body = decode($3, 'hex')"
        " WHERE tenant_id = $1 AND session_id = $2",
        tenant_id, session_id, absl::BytesToHexString(s.SerializeAsString()));
    return absl::OkStatus();
  });
}

}  // namespace lagom::testing
