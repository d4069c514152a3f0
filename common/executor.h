// A fixed pool of threads for blocking work (Redis, PostgreSQL, outbound RPCs) so callback
// handlers never block a gRPC thread.
#ifndef LAGOM_COMMON_EXECUTOR_H_
#define LAGOM_COMMON_EXECUTOR_H_

#include <deque>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/synchronization/mutex.h"

namespace lagom {

class Executor final {
 public:
  explicit Executor(int threads);
  // Runs everything already scheduled, then joins the threads.
  ~Executor();

  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  // Accepts any callable, including std::function and move-only lambdas. Work scheduled
  // during destruction still runs.
  void Schedule(absl::AnyInvocable<void() &&> work);

 private:
  void Loop();

  absl::Mutex mu_;
  std::deque<absl::AnyInvocable<void() &&>> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace lagom

#endif  // LAGOM_COMMON_EXECUTOR_H_
