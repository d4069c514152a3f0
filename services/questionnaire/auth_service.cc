#include "services/questionnaire/auth_service.h"

#include "common/unary.h"

namespace lagom::questionnaire {

grpc::ServerUnaryReactor* AuthServiceImpl::Authenticate(grpc::CallbackServerContext* ctx,
                                                        const auth_api::AuthenticateRequest* req,
                                                        auth_api::AuthenticateResponse* resp) {
  return HandleUnary(ctx, admitter_, executor_, *req, [this, req, resp](const RequestContext& rc) {
    return core_.Authenticate(rc, *req, resp);
  });
}

grpc::ServerUnaryReactor* AuthServiceImpl::GetTenantStanding(
    grpc::CallbackServerContext* ctx, const auth_api::GetTenantStandingRequest* req,
    auth_api::GetTenantStandingResponse* resp) {
  return HandleUnary(ctx, admitter_, executor_, *req, [this, req, resp](const RequestContext& rc) {
    return core_.GetTenantStanding(rc, *req, resp);
  });
}

grpc::ServerUnaryReactor* AuthServiceImpl::RecordAuditEvent(
    grpc::CallbackServerContext* ctx, const auth_api::RecordAuditEventRequest* req,
    auth_api::RecordAuditEventResponse* resp) {
  return HandleUnary(ctx, admitter_, executor_, *req, [this, req, resp](const RequestContext& rc) {
    return core_.RecordAuditEvent(rc, *req, resp);
  });
}

grpc::ServerUnaryReactor* AuthServiceImpl::PublishWebhookEvent(
    grpc::CallbackServerContext* ctx, const auth_api::PublishWebhookEventRequest* req,
    auth_api::PublishWebhookEventResponse* resp) {
  return HandleUnary(ctx, admitter_, executor_, *req, [this, req, resp](const RequestContext& rc) {
    return webhooks_.PublishWebhookEvent(rc, *req, resp);
  });
}

}  // namespace lagom::questionnaire
