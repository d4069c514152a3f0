#include "common/auth/authenticator.h"

#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/auth/api_key.h"
#include "common/request_context.h"
#include "common/status.h"

namespace lagom::auth {
namespace {

using ::lagom::auth::v1::CREDENTIAL_KIND_API_KEY;
using ::lagom::auth::v1::CREDENTIAL_KIND_INVITE_TOKEN;
using ::lagom::auth::v1::CREDENTIAL_KIND_JWT;
using ::lagom::auth::v1::CREDENTIAL_KIND_OPERATOR;
using ::lagom::auth::v1::CREDENTIAL_KIND_SERVICE;
using ::lagom::auth::v1::PRINCIPAL_ROLE_OPERATOR;
using ::lagom::auth::v1::PRINCIPAL_ROLE_SERVICE;
using ::lagom::auth::v1::PRINCIPAL_ROLE_UNSPECIFIED;

constexpr char kWhatToSend[] = "send 'authorization: Bearer <API key or token>'";

absl::Status Unauthenticated(std::string_view reason, std::string_view message) {
  return Error(absl::StatusCode::kUnauthenticated, reason, message);
}

// gRPC lower-cases metadata keys already; compare case-insensitively anyway so a hand-built
// Metadata map (tests, other transports) behaves the same.
std::optional<absl::string_view> Find(const Metadata& metadata, absl::string_view key) {
  for (const auto& [k, v] : metadata) {
    if (absl::EqualsIgnoreCase(absl::string_view(k.data(), k.size()), key)) {
      return absl::string_view(v.data(), v.size());
    }
  }
  return std::nullopt;
}

bool LooksLikeJwt(absl::string_view token) {
  std::vector<absl::string_view> parts = absl::StrSplit(token, '.');
  return parts.size() == 3 && !parts[0].empty() && !parts[1].empty();
}

// A credential of a tenant (API key, JWT, invite token) may never make its holder the hosting
// operator or leave the role open: those come only from the operator or service token.
absl::Status CheckTenantPrincipal(const Principal& p, absl::string_view what) {
  if (p.role() == PRINCIPAL_ROLE_OPERATOR || p.role() == PRINCIPAL_ROLE_UNSPECIFIED ||
      !IsValidTenantId(p.tenant_id())) {
    return Unauthenticated("CREDENTIAL_INVALID",
                           absl::StrCat(what, " does not grant a role in a tenant"));
  }
  return absl::OkStatus();
}

class CredentialAuthenticator final : public Authenticator {
 public:
  CredentialAuthenticator(AuthOptions options, const JwtVerifier* jwt, ApiKeyVerifier* api_keys,
                          SubjectResolver* subjects, InviteTokenVerifier* invites,
                          TenantStandings* standings)
      : operator_token_sha256_(absl::AsciiStrToLower(options.operator_token_sha256)),
        service_token_sha256_(
            options.service_token.empty() ? "" : HashApiKeySecret(options.service_token)),
        jwt_(jwt),
        api_keys_(api_keys),
        subjects_(subjects),
        invites_(invites),
        standings_(standings) {}

  absl::StatusOr<Principal> Authenticate(const Metadata& metadata) override {
    if (auto token = Find(metadata, kServiceTokenKey)) {
      return FromServiceToken(*token, Find(metadata, kOnBehalfOfKey));
    }
    if (auto token = Find(metadata, kInviteTokenKey)) return FromInviteToken(*token);
    if (auto authorization = Find(metadata, kAuthorizationKey)) {
      return FromAuthorization(*authorization);
    }
    return Unauthenticated("UNAUTHENTICATED", absl::StrCat("no credentials: ", kWhatToSend));
  }

 private:
  absl::StatusOr<Principal> FromServiceToken(absl::string_view token,
                                             std::optional<absl::string_view> on_behalf_of) const {
    // Hashes have a fixed length, so the comparison leaks neither contents nor length.
    if (service_token_sha256_.empty() ||
        !SecretsEqual(HashApiKeySecret(token), service_token_sha256_)) {
      return Unauthenticated("SERVICE_TOKEN_INVALID",
                             "x-lagom-service-token is not this deployment's service token");
    }
    Principal principal;
    if (on_behalf_of.has_value()) {
      if (!principal.ParseFromArray(on_behalf_of->data(), static_cast<int>(on_behalf_of->size())) ||
          principal.role() == PRINCIPAL_ROLE_UNSPECIFIED) {
        return Unauthenticated("ON_BEHALF_OF_INVALID",
                               "x-lagom-on-behalf-of-bin is not a serialized "
                               "lagom.auth.v1.Principal with a role");
      }
      return principal;
    }
    principal.set_subject("service");
    principal.set_role(PRINCIPAL_ROLE_SERVICE);
    principal.set_credential_kind(CREDENTIAL_KIND_SERVICE);
    return principal;
  }

  absl::StatusOr<Principal> FromInviteToken(absl::string_view token) const {
    if (invites_ == nullptr || standings_ == nullptr) {
      return Unauthenticated("INVITE_TOKEN_INVALID",
                             "invite tokens are accepted by the session service");
    }
    absl::StatusOr<Principal> principal = invites_->VerifyInviteToken(token);
    if (!principal.ok()) return principal.status();
    if (absl::Status s = CheckTenantPrincipal(*principal, "the invite token"); !s.ok()) return s;
    if (absl::Status s = ApplyTenantStanding(*principal); !s.ok()) return s;
    principal->set_credential_kind(CREDENTIAL_KIND_INVITE_TOKEN);
    return principal;
  }

  // The invitation records do not know the tenant's state; its owner is asked (and an owner
  // that cannot answer lets nobody in). As with API keys: a SUSPENDED tenant's respondents
  // read only, a DELETED (or unknown) tenant's are refused.
  absl::Status ApplyTenantStanding(Principal& principal) const {
    absl::StatusOr<TenantStanding> standing = standings_->StandingOf(principal.tenant_id());
    if (!standing.ok()) return standing.status();
    switch (*standing) {
      case v1::TENANT_STANDING_ACTIVE:
        return absl::OkStatus();
      case v1::TENANT_STANDING_SUSPENDED:
        principal.set_tenant_suspended(true);
        return absl::OkStatus();
      default:
        return Unauthenticated(
            "INVITE_TOKEN_INVALID",
            absl::StrCat("invite token is no longer valid: its tenant ", principal.tenant_id(),
                         *standing == v1::TENANT_STANDING_NOT_FOUND ? " does not exist"
                                                                    : " has been deleted",
                         ", so its invitations do not work; contact the organisation that "
                         "invited you"));
    }
  }

  absl::StatusOr<Principal> FromAuthorization(absl::string_view authorization) const {
    // RFC 7235: the scheme is case-insensitive.
    constexpr absl::string_view kBearer = "bearer ";
    if (!absl::StartsWithIgnoreCase(authorization, kBearer)) {
      return Unauthenticated(
          "AUTHORIZATION_MALFORMED",
          absl::StrCat("authorization is not a Bearer credential: ", kWhatToSend));
    }
    absl::string_view credential = absl::StripAsciiWhitespace(authorization.substr(kBearer.size()));
    if (credential.empty()) {
      return Unauthenticated("AUTHORIZATION_MALFORMED",
                             absl::StrCat("empty Bearer credential: ", kWhatToSend));
    }
    if (absl::StartsWith(credential, kApiKeyPrefix)) return FromApiKey(credential);
    if (!operator_token_sha256_.empty() &&
        SecretsEqual(HashApiKeySecret(credential), operator_token_sha256_)) {
      Principal principal;
      principal.set_subject("operator");
      principal.set_role(PRINCIPAL_ROLE_OPERATOR);
      principal.set_credential_kind(CREDENTIAL_KIND_OPERATOR);
      return principal;
    }
    if (jwt_ != nullptr && LooksLikeJwt(credential)) return FromJwt(credential);
    return Unauthenticated("CREDENTIAL_INVALID",
                           "the Bearer credential is not an API key (lgm_...), a JWT from a "
                           "configured identity provider, or the operator token");
  }

  absl::StatusOr<Principal> FromApiKey(absl::string_view key) const {
    absl::StatusOr<ApiKeyParts> parts = ParseApiKey(key);  // malformed: refused without a look-up
    if (!parts.ok()) return parts.status();
    if (api_keys_ == nullptr) {
      return Unauthenticated("API_KEY_INVALID", "API keys are not accepted by this service");
    }
    absl::StatusOr<Principal> principal = api_keys_->VerifyApiKey(key);
    if (!principal.ok()) return principal.status();
    if (absl::Status s = CheckTenantPrincipal(*principal, "the API key"); !s.ok()) return s;
    // Second wall: a key can only ever act in the tenant it names.
    if (principal->tenant_id() != parts->tenant_id) {
      return Unauthenticated("API_KEY_INVALID", "the API key does not belong to its tenant");
    }
    principal->set_credential_kind(CREDENTIAL_KIND_API_KEY);
    return principal;
  }

  absl::StatusOr<Principal> FromJwt(absl::string_view token) const {
    absl::StatusOr<VerifiedJwt> verified = jwt_->Verify(token, absl::Now());
    if (!verified.ok()) return verified.status();
    if (subjects_ == nullptr) {
      return Unauthenticated("CREDENTIAL_INVALID", "JWT users are not accepted by this service");
    }
    absl::StatusOr<Principal> principal =
        subjects_->ResolveSubject(verified->tenant_id, verified->subject);
    if (!principal.ok()) return principal.status();
    if (absl::Status s = CheckTenantPrincipal(*principal, "the JWT subject"); !s.ok()) return s;
    // The issuer decides the tenant; a subject can never be resolved into another one.
    if (principal->tenant_id() != verified->tenant_id) {
      return Unauthenticated("CREDENTIAL_INVALID", "the JWT subject belongs to another tenant");
    }
    if (principal->subject().empty()) principal->set_subject(verified->subject);
    principal->set_credential_kind(CREDENTIAL_KIND_JWT);
    return principal;
  }

  const std::string operator_token_sha256_;
  const std::string service_token_sha256_;
  const JwtVerifier* const jwt_;
  ApiKeyVerifier* const api_keys_;
  SubjectResolver* const subjects_;
  InviteTokenVerifier* const invites_;
  TenantStandings* const standings_;
};

}  // namespace

std::unique_ptr<Authenticator> MakeCredentialAuthenticator(
    AuthOptions options, const JwtVerifier* jwt, ApiKeyVerifier* api_keys,
    SubjectResolver* subjects, InviteTokenVerifier* invites, TenantStandings* standings) {
  return std::make_unique<CredentialAuthenticator>(std::move(options), jwt, api_keys, subjects,
                                                   invites, standings);
}

}  // namespace lagom::auth
