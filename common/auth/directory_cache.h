// Keeps a directory's answers (API key → Principal, JWT subject → Principal, invite token →
// respondent Principal) for a short time, so a hot credential costs no look-up while a revoked
// one stops working within `ttl`. Used in front of the questionnaire service's own records, of
// the remote AuthService and of the session service's invitations alike.
#ifndef LAGOM_COMMON_AUTH_DIRECTORY_CACHE_H_
#define LAGOM_COMMON_AUTH_DIRECTORY_CACHE_H_

#include <cstddef>

#include "absl/time/time.h"
#include "common/auth/authenticator.h"
#include "common/auth/verdict_cache.h"

namespace lagom::auth {

// Thread-safe. Only verdicts are kept (a Principal, UNAUTHENTICATED, PERMISSION_DENIED);
// "backend unavailable" and other errors say nothing about the credential and are not.
class DirectoryCache final : public ApiKeyVerifier,
                             public SubjectResolver,
                             public InviteTokenVerifier {
 public:
  // `keys`, `subjects` and `invites` are not owned; `invites` may be null (then every invite
  // token is refused as unknown).
  DirectoryCache(ApiKeyVerifier& keys, SubjectResolver& subjects,
                 absl::Duration ttl = absl::Milliseconds(500), size_t max_entries = 10000,
                 InviteTokenVerifier* invites = nullptr);

  absl::StatusOr<Principal> VerifyApiKey(absl::string_view api_key) override;
  absl::StatusOr<Principal> ResolveSubject(absl::string_view tenant_id,
                                           absl::string_view subject) override;
  absl::StatusOr<Principal> VerifyInviteToken(absl::string_view token) override;

 private:
  ApiKeyVerifier& keys_;
  SubjectResolver& subjects_;
  InviteTokenVerifier* const invites_;
  // Keyed by a SHA-256: the raw credential is never kept.
  VerdictCache<Principal> cache_;
};

}  // namespace lagom::auth

#endif  // LAGOM_COMMON_AUTH_DIRECTORY_CACHE_H_
