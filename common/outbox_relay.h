// The outbox relay: delivers events a service wrote to its outbox (session: session.closed to
// scoring, webhook events to the questionnaire service; reporting: webhook events) to the
// service that consumes them, at least once, surviving crashes of any replica. Each consumer
// has its own rows and its own relay, so a consumer that fails never holds up or repeats
// another's events.
//
// A row is claimed with a lease (its next attempt moved past the lease), so replicas never
// deliver the same row at once and a replica killed mid-delivery leaves the row to be claimed
// again when the lease runs out. Delivered rows are stamped; failed ones are retried with
// exponential backoff. Consumers deduplicate by the event id (ScoreSession gets request_id
// "session-closed-<event_id>"; PublishWebhookEvent is idempotent on its event id), so a repeat
// after a crash is harmless.
#ifndef LAGOM_COMMON_OUTBOX_RELAY_H_
#define LAGOM_COMMON_OUTBOX_RELAY_H_

#include <cstdint>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace lagom {

// The outbox consumer name of webhook events (handed to the questionnaire service by
// auth::WebhookEventConsumer).
inline constexpr char kWebhooksConsumer[] = "webhooks";

// One claimed outbox row.
struct OutboxDelivery {
  int64_t event_id = 0;
  std::string tenant_id;
  std::string topic;
  std::string subject_id;  // what the event is about: a session id, a scorecard id
  std::string payload;
  int attempts = 0;  // including this one
};

// One consumer's outbox rows of every tenant (the relay works for all of them).
class OutboxStore {
 public:
  virtual ~OutboxStore() = default;
  // Up to `limit` undelivered rows due now, oldest first, each leased for `lease` (and its
  // attempts counted up: the count is the claim's token).
  virtual absl::StatusOr<std::vector<OutboxDelivery>> Claim(int limit, absl::Duration lease) = 0;
  // The outcome of a claimed row. Each changes the row only while the claim still holds (its
  // attempts are still the claimed ones: no one claimed it since its lease ran out), else
  // ABORTED and nothing changes.
  // Delivered (or settled: `note` says why it will not be delivered).
  virtual absl::Status MarkDelivered(const OutboxDelivery& claimed, const std::string& note) = 0;
  // Not delivered: try again after `delay`, keeping `error` for operators.
  virtual absl::Status Retry(const OutboxDelivery& claimed, absl::Duration delay,
                             const std::string& error) = 0;
  // Not tried: due again now. Its claim still counts among the attempts, which are the claims'
  // tokens and so only ever grow (a stale claim never matches again).
  virtual absl::Status Release(const OutboxDelivery& claimed) = 0;
};

// Whoever consumes the events (the scoring service, the questionnaire's webhooks).
class EventConsumer {
 public:
  virtual ~EventConsumer() = default;
  virtual absl::Status Deliver(const OutboxDelivery& event) = 0;
};

// 1 s after the first failed attempt, doubling, at most `max`.
absl::Duration RetryDelay(int attempts, absl::Duration max = absl::Minutes(5));

struct OutboxRelayOptions {
  absl::Duration poll = absl::Milliseconds(500);
  absl::Duration lease = absl::Minutes(1);
  // The longest one delivery may take (the consumers' deadlines: ScoreSession 30 s, a webhook
  // hand-over 10 s). A pass delivers its rows one after another, and starts a row only while
  // its lease has this much left; the rest are released for the next pass.
  absl::Duration delivery_deadline = absl::Seconds(30);
  int batch = 16;
  std::function<absl::Time()> clock = [] { return absl::Now(); };
};

// A refusal of the event itself (INVALID_ARGUMENT) or a failure a retry is not expected to
// change (INTERNAL with reason DEPENDENCY_FAILED: a service the consumer asked refused it) is
// retried this many times, over about a day (RetryDelay: every 5 minutes after the first few), then
// settled: a consumer of an older release may refuse, during a rolling upgrade, what a newer one
// takes; a day later no retry will change it, and retrying for ever only fills the logs.
inline constexpr int kAttemptsOfARefusedEvent = 300;

class OutboxRelay {
 public:
  OutboxRelay(OutboxStore& store, EventConsumer& consumer, OutboxRelayOptions options = {});
  ~OutboxRelay();  // stops the thread if started

  // One pass: claims due rows and delivers each. Returns how many rows it claimed.
  // A consumer's NOT_FOUND or FAILED_PRECONDITION settles the row (the session it names is
  // gone, or can never be processed: retrying cannot help), INVALID_ARGUMENT and INTERNAL
  // DEPENDENCY_FAILED do after kAttemptsOfARefusedEvent attempts; every other failure
  // (another INTERNAL too: a tenant purge failing on a database condition) is retried.
  absl::StatusOr<int> RunOnce();

  // Runs a pass every `poll` (at once after a full batch) on a thread until destroyed.
  void Start();

 private:
  void Loop();
  // Writes the outcome of one delivery.
  absl::Status Settle(const OutboxDelivery& event, const absl::Status& delivered);

  OutboxStore& store_;
  EventConsumer& consumer_;
  const OutboxRelayOptions options_;
  absl::Mutex mu_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace lagom

#endif  // LAGOM_COMMON_OUTBOX_RELAY_H_
