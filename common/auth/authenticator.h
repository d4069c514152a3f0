// Turns a call's metadata into a Principal. Credentials, in the order they are looked for:
//   x-lagom-service-token: <secret>  + x-lagom-on-behalf-of-bin: <serialized Principal>
//       another Lagom service, carrying its original caller;
//   x-lagom-invite-token: <token>    a respondent (session service only);
//   authorization: Bearer lgm_...    an API key;
//   authorization: Bearer <jwt>      a person through the tenant's identity provider;
//   authorization: Bearer <operator token>   the hosting operator.
// No credential, or an invalid one: UNAUTHENTICATED with a reason and what to send instead.
#ifndef LAGOM_COMMON_AUTH_AUTHENTICATOR_H_
#define LAGOM_COMMON_AUTH_AUTHENTICATOR_H_

#include <grpcpp/support/string_ref.h>

#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/auth/jwt.h"
#include "common/auth/principal.h"

namespace lagom::auth {

using Metadata = std::multimap<grpc::string_ref, grpc::string_ref>;

inline constexpr char kAuthorizationKey[] = "authorization";
inline constexpr char kInviteTokenKey[] = "x-lagom-invite-token";
inline constexpr char kServiceTokenKey[] = "x-lagom-service-token";
inline constexpr char kOnBehalfOfKey[] = "x-lagom-on-behalf-of-bin";

// Looks up an API key's record (questionnaire owns them; other services ask it).
class ApiKeyVerifier {
 public:
  virtual ~ApiKeyVerifier() = default;
  virtual absl::StatusOr<Principal> VerifyApiKey(absl::string_view api_key) = 0;
};

// The role a verified JWT subject holds in its tenant, from the tenant's role bindings.
class SubjectResolver {
 public:
  virtual ~SubjectResolver() = default;
  virtual absl::StatusOr<Principal> ResolveSubject(absl::string_view tenant_id,
                                                   absl::string_view subject) = 0;
};

// Invite tokens are issued and checked by the session service.
class InviteTokenVerifier {
 public:
  virtual ~InviteTokenVerifier() = default;
  virtual absl::StatusOr<Principal> VerifyInviteToken(absl::string_view token) = 0;
};

// Whether a tenant is ACTIVE, SUSPENDED, DELETED or NOT_FOUND, for credentials a service
// checks against records of its own, which do not know the tenant's state (invite tokens).
// The questionnaire service owns tenants; other services ask it.
class TenantStandings {
 public:
  virtual ~TenantStandings() = default;
  virtual absl::StatusOr<TenantStanding> StandingOf(absl::string_view tenant_id) = 0;
};

class Authenticator {
 public:
  virtual ~Authenticator() = default;
  virtual absl::StatusOr<Principal> Authenticate(const Metadata& metadata) = 0;
};

struct AuthOptions {
  // SHA-256 hex of the hosting operator's token; empty: no operator access here.
  std::string operator_token_sha256;
  // Shared secret of Lagom's own services; empty: no service-to-service calls accepted.
  std::string service_token;
};

// The Authenticator every service uses. `invites` and `standings` may be null (only the
// session service verifies invite tokens, and needs both: an invite token works while its
// tenant is ACTIVE, and reads only while it is SUSPENDED); `jwt` may be null (no identity
// providers configured). Not owned.
std::unique_ptr<Authenticator> MakeCredentialAuthenticator(
    AuthOptions options, const JwtVerifier* jwt, ApiKeyVerifier* api_keys,
    SubjectResolver* subjects, InviteTokenVerifier* invites, TenantStandings* standings);

}  // namespace lagom::auth

#endif  // LAGOM_COMMON_AUTH_AUTHENTICATOR_H_
