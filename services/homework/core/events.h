#ifndef SERVICES_HOMEWORK_CORE_EVENTS_H_
#define SERVICES_HOMEWORK_CORE_EVENTS_H_

#include <cstdint>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/homework/storage/store.h"
#include "therapy/homework/v1/event.pb.h"

namespace therapy::homework {

// Wakes the watchers of this process when it commits events, so they read the log at once.
// Events committed by other replicas are found by polling the log (WatchEvents waits at most a
// poll interval), so the durable log, not this signal, is the source of truth. Thread-safe.
class EventSignal {
 public:
  // After a commit that appended events.
  void Notify();

  // Blocks until Notify has been called since generation `seen`, Close has been called, or
  // `timeout` has passed; returns the generation then.
  uint64_t WaitAfter(uint64_t seen, absl::Duration timeout);

  uint64_t generation() const;

  // Wakes every waiter for good: the server is shutting down.
  void Close();
  bool closed() const;

 private:
  mutable absl::Mutex mutex_;
  uint64_t generation_ ABSL_GUARDED_BY(mutex_) = 0;
  bool closed_ ABSL_GUARDED_BY(mutex_) = false;
};

// The cursor of an event: its log sequence as decimal text. Opaque to callers.
std::string EventCursor(int64_t sequence);

// Reads a cursor; INVALID_ARGUMENT naming `field` when it is not one.
absl::StatusOr<int64_t> ParseEventCursor(absl::string_view field, absl::string_view cursor);

// The one conversion from the log's record to the API's event.
v1::Event ToProto(const EventRecord& record);

}  // namespace therapy::homework

#endif  // SERVICES_HOMEWORK_CORE_EVENTS_H_
