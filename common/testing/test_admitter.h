// A CallAdmitter for tests of handlers and stores, where authentication is not what is under
// test: the tenant comes from the `x-test-tenant` metadata (missing: UNAUTHENTICATED), the
// role from `x-test-role` (default TENANT_ADMIN). The real one is auth::CallGuard.
#ifndef LAGOM_COMMON_TESTING_TEST_ADMITTER_H_
#define LAGOM_COMMON_TESTING_TEST_ADMITTER_H_

#include "common/request_context.h"

namespace lagom::testing {

inline constexpr char kTestTenantKey[] = "x-test-tenant";
inline constexpr char kTestRoleKey[] = "x-test-role";

class TestAdmitter final : public CallAdmitter {
 public:
  absl::StatusOr<RequestContext> Admit(const grpc::ServerContextBase& ctx,
                                       const google::protobuf::Message& request) const override;
};

}  // namespace lagom::testing

#endif  // LAGOM_COMMON_TESTING_TEST_ADMITTER_H_
