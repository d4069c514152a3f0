#include "common/auth/permissions.h"

#include <gmock/gmock.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <memory>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "common/status.h"
#include "google/api/annotations.pb.h"
#include "google/api/field_behavior.pb.h"
#include "google/api/resource.pb.h"
#include "lagom/auth/v1/auth.pb.h"
#include "lagom/auth/v1/tenant_data.pb.h"
#include "lagom/catalog/v1/catalog.pb.h"
#include "lagom/questionnaire/v1/questionnaire.pb.h"
#include "lagom/reporting/v1/reporting.pb.h"
#include "lagom/scoring/v1/scoring.pb.h"
#include "lagom/session/v1/session.pb.h"
#include "lagom/tenancy/v1/tenancy.pb.h"

namespace lagom::auth {
namespace {

using ::google::protobuf::Descriptor;
using ::google::protobuf::FieldDescriptor;
using ::google::protobuf::Message;
using ::google::protobuf::MethodDescriptor;
using ::google::protobuf::ServiceDescriptor;
using ::testing::HasSubstr;

constexpr char kTenant[] = "acme";
constexpr char kOtherTenant[] = "globex";
constexpr char kRecordScorecard[] = "lagom.reporting.v1.ReportingService.RecordScorecard";

const std::vector<Role>& AllRoles() {
  static const auto* const kRoles = new std::vector<Role>{
      v1::PRINCIPAL_ROLE_TENANT_ADMIN,
      v1::PRINCIPAL_ROLE_FACILITATOR,
      v1::PRINCIPAL_ROLE_PROVIDER_RESPONDENT,
      v1::PRINCIPAL_ROLE_CUSTOMER_RESPONDENT,
      v1::PRINCIPAL_ROLE_VIEWER,
      v1::PRINCIPAL_ROLE_SERVICE,
      v1::PRINCIPAL_ROLE_OPERATOR,
  };
  return *kRoles;
}

std::vector<const ServiceDescriptor*> Services() {
  const std::vector<std::pair<const Descriptor*, const char*>> anchors = {
      {tenancy::v1::GetTenantRequest::descriptor(), "TenantService"},
      {catalog::v1::GetItServiceRequest::descriptor(), "CatalogService"},
      {questionnaire::v1::GetModelRequest::descriptor(), "QuestionnaireService"},
      {session::v1::GetSessionRequest::descriptor(), "SessionService"},
      {scoring::v1::ScoreSessionRequest::descriptor(), "ScoringService"},
      {reporting::v1::GetScorecardRequest::descriptor(), "ReportingService"},
      {v1::AuthenticateRequest::descriptor(), "AuthService"},
      {v1::DescribeTenantDataRequest::descriptor(), "TenantDataService"},
  };
  std::vector<const ServiceDescriptor*> services;
  for (const auto& [message, name] : anchors) {
    const ServiceDescriptor* service = message->file()->FindServiceByName(name);
    EXPECT_NE(service, nullptr) << name;
    if (service != nullptr) services.push_back(service);
  }
  return services;
}

const MethodDescriptor* MethodOf(const MethodPolicy& policy) {
  return google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(policy.method);
}

const MethodPolicy& PolicyOf(absl::string_view method) {
  for (const MethodPolicy& policy : PermissionTable()) {
    if (policy.method == method) return policy;
  }
  ADD_FAILURE() << "no policy for " << method;
  static const MethodPolicy kNone;
  return kNone;
}

bool Allows(const MethodPolicy& policy, Role role) {
  return std::find(policy.roles.begin(), policy.roles.end(), role) != policy.roles.end();
}

Principal Caller(Role role, std::string tenant = kTenant) {
  Principal p;
  p.set_role(role);
  if (role == v1::PRINCIPAL_ROLE_OPERATOR) {
    p.set_subject("operator");
    p.set_credential_kind(v1::CREDENTIAL_KIND_OPERATOR);
  } else {
    p.set_tenant_id(std::move(tenant));
    p.set_subject(absl::StrCat("tenants/", p.tenant_id(), "/apiKeys/k1"));
    p.set_credential_kind(v1::CREDENTIAL_KIND_API_KEY);
  }
  return p;
}

// The caller a policy's role stands for: on RecordScorecard, SERVICE is the scoring service's
// principal forwarded with the service token; elsewhere an API key's.
Principal CallerOn(const MethodPolicy& policy, Role role, std::string tenant = kTenant) {
  Principal p = Caller(role, std::move(tenant));
  if (policy.method == kRecordScorecard && role == v1::PRINCIPAL_ROLE_SERVICE) {
    p.set_subject("lagom-scoring");
    p.set_credential_kind(v1::CREDENTIAL_KIND_SERVICE);
  }
  return p;
}

Principal InviteCaller(Role role = v1::PRINCIPAL_ROLE_CUSTOMER_RESPONDENT) {
  Principal p;
  p.set_tenant_id(kTenant);
  p.set_role(role);
  p.set_credential_kind(v1::CREDENTIAL_KIND_INVITE_TOKEN);
  p.set_session("tenants/acme/sessions/s1");
  p.set_participant("tenants/acme/sessions/s1/participants/p1");
  p.set_subject(p.participant());
  return p;
}

// The string field at a dotted path; nullptr unless every step is a singular message and the
// last a singular string.
const FieldDescriptor* FieldAt(const Descriptor& type, absl::string_view path) {
  const Descriptor* message = &type;
  const std::vector<std::string> parts = absl::StrSplit(path, '.');
  for (size_t i = 0; i < parts.size(); ++i) {
    const FieldDescriptor* field = message->FindFieldByName(parts[i]);
    if (field == nullptr || field->is_repeated()) return nullptr;
    if (i + 1 == parts.size()) {
      return field->type() == FieldDescriptor::TYPE_STRING ? field : nullptr;
    }
    if (field->type() != FieldDescriptor::TYPE_MESSAGE) return nullptr;
    message = field->message_type();
  }
  return nullptr;
}

void SetField(Message* message, absl::string_view path, const std::string& value) {
  const std::vector<std::string> parts = absl::StrSplit(path, '.');
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    const FieldDescriptor* field = message->GetDescriptor()->FindFieldByName(parts[i]);
    ASSERT_NE(field, nullptr) << path;
    message = message->GetReflection()->MutableMessage(message, field);
  }
  const FieldDescriptor* field = message->GetDescriptor()->FindFieldByName(parts.back());
  ASSERT_NE(field, nullptr) << path;
  message->GetReflection()->SetString(message, field, value);
}

std::unique_ptr<Message> NewRequest(const MethodPolicy& policy) {
  const MethodDescriptor* method = MethodOf(policy);
  if (method == nullptr) return nullptr;
  return std::unique_ptr<Message>(google::protobuf::MessageFactory::generated_factory()
                                      ->GetPrototype(method->input_type())
                                      ->New());
}

std::string HttpPath(const MethodDescriptor& method) {
  const google::api::HttpRule& rule = method.options().GetExtension(google::api::http);
  for (const std::string* path :
       {&rule.get(), &rule.post(), &rule.patch(), &rule.put(), &rule.delete_()}) {
    if (!path->empty()) return *path;
  }
  return "";
}

// The path variables of the method's REST binding: {field -> pattern}, e.g.
// {"name" -> "tenants/*/sessions/*"}.
absl::flat_hash_map<std::string, std::string> HttpVariables(const MethodDescriptor& method) {
  absl::flat_hash_map<std::string, std::string> variables;
  static const std::regex kVariable(R"(\{([a-z_.]+)=([^}]+)\})");
  const std::string path = HttpPath(method);
  for (auto it = std::sregex_iterator(path.begin(), path.end(), kVariable);
       it != std::sregex_iterator(); ++it) {
    variables[(*it)[1].str()] = (*it)[2].str();
  }
  return variables;
}

// A realistic name for the policy's resource field in `tenant`, from the REST binding:
// "tenants/*/sessions/*" -> "tenants/acme/sessions/x1".
std::string ExampleName(const MethodPolicy& policy, absl::string_view tenant) {
  std::string pattern = "tenants/*";
  if (const MethodDescriptor* method = MethodOf(policy); method != nullptr) {
    auto variables = HttpVariables(*method);
    if (auto it = variables.find(policy.resource_field); it != variables.end()) {
      pattern = it->second;
    }
  }
  std::string name =
      absl::StrReplaceAll(pattern, {{"tenants/*", absl::StrCat("tenants/", tenant)}});
  return absl::StrReplaceAll(name, {{"*", "x1"}});
}

std::unique_ptr<Message> RequestNaming(const MethodPolicy& policy, const std::string& name) {
  std::unique_ptr<Message> request = NewRequest(policy);
  if (request != nullptr && !policy.resource_field.empty()) {
    SetField(request.get(), policy.resource_field, name);
  }
  return request;
}

absl::Status AuthorizeNaming(const Principal& caller, absl::string_view method,
                             const std::string& name) {
  std::unique_ptr<Message> request = RequestNaming(PolicyOf(method), name);
  if (request == nullptr) return absl::InternalError("no request type");
  return Authorize(caller, *request);
}

void ExpectNotFound(const absl::Status& status, absl::string_view name) {
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound) << status;
  EXPECT_EQ(ReasonOf(status), "RESOURCE_NOT_FOUND") << status;
  EXPECT_EQ(status.message(), absl::StrCat(name, " not found"));
}

void ExpectTenantMissing(const absl::Status& status) {
  EXPECT_EQ(status.code(), absl::StatusCode::kUnauthenticated) << status;
  EXPECT_EQ(ReasonOf(status), "TENANT_MISSING") << status;
}

void ExpectDenied(const absl::Status& status) {
  EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied) << status;
  EXPECT_EQ(ReasonOf(status), "PERMISSION_DENIED") << status;
}

constexpr char kSession[] = "lagom.session.v1.SessionService.";
constexpr char kQuestionnaire[] = "lagom.questionnaire.v1.QuestionnaireService.";

// ---------------------------------------------------------------------------------------------
// The table itself.

TEST(PermissionTableTest, EveryRpcOfEveryServiceHasExactlyOnePolicy) {
  absl::flat_hash_map<std::string, int> count;
  for (const MethodPolicy& policy : PermissionTable()) ++count[policy.method];
  size_t methods = 0;
  for (const ServiceDescriptor* service : Services()) {
    for (int i = 0; i < service->method_count(); ++i) {
      const MethodDescriptor* method = service->method(i);
      ++methods;
      EXPECT_EQ(count[method->full_name()], 1) << method->full_name();
      const MethodPolicy* policy = FindPolicy(*method->input_type());
      ASSERT_NE(policy, nullptr) << method->full_name();
      EXPECT_EQ(policy->method, method->full_name());
    }
  }
  EXPECT_EQ(methods, PermissionTable().size());
  EXPECT_GT(methods, 80u);
}

TEST(PermissionTableTest, NoPolicyNamesAMethodThatDoesNotExist) {
  for (const MethodPolicy& policy : PermissionTable()) {
    EXPECT_NE(MethodOf(policy), nullptr) << policy.method;
    EXPECT_FALSE(policy.roles.empty()) << policy.method;
  }
}

TEST(PermissionTableTest, RequestTypesAreUniquePerRpc) {
  absl::flat_hash_map<std::string, std::string> seen;
  for (const ServiceDescriptor* service : Services()) {
    for (int i = 0; i < service->method_count(); ++i) {
      auto [it, inserted] = seen.emplace(service->method(i)->input_type()->full_name(),
                                         service->method(i)->full_name());
      EXPECT_TRUE(inserted) << it->first << " is the request of " << it->second << " and "
                            << service->method(i)->full_name();
    }
  }
}

TEST(PermissionTableTest, EveryResourceFieldIsAStringFieldOfItsRequest) {
  for (const MethodPolicy& policy : PermissionTable()) {
    if (policy.resource_field.empty()) continue;
    const MethodDescriptor* method = MethodOf(policy);
    ASSERT_NE(method, nullptr) << policy.method;
    EXPECT_NE(FieldAt(*method->input_type(), policy.resource_field), nullptr)
        << policy.method << ": " << policy.resource_field;
  }
}

// The REST binding puts the resource the RPC acts on in the URL path: the table's field must
// be that path variable, and RPCs with no tenant in their path must have no field.
TEST(PermissionTableTest, ResourceFieldIsTheTenantScopedPathVariable) {
  for (const MethodPolicy& policy : PermissionTable()) {
    const MethodDescriptor* method = MethodOf(policy);
    ASSERT_NE(method, nullptr) << policy.method;
    if (HttpPath(*method).empty()) {  // internal, not exposed through the gateway
      EXPECT_EQ(policy.resource_field, "") << policy.method;
      continue;
    }
    std::string bound;
    for (const auto& [field, pattern] : HttpVariables(*method)) {
      if (absl::StartsWith(pattern, "tenants/")) bound = field;
    }
    EXPECT_EQ(policy.resource_field, bound) << policy.method << " " << HttpPath(*method);
  }
}

TEST(PermissionTableTest, OnlyProvisioningInvitationsAndInternalRpcsAreTenantless) {
  std::vector<std::string> tenantless;
  for (const MethodPolicy& policy : PermissionTable()) {
    if (policy.resource_field.empty()) tenantless.push_back(policy.method);
  }
  EXPECT_THAT(tenantless,
              ::testing::UnorderedElementsAre("lagom.tenancy.v1.TenantService.CreateTenant",
                                              "lagom.tenancy.v1.TenantService.ListTenants",
                                              "lagom.session.v1.SessionService.AcceptInvitation",
                                              "lagom.auth.v1.AuthService.Authenticate",
                                              "lagom.auth.v1.AuthService.GetTenantStanding",
                                              "lagom.auth.v1.AuthService.RecordAuditEvent",
                                              "lagom.auth.v1.AuthService.PublishWebhookEvent",
                                              "lagom.auth.v1.TenantDataService.DescribeTenantData",
                                              "lagom.auth.v1.TenantDataService.PurgeTenantData"));
}

TEST(AuthorizeTest, OnlyABareServiceIdentityReachesTheInternalAuthService) {
  v1::AuthenticateRequest request;
  request.mutable_jwt_subject()->set_tenant_id("globex");
  request.mutable_jwt_subject()->set_subject("ceo@globex.example");
  Principal bare;
  bare.set_role(v1::PRINCIPAL_ROLE_SERVICE);
  bare.set_credential_kind(v1::CREDENTIAL_KIND_SERVICE);
  EXPECT_TRUE(Authorize(bare, request).ok());
  // A tenant's SERVICE key must not look up another tenant's role bindings.
  ExpectDenied(Authorize(Caller(v1::PRINCIPAL_ROLE_SERVICE), request));
  ExpectDenied(Authorize(Caller(v1::PRINCIPAL_ROLE_TENANT_ADMIN), request));
  // Nor learn whether another tenant is active, suspended or gone.
  v1::GetTenantStandingRequest standing;
  standing.set_tenant_id("globex");
  EXPECT_TRUE(Authorize(bare, standing).ok());
  ExpectDenied(Authorize(Caller(v1::PRINCIPAL_ROLE_SERVICE), standing));
  ExpectDenied(Authorize(Caller(v1::PRINCIPAL_ROLE_TENANT_ADMIN), standing));
}

// Purging a tenant's data is for the questionnaire service deleting the tenant, never for a
// tenant's own SERVICE key (an integration must not wipe its tenant), nor for the operator
// directly (DeleteTenant is its way).
TEST(AuthorizeTest, OnlyLagomsOwnServicesCountAndPurgeTenantData) {
  v1::PurgeTenantDataRequest purge;
  purge.set_tenant_id(kTenant);
  v1::DescribeTenantDataRequest describe;
  describe.set_tenant_id(kTenant);
  Principal bare;
  bare.set_role(v1::PRINCIPAL_ROLE_SERVICE);
  bare.set_credential_kind(v1::CREDENTIAL_KIND_SERVICE);
  Principal op;
  op.set_role(v1::PRINCIPAL_ROLE_OPERATOR);
  op.set_credential_kind(v1::CREDENTIAL_KIND_OPERATOR);
  for (const Message* request : std::initializer_list<const Message*>{&purge, &describe}) {
    SCOPED_TRACE(request->GetTypeName());
    EXPECT_TRUE(Authorize(bare, *request).ok());
    ExpectDenied(Authorize(Caller(v1::PRINCIPAL_ROLE_SERVICE), *request));
    ExpectDenied(Authorize(Caller(v1::PRINCIPAL_ROLE_TENANT_ADMIN), *request));
    ExpectDenied(Authorize(op, *request));
  }
}

TEST(AuthorizeTest, OnlyLagomsOwnServicesHandWebhookEventsOver) {
  v1::PublishWebhookEventRequest request;
  request.set_tenant_id("acme");
  request.set_resource("tenants/acme/sessions/s1");
  Principal bare;
  bare.set_role(v1::PRINCIPAL_ROLE_SERVICE);
  bare.set_credential_kind(v1::CREDENTIAL_KIND_SERVICE);
  EXPECT_TRUE(Authorize(bare, request).ok());
  // Not a tenant's SERVICE key (an integration must not forge events to its own webhooks),
  // nor anybody else.
  ExpectDenied(Authorize(Caller(v1::PRINCIPAL_ROLE_SERVICE), request));
  ExpectDenied(Authorize(Caller(v1::PRINCIPAL_ROLE_TENANT_ADMIN), request));
  ExpectDenied(Authorize(Caller(v1::PRINCIPAL_ROLE_FACILITATOR), request));
  ExpectDenied(Authorize(Caller(v1::PRINCIPAL_ROLE_VIEWER), request));
  Principal op;
  op.set_role(v1::PRINCIPAL_ROLE_OPERATOR);
  op.set_credential_kind(v1::CREDENTIAL_KIND_OPERATOR);
  ExpectDenied(Authorize(op, request));
}

TEST(AuthorizeTest, OnlyTheScoringServiceRecordsScorecards) {
  reporting::v1::RecordScorecardRequest request;
  request.set_parent("tenants/acme");
  Principal scoring;  // as the scoring service forwards it with the service token
  scoring.set_tenant_id("acme");
  scoring.set_subject("lagom-scoring");
  scoring.set_role(v1::PRINCIPAL_ROLE_SERVICE);
  scoring.set_credential_kind(v1::CREDENTIAL_KIND_SERVICE);
  EXPECT_TRUE(Authorize(scoring, request).ok());
  // Not a tenant's SERVICE key: an integration must not record a session's results.
  const absl::Status key = Authorize(Caller(v1::PRINCIPAL_ROLE_SERVICE), request);
  ExpectDenied(key);
  EXPECT_THAT(key.message(), HasSubstr("even with role SERVICE"));
  for (Role role : AllRoles()) {
    if (role != v1::PRINCIPAL_ROLE_OPERATOR) ExpectDenied(Authorize(Caller(role), request));
  }
  scoring.set_tenant_id("other");
  EXPECT_EQ(Authorize(scoring, request).code(), absl::StatusCode::kNotFound);
}

TEST(PermissionTableTest, OperatorReachesOnlyTenantProvisioning) {
  std::vector<std::string> operator_methods;
  for (const MethodPolicy& policy : PermissionTable()) {
    if (Allows(policy, v1::PRINCIPAL_ROLE_OPERATOR)) operator_methods.push_back(policy.method);
  }
  EXPECT_THAT(operator_methods,
              ::testing::UnorderedElementsAre("lagom.tenancy.v1.TenantService.CreateTenant",
                                              "lagom.tenancy.v1.TenantService.GetTenant",
                                              "lagom.tenancy.v1.TenantService.ListTenants",
                                              "lagom.tenancy.v1.TenantService.UpdateTenant",
                                              "lagom.tenancy.v1.TenantService.DeleteTenant"));
}

TEST(PermissionTableTest, ViewerReadsOnly) {
  for (const MethodPolicy& policy : PermissionTable()) {
    if (!Allows(policy, v1::PRINCIPAL_ROLE_VIEWER)) continue;
    const std::string verb(
        absl::StripPrefix(policy.method, MethodOf(policy)->service()->full_name() + "."));
    EXPECT_TRUE(absl::StartsWith(verb, "Get") || absl::StartsWith(verb, "List") ||
                absl::StartsWith(verb, "Watch") || absl::StartsWith(verb, "Export") ||
                absl::StartsWith(verb, "Render") || absl::StartsWith(verb, "Compare") ||
                absl::StartsWith(verb, "Explain") || absl::StartsWith(verb, "Stream"))
        << policy.method;
  }
}

TEST(PermissionTableTest, RespondentsReachOnlyTheirSessionAnswersAndQuestionnaire) {
  for (Role role :
       {v1::PRINCIPAL_ROLE_PROVIDER_RESPONDENT, v1::PRINCIPAL_ROLE_CUSTOMER_RESPONDENT}) {
    std::vector<std::string> methods;
    for (const MethodPolicy& policy : PermissionTable()) {
      if (Allows(policy, role)) methods.push_back(policy.method);
    }
    EXPECT_THAT(
        methods,
        ::testing::UnorderedElementsAre(
            absl::StrCat(kQuestionnaire, "GetModelVersion"), absl::StrCat(kSession, "GetSession"),
            absl::StrCat(kSession, "WatchSession"), absl::StrCat(kSession, "CompleteParticipant"),
            absl::StrCat(kSession, "AcceptInvitation"), absl::StrCat(kSession, "SubmitAnswer"),
            absl::StrCat(kSession, "BatchSubmitAnswers"), absl::StrCat(kSession, "GetAnswer"),
            absl::StrCat(kSession, "ListAnswers"), absl::StrCat(kSession, "DeleteAnswer")))
        << RoleName(role);
  }
}

// A suspended tenant is read-only: its callers still read (what a VIEWER may, and GETs), and
// every call that may change data is refused with TENANT_INACTIVE.
TEST(AuthorizeTest, ASuspendedTenantOnlyReads) {
  Principal admin = Caller(v1::PRINCIPAL_ROLE_TENANT_ADMIN);
  admin.set_tenant_suspended(true);
  auto authorize = [&](absl::string_view method) {
    const MethodPolicy& policy = PolicyOf(std::string(method));
    std::unique_ptr<Message> request = RequestNaming(policy, ExampleName(policy, kTenant));
    EXPECT_NE(request, nullptr) << method;
    return request == nullptr ? absl::InternalError("no request") : Authorize(admin, *request);
  };
  for (absl::string_view reads :
       {"GetSession", "ListSessions", "WatchSession", "ListAnswers", "ListInvitations"}) {
    EXPECT_TRUE(authorize(absl::StrCat(kSession, reads)).ok()) << reads;
  }
  EXPECT_TRUE(authorize(absl::StrCat(kQuestionnaire, "GetModelVersion")).ok());
  // Computed from the request, stored nowhere.
  EXPECT_TRUE(authorize(absl::StrCat(kQuestionnaire, "ValidateModelVersion")).ok());
  EXPECT_TRUE(authorize("lagom.scoring.v1.ScoringService.ScoreResponses").ok());
  for (absl::string_view changes : {"CreateSession", "UpdateSession", "OpenSession", "CloseSession",
                                    "CreateInvitation", "RevokeInvitation", "DeleteParticipant"}) {
    const absl::Status refused = authorize(absl::StrCat(kSession, changes));
    EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition) << changes;
    EXPECT_EQ(ReasonOf(refused), "TENANT_INACTIVE") << changes;
    EXPECT_THAT(refused.message(), ::testing::HasSubstr("suspended")) << changes;
  }
  admin.set_tenant_suspended(false);
  EXPECT_TRUE(authorize(absl::StrCat(kSession, "UpdateSession")).ok());
}

// What a suspended tenant may still call, RPC by RPC: every one reads (or only computes). A new
// RPC, or a role or HTTP rule changed on an old one, changes this list and must be looked at.
TEST(AuthorizeTest, ASuspendedTenantMayCallExactlyTheseRpcs) {
  std::vector<std::string> open;
  for (const MethodPolicy& policy : PermissionTable()) {
    if (absl::StartsWith(policy.method, "lagom.auth.v1.")) continue;  // no tenant's caller
    for (Role role : policy.roles) {
      if (role == v1::PRINCIPAL_ROLE_OPERATOR) continue;  // no tenant
      Principal caller = CallerOn(policy, role);
      caller.set_tenant_suspended(true);
      std::unique_ptr<Message> request = RequestNaming(policy, ExampleName(policy, kTenant));
      ASSERT_NE(request, nullptr) << policy.method;
      if (ReasonOf(Authorize(caller, *request)) != "TENANT_INACTIVE") {
        open.push_back(policy.method);
        break;
      }
    }
  }
  // GetBenchmark keeps the tenant's opt-in as last read from its settings: bookkeeping of a
  // setting, not a change a suspended tenant makes.
  const std::vector<std::string> reads = {
      "lagom.tenancy.v1.TenantService.GetTenant",
      "lagom.tenancy.v1.TenantService.GetTenantSettings",
      "lagom.tenancy.v1.TenantService.GetApiKey",
      "lagom.tenancy.v1.TenantService.ListApiKeys",
      "lagom.tenancy.v1.TenantService.GetRoleBinding",
      "lagom.tenancy.v1.TenantService.ListRoleBindings",
      "lagom.tenancy.v1.TenantService.ListAuditEvents",
      "lagom.tenancy.v1.TenantService.GetWebhook",
      "lagom.tenancy.v1.TenantService.ListWebhooks",
      "lagom.tenancy.v1.TenantService.ListWebhookDeliveries",
      "lagom.catalog.v1.CatalogService.GetCustomerOrganization",
      "lagom.catalog.v1.CatalogService.ListCustomerOrganizations",
      "lagom.catalog.v1.CatalogService.GetItService",
      "lagom.catalog.v1.CatalogService.ListItServices",
      "lagom.questionnaire.v1.QuestionnaireService.GetModel",
      "lagom.questionnaire.v1.QuestionnaireService.ListModels",
      "lagom.questionnaire.v1.QuestionnaireService.GetModelVersion",
      "lagom.questionnaire.v1.QuestionnaireService.ListModelVersions",
      "lagom.questionnaire.v1.QuestionnaireService.ValidateModelVersion",
      "lagom.questionnaire.v1.QuestionnaireService.ExportModelVersion",
      "lagom.session.v1.SessionService.GetSession",
      "lagom.session.v1.SessionService.ListSessions",
      "lagom.session.v1.SessionService.GetSessionProgress",
      "lagom.session.v1.SessionService.WatchSession",
      "lagom.session.v1.SessionService.GetParticipant",
      "lagom.session.v1.SessionService.ListParticipants",
      "lagom.session.v1.SessionService.ListInvitations",
      "lagom.session.v1.SessionService.GetAnswer",
      "lagom.session.v1.SessionService.ListAnswers",
      "lagom.session.v1.SessionService.ListAnswerValues",
      "lagom.session.v1.SessionService.GetRound",
      "lagom.session.v1.SessionService.ListRounds",
      "lagom.scoring.v1.ScoringService.ScoreResponses",
      "lagom.scoring.v1.ScoringService.ExplainScore",
      "lagom.reporting.v1.ReportingService.GetScorecard",
      "lagom.reporting.v1.ReportingService.ListScorecards",
      "lagom.reporting.v1.ReportingService.StreamScorecards",
      "lagom.reporting.v1.ReportingService.GetTrend",
      "lagom.reporting.v1.ReportingService.CompareScorecards",
      "lagom.reporting.v1.ReportingService.GetBenchmark",
      "lagom.reporting.v1.ReportingService.RenderReport",
      "lagom.reporting.v1.ReportingService.ExportScorecard"};
  EXPECT_THAT(open, ::testing::UnorderedElementsAreArray(reads)) << absl::StrJoin(open, "\n");
}

// ---------------------------------------------------------------------------------------------
// Authorize: every RPC x every role.

TEST(AuthorizeTest, EveryRoleOnEveryRpcAgreesWithTheTable) {
  for (const MethodPolicy& policy : PermissionTable()) {
    for (Role role : AllRoles()) {
      SCOPED_TRACE(absl::StrCat(policy.method, " as ", RoleName(role)));
      std::unique_ptr<Message> request = RequestNaming(policy, ExampleName(policy, kTenant));
      ASSERT_NE(request, nullptr);
      const absl::Status status = Authorize(Caller(role), *request);
      if ((absl::StartsWith(policy.method, "lagom.auth.v1.") ||
           policy.method == kRecordScorecard) &&
          role != v1::PRINCIPAL_ROLE_OPERATOR) {
        ExpectDenied(status);  // internal: never for a tenant's credential (see below)
        continue;
      }
      if (Allows(policy, role)) {
        EXPECT_TRUE(status.ok()) << status;
      } else if (role == v1::PRINCIPAL_ROLE_OPERATOR && !policy.resource_field.empty()) {
        ExpectTenantMissing(status);  // refused as well, saying what it lacks
      } else {
        ExpectDenied(status);
        EXPECT_THAT(status.message(), HasSubstr(absl::StrCat("role ", RoleName(role))));
        EXPECT_THAT(status.message(), HasSubstr(policy.method));
        EXPECT_THAT(status.message(), HasSubstr(RoleName(policy.roles.front())));
      }
    }
  }
}

TEST(AuthorizeTest, AnotherTenantsResourceIsNotFoundForEveryRpcAndAllowedRole) {
  int checked = 0;
  for (const MethodPolicy& policy : PermissionTable()) {
    if (policy.resource_field.empty()) continue;
    for (Role role : policy.roles) {
      if (role == v1::PRINCIPAL_ROLE_OPERATOR) continue;  // belongs to no tenant
      SCOPED_TRACE(absl::StrCat(policy.method, " as ", RoleName(role)));
      for (const std::string& name :
           {ExampleName(policy, kOtherTenant), ExampleName(policy, "acme2"),
            ExampleName(policy, "acm"), ExampleName(policy, "-")}) {
        std::unique_ptr<Message> request = RequestNaming(policy, name);
        ASSERT_NE(request, nullptr);
        ExpectNotFound(Authorize(CallerOn(policy, role), *request), name);
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 200);
}

TEST(AuthorizeTest, NamesOutsideEveryTenantAreNotFound) {
  const Principal admin = Caller(v1::PRINCIPAL_ROLE_TENANT_ADMIN);
  for (const std::string name : {"acme", "tenants", "tenants/", "tenantsacme/sessions/s1",
                                 "/tenants/acme/sessions/s1", "sessions/s1", "tenants/acme2"}) {
    ExpectNotFound(AuthorizeNaming(admin, absl::StrCat(kSession, "GetSession"), name), name);
  }
  EXPECT_TRUE(
      AuthorizeNaming(admin, absl::StrCat(kSession, "GetSession"), "tenants/acme/sessions/s1")
          .ok());
  EXPECT_TRUE(
      AuthorizeNaming(admin, "lagom.tenancy.v1.TenantService.GetTenant", "tenants/acme").ok());
}

TEST(AuthorizeTest, LongForeignNamesAreNotEchoedWhole) {
  const std::string name = absl::StrCat("tenants/globex/sessions/", std::string(10000, 'x'));
  const absl::Status status = AuthorizeNaming(Caller(v1::PRINCIPAL_ROLE_TENANT_ADMIN),
                                              absl::StrCat(kSession, "GetSession"), name);
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_LT(status.message().size(), 300u);
}

TEST(AuthorizeTest, AnEmptyResourceNameIsLeftToTheHandler) {
  EXPECT_TRUE(AuthorizeNaming(Caller(v1::PRINCIPAL_ROLE_TENANT_ADMIN),
                              absl::StrCat(kSession, "GetSession"), "")
                  .ok());
  EXPECT_TRUE(AuthorizeNaming(Caller(v1::PRINCIPAL_ROLE_TENANT_ADMIN),
                              "lagom.catalog.v1.CatalogService.UpdateItService", "")
                  .ok());
  // ... but a caller with no tenant gets nothing tenant-scoped, named or not.
  ExpectTenantMissing(AuthorizeNaming(Caller(v1::PRINCIPAL_ROLE_TENANT_ADMIN, ""),
                                      absl::StrCat(kSession, "GetSession"), ""));
  ExpectTenantMissing(AuthorizeNaming(Caller(v1::PRINCIPAL_ROLE_TENANT_ADMIN, ""),
                                      absl::StrCat(kSession, "GetSession"),
                                      "tenants//sessions/s1"));
}

TEST(AuthorizeTest, UnknownRequestTypeIsRefused) {
  session::v1::Session not_a_request;
  const absl::Status status = Authorize(Caller(v1::PRINCIPAL_ROLE_TENANT_ADMIN), not_a_request);
  ExpectDenied(status);
  EXPECT_THAT(status.message(), HasSubstr("not in the permission table"));
}

TEST(AuthorizeTest, DenialNamesRoleMethodAndAllowedRoles) {
  const absl::Status status = AuthorizeNaming(
      Caller(v1::PRINCIPAL_ROLE_VIEWER), absl::StrCat(kSession, "CreateSession"), "tenants/acme");
  ExpectDenied(status);
  EXPECT_EQ(status.message(),
            "role VIEWER may not call lagom.session.v1.SessionService.CreateSession; allowed: "
            "TENANT_ADMIN, FACILITATOR");
}

// ---------------------------------------------------------------------------------------------
// Invite tokens: one session, one participant.

TEST(AuthorizeTest, InviteTokenReachesItsOwnSessionAndParticipantOnly) {
  const Principal invitee = InviteCaller();
  const std::string get_session = absl::StrCat(kSession, "GetSession");
  const std::string watch = absl::StrCat(kSession, "WatchSession");
  const std::string submit = absl::StrCat(kSession, "SubmitAnswer");
  const std::string get_answer = absl::StrCat(kSession, "GetAnswer");
  const std::string list_answers = absl::StrCat(kSession, "ListAnswers");
  const std::string complete = absl::StrCat(kSession, "CompleteParticipant");

  EXPECT_TRUE(AuthorizeNaming(invitee, get_session, "tenants/acme/sessions/s1").ok());
  EXPECT_TRUE(AuthorizeNaming(invitee, watch, "tenants/acme/sessions/s1").ok());
  EXPECT_TRUE(AuthorizeNaming(invitee, submit, "tenants/acme/sessions/s1/participants/p1").ok());
  EXPECT_TRUE(
      AuthorizeNaming(invitee, get_answer, "tenants/acme/sessions/s1/participants/p1/answers/i1")
          .ok());
  EXPECT_TRUE(
      AuthorizeNaming(invitee, list_answers, "tenants/acme/sessions/s1/participants/p1").ok());
  EXPECT_TRUE(AuthorizeNaming(invitee, complete, "tenants/acme/sessions/s1/participants/p1").ok());

  for (const std::string name :
       {"tenants/acme/sessions/s2", "tenants/acme/sessions/s10", "tenants/acme/sessions/s1x",
        "tenants/acme", "tenants/globex/sessions/s1"}) {
    ExpectNotFound(AuthorizeNaming(invitee, get_session, name), name);
    ExpectNotFound(AuthorizeNaming(invitee, watch, name), name);
  }
  for (const std::string name :
       {"tenants/acme/sessions/s1/participants/p2", "tenants/acme/sessions/s1/participants/p10",
        "tenants/acme/sessions/s1/participants/-", "tenants/acme/sessions/s2/participants/p1"}) {
    ExpectNotFound(AuthorizeNaming(invitee, submit, name), name);
    ExpectNotFound(AuthorizeNaming(invitee, list_answers, name), name);
    ExpectNotFound(AuthorizeNaming(invitee, complete, name), name);
    const std::string answer = absl::StrCat(name, "/answers/i1");
    ExpectNotFound(AuthorizeNaming(invitee, get_answer, answer), answer);
    ExpectNotFound(AuthorizeNaming(invitee, absl::StrCat(kSession, "DeleteAnswer"), answer),
                   answer);
  }
  // Roles still apply: a respondent runs nothing.
  ExpectDenied(
      AuthorizeNaming(invitee, absl::StrCat(kSession, "CloseSession"), "tenants/acme/sessions/s1"));
  ExpectDenied(AuthorizeNaming(invitee, absl::StrCat(kSession, "ListParticipants"),
                               "tenants/acme/sessions/s1"));
}

TEST(AuthorizeTest, InviteTokenReadsTheQuestionnaire) {
  for (Role role :
       {v1::PRINCIPAL_ROLE_PROVIDER_RESPONDENT, v1::PRINCIPAL_ROLE_CUSTOMER_RESPONDENT}) {
    const Principal invitee = InviteCaller(role);
    const std::string get_version = absl::StrCat(kQuestionnaire, "GetModelVersion");
    EXPECT_TRUE(AuthorizeNaming(invitee, get_version, "tenants/acme/models/m1/versions/1").ok());
    EXPECT_TRUE(AuthorizeNaming(invitee, get_version, "models/lagom-itsm/versions/1").ok());
    const std::string foreign = "tenants/globex/models/m1/versions/1";
    ExpectNotFound(AuthorizeNaming(invitee, get_version, foreign), foreign);
  }
}

TEST(AuthorizeTest, InviteTokenWithoutASessionReachesNothingNamed) {
  Principal invitee = InviteCaller();
  invitee.clear_session();
  ExpectNotFound(
      AuthorizeNaming(invitee, absl::StrCat(kSession, "GetSession"), "tenants/acme/sessions/s1"),
      "tenants/acme/sessions/s1");
}

// ---------------------------------------------------------------------------------------------
// Built-in models, the operator, bare service identities.

TEST(AuthorizeTest, BuiltinModelsAreReadableByEveryTenantRole) {
  int checked = 0;
  for (const char* method :
       {"GetModel", "GetModelVersion", "ListModelVersions", "ExportModelVersion"}) {
    const MethodPolicy& policy = PolicyOf(absl::StrCat(kQuestionnaire, method));
    const std::string name =
        absl::StrCat(method) == "GetModel" || absl::StrCat(method) == "ListModelVersions"
            ? "models/lagom-itsm"
            : "models/lagom-itsm/versions/3";
    for (Role role : policy.roles) {
      EXPECT_TRUE(AuthorizeNaming(Caller(role), policy.method, name).ok())
          << policy.method << " as " << RoleName(role);
      ++checked;
    }
  }
  EXPECT_GT(checked, 15);
}

// Webhooks send the tenant's events out: only its admins may see or change them.
TEST(AuthorizeTest, WebhooksAreTenantAdminsOnly) {
  constexpr char kTenancy[] = "lagom.tenancy.v1.TenantService.";
  const std::string hook = "tenants/acme/webhooks/itsm";
  EXPECT_TRUE(AuthorizeNaming(Caller(v1::PRINCIPAL_ROLE_TENANT_ADMIN),
                              absl::StrCat(kTenancy, "GetWebhook"), hook)
                  .ok());
  for (Role role :
       {v1::PRINCIPAL_ROLE_FACILITATOR, v1::PRINCIPAL_ROLE_VIEWER, v1::PRINCIPAL_ROLE_SERVICE}) {
    for (const char* method : {"GetWebhook", "DeleteWebhook"}) {
      ExpectDenied(AuthorizeNaming(Caller(role), absl::StrCat(kTenancy, method), hook));
    }
    for (const char* method : {"CreateWebhook", "ListWebhooks"}) {
      ExpectDenied(AuthorizeNaming(Caller(role), absl::StrCat(kTenancy, method), "tenants/acme"));
    }
    ExpectDenied(
        AuthorizeNaming(Caller(role), absl::StrCat(kTenancy, "ListWebhookDeliveries"), hook));
  }
  ExpectNotFound(AuthorizeNaming(Caller(v1::PRINCIPAL_ROLE_TENANT_ADMIN),
                                 absl::StrCat(kTenancy, "ListWebhookDeliveries"),
                                 "tenants/globex/webhooks/itsm"),
                 "tenants/globex/webhooks/itsm");
}

TEST(AuthorizeTest, BuiltinModelsCannotBeChanged) {
  const Principal admin = Caller(v1::PRINCIPAL_ROLE_TENANT_ADMIN);
  for (const char* method : {"DeleteModel", "DeleteModelVersion", "PublishModelVersion",
                             "DeprecateModelVersion", "ValidateModelVersion"}) {
    const std::string name = absl::StrCat(method) == "DeleteModel" ? "models/lagom-itsm"
                                                                   : "models/lagom-itsm/versions/3";
    ExpectNotFound(AuthorizeNaming(admin, absl::StrCat(kQuestionnaire, method), name), name);
  }
  ExpectNotFound(AuthorizeNaming(admin, absl::StrCat(kQuestionnaire, "UpdateModelVersion"),
                                 "models/lagom-itsm/versions/3"),
                 "models/lagom-itsm/versions/3");
  ExpectNotFound(AuthorizeNaming(admin, absl::StrCat(kQuestionnaire, "CreateModelVersion"),
                                 "models/lagom-itsm"),
                 "models/lagom-itsm");
}

TEST(AuthorizeTest, OperatorProvisionsTenantsButSeesNothingInside) {
  const Principal op = Caller(v1::PRINCIPAL_ROLE_OPERATOR);
  tenancy::v1::CreateTenantRequest create;
  create.set_tenant_id("newco");
  EXPECT_TRUE(Authorize(op, create).ok());
  EXPECT_TRUE(AuthorizeNaming(op, "lagom.tenancy.v1.TenantService.GetTenant", "tenants/acme").ok());
  EXPECT_TRUE(
      AuthorizeNaming(op, "lagom.tenancy.v1.TenantService.DeleteTenant", "tenants/globex").ok());
  ExpectTenantMissing(AuthorizeNaming(op, "lagom.catalog.v1.CatalogService.GetCustomerOrganization",
                                      "tenants/acme/customerOrganizations/c1"));
  ExpectTenantMissing(AuthorizeNaming(op, "lagom.tenancy.v1.TenantService.GetTenantSettings",
                                      "tenants/acme/settings"));
  ExpectDenied(Authorize(op, v1::AuthenticateRequest()));
  // And tenant admins cannot provision.
  ExpectDenied(Authorize(Caller(v1::PRINCIPAL_ROLE_TENANT_ADMIN), create));
}

TEST(AuthorizeTest, BareServiceIdentityOnlyResolvesCredentials) {
  const Principal bare = Caller(v1::PRINCIPAL_ROLE_SERVICE, "");
  EXPECT_TRUE(Authorize(bare, v1::AuthenticateRequest()).ok());
  EXPECT_TRUE(Authorize(bare, v1::RecordAuditEventRequest()).ok());
  ExpectTenantMissing(
      AuthorizeNaming(bare, "lagom.reporting.v1.ReportingService.RecordScorecard", "tenants/acme"));
  ExpectTenantMissing(AuthorizeNaming(bare, "lagom.catalog.v1.CatalogService.ImportCatalog", ""));
  ExpectTenantMissing(
      AuthorizeNaming(bare, absl::StrCat(kSession, "GetSession"), "tenants/acme/sessions/s1"));
  ExpectDenied(Authorize(bare, tenancy::v1::ListTenantsRequest()));
  // With a tenant (forwarded with the service token), the same identity does what services
  // need in that tenant.
  Principal forwarded = Caller(v1::PRINCIPAL_ROLE_SERVICE);
  forwarded.set_credential_kind(v1::CREDENTIAL_KIND_SERVICE);
  EXPECT_TRUE(AuthorizeNaming(forwarded, kRecordScorecard, "tenants/acme").ok());
}

// ---------------------------------------------------------------------------------------------
// Resources named besides the primary one.

TEST(AuthorizeTest, SecondaryReferencesMustBeInTheCallersTenant) {
  const Principal admin = Caller(v1::PRINCIPAL_ROLE_TENANT_ADMIN);

  reporting::v1::CompareScorecardsRequest compare;
  compare.set_base_scorecard("tenants/acme/scorecards/a");
  compare.set_comparison_scorecard("tenants/acme/scorecards/b");
  EXPECT_TRUE(Authorize(admin, compare).ok());
  compare.set_comparison_scorecard("tenants/globex/scorecards/b");
  ExpectNotFound(Authorize(admin, compare), "tenants/globex/scorecards/b");

  reporting::v1::RenderReportRequest render;
  render.set_scorecard("tenants/acme/scorecards/a");
  render.set_customer_organization("tenants/globex/customerOrganizations/c1");
  ExpectNotFound(Authorize(admin, render), "tenants/globex/customerOrganizations/c1");

  session::v1::CreateSessionRequest create;
  create.set_parent("tenants/acme");
  create.mutable_session()->set_model_version("models/lagom-itsm/versions/3");
  create.mutable_session()->mutable_scope()->add_services("tenants/acme/services/email");
  EXPECT_TRUE(Authorize(admin, create).ok());
  create.mutable_session()->set_model_version("tenants/globex/models/m/versions/1");
  ExpectNotFound(Authorize(admin, create), "tenants/globex/models/m/versions/1");
  create.mutable_session()->set_model_version("tenants/acme/models/m/versions/1");
  create.mutable_session()->mutable_scope()->add_services("tenants/globex/services/email");
  ExpectNotFound(Authorize(admin, create), "tenants/globex/services/email");

  scoring::v1::ExplainScoreRequest explain;
  explain.set_parent("tenants/acme");
  explain.set_session("tenants/globex/sessions/s1");
  ExpectNotFound(Authorize(admin, explain), "tenants/globex/sessions/s1");

  reporting::v1::GetBenchmarkRequest benchmark;
  benchmark.set_parent("tenants/acme");
  benchmark.set_model("models/lagom-itsm");
  EXPECT_TRUE(Authorize(admin, benchmark).ok());

  questionnaire::v1::CreateModelVersionRequest copy;
  copy.set_parent("tenants/acme/models/m");
  copy.set_source_version("models/lagom-itsm/versions/3");
  EXPECT_TRUE(Authorize(admin, copy).ok());
  copy.set_source_version("tenants/globex/models/m/versions/1");
  ExpectNotFound(Authorize(admin, copy), "tenants/globex/models/m/versions/1");
}

TEST(AuthorizeTest, OutputOnlyReferencesAreIgnored) {
  // Clients often send back what they read; the server ignores output-only fields.
  questionnaire::v1::UpdateModelRequest update;
  update.mutable_model()->set_name("tenants/acme/models/m");
  update.mutable_model()->set_latest_published_version("tenants/globex/models/m/versions/1");
  EXPECT_TRUE(Authorize(Caller(v1::PRINCIPAL_ROLE_TENANT_ADMIN), update).ok());
}

// ---------------------------------------------------------------------------------------------
// docs/security.md carries the same table.

std::string DocRow(const MethodPolicy& policy) {
  std::vector<std::string> roles;
  for (Role role : policy.roles) roles.push_back(RoleName(role));
  return absl::StrCat(
      "| `", policy.method, "` | ", absl::StrJoin(roles, ", "), " | ",
      policy.resource_field.empty() ? "—" : absl::StrCat("`", policy.resource_field, "`"), " |");
}

TEST(PermissionDocTest, SecurityDocTableMatchesTheCode) {
  const std::filesystem::path doc = std::filesystem::path(LAGOM_DOCS_DIR) / "security.md";
  std::ifstream in(doc);
  ASSERT_TRUE(in) << "cannot read " << doc;
  std::vector<std::string> rows;
  for (std::string line; std::getline(in, line);) {
    if (absl::StartsWith(line, "| `lagom."))
      rows.emplace_back(absl::StripTrailingAsciiWhitespace(line));
  }
  std::vector<std::string> expected;
  for (const MethodPolicy& policy : PermissionTable()) expected.push_back(DocRow(policy));
  EXPECT_EQ(rows, expected) << "docs/security.md's permission table should read:\n"
                            << "| RPC | roles allowed | resource field |\n|---|---|---|\n"
                            << absl::StrJoin(expected, "\n");
}

}  // namespace
}  // namespace lagom::auth
