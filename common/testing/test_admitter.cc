#include "common/testing/test_admitter.h"

#include "absl/strings/str_cat.h"
#include "common/status.h"

namespace lagom::testing {
namespace {

std::string Lookup(const grpc::ServerContextBase& ctx, const char* key) {
  auto it = ctx.client_metadata().find(key);
  return it == ctx.client_metadata().end() ? "" : std::string(it->second.data(), it->second.size());
}

}  // namespace

absl::StatusOr<RequestContext> TestAdmitter::Admit(const grpc::ServerContextBase& ctx,
                                                   const google::protobuf::Message&) const {
  RequestContext rc;
  rc.tenant_id = Lookup(ctx, kTestTenantKey);
  if (rc.tenant_id.empty()) {
    return Error(absl::StatusCode::kUnauthenticated, "UNAUTHENTICATED",
                 absl::StrCat("no credentials: send '", kTestTenantKey, "'"));
  }
  rc.principal.set_tenant_id(rc.tenant_id);
  rc.principal.set_subject("test");
  auth::v1::PrincipalRole role = auth::v1::PRINCIPAL_ROLE_TENANT_ADMIN;
  const std::string role_name = Lookup(ctx, kTestRoleKey);
  if (!role_name.empty() && !auth::v1::PrincipalRole_Parse(role_name, &role)) {
    return absl::InvalidArgumentError(absl::StrCat("unknown role ", role_name));
  }
  rc.principal.set_role(role);
  rc.peer = ctx.peer();
  rc.deadline = DeadlineOf(ctx);
  return rc;
}

}  // namespace lagom::testing
