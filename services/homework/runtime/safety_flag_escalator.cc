#include "services/homework/runtime/safety_flag_escalator.h"

#include <utility>

namespace therapy::homework {

SafetyFlagEscalator::SafetyFlagEscalator(Homework& homework, absl::Duration interval,
                                         std::function<void(const absl::Status&)> on_error)
    : homework_(homework),
      interval_(interval),
      on_error_(std::move(on_error)),
      thread_([this] { Run(); }) {}

SafetyFlagEscalator::~SafetyFlagEscalator() { Stop(); }

void SafetyFlagEscalator::Stop() {
  {
    absl::MutexLock lock(&mutex_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void SafetyFlagEscalator::Run() {
  while (true) {
    absl::StatusOr<int> swept = homework_.EscalateDueSafetyFlags();
    if (!swept.ok() && on_error_) on_error_(swept.status());
    absl::MutexLock lock(&mutex_);
    if (mutex_.AwaitWithTimeout(absl::Condition(&stopping_), interval_)) return;
  }
}

}  // namespace therapy::homework
