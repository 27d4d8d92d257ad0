#ifndef SERVICES_HOMEWORK_RUNTIME_EVENT_HUB_H_
#define SERVICES_HOMEWORK_RUNTIME_EVENT_HUB_H_

// The watch fan-out (docs/decisions/0011-watch-fan-out.md): one reader thread per process reads
// each watched practice's new events from the log once and hands them to every watcher whose
// scope sees them, so thousands of open watches cost memory, not threads or store reads.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "services/homework/core/events.h"
#include "services/homework/storage/store.h"
#include "therapy/homework/v1/event.pb.h"

namespace therapy::homework {

// One watch's receiving end. The hub calls it on its reader thread (or, for End, on the thread
// of Close or Subscribe), never two calls at once, and never after Unsubscribe has returned or
// after End. Implementations must not block and must not call back into the hub from these
// methods.
class WatchListener {
 public:
  virtual ~WatchListener() = default;
  // Takes one event (shared, immutable: the same one goes to every watcher that sees it); false
  // when the listener's buffer is full and it did not take it. The hub then reads the log again
  // from after the last event taken once the listener has room (EventHub::Wake), so a slow
  // watcher neither loses events nor grows memory without bound.
  virtual bool Offer(std::shared_ptr<const v1::Event> event) = 0;
  // The watch is over: OK when the hub closes (shutdown), PERMISSION_DENIED when its watcher
  // lost access (audited by the hub). No call follows.
  virtual void End(const absl::Status& status) = 0;
};

struct EventHubOptions {
  // How often the log is read when this process committed nothing: events of other replicas
  // arrive within this interval.
  absl::Duration poll_interval = absl::Milliseconds(250);
  // Events read from the log at a time, per practice and per catching-up watcher (1-1000).
  int batch = 100;
  // The clock of audit records.
  std::function<absl::Time()> now = [] { return absl::Now(); };
};

// Reads the event log once per watched practice and fans the events out. A watcher's scope and
// start come from Homework::StartWatch's checks (validation, authorisation, the start audit);
// the hub then re-checks care-team membership for every batch it delivers, reading each client
// the batch names once for all watchers (see SeeEvent). A watch with include_assignments gets
// an assignment's events carrying the assignment, read once per batch and audited per watcher.
// A watcher that starts behind the practice's position is caught up from the log on the reader
// thread, then joins the shared reads: each watcher's events arrive in log order, without gaps
// or duplicates.
//
// Store read errors are retried at the next poll; watches stay open. Thread-safe.
class EventHub {
 public:
  // Starts the reader thread. `store` must outlive the hub.
  EventHub(Store& store, EventHubOptions options);
  // Close()s.
  ~EventHub();

  EventHub(const EventHub&) = delete;
  EventHub& operator=(const EventHub&) = delete;

  // Sends `listener` every event `scope` sees with a sequence after `after_sequence`, until
  // Unsubscribe or End. Returns the subscription's id. After Close, ends `listener` with OK at
  // once (before returning) and returns 0.
  uint64_t Subscribe(WatchScope scope, int64_t after_sequence, WatchListener& listener);

  // Stops a subscription: once this returns the hub never calls its listener again. Safe after
  // End and for id 0.
  void Unsubscribe(uint64_t id);

  // Reads the log now rather than at the next poll: this process committed events, or a full
  // listener has room again.
  void Wake();

  // Ends every watch with OK and stops the reader thread: the server is shutting down. Idempotent.
  void Close();

  // Open subscriptions.
  size_t watchers() const;

  // Waits up to `timeout` until the reader thread has served every Subscribe and Wake made
  // before this call: it finished a pass that began after them and left nothing more to read
  // (each watcher was given what it can take, lag() was updated). Events committed without a
  // Wake arrive at a poll and are not waited for. True then, or once the hub is closed; false
  // on timeout. For tests, which wait on this condition rather than sleep for the hub to
  // settle; the server never calls it.
  bool WaitUntilIdle(absl::Duration timeout);

  // Passes the reader thread has begun over the watched practices, after a Wake, a Subscribe
  // or a poll. For tests.
  uint64_t passes() const;

  // How far behind the log the hub was at its last pass over the practices: the age of the
  // oldest event it handed out then (commit to hand-out), zero when the pass found nothing new.
  // For /metrics.
  absl::Duration lag() const { return absl::Microseconds(lag_micros_.load()); }

 private:
  struct Watcher;
  // What one batch reads beyond the events (clients, assignments), shared by all its watchers.
  class BatchReads;

  void Run();
  // Reads one practice's events after `head` (where its shared reads stand; advanced) and
  // hands them to `watchers`, catching up those behind; true when more are waiting.
  bool Pump(const std::string& practice, int64_t& head,
            const std::vector<std::shared_ptr<Watcher>>& watchers);
  // Offers `watcher` the events of `events` (as API events: `protos`, index for index) after its
  // cursor up to sequence `through`, then moves its cursor to `through` when it took them all.
  // False when the watcher ended, refused an event, or its access could not be checked (it is
  // then behind and catches up later).
  bool Deliver(Watcher& watcher, const std::vector<EventRecord>& events,
               const std::vector<std::shared_ptr<const v1::Event>>& protos, int64_t through,
               BatchReads& reads);
  // The event `scope`'s watcher is sent for `record`: `event` itself, or, when the watch asked
  // for assignments and this is an assignment's event, `event` carrying the assignment once its
  // read is audited.
  std::shared_ptr<const v1::Event> Offered(const WatchScope& scope, const EventRecord& record,
                                           const std::shared_ptr<const v1::Event>& event,
                                           BatchReads& reads);

  Store& store_;
  const EventHubOptions options_;

  mutable absl::Mutex mutex_;
  std::unordered_map<uint64_t, std::shared_ptr<Watcher>> watchers_ ABSL_GUARDED_BY(mutex_);
  uint64_t next_id_ ABSL_GUARDED_BY(mutex_) = 1;
  uint64_t generation_ ABSL_GUARDED_BY(mutex_) = 0;
  // The generation_ the reader thread's last finished pass began at, when that pass left
  // nothing more to read; for WaitUntilIdle.
  uint64_t idle_at_generation_ ABSL_GUARDED_BY(mutex_) = 0;
  bool closed_ ABSL_GUARDED_BY(mutex_) = false;
  uint64_t passes_ ABSL_GUARDED_BY(mutex_) = 0;
  std::atomic<int64_t> lag_micros_{0};
  // The reader thread's own: the oldest event handed out in the current pass over practices.
  absl::Time oldest_handed_out_ = absl::InfiniteFuture();
  std::thread reader_;
};

}  // namespace therapy::homework

#endif  // SERVICES_HOMEWORK_RUNTIME_EVENT_HUB_H_
