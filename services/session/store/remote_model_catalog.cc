#include "services/session/store/remote_model_catalog.h"

#include <grpcpp/client_context.h>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "common/auth/forwarding.h"
#include "common/status.h"

namespace lagom::session {
namespace {

// The questionnaire service's answer, as the session caller should see it: a missing or
// unusable version is not the caller's problem with the session service.
absl::Status Unavailable(absl::string_view what, const grpc::Status& s) {
  return Error(absl::StatusCode::kUnavailable, "DEPENDENCY_UNAVAILABLE",
               absl::StrCat(what, " failed at the questionnaire service: ", s.error_message()));
}

// Up to this many names are looked up one by one; more, by listing.
constexpr size_t kLookedUpOneByOne = 8;

}  // namespace

RemoteModelCatalog::RemoteModelCatalog(std::shared_ptr<grpc::Channel> questionnaire,
                                       std::string service_token)
    : models_(questionnaire::v1::QuestionnaireService::NewStub(questionnaire)),
      tenants_(tenancy::v1::TenantService::NewStub(questionnaire)),
      catalog_(catalog::v1::CatalogService::NewStub(questionnaire)),
      service_token_(std::move(service_token)) {}

absl::StatusOr<std::optional<PublishedModel>> RemoteModelCatalog::GetPublished(
    const RequestContext& rc, const std::string& version_name) {
  grpc::ClientContext ctx;
  auth::ForwardCaller(rc, service_token_, &ctx);
  questionnaire::v1::GetModelVersionRequest req;
  req.set_name(version_name);
  questionnaire::v1::GetModelVersionResponse resp;
  grpc::Status s = models_->GetModelVersion(&ctx, req, &resp);
  if (s.error_code() == grpc::StatusCode::NOT_FOUND) return std::nullopt;
  if (s.error_code() == grpc::StatusCode::PERMISSION_DENIED) {
    return Error(absl::StatusCode::kPermissionDenied, "PERMISSION_DENIED",
                 absl::StrCat("you may not read model version ", version_name));
  }
  if (!s.ok()) return Unavailable("reading the model version", s);
  if (resp.model_version().state() != questionnaire::v1::MODEL_VERSION_STATE_PUBLISHED) {
    return std::nullopt;
  }
  PublishedModel model{resp.model_version().content_hash(), resp.model_version().content()};
  return model;
}

absl::StatusOr<std::vector<type_api::AreaTarget>> RemoteModelCatalog::TenantTargets(
    const RequestContext& rc) {
  grpc::ClientContext ctx;
  auth::ForwardCaller(rc, service_token_, &ctx);
  tenancy::v1::GetTenantSettingsRequest req;
  req.set_name(absl::StrCat("tenants/", rc.tenant_id, "/settings"));
  tenancy::v1::GetTenantSettingsResponse resp;
  grpc::Status s = tenants_->GetTenantSettings(&ctx, req, &resp);
  if (!s.ok()) return Unavailable("reading the tenant's targets", s);
  return std::vector<type_api::AreaTarget>(resp.settings().default_area_targets().begin(),
                                           resp.settings().default_area_targets().end());
}

absl::StatusOr<std::vector<std::string>> RemoteModelCatalog::NotInCatalog(
    const RequestContext& rc, absl::string_view collection, const std::vector<std::string>& names) {
  namespace capi = ::lagom::catalog::v1;
  const bool services = collection == "services";
  const std::string what =
      absl::StrCat("reading the catalogue's ", services ? "services" : "customer organisations");
  std::vector<std::string> missing;
  if (names.size() <= kLookedUpOneByOne) {
    for (const std::string& name : names) {
      grpc::ClientContext ctx;
      auth::ForwardCaller(rc, service_token_, &ctx);
      grpc::Status s;
      if (services) {
        capi::GetItServiceRequest req;
        req.set_name(name);
        capi::GetItServiceResponse resp;
        s = catalog_->GetItService(&ctx, req, &resp);
      } else {
        capi::GetCustomerOrganizationRequest req;
        req.set_name(name);
        capi::GetCustomerOrganizationResponse resp;
        s = catalog_->GetCustomerOrganization(&ctx, req, &resp);
      }
      if (s.error_code() == grpc::StatusCode::NOT_FOUND) {
        missing.push_back(name);
      } else if (!s.ok()) {
        return DownstreamError("questionnaire", what, s);
      }
    }
    return missing;
  }
  absl::flat_hash_set<std::string> held;
  std::string page_token;
  do {
    grpc::ClientContext ctx;
    auth::ForwardCaller(rc, service_token_, &ctx);
    grpc::Status s;
    const std::string parent = absl::StrCat("tenants/", rc.tenant_id);
    if (services) {
      capi::ListItServicesRequest req;
      req.set_parent(parent);
      req.set_page_size(500);
      req.set_page_token(page_token);
      req.set_order_by("create_time");  // entries made meanwhile come last
      capi::ListItServicesResponse resp;
      s = catalog_->ListItServices(&ctx, req, &resp);
      for (const capi::ItService& e : resp.services()) held.insert(e.name());
      page_token = resp.next_page_token();
    } else {
      capi::ListCustomerOrganizationsRequest req;
      req.set_parent(parent);
      req.set_page_size(500);
      req.set_page_token(page_token);
      req.set_order_by("create_time");
      capi::ListCustomerOrganizationsResponse resp;
      s = catalog_->ListCustomerOrganizations(&ctx, req, &resp);
      for (const capi::CustomerOrganization& e : resp.customer_organizations()) {
        held.insert(e.name());
      }
      page_token = resp.next_page_token();
    }
    if (!s.ok()) return DownstreamError("questionnaire", what, s);
  } while (!page_token.empty());
  for (const std::string& name : names) {
    if (!held.contains(name)) missing.push_back(name);
  }
  // Pages are read one after another: an entry another change moved between two pages is
  // missed by the listing. A few misses are confirmed one by one; many are a wrong scope.
  if (missing.size() <= kLookedUpOneByOne) return NotInCatalog(rc, collection, missing);
  return missing;
}

}  // namespace lagom::session
