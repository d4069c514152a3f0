// JWT bearer tokens from a tenant's identity provider: RS256 or ES256 signatures checked
// against the issuer's published keys (a JWKS file); iss, aud, exp and nbf checked;
// `alg: none` and algorithm confusion refused. HS256 only where an issuer explicitly enables
// it for development.
#ifndef LAGOM_COMMON_AUTH_JWT_H_
#define LAGOM_COMMON_AUTH_JWT_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace lagom::auth {

// One trusted identity provider, which belongs to one tenant.
struct JwtIssuer {
  std::string issuer;     // exact `iss`
  std::string audience;   // required in `aud`
  std::string tenant_id;  // the tenant its users belong to
  std::string jwks_file;  // JSON Web Key Set with its RSA / EC P-256 public keys
  std::string hs256_secret;  // development only: non-empty enables HS256 for this issuer
};

// Reads issuers from a JSON file: {"issuers": [{"issuer": ..., "audience": ...,
// "tenant_id": ..., "jwks_file": ..., "hs256_secret": ...}]}. Relative jwks_file paths are
// relative to the config file. Errors name the file and the field.
absl::StatusOr<std::vector<JwtIssuer>> LoadJwtIssuers(const std::string& config_file);

struct VerifiedJwt {
  std::string tenant_id;
  std::string issuer;
  std::string subject;
};

class JwtVerifier {
 public:
  virtual ~JwtVerifier() = default;
  // UNAUTHENTICATED with a reason (JWT_MALFORMED, JWT_ALGORITHM_REFUSED, JWT_SIGNATURE_INVALID,
  // JWT_ISSUER_UNKNOWN, JWT_AUDIENCE_MISMATCH, JWT_EXPIRED, JWT_NOT_YET_VALID) and a message a
  // person can act on. Allows 30 s of clock skew.
  virtual absl::StatusOr<VerifiedJwt> Verify(absl::string_view token, absl::Time now) const = 0;
};

// Loads every issuer's keys now, so a bad JWKS file fails start-up, not the first call.
absl::StatusOr<std::unique_ptr<JwtVerifier>> MakeJwtVerifier(std::vector<JwtIssuer> issuers);

}  // namespace lagom::auth

#endif  // LAGOM_COMMON_AUTH_JWT_H_
