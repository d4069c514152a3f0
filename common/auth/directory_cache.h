// Keeps a directory's answers (API key → Principal, JWT subject → Principal, invite token →
// respondent Principal) for a short time, so a hot credential costs no look-up while a revoked
// one stops working within `ttl`. Used in front of the questionnaire service's own records, of
// the remote AuthService and of the session service's invitations alike.
#ifndef LAGOM_COMMON_AUTH_DIRECTORY_CACHE_H_
#define LAGOM_COMMON_AUTH_DIRECTORY_CACHE_H_

#include <cstddef>
#include <functional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/auth/authenticator.h"

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
  struct Entry {
    absl::StatusOr<Principal> answer;
    absl::Time expires;
  };

  // `cache_key` is a SHA-256: the raw credential is never kept.
  absl::StatusOr<Principal> Lookup(const std::string& cache_key,
                                   const std::function<absl::StatusOr<Principal>()>& ask);
  void Remember(const std::string& cache_key, const absl::StatusOr<Principal>& answer,
                absl::Time asked) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  ApiKeyVerifier& keys_;
  SubjectResolver& subjects_;
  InviteTokenVerifier* const invites_;
  const absl::Duration ttl_;
  const size_t max_entries_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Entry> cache_ ABSL_GUARDED_BY(mu_);
};

}  // namespace lagom::auth

#endif  // LAGOM_COMMON_AUTH_DIRECTORY_CACHE_H_
