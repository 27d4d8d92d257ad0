#include "benchmarks/bench/unary_load.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <iostream>
#include <mutex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "benchmarks/bench/interruption.h"

namespace therapy::bench {
namespace {

using Clock = std::chrono::steady_clock;

// How long, after the window, the calls still in flight may take to end. Every call has its
// own deadline (10 s in this bench), so this only guards against a bug.
constexpr absl::Duration kDrainLimit = absl::Seconds(30);

// A call's place. `mutex` is held while a call is put in it and while its end is handled: the
// completion queue may hand the tag to a polling thread before the thread that started the call
// (the open loop's dispatcher, or the other poller) has stored it.
struct Slot {
  std::mutex mutex;
  std::unique_ptr<PendingCall> call;
  Clock::time_point started;  // in an open loop, when the call was due
};

// An open loop's slots not in use.
class FreeSlots {
 public:
  explicit FreeSlots(std::vector<Slot>& slots) {
    for (Slot& slot : slots) free_.push_back(&slot);
  }
  // Waits for a free slot.
  Slot& Take() {
    std::unique_lock<std::mutex> lock(mutex_);
    freed_.wait(lock, [this] { return !free_.empty(); });
    Slot& slot = *free_.back();
    free_.pop_back();
    return slot;
  }
  void Give(Slot& slot) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      free_.push_back(&slot);
    }
    freed_.notify_one();
  }

 private:
  std::mutex mutex_;
  std::condition_variable freed_;
  std::vector<Slot*> free_;
};

// What one polling thread saw in the window; merged at the end.
struct ThreadTally {
  uint64_t calls = 0;
  uint64_t ok_all = 0;  // OK calls ended at any time
  std::array<uint64_t, 17> by_code{};
  Histogram latency;
};

}  // namespace

std::string CodeName(int code) {
  static constexpr const char* kNames[] = {"OK",
                                           "CANCELLED",
                                           "UNKNOWN",
                                           "INVALID_ARGUMENT",
                                           "DEADLINE_EXCEEDED",
                                           "NOT_FOUND",
                                           "ALREADY_EXISTS",
                                           "PERMISSION_DENIED",
                                           "RESOURCE_EXHAUSTED",
                                           "FAILED_PRECONDITION",
                                           "ABORTED",
                                           "OUT_OF_RANGE",
                                           "UNIMPLEMENTED",
                                           "INTERNAL",
                                           "UNAVAILABLE",
                                           "DATA_LOSS",
                                           "UNAUTHENTICATED"};
  if (code < 0 || code > 16) return absl::StrCat("CODE_", code);
  return kNames[code];
}

double UnaryLoadResult::ok_per_second() const {
  const double seconds = absl::ToDoubleSeconds(window);
  return seconds <= 0 ? 0.0 : static_cast<double>(ok()) / seconds;
}

std::string UnaryLoadResult::ErrorsByCode() const {
  std::vector<std::string> parts;
  for (int code = 1; code < 17; ++code) {
    if (by_code[static_cast<size_t>(code)] > 0) {
      parts.push_back(absl::StrCat(CodeName(code), "=", by_code[static_cast<size_t>(code)]));
    }
  }
  return parts.empty() ? "-" : absl::StrJoin(parts, " ");
}

absl::StatusOr<UnaryLoadResult> RunUnaryLoad(const UnaryLoadOptions& options,
                                             const CallStarter& start) {
  if (options.concurrency < 1 || options.concurrency > kMaxConcurrency) {
    return absl::InvalidArgumentError(
        absl::StrCat("concurrency must be 1-", kMaxConcurrency, ", got ", options.concurrency));
  }
  if (options.duration <= absl::ZeroDuration() || options.duration > kMaxDuration) {
    return absl::InvalidArgumentError(absl::StrCat("duration must be more than 0 and at most ",
                                                   absl::FormatDuration(kMaxDuration), ", got ",
                                                   absl::FormatDuration(options.duration)));
  }
  if (options.warmup < absl::ZeroDuration() || options.warmup > kMaxWarmup) {
    return absl::InvalidArgumentError(
        absl::StrCat("warmup must be 0-", absl::FormatDuration(kMaxWarmup)));
  }
  if (options.polling_threads < 1 || options.polling_threads > 2) {
    return absl::InvalidArgumentError("polling threads must be 1 or 2");
  }
  if (!(options.rate >= 0) || options.rate > kMaxRate) {
    return absl::InvalidArgumentError(absl::StrCat("rate must be 0-", kMaxRate, " calls a second"));
  }
  const bool open_loop = options.rate > 0;

  grpc::CompletionQueue queue;
  std::vector<Slot> slots(static_cast<size_t>(options.concurrency));
  std::atomic<uint64_t> sequence{0};
  std::atomic<uint64_t> ended{0};
  // Closed: the calls in flight. Open: those, and one while the dispatcher below runs.
  std::atomic<int> in_flight{open_loop ? 1 : options.concurrency};
  const Clock::time_point begin = Clock::now();
  const Clock::time_point measure_from = begin + absl::ToChronoNanoseconds(options.warmup);
  const Clock::time_point stop_at = measure_from + absl::ToChronoNanoseconds(options.duration);

  FreeSlots free_slots(slots);
  std::thread dispatcher;
  if (open_loop) {
    // Starts each call when it is due (or, when every slot is taken, as soon as one is free).
    dispatcher = std::thread([&] {
      const std::chrono::duration<double> interval(1.0 / options.rate);
      for (uint64_t i = 0;; ++i) {
        const Clock::time_point due =
            begin + std::chrono::duration_cast<Clock::duration>(interval * static_cast<double>(i));
        if (due >= stop_at || Interrupted()) break;
        std::this_thread::sleep_until(due);
        Slot& slot = free_slots.Take();
        in_flight.fetch_add(1);
        std::lock_guard<std::mutex> lock(slot.mutex);
        slot.started = due;
        slot.call = start(sequence.fetch_add(1), queue, &slot);
      }
      in_flight.fetch_sub(1);
    });
  } else {
    for (Slot& slot : slots) {
      std::lock_guard<std::mutex> lock(slot.mutex);
      slot.started = Clock::now();
      slot.call = start(sequence.fetch_add(1), queue, &slot);
    }
  }

  std::vector<ThreadTally> tallies(static_cast<size_t>(options.polling_threads));
  std::vector<std::thread> pollers;
  for (ThreadTally& tally : tallies) {
    pollers.emplace_back([&, &tally = tally] {
      void* tag = nullptr;
      bool ok = false;
      while (queue.Next(&tag, &ok)) {
        Slot& slot = *static_cast<Slot*>(tag);
        std::unique_lock<std::mutex> lock(slot.mutex);
        const Clock::time_point now = Clock::now();
        if (slot.call->status().ok()) ++tally.ok_all;
        if (now >= measure_from && now < stop_at) {
          const int code = slot.call->status().error_code();
          ++tally.calls;
          ++tally.by_code[static_cast<size_t>(code >= 0 && code < 17 ? code : 2)];
          if (code == 0) tally.latency.Record((now - slot.started).count());
        }
        ended.fetch_add(1, std::memory_order_relaxed);
        if (open_loop) {
          slot.call.reset();
          lock.unlock();
          free_slots.Give(slot);
          in_flight.fetch_sub(1);
        } else if (now < stop_at && !Interrupted()) {
          slot.started = Clock::now();
          slot.call = start(sequence.fetch_add(1), queue, &slot);
        } else {
          slot.call.reset();
          in_flight.fetch_sub(1);
        }
      }
    });
  }

  // Progress on stderr while the loop runs; then wait for the calls still in flight.
  const Clock::time_point drain_limit = stop_at + absl::ToChronoNanoseconds(kDrainLimit);
  Clock::time_point next_progress = begin + absl::ToChronoNanoseconds(options.progress_interval);
  uint64_t ended_at_last = 0;
  Clock::time_point last = begin;
  while (in_flight.load() > 0 && Clock::now() < drain_limit) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    const Clock::time_point now = Clock::now();
    if (now >= next_progress && now < stop_at) {
      const uint64_t count = ended.load(std::memory_order_relaxed);
      const double seconds = std::chrono::duration<double>(now - last).count();
      std::cerr << absl::StrFormat("  [%s] %.0f/%.0f s (%.0f s warm-up), %d calls ended, %.0f/s\n",
                                   options.label,
                                   std::chrono::duration<double>(now - begin).count(),
                                   absl::ToDoubleSeconds(options.warmup + options.duration),
                                   absl::ToDoubleSeconds(options.warmup), count,
                                   static_cast<double>(count - ended_at_last) / seconds)
                << std::flush;
      ended_at_last = count;
      last = now;
      next_progress = now + absl::ToChronoNanoseconds(options.progress_interval);
    }
  }
  if (const int stuck = in_flight.load(); stuck > 0) {
    // Only after a bug: every call has a deadline, so the wait below is bounded by it.
    std::cerr << "  [" << options.label << "] " << stuck << " calls still in flight "
              << absl::FormatDuration(kDrainLimit) << " after the window; waiting for them"
              << std::endl;
  }
  if (dispatcher.joinable()) dispatcher.join();
  queue.Shutdown();
  for (std::thread& poller : pollers) poller.join();

  UnaryLoadResult result;
  const Clock::time_point window_end = std::min(stop_at, Clock::now());
  result.window = absl::FromChrono(std::max(window_end - measure_from, Clock::duration::zero()));
  for (const ThreadTally& tally : tallies) {
    result.calls += tally.calls;
    result.ok_all += tally.ok_all;
    for (size_t code = 0; code < tally.by_code.size(); ++code) {
      result.by_code[code] += tally.by_code[code];
    }
    result.latency.Merge(tally.latency);
  }
  return result;
}

}  // namespace therapy::bench
