// ModelCatalog over the questionnaire service: GetModelVersion, GetTenantSettings and the
// catalogue's services and customer organisations, called with the service token on behalf
// of the original caller (so their tenant and role apply).
#ifndef LAGOM_SERVICES_SESSION_STORE_REMOTE_MODEL_CATALOG_H_
#define LAGOM_SERVICES_SESSION_STORE_REMOTE_MODEL_CATALOG_H_

#include <grpcpp/channel.h>

#include <memory>
#include <string>

#include "lagom/catalog/v1/catalog.grpc.pb.h"
#include "lagom/questionnaire/v1/questionnaire.grpc.pb.h"
#include "lagom/tenancy/v1/tenancy.grpc.pb.h"
#include "services/session/core/session_core.h"

namespace lagom::session {

class RemoteModelCatalog final : public ModelCatalog {
 public:
  RemoteModelCatalog(std::shared_ptr<grpc::Channel> questionnaire, std::string service_token);

  absl::StatusOr<std::optional<PublishedModel>> GetPublished(
      const RequestContext& rc, const std::string& version_name) override;
  absl::StatusOr<std::vector<type_api::AreaTarget>> TenantTargets(
      const RequestContext& rc) override;
  // A few names are looked up one by one; more, by reading the tenant's whole list of that
  // kind (at most 10,000 entries, 500 a page).
  absl::StatusOr<std::vector<std::string>> NotInCatalog(
      const RequestContext& rc, absl::string_view collection,
      const std::vector<std::string>& names) override;

 private:
  std::unique_ptr<questionnaire::v1::QuestionnaireService::Stub> models_;
  std::unique_ptr<tenancy::v1::TenantService::Stub> tenants_;
  std::unique_ptr<catalog::v1::CatalogService::Stub> catalog_;
  const std::string service_token_;
};

}  // namespace lagom::session

#endif  // LAGOM_SERVICES_SESSION_STORE_REMOTE_MODEL_CATALOG_H_
