// An AuditSink for tests: keeps every entry with the tenant it was recorded for.
#ifndef LAGOM_SERVICES_QUESTIONNAIRE_MODEL_RECORDING_AUDIT_SINK_H_
#define LAGOM_SERVICES_QUESTIONNAIRE_MODEL_RECORDING_AUDIT_SINK_H_

#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "services/questionnaire/model/audit_sink.h"

namespace lagom::questionnaire {

class RecordingAuditSink final : public AuditSink {
 public:
  struct Recorded {
    std::string tenant_id;
    AuditEntry entry;
  };

  absl::Status Record(const RequestContext& rc, const AuditEntry& entry) override {
    absl::MutexLock lock(&mu_);
    recorded_.push_back({rc.tenant_id, entry});
    return absl::OkStatus();
  }

  std::vector<Recorded> recorded() const {
    absl::MutexLock lock(&mu_);
    return recorded_;
  }

 private:
  mutable absl::Mutex mu_;
  std::vector<Recorded> recorded_ ABSL_GUARDED_BY(mu_);
};

}  // namespace lagom::questionnaire

#endif  // LAGOM_SERVICES_QUESTIONNAIRE_MODEL_RECORDING_AUDIT_SINK_H_
