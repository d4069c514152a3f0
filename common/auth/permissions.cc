#include "common/auth/permissions.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include <algorithm>
#include <string>
#include <vector>

#include "absl/algorithm/container.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
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
using ::google::protobuf::Reflection;

constexpr Role kAdmin = v1::PRINCIPAL_ROLE_TENANT_ADMIN;
constexpr Role kFacilitator = v1::PRINCIPAL_ROLE_FACILITATOR;
constexpr Role kProvider = v1::PRINCIPAL_ROLE_PROVIDER_RESPONDENT;
constexpr Role kCustomer = v1::PRINCIPAL_ROLE_CUSTOMER_RESPONDENT;
constexpr Role kViewer = v1::PRINCIPAL_ROLE_VIEWER;
constexpr Role kService = v1::PRINCIPAL_ROLE_SERVICE;
constexpr Role kOperator = v1::PRINCIPAL_ROLE_OPERATOR;

// Keep one line per RPC, in the order of the .proto files, and docs/security.md in step
// (permissions_test compares the two).
std::vector<MethodPolicy> BuildTable() {
  constexpr char kTenancy[] = "lagom.tenancy.v1.TenantService.";
  constexpr char kCatalog[] = "lagom.catalog.v1.CatalogService.";
  constexpr char kQuestionnaire[] = "lagom.questionnaire.v1.QuestionnaireService.";
  constexpr char kSession[] = "lagom.session.v1.SessionService.";
  constexpr char kScoring[] = "lagom.scoring.v1.ScoringService.";
  constexpr char kReporting[] = "lagom.reporting.v1.ReportingService.";
  constexpr char kAuth[] = "lagom.auth.v1.AuthService.";
  constexpr char kTenantData[] = "lagom.auth.v1.TenantDataService.";
  struct Line {
    const char* service;
    const char* method;
    std::vector<Role> roles;
    const char* resource_field;
  };
  const std::vector<Line> lines = {
      // Tenants are the operator's; everything inside one is its admins'.
      {kTenancy, "CreateTenant", {kOperator}, ""},
      {kTenancy, "GetTenant", {kAdmin, kFacilitator, kViewer, kOperator}, "name"},
      {kTenancy, "ListTenants", {kOperator}, ""},
      {kTenancy, "UpdateTenant", {kOperator}, "tenant.name"},
      {kTenancy, "DeleteTenant", {kOperator}, "name"},
      {kTenancy, "GetTenantSettings", {kAdmin, kFacilitator, kViewer, kService}, "name"},
      {kTenancy, "UpdateTenantSettings", {kAdmin}, "settings.name"},
      {kTenancy, "CreateApiKey", {kAdmin}, "parent"},
      {kTenancy, "GetApiKey", {kAdmin}, "name"},
      {kTenancy, "ListApiKeys", {kAdmin}, "parent"},
      {kTenancy, "RevokeApiKey", {kAdmin}, "name"},
      {kTenancy, "RotateApiKey", {kAdmin}, "name"},
      {kTenancy, "CreateRoleBinding", {kAdmin}, "parent"},
      {kTenancy, "GetRoleBinding", {kAdmin}, "name"},
      {kTenancy, "ListRoleBindings", {kAdmin}, "parent"},
      {kTenancy, "DeleteRoleBinding", {kAdmin}, "name"},
      {kTenancy, "ListAuditEvents", {kAdmin}, "parent"},
      {kTenancy, "CreateWebhook", {kAdmin}, "parent"},
      {kTenancy, "GetWebhook", {kAdmin}, "name"},
      {kTenancy, "ListWebhooks", {kAdmin}, "parent"},
      {kTenancy, "DeleteWebhook", {kAdmin}, "name"},
      {kTenancy, "ListWebhookDeliveries", {kAdmin}, "parent"},

      {kCatalog, "CreateCustomerOrganization", {kAdmin}, "parent"},
      {kCatalog, "GetCustomerOrganization", {kAdmin, kFacilitator, kViewer, kService}, "name"},
      {kCatalog, "ListCustomerOrganizations", {kAdmin, kFacilitator, kViewer, kService}, "parent"},
      {kCatalog, "UpdateCustomerOrganization", {kAdmin}, "customer_organization.name"},
      {kCatalog, "DeleteCustomerOrganization", {kAdmin}, "name"},
      {kCatalog, "CreateItService", {kAdmin}, "parent"},
      {kCatalog, "GetItService", {kAdmin, kFacilitator, kViewer, kService}, "name"},
      {kCatalog, "ListItServices", {kAdmin, kFacilitator, kViewer, kService}, "parent"},
      {kCatalog, "UpdateItService", {kAdmin}, "service.name"},
      {kCatalog, "DeleteItService", {kAdmin}, "name"},
      {kCatalog, "ImportCatalog", {kAdmin, kService}, "parent"},

      {kQuestionnaire, "CreateModel", {kAdmin}, "parent"},
      {kQuestionnaire, "GetModel", {kAdmin, kFacilitator, kViewer, kService}, "name"},
      {kQuestionnaire, "ListModels", {kAdmin, kFacilitator, kViewer, kService}, "parent"},
      {kQuestionnaire, "UpdateModel", {kAdmin}, "model.name"},
      {kQuestionnaire, "DeleteModel", {kAdmin}, "name"},
      {kQuestionnaire, "CreateModelVersion", {kAdmin}, "parent"},
      {kQuestionnaire,
       "GetModelVersion",
       {kAdmin, kFacilitator, kProvider, kCustomer, kViewer, kService},
       "name"},
      {kQuestionnaire, "ListModelVersions", {kAdmin, kFacilitator, kViewer, kService}, "parent"},
      {kQuestionnaire, "UpdateModelVersion", {kAdmin}, "model_version.name"},
      {kQuestionnaire, "DeleteModelVersion", {kAdmin}, "name"},
      {kQuestionnaire, "ValidateModelVersion", {kAdmin}, "name"},
      {kQuestionnaire, "PublishModelVersion", {kAdmin}, "name"},
      {kQuestionnaire, "DeprecateModelVersion", {kAdmin}, "name"},
      {kQuestionnaire, "ImportModel", {kAdmin}, "parent"},
      {kQuestionnaire, "ExportModelVersion", {kAdmin, kFacilitator, kViewer}, "name"},

      // Facilitators run sessions; respondents touch only their session and own answers.
      {kSession, "CreateSession", {kAdmin, kFacilitator}, "parent"},
      {kSession,
       "GetSession",
       {kAdmin, kFacilitator, kProvider, kCustomer, kViewer, kService},
       "name"},
      {kSession, "ListSessions", {kAdmin, kFacilitator, kViewer}, "parent"},
      {kSession, "UpdateSession", {kAdmin, kFacilitator}, "session.name"},
      {kSession, "DeleteSession", {kAdmin, kFacilitator}, "name"},
      {kSession, "OpenSession", {kAdmin, kFacilitator}, "name"},
      {kSession, "CloseSession", {kAdmin, kFacilitator}, "name"},
      {kSession, "ArchiveSession", {kAdmin, kFacilitator}, "name"},
      {kSession, "GetSessionProgress", {kAdmin, kFacilitator, kViewer}, "session"},
      {kSession, "WatchSession", {kAdmin, kFacilitator, kProvider, kCustomer, kViewer}, "session"},
      {kSession, "CreateParticipant", {kAdmin, kFacilitator}, "parent"},
      {kSession, "GetParticipant", {kAdmin, kFacilitator, kViewer, kService}, "name"},
      {kSession, "ListParticipants", {kAdmin, kFacilitator, kViewer, kService}, "parent"},
      {kSession, "UpdateParticipant", {kAdmin, kFacilitator}, "participant.name"},
      {kSession, "DeleteParticipant", {kAdmin, kFacilitator}, "name"},
      {kSession, "CompleteParticipant", {kAdmin, kFacilitator, kProvider, kCustomer}, "name"},
      {kSession, "CreateInvitation", {kAdmin, kFacilitator}, "parent"},
      {kSession, "ListInvitations", {kAdmin, kFacilitator, kViewer}, "parent"},
      {kSession, "RevokeInvitation", {kAdmin, kFacilitator}, "name"},
      // The tenant and session come from the token itself (checked by the session service).
      {kSession, "AcceptInvitation", {kProvider, kCustomer}, ""},
      {kSession, "SubmitAnswer", {kProvider, kCustomer}, "parent"},
      {kSession, "BatchSubmitAnswers", {kProvider, kCustomer}, "parent"},
      {kSession,
       "GetAnswer",
       {kAdmin, kFacilitator, kProvider, kCustomer, kViewer, kService},
       "name"},
      {kSession,
       "ListAnswers",
       {kAdmin, kFacilitator, kProvider, kCustomer, kViewer, kService},
       "parent"},
      {kSession, "ListAnswerValues", {kAdmin, kFacilitator, kViewer, kService}, "parent"},
      {kSession, "DeleteAnswer", {kProvider, kCustomer}, "name"},
      {kSession, "StartRound", {kAdmin, kFacilitator}, "parent"},
      {kSession, "GetRound", {kAdmin, kFacilitator, kViewer}, "name"},
      {kSession, "ListRounds", {kAdmin, kFacilitator, kViewer}, "parent"},
      {kSession, "RevealItemDistribution", {kAdmin, kFacilitator}, "round"},

      {kScoring, "ScoreSession", {kAdmin, kFacilitator, kService}, "session"},
      {kScoring, "ScoreResponses", {kAdmin, kFacilitator, kService}, "parent"},
      {kScoring, "ExplainScore", {kAdmin, kFacilitator, kViewer}, "parent"},

      // Scorecards are recorded only by the scoring service, acting as SERVICE.
      {kReporting, "RecordScorecard", {kService}, "parent"},
      {kReporting, "GetScorecard", {kAdmin, kFacilitator, kViewer, kService}, "name"},
      {kReporting, "ListScorecards", {kAdmin, kFacilitator, kViewer, kService}, "parent"},
      {kReporting, "StreamScorecards", {kAdmin, kFacilitator, kViewer, kService}, "parent"},
      {kReporting, "GetTrend", {kAdmin, kFacilitator, kViewer}, "parent"},
      {kReporting, "CompareScorecards", {kAdmin, kFacilitator, kViewer}, "base_scorecard"},
      {kReporting, "GetBenchmark", {kAdmin, kFacilitator, kViewer}, "parent"},
      {kReporting, "RenderReport", {kAdmin, kFacilitator, kViewer}, "scorecard"},
      {kReporting, "ExportScorecard", {kAdmin, kFacilitator, kViewer, kService}, "name"},

      // Internal: Lagom's own services only.
      {kAuth, "Authenticate", {kService}, ""},
      {kAuth, "GetTenantStanding", {kService}, ""},
      {kAuth, "RecordAuditEvent", {kService}, ""},
      {kAuth, "PublishWebhookEvent", {kService}, ""},
      {kTenantData, "DescribeTenantData", {kService}, ""},
      {kTenantData, "PurgeTenantData", {kService}, ""},
  };
  std::vector<MethodPolicy> table;
  table.reserve(lines.size());
  for (const Line& line : lines) {
    table.push_back({absl::StrCat(line.service, line.method), line.roles, line.resource_field});
  }
  return table;
}

// Built-in models (`models/{m}`, no tenant) are readable by every tenant through these, and
// only these, methods' resource fields.
bool ReadsBuiltinModels(absl::string_view method) {
  static const auto* const kMethods = new absl::flat_hash_set<std::string>{
      "lagom.questionnaire.v1.QuestionnaireService.GetModel",
      "lagom.questionnaire.v1.QuestionnaireService.GetModelVersion",
      "lagom.questionnaire.v1.QuestionnaireService.ListModelVersions",
      "lagom.questionnaire.v1.QuestionnaireService.ExportModelVersion",
  };
  return kMethods->contains(method);
}

constexpr char kBuiltinModelPrefix[] = "models/";

// The eight services' descriptors. Naming one generated message of each file links its
// descriptors in and registers them with the generated pool.
std::vector<const google::protobuf::ServiceDescriptor*> LagomServices() {
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
  std::vector<const google::protobuf::ServiceDescriptor*> services;
  for (const auto& [message, service] : anchors) {
    services.push_back(message->file()->FindServiceByName(service));
  }
  return services;
}

struct Index {
  absl::flat_hash_map<std::string, const MethodPolicy*> by_request_type;
  // Every RPC of the eight services, listed or not, for naming a missing one.
  absl::flat_hash_map<std::string, std::string> method_by_request_type;
};

const Index& PolicyIndex() {
  static const Index* const kIndex = [] {
    auto* index = new Index;
    for (const auto* service : LagomServices()) {
      if (service == nullptr) continue;
      for (int i = 0; i < service->method_count(); ++i) {
        index->method_by_request_type[service->method(i)->input_type()->full_name()] =
            service->method(i)->full_name();
      }
    }
    const auto* pool = google::protobuf::DescriptorPool::generated_pool();
    for (const MethodPolicy& policy : PermissionTable()) {
      const auto* method = pool->FindMethodByName(policy.method);
      if (method != nullptr) {
        index->by_request_type.emplace(method->input_type()->full_name(), &policy);
      }
    }
    return index;
  }();
  return *kIndex;
}

// The string at a dotted field path ("model_version.name"); "" when a message on the way is
// unset or the path does not name a string field.
std::string ReadField(const Message& request, absl::string_view path) {
  const Message* message = &request;
  const std::vector<absl::string_view> parts = absl::StrSplit(path, '.');
  for (size_t i = 0; i < parts.size(); ++i) {
    const FieldDescriptor* field = message->GetDescriptor()->FindFieldByName(std::string(parts[i]));
    if (field == nullptr || field->is_repeated()) return "";
    const Reflection* reflection = message->GetReflection();
    if (i + 1 == parts.size()) {
      return field->type() == FieldDescriptor::TYPE_STRING ? reflection->GetString(*message, field)
                                                           : "";
    }
    if (field->type() != FieldDescriptor::TYPE_MESSAGE || !reflection->HasField(*message, field)) {
      return "";
    }
    message = &reflection->GetMessage(*message, field);
  }
  return "";
}

bool IsNameOrUnder(absl::string_view name, absl::string_view prefix) {
  return name == prefix || (absl::StartsWith(name, prefix) && name.size() > prefix.size() &&
                            name[prefix.size()] == '/');
}

bool InTenant(absl::string_view name, absl::string_view tenant_id) {
  return !tenant_id.empty() && IsNameOrUnder(name, absl::StrCat("tenants/", tenant_id));
}

bool IsBuiltinModelName(absl::string_view name) {
  return absl::StartsWith(name, kBuiltinModelPrefix);
}

absl::Status NotFound(absl::string_view name) {
  constexpr size_t kMaxShown = 200;  // names come from the caller; do not echo megabytes
  const absl::string_view shown = name.substr(0, kMaxShown);
  return Error(absl::StatusCode::kNotFound, "RESOURCE_NOT_FOUND",
               absl::StrCat(shown, shown.size() < name.size() ? "..." : "", " not found"));
}

// Invite tokens act for one participant of one session: names must be the session or under
// it, and participant-scoped names (participants/{p} and below) must be the caller's own.
// Model versions are outside every session; respondents reach them only through
// GetModelVersion, to read their questionnaire.
absl::Status CheckSessionScope(const Principal& caller, absl::string_view name) {
  const std::string tenant = absl::StrCat("tenants/", caller.tenant_id());
  if (IsBuiltinModelName(name) || IsNameOrUnder(name, absl::StrCat(tenant, "/models"))) {
    return absl::OkStatus();
  }
  if (caller.session().empty() || !IsNameOrUnder(name, caller.session())) return NotFound(name);
  const std::string participants = absl::StrCat(caller.session(), "/participants/");
  if (absl::StartsWith(name, participants) &&
      (caller.participant().empty() || !IsNameOrUnder(name, caller.participant()))) {
    return NotFound(name);
  }
  return absl::OkStatus();
}

bool IsSessionScoped(const Principal& caller) {
  return caller.credential_kind() == v1::CREDENTIAL_KIND_INVITE_TOKEN || !caller.session().empty();
}

bool IsOutputOnly(const FieldDescriptor& field) {
  const auto& options = field.options();
  for (int i = 0; i < options.ExtensionSize(google::api::field_behavior); ++i) {
    if (options.GetExtension(google::api::field_behavior, i) == google::api::OUTPUT_ONLY) {
      return true;
    }
  }
  return false;
}

// The resource type a string field refers to ("lagom.dev/Session"), "" when it is not a
// reference a client sets.
std::string ReferencedType(const FieldDescriptor& field) {
  if (field.type() != FieldDescriptor::TYPE_STRING) return "";
  const auto& options = field.options();
  if (!options.HasExtension(google::api::resource_reference) || IsOutputOnly(field)) return "";
  return options.GetExtension(google::api::resource_reference).type();
}

bool IsModelType(absl::string_view type) {
  return type == "lagom.dev/Model" || type == "lagom.dev/ModelVersion";
}

// Which fields of which request messages name other resources, worked out once from the
// descriptors: the per-call check then visits only messages that can hold a reference.
struct ReferenceIndex {
  absl::flat_hash_map<const FieldDescriptor*, std::string> type_of;
  absl::flat_hash_set<const Descriptor*> has_references;  // at any depth
};

bool IndexReferences(const Descriptor& type, ReferenceIndex& index,
                     absl::flat_hash_map<const Descriptor*, bool>& seen) {
  if (auto it = seen.find(&type); it != seen.end()) return it->second;
  seen[&type] = true;  // a cycle is treated as holding references: walked, never skipped
  bool has = false;
  for (int i = 0; i < type.field_count(); ++i) {
    const FieldDescriptor& field = *type.field(i);
    if (field.type() == FieldDescriptor::TYPE_MESSAGE) {
      if (absl::StartsWith(field.message_type()->full_name(), "lagom.") &&
          IndexReferences(*field.message_type(), index, seen)) {
        has = true;
      }
    } else if (std::string referenced = ReferencedType(field); !referenced.empty()) {
      index.type_of.emplace(&field, std::move(referenced));
      has = true;
    }
  }
  seen[&type] = has;
  if (has) index.has_references.insert(&type);
  return has;
}

const ReferenceIndex& References() {
  static const ReferenceIndex* const kIndex = [] {
    auto* index = new ReferenceIndex;
    absl::flat_hash_map<const Descriptor*, bool> seen;
    const auto* pool = google::protobuf::DescriptorPool::generated_pool();
    for (const auto& [request_type, policy] : PolicyIndex().by_request_type) {
      if (const Descriptor* type = pool->FindMessageTypeByName(request_type)) {
        IndexReferences(*type, *index, seen);
      }
    }
    return index;
  }();
  return *kIndex;
}

// Other resources a request names besides its primary one (CompareScorecards'
// comparison_scorecard, a session's model version and scope, ...) must be in the caller's
// tenant as well, or built-in models: one tenant's request cannot point at another's data.
absl::Status CheckReferences(const Message& message, const Principal& caller,
                             const FieldDescriptor* skip) {
  const ReferenceIndex& references = References();
  if (!references.has_references.contains(message.GetDescriptor())) return absl::OkStatus();
  const Reflection* reflection = message.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);
  for (const FieldDescriptor* field : fields) {
    if (field == skip) continue;
    if (field->type() == FieldDescriptor::TYPE_MESSAGE) {
      if (!absl::StartsWith(field->message_type()->full_name(), "lagom.")) continue;
      if (field->is_repeated()) {
        for (int i = 0; i < reflection->FieldSize(message, field); ++i) {
          if (auto status = CheckReferences(reflection->GetRepeatedMessage(message, field, i),
                                            caller, nullptr);
              !status.ok()) {
            return status;
          }
        }
      } else if (auto status =
                     CheckReferences(reflection->GetMessage(message, field), caller, nullptr);
                 !status.ok()) {
        return status;
      }
      continue;
    }
    auto referenced = references.type_of.find(field);
    if (referenced == references.type_of.end()) continue;
    const std::string& type = referenced->second;
    auto check = [&](const std::string& name) {
      if (name.empty() || InTenant(name, caller.tenant_id()) ||
          (IsModelType(type) && IsBuiltinModelName(name))) {
        return absl::OkStatus();
      }
      return NotFound(name);
    };
    if (field->is_repeated()) {
      for (int i = 0; i < reflection->FieldSize(message, field); ++i) {
        if (auto status = check(reflection->GetRepeatedString(message, field, i)); !status.ok()) {
          return status;
        }
      }
    } else if (auto status = check(reflection->GetString(message, field)); !status.ok()) {
      return status;
    }
  }
  return absl::OkStatus();
}

std::string RoleNames(const std::vector<Role>& roles) {
  return absl::StrJoin(roles, ", ",
                       [](std::string* out, Role role) { absl::StrAppend(out, RoleName(role)); });
}

absl::Status Denied(std::string message) {
  return Error(absl::StatusCode::kPermissionDenied, "PERMISSION_DENIED", message);
}

absl::Status TenantMissing(const MethodPolicy& policy) {
  return Error(absl::StatusCode::kUnauthenticated, "TENANT_MISSING",
               absl::StrCat("the credential belongs to no tenant, and ", policy.method,
                            " acts inside one: call it with a tenant's credential (services: "
                            "forward the caller's principal)"));
}

// Whether the RPC only reads: VIEWER (the read-only role) may call it, its HTTP rule is a GET,
// or it computes an answer from the request and stores nothing. Anything else may change data.
bool OnlyReads(const MethodPolicy& policy) {
  static constexpr absl::string_view kComputesOnly[] = {
      "lagom.scoring.v1.ScoringService.ScoreResponses",
      "lagom.questionnaire.v1.QuestionnaireService.ValidateModelVersion"};
  if (absl::c_linear_search(policy.roles, v1::PRINCIPAL_ROLE_VIEWER) ||
      absl::c_linear_search(kComputesOnly, policy.method)) {
    return true;
  }
  const google::protobuf::MethodDescriptor* m =
      google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(policy.method);
  return m != nullptr && m->options().HasExtension(google::api::http) &&
         m->options().GetExtension(google::api::http).has_get();
}

}  // namespace

// The table and its index are built once, on first use, and never change: thread-safe.
const std::vector<MethodPolicy>& PermissionTable() {
  static const std::vector<MethodPolicy>* const kTable =
      new std::vector<MethodPolicy>(BuildTable());
  return *kTable;
}

const MethodPolicy* FindPolicy(const Descriptor& request_type) {
  const auto& index = PolicyIndex().by_request_type;
  auto it = index.find(request_type.full_name());
  return it == index.end() ? nullptr : it->second;
}

absl::Status Authorize(const Principal& caller, const Message& request) {
  const Descriptor& request_type = *request.GetDescriptor();
  const MethodPolicy* policy = FindPolicy(request_type);
  if (policy == nullptr) {
    const auto& methods = PolicyIndex().method_by_request_type;
    auto it = methods.find(request_type.full_name());
    return Denied(absl::StrCat(
        "method ",
        it == methods.end() ? absl::StrCat("taking ", request_type.full_name()) : it->second,
        " is not in the permission table"));
  }
  const bool tenantless = caller.tenant_id().empty();
  if (std::find(policy->roles.begin(), policy->roles.end(), caller.role()) == policy->roles.end()) {
    // The operator (or a bare service identity) on an RPC inside a tenant: what is missing is
    // a tenant's credential, not a role.
    if (tenantless && !policy->resource_field.empty()) return TenantMissing(*policy);
    return Denied(absl::StrCat("role ", RoleName(caller.role()), " may not call ", policy->method,
                               "; allowed: ", RoleNames(policy->roles)));
  }
  // The operator belongs to no tenant and reaches only the tenant provisioning RPCs, which
  // the role check above already limited it to.
  if (caller.role() == v1::PRINCIPAL_ROLE_OPERATOR) return absl::OkStatus();
  // The internal services (lagom.auth.v1: AuthService, TenantDataService) answer about, and
  // for, every tenant: only Lagom's own services, calling as themselves (no tenant), may use
  // them, never a tenant's SERVICE key.
  if (absl::StartsWith(policy->method, "lagom.auth.v1.")) {
    if (tenantless && caller.role() == v1::PRINCIPAL_ROLE_SERVICE) return absl::OkStatus();
    return Denied(absl::StrCat(policy->method,
                               " is internal to Lagom's services; a tenant's credential, even "
                               "with role SERVICE, may not call it"));
  }
  if (tenantless) return TenantMissing(*policy);
  // Scorecards are the scoring service's results: only it records them, acting for the tenant
  // with the deployment's service token. A tenant's SERVICE key is held by an integration,
  // which could otherwise record made-up results for a session before it is scored (the
  // first scorecard of a session stands) and feed them to other tenants' benchmarks.
  if (policy->method == "lagom.reporting.v1.ReportingService.RecordScorecard" &&
      caller.credential_kind() != v1::CREDENTIAL_KIND_SERVICE) {
    return Denied(absl::StrCat(policy->method,
                               " is the scoring service's; a tenant's credential, even with role "
                               "SERVICE, may not call it (ScoreSession scores and records a "
                               "closed session)"));
  }
  if (caller.tenant_suspended() && !OnlyReads(*policy)) {
    return Error(
        absl::StatusCode::kFailedPrecondition, "TENANT_INACTIVE",
        absl::StrCat("tenant ", caller.tenant_id(), " is suspended and read-only: ", policy->method,
                     " changes data; an operator can make it ACTIVE "
                     "again"));
  }

  const FieldDescriptor* primary = nullptr;
  if (!policy->resource_field.empty()) {
    const std::string name = ReadField(request, policy->resource_field);
    // An empty name is the handler's to refuse, with INVALID_ARGUMENT naming the field.
    if (!name.empty()) {
      const bool builtin = ReadsBuiltinModels(policy->method) && IsBuiltinModelName(name);
      if (!builtin && !InTenant(name, caller.tenant_id())) return NotFound(name);
      if (IsSessionScoped(caller)) {
        if (auto status = CheckSessionScope(caller, name); !status.ok()) return status;
      }
    }
    if (policy->resource_field.find('.') == std::string::npos) {
      primary = request_type.FindFieldByName(policy->resource_field);
    }
  }
  return CheckReferences(request, caller, primary);
}

}  // namespace lagom::auth
