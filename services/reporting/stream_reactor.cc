#include "services/reporting/stream_reactor.h"

#include <optional>
#include <utility>

#include "common/status.h"
#include "common/unary.h"

namespace lagom::reporting {
namespace {

// Scorecards read per transaction: large enough that a bulk export makes few round trips,
// small enough that a slow reader pins little memory.
constexpr int kPageSize = 50;

// At any moment exactly one thing is in flight: a page read on the executor or one write.
// Each hands over to the next (the executor's queue and gRPC's completion order the memory
// accesses), so the members need no lock. Nothing touches `this` after Finish or StartWrite,
// since OnDone or OnWriteDone may already be running on another thread.
class StreamReactor final : public grpc::ServerWriteReactor<api::StreamScorecardsResponse> {
 public:
  StreamReactor(const StreamDeps& deps, RequestContext rc, StreamPlan plan, bool holds_stream)
      : deps_(deps), rc_(std::move(rc)), plan_(std::move(plan)), holds_stream_(holds_stream) {
    ReadPage();
  }

  void OnWriteDone(bool ok) override {
    if (!ok) {  // the client went away
      Finish(grpc::Status::CANCELLED);
      return;
    }
    WriteNext();
  }

  void OnDone() override {
    if (holds_stream_) deps_.limiter->ReleaseStream(rc_.tenant_id);
    delete this;
  }

 private:
  void ReadPage() {
    deps_.executor.Schedule([this] {
      absl::StatusOr<StreamPage> page = deps_.core.ReadStreamPage(rc_, plan_, next_, kPageSize);
      if (!page.ok()) {
        Finish(ToGrpcStatus(page.status()));
        return;
      }
      page_ = *std::move(page);
      written_ = 0;
      WriteNext();
    });
  }

  void WriteNext() {
    if (written_ < page_.scorecards.size()) {
      *response_.mutable_scorecard() = std::move(page_.scorecards[written_++]);
      StartWrite(&response_);
      return;
    }
    if (!page_.next) {
      Finish(grpc::Status::OK);
      return;
    }
    next_ = page_.next;
    ReadPage();
  }

  const StreamDeps deps_;
  const RequestContext rc_;
  const StreamPlan plan_;
  const bool holds_stream_;
  std::optional<HistoryCursor> next_;  // where the next page starts; unset: the first page
  StreamPage page_;
  size_t written_ = 0;
  api::StreamScorecardsResponse response_;
};

}  // namespace

grpc::ServerWriteReactor<api::StreamScorecardsResponse>* StartStream(
    grpc::CallbackServerContext* ctx, const CallAdmitter& admitter, const StreamDeps& deps,
    const api::StreamScorecardsRequest& req) {
  absl::StatusOr<RequestContext> rc = admitter.Admit(*ctx, req);
  if (!rc.ok()) return RejectStream<api::StreamScorecardsResponse>(ctx, rc.status());
  absl::StatusOr<StreamPlan> plan = deps.core.PlanStream(*rc, req);
  if (!plan.ok()) return RejectStream<api::StreamScorecardsResponse>(ctx, plan.status());
  if (deps.limiter != nullptr) {
    if (absl::Status s = deps.limiter->AcquireStream(rc->tenant_id); !s.ok()) {
      return RejectStream<api::StreamScorecardsResponse>(ctx, s);
    }
  }
  return new StreamReactor(deps, *std::move(rc), *std::move(plan), deps.limiter != nullptr);
}

}  // namespace lagom::reporting
