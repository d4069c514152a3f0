// AuditSink on the tenancy core's audit log (the same table ListAuditEvents reads).
#ifndef LAGOM_SERVICES_QUESTIONNAIRE_MODEL_TENANCY_AUDIT_SINK_H_
#define LAGOM_SERVICES_QUESTIONNAIRE_MODEL_TENANCY_AUDIT_SINK_H_

#include "services/questionnaire/model/audit_sink.h"
#include "services/questionnaire/tenancy/tenancy_core.h"

namespace lagom::questionnaire {

class TenancyAuditSink final : public AuditSink {
 public:
  explicit TenancyAuditSink(TenancyCore& core) : core_(core) {}

  absl::Status Record(const RequestContext& rc, const AuditEntry& entry) override {
    auth_api::RecordAuditEventRequest req;
    *req.mutable_actor() = rc.principal;
    req.mutable_actor()->set_tenant_id(rc.tenant_id);
    req.set_action(entry.action);
    req.set_resource(entry.resource);
    req.set_origin(rc.peer);
    req.set_detail(entry.detail);
    auth_api::RecordAuditEventResponse resp;
    return core_.RecordAuditEvent(rc, req, &resp);
  }

 private:
  TenancyCore& core_;
};

}  // namespace lagom::questionnaire

#endif  // LAGOM_SERVICES_QUESTIONNAIRE_MODEL_TENANCY_AUDIT_SINK_H_
