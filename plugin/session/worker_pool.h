#ifndef PLUGIN_SESSION_WORKER_POOL_H_
#define PLUGIN_SESSION_WORKER_POOL_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace therapy::homework::live_session {

// Threads that run the plugin's work off Janus's threads. Tasks posted with the same key (a
// handle) run one at a time in the order posted, so a page's requests are answered in order;
// tasks of different keys run in parallel.
class WorkerPool {
 public:
  explicit WorkerPool(int threads);
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;
  // Runs the tasks already posted, then joins the threads.
  ~WorkerPool();

  void Post(uint64_t key, std::function<void()> task);

 private:
  void Work();

  absl::Mutex mutex_;
  std::map<uint64_t, std::deque<std::function<void()>>> queued_ ABSL_GUARDED_BY(mutex_);
  std::map<uint64_t, bool> busy_ ABSL_GUARDED_BY(mutex_);  // keys whose task is running
  std::deque<uint64_t> ready_ ABSL_GUARDED_BY(mutex_);     // keys with a task and none running
  bool stopping_ ABSL_GUARDED_BY(mutex_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace therapy::homework::live_session

#endif  // PLUGIN_SESSION_WORKER_POOL_H_
