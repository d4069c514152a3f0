// lagom-gateway on the service binaries, real Redis and PostgreSQL: every public method through
// HTTP/JSON (the list comes from the API's descriptors, so a new RPC without a case here fails
// EveryAnnotatedMethodWasCalledThroughTheGateway), the error mapping a REST client sees, the
// credentials that pass through and the ones that do not, and the drain on SIGTERM.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <csignal>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <thread>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "common/http_client.h"
#include "common/testing/integration.h"
#include "services/gateway/api_descriptors.h"
#include "tests/integration/lagom_processes.h"

namespace lagom::testing {
namespace {

using ::testing::HasSubstr;
using Json = nlohmann::json;
using Headers = std::vector<std::pair<std::string, std::string>>;

constexpr char kBuiltIn[] = "models/lagom-itsm/versions/1";
constexpr char kProviderItem[] = "catalogue.services.provider";
constexpr char kCustomerItem[] = "catalogue.services.customer";

struct Reply {
  int status = 0;
  Json body;
  std::string raw;
  std::map<std::string, std::string> headers;
};

std::ostream& operator<<(std::ostream& out, const Reply& reply) {
  return out << "HTTP " << reply.status << " " << reply.raw;
}

Headers Bearer(const std::string& key) { return {{"authorization", "Bearer " + key}}; }

// The provider's score of area `area_id` in a scorecard's JSON; nullopt when it has none.
std::optional<double> ProviderAreaScore(const Json& card, const std::string& area_id) {
  if (!card.is_object()) return std::nullopt;
  for (const Json& area : card.value("areaScores", Json::array())) {
    if (area.value("areaId", "") == area_id &&
        area.value("group", Json::object()).value("kind", "") == "RESPONSE_GROUP_KIND_PROVIDER") {
      return area.value("score", 0.0);
    }
  }
  return std::nullopt;
}

// A lagom-gateway child process in front of the given services.
struct Gateway {
  std::unique_ptr<ChildProcess> process;
  std::string base;  // http://127.0.0.1:PORT
};

absl::StatusOr<Gateway> StartGateway(const std::vector<std::string>& backends) {
  std::vector<std::string> args = {"--listen=127.0.0.1:0", "--allow_plaintext",
                                   "--drain_deadline=5s"};
  args.insert(args.end(), backends.begin(), backends.end());
  absl::StatusOr<ChildProcess> child = ChildProcess::Start(LAGOM_GATEWAY_BIN, args, ScratchDir());
  if (!child.ok()) return child.status();
  Gateway gateway;
  gateway.process = std::make_unique<ChildProcess>(*std::move(child));
  absl::StatusOr<std::string> address = gateway.process->WaitForAddress(absl::Seconds(20));
  if (!address.ok()) return address.status();
  gateway.base = absl::StrCat("http://", *address);
  HttpClient health(gateway.base, absl::Seconds(2));
  absl::StatusOr<HttpResponse> up = health.Send("GET", "/healthz");
  if (!up.ok() || up->status != 200) {
    return absl::UnavailableError(absl::StrCat("gateway not healthy: ", gateway.process->Stderr()));
  }
  return gateway;
}

class GatewayProcessTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<std::unique_ptr<ServiceStack>> stack = StartServiceStack();
    ASSERT_TRUE(stack.ok()) << stack.status();
    stack_ = stack->release();
    // A scoring service that admits one call per tenant and then throttles: 429.
    absl::StatusOr<RunningService> throttled =
        StartService(Scoring(), stack_->questionnaire.address,
                     {"--session_addr=" + stack_->session.address,
                      "--reporting_addr=" + stack_->reporting.address,
                      "--rate_limit_per_second=0.001", "--rate_limit_burst=1"});
    ASSERT_TRUE(throttled.ok()) << throttled.status();
    throttled_scoring_ = new RunningService(*std::move(throttled));

    absl::StatusOr<Gateway> gateway = StartGateway(
        {"--questionnaire_addr=" + stack_->questionnaire.address,
         "--session_addr=" + stack_->session.address, "--scoring_addr=" + stack_->scoring.address,
         "--reporting_addr=" + stack_->reporting.address, "--max_body_bytes=1000000"});
    ASSERT_TRUE(gateway.ok()) << gateway.status();
    gateway_ = new Gateway(*std::move(gateway));
    absl::StatusOr<Gateway> throttled_gateway =
        StartGateway({"--questionnaire_addr=" + stack_->questionnaire.address,
                      "--scoring_addr=" + throttled_scoring_->address});
    ASSERT_TRUE(throttled_gateway.ok()) << throttled_gateway.status();
    throttled_gateway_ = new Gateway(*std::move(throttled_gateway));

    absl::StatusOr<std::unique_ptr<gateway::Transcoder>> transcoder = gateway::ApiTranscoder();
    ASSERT_TRUE(transcoder.ok()) << transcoder.status();
    transcoder_ = transcoder->release();
    covered_ = new std::set<std::string>();
    client_ = new HttpClient(gateway_->base);

    // The tenant every test works in, made through the gateway with the operator token.
    tenant_ = new std::string(UniqueTenantId("gw"));
    Reply created =
        Call("POST", absl::StrCat("/v1/tenants?tenantId=", *tenant_),
             Json{{"displayName", "Gateway test"}}, Bearer(TestSecrets().operator_token));
    ASSERT_EQ(created.status, 200) << created;
    key_ = new std::string(created.body["initialAdminSecret"].get<std::string>());
  }

  static void TearDownTestSuite() {
    delete client_;
    delete throttled_gateway_;
    delete gateway_;
    delete throttled_scoring_;
    delete stack_;
  }

  // One request through the gateway; the method the gateway routes it to counts as covered
  // when the gateway answered it (whatever the status).
  static Reply Call(const std::string& method, const std::string& target, const Json& body,
                    const Headers& headers, HttpClient* client = nullptr) {
    Reply reply;
    absl::StatusOr<HttpResponse> response =
        (client != nullptr ? client : client_)
            ->Send(method, target, body.is_null() ? "" : body.dump(), headers);
    EXPECT_TRUE(response.ok()) << response.status();
    if (!response.ok()) return reply;
    reply.status = response->status;
    reply.raw = response->body;
    reply.headers = response->headers;
    reply.body = Json::parse(response->body, nullptr, /*allow_exceptions=*/false);
    const std::string path = target.substr(0, target.find('?'));
    if (absl::StatusOr<gateway::Transcoder::Match> match = transcoder_->Find(method, path);
        match.ok()) {
      covered_->insert(match->route->method->full_name());
    }
    return reply;
  }
  // As the tenant admin.
  static Reply Admin(const std::string& method, const std::string& target,
                     const Json& body = nullptr) {
    return Call(method, target, body, Bearer(*key_));
  }

  static std::string Parent() { return absl::StrCat("tenants/", *tenant_); }
  // A customer organisation of the test tenant; its resource name.
  static std::string CreateOrganization(const std::string& id) {
    Reply org = Admin("POST", V1(Parent()) + "/customerOrganizations?customerOrganizationId=" + id,
                      Json{{"displayName", id + " AB"}});
    EXPECT_EQ(org.status, 200) << org;
    return org.body["customerOrganization"].value("name", "");
  }
  static std::string V1(const std::string& rest) { return absl::StrCat("/v1/", rest); }

  // The ErrorInfo reason of an error reply.
  static std::string Reason(const Reply& reply) {
    if (!reply.body.is_object()) return "";
    for (const Json& detail : reply.body.value("details", Json::array())) {
      if (detail.value("@type", "") == "type.googleapis.com/google.rpc.ErrorInfo") {
        return detail.value("reason", "");
      }
    }
    return "";
  }
  static std::string ViolatedField(const Reply& reply) {
    if (!reply.body.is_object()) return "";
    for (const Json& detail : reply.body.value("details", Json::array())) {
      if (detail.value("@type", "") == "type.googleapis.com/google.rpc.BadRequest") {
        return detail["fieldViolations"][0].value("field", "");
      }
    }
    return "";
  }

  static ServiceStack* stack_;
  static RunningService* throttled_scoring_;
  static Gateway* gateway_;
  static Gateway* throttled_gateway_;
  static gateway::Transcoder* transcoder_;
  static std::set<std::string>* covered_;
  static HttpClient* client_;
  static std::string* tenant_;
  static std::string* key_;
};

ServiceStack* GatewayProcessTest::stack_ = nullptr;
RunningService* GatewayProcessTest::throttled_scoring_ = nullptr;
Gateway* GatewayProcessTest::gateway_ = nullptr;
Gateway* GatewayProcessTest::throttled_gateway_ = nullptr;
gateway::Transcoder* GatewayProcessTest::transcoder_ = nullptr;
std::set<std::string>* GatewayProcessTest::covered_ = nullptr;
HttpClient* GatewayProcessTest::client_ = nullptr;
std::string* GatewayProcessTest::tenant_ = nullptr;
std::string* GatewayProcessTest::key_ = nullptr;

TEST_F(GatewayProcessTest, Webhooks) {
  const std::string tenant = V1(Parent());
  Reply bad =
      Admin("POST", tenant + "/webhooks",
            Json{{"url", "http://itsm.example.com/hook"}, {"eventTypes", {"session.closed"}}});
  EXPECT_EQ(bad.status, 400) << bad;
  EXPECT_EQ(ViolatedField(bad), "webhook.url");
  Reply created = Admin("POST", tenant + "/webhooks?webhookId=itsm",
                        Json{{"url", "https://itsm.example.com/hook"},
                             {"eventTypes", {"session.closed", "scorecard.ready"}}});
  ASSERT_EQ(created.status, 200) << created;
  EXPECT_EQ(created.body["secret"].get<std::string>().rfind("whsec_", 0), 0u);
  const std::string name = created.body["webhook"]["name"];
  Reply got = Admin("GET", V1(name));
  ASSERT_EQ(got.status, 200) << got;
  EXPECT_FALSE(got.body.contains("secret"));
  EXPECT_EQ(Admin("GET", tenant + "/webhooks").status, 200);
  Reply log = Admin("GET", V1(name + "/deliveries"));
  EXPECT_EQ(log.status, 200) << log;
  EXPECT_EQ(Admin("DELETE", V1(name)).status, 200);
  EXPECT_EQ(Admin("GET", V1(name)).status, 404);
}

TEST_F(GatewayProcessTest, TenantsApiKeysRoleBindingsAndAuditEvents) {
  const std::string tenant = V1(Parent());
  const Headers op = Bearer(TestSecrets().operator_token);
  Reply got = Admin("GET", tenant);
  ASSERT_EQ(got.status, 200) << got;
  EXPECT_EQ(got.body["tenant"]["name"], Parent());
  EXPECT_EQ(Call("GET", "/v1/tenants?pageSize=100", nullptr, op).status, 200);
  // Renaming a tenant is the operator's: the tenant's own admin gets 403.
  Reply not_yours =
      Admin("PATCH", tenant + "?updateMask=displayName", Json{{"displayName", "Renamed"}});
  EXPECT_EQ(not_yours.status, 403) << not_yours;
  Reply renamed =
      Call("PATCH", tenant + "?updateMask=displayName", Json{{"displayName", "Renamed"}}, op);
  ASSERT_EQ(renamed.status, 200) << renamed;
  EXPECT_EQ(renamed.body["tenant"]["displayName"], "Renamed");
  EXPECT_EQ(Admin("GET", tenant + "/settings").status, 200);
  Reply settings = Admin("PATCH", tenant + "/settings?updateMask=benchmarkOptIn",
                         Json{{"benchmarkOptIn", true}});
  ASSERT_EQ(settings.status, 200) << settings;
  EXPECT_EQ(settings.body["settings"]["benchmarkOptIn"], true);

  Reply key = Admin("POST", tenant + "/apiKeys?apiKeyId=viewer",
                    Json{{"displayName", "Viewer"}, {"roles", {"ROLE_VIEWER"}}});
  ASSERT_EQ(key.status, 200) << key;
  const std::string key_name = key.body["apiKey"]["name"];
  EXPECT_EQ(Admin("GET", V1(key_name)).status, 200);
  Reply keys = Admin("GET", tenant + "/apiKeys?showInactive=true");
  ASSERT_EQ(keys.status, 200) << keys;
  EXPECT_GE(keys.body["apiKeys"].size(), 2u);
  Reply rotated = Admin("POST", V1(key_name + ":rotate"), Json::object());
  ASSERT_EQ(rotated.status, 200) << rotated;
  const std::string secret = rotated.body["secret"];
  // A viewer may read but not write: 403 with the services' reason.
  EXPECT_EQ(Call("GET", tenant + "/sessions", nullptr, Bearer(secret)).status, 200);
  Reply refused = Call("POST", tenant + "/customerOrganizations?customerOrganizationId=x",
                       Json{{"displayName", "X"}}, Bearer(secret));
  EXPECT_EQ(refused.status, 403) << refused;
  EXPECT_EQ(refused.body["code"], 7);
  EXPECT_EQ(Reason(refused), "PERMISSION_DENIED");
  Reply revoked = Admin("POST", V1(key_name + ":revoke"), Json::object());
  ASSERT_EQ(revoked.status, 200) << revoked;

  Reply binding = Admin("POST", tenant + "/roleBindings?roleBindingId=alice",
                        Json{{"principal", "user:alice@example.com"}, {"role", "ROLE_VIEWER"}});
  ASSERT_EQ(binding.status, 200) << binding;
  const std::string binding_name = binding.body["roleBinding"]["name"];
  EXPECT_EQ(Admin("GET", V1(binding_name)).status, 200);
  EXPECT_EQ(Admin("GET", tenant + "/roleBindings").status, 200);
  EXPECT_EQ(Admin("DELETE", V1(binding_name)).status, 200);
  Reply audit = Admin("GET", tenant + "/auditEvents?pageSize=10");
  EXPECT_EQ(audit.status, 200) << audit;

  // Another tenant, made and deleted by the operator.
  const std::string doomed = UniqueTenantId("gwdel");
  EXPECT_EQ(
      Call("POST", "/v1/tenants?tenantId=" + doomed, Json{{"displayName", "Doomed"}}, op).status,
      200);
  // Without data it goes without force; force (its data purged by every service) is a query
  // parameter, and may follow.
  Reply deleted = Call("DELETE", "/v1/tenants/" + doomed, nullptr, op);
  EXPECT_EQ(deleted.status, 200) << deleted;
  Reply purged = Call("DELETE", "/v1/tenants/" + doomed + "?force=true", nullptr, op);
  EXPECT_EQ(purged.status, 200) << purged;
  Reply gone = Call("GET", "/v1/tenants/" + doomed, nullptr, op);
  ASSERT_EQ(gone.status, 200) << gone;
  EXPECT_EQ(gone.body["tenant"]["state"], "STATE_DELETED");
}

TEST_F(GatewayProcessTest, CatalogOrganizationsServicesAndImport) {
  const std::string tenant = V1(Parent());
  const std::string org_name = CreateOrganization("north");
  Reply again = Admin("POST", tenant + "/customerOrganizations?customerOrganizationId=north",
                      Json{{"displayName", "North AB"}});
  EXPECT_EQ(again.status, 409) << again;
  EXPECT_EQ(Reason(again), "ALREADY_EXISTS");
  EXPECT_EQ(Admin("GET", V1(org_name)).status, 200);
  EXPECT_EQ(Admin("GET", tenant + "/customerOrganizations?orderBy=display_name").status, 200);
  Reply updated =
      Admin("PATCH", V1(org_name) + "?updateMask=industry", Json{{"industry", "Forestry"}});
  ASSERT_EQ(updated.status, 200) << updated;
  EXPECT_EQ(updated.body["customerOrganization"]["industry"], "Forestry");

  Reply service = Admin("POST", tenant + "/services?serviceId=email",
                        Json{{"displayName", "E-mail"}, {"customerOrganizations", {org_name}}});
  ASSERT_EQ(service.status, 200) << service;
  const std::string service_name = service.body["service"]["name"];
  EXPECT_EQ(Admin("GET", V1(service_name)).status, 200);
  EXPECT_EQ(Admin("GET", tenant + "/services").status, 200);
  EXPECT_EQ(Admin("PATCH", V1(service_name) + "?updateMask=owner", Json{{"owner", "Ops"}}).status,
            200);
  // Still referenced by the service: the services' FAILED_PRECONDITION is a 400 with a reason.
  Reply in_use = Admin("DELETE", V1(org_name));
  EXPECT_EQ(in_use.status, 400) << in_use;
  EXPECT_EQ(in_use.body["code"], 9);
  EXPECT_EQ(Reason(in_use), "RESOURCE_IN_USE");
  EXPECT_EQ(Admin("DELETE", V1(service_name)).status, 200);

  const std::string rows =
      R"({"rows": [{"recordType": "CATALOG_RECORD_TYPE_CUSTOMER_ORGANIZATION",)"
      R"( "externalId": "ext-1", "displayName": "Imported AB"}]})";
  Reply imported = Admin("POST", tenant + ":importCatalog",
                         Json{{"format", "IMPORT_FORMAT_JSON"},
                              {"payload", absl::Base64Escape(rows)},
                              {"sourceSystem", "test"}});
  ASSERT_EQ(imported.status, 200) << imported;
  EXPECT_EQ(imported.body["applied"], true);
  EXPECT_EQ(imported.body["createdCustomerOrganizationCount"], 1);
  EXPECT_EQ(Admin("DELETE", V1(CreateOrganization("gone"))).status, 200);
}

TEST_F(GatewayProcessTest, ModelsAndVersionsThroughBothBindings) {
  EXPECT_EQ(Admin("GET", "/v1/models/lagom-itsm").status, 200);
  Reply builtin = Admin("GET", V1(kBuiltIn) + "?skipContent=true");
  ASSERT_EQ(builtin.status, 200) << builtin;
  EXPECT_EQ(builtin.body["modelVersion"]["name"], kBuiltIn);
  EXPECT_EQ(Admin("GET", "/v1/models/lagom-itsm/versions").status, 200);
  Reply exported = Admin("GET", V1(kBuiltIn) + ":export");
  ASSERT_EQ(exported.status, 200) << exported;
  // The questionnaire service validates tenants' versions only: to a tenant's admin a built-in
  // version is not there to validate (common/auth/permissions_test.cc).
  Reply builtin_check = Admin("POST", V1(kBuiltIn) + ":validate", Json::object());
  EXPECT_EQ(builtin_check.status, 404) << builtin_check;
  EXPECT_EQ(Reason(builtin_check), "RESOURCE_NOT_FOUND");
  EXPECT_EQ(builtin_check.body["message"], absl::StrCat(kBuiltIn, " not found"));

  const std::string tenant = V1(Parent());
  Reply model = Admin("POST", tenant + "/models?modelId=own",
                      Json{{"displayName", {{"translations", {{"en", "Own model"}}}}}});
  ASSERT_EQ(model.status, 200) << model;
  const std::string model_name = model.body["model"]["name"];
  EXPECT_EQ(Admin("GET", V1(model_name)).status, 200);
  EXPECT_EQ(Admin("GET", tenant + "/models?includeBuiltin=true").status, 200);
  EXPECT_EQ(Admin("PATCH", V1(model_name) + "?updateMask=description",
                  Json{{"description", {{"translations", {{"en", "Ours"}}}}}})
                .status,
            200);
  // A draft copied from the built-in model.
  auto draft = [&](const std::string& id) {
    Reply version = Admin(
        "POST",
        absl::StrCat(V1(model_name), "/versions?modelVersionId=", id, "&sourceVersion=", kBuiltIn),
        Json{{"versionLabel", id}});
    EXPECT_EQ(version.status, 200) << version;
    return version.body["modelVersion"].value("name", "");
  };
  const std::string version = draft("v1");
  EXPECT_EQ(Admin("GET", V1(version) + "?skipContent=true").status, 200);
  EXPECT_EQ(Admin("GET", V1(model_name) + "/versions").status, 200);
  EXPECT_EQ(Admin("PATCH", V1(version) + "?updateMask=releaseNotes",
                  Json{{"releaseNotes", {{"translations", {{"en", "First"}}}}}})
                .status,
            200);
  EXPECT_EQ(Admin("POST", V1(version) + ":validate", Json::object()).status, 200);
  Reply published = Admin("POST", V1(version) + ":publish", Json::object());
  ASSERT_EQ(published.status, 200) << published;
  // Published versions are immutable: FAILED_PRECONDITION, 400, with the state reason.
  Reply frozen = Admin("PATCH", V1(version) + "?updateMask=releaseNotes",
                       Json{{"releaseNotes", {{"translations", {{"en", "Changed"}}}}}});
  EXPECT_EQ(frozen.status, 400) << frozen;
  EXPECT_EQ(frozen.body["code"], 9);
  EXPECT_EQ(Reason(frozen), "STATE_CONFLICT");
  EXPECT_EQ(Admin("GET", V1(version) + ":export").status, 200);
  EXPECT_EQ(Admin("POST", V1(version) + ":deprecate", Json::object()).status, 200);
  const std::string second = draft("v2");
  EXPECT_EQ(Admin("DELETE", V1(second)).status, 200);

  Reply imported = Admin("POST", tenant + "/models:import",
                         Json{{"json", exported.body["json"]}, {"modelId", "imported"}});
  ASSERT_EQ(imported.status, 200) << imported.status;
  EXPECT_FALSE(imported.body["modelVersion"].value("name", "").empty());
  Reply empty = Admin("POST", tenant + "/models?modelId=empty",
                      Json{{"displayName", {{"translations", {{"en", "Empty"}}}}}});
  ASSERT_EQ(empty.status, 200) << empty;
  EXPECT_EQ(Admin("DELETE", V1(empty.body["model"]["name"])).status, 200);
}

TEST_F(GatewayProcessTest, AWholeSessionScoredAndReported) {
  const std::string tenant = V1(Parent());
  const std::string org_name = CreateOrganization("south");
  Reply created = Admin("POST", tenant + "/sessions?sessionId=autumn",
                        Json{{"title", "Autumn"},
                             {"modelVersion", kBuiltIn},
                             {"roundsEnabled", true},
                             {"scope", {{"customerOrganizations", {org_name}}}}});
  ASSERT_EQ(created.status, 200) << created;
  const std::string session = created.body["session"]["name"];
  EXPECT_EQ(Admin("GET", V1(session)).status, 200);
  EXPECT_EQ(Admin("GET", tenant + "/sessions?pageSize=5").status, 200);
  EXPECT_EQ(
      Admin("PATCH", V1(session) + "?updateMask=description", Json{{"description", "Q4"}}).status,
      200);
  Reply opened = Admin("POST", V1(session) + ":open", Json::object());
  ASSERT_EQ(opened.status, 200) << opened;
  EXPECT_EQ(opened.body["session"]["state"], "SESSION_STATE_OPEN");
  EXPECT_EQ(Admin("GET", V1(session) + "/progress").status, 200);

  auto participant = [&](const std::string& id, const Json& body) {
    Reply p = Admin("POST", V1(session) + "/participants?participantId=" + id, body);
    EXPECT_EQ(p.status, 200) << p;
    return p.body["participant"].value("name", "");
  };
  auto invite = [&](const std::string& name) {
    Reply i = Admin("POST", V1(session) + "/invitations", Json{{"participant", name}});
    EXPECT_EQ(i.status, 200) << i;
    return std::make_pair(i.body["invitation"].value("name", ""), i.body.value("token", ""));
  };
  const std::string provider = participant(
      "pat", Json{{"displayName", "Pat"}, {"perspective", "PARTICIPANT_PERSPECTIVE_PROVIDER"}});
  const std::string customer =
      participant("cas", Json{{"displayName", "Cas"},
                              {"perspective", "PARTICIPANT_PERSPECTIVE_CUSTOMER"},
                              {"customerOrganization", org_name}});
  const std::string extra = participant(
      "eve", Json{{"displayName", "Eve"}, {"perspective", "PARTICIPANT_PERSPECTIVE_PROVIDER"}});
  EXPECT_EQ(Admin("GET", V1(provider)).status, 200);
  EXPECT_EQ(Admin("GET", V1(session) + "/participants").status, 200);
  EXPECT_EQ(
      Admin("PATCH", V1(provider) + "?updateMask=displayName", Json{{"displayName", "Pat P."}})
          .status,
      200);
  const std::string provider_token = invite(provider).second;
  const std::string customer_token = invite(customer).second;
  const std::string extra_invitation = invite(extra).first;
  EXPECT_EQ(Admin("GET", V1(session) + "/invitations").status, 200);
  EXPECT_EQ(Admin("POST", V1(extra_invitation + ":revoke"), Json::object()).status, 200);
  EXPECT_EQ(Admin("DELETE", V1(extra)).status, 200);

  // Respondents answer with their invite tokens, which pass through as gRPC metadata.
  const Headers as_provider = {{"x-lagom-invite-token", provider_token}};
  const Headers as_customer = {{"x-lagom-invite-token", customer_token}};
  Reply accepted =
      Call("POST", "/v1/invitations:accept", Json{{"token", provider_token}}, as_provider);
  ASSERT_EQ(accepted.status, 200) << accepted;
  EXPECT_EQ(accepted.body["participant"]["name"], provider);
  Reply answer = Call("POST", V1(provider + "/answers:submit"),
                      Json{{"answer", {{"itemId", kProviderItem}, {"value", 4}}}}, as_provider);
  ASSERT_EQ(answer.status, 200) << answer;
  Reply out_of_scale =
      Call("POST", V1(provider + "/answers:submit"),
           Json{{"answer", {{"itemId", kProviderItem}, {"value", 9}}}}, as_provider);
  EXPECT_EQ(out_of_scale.status, 400) << out_of_scale;
  EXPECT_FALSE(ViolatedField(out_of_scale).empty()) << out_of_scale;
  Reply batch = Call("POST", V1(customer + "/answers:batchSubmit"),
                     Json{{"answers", {{{"itemId", kCustomerItem}, {"value", 3}}}}}, as_customer);
  ASSERT_EQ(batch.status, 200) << batch;
  Reply kept = Call("GET", V1(provider + "/answers/" + kProviderItem), nullptr, as_provider);
  ASSERT_EQ(kept.status, 200) << kept;
  EXPECT_EQ(kept.body["answer"]["value"], 4.0);
  Reply listed = Admin(
      "GET", V1(provider + "/answers") + "?itemIds=" + kProviderItem + "&itemIds=" + kCustomerItem);
  ASSERT_EQ(listed.status, 200) << listed;
  EXPECT_EQ(listed.body["answers"].size(), 1u);
  Reply customer_answer = Call(
      "POST", V1(customer + "/answers:submit"),
      Json{{"answer", {{"itemId", "catalogue.services.customer"}, {"value", 5}}}}, as_customer);
  EXPECT_EQ(customer_answer.status, 200) << customer_answer;
  // The compact read of the whole session, for services and exports; not for respondents.
  Reply values = Admin("GET", V1(session + "/answerValues"));
  ASSERT_EQ(values.status, 200) << values;
  std::multiset<double> given;
  for (const Json& run : values.body["participants"]) {
    for (const Json& a : run["answers"]) given.insert(a["value"].get<double>());
  }
  EXPECT_EQ(given, (std::multiset<double>{4.0, 5.0})) << values;
  Reply first_value = Admin("GET", V1(session + "/answerValues") + "?pageSize=1");
  ASSERT_EQ(first_value.status, 200) << first_value;
  EXPECT_EQ(first_value.body["participants"].size(), 1u);
  EXPECT_TRUE(first_value.body.contains("nextPageToken")) << first_value;
  EXPECT_EQ(Call("GET", V1(session + "/answerValues"), nullptr, as_provider).status, 403);

  // WatchSession is a server stream: newline-delimited JSON, first message {"result": ...}.
  HttpClient watcher(gateway_->base, absl::Seconds(10));
  std::string first_line;
  absl::StatusOr<HttpResponse> watched = watcher.Stream(
      "GET", V1(session + ":watch"), Bearer(*key_), [&](const std::string& received) {
        const size_t newline = received.find('\n');
        if (newline == std::string::npos) return true;
        first_line = received.substr(0, newline);
        return false;
      });
  ASSERT_TRUE(watched.ok()) << watched.status();
  EXPECT_EQ(watched->status, 200);
  EXPECT_EQ(watched->headers["content-type"], "application/x-ndjson");
  Json event = Json::parse(first_line, nullptr, false);
  EXPECT_TRUE(event.contains("result")) << first_line;
  covered_->insert("lagom.session.v1.SessionService.WatchSession");

  Reply round = Admin("POST", V1(session) + "/rounds",
                      Json{{"itemIds", {kProviderItem}}, {"note", "Re-vote"}});
  ASSERT_EQ(round.status, 200) << round;
  const std::string round_name = round.body["round"]["name"];
  EXPECT_EQ(Admin("GET", V1(round_name)).status, 200);
  EXPECT_EQ(Admin("GET", V1(session) + "/rounds").status, 200);
  Reply reveal = Admin("POST", V1(round_name + ":reveal"), Json{{"itemIds", {kProviderItem}}});
  EXPECT_EQ(reveal.status, 200) << reveal;
  // The provider votes again: only the re-vote round's answer is in force once it started.
  Reply revote = Call("POST", V1(provider + "/answers:submit"),
                      Json{{"answer", {{"itemId", kProviderItem}, {"value", 3}}}}, as_provider);
  ASSERT_EQ(revote.status, 200) << revote;
  EXPECT_EQ(revote.body["answer"]["round"], 2) << revote;
  EXPECT_EQ(Call("DELETE", V1(customer + "/answers/" + kCustomerItem), nullptr, as_customer).status,
            200);
  EXPECT_EQ(Call("POST", V1(provider + ":complete"), Json::object(), as_provider).status, 200);

  Reply closed = Admin("POST", V1(session) + ":close", Json::object());
  ASSERT_EQ(closed.status, 200) << closed;
  EXPECT_EQ(closed.body["session"]["state"], "SESSION_STATE_CLOSED");
  Reply scored = Admin("POST", V1(session + ":score"), Json::object());
  ASSERT_EQ(scored.status, 200) << scored;
  // The provider's one answer in force (3, the re-vote) scores its area.
  const std::optional<double> score = ProviderAreaScore(scored.body["scorecard"], "catalogue");
  ASSERT_TRUE(score.has_value()) << scored;
  EXPECT_GT(*score, 0) << scored;
  Reply explained = Admin("POST", tenant + ":explainScore",
                          Json{{"session", session},
                               {"figure",
                                {{"kind", "FIGURE_KIND_AREA_SCORE"},
                                 {"areaId", "catalogue"},
                                 {"group", {{"kind", "RESPONSE_GROUP_KIND_PROVIDER"}}}}}});
  ASSERT_EQ(explained.status, 200) << explained;
  EXPECT_NEAR(explained.body.value("explanation", Json::object()).value("value", -1.0), *score,
              1e-9)
      << explained;
  Reply supplied = Admin("POST", tenant + ":scoreResponses",
                         Json{{"modelVersion", kBuiltIn},
                              {"areaIds", {"catalogue"}},
                              {"answers",
                               {{{"respondentId", "r1"},
                                 {"perspective", "PERSPECTIVE_PROVIDER"},
                                 {"itemId", kProviderItem},
                                 {"value", 3}}}}});
  ASSERT_EQ(supplied.status, 200) << supplied;
  // The same one answer as the session's: the same score.
  const std::optional<double> supplied_score =
      ProviderAreaScore(supplied.body["scorecard"], "catalogue");
  ASSERT_TRUE(supplied_score.has_value()) << supplied;
  EXPECT_NEAR(*supplied_score, *score, 1e-9) << supplied;

  Reply cards = Admin("GET", tenant + "/scorecards?selector.session=" + session);
  ASSERT_EQ(cards.status, 200) << cards;
  ASSERT_FALSE(cards.body["scorecards"].empty()) << cards;
  const std::string card = cards.body["scorecards"][0]["name"];
  EXPECT_EQ(Admin("GET", V1(card)).status, 200);
  EXPECT_EQ(Admin("GET", V1(card) + ":compare?comparisonScorecard=" + card).status, 200);
  // Groups are messages: only a POST body can carry them.
  Reply compared = Admin("POST", V1(card) + ":compare",
                         Json{{"comparisonScorecard", card},
                              {"groups", {{{"kind", "RESPONSE_GROUP_KIND_PROVIDER"}}}}});
  ASSERT_EQ(compared.status, 200) << compared;
  ASSERT_FALSE(compared.body["areas"].empty()) << compared;
  for (const Json& area : compared.body["areas"]) {
    EXPECT_EQ(area["group"]["kind"], "RESPONSE_GROUP_KIND_PROVIDER") << compared;
  }
  // The provider's figures: the session's customer answer was deleted.
  Reply trend = Admin("GET", tenant +
                                 "/scorecards:trend?metric=TREND_METRIC_AREA_SCORE"
                                 "&group.kind=RESPONSE_GROUP_KIND_PROVIDER&selector.session=" +
                                 session);
  ASSERT_EQ(trend.status, 200) << trend;
  int trend_points = 0;
  for (const Json& series : trend.body.value("series", Json::array())) {
    if (series.value("areaId", "") != "catalogue") continue;
    for (const Json& point : series.value("points", Json::array())) {
      if (point.value("scorecard", "") != card) continue;
      ++trend_points;
      EXPECT_NEAR(point.value("value", -1.0), *score, 1e-9) << trend;
    }
  }
  EXPECT_EQ(trend_points, 1) << trend;
  // Benchmarks are read by tenants that opted in; the opt-in is this test's own, not left to
  // whichever test ran before.
  Reply opted_in = Admin("PATCH", tenant + "/settings?updateMask=benchmarkOptIn",
                         Json{{"benchmarkOptIn", true}});
  ASSERT_EQ(opted_in.status, 200) << opted_in;
  Reply benchmark = Admin(
      "GET", tenant + ":benchmark?model=models/lagom-itsm&groupKind=RESPONSE_GROUP_KIND_PROVIDER");
  ASSERT_EQ(benchmark.status, 200) << benchmark;
  EXPECT_EQ(benchmark.body.value("minTenantCount", 0), 5) << benchmark;
  bool own_catalogue_score = false;
  for (const Json& area : benchmark.body.value("areas", Json::array())) {
    if (area.value("areaLineageId", "") == "lin.catalogue") {
      own_catalogue_score = area.contains("ownScore");
    }
  }
  EXPECT_TRUE(own_catalogue_score) << benchmark;
  Reply report = Admin("GET", V1(card) + ":render?format=REPORT_FORMAT_HTML");
  ASSERT_EQ(report.status, 200) << report.status;
  std::string html;
  ASSERT_TRUE(absl::Base64Unescape(report.body["content"].get<std::string>(), &html));
  EXPECT_THAT(html, HasSubstr("<html"));
  Reply csv = Admin("GET", V1(card) + ":export?format=EXPORT_FORMAT_CSV");
  EXPECT_EQ(csv.status, 200) << csv.status;
  // Recording a scorecard is for the scoring service alone (docs/security.md): a tenant admin
  // is refused.
  Reply record = Admin("POST", tenant + "/scorecards", cards.body["scorecards"][0]);
  EXPECT_EQ(record.status, 403) << record;
  EXPECT_EQ(Reason(record), "PERMISSION_DENIED");

  HttpClient streamer(gateway_->base, absl::Seconds(10));
  absl::StatusOr<HttpResponse> streamed = streamer.Send(
      "GET", tenant + "/scorecards:stream?selector.session=" + session, "", Bearer(*key_));
  ASSERT_TRUE(streamed.ok()) << streamed.status();
  EXPECT_EQ(streamed->status, 200) << streamed->body;
  EXPECT_THAT(streamed->body, HasSubstr(absl::StrCat(R"({"result":)")));
  covered_->insert("lagom.reporting.v1.ReportingService.StreamScorecards");

  EXPECT_EQ(Admin("POST", V1(session) + ":archive", Json::object()).status, 200);
  Reply draft = Admin("POST", tenant + "/sessions?sessionId=scrap",
                      Json{{"title", "Scrap"}, {"modelVersion", kBuiltIn}});
  ASSERT_EQ(draft.status, 200) << draft;
  EXPECT_EQ(Admin("DELETE", V1(draft.body["session"]["name"])).status, 200);
}

TEST_F(GatewayProcessTest, BadRequestsAreNamedFieldByField) {
  const std::string sessions = V1(Parent()) + "/sessions";
  absl::StatusOr<HttpResponse> raw =
      client_->Send("POST", sessions, R"({"title": "x")", Bearer(*key_));
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(raw->status, 400) << raw->body;
  EXPECT_THAT(raw->body, HasSubstr("not a valid lagom.session.v1.Session in JSON"));

  Reply unknown = Admin("POST", sessions, Json{{"titel", "x"}});
  EXPECT_EQ(unknown.status, 400) << unknown;
  EXPECT_EQ(ViolatedField(unknown), "session.titel");
  EXPECT_EQ(Reason(unknown), "FIELD_INVALID");
  Reply wrong_type = Admin("POST", sessions, Json{{"title", 5}});
  EXPECT_EQ(wrong_type.status, 400) << wrong_type;
  EXPECT_EQ(ViolatedField(wrong_type), "session.title");
  Reply bad_query = Admin("GET", sessions + "?pageSize=ten");
  EXPECT_EQ(bad_query.status, 400) << bad_query;
  EXPECT_EQ(ViolatedField(bad_query), "page_size");
  Reply unknown_query = Admin("GET", sessions + "?colour=red");
  EXPECT_EQ(unknown_query.status, 400) << unknown_query;
  EXPECT_THAT(unknown_query.body["message"].get<std::string>(), HasSubstr("known: pageSize"));
  // A service's own validation comes back with its BadRequest.
  Reply invalid = Admin("POST", sessions, Json{{"title", "No model"}});
  EXPECT_EQ(invalid.status, 400) << invalid;
  EXPECT_FALSE(ViolatedField(invalid).empty()) << invalid;
  Reply large = Admin("POST", sessions, Json{{"title", std::string(1500000, 'x')}});
  EXPECT_EQ(large.status, 413) << large.status;
  EXPECT_EQ(Reason(large), "QUOTA_EXCEEDED");
}

TEST_F(GatewayProcessTest, UnknownRoutesAndResourcesAreNotFound) {
  Reply route = Admin("GET", "/v1/nothing/here");
  EXPECT_EQ(route.status, 404) << route;
  EXPECT_EQ(route.body["code"], 5);
  EXPECT_THAT(route.body["message"].get<std::string>(), HasSubstr("no route for GET /v1/nothing"));
  Reply method = Admin("DELETE", V1(Parent()) + "/sessions/x:close");
  EXPECT_EQ(method.status, 404) << method;
  EXPECT_THAT(method.body["message"].get<std::string>(), HasSubstr("this path takes POST"));
  Reply resource = Admin("GET", V1(Parent()) + "/sessions/does-not-exist");
  EXPECT_EQ(resource.status, 404) << resource;
  EXPECT_EQ(Reason(resource), "RESOURCE_NOT_FOUND");
}

TEST_F(GatewayProcessTest, CredentialsPassThroughAndTheGatewayAddsNone) {
  const std::string sessions = V1(Parent()) + "/sessions";
  Reply none = Call("GET", sessions, nullptr, {});
  EXPECT_EQ(none.status, 401) << none;
  EXPECT_EQ(none.body["code"], 16);
  EXPECT_THAT(none.body["message"].get<std::string>(), HasSubstr("authorization: Bearer"));
  Reply bad = Call("GET", sessions, nullptr, Bearer("lgm_" + *tenant_ + ".wrong"));
  EXPECT_EQ(bad.status, 401) << bad;
  // The services' own credential is not forwarded, even when a caller knows it.
  Reply internal =
      Call("GET", sessions, nullptr, {{"x-lagom-service-token", TestSecrets().service_token}});
  EXPECT_EQ(internal.status, 401) << internal;
  // Another tenant's resources are not even visible.
  const std::string other = UniqueTenantId("gwother");
  ASSERT_EQ(Call("POST", "/v1/tenants?tenantId=" + other, Json{{"displayName", "Other"}},
                 Bearer(TestSecrets().operator_token))
                .status,
            200);
  Reply foreign = Admin("GET", "/v1/tenants/" + other + "/sessions");
  EXPECT_EQ(foreign.status, 404) << foreign;
}

TEST_F(GatewayProcessTest, ThrottledCallsAre429WithRetryAfter) {
  HttpClient client(throttled_gateway_->base);
  const std::string target = V1(Parent()) + ":scoreResponses";
  const Json body = {{"modelVersion", kBuiltIn}};
  Reply first = Call("POST", target, body, Bearer(*key_), &client);
  EXPECT_NE(first.status, 429) << first;
  Reply second = Call("POST", target, body, Bearer(*key_), &client);
  EXPECT_EQ(second.status, 429) << second;
  EXPECT_EQ(second.body["code"], 8);
  EXPECT_FALSE(second.headers["retry-after"].empty());
  // No session service behind this gateway: its routes say so.
  Reply missing = Call("GET", V1(Parent()) + "/sessions", nullptr, Bearer(*key_), &client);
  EXPECT_EQ(missing.status, 501) << missing;
}

TEST_F(GatewayProcessTest, ServesItsOpenApiDocumentAndHealth) {
  absl::StatusOr<HttpResponse> doc = client_->Send("GET", "/openapi.json");
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ(doc->status, 200);
  Json parsed = Json::parse(doc->body, nullptr, false);
  EXPECT_EQ(parsed["openapi"], "3.0.3");
  EXPECT_TRUE(parsed["paths"].contains("/v1/tenants/{tenant}/sessions/{session}:close"));
  absl::StatusOr<HttpResponse> health = client_->Send("GET", "/healthz");
  ASSERT_TRUE(health.ok());
  EXPECT_EQ(health->body, R"({"status":"SERVING"})");
}

TEST_F(GatewayProcessTest, SigtermEndsOpenStreamsAndExitsCleanly) {
  absl::StatusOr<Gateway> gateway =
      StartGateway({"--session_addr=" + stack_->session.address,
                    "--questionnaire_addr=" + stack_->questionnaire.address, "--drain_grace=3s"});
  ASSERT_TRUE(gateway.ok()) << gateway.status();
  Reply session = Call("POST", V1(Parent()) + "/sessions?sessionId=drain",
                       Json{{"title", "Drain"}, {"modelVersion", kBuiltIn}}, Bearer(*key_));
  ASSERT_EQ(session.status, 200) << session;
  HttpClient watcher(gateway->base, absl::Seconds(20));
  std::string received;
  std::thread watch([&] {
    absl::StatusOr<HttpResponse> r =
        watcher.Stream("GET", V1(session.body["session"]["name"].get<std::string>() + ":watch"),
                       Bearer(*key_), [&](const std::string& so_far) {
                         received = so_far;
                         return true;
                       });
    EXPECT_TRUE(r.ok()) << r.status();
  });
  // The stream is open once its first line arrived.
  for (int i = 0; i < 200 && received.find('\n') == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  ASSERT_NE(received.find('\n'), std::string::npos) << "no first watch message";
  gateway->process->Signal(SIGTERM);
  // During the grace: health says NOT_SERVING (load balancers move away) while a request
  // that still arrives is served.
  HttpClient late(gateway->base, absl::Seconds(5));
  absl::StatusOr<HttpResponse> health;
  for (int i = 0; i < 40; ++i) {
    health = late.Send("GET", "/healthz");
    if (health.ok() && health->status == 503) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  ASSERT_TRUE(health.ok()) << health.status();
  EXPECT_EQ(health->status, 503);
  EXPECT_EQ(health->body, R"({"status":"NOT_SERVING"})");
  Reply served = Call("GET", V1(session.body["session"]["name"].get<std::string>()), Json(),
                      Bearer(*key_), &late);
  EXPECT_EQ(served.status, 200) << "a request during the grace was refused: " << served;
  EXPECT_EQ(gateway->process->WaitForExit(absl::Seconds(15)), 0) << gateway->process->Stderr();
  watch.join();
  // UNAVAILABLE: the client may reconnect (to another replica), unlike a CANCELLED call.
  EXPECT_THAT(received, HasSubstr(R"({"error":{"code":14)")) << received;
}

TEST_F(GatewayProcessTest, HeadersGrpcCannotCarryAre400AndTheGatewayServesOn) {
  const std::string sessions = V1(Parent()) + "/sessions";
  Reply key = Call("GET", sessions, nullptr, {{"authorization", "Bearer k\xc3\xa9y"}});
  EXPECT_EQ(key.status, 400) << key;
  EXPECT_EQ(ViolatedField(key), "header authorization") << key;
  Headers accented = Bearer(*key_);
  accented.emplace_back("x-request-id", "caf\xc3\xa9");
  Reply request_id = Call("GET", sessions, nullptr, accented);
  EXPECT_EQ(request_id.status, 400) << request_id;
  EXPECT_EQ(ViolatedField(request_id), "header x-request-id") << request_id;
  Reply not_utf8 = Admin("GET", sessions + "?filter=%FF");
  EXPECT_EQ(not_utf8.status, 400) << not_utf8;
  EXPECT_EQ(ViolatedField(not_utf8), "filter") << not_utf8;
  // Still serving: such a header once ended the gateway's process.
  EXPECT_EQ(Admin("GET", sessions).status, 200);
}

// A caller sets its own deadline for a unary call with gRPC's grpc-timeout header: a passed
// one is 504 with nothing called, a malformed one 400 naming the header.
TEST_F(GatewayProcessTest, ACallersGrpcTimeoutShortensTheCall) {
  const std::string sessions = V1(Parent()) + "/sessions";
  Headers hurried = Bearer(*key_);
  hurried.emplace_back("grpc-timeout", "1n");
  Reply late = Call("GET", sessions, nullptr, hurried);
  EXPECT_EQ(late.status, 504) << late;
  // Nothing called: a create sent with it makes no session.
  Reply late_create = Call("POST", sessions + "?sessionId=toolate",
                           Json{{"title", "Too late"}, {"modelVersion", kBuiltIn}}, hurried);
  EXPECT_EQ(late_create.status, 504) << late_create;
  Reply not_made = Admin("GET", sessions + "/toolate");
  EXPECT_EQ(not_made.status, 404) << not_made;
  Headers patient = Bearer(*key_);
  patient.emplace_back("grpc-timeout", "20S");
  EXPECT_EQ(Call("GET", sessions, nullptr, patient).status, 200);
  for (const char* bad : {"soon", "5", "123456789S", "10d", "-5S"}) {
    Headers malformed = Bearer(*key_);
    malformed.emplace_back("grpc-timeout", bad);
    Reply refused = Call("GET", sessions, nullptr, malformed);
    EXPECT_EQ(refused.status, 400) << bad << ": " << refused;
    EXPECT_EQ(ViolatedField(refused), "header grpc-timeout") << bad << ": " << refused;
  }
}

TEST_F(GatewayProcessTest, StreamsAreLimitedInAllAndPerCredential) {
  absl::StatusOr<Gateway> gateway =
      StartGateway({"--session_addr=" + stack_->session.address,
                    "--questionnaire_addr=" + stack_->questionnaire.address, "--max_streams=3",
                    "--max_streams_per_caller=2"});
  ASSERT_TRUE(gateway.ok()) << gateway.status();
  Reply session = Admin("POST", V1(Parent()) + "/sessions?sessionId=capped",
                        Json{{"title", "Capped"}, {"modelVersion", kBuiltIn}});
  ASSERT_EQ(session.status, 200) << session;
  const std::string watch = V1(session.body["session"]["name"].get<std::string>() + ":watch");
  Reply viewer = Admin("POST", V1(Parent()) + "/apiKeys?apiKeyId=streamviewer",
                       Json{{"displayName", "Stream viewer"}, {"roles", {"ROLE_VIEWER"}}});
  ASSERT_EQ(viewer.status, 200) << viewer;
  const std::string viewer_key = viewer.body["secret"];
  HttpClient client(gateway->base, absl::Seconds(10));

  // A stream the service refuses at once gives its place back: five in a row, one at a time.
  for (int i = 0; i < 5; ++i) {
    Reply refused = Call("GET", watch, nullptr, Bearer("lgm_" + *tenant_ + ".k1.wrong"), &client);
    EXPECT_EQ(refused.status, 401) << i << ": " << refused;
  }

  struct Watcher {
    std::unique_ptr<HttpClient> client;
    absl::Mutex mu;
    std::string received ABSL_GUARDED_BY(mu);
    std::thread thread;
    std::string Received() {
      absl::MutexLock lock(&mu);
      return received;
    }
  };
  std::vector<std::unique_ptr<Watcher>> watchers;
  auto open = [&](const std::string& key) {
    auto w = std::make_unique<Watcher>();
    w->client = std::make_unique<HttpClient>(gateway->base, absl::Seconds(30));
    Watcher* raw = w.get();
    w->thread = std::thread([raw, key, watch] {
      (void)raw->client->Stream("GET", watch, Bearer(key), [raw](const std::string& so_far) {
        absl::MutexLock lock(&raw->mu);
        raw->received = so_far;
        return true;
      });
    });
    for (int i = 0; i < 400 && raw->Received().find('\n') == std::string::npos; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    EXPECT_NE(raw->Received().find('\n'), std::string::npos) << "no first watch message";
    watchers.push_back(std::move(w));
  };
  open(*key_);
  open(*key_);
  // The same credential however "Bearer" is spelt and spaced.
  Reply third_of_one =
      Call("GET", watch, nullptr, {{"authorization", "bearer   " + *key_ + " "}}, &client);
  EXPECT_EQ(third_of_one.status, 429) << third_of_one;
  EXPECT_THAT(third_of_one.body.value("message", ""), HasSubstr("this credential already holds 2"));
  open(viewer_key);
  Reply fourth = Call("GET", watch, nullptr, Bearer(viewer_key), &client);
  EXPECT_EQ(fourth.status, 503) << fourth;
  EXPECT_THAT(fourth.body.value("message", ""), HasSubstr("holds 3 open streams"));
  // Unary calls are not counted.
  EXPECT_EQ(
      Call("GET", V1(session.body["session"]["name"]), nullptr, Bearer(viewer_key), &client).status,
      200);

  gateway->process->Signal(SIGTERM);
  EXPECT_EQ(gateway->process->WaitForExit(absl::Seconds(15)), 0) << gateway->process->Stderr();
  for (auto& w : watchers) {
    w->thread.join();
    EXPECT_THAT(w->Received(), HasSubstr(R"({"error":{"code":14)")) << w->Received();
  }
}

// Last: every method the descriptors annotate was called above, through the gateway.
TEST_F(GatewayProcessTest, EveryAnnotatedMethodWasCalledThroughTheGateway) {
  if (GTEST_FLAG_GET(filter) != "*") GTEST_SKIP() << "needs every test of the suite";
  std::set<std::string> missing;
  for (const gateway::Route& route : transcoder_->routes()) {
    if (!covered_->contains(route.method->full_name())) missing.insert(route.method->full_name());
  }
  EXPECT_TRUE(missing.empty()) << "no gateway test calls: " << absl::StrJoin(missing, ", ");
}

}  // namespace
}  // namespace lagom::testing
