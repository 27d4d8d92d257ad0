#ifndef SERVICES_HOMEWORK_RUNTIME_BLOCKING_POOL_H_
#define SERVICES_HOMEWORK_RUNTIME_BLOCKING_POOL_H_

#include <cstddef>
#include <deque>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/synchronization/mutex.h"

namespace therapy::homework {

struct BlockingPoolOptions {
  // Threads running tasks; 0: DefaultBlockingThreads() (sized for the machine).
  int threads = 0;
  // Tasks that may wait for a thread; TrySubmit refuses the next one.
  std::size_t max_queued = 4096;
};

// Threads for this machine's share of the core's blocking calls (store reads, commits that
// wait for their group's fsync, audit appends): enough above the cores that callers waiting on
// a shared commit do not starve the CPU-bound ones, few enough that a burst does not make
// hundreds of runnable threads. 8 per core, at least kMinBlockingThreads, at most 256.
int DefaultBlockingThreads();

// The least DefaultBlockingThreads gives: a durable write's group commit batches only the
// writes whose threads are waiting for it, so a small machine still needs a thread for each of
// the writes a busy platform has in flight (64 in issue 16's benchmark; with 16 threads there a
// completion cost a fifth more CPU and a fifth fewer were made a second, benchmarks/README.md).
// Completions no longer hold a thread while they commit (ADR 0029); the other writes still do.
inline constexpr int kMinBlockingThreads = 64;

// A fixed pool of threads for work that blocks (the core's use cases), fed by an event-driven
// edge whose own threads must never block: the gRPC callback handlers (ADR 0018; the Connect
// listener keeps its own threads, ADR 0012).
// Threads start in the constructor and live until Stop: no thread is made per call. Bounded:
// at most `max_queued` tasks wait; the edge answers the one over the bound "overloaded, retry"
// at once instead of queueing without limit. Thread-safe.
class BlockingPool {
 public:
  explicit BlockingPool(const BlockingPoolOptions& options);
  ~BlockingPool();  // Stop()

  BlockingPool(const BlockingPool&) = delete;
  BlockingPool& operator=(const BlockingPool&) = delete;

  // Queues `task` for the next free thread; false, without running it, when `max_queued` tasks
  // wait already or the pool has stopped. A task must not throw.
  bool TrySubmit(absl::AnyInvocable<void() &&> task);

  // Refuses new tasks, runs those queued, joins the threads. Safe to call more than once; not
  // from a task.
  void Stop();

  int threads() const { return static_cast<int>(threads_.size()); }
  // Tasks waiting for a thread now.
  std::size_t queued() const;

 private:
  void Work();

  const std::size_t max_queued_;
  mutable absl::Mutex mutex_;
  std::deque<absl::AnyInvocable<void() &&>> queue_ ABSL_GUARDED_BY(mutex_);
  bool stopping_ ABSL_GUARDED_BY(mutex_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace therapy::homework

#endif  // SERVICES_HOMEWORK_RUNTIME_BLOCKING_POOL_H_
