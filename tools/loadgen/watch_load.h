// The watch scenario's driver: `watchers` WatchSession streams on one session while invited
// respondents submit answers at a fixed total rate, measuring how long an answer takes to
// reach every watcher.
//
// How an answer is recognised in a watcher's stream: every (respondent, item) pair is answered
// at most once, so an item's PROVIDER answer_count only grows, by one per committed answer.
// The k-th successful SubmitAnswer of an item (in send order) has reached a watcher once that
// watcher saw a distribution of the item (ItemDistributionChanged, or a snapshot) with
// answer_count >= k. Its latency is from just before the SubmitAnswer was sent to the
// arrival of that distribution. The send order is the commit order as long as two answers to
// one item are never in flight together: items are taken in turn, so one item's answers are
// items/rate apart, and the result counts the sends that overlapped anyway.
#ifndef LAGOM_TOOLS_LOADGEN_WATCH_LOAD_H_
#define LAGOM_TOOLS_LOADGEN_WATCH_LOAD_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "tools/loadgen/session_fixture.h"
#include "tools/loadgen/stats.h"

namespace lagom::loadgen {

struct WatchOptions {
  std::string target;   // the session service
  std::string api_key;  // the watchers' credential (an admin sees every distribution)
  int watchers = 500;
  int channels = 1;                             // connections the watch streams are spread over
  double rate = 200;                            // SubmitAnswer calls started per second, in total
  absl::Duration duration = absl::Seconds(10);  // answers sent in this window are measured
  absl::Duration warmup = absl::Milliseconds(500);
  // After the last answer: how long watchers may still take to receive it.
  absl::Duration drain = absl::Seconds(3);
  absl::Duration call_timeout = absl::Seconds(5);
  // How long all watchers may take to connect and receive their first snapshot.
  absl::Duration connect_timeout = absl::Seconds(30);
};

// Answers sent over warm-up and duration: every one takes a (respondent, item) pair of its
// own, so the session needs this many pairs.
int64_t WatchAnswersNeeded(const WatchOptions& options);

struct WatchResult {
  // SubmitAnswer calls started in the measured window: latency and errors.
  Samples submits;
  // One sample per (watcher, measured successful answer): answer-to-watcher latency.
  // errors: NOT_DELIVERED (not seen by the end of the drain), COUNT_AHEAD (seen before it
  // was sent: some other answer was counted, so the pairing was off).
  Samples deliveries;
  int watchers_connected = 0;                     // received their first snapshot
  absl::Duration connect_time;                    // until the last of them did
  std::vector<int64_t> events_per_watcher;        // ItemDistributionChanged received, whole run
  std::map<std::string, int64_t> watcher_errors;  // streams that ended other than by loadgen
  int64_t overlapping_sends = 0;  // started while the item's previous answer was in flight
  double achieved_rate = 0;       // SubmitAnswer calls started per second, measured window
};

// Runs the scenario on `session` (OPEN, fresh: no answers yet, at least
// WatchAnswersNeeded pairs). FAILED_PRECONDITION if no watcher connects, with the first
// watcher's error.
absl::StatusOr<WatchResult> RunWatch(const WatchOptions& options, const LoadSession& session);

}  // namespace lagom::loadgen

#endif  // LAGOM_TOOLS_LOADGEN_WATCH_LOAD_H_
