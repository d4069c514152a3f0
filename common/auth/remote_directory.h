// ApiKeyVerifier, SubjectResolver and TenantStandings for every service but questionnaire:
// asks the questionnaire service (which owns API keys, role bindings and tenants) through the
// internal lagom.auth.v1.AuthService (Authenticate, GetTenantStanding), and keeps each answer
// for a short time so that a hot key or tenant costs no RPC while a revoked key, or a
// suspended tenant, is seen within `ttl`.
#ifndef LAGOM_COMMON_AUTH_REMOTE_DIRECTORY_H_
#define LAGOM_COMMON_AUTH_REMOTE_DIRECTORY_H_

#include <grpcpp/channel.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/auth/authenticator.h"
#include "common/auth/directory_cache.h"
#include "common/auth/verdict_cache.h"
#include "lagom/auth/v1/auth.grpc.pb.h"

namespace lagom::auth {

// Thread-safe. Errors: the backend's UNAUTHENTICATED and PERMISSION_DENIED pass through with
// their reasons (and are cached like answers); the backend unreachable, overloaded or slower
// than `deadline` is UNAVAILABLE with reason DEPENDENCY_UNAVAILABLE, never cached, so that a
// person can tell "bad key" from "authentication backend down"; any other backend error is
// INTERNAL with reason DEPENDENCY_FAILED. A standing is only ever an answer: the backend
// refusing to give one is DEPENDENCY_FAILED too, never a verdict on the tenant.
class RemoteDirectory final : public ApiKeyVerifier,
                              public SubjectResolver,
                              public TenantStandings {
 public:
  // `service_token` is sent as x-lagom-service-token. Answers are kept for at most `ttl`; each
  // RPC may take at most `deadline`. At most `max_entries` answers are kept.
  RemoteDirectory(std::shared_ptr<grpc::Channel> channel, std::string service_token,
                  absl::Duration ttl = absl::Milliseconds(500),
                  absl::Duration deadline = absl::Seconds(1), size_t max_entries = 10000);

  absl::StatusOr<Principal> VerifyApiKey(absl::string_view api_key) override;
  absl::StatusOr<Principal> ResolveSubject(absl::string_view tenant_id,
                                           absl::string_view subject) override;
  absl::StatusOr<TenantStanding> StandingOf(absl::string_view tenant_id) override;

 private:
  // The uncached AuthService client.
  class Rpc final : public ApiKeyVerifier, public SubjectResolver {
   public:
    Rpc(std::shared_ptr<grpc::Channel> channel, std::string service_token, absl::Duration deadline);
    absl::StatusOr<Principal> VerifyApiKey(absl::string_view api_key) override;
    absl::StatusOr<Principal> ResolveSubject(absl::string_view tenant_id,
                                             absl::string_view subject) override;
    absl::StatusOr<TenantStanding> StandingOf(absl::string_view tenant_id);

   private:
    absl::StatusOr<Principal> Call(const v1::AuthenticateRequest& request);
    // A context with the deadline and the service token.
    void Prepare(grpc::ClientContext& ctx) const;
    const std::unique_ptr<v1::AuthService::Stub> stub_;
    const std::string service_token_;
    const absl::Duration deadline_;
  };

  Rpc rpc_;
  DirectoryCache cache_;
  VerdictCache<TenantStanding> standings_;  // by tenant id
};

}  // namespace lagom::auth

#endif  // LAGOM_COMMON_AUTH_REMOTE_DIRECTORY_H_
