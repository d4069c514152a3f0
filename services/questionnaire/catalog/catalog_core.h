// The tenant's customer organisations and IT service catalogue: validation, resource names,
// etags, field-mask updates, idempotent retries, listing and imports from ITSM platforms. No
// gRPC or storage types: requests and responses are the API messages, storage is a
// CatalogStore.
#ifndef LAGOM_SERVICES_QUESTIONNAIRE_CATALOG_CATALOG_CORE_H_
#define LAGOM_SERVICES_QUESTIONNAIRE_CATALOG_CATALOG_CORE_H_

#include <functional>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "common/request_context.h"
#include "lagom/catalog/v1/catalog.pb.h"
#include "services/questionnaire/catalog/catalog_store.h"
#include "services/questionnaire/model/audit_sink.h"

namespace lagom::questionnaire {

namespace catalog = ::lagom::catalog::v1;

// How many resources of one kind a tenant may hold; lists are served from memory below this.
inline constexpr int kMaxResourcesPerKind = 10000;

class CatalogCore final {
 public:
  using Clock = std::function<absl::Time()>;
  // `audit` records each applied import (with its source_system).
  CatalogCore(CatalogStore& store, AuditSink& audit, Clock clock = absl::Now)
      : store_(store), audit_(audit), clock_(std::move(clock)) {}

  absl::Status CreateCustomerOrganization(const RequestContext& rc,
                                          const catalog::CreateCustomerOrganizationRequest& req,
                                          catalog::CreateCustomerOrganizationResponse* resp);
  absl::Status GetCustomerOrganization(const RequestContext& rc,
                                       const catalog::GetCustomerOrganizationRequest& req,
                                       catalog::GetCustomerOrganizationResponse* resp);
  absl::Status ListCustomerOrganizations(const RequestContext& rc,
                                         const catalog::ListCustomerOrganizationsRequest& req,
                                         catalog::ListCustomerOrganizationsResponse* resp);
  absl::Status UpdateCustomerOrganization(const RequestContext& rc,
                                          const catalog::UpdateCustomerOrganizationRequest& req,
                                          catalog::UpdateCustomerOrganizationResponse* resp);
  absl::Status DeleteCustomerOrganization(const RequestContext& rc,
                                          const catalog::DeleteCustomerOrganizationRequest& req,
                                          catalog::DeleteCustomerOrganizationResponse* resp);

  absl::Status CreateItService(const RequestContext& rc, const catalog::CreateItServiceRequest& req,
                               catalog::CreateItServiceResponse* resp);
  absl::Status GetItService(const RequestContext& rc, const catalog::GetItServiceRequest& req,
                            catalog::GetItServiceResponse* resp);
  absl::Status ListItServices(const RequestContext& rc, const catalog::ListItServicesRequest& req,
                              catalog::ListItServicesResponse* resp);
  absl::Status UpdateItService(const RequestContext& rc, const catalog::UpdateItServiceRequest& req,
                               catalog::UpdateItServiceResponse* resp);
  absl::Status DeleteItService(const RequestContext& rc, const catalog::DeleteItServiceRequest& req,
                               catalog::DeleteItServiceResponse* resp);

  // Creates or updates the organisations and services of a CSV or JSON export, matched by
  // external_id, all or nothing (catalog/catalog_import.h reads the payload).
  absl::Status ImportCatalog(const RequestContext& rc, const catalog::ImportCatalogRequest& req,
                             catalog::ImportCatalogResponse* resp);

 private:
  CatalogStore& store_;
  AuditSink& audit_;
  Clock clock_;
};

}  // namespace lagom::questionnaire

#endif  // LAGOM_SERVICES_QUESTIONNAIRE_CATALOG_CATALOG_CORE_H_
