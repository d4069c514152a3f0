// Helpers that keep gRPC callback handlers to three lines: read the caller's RequestContext,
// run the work (on the executor when it blocks), finish with the one status conversion.
//
//   grpc::ServerUnaryReactor* GetSession(grpc::CallbackServerContext* ctx,
//                                        const GetSessionRequest* req,
//                                        GetSessionResponse* resp) override {
//     return HandleUnary(ctx, admitter_, executor_, *req, [=, this](const RequestContext& rc) {
//       return core_.GetSession(rc, *req, resp);
//     });
//   }
#ifndef LAGOM_COMMON_UNARY_H_
#define LAGOM_COMMON_UNARY_H_

#include <google/protobuf/message.h>
#include <grpcpp/server_context.h>
#include <grpcpp/support/server_callback.h>

#include <exception>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "common/executor.h"
#include "common/request_context.h"
#include "common/status.h"

namespace lagom {
namespace unary_internal {

// An exception escaping a handler must fail the call, not the process.
template <typename Fn>
absl::Status RunGuarded(Fn& fn, const RequestContext& rc) {
  try {
    return fn(rc);
  } catch (const std::exception& e) {
    return absl::InternalError(e.what());
  }
}

absl::Status NotImplementedYetStatus(std::string_view method);

template <typename T>
class RejectedStream final : public grpc::ServerWriteReactor<T> {
 public:
  explicit RejectedStream(const absl::Status& status) { this->Finish(ToGrpcStatus(status)); }
  void OnDone() override { delete this; }
};

// Finishes the call with `status`. A commit in doubt also tells clients not to retry it on
// their own (gRPC's retry policy would otherwise run it again on UNAVAILABLE): the caller
// decides, with its request_id.
void FinishUnary(grpc::CallbackServerContext* ctx, grpc::ServerUnaryReactor* reactor,
                 const absl::Status& status);

}  // namespace unary_internal

// admitter.Admit (authentication, permission, limits) runs first; a refused call never
// reaches fn. Then fn(RequestContext&&, done) runs on the gRPC thread and must not block:
// it calls done(absl::Status) exactly once, on any thread, which finishes the call. For work
// that reports its outcome itself (no thread waits for it meanwhile).
template <typename Fn>
grpc::ServerUnaryReactor* HandleUnaryAsync(grpc::CallbackServerContext* ctx,
                                           const CallAdmitter& admitter,
                                           const google::protobuf::Message& request, Fn&& fn) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  absl::StatusOr<RequestContext> rc = admitter.Admit(*ctx, request);
  if (!rc.ok()) {
    reactor->Finish(ToGrpcStatus(rc.status()));
    return reactor;
  }
  try {
    fn(*std::move(rc),
       [ctx, reactor](absl::Status s) { unary_internal::FinishUnary(ctx, reactor, s); });
  } catch (const std::exception& e) {
    reactor->Finish(ToGrpcStatus(absl::InternalError(e.what())));
  }
  return reactor;
}

// Same for work that blocks: fn(const RequestContext&) -> absl::Status runs on `executor` and
// the reactor finishes with its status.
template <typename Fn>
grpc::ServerUnaryReactor* HandleUnary(grpc::CallbackServerContext* ctx,
                                      const CallAdmitter& admitter, Executor& executor,
                                      const google::protobuf::Message& request, Fn&& fn) {
  return HandleUnaryAsync(
      ctx, admitter, request,
      [&executor, fn = std::forward<Fn>(fn)](RequestContext&& rc, auto done) mutable {
        executor.Schedule(
            [rc = std::move(rc), fn = std::move(fn), done = std::move(done)]() mutable {
              done(unary_internal::RunGuarded(fn, rc));
            });
      });
}

// Same, but runs fn on the gRPC thread: only for pure CPU work that does not block.
template <typename Fn>
grpc::ServerUnaryReactor* HandleUnaryInline(grpc::CallbackServerContext* ctx,
                                            const CallAdmitter& admitter,
                                            const google::protobuf::Message& request, Fn&& fn) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  absl::StatusOr<RequestContext> rc = admitter.Admit(*ctx, request);
  unary_internal::FinishUnary(ctx, reactor,
                              rc.ok() ? unary_internal::RunGuarded(fn, *rc) : rc.status());
  return reactor;
}

// Admission first (so an unauthorised caller learns nothing more), then UNIMPLEMENTED with
// reason NOT_IMPLEMENTED_YET: "<method> is not implemented yet in this release".
grpc::ServerUnaryReactor* NotImplementedYet(grpc::CallbackServerContext* ctx,
                                            const CallAdmitter& admitter,
                                            const google::protobuf::Message& request,
                                            std::string_view method);

// A server-streaming reactor that finishes at once with `status`.
template <typename T>
grpc::ServerWriteReactor<T>* RejectStream(grpc::CallbackServerContext* /*ctx*/,
                                          const absl::Status& status) {
  return new unary_internal::RejectedStream<T>(status);
}

template <typename T>
grpc::ServerWriteReactor<T>* NotImplementedYetStream(grpc::CallbackServerContext* ctx,
                                                     const CallAdmitter& admitter,
                                                     const google::protobuf::Message& request,
                                                     std::string_view method) {
  absl::StatusOr<RequestContext> rc = admitter.Admit(*ctx, request);
  return RejectStream<T>(ctx,
                         rc.ok() ? unary_internal::NotImplementedYetStatus(method) : rc.status());
}

}  // namespace lagom

#endif  // LAGOM_COMMON_UNARY_H_
