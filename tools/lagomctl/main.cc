// lagomctl: the command line for operators, scripts and the demo.
//
//   lagomctl health ADDR [--wait=10s]        wait until ADDR reports SERVING
//   lagomctl services ADDR                   list ADDR's gRPC services (server reflection)
//   lagomctl tenant create ID DISPLAY_NAME   provision a tenant (operator); prints it and, on a
//                                            line of its own, "api_key: lgm_..." -- the tenant's
//                                            first TENANT_ADMIN key, shown only this once
//   lagomctl tenant list                     list tenants (operator)
//   lagomctl apikey create NAME ROLE         create an API key (ROLE: TENANT_ADMIN, FACILITATOR,
//                                            PROVIDER_RESPONDENT, CUSTOMER_RESPONDENT, VIEWER,
//                                            SERVICE); prints "api_key: lgm_..." once
//   lagomctl apikey list                     list API keys, revoked and expired ones included
//   lagomctl apikey revoke NAME              revoke an API key
//   lagomctl org create ID DISPLAY_NAME      create a customer organisation
//   lagomctl org list                        list customer organisations
//   lagomctl service create ID DISPLAY_NAME [ORG_ID...]   create a catalogue service
//   lagomctl service list                    list the service catalogue
//   lagomctl model import FILE [--validate_only] [--model_id=ID]
//                                            import a model document (JSON; FILE "-" is stdin)
//                                            as a new model with one DRAFT version
//   lagomctl model validate FILE             check a model document without storing anything;
//                                            prints every violation as "path: message", exit 1
//   lagomctl model export NAME               print a version as a model document (JSON); NAME
//                                            is models/{m}/versions/{v} (built-in) or the
//                                            tenant's {m}/versions/{v} or full name
//   lagomctl model list                      list the tenant's models and the built-in ones
//   lagomctl catalog import FILE [--dry_run] [--format=csv|json] [--source_system=NAME]
//                                            [--request_id=ID]
//                                            import customer organisations and services from
//                                            an ITSM export (docs/import.md); the format
//                                            follows FILE's extension unless --format says;
//                                            prints the reply, and each row error on stderr
//                                            ("row N [external_id] column: message", exit 1)
//
// --exist_ok makes create succeed when the resource is already there (scripts that rerun).
// Commands talk to --questionnaire_addr (LAGOM_QUESTIONNAIRE_ADDR) and print replies as JSON.
// Tenant commands authenticate with `authorization: Bearer <key>` from --api_key
// (LAGOM_API_KEY); the tenant they act on is the key's own unless --tenant (LAGOM_TENANT) says
// otherwise. Operator commands use --operator_token (LAGOM_OPERATOR_TOKEN) instead.
#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>

#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/auth/api_key.h"
#include "common/auth/authenticator.h"
#include "common/channel.h"
#include "common/config.h"
#include "common/status.h"
#include "lagom/catalog/v1/catalog.grpc.pb.h"
#include "lagom/questionnaire/v1/questionnaire.grpc.pb.h"
#include "lagom/tenancy/v1/tenancy.grpc.pb.h"
#include "tools/lagomctl/probe.h"

ABSL_FLAG(absl::Duration, wait, absl::Seconds(10), "health: how long to wait for SERVING");
ABSL_FLAG(std::string, questionnaire_addr, "", "Questionnaire service HOST:PORT");
ABSL_FLAG(std::string, api_key, "", "API key (lgm_...) of the tenant to act for");
ABSL_FLAG(std::string, operator_token, "", "The hosting operator's token (tenant commands)");
ABSL_FLAG(std::string, tenant, "", "Tenant to act for; default: the API key's tenant");
ABSL_FLAG(bool, exist_ok, false, "create: succeed when the resource already exists");
ABSL_FLAG(bool, validate_only, false, "model import: only check the document, store nothing");
ABSL_FLAG(std::string, model_id, "", "model import: id of the new model; generated when empty");
ABSL_FLAG(bool, dry_run, false, "catalog import: check and report, write nothing");
ABSL_FLAG(std::string, format, "", "catalog import: csv or json; default: FILE's extension");
ABSL_FLAG(std::string, source_system, "",
          "catalog import: the platform the file comes from (audit log), e.g. servicenow");
ABSL_FLAG(std::string, request_id, "",
          "catalog import: idempotency key; a retry gets the first reply");

namespace lagom::ctl {
namespace {

namespace catalog = ::lagom::catalog::v1;
namespace questionnaire = ::lagom::questionnaire::v1;
namespace tenancy = ::lagom::tenancy::v1;

constexpr char kUsage[] =
    "lagomctl health ADDR [--wait=10s] | services ADDR |\n"
    "         tenant create ID NAME | tenant list            (--operator_token) |\n"
    "         apikey create NAME ROLE | apikey list | apikey revoke NAME |\n"
    "         org create ID NAME | org list | service create ID NAME [ORG_ID...] | "
    "service list |\n"
    "         model import FILE [--validate_only] | model validate FILE | model export NAME |\n"
    "         model list | catalog import FILE [--dry_run] [--format=csv|json]   (--api_key)";

int Fail(absl::string_view message) {
  std::cerr << "lagomctl: " << message << "\n";
  return 1;
}

int Usage() { return Fail(absl::StrCat("usage: ", kUsage)); }

int FailRpc(const grpc::Status& status) {
  std::string line =
      absl::StrCat(absl::StatusCodeToString(static_cast<absl::StatusCode>(status.error_code())),
                   " ", ReasonOf(status), ": ", status.error_message());
  for (const FieldViolation& v : ViolationsOf(status)) {
    absl::StrAppend(&line, "\n  ", v.field, ": ", v.description);
  }
  return Fail(line);
}

int PrintJson(const google::protobuf::Message& message) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = true;
  if (!google::protobuf::util::MessageToJsonString(message, &json, options).ok()) {
    return Fail("cannot print the reply as JSON");
  }
  std::cout << json;
  return 0;
}

// ALREADY_EXISTS with --exist_ok: print the message and succeed (and print nothing secret).
int Finish(const grpc::Status& status, const google::protobuf::Message& reply) {
  if (status.error_code() == grpc::StatusCode::ALREADY_EXISTS && absl::GetFlag(FLAGS_exist_ok)) {
    std::cout << status.error_message() << "\n";
    return 0;
  }
  return status.ok() ? PrintJson(reply) : FailRpc(status);
}

// Prints the reply, then the secret on a line of its own: it is shown only this once.
int FinishWithSecret(const grpc::Status& status, const google::protobuf::Message& reply,
                     const std::string& secret) {
  int rc = Finish(status, reply);
  if (status.ok() && rc == 0 && !secret.empty()) std::cout << "api_key: " << secret << "\n";
  return rc;
}

// Where to call and with which credential.
struct Connection {
  std::shared_ptr<grpc::Channel> channel;
  std::string bearer;  // API key or operator token
  std::string tenant;  // empty for operator commands

  // Imports of large documents get a longer deadline than the other commands.
  std::unique_ptr<grpc::ClientContext> Context(int deadline_seconds = 10) const {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->AddMetadata(auth::kAuthorizationKey, absl::StrCat("Bearer ", bearer));
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(deadline_seconds));
    return ctx;
  }
  std::string Parent() const { return absl::StrCat("tenants/", tenant); }
};

// FILE's bytes, or standard input's for "-".
int Read(const std::string& file, std::string* out) {
  std::stringstream text;
  if (file == "-") {
    text << std::cin.rdbuf();
  } else {
    std::ifstream in(file, std::ios::binary);
    if (!in) return Fail(absl::StrCat("cannot read ", file));
    text << in.rdbuf();
  }
  *out = text.str();
  return 0;
}

class CatalogClient final {
 public:
  explicit CatalogClient(const Connection& conn)
      : conn_(conn), stub_(catalog::CatalogService::NewStub(conn.channel)) {}

  int CreateOrg(const std::string& id, const std::string& display_name) {
    catalog::CreateCustomerOrganizationRequest req;
    req.set_parent(conn_.Parent());
    req.set_customer_organization_id(id);
    req.mutable_customer_organization()->set_display_name(display_name);
    catalog::CreateCustomerOrganizationResponse resp;
    return Finish(stub_->CreateCustomerOrganization(conn_.Context().get(), req, &resp), resp);
  }

  int ListOrgs() {
    catalog::ListCustomerOrganizationsRequest req;
    req.set_parent(conn_.Parent());
    req.set_page_size(500);
    catalog::ListCustomerOrganizationsResponse resp;
    return Finish(stub_->ListCustomerOrganizations(conn_.Context().get(), req, &resp), resp);
  }

  int CreateService(const std::string& id, const std::string& display_name,
                    const std::vector<std::string>& org_ids) {
    catalog::CreateItServiceRequest req;
    req.set_parent(conn_.Parent());
    req.set_service_id(id);
    req.mutable_service()->set_display_name(display_name);
    for (const std::string& org : org_ids) {
      req.mutable_service()->add_customer_organizations(
          absl::StrCat(conn_.Parent(), "/customerOrganizations/", org));
    }
    catalog::CreateItServiceResponse resp;
    return Finish(stub_->CreateItService(conn_.Context().get(), req, &resp), resp);
  }

  int ListServices() {
    catalog::ListItServicesRequest req;
    req.set_parent(conn_.Parent());
    req.set_page_size(500);
    catalog::ListItServicesResponse resp;
    return Finish(stub_->ListItServices(conn_.Context().get(), req, &resp), resp);
  }

  // The reply as JSON; each row error also on stderr, and exit status 1 when there is any.
  int Import(const std::string& file) {
    catalog::ImportCatalogRequest req;
    if (int rc = Read(file, req.mutable_payload()); rc != 0) return rc;
    std::string format = absl::AsciiStrToLower(absl::GetFlag(FLAGS_format));
    if (format.empty()) {
      if (absl::EndsWithIgnoreCase(file, ".csv")) format = "csv";
      if (absl::EndsWithIgnoreCase(file, ".json")) format = "json";
    }
    if (format != "csv" && format != "json") {
      return Fail(absl::StrCat("--format=csv or --format=json is needed for ", file));
    }
    req.set_format(format == "csv" ? catalog::IMPORT_FORMAT_CSV : catalog::IMPORT_FORMAT_JSON);
    req.set_parent(conn_.Parent());
    req.set_dry_run(absl::GetFlag(FLAGS_dry_run));
    req.set_source_system(absl::GetFlag(FLAGS_source_system));
    req.set_request_id(absl::GetFlag(FLAGS_request_id));
    catalog::ImportCatalogResponse resp;
    grpc::Status status = stub_->ImportCatalog(conn_.Context(120).get(), req, &resp);
    if (int rc = Finish(status, resp); rc != 0) return rc;
    for (const catalog::ImportRowError& e : resp.errors()) {
      std::cerr << "row " << e.row()
                << (e.external_id().empty() ? "" : " [" + e.external_id() + "]")
                << (e.field().empty() ? "" : " " + e.field()) << ": " << e.message() << "\n";
    }
    if (resp.errors_size() == 0) return 0;
    return Fail(absl::StrCat(file, ": ", resp.errors_size(), " row error",
                             resp.errors_size() == 1 ? "" : "s", "; nothing was imported"));
  }

 private:
  const Connection& conn_;
  std::unique_ptr<catalog::CatalogService::Stub> stub_;
};

class TenancyClient final {
 public:
  explicit TenancyClient(const Connection& conn)
      : conn_(conn), stub_(tenancy::TenantService::NewStub(conn.channel)) {}

  int CreateTenant(const std::string& id, const std::string& display_name) {
    tenancy::CreateTenantRequest req;
    req.set_tenant_id(id);
    req.mutable_tenant()->set_display_name(display_name);
    tenancy::CreateTenantResponse resp;
    grpc::Status status = stub_->CreateTenant(conn_.Context().get(), req, &resp);
    // The secret goes on a line of its own, not inside the JSON.
    return FinishWithSecret(status, resp.tenant(), resp.initial_admin_secret());
  }

  int ListTenants() {
    tenancy::ListTenantsRequest req;
    req.set_page_size(500);
    tenancy::ListTenantsResponse resp;
    return Finish(stub_->ListTenants(conn_.Context().get(), req, &resp), resp);
  }

  int CreateApiKey(const std::string& id, tenancy::Role role) {
    tenancy::CreateApiKeyRequest req;
    req.set_parent(conn_.Parent());
    req.set_api_key_id(id);
    req.mutable_api_key()->set_display_name(id);
    req.mutable_api_key()->add_roles(role);
    tenancy::CreateApiKeyResponse resp;
    grpc::Status status = stub_->CreateApiKey(conn_.Context().get(), req, &resp);
    return FinishWithSecret(status, resp.api_key(), resp.secret());
  }

  int ListApiKeys() {
    tenancy::ListApiKeysRequest req;
    req.set_parent(conn_.Parent());
    req.set_page_size(500);
    req.set_show_inactive(true);
    tenancy::ListApiKeysResponse resp;
    return Finish(stub_->ListApiKeys(conn_.Context().get(), req, &resp), resp);
  }

  int RevokeApiKey(const std::string& name_or_id) {
    tenancy::RevokeApiKeyRequest req;
    req.set_name(absl::StrContains(name_or_id, '/')
                     ? name_or_id
                     : absl::StrCat(conn_.Parent(), "/apiKeys/", name_or_id));
    tenancy::RevokeApiKeyResponse resp;
    return Finish(stub_->RevokeApiKey(conn_.Context().get(), req, &resp), resp);
  }

 private:
  const Connection& conn_;
  std::unique_ptr<tenancy::TenantService::Stub> stub_;
};

class ModelClient final {
 public:
  explicit ModelClient(const Connection& conn)
      : conn_(conn), stub_(questionnaire::QuestionnaireService::NewStub(conn.channel)) {}

  // Prints the new model and version (without the content, which the file already has).
  int Import(const std::string& file, bool validate_only) {
    questionnaire::ImportModelRequest req;
    if (int rc = Read(file, req.mutable_json()); rc != 0) return rc;
    req.set_parent(conn_.Parent());
    req.set_model_id(absl::GetFlag(FLAGS_model_id));
    req.set_validate_only(validate_only);
    questionnaire::ImportModelResponse resp;
    grpc::Status status = stub_->ImportModel(Context().get(), req, &resp);
    resp.mutable_model_version()->clear_content();
    return Finish(status, resp);
  }

  // Every violation on a line of its own, "path: message"; exit status 1 when there is any.
  int Validate(const std::string& file) {
    questionnaire::ImportModelRequest req;
    if (int rc = Read(file, req.mutable_json()); rc != 0) return rc;
    req.set_parent(conn_.Parent());
    req.set_validate_only(true);
    questionnaire::ImportModelResponse resp;
    grpc::Status status = stub_->ImportModel(Context().get(), req, &resp);
    std::vector<FieldViolation> violations = ViolationsOf(status);
    if (status.error_code() == grpc::StatusCode::INVALID_ARGUMENT && !violations.empty()) {
      for (const FieldViolation& v : violations)
        std::cout << v.field << ": " << v.description << "\n";
      std::cerr << "lagomctl: " << file << ": " << violations.size() << " violation"
                << (violations.size() == 1 ? "" : "s") << "\n";
      return 1;
    }
    if (!status.ok()) return FailRpc(status);
    for (const questionnaire::ModelViolation& v : resp.violations()) {
      std::cout << v.field() << ": " << v.message() << "\n";
    }
    std::cout << file << ": valid\n";
    return 0;
  }

  // The document itself on stdout, so `lagomctl model export NAME > file.json` is the file.
  int Export(const std::string& name) {
    questionnaire::ExportModelVersionRequest req;
    req.set_name(absl::StartsWith(name, "tenants/") || absl::StartsWith(name, "models/")
                     ? name
                     : absl::StrCat(conn_.Parent(), "/models/", name));
    questionnaire::ExportModelVersionResponse resp;
    grpc::Status status = stub_->ExportModelVersion(Context().get(), req, &resp);
    if (!status.ok()) return FailRpc(status);
    std::cout << resp.json();
    if (!absl::EndsWith(resp.json(), "\n")) std::cout << "\n";
    return 0;
  }

  int List() {
    questionnaire::ListModelsRequest req;
    req.set_parent(conn_.Parent());
    req.set_page_size(500);
    req.set_include_builtin(true);
    questionnaire::ListModelsResponse resp;
    return Finish(stub_->ListModels(Context().get(), req, &resp), resp);
  }

 private:
  // Model documents can be large: a longer deadline than the other commands.
  std::unique_ptr<grpc::ClientContext> Context() const { return conn_.Context(60); }

  const Connection& conn_;
  std::unique_ptr<questionnaire::QuestionnaireService::Stub> stub_;
};

// "FACILITATOR", "facilitator" or "ROLE_FACILITATOR".
bool ParseRole(std::string text, tenancy::Role* role) {
  text = absl::AsciiStrToUpper(text);
  if (!absl::StartsWith(text, "ROLE_")) text = absl::StrCat("ROLE_", text);
  return tenancy::Role_Parse(text, role) && *role != tenancy::ROLE_UNSPECIFIED;
}

std::shared_ptr<grpc::Channel> ChannelOrNull() {
  const std::string address = absl::GetFlag(FLAGS_questionnaire_addr);
  if (address.empty()) return nullptr;
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel =
      CreateServiceChannel(address, grpc::InsecureChannelCredentials());
  if (!channel.ok()) {
    std::cerr << "lagomctl: --questionnaire_addr: " << channel.status().message() << "\n";
    std::exit(2);
  }
  return *std::move(channel);
}

int RunOperator(const std::vector<std::string>& args) {
  Connection conn{ChannelOrNull(), absl::GetFlag(FLAGS_operator_token), ""};
  if (conn.channel == nullptr) {
    return Fail("--questionnaire_addr (or LAGOM_QUESTIONNAIRE_ADDR) is required");
  }
  if (conn.bearer.empty()) {
    return Fail("tenant commands are the operator's: --operator_token (or LAGOM_OPERATOR_TOKEN)");
  }
  TenancyClient client(conn);
  if (args.size() == 2 && args[1] == "list") return client.ListTenants();
  if (args.size() == 4 && args[1] == "create") return client.CreateTenant(args[2], args[3]);
  return Usage();
}

int RunTenantScoped(const std::vector<std::string>& args) {
  Connection conn{ChannelOrNull(), absl::GetFlag(FLAGS_api_key), absl::GetFlag(FLAGS_tenant)};
  if (conn.channel == nullptr) {
    return Fail("--questionnaire_addr (or LAGOM_QUESTIONNAIRE_ADDR) is required");
  }
  if (conn.bearer.empty()) return Fail("--api_key (or LAGOM_API_KEY) is required");
  if (conn.tenant.empty()) {
    absl::StatusOr<auth::ApiKeyParts> parts = auth::ParseApiKey(conn.bearer);
    if (!parts.ok()) return Fail(parts.status().message());
    conn.tenant = parts->tenant_id;
  }
  const std::string& noun = args[0];
  const std::string verb = args.size() > 1 ? args[1] : "";
  if (noun == "apikey") {
    TenancyClient client(conn);
    if (verb == "list" && args.size() == 2) return client.ListApiKeys();
    if (verb == "revoke" && args.size() == 3) return client.RevokeApiKey(args[2]);
    if (verb == "create" && args.size() == 4) {
      tenancy::Role role;
      if (!ParseRole(args[3], &role)) {
        return Fail(absl::StrCat("unknown role '", args[3],
                                 "' (TENANT_ADMIN, FACILITATOR, PROVIDER_RESPONDENT, "
                                 "CUSTOMER_RESPONDENT, VIEWER, SERVICE)"));
      }
      return client.CreateApiKey(args[2], role);
    }
    return Usage();
  }
  if (noun == "model") {
    ModelClient client(conn);
    if (verb == "list" && args.size() == 2) return client.List();
    if (verb == "import" && args.size() == 3) {
      return client.Import(args[2], absl::GetFlag(FLAGS_validate_only));
    }
    if (verb == "validate" && args.size() == 3) return client.Validate(args[2]);
    if (verb == "export" && args.size() == 3) return client.Export(args[2]);
    return Usage();
  }
  CatalogClient client(conn);
  if (noun == "catalog") {
    if (verb == "import" && args.size() == 3) return client.Import(args[2]);
    return Usage();
  }
  if (verb == "list" && args.size() == 2) {
    return noun == "org" ? client.ListOrgs() : client.ListServices();
  }
  if (verb == "create" && args.size() >= 4) {
    if (noun == "org" && args.size() == 4) return client.CreateOrg(args[2], args[3]);
    if (noun == "service") {
      return client.CreateService(args[2], args[3], {args.begin() + 4, args.end()});
    }
  }
  return Usage();
}

int Run(const std::vector<std::string>& args) {
  if (args.empty()) return Usage();
  const std::string& command = args[0];
  if (command == "health" && args.size() == 2) {
    absl::Status serving = WaitForServing(args[1], absl::GetFlag(FLAGS_wait));
    if (!serving.ok()) return Fail(serving.message());
    std::cout << args[1] << " SERVING\n";
    return 0;
  }
  if (command == "services" && args.size() == 2) {
    absl::StatusOr<std::vector<std::string>> names = ListServices(args[1], absl::Seconds(5));
    if (!names.ok()) return Fail(names.status().message());
    for (const std::string& name : *names) std::cout << name << "\n";
    return 0;
  }
  if (command == "tenant") return RunOperator(args);
  if (command == "org" || command == "service" || command == "apikey" || command == "model" ||
      command == "catalog") {
    return RunTenantScoped(args);
  }
  return Fail(absl::StrCat("unknown command '", absl::StrJoin(args, " "), "'; usage: ", kUsage));
}

}  // namespace
}  // namespace lagom::ctl

int main(int argc, char** argv) {
  std::vector<char*> positional = lagom::ParseCommandLineOrDie(argc, argv, "lagomctl");
  return lagom::ctl::Run({positional.begin() + 1, positional.end()});
}
