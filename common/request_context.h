// Who is calling, for which tenant, until when. Produced once per RPC by the service's
// CallAdmitter (authentication, authorisation, limits: common/auth/call_guard.h) and passed
// into every core and storage call.
#ifndef LAGOM_COMMON_REQUEST_CONTEXT_H_
#define LAGOM_COMMON_REQUEST_CONTEXT_H_

#include <map>
#include <string>
#include <string_view>

#include <google/protobuf/message.h>
#include <grpcpp/server_context.h>
#include <grpcpp/support/string_ref.h>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "lagom/auth/v1/auth.pb.h"

namespace lagom {

inline constexpr char kRequestIdMetadataKey[] = "x-request-id";

// What a valid tenant id looks like, for error messages and docs.
inline constexpr char kTenantIdPattern[] = "^[a-z][a-z0-9-]{1,62}$";

struct RequestContext {
  std::string tenant_id;  // the caller's tenant; empty only for the hosting operator
  ::lagom::auth::v1::Principal principal;
  std::string request_id_hint;
  std::string peer;  // where the call came from, for the audit log
  absl::Time deadline = absl::InfiniteFuture();
};

bool IsValidTenantId(std::string_view tenant_id);

// The call's deadline as absl::Time (gRPC's "none" becomes InfiniteFuture).
absl::Time DeadlineOf(const grpc::ServerContextBase& ctx);

// Admits or refuses a call before its handler runs, and says who is calling. Implemented by
// auth::CallGuard; tests may pass simpler ones.
class CallAdmitter {
 public:
  virtual ~CallAdmitter() = default;
  virtual absl::StatusOr<RequestContext> Admit(const grpc::ServerContextBase& ctx,
                                               const google::protobuf::Message& request) const = 0;
};

}  // namespace lagom

#endif  // LAGOM_COMMON_REQUEST_CONTEXT_H_
