#ifndef BENCHMARKS_BENCH_UNARY_LOAD_H_
#define BENCHMARKS_BENCH_UNARY_LOAD_H_

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <grpcpp/client_context.h>
#include <grpcpp/completion_queue.h>
#include <grpcpp/support/async_unary_call.h>
#include <grpcpp/support/status.h>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "benchmarks/bench/histogram.h"
#include "services/homework/client/call.h"

namespace therapy::bench {

// Limits every load loop respects.
inline constexpr int kMaxConcurrency = 20000;
inline constexpr absl::Duration kMaxDuration = absl::Seconds(120);
inline constexpr absl::Duration kMaxWarmup = absl::Seconds(10);
inline constexpr double kMaxRate = 1'000'000;  // open-loop calls a second

// One unary call in flight: owns its context, request, response and status until the completion
// queue hands back its tag.
class PendingCall {
 public:
  virtual ~PendingCall() = default;
  virtual const grpc::Status& status() const = 0;
  virtual grpc::ClientContext& context() = 0;
};

// Starts call number `sequence` (0, 1, 2, ...): the completion queue will return `tag` when it
// ends. Called from the polling threads, concurrently: must be thread-safe.
using CallStarter = std::function<std::unique_ptr<PendingCall>(
    uint64_t sequence, grpc::CompletionQueue& queue, void* tag)>;

// A CallStarter for one method of a generated async stub. `prepare` is the stub's
// PrepareAsync<Method> bound to the stub; `fill` writes request number `sequence`; every call
// carries `metadata` and a deadline of `deadline` from its start.
template <typename Request, typename Response>
CallStarter UnaryCalls(std::function<std::unique_ptr<grpc::ClientAsyncResponseReader<Response>>(
                           grpc::ClientContext*, const Request&, grpc::CompletionQueue*)>
                           prepare,
                       std::function<void(uint64_t sequence, Request&)> fill,
                       std::vector<std::pair<std::string, std::string>> metadata,
                       absl::Duration deadline) {
  class Call final : public PendingCall {
   public:
    const grpc::Status& status() const override { return status_; }
    grpc::ClientContext& context() override { return context_; }
    grpc::ClientContext context_;
    Request request_;
    Response response_;
    grpc::Status status_;
    std::unique_ptr<grpc::ClientAsyncResponseReader<Response>> reader_;
  };
  return [prepare = std::move(prepare), fill = std::move(fill), metadata = std::move(metadata),
          deadline](uint64_t sequence, grpc::CompletionQueue& queue, void* tag) {
    auto call = std::make_unique<Call>();
    for (const auto& [key, value] : metadata) call->context_.AddMetadata(key, value);
    call->context_.set_deadline(homework::client::DeadlineAfter(deadline));
    fill(sequence, call->request_);
    call->reader_ = prepare(&call->context_, call->request_, &queue);
    call->reader_->StartCall();
    call->reader_->Finish(&call->response_, &call->status_, tag);
    return call;
  };
}

struct UnaryLoadOptions {
  std::string label;    // for progress lines, e.g. "read sqlite x16"
  int concurrency = 1;  // calls in flight (with `rate`, at most), 1..kMaxConcurrency
  // 0: a closed loop. Above 0: an open loop at this many calls a second (see RunUnaryLoad).
  double rate = 0;
  absl::Duration warmup = absl::Seconds(1);     // calls made, not counted
  absl::Duration duration = absl::Seconds(10);  // the measured window, at most kMaxDuration
  int polling_threads = 1;                      // threads polling the completion queue: 1 or 2
  absl::Duration progress_interval = absl::Seconds(2);  // progress lines on stderr
};

// What the measured window saw: calls that ended inside it.
struct UnaryLoadResult {
  uint64_t calls = 0;                  // ended in the window, any status
  std::array<uint64_t, 17> by_code{};  // grpc::StatusCode -> calls
  Histogram latency;                   // of the calls that ended OK
  absl::Duration window;               // measured time
  uint64_t ok_all = 0;                 // OK calls that ended at any time: warm-up, window and drain
  uint64_t ok() const { return by_code[0]; }
  uint64_t errors() const { return calls - ok(); }
  double ok_per_second() const;
  std::string ErrorsByCode() const;  // "UNAVAILABLE=3 DEADLINE_EXCEEDED=1", or "-"
};

// A closed loop: `concurrency` calls in flight on one completion queue, each replaced by the
// next as soon as it ends, for warmup + duration. Afterwards it waits for the calls still in
// flight (each bounded by its deadline), cancelling any left after 30 s. Latency is measured
// from just before the call starts to the moment a polling thread sees it end. Stops early,
// with what it has, when Interrupted().
//
// With `rate`, an open loop instead: call i is due at i / rate seconds from the start, whatever
// the calls before it are doing, as callers that do not wait for each other (patients and
// therapists, other backends) make them. A call due while `concurrency` are in flight starts
// when one ends. Latency is measured from when the call was due, not when it could start, so a
// server that stalls is charged for every call that came due during the stall (a closed loop
// charges only those in flight: "coordinated omission").
absl::StatusOr<UnaryLoadResult> RunUnaryLoad(const UnaryLoadOptions& options,
                                             const CallStarter& start);

// The name of a status code, e.g. "UNAVAILABLE".
std::string CodeName(int code);

}  // namespace therapy::bench

#endif  // BENCHMARKS_BENCH_UNARY_LOAD_H_
