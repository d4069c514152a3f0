// Invite tokens: issued for one participant of one session (ParticipantCore::CreateInvitation
// mints them with InviteTokenCodec and stores them through the SessionStore), checked here on
// every call a respondent makes. A token reads
// "inv_<tenant>.<invitation_id>.<secret>"; only the secret's SHA-256 is stored, inside the
// tenant's rows.
#ifndef LAGOM_SERVICES_SESSION_STORE_PG_INVITE_STORE_H_
#define LAGOM_SERVICES_SESSION_STORE_PG_INVITE_STORE_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/auth/authenticator.h"
#include "common/postgres.h"
#include "services/session/core/participant_core.h"

namespace lagom::session {

inline constexpr char kInviteTokenPrefix[] = "inv_";

// The token codec: "inv_<tenant>.<invitation_id>.<secret>", as API keys are made.
class InviteTokenCodec final : public InviteTokens {
 public:
  Minted Mint(const std::string& tenant_id) override;
  std::optional<std::pair<std::string, std::string>> Parse(absl::string_view token) override;
  bool Matches(absl::string_view token, const std::string& secret_sha256) override;
};

class PgInviteStore final : public auth::InviteTokenVerifier {
 public:
  explicit PgInviteStore(PgPool& pool) : pool_(pool) {}

  // UNAUTHENTICATED, reason INVITE_TOKEN_INVALID, one message for unknown, revoked, expired
  // or wrong tokens, and tokens of sessions that have closed. Otherwise a respondent Principal
  // scoped to the session and participant. A valid use is recorded as the invitation's
  // last_use_time, to the minute.
  absl::StatusOr<auth::Principal> VerifyInviteToken(absl::string_view token) override;

 private:
  PgPool& pool_;
};

}  // namespace lagom::session

#endif  // LAGOM_SERVICES_SESSION_STORE_PG_INVITE_STORE_H_
