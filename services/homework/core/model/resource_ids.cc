#include "services/homework/core/model/resource_ids.h"

#include <algorithm>
#include <cstdint>

#include "absl/random/random.h"
#include "absl/strings/string_view.h"

namespace therapy::homework {
namespace {

// Crockford's base-32 digits in lower case: ascending in ASCII as in value.
constexpr absl::string_view kIdDigits = "0123456789abcdefghjkmnpqrstvwxyz";
constexpr int kIdTimeDigits = 10;    // 50 bits of milliseconds: until the year 37648
constexpr int kIdRandomDigits = 10;  // 50 random bits

}  // namespace

std::string NewResourceId(absl::Time now) {
  thread_local absl::BitGen generator;
  const uint64_t millis = static_cast<uint64_t>(std::max<int64_t>(absl::ToUnixMillis(now), 0));
  const uint64_t random = absl::Uniform<uint64_t>(generator) >> (64 - 5 * kIdRandomDigits);
  std::string id(kIdTimeDigits + kIdRandomDigits, '0');
  for (int i = 0; i < kIdTimeDigits; ++i) {
    id[kIdTimeDigits - 1 - i] = kIdDigits[(millis >> (5 * i)) & 31];
  }
  for (int i = 0; i < kIdRandomDigits; ++i) {
    id[kIdTimeDigits + kIdRandomDigits - 1 - i] = kIdDigits[(random >> (5 * i)) & 31];
  }
  return id;
}

}  // namespace therapy::homework
