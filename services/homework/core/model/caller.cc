#include "services/homework/core/model/caller.h"

#include <algorithm>
#include <cstdint>

#include "absl/random/random.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_format.h"

namespace therapy::homework {

absl::string_view RoleName(Role role) {
  switch (role) {
    case Role::kTherapist:
      return "therapist";
    case Role::kClient:
      return "client";
    case Role::kService:
      return "service";
    case Role::kAdmin:
      return "admin";
  }
  return "unknown";
}

std::optional<Role> ParseRole(absl::string_view name) {
  if (name == "therapist") return Role::kTherapist;
  if (name == "client") return Role::kClient;
  if (name == "service") return Role::kService;
  if (name == "admin") return Role::kAdmin;
  return std::nullopt;
}

std::string CallIdOr(absl::string_view given) {
  const bool usable =
      !given.empty() && given.size() <= 64 && std::all_of(given.begin(), given.end(), [](char c) {
        return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' ||
               c == '-';
      });
  if (usable) return std::string(given);
  thread_local absl::BitGen generator;
  return absl::StrFormat("%016x%016x", absl::Uniform<uint64_t>(generator),
                         absl::Uniform<uint64_t>(generator));
}

}  // namespace therapy::homework
