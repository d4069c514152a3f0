#include "common/auth/directory_cache.h"

#include "absl/strings/str_cat.h"
#include "common/auth/api_key.h"

namespace lagom::auth {

DirectoryCache::DirectoryCache(ApiKeyVerifier& keys, SubjectResolver& subjects, absl::Duration ttl,
                               size_t max_entries, InviteTokenVerifier* invites)
    : keys_(keys), subjects_(subjects), invites_(invites), cache_(ttl, max_entries) {}

absl::StatusOr<Principal> DirectoryCache::VerifyApiKey(absl::string_view api_key) {
  return cache_.Lookup(HashApiKeySecret(absl::StrCat("api_key\n", api_key)),
                       [&] { return keys_.VerifyApiKey(api_key); });
}

absl::StatusOr<Principal> DirectoryCache::ResolveSubject(absl::string_view tenant_id,
                                                         absl::string_view subject) {
  // Length-prefixed so that no two (tenant, subject) pairs share a key.
  return cache_.Lookup(
      HashApiKeySecret(absl::StrCat("jwt_subject\n", tenant_id.size(), ":", tenant_id, subject)),
      [&] { return subjects_.ResolveSubject(tenant_id, subject); });
}

absl::StatusOr<Principal> DirectoryCache::VerifyInviteToken(absl::string_view token) {
  return cache_.Lookup(HashApiKeySecret(absl::StrCat("invite_token\n", token)),
                       [&]() -> absl::StatusOr<Principal> {
                         if (invites_ == nullptr) {
                           return absl::UnauthenticatedError("invite tokens are not accepted here");
                         }
                         return invites_->VerifyInviteToken(token);
                       });
}

}  // namespace lagom::auth
