#ifndef SERVICES_HOMEWORK_METRICS_METRICS_H_
#define SERVICES_HOMEWORK_METRICS_METRICS_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <tuple>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace therapy::homework {

// A histogram with fixed upper bounds (Prometheus `le`), cumulative when rendered.
class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void Observe(double value);
  // Appends the _bucket, _sum and _count lines of `name` with `labels` ("a=\"b\"" or empty).
  void Render(absl::string_view name, absl::string_view labels, std::string& out) const;

 private:
  std::vector<double> bounds_;
  std::vector<std::atomic<uint64_t>> counts_;  // one per bound, then +Inf
  std::atomic<uint64_t> count_{0};
  std::atomic<double> sum_{0};
};

// The process's operational metrics, rendered in the Prometheus text exposition format 0.0.4.
// Labels are only protocol names, method names of HomeworkService and status code names: never
// resource names, ids or anything a caller typed. Thread-safe.
class Metrics {
 public:
  Metrics();

  // One finished call. `protocol`: "grpc", "connect", "grpc_web"; `method`: a HomeworkService
  // method name (the caller checks it is one); `latency` from the first byte to the answer.
  void RecordCall(absl::string_view protocol, absl::string_view method, absl::StatusCode code,
                  absl::Duration latency);
  // One Store::Commit: how long it took and how many events it appended.
  void RecordCommit(absl::Duration latency, std::size_t events);
  // One transaction of the store's group commit: how many writes shared it.
  void RecordWriteBatch(std::size_t writes);
  // One point read the store's cache could answer (storage/cached_store.h): `kind` "client" or
  // "assignment" (others are not counted), and whether the cache had it.
  void RecordCacheLookup(absl::string_view kind, bool hit);
  // A value read at every scrape (open connections, open streams, ...). `name` must be a valid
  // metric name; `help` one line.
  void AddGauge(std::string name, std::string help, std::function<double()> read);

  std::string Render() const;

 private:
  using CallKey = std::tuple<std::string, std::string, std::string>;  // protocol, method, code
  using MethodKey = std::pair<std::string, std::string>;              // protocol, method
  struct Gauge {
    std::string name;
    std::string help;
    std::function<double()> read;
  };

  mutable absl::Mutex mutex_;
  absl::flat_hash_map<CallKey, uint64_t> calls_ ABSL_GUARDED_BY(mutex_);
  absl::flat_hash_map<MethodKey, std::unique_ptr<Histogram>> latency_ ABSL_GUARDED_BY(mutex_);
  std::vector<Gauge> gauges_ ABSL_GUARDED_BY(mutex_);
  Histogram commit_latency_;
  Histogram commit_events_;
  Histogram write_batch_;
  // Cache lookups by kind (kCacheKinds) then miss, hit.
  std::array<std::atomic<uint64_t>, 6> cache_lookups_{};
};

}  // namespace therapy::homework

#endif  // SERVICES_HOMEWORK_METRICS_METRICS_H_
