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
#include <tuple>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/request_context.h"
#include "common/resource_util.h"

namespace lagom::session {

// The most rounds one session holds, the first included: a workshop re-votes a few times.
// Each (participant, item, round) is a row of the journal, so an answer has at most this many.
inline constexpr int kMaxRoundsPerSession = 64;

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

// A participant of one session, stored whole beside the columns look-ups need.
struct ParticipantRecord {
  std::string participant_id;
  int64_t version = 0;    // etag source, as for sessions
  std::string principal;  // also inside body; indexed to find a respondent's participant
  std::string body;       // serialized lagom.session.v1.Participant (no etag, no progress)
  absl::Time create_time;
};

// One row of the answer journal: a participant's answer to an item in a round.
struct AnswerRecord {
  std::string participant_id;
  std::string item_id;
  int round = 0;
  int64_t seq = 0;         // assigned by WriteAnswers: orders every change of the tenant's answers
  bool withdrawn = false;  // DeleteAnswer keeps a tombstone so live state can be rebuilt exactly
  std::string body;        // serialized lagom.session.v1.Answer (no etag)
  absl::Time submit_time;
};

// Which answers one ListAnswers page holds: not withdrawn, ordered by participant, item, round.
struct AnswerQuery {
  std::optional<std::string> participant_id;  // unset: every participant
  std::vector<std::string> item_ids;          // empty: every item
  // 0: per participant and item the latest round's answer (none when it is withdrawn: a
  // withdrawn re-vote does not bring back an earlier round's answer).
  int round = 0;
  bool all_rounds = false;  // every round (ignores round)
  // The answers in force (ignores round and all_rounds): each item's answers in the item's
  // current round, which is round 1 unless `item_rounds` names a later one; withdrawn ones
  // left out. What a session closes with.
  bool in_force = false;
  std::vector<std::pair<std::string, int>> item_rounds;
  // Keyset paging: only answers after this (participant, item, round); otherwise `offset`.
  std::optional<std::tuple<std::string, std::string, int>> after;
  size_t offset = 0;
  size_t limit = 500;
};

struct InvitationRecord {
  std::string invitation_id;
  int64_t version = 0;
  std::string participant_id;
  std::string perspective;  // "PROVIDER" or "CUSTOMER"
  std::string secret_sha256;
  std::string token_prefix;
  std::string state;  // "ACTIVE" or "REVOKED" (EXPIRED is derived from expire_time)
  std::optional<absl::Time> expire_time;
  absl::Time create_time;
  std::optional<absl::Time> revoke_time;
  std::optional<absl::Time> last_use_time;
};

// An event for one consumer of the outbox, delivered by that consumer's relay: "scoring"
// (session.closed, a SessionClosedEvent) or "webhooks" (session.opened and session.closed, a
// PublishWebhookEventRequest; see core/webhook_events.h).
struct OutboxEvent {
  std::string consumer;
  std::string topic;
  std::string session_id;
  std::string payload;
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
  // A new session has no invitations: any naming it (left by a deleted one) are removed.
  virtual absl::Status Insert(const SessionRecord& record) = 0;
  virtual absl::Status Update(const SessionRecord& record, int64_t expected_version) = 0;
  // Deletes the session with everything of it, its invitations included.
  virtual absl::Status Delete(const std::string& session_id) = 0;

  // Get, and lock the row until the transaction ends: shared for writers of answers (who
  // need the state to stay OPEN), exclusive for what changes rounds or the state.
  virtual absl::StatusOr<std::optional<SessionRecord>> GetLocked(const std::string& session_id,
                                                                 bool exclusive) = 0;

  // The model content pinned when the session opened: (content_hash, serialized
  // lagom.questionnaire.v1.ModelContent).
  virtual absl::Status PinModel(const std::string& session_id, const std::string& content_hash,
                                const std::string& content) = 0;
  virtual absl::StatusOr<std::optional<std::pair<std::string, std::string>>> GetPinnedModel(
      const std::string& session_id) = 0;

  virtual absl::StatusOr<std::optional<ParticipantRecord>> GetParticipant(
      const std::string& session_id, const std::string& participant_id) = 0;
  // Holds the participant (if it exists) until the transaction ends: writers of one
  // participant go one after the other, so that none fails ABORTED because another changed it
  // meanwhile. Take it before reading the participant to change it.
  virtual absl::Status HoldParticipant(const std::string& session_id,
                                       const std::string& participant_id) = 0;
  // Whether a participant of the session is bound to `principal` (a subject, not empty).
  virtual absl::StatusOr<bool> HasParticipantBoundTo(const std::string& session_id,
                                                     const std::string& principal) = 0;
  // Every participant of the session, by id.
  virtual absl::StatusOr<std::vector<ParticipantRecord>> ListParticipants(
      const std::string& session_id) = 0;
  // How many participants the session has.
  virtual absl::StatusOr<int> CountParticipants(const std::string& session_id) = 0;
  virtual absl::Status InsertParticipant(const std::string& session_id,
                                         const ParticipantRecord& record) = 0;
  virtual absl::Status UpdateParticipant(const std::string& session_id,
                                         const ParticipantRecord& record,
                                         int64_t expected_version) = 0;
  // Also removes the participant's answers and invitations.
  virtual absl::Status DeleteParticipant(const std::string& session_id,
                                         const std::string& participant_id) = 0;

  // Rounds as serialized lagom.session.v1.Round, by number.
  virtual absl::StatusOr<std::vector<std::string>> ListRounds(const std::string& session_id) = 0;
  virtual absl::Status PutRound(const std::string& session_id, int number,
                                const std::string& body) = 0;

  // Creates or replaces each (participant, item, round) row and sets each record's seq. A store
  // may write the rows when the transaction commits: reads later in the same transaction need
  // not see them (a failure then fails the commit). Of two writes of one row, the one with the
  // higher seq stays.
  virtual absl::Status WriteAnswers(const std::string& session_id,
                                    std::vector<AnswerRecord>& records) = 0;
  // The journal rows of the session (or of one participant), tombstones included, ordered by
  // participant, item, round.
  virtual absl::StatusOr<std::vector<AnswerRecord>> ListAnswers(
      const std::string& session_id, const std::optional<std::string>& participant_id) = 0;
  // One page of answers (see AnswerQuery), in that order. Their submit_time is not read: the
  // API takes it from the body.
  virtual absl::StatusOr<std::vector<AnswerRecord>> ListAnswerPage(const std::string& session_id,
                                                                   const AnswerQuery& query) = 0;
  virtual absl::Status InsertFinalAnswers(const std::string& session_id,
                                          const std::vector<AnswerRecord>& records) = 0;

  virtual absl::Status InsertInvitation(const std::string& session_id,
                                        const InvitationRecord& record) = 0;
  virtual absl::StatusOr<std::vector<InvitationRecord>> ListInvitations(
      const std::string& session_id) = 0;
  virtual absl::Status UpdateInvitation(const std::string& session_id,
                                        const InvitationRecord& record) = 0;

  virtual absl::Status AddOutboxEvent(const OutboxEvent& event) = 0;

  // A stored reply may be written only when the transaction commits (it is visible to
  // FindReply in this transaction at once).
  virtual absl::StatusOr<std::optional<IdempotentReply>> FindReply(
      const std::string& request_id) = 0;
  virtual absl::Status RecordReply(const std::string& request_id, const IdempotentReply& reply) = 0;

  // A hint before a batch of writes: the session (about to be read with GetLocked(..., false)),
  // its rounds, the participants of `session_id`, the kept replies it is about to ask for and
  // about how many answer rows WriteAnswers will be given. A store may read them all at once
  // (and reserve the rows' seqs) and answer GetLocked, ListRounds, GetParticipant and FindReply
  // for them from memory for the rest of the transaction.
  virtual absl::Status Prefetch(const std::string& /*session_id*/,
                                const std::vector<std::string>& /*participant_ids*/,
                                const std::vector<std::string>& /*request_ids*/,
                                int /*answer_rows*/) {
    return absl::OkStatus();
  }
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
