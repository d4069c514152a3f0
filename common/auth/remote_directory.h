// ApiKeyVerifier and SubjectResolver for every service but questionnaire: asks the
// questionnaire service (which owns API keys and role bindings) through the internal
// lagom.auth.v1.AuthService/Authenticate, and keeps each answer for a short time so that a hot
// key costs no RPC while a revoked key stops working within `ttl`.
#ifndef LAGOM_COMMON_AUTH_REMOTE_DIRECTORY_H_
#define LAGOM_COMMON_AUTH_REMOTE_DIRECTORY_H_

#include <grpcpp/channel.h>

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/auth/authenticator.h"
#include "common/auth/directory_cache.h"
#include "lagom/auth/v1/auth.grpc.pb.h"

namespace lagom::auth {

// Thread-safe. Errors: the backend's UNAUTHENTICATED and PERMISSION_DENIED pass through with
// their reasons (and are cached like answers); the backend unreachable, overloaded or slower
// than `deadline` is UNAVAILABLE with reason DEPENDENCY_UNAVAILABLE, never cached, so that a
// person can tell "bad key" from "authentication backend down"; any other backend error is
// INTERNAL with reason DEPENDENCY_FAILED.
class RemoteDirectory final : public ApiKeyVerifier, public SubjectResolver {
 public:
  // `service_token` is sent as x-lagom-service-token. Answers are kept for at most `ttl`; each
  // RPC may take at most `deadline`. At most `max_entries` answers are kept.
  RemoteDirectory(std::shared_ptr<grpc::Channel> channel, std::string service_token,
                  absl::Duration ttl = absl::Milliseconds(500),
                  absl::Duration deadline = absl::Seconds(1), size_t max_entries = 10000);

  absl::StatusOr<Principal> VerifyApiKey(absl::string_view api_key) override;
  absl::StatusOr<Principal> ResolveSubject(absl::string_view tenant_id,
                                           absl::string_view subject) override;

 private:
  // The uncached AuthService client.
  class Rpc final : public ApiKeyVerifier, public SubjectResolver {
   public:
    Rpc(std::shared_ptr<grpc::Channel> channel, std::string service_token, absl::Duration deadline);
    absl::StatusOr<Principal> VerifyApiKey(absl::string_view api_key) override;
    absl::StatusOr<Principal> ResolveSubject(absl::string_view tenant_id,
                                             absl::string_view subject) override;

   private:
    absl::StatusOr<Principal> Call(const v1::AuthenticateRequest& request);
    const std::unique_ptr<v1::AuthService::Stub> stub_;
    const std::string service_token_;
    const absl::Duration deadline_;
  };

  Rpc rpc_;
  DirectoryCache cache_;
};

}  // namespace lagom::auth

#endif  // LAGOM_COMMON_AUTH_REMOTE_DIRECTORY_H_
