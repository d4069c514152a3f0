// gRPC adapter of lagom.auth.v1.AuthService, the internal API the other Lagom services use to
// resolve API keys and JWT subjects, to learn a tenant's standing, to append to a tenant's
// audit log and to hand webhook events over. Admitted by the CallAdmitter (only the SERVICE
// identity may call it), then handed to TenancyCore or the WebhookRpcCore.
#ifndef LAGOM_SERVICES_QUESTIONNAIRE_AUTH_SERVICE_H_
#define LAGOM_SERVICES_QUESTIONNAIRE_AUTH_SERVICE_H_

#include "common/executor.h"
#include "common/request_context.h"
#include "lagom/auth/v1/auth.grpc.pb.h"
#include "services/questionnaire/tenancy/tenancy_core.h"
#include "services/questionnaire/webhooks/webhook_rpc_core.h"

namespace lagom::questionnaire {

class AuthServiceImpl final : public auth_api::AuthService::CallbackService {
 public:
  // Not owned.
  AuthServiceImpl(TenancyCore& core, webhooks::WebhookRpcCore& webhooks,
                  const CallAdmitter& admitter, Executor& executor)
      : core_(core), webhooks_(webhooks), admitter_(admitter), executor_(executor) {}

  grpc::ServerUnaryReactor* Authenticate(grpc::CallbackServerContext* ctx,
                                         const auth_api::AuthenticateRequest* req,
                                         auth_api::AuthenticateResponse* resp) override;
  grpc::ServerUnaryReactor* GetTenantStanding(grpc::CallbackServerContext* ctx,
                                              const auth_api::GetTenantStandingRequest* req,
                                              auth_api::GetTenantStandingResponse* resp) override;
  grpc::ServerUnaryReactor* RecordAuditEvent(grpc::CallbackServerContext* ctx,
                                             const auth_api::RecordAuditEventRequest* req,
                                             auth_api::RecordAuditEventResponse* resp) override;
  grpc::ServerUnaryReactor* PublishWebhookEvent(
      grpc::CallbackServerContext* ctx, const auth_api::PublishWebhookEventRequest* req,
      auth_api::PublishWebhookEventResponse* resp) override;

 private:
  TenancyCore& core_;
  webhooks::WebhookRpcCore& webhooks_;
  const CallAdmitter& admitter_;
  Executor& executor_;
};

}  // namespace lagom::questionnaire

#endif  // LAGOM_SERVICES_QUESTIONNAIRE_AUTH_SERVICE_H_
