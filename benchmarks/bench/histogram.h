#ifndef BENCHMARKS_BENCH_HISTOGRAM_H_
#define BENCHMARKS_BENCH_HISTOGRAM_H_

#include <array>
#include <cstdint>

namespace therapy::bench {

// Latencies in nanoseconds, in log-linear buckets: exact below 256 ns, then 128 buckets per power
// of two, so a percentile is off by at most 1/256 (0.4 %) of its value (it reports the middle of
// its bucket). Values above about
// 18 minutes land in the last bucket. Fixed size (60 KiB), no allocation: one per polling thread,
// merged at the end. Not thread-safe.
class Histogram {
 public:
  void Record(int64_t nanoseconds);
  void Merge(const Histogram& other);

  uint64_t count() const { return count_; }
  // The smallest recorded value v such that at least `fraction` of the values are <= v (nearest
  // rank), reported as the middle of its bucket; 0 when empty. `fraction` in [0, 1].
  int64_t Percentile(double fraction) const;
  int64_t max() const { return max_; }
  double mean() const;

 private:
  static constexpr int kSubBucketBits = 7;
  static constexpr int kBuckets = (64 - kSubBucketBits + 1) << kSubBucketBits;
  static int BucketOf(uint64_t value);
  static uint64_t MiddleOf(int bucket);

  std::array<uint64_t, kBuckets> counts_{};
  uint64_t count_ = 0;
  int64_t max_ = 0;
  long double sum_ = 0;
};

}  // namespace therapy::bench

#endif  // BENCHMARKS_BENCH_HISTOGRAM_H_
