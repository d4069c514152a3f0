// Retention: what a service keeps only for a while is deleted once that while is over, for
// every tenant, by a sweep each replica runs — kept replies (a retried write's first reply)
// once no retry can come, and delivered outbox events once operators no longer need their
// delivery record. Without it those tables grow with every answer, and each write's lookup
// of its kept reply grows slower with them.
//
// A sweep deletes in chunks, each its own short transaction as the operator (the tables'
// policies admit the operator to kept replies at least an hour old, and to the outbox), so
// it never holds locks for long; sweeps of several replicas at once are harmless.
#ifndef LAGOM_COMMON_RETENTION_H_
#define LAGOM_COMMON_RETENTION_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/postgres.h"

namespace lagom {

struct RetentionRule {
  std::string table;        // schema-qualified
  std::string time_column;  // rows whose time is older than `keep` go; NULL never goes
  absl::Duration keep;
};

// A service's rules: <schema>.idempotent_requests by create_time, kept `kept_replies`, and
// with an outbox, <schema>.outbox by deliver_time (undelivered events stay), kept
// `delivered_events`.
std::vector<RetentionRule> RetentionRules(std::string_view schema, bool with_outbox,
                                          absl::Duration kept_replies,
                                          absl::Duration delivered_events);

// The least a kept reply is kept: the tables' policies do not let the sweep see younger ones.
inline constexpr absl::Duration kMinKeptReplyRetention = absl::Hours(1);

struct RetentionOptions {
  absl::Duration every = absl::Minutes(10);  // between sweeps (each replica, with jitter)
  int chunk = 5000;                          // rows per transaction
};

class RetentionSweeper final {
 public:
  RetentionSweeper(PgPool& pool, std::vector<RetentionRule> rules, RetentionOptions options = {});
  ~RetentionSweeper();  // stops the thread if started
  RetentionSweeper(const RetentionSweeper&) = delete;
  RetentionSweeper& operator=(const RetentionSweeper&) = delete;

  // Deletes every row expired now, rule by rule; rows deleted per rule (in rule order).
  absl::StatusOr<std::vector<int64_t>> SweepOnce();

  // Sweeps soon after start, then every options.every (±20 %) on a thread until destroyed.
  void Start();

 private:
  absl::StatusOr<int64_t> Sweep(const RetentionRule& rule);
  void Loop();

  PgPool& pool_;
  const std::vector<RetentionRule> rules_;
  const RetentionOptions options_;
  absl::Mutex mu_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace lagom

#endif  // LAGOM_COMMON_RETENTION_H_
