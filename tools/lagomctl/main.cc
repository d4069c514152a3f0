// lagomctl: the command line for operators, scripts and the demo.
//
//   lagomctl health ADDR [--wait=10s]        wait until ADDR reports SERVING
//   lagomctl services ADDR                   list ADDR's gRPC services (server reflection)
//   lagomctl org create ID DISPLAY_NAME      create a customer organisation
//   lagomctl org list                        list customer organisations
//   lagomctl service create ID DISPLAY_NAME [ORG_ID...]   create a catalogue service
//   lagomctl service list                    list the service catalogue
//
// --exist_ok makes create succeed when the resource is already there (scripts that rerun).
// Catalogue commands talk to --questionnaire_addr as --tenant (also LAGOM_QUESTIONNAIRE_ADDR
// and LAGOM_TENANT, as tools/stack writes them) and print the reply as JSON.
#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>

#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/config.h"
#include "common/request_context.h"
#include "common/status.h"
#include "lagom/catalog/v1/catalog.grpc.pb.h"
#include "tools/lagomctl/probe.h"

ABSL_FLAG(absl::Duration, wait, absl::Seconds(10), "health: how long to wait for SERVING");
ABSL_FLAG(std::string, questionnaire_addr, "", "Questionnaire service HOST:PORT");
ABSL_FLAG(std::string, tenant, "", "Tenant to act for");
ABSL_FLAG(bool, exist_ok, false, "create: succeed when the resource already exists");

namespace lagom::ctl {
namespace {

namespace catalog = ::lagom::catalog::v1;

constexpr char kUsage[] =
    "lagomctl health ADDR [--wait=10s] | services ADDR | org create ID NAME | org list |\n"
    "         service create ID NAME [ORG_ID...] | service list";

int Fail(absl::string_view message) {
  std::cerr << "lagomctl: " << message << "\n";
  return 1;
}

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

class CatalogClient final {
 public:
  CatalogClient(const std::string& address, std::string tenant)
      : stub_(catalog::CatalogService::NewStub(
            grpc::CreateChannel(address, grpc::InsecureChannelCredentials()))),
        tenant_(std::move(tenant)) {}

  int CreateOrg(const std::string& id, const std::string& display_name) {
    catalog::CreateCustomerOrganizationRequest req;
    req.set_parent(Parent());
    req.set_customer_organization_id(id);
    req.mutable_customer_organization()->set_display_name(display_name);
    catalog::CreateCustomerOrganizationResponse resp;
    return Finish(stub_->CreateCustomerOrganization(Context().get(), req, &resp), resp);
  }

  int ListOrgs() {
    catalog::ListCustomerOrganizationsRequest req;
    req.set_parent(Parent());
    req.set_page_size(500);
    catalog::ListCustomerOrganizationsResponse resp;
    return Finish(stub_->ListCustomerOrganizations(Context().get(), req, &resp), resp);
  }

  int CreateService(const std::string& id, const std::string& display_name,
                    const std::vector<std::string>& org_ids) {
    catalog::CreateItServiceRequest req;
    req.set_parent(Parent());
    req.set_service_id(id);
    req.mutable_service()->set_display_name(display_name);
    for (const std::string& org : org_ids) {
      req.mutable_service()->add_customer_organizations(
          absl::StrCat(Parent(), "/customerOrganizations/", org));
    }
    catalog::CreateItServiceResponse resp;
    return Finish(stub_->CreateItService(Context().get(), req, &resp), resp);
  }

  int ListServices() {
    catalog::ListItServicesRequest req;
    req.set_parent(Parent());
    req.set_page_size(500);
    catalog::ListItServicesResponse resp;
    return Finish(stub_->ListItServices(Context().get(), req, &resp), resp);
  }

 private:
  std::string Parent() const { return absl::StrCat("tenants/", tenant_); }

  std::unique_ptr<grpc::ClientContext> Context() const {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->AddMetadata(kTenantMetadataKey, tenant_);
    ctx->AddMetadata(kPrincipalMetadataKey, "lagomctl");
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    return ctx;
  }

  static int Finish(const grpc::Status& status, const google::protobuf::Message& reply) {
    if (status.error_code() == grpc::StatusCode::ALREADY_EXISTS && absl::GetFlag(FLAGS_exist_ok)) {
      std::cout << status.error_message() << "\n";
      return 0;
    }
    return status.ok() ? PrintJson(reply) : FailRpc(status);
  }

  std::unique_ptr<catalog::CatalogService::Stub> stub_;
  std::string tenant_;
};

int RunCatalog(const std::vector<std::string>& args) {
  const std::string address = absl::GetFlag(FLAGS_questionnaire_addr);
  const std::string tenant = absl::GetFlag(FLAGS_tenant);
  if (address.empty())
    return Fail("--questionnaire_addr (or LAGOM_QUESTIONNAIRE_ADDR) is required");
  if (tenant.empty()) return Fail("--tenant (or LAGOM_TENANT) is required");
  CatalogClient client(address, tenant);
  const std::string& noun = args[0];
  const std::string verb = args.size() > 1 ? args[1] : "";
  if (verb == "list") return noun == "org" ? client.ListOrgs() : client.ListServices();
  if (verb == "create" && args.size() >= 4) {
    if (noun == "org" && args.size() == 4) return client.CreateOrg(args[2], args[3]);
    if (noun == "service") {
      return client.CreateService(args[2], args[3], {args.begin() + 4, args.end()});
    }
  }
  return Fail(absl::StrCat("usage: ", kUsage));
}

int Run(const std::vector<std::string>& args) {
  if (args.empty()) return Fail(absl::StrCat("usage: ", kUsage));
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
  if (command == "org" || command == "service") return RunCatalog(args);
  return Fail(absl::StrCat("unknown command '", absl::StrJoin(args, " "), "'; usage: ", kUsage));
}

}  // namespace
}  // namespace lagom::ctl

int main(int argc, char** argv) {
  std::vector<char*> positional = lagom::ParseCommandLineOrDie(argc, argv, "lagomctl");
  return lagom::ctl::Run({positional.begin() + 1, positional.end()});
}
