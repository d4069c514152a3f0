// What the session cores share: resource names of sessions and their children, the state
// errors, reading a session in a transaction, and the cache of pinned model indexes.
#ifndef LAGOM_SERVICES_SESSION_CORE_SESSION_COMMON_H_
#define LAGOM_SERVICES_SESSION_CORE_SESSION_COMMON_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "common/request_context.h"
#include "lagom/session/v1/session.pb.h"
#include "services/session/core/live_state.h"
#include "services/session/core/model_index.h"
#include "services/session/core/session_store.h"

namespace lagom::session {

namespace api = ::lagom::session::v1;

// 1-`max` lowercase letters, digits or '-' (and `extra`), starting with a letter or, if
// `digit_first`, a digit.
bool IsIdentifier(absl::string_view s, size_t max, absl::string_view extra = "",
                  bool digit_first = false);

// The session id of `tenants/{tenant}/sessions/{session}`; another tenant's name is
// NOT_FOUND, with no hint whether it exists there.
absl::StatusOr<std::string> SessionIdOf(const RequestContext& rc, absl::string_view name,
                                        absl::string_view field);
std::string SessionName(const RequestContext& rc, absl::string_view session_id);

// `tenants/{t}/sessions/{s}/<collection>/{id}`: (session id, id). With `allow_dash`, id may
// be "-" (every child).
absl::StatusOr<std::pair<std::string, std::string>> ChildOf(const RequestContext& rc,
                                                            absl::string_view name,
                                                            absl::string_view field,
                                                            absl::string_view collection,
                                                            bool allow_dash = false);

// "DRAFT" for SESSION_STATE_DRAFT.
std::string StateName(api::SessionState state);
// FAILED_PRECONDITION STATE_CONFLICT "session <name> is <STATE>; <what>".
absl::Status StateConflict(absl::string_view name, api::SessionState state, absl::string_view what);
absl::Status SessionNotFound(absl::string_view name);

absl::StatusOr<api::Session> ParseSession(const SessionRecord& record);

// Reads (and with `lock`, locks: shared or exclusive) session `session_id`.
absl::StatusOr<std::pair<SessionRecord, api::Session>> ReadSession(
    SessionTransaction& tx, const RequestContext& rc, const std::string& session_id,
    std::optional<bool> lock_exclusive = std::nullopt);

// Model indexes of pinned model contents, by (tenant, session, content hash): built once
// from the pinned content, read-only afterwards.
class ModelIndexCache final {
 public:
  // The index of an OPEN (or later) session's pinned model; nullptr for a DRAFT session.
  absl::StatusOr<std::shared_ptr<const ModelIndex>> Get(SessionTransaction& tx,
                                                        const RequestContext& rc,
                                                        const std::string& session_id,
                                                        const api::Session& session);

 private:
  static constexpr size_t kMaxIndexes = 1000;
  absl::Mutex mu_;
  // By tenant, content hash and scope.
  absl::flat_hash_map<std::string, std::shared_ptr<const ModelIndex>> indexes_ ABSL_GUARDED_BY(mu_);
};

// Reads (and optionally locks, as ReadSession does) the session and its model index.
absl::StatusOr<LiveSession> ReadLiveSession(SessionTransaction& tx, const RequestContext& rc,
                                            ModelIndexCache& models, const std::string& session_id,
                                            std::optional<bool> lock_exclusive = std::nullopt);

absl::StatusOr<api::Participant> ParseParticipant(const ParticipantRecord& record);

// The most answers in force (each participant's latest answer to each item) a session may
// come to: what one scoring takes (ScoreResponses' limit, which ScoreSession applies to a
// closed session). A session never grows past what can be scored, so that none is refused
// only at its close: see CheckScorableSize.
inline constexpr int64_t kMaxAnswersInForce = 100000;

// Whether the `participants` of session `session_name` (how many it has; and `adding`, one
// about to join) could give at most kMaxAnswersInForce answers to `model`'s items in scope,
// each answering the items of its perspective once. Past it: without `adding` (opening the
// session) FAILED_PRECONDITION SESSION_TOO_LARGE, with it RESOURCE_EXHAUSTED QUOTA_EXCEEDED;
// both name the figures and what to do.
absl::Status CheckScorableSize(SessionTransaction& tx, const std::string& session_id,
                               absl::string_view session_name, const ModelIndex& model,
                               int participants,
                               std::optional<api::ParticipantPerspective> adding = std::nullopt);

// Offset page tokens, bound to the query (filter, parent...) they were issued for.
std::string OffsetToken(size_t offset, absl::string_view query);
std::optional<size_t> ParseOffsetToken(absl::string_view token, absl::string_view query);
// Keyset page tokens: the last (participant, item, round) of a page, bound to the query.
std::string KeyToken(const std::tuple<std::string, std::string, int>& key, absl::string_view query);
std::optional<std::tuple<std::string, std::string, int>> ParseKeyToken(absl::string_view token,
                                                                       absl::string_view query);
// INVALID_ARGUMENT PAGE_TOKEN_INVALID naming the method.
absl::Status BadPageToken(absl::string_view method);

// A stable stand-in for a participant id in anonymous sessions: the same participant gets the
// same pseudonym (so answers group by respondent). Keyed (HMAC-SHA-256 with a secret every
// replica shares), so knowing the participant ids does not tell whose answers are whose.
std::string Pseudonym(const std::string& key, const std::string& session_id,
                      const std::string& participant_id);

// Where a page of answers starts and how its token is made.
struct AnswerPaging {
  size_t page_size = 0;
  absl::string_view page_token;  // from an earlier page; empty: the first
  absl::string_view query;       // what tokens are bound to (see RequestFingerprint)
  // Tokens are offsets for readers who must not learn participant ids (pseudonyms), otherwise
  // the last answer's key, so that every page is one index range scan.
  bool offsets = false;
};

// The session's rounds, by number.
absl::StatusOr<std::vector<api::Round>> ReadRounds(SessionTransaction& tx,
                                                   const std::string& session_id);
// Each item's current round: the latest round that names it (round 1 names every item).
absl::flat_hash_map<std::string, int> CurrentRounds(const std::vector<api::Round>& rounds);
// Has `q` select the session's answers in force (AnswerQuery::in_force), its rounds read.
absl::Status SelectInForce(SessionTransaction& tx, const std::string& session_id, AnswerQuery& q);

// One page of the answers `q` selects (its paging fields are set here), and the token of the
// next (empty on the last page). A token that is not `method`'s for this query is
// PAGE_TOKEN_INVALID.
absl::StatusOr<std::vector<AnswerRecord>> ReadAnswerPage(SessionTransaction& tx,
                                                         const std::string& session_id,
                                                         AnswerQuery q, const AnswerPaging& paging,
                                                         absl::string_view method,
                                                         std::string* next_page_token);

// Whether the caller answers as participant `participant_name`: its invite token names it,
// or its principal (API key or JWT subject) is bound to it.
bool ActsAs(const RequestContext& rc, const std::string& participant_name,
            const std::string& bound_principal);
// Respondents (invite tokens, respondent roles) may see only themselves.
bool IsRespondent(const RequestContext& rc);
// A respondent signed in with an API key or JWT (an invite token is scoped to its session
// before the call reaches the service) reaches a session only as one of its participants,
// bound to their subject: for others it is NOT_FOUND, as a session of another tenant. OK for
// everyone else.
absl::Status CheckRespondentTakesPart(SessionTransaction& tx, const RequestContext& rc,
                                      const std::string& session_id,
                                      const std::string& session_name);
// ReadSession (unlocked), then CheckRespondentTakesPart.
absl::StatusOr<std::pair<SessionRecord, api::Session>> ReadSessionTakenPartIn(
    SessionTransaction& tx, const RequestContext& rc, const std::string& session_id);

}  // namespace lagom::session

#endif  // LAGOM_SERVICES_SESSION_CORE_SESSION_COMMON_H_
