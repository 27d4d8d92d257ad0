#include "services/homework/core/caller.h"

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

}  // namespace therapy::homework
