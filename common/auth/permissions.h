// The permission table: for every RPC of the API, which roles may call it and which request
// field names the resource it acts on. Enforced in one place (Authorize, called by CallGuard
// before any handler runs) and documented in docs/security.md.
#ifndef LAGOM_COMMON_AUTH_PERMISSIONS_H_
#define LAGOM_COMMON_AUTH_PERMISSIONS_H_

#include <string>
#include <vector>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include "absl/status/status.h"
#include "common/auth/principal.h"

namespace lagom::auth {

struct MethodPolicy {
  std::string method;  // full name, "lagom.catalog.v1.CatalogService.GetItService"
  std::vector<Role> roles;
  // Dotted path of the request field holding the resource name or parent ("name", "parent",
  // "service.name"); its `tenants/{tenant}` must be the caller's. Empty: the RPC is not
  // tenant-scoped (operator RPCs such as CreateTenant, ListTenants).
  std::string resource_field;
};

// Every RPC of every Lagom service, keyed by its request message type (unique per RPC).
const std::vector<MethodPolicy>& PermissionTable();

// The policy for an RPC by its request type; nullptr for an RPC missing from the table, which
// Authorize refuses (a new RPC is closed until someone writes its line).
const MethodPolicy* FindPolicy(const google::protobuf::Descriptor& request_type);

// PERMISSION_DENIED (reason PERMISSION_DENIED, naming the role and the roles allowed) when the
// caller's role may not call this RPC; NOT_FOUND (reason RESOURCE_NOT_FOUND, no hint that it
// exists) when the resource belongs to another tenant, or, for invite tokens, to another
// session or participant.
absl::Status Authorize(const Principal& caller, const google::protobuf::Message& request);

}  // namespace lagom::auth

#endif  // LAGOM_COMMON_AUTH_PERMISSIONS_H_
