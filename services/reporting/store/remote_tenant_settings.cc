#include "services/reporting/store/remote_tenant_settings.h"

#include <grpcpp/client_context.h>

#include "absl/strings/str_cat.h"
#include "common/auth/forwarding.h"
#include "common/status.h"

namespace lagom::reporting {

RemoteTenantSettings::RemoteTenantSettings(std::shared_ptr<grpc::Channel> questionnaire,
                                           std::string service_token)
    : tenants_(tenancy::v1::TenantService::NewStub(questionnaire)),
      catalog_(catalog::v1::CatalogService::NewStub(questionnaire)),
      service_token_(std::move(service_token)) {}

absl::StatusOr<bool> RemoteTenantSettings::BenchmarkOptIn(const RequestContext& rc) {
  grpc::ClientContext ctx;
  auth::ForwardCaller(rc, service_token_, &ctx);
  tenancy::v1::GetTenantSettingsRequest req;
  req.set_name(absl::StrCat("tenants/", rc.tenant_id, "/settings"));
  tenancy::v1::GetTenantSettingsResponse resp;
  grpc::Status s = tenants_->GetTenantSettings(&ctx, req, &resp);
  if (!s.ok()) {
    return Error(absl::StatusCode::kUnavailable, "DEPENDENCY_UNAVAILABLE",
                 absl::StrCat("reading the tenant's benchmark opt-in failed at the questionnaire "
                              "service: ",
                              s.error_message()));
  }
  return resp.settings().benchmark_opt_in();
}

absl::StatusOr<CatalogEntry> RemoteTenantSettings::Service(const RequestContext& rc,
                                                           const std::string& name) {
  grpc::ClientContext ctx;
  auth::ForwardCaller(rc, service_token_, &ctx);
  catalog::v1::GetItServiceRequest req;
  req.set_name(name);
  catalog::v1::GetItServiceResponse resp;
  grpc::Status s = catalog_->GetItService(&ctx, req, &resp);
  if (!s.ok()) {
    return Error(absl::StatusCode::kUnavailable, "DEPENDENCY_UNAVAILABLE",
                 absl::StrCat("reading catalogue entry ", name,
                              " failed at the questionnaire service: ", s.error_message()));
  }
  return CatalogEntry{resp.service().name(), resp.service().display_name(),
                      resp.service().external_id()};
}

}  // namespace lagom::reporting
