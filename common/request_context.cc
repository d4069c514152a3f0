#include "common/request_context.h"

#include <chrono>

#include "absl/strings/ascii.h"

namespace lagom {

bool IsValidTenantId(std::string_view id) {
  if (id.size() < 2 || id.size() > 63 || !absl::ascii_islower(id[0])) return false;
  for (char c : id) {
    if (!absl::ascii_islower(c) && !absl::ascii_isdigit(c) && c != '-') return false;
  }
  return true;
}

absl::Time DeadlineOf(const grpc::ServerContextBase& ctx) {
  // gRPC reports "no deadline" as time_point::max, which is not absl's infinite future.
  const auto deadline = ctx.deadline();
  return deadline == std::chrono::system_clock::time_point::max() ? absl::InfiniteFuture()
                                                                  : absl::FromChrono(deadline);
}

}  // namespace lagom
