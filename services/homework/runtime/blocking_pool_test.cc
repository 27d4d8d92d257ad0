#include "services/homework/runtime/blocking_pool.h"

#include <atomic>
#include <set>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace therapy::homework {
namespace {

TEST(BlockingPoolTest, RunsEveryTaskOnItsOwnFewThreads) {
  BlockingPool pool(BlockingPoolOptions{.threads = 3});
  EXPECT_EQ(pool.threads(), 3);
  absl::Mutex mutex;
  std::set<std::thread::id> threads;
  int ran = 0;
  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE(pool.TrySubmit([&] {
      absl::MutexLock lock(&mutex);
      threads.insert(std::this_thread::get_id());
      ++ran;
    }));
  }
  pool.Stop();
  EXPECT_EQ(ran, 1000);
  // No thread per task, and none of them the caller's.
  EXPECT_LE(threads.size(), 3u);
  EXPECT_EQ(threads.count(std::this_thread::get_id()), 0u);
}

TEST(BlockingPoolTest, RefusesATaskOverTheQueueBoundAndRunsTheQueuedOnes) {
  BlockingPool pool(BlockingPoolOptions{.threads = 1, .max_queued = 2});
  absl::Notification running, release;
  std::atomic<int> ran{0};
  ASSERT_TRUE(pool.TrySubmit([&] {
    running.Notify();
    release.WaitForNotification();
    ++ran;
  }));
  running.WaitForNotification();  // the one thread is busy; the queue is empty
  EXPECT_TRUE(pool.TrySubmit([&] { ++ran; }));
  EXPECT_TRUE(pool.TrySubmit([&] { ++ran; }));
  EXPECT_EQ(pool.queued(), 2u);
  bool third_ran = false;
  EXPECT_FALSE(pool.TrySubmit([&] { third_ran = true; }));
  release.Notify();
  pool.Stop();
  EXPECT_EQ(ran.load(), 3);
  EXPECT_FALSE(third_ran);
}

TEST(BlockingPoolTest, StopRunsWhatIsQueuedThenRefuses) {
  BlockingPool pool(BlockingPoolOptions{.threads = 1});
  absl::Notification release;
  std::atomic<int> ran{0};
  ASSERT_TRUE(pool.TrySubmit([&] {
    release.WaitForNotification();
    ++ran;
  }));
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(pool.TrySubmit([&] { ++ran; }));
  std::thread stopper([&] { pool.Stop(); });
  absl::SleepFor(absl::Milliseconds(20));
  release.Notify();
  stopper.join();
  EXPECT_EQ(ran.load(), 6);
  EXPECT_FALSE(pool.TrySubmit([&] { ++ran; }));
  pool.Stop();  // again: nothing happens
  EXPECT_EQ(ran.load(), 6);
}

TEST(BlockingPoolTest, DefaultIsSizedForTheMachineWithinBounds) {
  const int threads = DefaultBlockingThreads();
  EXPECT_GE(threads, kMinBlockingThreads);
  EXPECT_LE(threads, 256);
  EXPECT_GE(threads, static_cast<int>(std::thread::hardware_concurrency()));
  BlockingPool pool(BlockingPoolOptions{});
  EXPECT_EQ(pool.threads(), threads);
}

}  // namespace
}  // namespace therapy::homework
