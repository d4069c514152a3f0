// Where the model and catalogue cores record administrative actions (publishing, importing)
// in the tenant's audit log. In the questionnaire process this is TenancyAuditSink (the
// tenancy core's append, in-process); tests record into a vector.
#ifndef LAGOM_SERVICES_QUESTIONNAIRE_MODEL_AUDIT_SINK_H_
#define LAGOM_SERVICES_QUESTIONNAIRE_MODEL_AUDIT_SINK_H_

#include <string>

#include "absl/status/status.h"
#include "common/request_context.h"

namespace lagom::questionnaire {

struct AuditEntry {
  std::string action;    // e.g. "model_version.published"
  std::string resource;  // the version's name
  std::string detail;    // e.g. the content hash
};

class AuditSink {
 public:
  virtual ~AuditSink() = default;
  // Appends one event for rc's principal and tenant.
  virtual absl::Status Record(const RequestContext& rc, const AuditEntry& entry) = 0;
};

}  // namespace lagom::questionnaire

#endif  // LAGOM_SERVICES_QUESTIONNAIRE_MODEL_AUDIT_SINK_H_
