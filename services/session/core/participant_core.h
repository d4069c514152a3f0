// Participants of sessions and their invitations. A participant answers from one perspective
// (provider staff, a customer organisation's respondent) or facilitates; an invitation gives
// a respondent an opaque token scoped to that session and participant, shown once, revocable,
// and dead once the session closes.
#ifndef LAGOM_SERVICES_SESSION_CORE_PARTICIPANT_CORE_H_
#define LAGOM_SERVICES_SESSION_CORE_PARTICIPANT_CORE_H_

#include <functional>
#include <utility>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "common/request_context.h"
#include "lagom/session/v1/session.pb.h"
#include "services/session/core/live_state.h"
#include "services/session/core/session_common.h"
#include "services/session/core/session_store.h"

namespace lagom::session {

// The most participants one session holds, facilitators included. Every participant of a
// closed session may be scored, and scoring takes at most 5,000 respondents a session (the
// limits of ScoreResponses, which ScoreSession applies too): a session never grows past
// what can be scored.
inline constexpr int kMaxParticipantsPerSession = 5000;

// Makes invite tokens and checks them; the token codec lives with the authentication code.
class InviteTokens {
 public:
  virtual ~InviteTokens() = default;
  struct Minted {
    std::string invitation_id;
    std::string token;          // shown once
    std::string secret_sha256;  // what is stored
  };
  virtual Minted Mint(const std::string& tenant_id) = 0;
  // The (tenant, invitation id) a well-formed token names, and whether its secret matches
  // `secret_sha256`; nullopt for a malformed token.
  virtual std::optional<std::pair<std::string, std::string>> Parse(absl::string_view token) = 0;
  virtual bool Matches(absl::string_view token, const std::string& secret_sha256) = 0;
};

class ParticipantCore final {
 public:
  using Clock = std::function<absl::Time()>;
  ParticipantCore(SessionStore& store, ModelIndexCache& models, LiveState& live,
                  InviteTokens& tokens, Clock clock = absl::Now)
      : store_(store), models_(models), live_(live), tokens_(tokens), clock_(std::move(clock)) {}

  // DRAFT or OPEN sessions. CUSTOMER participants need a customer_organization among the
  // session's scope.customer_organizations; others must not have one. A session holding
  // kMaxParticipantsPerSession is RESOURCE_EXHAUSTED (QUOTA_EXCEEDED), however many add at once;
  // so is an OPEN session the participant's answers would take past kMaxAnswersInForce.
  absl::Status CreateParticipant(const RequestContext& rc, const api::CreateParticipantRequest& req,
                                 api::CreateParticipantResponse* resp);
  // Names and emails are hidden in anonymous sessions from everyone but tenant admins.
  // progress is filled from the live state when the session is OPEN or later.
  absl::Status GetParticipant(const RequestContext& rc, const api::GetParticipantRequest& req,
                              api::GetParticipantResponse* resp);
  // Filter: `perspective = X`, `state = X`, `customer_organization = "..."` joined by AND.
  absl::Status ListParticipants(const RequestContext& rc, const api::ListParticipantsRequest& req,
                                api::ListParticipantsResponse* resp);
  // display_name, email, principal.
  absl::Status UpdateParticipant(const RequestContext& rc, const api::UpdateParticipantRequest& req,
                                 api::UpdateParticipantResponse* resp);
  // DRAFT or OPEN sessions: the participant, their invitations and answers.
  absl::Status DeleteParticipant(const RequestContext& rc, const api::DeleteParticipantRequest& req,
                                 api::DeleteParticipantResponse* resp);
  // OPEN sessions; respondents only for themselves.
  absl::Status CompleteParticipant(const RequestContext& rc,
                                   const api::CompleteParticipantRequest& req,
                                   api::CompleteParticipantResponse* resp);

  // For PROVIDER and CUSTOMER participants of DRAFT or OPEN sessions; expire_time defaults
  // to 30 days and must be in the future. The token is in the first reply only.
  absl::Status CreateInvitation(const RequestContext& rc, const api::CreateInvitationRequest& req,
                                api::CreateInvitationResponse* resp);
  // Filter: `participant = "..."`, `state = ACTIVE|REVOKED|EXPIRED`.
  absl::Status ListInvitations(const RequestContext& rc, const api::ListInvitationsRequest& req,
                               api::ListInvitationsResponse* resp);
  absl::Status RevokeInvitation(const RequestContext& rc, const api::RevokeInvitationRequest& req,
                                api::RevokeInvitationResponse* resp);
  // The caller must hold the same token (it authenticated with it). Marks the participant
  // ACTIVE (ParticipantJoined) if it was INVITED.
  absl::Status AcceptInvitation(const RequestContext& rc, const api::AcceptInvitationRequest& req,
                                api::AcceptInvitationResponse* resp);

 private:
  SessionStore& store_;
  ModelIndexCache& models_;
  LiveState& live_;
  InviteTokens& tokens_;
  Clock clock_;
};

}  // namespace lagom::session

#endif  // LAGOM_SERVICES_SESSION_CORE_PARTICIPANT_CORE_H_
