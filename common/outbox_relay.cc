#include "common/outbox_relay.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/status.h"

namespace lagom {

absl::Duration RetryDelay(int attempts, absl::Duration max) {
  const int doublings = std::clamp(attempts - 1, 0, 30);
  return std::min(absl::Seconds(1) * (int64_t{1} << doublings), max);
}

OutboxRelay::OutboxRelay(OutboxStore& store, EventConsumer& consumer, OutboxRelayOptions options)
    : store_(store), consumer_(consumer), options_(options) {}

OutboxRelay::~OutboxRelay() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

absl::StatusOr<int> OutboxRelay::RunOnce() {
  const absl::Time claimed_at = options_.clock();
  absl::StatusOr<std::vector<OutboxDelivery>> due = store_.Claim(options_.batch, options_.lease);
  if (!due.ok()) return due.status();
  // The last moment a delivery may start and still end within its row's lease.
  const absl::Time last_start = claimed_at + options_.lease - options_.delivery_deadline;
  for (const OutboxDelivery& event : *due) {
    absl::Status marked;
    if (options_.clock() > last_start) {
      marked = store_.Release(event);
    } else {
      marked = Settle(event, consumer_.Deliver(event));
    }
    // A claim taken over meanwhile (ABORTED) belongs to whoever holds it now. A row whose
    // outcome could not be written is claimed again after its lease: delivered twice at
    // worst, which consumers absorb.
    if (!marked.ok() && !absl::IsAborted(marked)) return marked;
  }
  return static_cast<int>(due->size());
}

absl::Status OutboxRelay::Settle(const OutboxDelivery& event, const absl::Status& delivered) {
  if (delivered.ok()) return store_.MarkDelivered(event, "");
  // A refusal that retrying cannot change: the consumer does not know the session, or the
  // closed session can never be processed (e.g. it has no answers to score), or it refused
  // the event itself, or failed on it for good (a service it asked refused what it asked:
  // DEPENDENCY_FAILED), for long enough. Any other INTERNAL is retried for ever.
  const bool refused = absl::IsInvalidArgument(delivered) ||
                       (absl::IsInternal(delivered) && ReasonOf(delivered) == "DEPENDENCY_FAILED");
  if (absl::IsNotFound(delivered) || absl::IsFailedPrecondition(delivered) ||
      (refused && event.attempts >= kAttemptsOfARefusedEvent)) {
    LogWarn("outbox event settled undelivered: its consumer refused it for good",
            {{"event_id", absl::StrCat(event.event_id)},
             {"tenant", event.tenant_id},
             {"topic", event.topic},
             {"attempts", absl::StrCat(event.attempts)},
             {"error", delivered.ToString()}});
    return store_.MarkDelivered(event, delivered.ToString());
  }
  const absl::Duration delay = RetryDelay(event.attempts);
  LogWarn("outbox event not delivered; will retry", {{"event_id", absl::StrCat(event.event_id)},
                                                     {"tenant", event.tenant_id},
                                                     {"topic", event.topic},
                                                     {"attempts", absl::StrCat(event.attempts)},
                                                     {"retry_in", absl::FormatDuration(delay)},
                                                     {"error", delivered.ToString()}});
  return store_.Retry(event, delay, delivered.ToString());
}

void OutboxRelay::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void OutboxRelay::Loop() {
  while (true) {
    absl::StatusOr<int> claimed = RunOnce();
    if (!claimed.ok()) {
      LogWarn("outbox relay pass failed", {{"error", claimed.status().ToString()}});
    }
    absl::MutexLock lock(&mu_);
    // A full batch means more may be due: go again at once.
    if (claimed.ok() && *claimed == options_.batch && !stop_) continue;
    mu_.AwaitWithTimeout(
        absl::Condition(
            +[](OutboxRelay* r) ABSL_NO_THREAD_SAFETY_ANALYSIS { return r->stop_; }, this),
        options_.poll);
    if (stop_) return;
  }
}

}  // namespace lagom
