#include "services/reporting/store/remote_report_sources.h"

#include <grpcpp/client_context.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/auth/forwarding.h"
#include "common/status.h"

namespace lagom::reporting {
namespace {

constexpr int kCataloguePage = 100;
constexpr int kAnswerPage = 5000;

absl::Status Failed(absl::string_view what, const grpc::Status& s) {
  absl::Status status = FromGrpcStatus(s);
  return absl::Status(status.code(), absl::StrCat(what, ": ", status.message()));
}

// Calls `page(ctx, token, &next)` with the caller forwarded until the last page.
template <typename Page>
absl::Status EveryPage(const RequestContext& rc, const std::string& service_token,
                       absl::string_view what, Page page) {
  std::string token;
  do {
    grpc::ClientContext ctx;
    auth::ForwardCaller(rc, service_token, &ctx);
    std::string next;
    const grpc::Status s = page(&ctx, token, &next);
    if (!s.ok()) return Failed(what, s);
    token = std::move(next);
  } while (!token.empty());
  return absl::OkStatus();
}

}  // namespace

RemoteReportSources::RemoteReportSources(std::shared_ptr<grpc::Channel> questionnaire,
                                         std::shared_ptr<grpc::Channel> session,
                                         std::string service_token)
    : models_(questionnaire::v1::QuestionnaireService::NewStub(questionnaire)),
      catalog_(catalog::v1::CatalogService::NewStub(questionnaire)),
      tenants_(tenancy::v1::TenantService::NewStub(questionnaire)),
      sessions_(session ? session::v1::SessionService::NewStub(session) : nullptr),
      service_token_(std::move(service_token)) {}

absl::StatusOr<questionnaire::v1::ModelContent> RemoteReportSources::ModelContent(
    const RequestContext& rc, const std::string& model_version) {
  grpc::ClientContext ctx;
  auth::ForwardCaller(rc, service_token_, &ctx);
  questionnaire::v1::GetModelVersionRequest req;
  req.set_name(model_version);
  questionnaire::v1::GetModelVersionResponse resp;
  const grpc::Status s = models_->GetModelVersion(&ctx, req, &resp);
  if (!s.ok()) return Failed(absl::StrCat("reading ", model_version), s);
  return std::move(*resp.mutable_model_version()->mutable_content());
}

absl::StatusOr<absl::flat_hash_map<std::string, std::string>> RemoteReportSources::DisplayNames(
    const RequestContext& rc) {
  absl::flat_hash_map<std::string, std::string> names;
  const std::string parent = absl::StrCat("tenants/", rc.tenant_id);
  absl::Status s =
      EveryPage(rc, service_token_, "listing customer organisations",
                [&](grpc::ClientContext* ctx, const std::string& token, std::string* next) {
                  catalog::v1::ListCustomerOrganizationsRequest req;
                  req.set_parent(parent);
                  req.set_page_size(kCataloguePage);
                  req.set_page_token(token);
                  catalog::v1::ListCustomerOrganizationsResponse resp;
                  grpc::Status st = catalog_->ListCustomerOrganizations(ctx, req, &resp);
                  for (const auto& o : resp.customer_organizations())
                    names[o.name()] = o.display_name();
                  *next = resp.next_page_token();
                  return st;
                });
  if (!s.ok()) return s;
  s = EveryPage(rc, service_token_, "listing IT services",
                [&](grpc::ClientContext* ctx, const std::string& token, std::string* next) {
                  catalog::v1::ListItServicesRequest req;
                  req.set_parent(parent);
                  req.set_page_size(kCataloguePage);
                  req.set_page_token(token);
                  catalog::v1::ListItServicesResponse resp;
                  grpc::Status st = catalog_->ListItServices(ctx, req, &resp);
                  for (const auto& it : resp.services()) names[it.name()] = it.display_name();
                  *next = resp.next_page_token();
                  return st;
                });
  if (!s.ok()) return s;
  return names;
}

absl::StatusOr<std::string> RemoteReportSources::DefaultLanguage(const RequestContext& rc) {
  grpc::ClientContext ctx;
  auth::ForwardCaller(rc, service_token_, &ctx);
  tenancy::v1::GetTenantRequest req;
  req.set_name(absl::StrCat("tenants/", rc.tenant_id));
  tenancy::v1::GetTenantResponse resp;
  const grpc::Status s = tenants_->GetTenant(&ctx, req, &resp);
  if (!s.ok()) return Failed("reading the tenant", s);
  const std::string& language = resp.tenant().default_language_tag();
  return language.empty() ? std::string("en") : language;
}

absl::StatusOr<std::vector<ReportComment>> RemoteReportSources::Comments(
    const RequestContext& rc, const std::string& session) {
  if (!sessions_) {
    return Error(absl::StatusCode::kUnavailable, "DEPENDENCY_UNAVAILABLE",
                 "this reporting process was started without --session_addr");
  }
  std::vector<ReportComment> out;
  absl::Status s =
      EveryPage(rc, service_token_, absl::StrCat("reading the answers of ", session),
                [&](grpc::ClientContext* ctx, const std::string& token, std::string* next) {
                  session::v1::ListAnswersRequest req;
                  req.set_parent(absl::StrCat(session, "/participants/-"));
                  req.set_in_force(true);  // the comments of the answers that were scored
                  req.set_page_size(kAnswerPage);
                  req.set_page_token(token);
                  session::v1::ListAnswersResponse resp;
                  grpc::Status st = sessions_->ListAnswers(ctx, req, &resp);
                  for (const session::v1::Answer& a : resp.answers()) {
                    if (a.comment().empty()) continue;
                    ReportComment& c = out.emplace_back();
                    c.item_id = a.item_id();
                    c.text = a.comment();
                    // The group, never the respondent.
                    if (a.perspective() == type::v1::PERSPECTIVE_PROVIDER) {
                      c.group.set_kind(type::v1::RESPONSE_GROUP_KIND_PROVIDER);
                    } else if (!a.customer_organization().empty()) {
                      c.group.set_kind(type::v1::RESPONSE_GROUP_KIND_CUSTOMER_ORGANIZATION);
                      c.group.set_customer_organization(a.customer_organization());
                    } else {
                      c.group.set_kind(type::v1::RESPONSE_GROUP_KIND_ALL_CUSTOMERS);
                    }
                  }
                  *next = resp.next_page_token();
                  return st;
                });
  if (!s.ok()) return s;
  return out;
}

}  // namespace lagom::reporting
