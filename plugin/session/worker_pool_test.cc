#include "plugin/session/worker_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"

namespace therapy::homework::live_session {
namespace {

TEST(WorkerPoolTest, TasksOfOneKeyRunInOrderOneAtATime) {
  absl::Mutex mutex;
  std::vector<int> order;
  std::atomic<int> running{0};
  std::atomic<bool> overlapped{false};
  {
    WorkerPool pool(4);
    for (int i = 0; i < 50; ++i) {
      pool.Post(7, [&, i] {
        if (running.fetch_add(1) != 0) overlapped = true;
        absl::SleepFor(absl::Microseconds(100));
        {
          absl::MutexLock lock(&mutex);
          order.push_back(i);
        }
        running.fetch_sub(1);
      });
    }
  }  // the destructor runs what was posted
  EXPECT_FALSE(overlapped);
  ASSERT_EQ(order.size(), 50u);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(order[i], i);
}

TEST(WorkerPoolTest, ABlockedKeyDoesNotHoldUpAnother) {
  WorkerPool pool(2);
  absl::Notification release;
  absl::Notification other_ran;
  pool.Post(1, [&] { release.WaitForNotificationWithTimeout(absl::Seconds(10)); });
  pool.Post(2, [&] { other_ran.Notify(); });
  EXPECT_TRUE(other_ran.WaitForNotificationWithTimeout(absl::Seconds(5)));
  release.Notify();
}

}  // namespace
}  // namespace therapy::homework::live_session
