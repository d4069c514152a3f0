// Who is calling: the lagom.auth.v1.Principal message, carried in every RequestContext and
// forwarded between services, plus helpers to name roles in messages.
#ifndef LAGOM_COMMON_AUTH_PRINCIPAL_H_
#define LAGOM_COMMON_AUTH_PRINCIPAL_H_

#include <string>

#include "lagom/auth/v1/auth.pb.h"

namespace lagom::auth {

using Principal = ::lagom::auth::v1::Principal;
using Role = ::lagom::auth::v1::PrincipalRole;
using CredentialKind = ::lagom::auth::v1::CredentialKind;
using TenantStanding = ::lagom::auth::v1::TenantStanding;

// "TENANT_ADMIN" for PRINCIPAL_ROLE_TENANT_ADMIN: the name people and docs use.
std::string RoleName(Role role);

}  // namespace lagom::auth

#endif  // LAGOM_COMMON_AUTH_PRINCIPAL_H_
