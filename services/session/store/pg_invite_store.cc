#include "services/session/store/pg_invite_store.h"

#include <pqxx/pqxx>

#include "absl/random/random.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/auth/api_key.h"
#include "common/pg_transaction.h"
#include "common/status.h"

namespace lagom::session {
namespace {

// last_use_time is written at most this often per invitation, so a respondent's calls do not
// each write (their verdicts are also cached briefly in front of this store).
constexpr char kLastUseResolution[] = "1 minute";

absl::Status InvalidToken() {
  return Error(absl::StatusCode::kUnauthenticated, "INVITE_TOKEN_INVALID",
               "invite token is not valid (unknown, revoked or expired); ask the facilitator "
               "for a new invitation");
}

std::string NewInvitationId() {
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  absl::BitGen gen;
  std::string id;
  for (int i = 0; i < 16; ++i) id += kAlphabet[absl::Uniform(gen, 0u, 36u)];
  return id;
}

// Invite tokens share the API keys' shape and codec, under their own prefix.
std::string ToInviteToken(const auth::ApiKeyParts& parts) {
  std::string key = auth::FormatApiKey(parts);
  return absl::StrCat(kInviteTokenPrefix, key.substr(std::string(auth::kApiKeyPrefix).size()));
}

absl::StatusOr<auth::ApiKeyParts> ParseInviteToken(absl::string_view token) {
  if (!absl::ConsumePrefix(&token, kInviteTokenPrefix)) return InvalidToken();
  absl::StatusOr<auth::ApiKeyParts> parts =
      auth::ParseApiKey(absl::StrCat(auth::kApiKeyPrefix, token));
  if (!parts.ok()) return InvalidToken();
  return parts;
}

}  // namespace

InviteTokens::Minted InviteTokenCodec::Mint(const std::string& tenant_id) {
  auth::ApiKeyParts parts = auth::GenerateApiKey(tenant_id, NewInvitationId());
  return Minted{parts.key_id, ToInviteToken(parts), auth::HashApiKeySecret(parts.secret)};
}

std::optional<std::pair<std::string, std::string>> InviteTokenCodec::Parse(
    absl::string_view token) {
  absl::StatusOr<auth::ApiKeyParts> parts = ParseInviteToken(token);
  if (!parts.ok()) return std::nullopt;
  return std::make_pair(parts->tenant_id, parts->key_id);
}

bool InviteTokenCodec::Matches(absl::string_view token, const std::string& secret_sha256) {
  absl::StatusOr<auth::ApiKeyParts> parts = ParseInviteToken(token);
  return parts.ok() && auth::SecretsEqual(secret_sha256, auth::HashApiKeySecret(parts->secret));
}

absl::StatusOr<auth::Principal> PgInviteStore::VerifyInviteToken(absl::string_view token) {
  absl::StatusOr<auth::ApiKeyParts> parts = ParseInviteToken(token);
  if (!parts.ok()) return parts.status();
  RequestContext rc;
  rc.tenant_id = parts->tenant_id;
  auth::Principal principal;
  bool valid = false;
  absl::Status looked_up = pool_.WithTenant(rc, [&](PgTransaction& tx) {
    pqxx::result r = tx.exec_params(
        "SELECT i.session, i.participant, i.perspective, i.secret_sha256,"
        " i.last_use_time IS NULL OR i.last_use_time < now() - $3::interval"
        // The session found by its key (split_part of "tenants/T/sessions/S"), not by
        // comparing names with each of the tenant's sessions.
        // An invitation works only while its session exists (deleting a session deletes its
        // invitations, and making one deletes any a deleted one of the same id left behind).
        " FROM session.invitations i JOIN session.sessions s"
        "   ON s.tenant_id = i.tenant_id AND s.session_id = split_part(i.session, '/', 4)"
        "  AND i.session = 'tenants/' || s.tenant_id || '/sessions/' || s.session_id"
        " WHERE i.tenant_id = $1 AND i.invitation_id = $2 AND i.state = 'ACTIVE'"
        "   AND (i.expire_time IS NULL OR i.expire_time > now())"
        "   AND s.state IN ('DRAFT', 'OPEN')",
        parts->tenant_id, parts->key_id, kLastUseResolution);
    if (r.empty()) return absl::OkStatus();
    valid = auth::SecretsEqual(r[0][3].as<std::string>(), auth::HashApiKeySecret(parts->secret));
    if (valid && r[0][4].as<bool>()) {
      tx.exec_params(
          "UPDATE session.invitations SET last_use_time = now()"
          " WHERE tenant_id = $1 AND invitation_id = $2",
          parts->tenant_id, parts->key_id);
    }
    principal.set_tenant_id(parts->tenant_id);
    principal.set_session(r[0][0].as<std::string>());
    principal.set_participant(r[0][1].as<std::string>());
    principal.set_subject(principal.participant());
    principal.set_role(r[0][2].as<std::string>() == "PROVIDER"
                           ? auth::v1::PRINCIPAL_ROLE_PROVIDER_RESPONDENT
                           : auth::v1::PRINCIPAL_ROLE_CUSTOMER_RESPONDENT);
    principal.set_credential_kind(auth::v1::CREDENTIAL_KIND_INVITE_TOKEN);
    return absl::OkStatus();
  });
  if (!looked_up.ok()) return looked_up;
  if (!valid) return InvalidToken();
  return principal;
}

}  // namespace lagom::session
