#include "common/auth/remote_directory.h"

#include <grpcpp/client_context.h>

#include <chrono>
#include <mutex>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/auth/api_key.h"
#include "common/log.h"
#include "common/status.h"

namespace lagom::auth {
namespace {

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

// A failed call that is no verdict: UNAVAILABLE (DEPENDENCY_UNAVAILABLE) when trying again
// shortly may help, INTERNAL (DEPENDENCY_FAILED) otherwise.
absl::Status DependencyError(const grpc::Status& status) {
  const grpc::StatusCode code = status.error_code();
  const std::string what = absl::StrCat(
      "authentication backend (questionnaire service) ",
      absl::StatusCodeToString(static_cast<absl::StatusCode>(code)), ": ", status.error_message());
  if (IsTransient(code)) {
    return Error(absl::StatusCode::kUnavailable, "DEPENDENCY_UNAVAILABLE",
                 absl::StrCat(what, "; the credential was not checked, retry shortly"));
  }
  return Error(absl::StatusCode::kInternal, "DEPENDENCY_FAILED", what);
}

}  // namespace

RemoteDirectory::RemoteDirectory(std::shared_ptr<grpc::Channel> channel, std::string service_token,
                                 absl::Duration ttl, absl::Duration deadline, size_t max_entries)
    : rpc_(std::move(channel), std::move(service_token), deadline),
      cache_(rpc_, rpc_, ttl, max_entries),
      standings_(ttl, max_entries) {}

absl::StatusOr<Principal> RemoteDirectory::VerifyApiKey(absl::string_view api_key) {
  return cache_.VerifyApiKey(api_key);
}

absl::StatusOr<Principal> RemoteDirectory::ResolveSubject(absl::string_view tenant_id,
                                                          absl::string_view subject) {
  return cache_.ResolveSubject(tenant_id, subject);
}

absl::StatusOr<TenantStanding> RemoteDirectory::StandingOf(absl::string_view tenant_id) {
  return standings_.Lookup(std::string(tenant_id), [&] { return rpc_.StandingOf(tenant_id); });
}

RemoteDirectory::Rpc::Rpc(std::shared_ptr<grpc::Channel> channel, std::string service_token,
                          absl::Duration deadline)
    : stub_(v1::AuthService::NewStub(std::move(channel))),
      service_token_(std::move(service_token)),
      deadline_(deadline) {}

absl::StatusOr<Principal> RemoteDirectory::Rpc::VerifyApiKey(absl::string_view api_key) {
  v1::AuthenticateRequest request;
  request.set_api_key(std::string(api_key));
  return Call(request);
}

absl::StatusOr<Principal> RemoteDirectory::Rpc::ResolveSubject(absl::string_view tenant_id,
                                                               absl::string_view subject) {
  v1::AuthenticateRequest request;
  request.mutable_jwt_subject()->set_tenant_id(std::string(tenant_id));
  request.mutable_jwt_subject()->set_subject(std::string(subject));
  return Call(request);
}

absl::StatusOr<TenantStanding> RemoteDirectory::Rpc::StandingOf(absl::string_view tenant_id) {
  grpc::ClientContext ctx;
  Prepare(ctx);
  v1::GetTenantStandingRequest request;
  request.set_tenant_id(std::string(tenant_id));
  v1::GetTenantStandingResponse response;
  const grpc::Status status = stub_->GetTenantStanding(&ctx, request, &response);
  if (status.error_code() == grpc::StatusCode::UNIMPLEMENTED) {
    // A questionnaire replica older than the question, during an upgrade that reached this
    // service first: the tenant counts as ACTIVE, as before the question existed, rather
    // than every respondent being refused until that replica is replaced.
    static std::once_flag warned;
    std::call_once(warned, [] {
      LogWarn(
          "the questionnaire service does not answer GetTenantStanding (an older version, "
          "during an upgrade?): respondents' tenants count as ACTIVE until it does");
    });
    return v1::TENANT_STANDING_ACTIVE;
  }
  if (!status.ok()) return DependencyError(status);
  if (response.standing() == v1::TENANT_STANDING_UNSPECIFIED) {
    return Error(absl::StatusCode::kInternal, "DEPENDENCY_FAILED",
                 "authentication backend (questionnaire service) answered without a standing");
  }
  return response.standing();
}

void RemoteDirectory::Rpc::Prepare(grpc::ClientContext& ctx) const {
  ctx.set_deadline(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(deadline_));
  ctx.AddMetadata(kServiceTokenKey, service_token_);
}

absl::StatusOr<Principal> RemoteDirectory::Rpc::Call(const v1::AuthenticateRequest& request) {
  grpc::ClientContext ctx;
  Prepare(ctx);
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
  return DependencyError(status);
}

}  // namespace lagom::auth
