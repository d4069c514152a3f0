#include "common/unary.h"

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "common/strings.h"

namespace lagom {
namespace unary_internal {

absl::Status NotImplementedYetStatus(std::string_view method) {
  return Error(absl::StatusCode::kUnimplemented, "NOT_IMPLEMENTED_YET",
               absl::StrCat(ToAbsl(method), " is not implemented yet in this release"));
}

void FinishUnary(grpc::CallbackServerContext* ctx, grpc::ServerUnaryReactor* reactor,
                 const absl::Status& status) {
  // gRFC A6: a negative pushback tells the client's retry policy not to retry.
  if (IsCommitInDoubt(status)) ctx->AddTrailingMetadata("grpc-retry-pushback-ms", "-1");
  reactor->Finish(ToGrpcStatus(status));
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
