// TenantSettingsSource over the questionnaire process's TenantService.GetTenantSettings and
// CatalogService.GetItService, called with the service token on behalf of the original caller
// (so their tenant and role apply there too).
#ifndef LAGOM_SERVICES_REPORTING_STORE_REMOTE_TENANT_SETTINGS_H_
#define LAGOM_SERVICES_REPORTING_STORE_REMOTE_TENANT_SETTINGS_H_

#include <grpcpp/channel.h>

#include <memory>
#include <string>

#include "lagom/catalog/v1/catalog.grpc.pb.h"
#include "lagom/tenancy/v1/tenancy.grpc.pb.h"
#include "services/reporting/core/reporting_core.h"

namespace lagom::reporting {

class RemoteTenantSettings final : public TenantSettingsSource {
 public:
  RemoteTenantSettings(std::shared_ptr<grpc::Channel> questionnaire, std::string service_token);

  absl::StatusOr<bool> BenchmarkOptIn(const RequestContext& rc) override;
  absl::StatusOr<CatalogEntry> Service(const RequestContext& rc, const std::string& name) override;

 private:
  std::unique_ptr<tenancy::v1::TenantService::Stub> tenants_;
  std::unique_ptr<catalog::v1::CatalogService::Stub> catalog_;
  const std::string service_token_;
};

}  // namespace lagom::reporting

#endif  // LAGOM_SERVICES_REPORTING_STORE_REMOTE_TENANT_SETTINGS_H_
