#ifndef SERVICES_HOMEWORK_RUNTIME_SAFETY_FLAG_ESCALATOR_H_
#define SERVICES_HOMEWORK_RUNTIME_SAFETY_FLAG_ESCALATOR_H_

#include <functional>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/homework/core/homework.h"

namespace therapy::homework {

// Runs Homework::EscalateDueSafetyFlags every `interval` on a thread of its own, so a flag that
// nobody acknowledged escalates within `interval` of its due time. The clock is Homework's (its
// HomeworkOptions); tests of the timing call EscalateDueSafetyFlags directly with a fake clock.
// Every replica may run one: a flag is escalated once (the store's etag decides).
class SafetyFlagEscalator {
 public:
  // `on_error` hears a failed sweep (the next sweep retries); it must not block. `homework` must
  // outlive this object.
  SafetyFlagEscalator(Homework& homework, absl::Duration interval,
                      std::function<void(const absl::Status&)> on_error);
  // Stops and joins the thread.
  ~SafetyFlagEscalator();

  SafetyFlagEscalator(const SafetyFlagEscalator&) = delete;
  SafetyFlagEscalator& operator=(const SafetyFlagEscalator&) = delete;

  // Ends the sweeps; returns once the thread has finished. Safe to call more than once.
  void Stop();

 private:
  void Run();

  Homework& homework_;
  const absl::Duration interval_;
  std::function<void(const absl::Status&)> on_error_;
  absl::Mutex mutex_;
  bool stopping_ ABSL_GUARDED_BY(mutex_) = false;
  std::thread thread_;
};

}  // namespace therapy::homework

#endif  // SERVICES_HOMEWORK_RUNTIME_SAFETY_FLAG_ESCALATOR_H_
