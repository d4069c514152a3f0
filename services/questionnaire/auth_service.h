// gRPC adapter of lagom.auth.v1.AuthService, the internal API the other Lagom services use to
// resolve API keys and JWT subjects and to append to a tenant's audit log. Admitted by the
// CallAdmitter (only the SERVICE identity may call it), then handed to TenancyCore.
#ifndef LAGOM_SERVICES_QUESTIONNAIRE_AUTH_SERVICE_H_
#define LAGOM_SERVICES_QUESTIONNAIRE_AUTH_SERVICE_H_

#include "common/executor.h"
#include "common/request_context.h"
#include "lagom/auth/v1/auth.grpc.pb.h"
#include "services/questionnaire/tenancy/tenancy_core.h"

namespace lagom::questionnaire {

class AuthServiceImpl final : public auth_api::AuthService::CallbackService {
 public:
  // Not owned.
  AuthServiceImpl(TenancyCore& core, const CallAdmitter& admitter, Executor& executor)
      : core_(core), admitter_(admitter), executor_(executor) {}

  grpc::ServerUnaryReactor* Authenticate(grpc::CallbackServerContext* ctx,
                                         const auth_api::AuthenticateRequest* req,
                                         auth_api::AuthenticateResponse* resp) override;
  grpc::ServerUnaryReactor* RecordAuditEvent(grpc::CallbackServerContext* ctx,
                                             const auth_api::RecordAuditEventRequest* req,
                                             auth_api::RecordAuditEventResponse* resp) override;

 private:
  TenancyCore& core_;
  const CallAdmitter& admitter_;
  Executor& executor_;
};

}  // namespace lagom::questionnaire

#endif  // LAGOM_SERVICES_QUESTIONNAIRE_AUTH_SERVICE_H_
