#include "services/questionnaire/tenant_service.h"

#include "common/unary.h"

namespace lagom::questionnaire {

grpc::ServerUnaryReactor* TenantServiceImpl::CreateTenant(
    grpc::CallbackServerContext* ctx, const tenancy_api::CreateTenantRequest* req,
    tenancy_api::CreateTenantResponse* resp) {
  return HandleUnary(ctx, admitter_, executor_, *req, [this, req, resp](const RequestContext& rc) {
    return core_.CreateTenant(rc, *req, resp);
  });
}

grpc::ServerUnaryReactor* TenantServiceImpl::GetTenant(grpc::CallbackServerContext* ctx,
                                                       const tenancy_api::GetTenantRequest* req,
                                                       tenancy_api::GetTenantResponse* resp) {
  return HandleUnary(ctx, admitter_, executor_, *req, [this, req, resp](const RequestContext& rc) {
    return core_.GetTenant(rc, *req, resp);
  });
}

grpc::ServerUnaryReactor* TenantServiceImpl::ListTenants(grpc::CallbackServerContext* ctx,
                                                         const tenancy_api::ListTenantsRequest* req,
                                                         tenancy_api::ListTenantsResponse* resp) {
  return HandleUnary(ctx, admitter_, executor_, *req, [this, req, resp](const RequestContext& rc) {
    return core_.ListTenants(rc, *req, resp);
  });
}

grpc::ServerUnaryReactor* TenantServiceImpl::UpdateTenant(
    grpc::CallbackServerContext* ctx, const tenancy_api::UpdateTenantRequest* req,
    tenancy_api::UpdateTenantResponse* resp) {
  return HandleUnary(ctx, admitter_, executor_, *req, [this, req, resp](const RequestContext& rc) {
    return core_.UpdateTenant(rc, *req, resp);
  });
}

grpc::ServerUnaryReactor* TenantServiceImpl::DeleteTenant(
    grpc::CallbackServerContext* ctx, const tenancy_api::DeleteTenantRequest* req,
    tenancy_api::DeleteTenantResponse* resp) {
  return HandleUnary(ctx, admitter_, executor_, *req, [this, req, resp](const RequestContext& rc) {
    return core_.DeleteTenant(rc, *req, resp);
  });
}

grpc::ServerUnaryReactor* TenantServiceImpl::GetTenantSettings(
    grpc::CallbackServerContext* ctx, const tenancy_api::GetTenantSettingsRequest* req,
    tenancy_api::GetTenantSettingsResponse* resp) {
  return HandleUnary(ctx, admitter_, executor_, *req, [this, req, resp](const RequestContext& rc) {
    return core_.GetTenantSettings(rc, *req, resp);
  });
}

grpc::ServerUnaryReactor* TenantServiceImpl::UpdateTenantSettings(
    grpc::CallbackServerContext* ctx, const tenancy_api::UpdateTenantSettingsRequest* req,
    tenancy_api::UpdateTenantSettingsResponse* resp) {
  return HandleUnary(ctx, admitter_, executor_, *req, [this, req, resp](const RequestContext& rc) {
    return core_.UpdateTenantSettings(rc, *req, resp);
  });
}

grpc::ServerUnaryReactor* TenantServiceImpl::CreateApiKey(
    grpc::CallbackServerContext* ctx, const tenancy_api::CreateApiKeyRequest* req,
    tenancy_api::CreateApiKeyResponse* resp) {
  return HandleUnary(ctx, admitter_, executor_, *req, [this, req, resp](const RequestContext& rc) {
    return core_.CreateApiKey(rc, *req, resp);
  });
}

grpc::ServerUnaryReactor* TenantServiceImpl::GetApiKey(grpc::CallbackServerContext* ctx,
                                                       const tenancy_api::GetApiKeyRequest* req,
                                                       tenancy_api::GetApiKeyResponse* resp) {
  return HandleUnary(ctx, admitter_, executor_, *req, [this, req, resp](const RequestContext& rc) {
    return core_.GetApiKey(rc, *req, resp);
  });
}

grpc::ServerUnaryReactor* TenantServiceImpl::ListApiKeys(grpc::CallbackServerContext* ctx,
                                                         const tenancy_api::ListApiKeysRequest* req,
                                                         tenancy_api::ListApiKeysResponse* resp) {
  return HandleUnary(ctx, admitter_, executor_, *req, [this, req, resp](const RequestContext& rc) {
    return core_.ListApiKeys(rc, *req, resp);
  });
}

grpc::ServerUnaryReactor* TenantServiceImpl::RevokeApiKey(
    grpc::CallbackServerContext* ctx, const tenancy_api::RevokeApiKeyRequest* req,
    tenancy_api::RevokeApiKeyResponse* resp) {
  return HandleUnary(ctx, admitter_, executor_, *req, [this, req, resp](const RequestContext& rc) {
    return core_.RevokeApiKey(rc, *req, resp);
  });
}

grpc::ServerUnaryReactor* TenantServiceImpl::RotateApiKey(
    grpc::CallbackServerContext* ctx, const tenancy_api::RotateApiKeyRequest* req,
    tenancy_api::RotateApiKeyResponse* resp) {
  return HandleUnary(ctx, admitter_, executor_, *req, [this, req, resp](const RequestContext& rc) {
    return core_.RotateApiKey(rc, *req, resp);
  });
}

grpc::ServerUnaryReactor* TenantServiceImpl::CreateRoleBinding(
    grpc::CallbackServerContext* ctx, const tenancy_api::CreateRoleBindingRequest* req,
    tenancy_api::CreateRoleBindingResponse* resp) {
  return HandleUnary(ctx, admitter_, executor_, *req, [this, req, resp](const RequestContext& rc) {
    return core_.CreateRoleBinding(rc, *req, resp);
  });
}

grpc::ServerUnaryReactor* TenantServiceImpl::GetRoleBinding(
    grpc::CallbackServerContext* ctx, const tenancy_api::GetRoleBindingRequest* req,
    tenancy_api::GetRoleBindingResponse* resp) {
  return HandleUnary(ctx, admitter_, executor_, *req, [this, req, resp](const RequestContext& rc) {
    return core_.GetRoleBinding(rc, *req, resp);
  });
}

grpc::ServerUnaryReactor* TenantServiceImpl::ListRoleBindings(
    grpc::CallbackServerContext* ctx, const tenancy_api::ListRoleBindingsRequest* req,
    tenancy_api::ListRoleBindingsResponse* resp) {
  return HandleUnary(ctx, admitter_, executor_, *req, [this, req, resp](const RequestContext& rc) {
    return core_.ListRoleBindings(rc, *req, resp);
  });
}

grpc::ServerUnaryReactor* TenantServiceImpl::DeleteRoleBinding(
    grpc::CallbackServerContext* ctx, const tenancy_api::DeleteRoleBindingRequest* req,
    tenancy_api::DeleteRoleBindingResponse* resp) {
  return HandleUnary(ctx, admitter_, executor_, *req, [this, req, resp](const RequestContext& rc) {
    return core_.DeleteRoleBinding(rc, *req, resp);
  });
}

grpc::ServerUnaryReactor* TenantServiceImpl::ListAuditEvents(
    grpc::CallbackServerContext* ctx, const tenancy_api::ListAuditEventsRequest* req,
    tenancy_api::ListAuditEventsResponse* resp) {
  return HandleUnary(ctx, admitter_, executor_, *req, [this, req, resp](const RequestContext& rc) {
    return core_.ListAuditEvents(rc, *req, resp);
  });
}

grpc::ServerUnaryReactor* TenantServiceImpl::CreateWebhook(
    grpc::CallbackServerContext* ctx, const tenancy_api::CreateWebhookRequest* req,
    tenancy_api::CreateWebhookResponse* resp) {
  return HandleUnary(ctx, admitter_, executor_, *req, [this, req, resp](const RequestContext& rc) {
    return webhooks_.CreateWebhook(rc, *req, resp);
  });
}

grpc::ServerUnaryReactor* TenantServiceImpl::GetWebhook(grpc::CallbackServerContext* ctx,
                                                        const tenancy_api::GetWebhookRequest* req,
                                                        tenancy_api::GetWebhookResponse* resp) {
  return HandleUnary(ctx, admitter_, executor_, *req, [this, req, resp](const RequestContext& rc) {
    return webhooks_.GetWebhook(rc, *req, resp);
  });
}

grpc::ServerUnaryReactor* TenantServiceImpl::ListWebhooks(
    grpc::CallbackServerContext* ctx, const tenancy_api::ListWebhooksRequest* req,
    tenancy_api::ListWebhooksResponse* resp) {
  return HandleUnary(ctx, admitter_, executor_, *req, [this, req, resp](const RequestContext& rc) {
    return webhooks_.ListWebhooks(rc, *req, resp);
  });
}

grpc::ServerUnaryReactor* TenantServiceImpl::DeleteWebhook(
    grpc::CallbackServerContext* ctx, const tenancy_api::DeleteWebhookRequest* req,
    tenancy_api::DeleteWebhookResponse* resp) {
  return HandleUnary(ctx, admitter_, executor_, *req, [this, req, resp](const RequestContext& rc) {
    return webhooks_.DeleteWebhook(rc, *req, resp);
  });
}

grpc::ServerUnaryReactor* TenantServiceImpl::ListWebhookDeliveries(
    grpc::CallbackServerContext* ctx, const tenancy_api::ListWebhookDeliveriesRequest* req,
    tenancy_api::ListWebhookDeliveriesResponse* resp) {
  return HandleUnary(ctx, admitter_, executor_, *req, [this, req, resp](const RequestContext& rc) {
    return webhooks_.ListWebhookDeliveries(rc, *req, resp);
  });
}

}  // namespace lagom::questionnaire
