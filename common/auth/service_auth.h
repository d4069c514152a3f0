// Start-up wiring of authentication for a service: reads the secrets and identity-provider
// configuration named by flags (or LAGOM_* environment variables), builds the Authenticator,
// the per-tenant RateLimiter and the CallGuard every adapter admits calls through. Bad
// configuration exits with one line, like every other start-up error.
//
// Flags: --service_token_file (required: the secret Lagom's services share),
//        --jwt_issuers_file (optional: trusted identity providers, see jwt.h),
//        --questionnaire_addr (services other than questionnaire: where API keys and role
//        bindings are looked up), --rate_limit_per_second, --rate_limit_burst,
//        --max_streams_per_tenant.
#ifndef LAGOM_COMMON_AUTH_SERVICE_AUTH_H_
#define LAGOM_COMMON_AUTH_SERVICE_AUTH_H_

#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "common/auth/authenticator.h"
#include "common/auth/call_guard.h"
#include "common/auth/directory_cache.h"
#include "common/auth/jwt.h"
#include "common/auth/rate_limiter.h"
#include "common/auth/remote_directory.h"

namespace lagom::auth {

struct ServiceAuth {
  std::string service_token;
  std::unique_ptr<JwtVerifier> jwt;
  std::unique_ptr<RemoteDirectory> directory;   // null where the records are local
  std::unique_ptr<DirectoryCache> local_cache;  // in front of local records (API keys, or the
                                                // session service's invitations); else null
  std::unique_ptr<Authenticator> authenticator;
  std::unique_ptr<RateLimiter> limiter;
  std::unique_ptr<CallGuard> guard;
};

// For the questionnaire service, which holds API keys and role bindings itself; its answers
// are cached as briefly as the other services cache the remote ones (a revoked key stops
// working within half a second everywhere).
// `operator_token_file` may be empty (no operator access).
std::unique_ptr<ServiceAuth> LocalServiceAuthOrDie(absl::string_view service,
                                                   ApiKeyVerifier& api_keys,
                                                   SubjectResolver& subjects,
                                                   const std::string& operator_token_file);

// For every other service: API keys and role bindings are asked of the questionnaire service
// (cached briefly). `invites` may be null (only the session service verifies invite tokens;
// their tenant's standing is asked of the questionnaire service too).
std::unique_ptr<ServiceAuth> RemoteServiceAuthOrDie(absl::string_view service,
                                                    InviteTokenVerifier* invites);

// A secret from a file (trailing whitespace dropped), or an error naming the file.
absl::StatusOr<std::string> ReadSecretFile(const std::string& path);

}  // namespace lagom::auth

#endif  // LAGOM_COMMON_AUTH_SERVICE_AUTH_H_
