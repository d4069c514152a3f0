#include "common/auth/forwarding.h"

#include "common/auth/authenticator.h"

namespace lagom::auth {

void ForwardCaller(const RequestContext& rc, absl::string_view service_token,
                   grpc::ClientContext* ctx) {
  ctx->AddMetadata(kServiceTokenKey, std::string(service_token));
  ctx->AddMetadata(kOnBehalfOfKey, rc.principal.SerializeAsString());
  if (!rc.request_id_hint.empty()) ctx->AddMetadata(kRequestIdMetadataKey, rc.request_id_hint);
  if (rc.deadline != absl::InfiniteFuture()) ctx->set_deadline(absl::ToChronoTime(rc.deadline));
}

}  // namespace lagom::auth
