#include "services/homework/runtime/blocking_pool.h"

#include <algorithm>
#include <utility>

namespace therapy::homework {

int DefaultBlockingThreads() {
  const int cores = static_cast<int>(std::thread::hardware_concurrency());
  return std::clamp(8 * std::max(cores, 1), kMinBlockingThreads, 256);
}

BlockingPool::BlockingPool(const BlockingPoolOptions& options) : max_queued_(options.max_queued) {
  const int count = options.threads > 0 ? options.threads : DefaultBlockingThreads();
  threads_.reserve(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) threads_.emplace_back([this] { Work(); });
}

BlockingPool::~BlockingPool() { Stop(); }

bool BlockingPool::TrySubmit(absl::AnyInvocable<void() &&> task) {
  absl::MutexLock lock(&mutex_);
  if (stopping_ || queue_.size() >= max_queued_) return false;
  queue_.push_back(std::move(task));
  return true;
}

void BlockingPool::Stop() {
  {
    absl::MutexLock lock(&mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  for (std::thread& thread : threads_) thread.join();
}

std::size_t BlockingPool::queued() const {
  absl::MutexLock lock(&mutex_);
  return queue_.size();
}

void BlockingPool::Work() {
  while (true) {
    absl::AnyInvocable<void() &&> task;
    {
      absl::MutexLock lock(&mutex_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
        return stopping_ || !queue_.empty();
      };
      mutex_.Await(absl::Condition(&ready));
      if (queue_.empty()) return;  // stopping, and nothing left to run
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    std::move(task)();
  }
}

}  // namespace therapy::homework
