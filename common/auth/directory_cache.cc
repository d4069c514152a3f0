#include "common/auth/directory_cache.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/auth/api_key.h"

namespace lagom::auth {
namespace {

// Answers that are a verdict on the credential.
bool IsVerdict(const absl::Status& status) {
  return status.ok() || status.code() == absl::StatusCode::kUnauthenticated ||
         status.code() == absl::StatusCode::kPermissionDenied;
}

}  // namespace

DirectoryCache::DirectoryCache(ApiKeyVerifier& keys, SubjectResolver& subjects, absl::Duration ttl,
                               size_t max_entries, InviteTokenVerifier* invites)
    : keys_(keys),
      subjects_(subjects),
      invites_(invites),
      ttl_(ttl),
      max_entries_(max_entries > 0 ? max_entries : 1) {}

absl::StatusOr<Principal> DirectoryCache::VerifyApiKey(absl::string_view api_key) {
  return Lookup(HashApiKeySecret(absl::StrCat("api_key\n", api_key)),
                [&] { return keys_.VerifyApiKey(api_key); });
}

absl::StatusOr<Principal> DirectoryCache::ResolveSubject(absl::string_view tenant_id,
                                                         absl::string_view subject) {
  // Length-prefixed so that no two (tenant, subject) pairs share a key.
  return Lookup(
      HashApiKeySecret(absl::StrCat("jwt_subject\n", tenant_id.size(), ":", tenant_id, subject)),
      [&] { return subjects_.ResolveSubject(tenant_id, subject); });
}

absl::StatusOr<Principal> DirectoryCache::VerifyInviteToken(absl::string_view token) {
  return Lookup(HashApiKeySecret(absl::StrCat("invite_token\n", token)),
                [&]() -> absl::StatusOr<Principal> {
                  if (invites_ == nullptr) {
                    return absl::UnauthenticatedError("invite tokens are not accepted here");
                  }
                  return invites_->VerifyInviteToken(token);
                });
}

absl::StatusOr<Principal> DirectoryCache::Lookup(
    const std::string& cache_key, const std::function<absl::StatusOr<Principal>()>& ask) {
  {
    absl::MutexLock lock(&mu_);
    auto it = cache_.find(cache_key);
    if (it != cache_.end()) {
      if (absl::Now() < it->second.expires) return it->second.answer;
      cache_.erase(it);
    }
  }
  // No lock held while asking: other credentials are served meanwhile.
  const absl::Time asked = absl::Now();
  absl::StatusOr<Principal> answer = ask();
  if (IsVerdict(answer.status())) {
    absl::MutexLock lock(&mu_);
    // Counted from before asking, so an answer is never used longer than ttl after it was
    // given (the key may have been revoked right after).
    Remember(cache_key, answer, asked);
  }
  return answer;
}

void DirectoryCache::Remember(const std::string& cache_key, const absl::StatusOr<Principal>& answer,
                              absl::Time asked) {
  if (cache_.size() >= max_entries_) {
    // Expired entries first; if every entry is fresh, drop a tenth (any: all are within ttl and
    // will be asked for again at the cost of one look-up).
    const absl::Time current = absl::Now();
    absl::erase_if(cache_, [current](const auto& kv) { return kv.second.expires <= current; });
    size_t excess =
        cache_.size() >= max_entries_ ? cache_.size() - max_entries_ + 1 + max_entries_ / 10 : 0;
    for (auto it = cache_.begin(); excess > 0 && it != cache_.end(); --excess) {
      cache_.erase(it++);
    }
  }
  cache_.insert_or_assign(cache_key, Entry{answer, asked + ttl_});
}

}  // namespace lagom::auth
