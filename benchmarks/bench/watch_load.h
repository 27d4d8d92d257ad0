#ifndef BENCHMARKS_BENCH_WATCH_LOAD_H_
#define BENCHMARKS_BENCH_WATCH_LOAD_H_

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <grpcpp/client_context.h>
#include <grpcpp/completion_queue.h>
#include <grpcpp/support/async_stream.h>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "benchmarks/bench/histogram.h"
#include "benchmarks/bench/homework_server_process.h"
#include "benchmarks/bench/process_stats.h"
#include "benchmarks/bench/served_process.h"
#include "therapy/homework/v1/event.pb.h"

namespace therapy::bench {

inline constexpr int kMaxWatchers = 10000;

struct WatchLoadOptions {
  int watchers = 1000;           // WatchEvents streams, 1..kMaxWatchers
  int channels = 8;              // connections the streams are spread over, 1..256
  double events_per_second = 5;  // completions written while the streams are open, 0.1..100
  absl::Duration duration = absl::Seconds(10);      // of writing, at most kMaxDuration
  absl::Duration open_timeout = absl::Seconds(60);  // for every stream to be live
  int polling_threads = 1;                          // 1 or 2
  std::string assignment;  // the active assignment the completions are recorded for
};

// What the load opens streams on and writes to.
struct WatchTarget {
  std::string name;  // in progress lines: "WatchEvents", "the echo's Fanout"
  // One stream of every event over connection `connection` (0..channels - 1), prepared, not
  // started; its metadata (authorization, deadline) is on `context`.
  std::function<std::unique_ptr<grpc::ClientAsyncReader<homework::v1::Event>>(
      grpc::ClientContext& context, int connection, grpc::CompletionQueue& queue)>
      prepare;
  // Writes the `number`th event and sets `resource` to what its deliveries carry in
  // Event.resource; blocks until the write is acknowledged.
  std::function<grpc::Status(int number, std::string& resource)> write;
};

// homework-server: WatchEvents for the whole practice as kTherapist; each write is a completion
// of `options.assignment` recorded as the service.
WatchTarget ServiceWatchTarget(const WatchLoadOptions& options, ServedProcess& server,
                               const Bearers& bearers);

// The echo's bare fan-out (Fanout in echo.proto): Watch streams; each write a Broadcast of an
// Event the size of the service's TYPE_COMPLETION_RECORDED event. The transport's limit for the
// same load.
WatchTarget FanoutWatchTarget(const WatchLoadOptions& options, ServedProcess& echo);

// What the scenario saw.
struct WatchLoadResult {
  int requested = 0;          // streams asked for
  int opened = 0;             // streams that went live (initial metadata received)
  int refused = 0;            // streams the server ended before they went live
  int abandoned = 0;          // streams still opening at the open timeout (then cancelled)
  absl::Duration open_time;   // until the last went live, or the open timeout
  ProcessStatus server_open;  // the server with every stream open, before any write
  int events_written = 0;     // completions acknowledged by the server
  std::array<uint64_t, 17> write_errors{};  // completions refused, by code
  Histogram write_latency;                  // CreateCompletion round trips
  uint64_t expected = 0;                    // opened (at the first write) x events_written
  uint64_t delivered = 0;                   // of those, received on a stream
  uint64_t before_ack = 0;        // received before the writer had its answer (counted as 0)
  Histogram delivery_after_ack;   // receive time - write acknowledged, per stream and event
  Histogram delivery_after_send;  // receive time - write sent
  std::array<uint64_t, 17> stream_ends{};  // streams the server ended before the bench did
  absl::Duration window;                   // first write sent to last delivery or drain end
  double deliveries_per_second() const;
  uint64_t missed() const;         // expected - delivered
  uint64_t errors() const;         // missed deliveries and refused writes
  std::string StreamEnds() const;  // "UNAVAILABLE=3", or "-"
};

// Opens `watchers` streams of `target` (at most 256 being opened at a time), spread over
// `channels` connections and read by `polling_threads` threads on one completion queue. Once
// they are live (or the open timeout passed: the streams not yet live are then cancelled, so
// every event has a fixed set of streams to reach) it reads the memory of `server` (the process
// serving `target`), then writes events at `events_per_second` for `duration`, each of which the
// server publishes to every stream, and measures, per stream and event, the time from the
// write's acknowledgement (and its sending) to its arrival. It waits up to 30 s for the last
// deliveries, then cancels every stream. Streams carry a deadline, so nothing outlives the
// scenario. Stops early when Interrupted().
absl::StatusOr<WatchLoadResult> RunWatchLoad(const WatchLoadOptions& options,
                                             const WatchTarget& target, ServedProcess& server);

}  // namespace therapy::bench

#endif  // BENCHMARKS_BENCH_WATCH_LOAD_H_
