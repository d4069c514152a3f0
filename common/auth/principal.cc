#include "common/auth/principal.h"

#include "absl/strings/strip.h"

namespace lagom::auth {

std::string RoleName(Role role) {
  return std::string(
      absl::StripPrefix(::lagom::auth::v1::PrincipalRole_Name(role), "PRINCIPAL_ROLE_"));
}

}  // namespace lagom::auth
