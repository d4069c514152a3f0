// Calls that start at the same moment, for tests of what concurrent callers may do.
#ifndef LAGOM_COMMON_TESTING_AT_ONCE_H_
#define LAGOM_COMMON_TESTING_AT_ONCE_H_

#include <gtest/gtest.h>

#include <functional>
#include <latch>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "common/status.h"

namespace lagom::testing {

// Runs call(0), ..., call(n - 1) on n threads released together; each one's status, by index.
inline std::vector<absl::Status> AtOnce(int n, const std::function<absl::Status(int)>& call) {
  std::latch start(n);
  std::vector<absl::Status> outcomes(n);
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      outcomes[i] = call(i);
    });
  }
  for (std::thread& t : threads) t.join();
  return outcomes;
}

// How many of `outcomes` are OK; expects every other one refused by a count quota:
// RESOURCE_EXHAUSTED, reason QUOTA_EXCEEDED, with `message`.
inline int AcceptedRestOverQuota(const std::vector<absl::Status>& outcomes,
                                 std::string_view message) {
  int accepted = 0;
  for (const absl::Status& s : outcomes) {
    if (s.ok()) {
      ++accepted;
      continue;
    }
    EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted) << s;
    EXPECT_EQ(ReasonOf(s), "QUOTA_EXCEEDED") << s;
    EXPECT_EQ(std::string(s.message()), message);
  }
  return accepted;
}

// How many of `outcomes` are OK; expects every other one refused for a stale etag: ABORTED,
// reason ETAG_MISMATCH (changes sent with one etag at once: one is taken, the rest are stale).
inline int AcceptedRestStale(const std::vector<absl::Status>& outcomes) {
  int accepted = 0;
  for (const absl::Status& s : outcomes) {
    if (s.ok()) {
      ++accepted;
      continue;
    }
    EXPECT_EQ(s.code(), absl::StatusCode::kAborted) << s;
    EXPECT_EQ(ReasonOf(s), "ETAG_MISMATCH") << s;
  }
  return accepted;
}

}  // namespace lagom::testing

#endif  // LAGOM_COMMON_TESTING_AT_ONCE_H_
