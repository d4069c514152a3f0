#include "common/outbox_relay.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/log.h"

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
  absl::StatusOr<std::vector<OutboxDelivery>> due = store_.Claim(options_.batch, options_.lease);
  if (!due.ok()) return due.status();
  for (const OutboxDelivery& event : *due) {
    const absl::Status delivered = consumer_.Deliver(event);
    absl::Status marked;
    if (delivered.ok()) {
      marked = store_.MarkDelivered(event.event_id, "");
    } else if (absl::IsNotFound(delivered) || absl::IsFailedPrecondition(delivered)) {
      // A refusal that retrying cannot change: the consumer does not know the session, or
      // the closed session can never be processed (e.g. it has no answers to score).
      LogWarn("outbox event settled undelivered: its consumer refused it for good",
              {{"event_id", absl::StrCat(event.event_id)},
               {"tenant", event.tenant_id},
               {"topic", event.topic},
               {"error", delivered.ToString()}});
      marked = store_.MarkDelivered(event.event_id, delivered.ToString());
    } else {
      const absl::Duration delay = RetryDelay(event.attempts);
      LogWarn("outbox event not delivered; will retry", {{"event_id", absl::StrCat(event.event_id)},
                                                         {"tenant", event.tenant_id},
                                                         {"topic", event.topic},
                                                         {"attempts", absl::StrCat(event.attempts)},
                                                         {"retry_in", absl::FormatDuration(delay)},
                                                         {"error", delivered.ToString()}});
      marked = store_.Retry(event.event_id, delay, delivered.ToString());
    }
    // A row whose outcome could not be written is claimed again after its lease: delivered
    // twice at worst, which consumers absorb.
    if (!marked.ok()) return marked;
  }
  return static_cast<int>(due->size());
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
