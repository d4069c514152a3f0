// The live side of a session: figures (progress, distributions) kept in a disposable store
// and the ordered event stream watchers read. The cores tell it what changed after their
// PostgreSQL transaction committed; it never decides anything. If it loses everything, it
// rebuilds from the record (SessionStore) on the next use, and watchers get a snapshot.
#ifndef LAGOM_SERVICES_SESSION_CORE_LIVE_STATE_H_
#define LAGOM_SERVICES_SESSION_CORE_LIVE_STATE_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/request_context.h"
#include "lagom/session/v1/session.pb.h"
#include "services/session/core/model_index.h"

namespace lagom::session {

namespace api = ::lagom::session::v1;

// A session as the live side needs it: the resource and, once OPEN, its pinned model.
struct LiveSession {
  api::Session session;
  std::string session_id;
  std::shared_ptr<const ModelIndex> model;  // null while DRAFT
};

// One committed change of the answer journal.
struct AnswerChange {
  std::string participant_id;
  api::ParticipantPerspective perspective = api::PARTICIPANT_PERSPECTIVE_UNSPECIFIED;
  std::string customer_organization;
  std::string item_id;
  int round = 0;
  int64_t seq = 0;
  bool withdrawn = false;
  std::optional<double> value;  // nullopt with !withdrawn = N/A
};

class LiveState {
 public:
  virtual ~LiveState() = default;

  // After answers committed: update the figures and publish ItemDistributionChanged for
  // each changed item. Failures are logged, never returned: the answers are durable already
  // and the figures are rebuilt from PostgreSQL when the live store comes back. A non-empty
  // `settle_token` (AnswersPending's) is settled for s with the update (no AnswersSettled
  // needed for s).
  virtual void AnswersChanged(const RequestContext& rc, const LiveSession& s,
                              const std::vector<AnswerChange>& changes,
                              const std::string& settle_token) = 0;
  // Before a transaction that commits answers to `session_ids`: until AnswersSettled with the
  // announcement's token, the live figures of those sessions may lack what it commits. If the
  // process dies in between (after the commit, before AnswersChanged), the live store notices
  // within seconds and rebuilds them from the record. The announcement may still be on its
  // way when this returns: confirm() waits for it, and must be called before the commit.
  // Failures are logged.
  struct Announcement {
    std::string token;
    std::function<void()> confirm = [] {};
  };
  virtual Announcement AnswersPending(const RequestContext& rc,
                                      const std::vector<std::string>& session_ids) {
    return {};
  }
  // The transaction's answers are applied (AnswersChanged) or it failed.
  virtual void AnswersSettled(const RequestContext& rc, const std::vector<std::string>& session_ids,
                              const std::string& token) {}

  // A participant was added, joined, completed or changed (ParticipantJoined /
  // ParticipantCompleted events) or removed (figures reset).
  virtual void ParticipantChanged(const RequestContext& rc, const LiveSession& s,
                                  const api::Participant& participant, bool removed) = 0;
  // Publishes one event as is (state changes, rounds, reveals). Rounds and state changes
  // also reset the figures that depend on them.
  virtual void Publish(const RequestContext& rc, const LiveSession& s,
                       const api::WatchSessionResponse& event) = 0;

  // The participants are present (watching, or they answered). Answers mark their
  // participants present themselves. Failures are logged: presence is live state only.
  virtual void Seen(const RequestContext& rc, const std::string& session_id,
                    const std::vector<std::string>& participant_ids) = 0;

  // A watcher in this process follows `s`, until NotWatching (once per Watching). Meanwhile
  // the live store keeps its figures built, so watchers hear within seconds of answers whose
  // replica died before telling the live store, even when nothing else happens in `s`.
  virtual void Watching(const RequestContext& rc, const LiveSession& s) {}
  virtual void NotWatching(const RequestContext& rc, const std::string& session_id) {}
  // `s` was deleted: its figures and events go, so that a session created later with the same
  // id starts from nothing. Best effort: what is left (the live store was unreachable) expires
  // with the idle TTL.
  virtual void Forget(const RequestContext& rc, const LiveSession& s) {}

  // Figures, rebuilt from the record first if the live store lost them.
  virtual absl::StatusOr<api::SessionProgress> Progress(const RequestContext& rc,
                                                        const LiveSession& s) = 0;
  // Answered items per participant id (current rounds).
  virtual absl::StatusOr<std::vector<std::pair<std::string, int>>> AnsweredCounts(
      const RequestContext& rc, const LiveSession& s) = 0;
  virtual absl::StatusOr<std::vector<api::ItemDistribution>> Distributions(
      const RequestContext& rc, const LiveSession& s, const std::vector<std::string>& item_ids) = 0;
};

}  // namespace lagom::session

#endif  // LAGOM_SERVICES_SESSION_CORE_LIVE_STATE_H_
