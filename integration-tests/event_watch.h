#ifndef INTEGRATION_TESTS_EVENT_WATCH_H_
#define INTEGRATION_TESTS_EVENT_WATCH_H_

#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "integration-tests/rpc_test_support.h"

namespace therapy::homework::testing {

// One WatchEvents stream. A thread reads it into a queue so that every wait is bounded by its own
// timeout; the call itself carries ContextWithToken's 10-second deadline.
class EventWatch {
 public:
  EventWatch(Stub& stub, const std::string& token, const v1::WatchEventsRequest& request)
      : context_(ContextWithToken(token)),
        reader_(stub.WatchEvents(context_.get(), request)),
        reader_thread_([this] { ReadUntilEnd(); }) {}

  EventWatch(const EventWatch&) = delete;
  EventWatch& operator=(const EventWatch&) = delete;
  ~EventWatch() { Close(); }

  // The next event, or nullopt when none arrives within `timeout` or the stream has ended.
  std::optional<v1::Event> Next(absl::Duration timeout = absl::Seconds(3)) {
    absl::MutexLock lock(&mutex_);
    auto ready = [this]()
                     ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) { return !events_.empty() || ended_; };
    mutex_.AwaitWithTimeout(absl::Condition(&ready), timeout);
    if (events_.empty()) return std::nullopt;
    v1::Event event = std::move(events_.front());
    events_.pop_front();
    return event;
  }

  // Reads until an event about `resource` (returned), or nullopt after `timeout`.
  std::optional<v1::Event> SkipTo(const std::string& resource, absl::Duration timeout) {
    const absl::Time deadline = absl::Now() + timeout;
    while (absl::Now() < deadline) {
      std::optional<v1::Event> event = Next(deadline - absl::Now());
      if (event && event->resource() == resource) return event;
    }
    return std::nullopt;
  }

  // The cursor the server said the stream continues after (initial metadata `x-watch-cursor`),
  // once it is live; nullopt when it did not say so within `timeout`. Everything written after
  // this returns is delivered.
  std::optional<std::string> Live(absl::Duration timeout = absl::Seconds(5)) {
    absl::MutexLock lock(&mutex_);
    auto known = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) { return live_ || ended_; };
    mutex_.AwaitWithTimeout(absl::Condition(&known), timeout);
    if (!live_) return std::nullopt;
    return start_cursor_;
  }

  // How many events have arrived and were not taken with Next yet.
  size_t Queued() {
    absl::MutexLock lock(&mutex_);
    return events_.size();
  }

  // Whether the server ended the stream (within `timeout`), for example by going away.
  bool Ended(absl::Duration timeout) {
    absl::MutexLock lock(&mutex_);
    auto ended = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) { return ended_; };
    return mutex_.AwaitWithTimeout(absl::Condition(&ended), timeout);
  }

  // Cancels the call unless it has ended, and returns its final status. Idempotent.
  grpc::Status Close() {
    if (reader_thread_.joinable()) {
      context_->TryCancel();
      reader_thread_.join();
      status_ = reader_->Finish();
    }
    return status_;
  }

 private:
  void ReadUntilEnd() {
    reader_->WaitForInitialMetadata();
    {
      absl::MutexLock lock(&mutex_);
      const auto& metadata = context_->GetServerInitialMetadata();
      auto cursor = metadata.find("x-watch-cursor");
      if (cursor != metadata.end()) {
        start_cursor_ = std::string(cursor->second.data(), cursor->second.size());
        live_ = true;
      }
    }
    v1::Event event;
    while (reader_->Read(&event)) {
      absl::MutexLock lock(&mutex_);
      events_.push_back(event);
    }
    absl::MutexLock lock(&mutex_);
    ended_ = true;
  }

  std::unique_ptr<grpc::ClientContext> context_;
  std::unique_ptr<grpc::ClientReader<v1::Event>> reader_;
  absl::Mutex mutex_;
  std::deque<v1::Event> events_ ABSL_GUARDED_BY(mutex_);
  bool ended_ ABSL_GUARDED_BY(mutex_) = false;
  bool live_ ABSL_GUARDED_BY(mutex_) = false;
  std::string start_cursor_ ABSL_GUARDED_BY(mutex_);
  grpc::Status status_;
  std::thread reader_thread_;  // last: starts reading once everything above exists
};

}  // namespace therapy::homework::testing

#endif  // INTEGRATION_TESTS_EVENT_WATCH_H_
