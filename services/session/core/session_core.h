// Sessions and their lifecycle DRAFT → OPEN → CLOSED → ARCHIVED: create, read, list, update,
// delete, and the checked transitions. No gRPC or storage types: requests and responses are
// the API messages, storage is a SessionStore, the model versions a session may pin are
// looked up through a ModelCatalog. Roles are enforced by the CallAdmitter before any of
// this runs; the core still validates input and scopes every read and write to rc.tenant_id.
#ifndef LAGOM_SERVICES_SESSION_CORE_SESSION_CORE_H_
#define LAGOM_SERVICES_SESSION_CORE_SESSION_CORE_H_

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "common/request_context.h"
#include "lagom/questionnaire/v1/model.pb.h"
#include "lagom/session/v1/session.pb.h"
#include "services/session/core/live_state.h"
#include "services/session/core/session_store.h"

namespace lagom::session {

namespace api = ::lagom::session::v1;

namespace type_api = ::lagom::type::v1;

// Bounds of a session's scope, checked by CreateSession and UpdateSession (INVALID_ARGUMENT
// naming the field and the limit). Every customer organisation in scope may answer, and
// scoring takes answers from at most 500 (the limits of ScoreResponses, which ScoreSession
// applies too): a session scoped wider could only fail when it closes. The others are what a
// tenant can have at all: the services of its catalogue, the areas of a model (one target
// override per area).
inline constexpr int kMaxScopeCustomerOrganizations = 500;
inline constexpr int kMaxScopeServices = 10000;
inline constexpr int kMaxScopeAreas = 40;

struct PublishedModel {
  std::string content_hash;
  ::lagom::questionnaire::v1::ModelContent content;
};

// The questionnaire service's view of model versions and tenant targets, as far as sessions
// need it.
class ModelCatalog {
 public:
  virtual ~ModelCatalog() = default;
  // `version_name` (a well-formed model version name the caller may use) if it exists and is
  // PUBLISHED; nullopt for an unknown or unpublished version; an error only when the answer
  // is unknown.
  virtual absl::StatusOr<std::optional<PublishedModel>> GetPublished(
      const RequestContext& rc, const std::string& version_name) = 0;
  // The tenant's default area targets (area_id = area lineage id).
  virtual absl::StatusOr<std::vector<type_api::AreaTarget>> TenantTargets(
      const RequestContext& rc) = 0;
  // Which of `names` (distinct, well-formed names of the caller's tenant in `collection`:
  // "services" or "customerOrganizations") the tenant's catalogue does not hold; an error
  // only when the answer is unknown.
  virtual absl::StatusOr<std::vector<std::string>> NotInCatalog(
      const RequestContext& rc, absl::string_view collection,
      const std::vector<std::string>& names) = 0;
};

class SessionCore final {
 public:
  using Clock = std::function<absl::Time()>;
  // `live` (optional) hears of every state change after it committed.
  SessionCore(SessionStore& store, ModelCatalog& models, Clock clock = absl::Now,
              LiveState* live = nullptr)
      : store_(store), models_(models), clock_(std::move(clock)), live_(live) {}

  absl::Status CreateSession(const RequestContext& rc, const api::CreateSessionRequest& req,
                             api::CreateSessionResponse* resp);
  absl::Status GetSession(const RequestContext& rc, const api::GetSessionRequest& req,
                          api::GetSessionResponse* resp);
  // Newest first. Filter: empty (every state but ARCHIVED) or `state = <STATE>`; order_by:
  // empty or "create_time desc". Other filters and orders are refused for now.
  absl::Status ListSessions(const RequestContext& rc, const api::ListSessionsRequest& req,
                            api::ListSessionsResponse* resp);
  // DRAFT: every mutable field. OPEN: title, description, due_time, labels.
  // CLOSED and ARCHIVED: labels.
  absl::Status UpdateSession(const RequestContext& rc, const api::UpdateSessionRequest& req,
                             api::UpdateSessionResponse* resp);
  // DRAFT and ARCHIVED sessions, with their participants, invitations and answers.
  absl::Status DeleteSession(const RequestContext& rc, const api::DeleteSessionRequest& req,
                             api::DeleteSessionResponse* resp);
  // DRAFT → OPEN, only with a PUBLISHED model version: pins its content and hash, computes
  // the effective targets, starts round 1 over every item in scope.
  absl::Status OpenSession(const RequestContext& rc, const api::OpenSessionRequest& req,
                           api::OpenSessionResponse* resp);
  // OPEN → CLOSED: ends the rounds, keeps the final answer set, queues session.closed.
  absl::Status CloseSession(const RequestContext& rc, const api::CloseSessionRequest& req,
                            api::CloseSessionResponse* resp);
  // CLOSED → ARCHIVED.
  absl::Status ArchiveSession(const RequestContext& rc, const api::ArchiveSessionRequest& req,
                              api::ArchiveSessionResponse* resp);

 private:
  absl::Status RecordClose(SessionTransaction& tx, const std::string& tenant, const std::string& id,
                           const api::Session& s, absl::Time now);
  void Announce(const RequestContext& rc, api::SessionState previous, const api::Session& now);

  SessionStore& store_;
  ModelCatalog& models_;
  Clock clock_;
  LiveState* live_;
};

}  // namespace lagom::session

#endif  // LAGOM_SERVICES_SESSION_CORE_SESSION_CORE_H_
