// Service-to-service calls carry the original caller: the receiving service authenticates the
// calling service by its token and then acts for the forwarded Principal, so the caller's
// tenant, identity, role and deadline apply all the way down.
#ifndef LAGOM_COMMON_AUTH_FORWARDING_H_
#define LAGOM_COMMON_AUTH_FORWARDING_H_

#include <grpcpp/client_context.h>

#include "absl/strings/string_view.h"
#include "common/request_context.h"

namespace lagom::auth {

void ForwardCaller(const RequestContext& rc, absl::string_view service_token,
                   grpc::ClientContext* ctx);

}  // namespace lagom::auth

#endif  // LAGOM_COMMON_AUTH_FORWARDING_H_
