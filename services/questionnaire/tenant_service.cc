#include "services/questionnaire/tenant_service.h"

#include "common/unary.h"

namespace lagom::questionnaire {

grpc::ServerUnaryReactor* TenantServiceImpl::CreateTenant(grpc::CallbackServerContext* ctx,
                                                          const tenancy_api::CreateTenantRequest*,
                                                          tenancy_api::CreateTenantResponse*) {
  return NotImplementedYet(ctx, "CreateTenant");
}

grpc::ServerUnaryReactor* TenantServiceImpl::GetTenant(grpc::CallbackServerContext* ctx,
                                                       const tenancy_api::GetTenantRequest*,
                                                       tenancy_api::GetTenantResponse*) {
  return NotImplementedYet(ctx, "GetTenant");
}

grpc::ServerUnaryReactor* TenantServiceImpl::ListTenants(grpc::CallbackServerContext* ctx,
                                                         const tenancy_api::ListTenantsRequest*,
                                                         tenancy_api::ListTenantsResponse*) {
  return NotImplementedYet(ctx, "ListTenants");
}

grpc::ServerUnaryReactor* TenantServiceImpl::UpdateTenant(grpc::CallbackServerContext* ctx,
                                                          const tenancy_api::UpdateTenantRequest*,
                                                          tenancy_api::UpdateTenantResponse*) {
  return NotImplementedYet(ctx, "UpdateTenant");
}

grpc::ServerUnaryReactor* TenantServiceImpl::DeleteTenant(grpc::CallbackServerContext* ctx,
                                                          const tenancy_api::DeleteTenantRequest*,
                                                          tenancy_api::DeleteTenantResponse*) {
  return NotImplementedYet(ctx, "DeleteTenant");
}

grpc::ServerUnaryReactor* TenantServiceImpl::GetTenantSettings(
    grpc::CallbackServerContext* ctx, const tenancy_api::GetTenantSettingsRequest*,
    tenancy_api::GetTenantSettingsResponse*) {
  return NotImplementedYet(ctx, "GetTenantSettings");
}

grpc::ServerUnaryReactor* TenantServiceImpl::UpdateTenantSettings(
    grpc::CallbackServerContext* ctx, const tenancy_api::UpdateTenantSettingsRequest*,
    tenancy_api::UpdateTenantSettingsResponse*) {
  return NotImplementedYet(ctx, "UpdateTenantSettings");
}

grpc::ServerUnaryReactor* TenantServiceImpl::CreateApiKey(grpc::CallbackServerContext* ctx,
                                                          const tenancy_api::CreateApiKeyRequest*,
                                                          tenancy_api::CreateApiKeyResponse*) {
  return NotImplementedYet(ctx, "CreateApiKey");
}

grpc::ServerUnaryReactor* TenantServiceImpl::GetApiKey(grpc::CallbackServerContext* ctx,
                                                       const tenancy_api::GetApiKeyRequest*,
                                                       tenancy_api::GetApiKeyResponse*) {
  return NotImplementedYet(ctx, "GetApiKey");
}

grpc::ServerUnaryReactor* TenantServiceImpl::ListApiKeys(grpc::CallbackServerContext* ctx,
                                                         const tenancy_api::ListApiKeysRequest*,
                                                         tenancy_api::ListApiKeysResponse*) {
  return NotImplementedYet(ctx, "ListApiKeys");
}

grpc::ServerUnaryReactor* TenantServiceImpl::RevokeApiKey(grpc::CallbackServerContext* ctx,
                                                          const tenancy_api::RevokeApiKeyRequest*,
                                                          tenancy_api::RevokeApiKeyResponse*) {
  return NotImplementedYet(ctx, "RevokeApiKey");
}

grpc::ServerUnaryReactor* TenantServiceImpl::RotateApiKey(grpc::CallbackServerContext* ctx,
                                                          const tenancy_api::RotateApiKeyRequest*,
                                                          tenancy_api::RotateApiKeyResponse*) {
  return NotImplementedYet(ctx, "RotateApiKey");
}

grpc::ServerUnaryReactor* TenantServiceImpl::CreateRoleBinding(
    grpc::CallbackServerContext* ctx, const tenancy_api::CreateRoleBindingRequest*,
    tenancy_api::CreateRoleBindingResponse*) {
  return NotImplementedYet(ctx, "CreateRoleBinding");
}

grpc::ServerUnaryReactor* TenantServiceImpl::GetRoleBinding(
    grpc::CallbackServerContext* ctx, const tenancy_api::GetRoleBindingRequest*,
    tenancy_api::GetRoleBindingResponse*) {
  return NotImplementedYet(ctx, "GetRoleBinding");
}

grpc::ServerUnaryReactor* TenantServiceImpl::ListRoleBindings(
    grpc::CallbackServerContext* ctx, const tenancy_api::ListRoleBindingsRequest*,
    tenancy_api::ListRoleBindingsResponse*) {
  return NotImplementedYet(ctx, "ListRoleBindings");
}

grpc::ServerUnaryReactor* TenantServiceImpl::DeleteRoleBinding(
    grpc::CallbackServerContext* ctx, const tenancy_api::DeleteRoleBindingRequest*,
    tenancy_api::DeleteRoleBindingResponse*) {
  return NotImplementedYet(ctx, "DeleteRoleBinding");
}

grpc::ServerUnaryReactor* TenantServiceImpl::ListAuditEvents(
    grpc::CallbackServerContext* ctx, const tenancy_api::ListAuditEventsRequest*,
    tenancy_api::ListAuditEventsResponse*) {
  return NotImplementedYet(ctx, "ListAuditEvents");
}

}  // namespace lagom::questionnaire
