// What the session core needs from storage: one transaction scoped to the caller's tenant,
// holding that tenant's sessions and the replies kept for idempotent retries. A session is
// stored whole (serialized lagom.session.v1.Session) beside the columns queries need.
// The PostgreSQL adapter is store/pg_session_store; unit tests use core/fake_session_store.
#ifndef LAGOM_SERVICES_SESSION_CORE_SESSION_STORE_H_
#define LAGOM_SERVICES_SESSION_CORE_SESSION_STORE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/request_context.h"
#include "common/resource_util.h"

namespace lagom::session {

struct SessionRecord {
  std::string session_id;
  int64_t version = 0;        // 1 on create, +1 on every change; the etag is derived from it
  std::string state;          // "DRAFT", "OPEN", "CLOSED", "ARCHIVED" (also inside body)
  std::string model_version;  // also inside body
  std::string body;           // serialized lagom.session.v1.Session
  absl::Time create_time;
};

// Newest first: (create_time, session_id) descending.
struct SessionPageQuery {
  // Only sessions in these states (never empty).
  std::vector<std::string> states;
  // Only sessions strictly after this (create_time, session_id) in the order above.
  std::optional<std::pair<absl::Time, std::string>> after;
  int limit = 50;
};

// IdempotentReply (the first reply to a mutation with a request_id) is common/resource_util.h's.

// Scoped to the transaction's tenant. Insert of a taken id fails ALREADY_EXISTS; Update and
// Delete of a missing record fail NOT_FOUND; Update whose record is no longer at
// `expected_version` fails ABORTED (someone changed it concurrently).
class SessionTransaction {
 public:
  virtual ~SessionTransaction() = default;

  virtual absl::StatusOr<std::optional<SessionRecord>> Get(const std::string& session_id) = 0;
  virtual absl::StatusOr<std::vector<SessionRecord>> List(const SessionPageQuery& query) = 0;
  virtual absl::StatusOr<int> Count(const std::vector<std::string>& states) = 0;
  virtual absl::Status Insert(const SessionRecord& record) = 0;
  virtual absl::Status Update(const SessionRecord& record, int64_t expected_version) = 0;
  virtual absl::Status Delete(const std::string& session_id) = 0;

  virtual absl::StatusOr<std::optional<IdempotentReply>> FindReply(
      const std::string& request_id) = 0;
  virtual absl::Status RecordReply(const std::string& request_id, const IdempotentReply& reply) = 0;
};

class SessionStore {
 public:
  virtual ~SessionStore() = default;
  // Runs fn in one transaction of rc's tenant: committed when fn returns OK, else rolled back.
  // An empty rc.tenant_id is FAILED_PRECONDITION.
  virtual absl::Status InTenant(const RequestContext& rc,
                                const std::function<absl::Status(SessionTransaction&)>& fn) = 0;
};

}  // namespace lagom::session

#endif  // LAGOM_SERVICES_SESSION_CORE_SESSION_STORE_H_
