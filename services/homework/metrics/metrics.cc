#include "services/homework/metrics/metrics.h"

#include <algorithm>
#include <iterator>
#include <map>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace therapy::homework {
namespace {

const std::vector<double>& LatencyBounds() {
  static const auto* bounds = new std::vector<double>{
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  return *bounds;
}

std::string Number(double value) { return absl::StrFormat("%.9g", value); }

// The kinds of resource the store's cache holds, in Metrics::cache_lookups_'s order.
constexpr absl::string_view kCacheKinds[] = {"client", "assignment", "assignment list"};

}  // namespace

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), counts_(bounds_.size() + 1) {}

void Histogram::Observe(double value) {
  const size_t index = static_cast<size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), value) -
                                           bounds_.begin());
  counts_[index].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  double sum = sum_.load(std::memory_order_relaxed);
  while (!sum_.compare_exchange_weak(sum, sum + value, std::memory_order_relaxed)) {
  }
}

void Histogram::Render(absl::string_view name, absl::string_view labels, std::string& out) const {
  const std::string prefix = labels.empty() ? "" : absl::StrCat(labels, ",");
  uint64_t cumulative = 0;
  for (size_t i = 0; i < bounds_.size(); ++i) {
    cumulative += counts_[i].load(std::memory_order_relaxed);
    absl::StrAppend(&out, name, "_bucket{", prefix, "le=\"", Number(bounds_[i]), "\"} ", cumulative,
                    "\n");
  }
  cumulative += counts_[bounds_.size()].load(std::memory_order_relaxed);
  absl::StrAppend(&out, name, "_bucket{", prefix, "le=\"+Inf\"} ", cumulative, "\n");
  const std::string braces = labels.empty() ? "" : absl::StrCat("{", labels, "}");
  absl::StrAppend(&out, name, "_sum", braces, " ", Number(sum_.load()), "\n");
  absl::StrAppend(&out, name, "_count", braces, " ", count_.load(), "\n");
}

Metrics::Metrics()
    : commit_latency_(LatencyBounds()),
      commit_events_({0, 1, 2, 4, 8, 16, 32, 64, 128}),
      write_batch_({1, 2, 4, 8, 16, 32, 64, 128, 256}) {}

void Metrics::RecordCall(absl::string_view protocol, absl::string_view method,
                         absl::StatusCode code, absl::Duration latency) {
  Histogram* histogram = nullptr;
  {
    absl::MutexLock lock(&mutex_);
    ++calls_[CallKey(std::string(protocol), std::string(method), absl::StatusCodeToString(code))];
    std::unique_ptr<Histogram>& slot =
        latency_[MethodKey(std::string(protocol), std::string(method))];
    if (slot == nullptr) slot = std::make_unique<Histogram>(LatencyBounds());
    histogram = slot.get();
  }
  histogram->Observe(absl::ToDoubleSeconds(latency));
}

void Metrics::RecordWriteBatch(std::size_t writes) {
  write_batch_.Observe(static_cast<double>(writes));
}

void Metrics::RecordCacheLookup(absl::string_view kind, bool hit) {
  for (size_t i = 0; i < std::size(kCacheKinds); ++i) {
    if (kCacheKinds[i] == kind) {
      cache_lookups_[2 * i + (hit ? 1 : 0)].fetch_add(1, std::memory_order_relaxed);
    }
  }
}

void Metrics::RecordCommit(absl::Duration latency, std::size_t events) {
  commit_latency_.Observe(absl::ToDoubleSeconds(latency));
  commit_events_.Observe(static_cast<double>(events));
}

void Metrics::AddGauge(std::string name, std::string help, std::function<double()> read) {
  absl::MutexLock lock(&mutex_);
  gauges_.push_back(
      Gauge{.name = std::move(name), .help = std::move(help), .read = std::move(read)});
}

std::string Metrics::Render() const {
  std::string out;
  absl::MutexLock lock(&mutex_);
  // Sorted, so scrapes are stable and diffable.
  std::map<CallKey, uint64_t> calls(calls_.begin(), calls_.end());
  out += "# HELP homework_calls_total Finished calls by protocol, method and status code.\n";
  out += "# TYPE homework_calls_total counter\n";
  for (const auto& [key, count] : calls) {
    const auto& [protocol, method, code] = key;
    absl::StrAppend(&out, "homework_calls_total{protocol=\"", protocol, "\",method=\"", method,
                    "\",code=\"", code, "\"} ", count, "\n");
  }
  std::map<MethodKey, const Histogram*> latency;
  for (const auto& [key, histogram] : latency_) latency.emplace(key, histogram.get());
  out += "# HELP homework_call_latency_seconds Call latency by protocol and method.\n";
  out += "# TYPE homework_call_latency_seconds histogram\n";
  for (const auto& [key, histogram] : latency) {
    histogram->Render("homework_call_latency_seconds",
                      absl::StrCat("protocol=\"", key.first, "\",method=\"", key.second, "\""),
                      out);
  }
  out += "# HELP homework_store_commit_latency_seconds Store commits (a write with its audit).\n";
  out += "# TYPE homework_store_commit_latency_seconds histogram\n";
  commit_latency_.Render("homework_store_commit_latency_seconds", "", out);
  out += "# HELP homework_store_commit_events Events appended per store commit.\n";
  out += "# TYPE homework_store_commit_events histogram\n";
  commit_events_.Render("homework_store_commit_events", "", out);
  out +=
      "# HELP homework_store_write_batch_size Writes sharing one transaction (SQLite group "
      "commit).\n";
  out += "# TYPE homework_store_write_batch_size histogram\n";
  write_batch_.Render("homework_store_write_batch_size", "", out);
  out +=
      "# HELP homework_store_cache_lookups_total Reads the store's cache could answer, by "
      "kind and result.\n";
  out += "# TYPE homework_store_cache_lookups_total counter\n";
  for (size_t i = 0; i < std::size(kCacheKinds); ++i) {
    for (const bool hit : {false, true}) {
      absl::StrAppend(&out, "homework_store_cache_lookups_total{kind=\"", kCacheKinds[i],
                      "\",result=\"", hit ? "hit" : "miss", "\"} ",
                      cache_lookups_[2 * i + (hit ? 1 : 0)].load(std::memory_order_relaxed), "\n");
    }
  }
  for (const Gauge& gauge : gauges_) {
    absl::StrAppend(&out, "# HELP ", gauge.name, " ", gauge.help, "\n# TYPE ", gauge.name,
                    " gauge\n", gauge.name, " ", Number(gauge.read()), "\n");
  }
  return out;
}

}  // namespace therapy::homework
