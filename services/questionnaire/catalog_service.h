// gRPC adapter of lagom.catalog.v1.CatalogService: each handler reads the caller's context,
// hands the call to CatalogCore on the executor (it blocks on PostgreSQL), and translates back.
#ifndef LAGOM_SERVICES_QUESTIONNAIRE_CATALOG_SERVICE_H_
#define LAGOM_SERVICES_QUESTIONNAIRE_CATALOG_SERVICE_H_

#include "common/executor.h"
#include "common/request_context.h"
#include "lagom/catalog/v1/catalog.grpc.pb.h"
#include "services/questionnaire/catalog/catalog_core.h"

namespace lagom::questionnaire {

class CatalogServiceImpl final : public catalog::CatalogService::CallbackService {
 public:
  CatalogServiceImpl(CatalogCore& core, const CallAdmitter& admitter, Executor& executor)
      : core_(core), admitter_(admitter), executor_(executor) {}

  grpc::ServerUnaryReactor* CreateCustomerOrganization(
      grpc::CallbackServerContext* ctx, const catalog::CreateCustomerOrganizationRequest* req,
      catalog::CreateCustomerOrganizationResponse* resp) override;
  grpc::ServerUnaryReactor* GetCustomerOrganization(
      grpc::CallbackServerContext* ctx, const catalog::GetCustomerOrganizationRequest* req,
      catalog::GetCustomerOrganizationResponse* resp) override;
  grpc::ServerUnaryReactor* ListCustomerOrganizations(
      grpc::CallbackServerContext* ctx, const catalog::ListCustomerOrganizationsRequest* req,
      catalog::ListCustomerOrganizationsResponse* resp) override;
  grpc::ServerUnaryReactor* UpdateCustomerOrganization(
      grpc::CallbackServerContext* ctx, const catalog::UpdateCustomerOrganizationRequest* req,
      catalog::UpdateCustomerOrganizationResponse* resp) override;
  grpc::ServerUnaryReactor* DeleteCustomerOrganization(
      grpc::CallbackServerContext* ctx, const catalog::DeleteCustomerOrganizationRequest* req,
      catalog::DeleteCustomerOrganizationResponse* resp) override;
  grpc::ServerUnaryReactor* CreateItService(grpc::CallbackServerContext* ctx,
                                            const catalog::CreateItServiceRequest* req,
                                            catalog::CreateItServiceResponse* resp) override;
  grpc::ServerUnaryReactor* GetItService(grpc::CallbackServerContext* ctx,
                                         const catalog::GetItServiceRequest* req,
                                         catalog::GetItServiceResponse* resp) override;
  grpc::ServerUnaryReactor* ListItServices(grpc::CallbackServerContext* ctx,
                                           const catalog::ListItServicesRequest* req,
                                           catalog::ListItServicesResponse* resp) override;
  grpc::ServerUnaryReactor* UpdateItService(grpc::CallbackServerContext* ctx,
                                            const catalog::UpdateItServiceRequest* req,
                                            catalog::UpdateItServiceResponse* resp) override;
  grpc::ServerUnaryReactor* DeleteItService(grpc::CallbackServerContext* ctx,
                                            const catalog::DeleteItServiceRequest* req,
                                            catalog::DeleteItServiceResponse* resp) override;
  grpc::ServerUnaryReactor* ImportCatalog(grpc::CallbackServerContext* ctx,
                                          const catalog::ImportCatalogRequest* req,
                                          catalog::ImportCatalogResponse* resp) override;

 private:
  CatalogCore& core_;
  const CallAdmitter& admitter_;
  Executor& executor_;
};

}  // namespace lagom::questionnaire

#endif  // LAGOM_SERVICES_QUESTIONNAIRE_CATALOG_SERVICE_H_
