#include "common/auth/call_guard.h"

#include <algorithm>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "common/auth/permissions.h"

namespace lagom::auth {
namespace {

// Request ids are for correlating logs; a longer one is cut rather than logged whole.
constexpr size_t kMaxRequestIdLength = 128;

std::string RequestIdOf(const Metadata& metadata) {
  auto it = metadata.find(kRequestIdMetadataKey);
  if (it == metadata.end()) return "";
  return std::string(it->second.data(), std::min(it->second.size(), kMaxRequestIdLength));
}

}  // namespace

absl::StatusOr<RequestContext> CallGuard::Admit(const grpc::ServerContextBase& ctx,
                                                const google::protobuf::Message& request) const {
  absl::StatusOr<RequestContext> rc =
      AdmitMetadata(ctx.client_metadata(), DeadlineOf(ctx), request);
  if (rc.ok()) rc->peer = ctx.peer();
  return rc;
}

absl::StatusOr<RequestContext> CallGuard::AdmitMetadata(
    const Metadata& metadata, absl::Time deadline, const google::protobuf::Message& request) const {
  return Check(metadata, deadline, request, /*count_call=*/true);
}

absl::StatusOr<RequestContext> CallGuard::Readmit(const grpc::ServerContextBase& ctx,
                                                  const google::protobuf::Message& request) const {
  return Check(ctx.client_metadata(), DeadlineOf(ctx), request, /*count_call=*/false);
}

absl::StatusOr<RequestContext> CallGuard::Check(const Metadata& metadata, absl::Time deadline,
                                                const google::protobuf::Message& request,
                                                bool count_call) const {
  absl::StatusOr<Principal> principal = authenticator_.Authenticate(metadata);
  if (!principal.ok()) return principal.status();
  if (absl::Status status = Authorize(*principal, request); !status.ok()) return status;
  // Denied calls are not counted: they cost no handler work. The operator has no tenant and
  // no tenant's budget to spend.
  if (count_call && limiter_ != nullptr && !principal->tenant_id().empty()) {
    if (absl::Status status = limiter_->AdmitCall(principal->tenant_id(), absl::Now());
        !status.ok()) {
      return status;
    }
  }
  RequestContext rc;
  rc.tenant_id = principal->tenant_id();
  rc.principal = *std::move(principal);
  rc.request_id_hint = RequestIdOf(metadata);
  rc.deadline = deadline;
  return rc;
}

}  // namespace lagom::auth
