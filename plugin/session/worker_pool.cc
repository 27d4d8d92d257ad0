#include "plugin/session/worker_pool.h"

#include <utility>

namespace therapy::homework::live_session {

WorkerPool::WorkerPool(int threads) {
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Work(); });
}

WorkerPool::~WorkerPool() {
  {
    absl::MutexLock lock(&mutex_);
    stopping_ = true;
  }
  for (std::thread& thread : threads_) thread.join();
}

void WorkerPool::Post(uint64_t key, std::function<void()> task) {
  absl::MutexLock lock(&mutex_);
  std::deque<std::function<void()>>& queue = queued_[key];
  queue.push_back(std::move(task));
  if (queue.size() == 1 && !busy_[key]) ready_.push_back(key);
}

void WorkerPool::Work() {
  while (true) {
    uint64_t key = 0;
    std::function<void()> task;
    {
      absl::MutexLock lock(&mutex_);
      auto has_work = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
        return !ready_.empty() || stopping_;
      };
      mutex_.Await(absl::Condition(&has_work));
      if (ready_.empty()) return;  // stopping, nothing left
      key = ready_.front();
      ready_.pop_front();
      std::deque<std::function<void()>>& queue = queued_[key];
      task = std::move(queue.front());
      queue.pop_front();
      busy_[key] = true;
    }
    task();
    absl::MutexLock lock(&mutex_);
    busy_.erase(key);
    auto queue = queued_.find(key);
    if (queue->second.empty()) {
      queued_.erase(queue);
    } else {
      ready_.push_back(key);
    }
  }
}

}  // namespace therapy::homework::live_session
