#include "common/executor.h"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>

#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/notification.h"

namespace lagom {
namespace {

TEST(ExecutorTest, RunsEverythingScheduled) {
  std::atomic<int> ran = 0;
  absl::BlockingCounter done(100);
  Executor executor(4);
  for (int i = 0; i < 100; ++i) {
    executor.Schedule([&] {
      ++ran;
      done.DecrementCount();
    });
  }
  done.Wait();
  EXPECT_EQ(ran, 100);
}

TEST(ExecutorTest, DestructionDrainsQueuedWork) {
  std::atomic<int> ran = 0;
  absl::Notification release;
  {
    Executor executor(1);
    executor.Schedule([&] { release.WaitForNotification(); });  // holds the only thread
    for (int i = 0; i < 50; ++i) executor.Schedule([&] { ++ran; });
    release.Notify();
  }
  EXPECT_EQ(ran, 50);
}

TEST(ExecutorTest, AcceptsMoveOnlyWork) {
  std::atomic<int> value = 0;
  {
    Executor executor(2);
    auto owned = std::make_unique<int>(7);
    executor.Schedule([owned = std::move(owned), &value] { value = *owned; });
  }
  EXPECT_EQ(value, 7);
}

}  // namespace
}  // namespace lagom
