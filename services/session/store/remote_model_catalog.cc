#include "services/session/store/remote_model_catalog.h"

#include <grpcpp/client_context.h>

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

}  // namespace

RemoteModelCatalog::RemoteModelCatalog(std::shared_ptr<grpc::Channel> questionnaire,
                                       std::string service_token)
    : models_(questionnaire::v1::QuestionnaireService::NewStub(questionnaire)),
      tenants_(tenancy::v1::TenantService::NewStub(questionnaire)),
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

}  // namespace lagom::session
