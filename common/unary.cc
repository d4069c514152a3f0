#include "common/unary.h"

#include "absl/strings/str_cat.h"
#include "common/strings.h"

namespace lagom {
namespace unary_internal {

absl::Status NotImplementedYetStatus(std::string_view method) {
  return Error(absl::StatusCode::kUnimplemented, "NOT_IMPLEMENTED_YET",
               absl::StrCat(ToAbsl(method), " is not implemented yet in this release"));
}

}  // namespace unary_internal

grpc::ServerUnaryReactor* NotImplementedYet(grpc::CallbackServerContext* ctx,
                                            const CallAdmitter& admitter,
                                            const google::protobuf::Message& request,
                                            std::string_view method) {
  return HandleUnaryInline(ctx, admitter, request, [method](const RequestContext&) {
    return unary_internal::NotImplementedYetStatus(method);
  });
}

}  // namespace lagom
