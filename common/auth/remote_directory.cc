#include "common/auth/remote_directory.h"

#include <grpcpp/client_context.h>

#include <chrono>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/auth/api_key.h"
#include "common/status.h"

namespace lagom::auth {
namespace {

// Answers that are the backend's verdict on the credential; everything else says nothing about
// the credential and is not cached.
bool IsVerdict(const absl::Status& status) {
  return status.ok() || status.code() == absl::StatusCode::kUnauthenticated ||
         status.code() == absl::StatusCode::kPermissionDenied;
}

bool IsTransient(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
    case grpc::StatusCode::ABORTED:
    case grpc::StatusCode::CANCELLED:
    case grpc::StatusCode::UNKNOWN:
      return true;
    default:
      return false;
  }
}

}  // namespace

RemoteDirectory::RemoteDirectory(std::shared_ptr<grpc::Channel> channel, std::string service_token,
                                 absl::Duration ttl, absl::Duration deadline, size_t max_entries)
    : stub_(v1::AuthService::NewStub(std::move(channel))),
      service_token_(std::move(service_token)),
      ttl_(ttl),
      deadline_(deadline),
      max_entries_(max_entries > 0 ? max_entries : 1) {}

absl::StatusOr<Principal> RemoteDirectory::VerifyApiKey(absl::string_view api_key) {
  v1::AuthenticateRequest request;
  request.set_api_key(std::string(api_key));
  return Lookup(HashApiKeySecret(absl::StrCat("api_key\n", api_key)), request);
}

absl::StatusOr<Principal> RemoteDirectory::ResolveSubject(absl::string_view tenant_id,
                                                          absl::string_view subject) {
  v1::AuthenticateRequest request;
  request.mutable_jwt_subject()->set_tenant_id(std::string(tenant_id));
  request.mutable_jwt_subject()->set_subject(std::string(subject));
  // Length-prefixed so that no two (tenant, subject) pairs share a key.
  return Lookup(
      HashApiKeySecret(absl::StrCat("jwt_subject\n", tenant_id.size(), ":", tenant_id, subject)),
      request);
}

absl::StatusOr<Principal> RemoteDirectory::Lookup(const std::string& cache_key,
                                                  const v1::AuthenticateRequest& request) {
  {
    absl::MutexLock lock(&mu_);
    auto it = cache_.find(cache_key);
    if (it != cache_.end()) {
      if (absl::Now() < it->second.expires) return it->second.answer;
      cache_.erase(it);
    }
  }
  // No lock held during the RPC: other credentials are served meanwhile.
  const absl::Time asked = absl::Now();
  absl::StatusOr<Principal> answer = Call(request);
  if (IsVerdict(answer.status())) {
    absl::MutexLock lock(&mu_);
    // Counted from before the RPC, so an answer is never used longer than ttl after it was
    // asked for (the backend may have revoked the key right after answering).
    Remember(cache_key, answer, asked);
  }
  return answer;
}

absl::StatusOr<Principal> RemoteDirectory::Call(const v1::AuthenticateRequest& request) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(deadline_));
  ctx.AddMetadata(kServiceTokenKey, service_token_);
  v1::AuthenticateResponse response;
  const grpc::Status status = stub_->Authenticate(&ctx, request, &response);
  if (status.ok()) {
    if (!response.has_principal()) {
      return Error(absl::StatusCode::kInternal, "DEPENDENCY_FAILED",
                   "authentication backend (questionnaire service) answered without a principal");
    }
    return std::move(*response.mutable_principal());
  }
  const grpc::StatusCode code = status.error_code();
  if (code == grpc::StatusCode::UNAUTHENTICATED || code == grpc::StatusCode::PERMISSION_DENIED) {
    return FromGrpcStatus(status);  // the verdict, with the backend's reason
  }
  const std::string what = absl::StrCat(
      "authentication backend (questionnaire service) ",
      absl::StatusCodeToString(static_cast<absl::StatusCode>(code)), ": ", status.error_message());
  if (IsTransient(code)) {
    return Error(absl::StatusCode::kUnavailable, "DEPENDENCY_UNAVAILABLE",
                 absl::StrCat(what, "; the credential was not checked, retry shortly"));
  }
  return Error(absl::StatusCode::kInternal, "DEPENDENCY_FAILED", what);
}

void RemoteDirectory::Remember(const std::string& cache_key,
                               const absl::StatusOr<Principal>& answer, absl::Time now) {
  if (cache_.size() >= max_entries_) {
    // Expired entries first; if every entry is fresh, drop a tenth (any: all are within ttl and
    // will be asked for again at the cost of one RPC).
    const absl::Time current = absl::Now();
    absl::erase_if(cache_, [current](const auto& kv) { return kv.second.expires <= current; });
    size_t excess =
        cache_.size() >= max_entries_ ? cache_.size() - max_entries_ + 1 + max_entries_ / 10 : 0;
    for (auto it = cache_.begin(); excess > 0 && it != cache_.end(); --excess) {
      cache_.erase(it++);
    }
  }
  cache_.insert_or_assign(cache_key, Entry{answer, now + ttl_});
}

}  // namespace lagom::auth
