// Who is calling, for which tenant, until when. Read once per RPC from gRPC metadata and
// forwarded on every service-to-service call.
#ifndef LAGOM_COMMON_REQUEST_CONTEXT_H_
#define LAGOM_COMMON_REQUEST_CONTEXT_H_

#include <grpcpp/client_context.h>
#include <grpcpp/server_context.h>
#include <grpcpp/support/string_ref.h>

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace lagom {

// Plain metadata until real authentication replaces them.
inline constexpr char kTenantMetadataKey[] = "x-lagom-tenant";
inline constexpr char kPrincipalMetadataKey[] = "x-lagom-principal";
inline constexpr char kRequestIdMetadataKey[] = "x-request-id";

// What a valid tenant id looks like, for error messages and docs.
inline constexpr char kTenantIdPattern[] = "^[a-z][a-z0-9-]{1,62}$";

struct RequestContext {
  std::string tenant_id{};
  std::string principal{};
  std::string request_id_hint{};
  absl::Time deadline = absl::InfiniteFuture();
};

bool IsValidTenantId(std::string_view tenant_id);

// UNAUTHENTICATED with reason TENANT_MISSING or TENANT_INVALID when the tenant is absent or
// does not match kTenantIdPattern.
absl::StatusOr<RequestContext> RequestContextFromMetadata(
    const std::multimap<grpc::string_ref, grpc::string_ref>& metadata, absl::Time deadline);

absl::StatusOr<RequestContext> RequestContextFrom(const grpc::ServerContextBase& ctx);

// Sets tenant, principal and request-id metadata and the caller's deadline on an outgoing call.
void ForwardTo(const RequestContext& rc, grpc::ClientContext* ctx);

}  // namespace lagom

#endif  // LAGOM_COMMON_REQUEST_CONTEXT_H_
