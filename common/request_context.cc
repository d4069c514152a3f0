#include "common/request_context.h"

#include <chrono>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"

namespace lagom {
namespace {

std::string Lookup(const std::multimap<grpc::string_ref, grpc::string_ref>& metadata,
                   const char* key) {
  auto it = metadata.find(key);
  return it == metadata.end() ? "" : std::string(it->second.data(), it->second.size());
}

}  // namespace

bool IsValidTenantId(std::string_view id) {
  if (id.size() < 2 || id.size() > 63 || !absl::ascii_islower(id[0])) return false;
  for (char c : id) {
    if (!absl::ascii_islower(c) && !absl::ascii_isdigit(c) && c != '-') return false;
  }
  return true;
}

absl::StatusOr<RequestContext> RequestContextFromMetadata(
    const std::multimap<grpc::string_ref, grpc::string_ref>& metadata, absl::Time deadline) {
  RequestContext rc;
  rc.tenant_id = Lookup(metadata, kTenantMetadataKey);
  if (rc.tenant_id.empty()) {
    return Error(
        absl::StatusCode::kUnauthenticated, "TENANT_MISSING",
        absl::StrCat("no tenant: send the tenant id in the '", kTenantMetadataKey, "' metadata"));
  }
  if (!IsValidTenantId(rc.tenant_id)) {
    return Error(
        absl::StatusCode::kUnauthenticated, "TENANT_INVALID",
        absl::StrCat("tenant id in '", kTenantMetadataKey, "' must match ", kTenantIdPattern));
  }
  rc.principal = Lookup(metadata, kPrincipalMetadataKey);
  rc.request_id_hint = Lookup(metadata, kRequestIdMetadataKey);
  rc.deadline = deadline;
  return rc;
}

absl::StatusOr<RequestContext> RequestContextFrom(const grpc::ServerContextBase& ctx) {
  // gRPC reports "no deadline" as time_point::max, which is not absl's infinite future.
  const auto deadline = ctx.deadline();
  return RequestContextFromMetadata(ctx.client_metadata(),
                                    deadline == std::chrono::system_clock::time_point::max()
                                        ? absl::InfiniteFuture()
                                        : absl::FromChrono(deadline));
}

void ForwardTo(const RequestContext& rc, grpc::ClientContext* ctx) {
  ctx->AddMetadata(kTenantMetadataKey, rc.tenant_id);
  if (!rc.principal.empty()) ctx->AddMetadata(kPrincipalMetadataKey, rc.principal);
  if (!rc.request_id_hint.empty()) ctx->AddMetadata(kRequestIdMetadataKey, rc.request_id_hint);
  if (rc.deadline != absl::InfiniteFuture()) ctx->set_deadline(absl::ToChronoTime(rc.deadline));
}

}  // namespace lagom
