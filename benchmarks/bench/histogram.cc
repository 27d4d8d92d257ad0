#include "benchmarks/bench/histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace therapy::bench {

// Values below 2^(kSubBucketBits + 1) have a bucket each. Above, a value whose highest set bit is
// b keeps its top kSubBucketBits + 1 bits: bucket shift * 2^kSubBucketBits + (value >> shift)
// with shift = b - kSubBucketBits, which continues the exact range without a gap.
int Histogram::BucketOf(uint64_t value) {
  constexpr uint64_t kExact = uint64_t{1} << (kSubBucketBits + 1);
  if (value < kExact) return static_cast<int>(value);
  const int top_bit = 63 - std::countl_zero(value);
  const int shift = top_bit - kSubBucketBits;
  const int bucket = shift * (1 << kSubBucketBits) + static_cast<int>(value >> shift);
  return std::min(bucket, kBuckets - 1);
}

uint64_t Histogram::MiddleOf(int bucket) {
  constexpr int kSub = 1 << kSubBucketBits;
  if (bucket < 2 * kSub) return static_cast<uint64_t>(bucket);
  const int shift = bucket / kSub - 1;
  const uint64_t low = static_cast<uint64_t>(bucket % kSub + kSub) << shift;
  return low + ((uint64_t{1} << shift) >> 1);
}

void Histogram::Record(int64_t nanoseconds) {
  const uint64_t value = nanoseconds < 0 ? 0 : static_cast<uint64_t>(nanoseconds);
  ++counts_[static_cast<size_t>(BucketOf(value))];
  ++count_;
  max_ = std::max(max_, static_cast<int64_t>(value));
  sum_ += static_cast<long double>(value);
}

void Histogram::Merge(const Histogram& other) {
  for (size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  max_ = std::max(max_, other.max_);
  sum_ += other.sum_;
}

int64_t Histogram::Percentile(double fraction) const {
  if (count_ == 0) return 0;
  const double wanted = std::ceil(std::clamp(fraction, 0.0, 1.0) * static_cast<double>(count_));
  const uint64_t rank = std::max<uint64_t>(1, static_cast<uint64_t>(wanted));
  uint64_t seen = 0;
  for (int bucket = 0; bucket < kBuckets; ++bucket) {
    seen += counts_[static_cast<size_t>(bucket)];
    if (seen >= rank) {
      return std::min(static_cast<int64_t>(MiddleOf(bucket)), max_);
    }
  }
  return max_;
}

double Histogram::mean() const {
  return count_ == 0 ? 0.0 : static_cast<double>(sum_ / static_cast<long double>(count_));
}

}  // namespace therapy::bench
