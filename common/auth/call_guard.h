// What every RPC goes through before its handler: authenticate the caller, authorise the call
// against the permission table, apply the tenant's rate limit. Produces the RequestContext that
// is passed into every core and storage call.
#ifndef LAGOM_COMMON_AUTH_CALL_GUARD_H_
#define LAGOM_COMMON_AUTH_CALL_GUARD_H_

#include <google/protobuf/message.h>
#include <grpcpp/server_context.h>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/auth/authenticator.h"
#include "common/auth/rate_limiter.h"
#include "common/request_context.h"

namespace lagom::auth {

class CallGuard final : public CallAdmitter {
 public:
  // Not owned; `limiter` may be null (no limits).
  CallGuard(Authenticator& authenticator, RateLimiter* limiter)
      : authenticator_(authenticator), limiter_(limiter) {}

  absl::StatusOr<RequestContext> Admit(const grpc::ServerContextBase& ctx,
                                       const google::protobuf::Message& request) const override;

  // What Admit does with the call's client metadata and deadline (all but the peer address),
  // for tests and callers without a ServerContext.
  absl::StatusOr<RequestContext> AdmitMetadata(const Metadata& metadata, absl::Time deadline,
                                               const google::protobuf::Message& request) const;

  // Admit again, for a call admitted earlier that is still running (a long-lived stream):
  // authentication and authorisation, without counting another call against the tenant's
  // limits.
  absl::StatusOr<RequestContext> Readmit(const grpc::ServerContextBase& ctx,
                                         const google::protobuf::Message& request) const;

 private:
  absl::StatusOr<RequestContext> Check(const Metadata& metadata, absl::Time deadline,
                                       const google::protobuf::Message& request,
                                       bool count_call) const;

  Authenticator& authenticator_;
  RateLimiter* limiter_;
};

}  // namespace lagom::auth

#endif  // LAGOM_COMMON_AUTH_CALL_GUARD_H_
