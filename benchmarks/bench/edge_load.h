#ifndef BENCHMARKS_BENCH_EDGE_LOAD_H_
#define BENCHMARKS_BENCH_EDGE_LOAD_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace therapy::bench {

// Hostile and idle load on the browser listener, held while a well-behaved caller measures:
// `idle` TCP connections that never send a byte, and `slow` ones that send a partial request
// header and then one byte every `slow_interval` (slowloris); a slow connection the server
// closes (its header timeout) is opened again at once, so `slow` stay open. Stops and closes
// everything on destruction.
class HeldConnections {
 public:
  static absl::StatusOr<std::unique_ptr<HeldConnections>> Open(int port, int idle, int slow,
                                                               absl::Duration slow_interval);
  ~HeldConnections();

  // Slow connections the server closed (and that were opened again) so far.
  uint64_t slow_reopened() const { return reopened_.load(); }

 private:
  HeldConnections(int port, absl::Duration slow_interval)
      : port_(port), slow_interval_(slow_interval) {}
  void Drip();

  const int port_;
  const absl::Duration slow_interval_;
  std::vector<int> idle_;
  std::vector<int> slow_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> reopened_{0};
  std::thread dripper_;
};

// `count` WatchEvents streams over Connect (application/connect+json) on the browser listener,
// each on its own connection, watching `parent` with `authorization`; returns once every stream
// has its answer's head (X-Watch-Cursor, within 180 s), or an error. Closed on destruction.
class BrowserWatchStreams {
 public:
  static absl::StatusOr<std::unique_ptr<BrowserWatchStreams>> Open(
      int port, int count, const std::string& parent, const std::string& authorization);
  ~BrowserWatchStreams();

 private:
  std::vector<int> sockets_;
};

}  // namespace therapy::bench

#endif  // BENCHMARKS_BENCH_EDGE_LOAD_H_
