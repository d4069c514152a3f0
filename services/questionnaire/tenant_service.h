// gRPC adapter of lagom.tenancy.v1.TenantService: each handler is admitted by the
// CallAdmitter (authentication, the permission table, limits), then hands the call to
// TenancyCore (webhooks: WebhookRpcCore) on the executor (it blocks on PostgreSQL) and translates
// back.
#ifndef LAGOM_SERVICES_QUESTIONNAIRE_TENANT_SERVICE_H_
#define LAGOM_SERVICES_QUESTIONNAIRE_TENANT_SERVICE_H_

#include "common/executor.h"
#include "common/request_context.h"
#include "lagom/tenancy/v1/tenancy.grpc.pb.h"
#include "services/questionnaire/tenancy/tenancy_core.h"
#include "services/questionnaire/webhooks/webhook_rpc_core.h"

namespace lagom::questionnaire {

namespace tenancy_api = ::lagom::tenancy::v1;

class TenantServiceImpl final : public tenancy_api::TenantService::CallbackService {
 public:
  // Not owned.
  TenantServiceImpl(TenancyCore& core, webhooks::WebhookRpcCore& webhooks,
                    const CallAdmitter& admitter, Executor& executor)
      : core_(core), webhooks_(webhooks), admitter_(admitter), executor_(executor) {}

  grpc::ServerUnaryReactor* CreateTenant(grpc::CallbackServerContext* ctx,
                                         const tenancy_api::CreateTenantRequest* req,
                                         tenancy_api::CreateTenantResponse* resp) override;
  grpc::ServerUnaryReactor* GetTenant(grpc::CallbackServerContext* ctx,
                                      const tenancy_api::GetTenantRequest* req,
                                      tenancy_api::GetTenantResponse* resp) override;
  grpc::ServerUnaryReactor* ListTenants(grpc::CallbackServerContext* ctx,
                                        const tenancy_api::ListTenantsRequest* req,
                                        tenancy_api::ListTenantsResponse* resp) override;
  grpc::ServerUnaryReactor* UpdateTenant(grpc::CallbackServerContext* ctx,
                                         const tenancy_api::UpdateTenantRequest* req,
                                         tenancy_api::UpdateTenantResponse* resp) override;
  grpc::ServerUnaryReactor* DeleteTenant(grpc::CallbackServerContext* ctx,
                                         const tenancy_api::DeleteTenantRequest* req,
                                         tenancy_api::DeleteTenantResponse* resp) override;
  grpc::ServerUnaryReactor* GetTenantSettings(
      grpc::CallbackServerContext* ctx, const tenancy_api::GetTenantSettingsRequest* req,
      tenancy_api::GetTenantSettingsResponse* resp) override;
  grpc::ServerUnaryReactor* UpdateTenantSettings(
      grpc::CallbackServerContext* ctx, const tenancy_api::UpdateTenantSettingsRequest* req,
      tenancy_api::UpdateTenantSettingsResponse* resp) override;
  grpc::ServerUnaryReactor* CreateApiKey(grpc::CallbackServerContext* ctx,
                                         const tenancy_api::CreateApiKeyRequest* req,
                                         tenancy_api::CreateApiKeyResponse* resp) override;
  grpc::ServerUnaryReactor* GetApiKey(grpc::CallbackServerContext* ctx,
                                      const tenancy_api::GetApiKeyRequest* req,
                                      tenancy_api::GetApiKeyResponse* resp) override;
  grpc::ServerUnaryReactor* ListApiKeys(grpc::CallbackServerContext* ctx,
                                        const tenancy_api::ListApiKeysRequest* req,
                                        tenancy_api::ListApiKeysResponse* resp) override;
  grpc::ServerUnaryReactor* RevokeApiKey(grpc::CallbackServerContext* ctx,
                                         const tenancy_api::RevokeApiKeyRequest* req,
                                         tenancy_api::RevokeApiKeyResponse* resp) override;
  grpc::ServerUnaryReactor* RotateApiKey(grpc::CallbackServerContext* ctx,
                                         const tenancy_api::RotateApiKeyRequest* req,
                                         tenancy_api::RotateApiKeyResponse* resp) override;
  grpc::ServerUnaryReactor* CreateRoleBinding(
      grpc::CallbackServerContext* ctx, const tenancy_api::CreateRoleBindingRequest* req,
      tenancy_api::CreateRoleBindingResponse* resp) override;
  grpc::ServerUnaryReactor* GetRoleBinding(grpc::CallbackServerContext* ctx,
                                           const tenancy_api::GetRoleBindingRequest* req,
                                           tenancy_api::GetRoleBindingResponse* resp) override;
  grpc::ServerUnaryReactor* ListRoleBindings(grpc::CallbackServerContext* ctx,
                                             const tenancy_api::ListRoleBindingsRequest* req,
                                             tenancy_api::ListRoleBindingsResponse* resp) override;
  grpc::ServerUnaryReactor* DeleteRoleBinding(
      grpc::CallbackServerContext* ctx, const tenancy_api::DeleteRoleBindingRequest* req,
      tenancy_api::DeleteRoleBindingResponse* resp) override;
  grpc::ServerUnaryReactor* ListAuditEvents(grpc::CallbackServerContext* ctx,
                                            const tenancy_api::ListAuditEventsRequest* req,
                                            tenancy_api::ListAuditEventsResponse* resp) override;
  grpc::ServerUnaryReactor* CreateWebhook(grpc::CallbackServerContext* ctx,
                                          const tenancy_api::CreateWebhookRequest* req,
                                          tenancy_api::CreateWebhookResponse* resp) override;
  grpc::ServerUnaryReactor* GetWebhook(grpc::CallbackServerContext* ctx,
                                       const tenancy_api::GetWebhookRequest* req,
                                       tenancy_api::GetWebhookResponse* resp) override;
  grpc::ServerUnaryReactor* ListWebhooks(grpc::CallbackServerContext* ctx,
                                         const tenancy_api::ListWebhooksRequest* req,
                                         tenancy_api::ListWebhooksResponse* resp) override;
  grpc::ServerUnaryReactor* DeleteWebhook(grpc::CallbackServerContext* ctx,
                                          const tenancy_api::DeleteWebhookRequest* req,
                                          tenancy_api::DeleteWebhookResponse* resp) override;
  grpc::ServerUnaryReactor* ListWebhookDeliveries(
      grpc::CallbackServerContext* ctx, const tenancy_api::ListWebhookDeliveriesRequest* req,
      tenancy_api::ListWebhookDeliveriesResponse* resp) override;

 private:
  TenancyCore& core_;
  webhooks::WebhookRpcCore& webhooks_;
  const CallAdmitter& admitter_;
  Executor& executor_;
};

}  // namespace lagom::questionnaire

#endif  // LAGOM_SERVICES_QUESTIONNAIRE_TENANT_SERVICE_H_
