#include "services/questionnaire/catalog_service.h"

#include "common/unary.h"

namespace lagom::questionnaire {

grpc::ServerUnaryReactor* CatalogServiceImpl::CreateCustomerOrganization(
    grpc::CallbackServerContext* ctx, const catalog::CreateCustomerOrganizationRequest* req,
    catalog::CreateCustomerOrganizationResponse* resp) {
  return HandleUnary(ctx, admitter_, executor_, *req, [this, req, resp](const RequestContext& rc) {
    return core_.CreateCustomerOrganization(rc, *req, resp);
  });
}

grpc::ServerUnaryReactor* CatalogServiceImpl::GetCustomerOrganization(
    grpc::CallbackServerContext* ctx, const catalog::GetCustomerOrganizationRequest* req,
    catalog::GetCustomerOrganizationResponse* resp) {
  return HandleUnary(ctx, admitter_, executor_, *req, [this, req, resp](const RequestContext& rc) {
    return core_.GetCustomerOrganization(rc, *req, resp);
  });
}

grpc::ServerUnaryReactor* CatalogServiceImpl::ListCustomerOrganizations(
    grpc::CallbackServerContext* ctx, const catalog::ListCustomerOrganizationsRequest* req,
    catalog::ListCustomerOrganizationsResponse* resp) {
  return HandleUnary(ctx, admitter_, executor_, *req, [this, req, resp](const RequestContext& rc) {
    return core_.ListCustomerOrganizations(rc, *req, resp);
  });
}

grpc::ServerUnaryReactor* CatalogServiceImpl::UpdateCustomerOrganization(
    grpc::CallbackServerContext* ctx, const catalog::UpdateCustomerOrganizationRequest* req,
    catalog::UpdateCustomerOrganizationResponse* resp) {
  return HandleUnary(ctx, admitter_, executor_, *req, [this, req, resp](const RequestContext& rc) {
    return core_.UpdateCustomerOrganization(rc, *req, resp);
  });
}

grpc::ServerUnaryReactor* CatalogServiceImpl::DeleteCustomerOrganization(
    grpc::CallbackServerContext* ctx, const catalog::DeleteCustomerOrganizationRequest* req,
    catalog::DeleteCustomerOrganizationResponse* resp) {
  return HandleUnary(ctx, admitter_, executor_, *req, [this, req, resp](const RequestContext& rc) {
    return core_.DeleteCustomerOrganization(rc, *req, resp);
  });
}

grpc::ServerUnaryReactor* CatalogServiceImpl::CreateItService(
    grpc::CallbackServerContext* ctx, const catalog::CreateItServiceRequest* req,
    catalog::CreateItServiceResponse* resp) {
  return HandleUnary(ctx, admitter_, executor_, *req, [this, req, resp](const RequestContext& rc) {
    return core_.CreateItService(rc, *req, resp);
  });
}

grpc::ServerUnaryReactor* CatalogServiceImpl::GetItService(grpc::CallbackServerContext* ctx,
                                                           const catalog::GetItServiceRequest* req,
                                                           catalog::GetItServiceResponse* resp) {
  return HandleUnary(ctx, admitter_, executor_, *req, [this, req, resp](const RequestContext& rc) {
    return core_.GetItService(rc, *req, resp);
  });
}

grpc::ServerUnaryReactor* CatalogServiceImpl::ListItServices(
    grpc::CallbackServerContext* ctx, const catalog::ListItServicesRequest* req,
    catalog::ListItServicesResponse* resp) {
  return HandleUnary(ctx, admitter_, executor_, *req, [this, req, resp](const RequestContext& rc) {
    return core_.ListItServices(rc, *req, resp);
  });
}

grpc::ServerUnaryReactor* CatalogServiceImpl::UpdateItService(
    grpc::CallbackServerContext* ctx, const catalog::UpdateItServiceRequest* req,
    catalog::UpdateItServiceResponse* resp) {
  return HandleUnary(ctx, admitter_, executor_, *req, [this, req, resp](const RequestContext& rc) {
    return core_.UpdateItService(rc, *req, resp);
  });
}

grpc::ServerUnaryReactor* CatalogServiceImpl::DeleteItService(
    grpc::CallbackServerContext* ctx, const catalog::DeleteItServiceRequest* req,
    catalog::DeleteItServiceResponse* resp) {
  return HandleUnary(ctx, admitter_, executor_, *req, [this, req, resp](const RequestContext& rc) {
    return core_.DeleteItService(rc, *req, resp);
  });
}

grpc::ServerUnaryReactor* CatalogServiceImpl::ImportCatalog(
    grpc::CallbackServerContext* ctx, const catalog::ImportCatalogRequest* req,
    catalog::ImportCatalogResponse* resp) {
  return HandleUnary(ctx, admitter_, executor_, *req, [this, req, resp](const RequestContext& rc) {
    return core_.ImportCatalog(rc, *req, resp);
  });
}

}  // namespace lagom::questionnaire
