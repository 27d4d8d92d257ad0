#ifndef SERVICES_HOMEWORK_CORE_MODEL_CALLER_H_
#define SERVICES_HOMEWORK_CORE_MODEL_CALLER_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace therapy::homework {

// What an authenticated caller is allowed to be. Comes from the `role` claim of its token.
enum class Role {
  kTherapist,  // reaches the clients whose care team names it
  kClient,     // reaches only the Client whose id equals its subject
  kService,    // a platform backend: manages clients, reads everything in its practice
  kAdmin,      // a practice administrator: everything in its practice
};

// The claim value for `role`: "therapist", "client", "service", "admin".
absl::string_view RoleName(Role role);

// Parses a `role` claim; nullopt for anything else.
std::optional<Role> ParseRole(absl::string_view name);

// The id of a call: `given` (a request id the caller sent) when it is 1-64 characters of
// [A-Za-z0-9._-], otherwise a new random one. Read once per call, by every transport: it names
// the call in the logs and the audit log.
std::string CallIdOr(absl::string_view given);

// An authenticated caller: who it is, in which practice, as what, and the id of this call (for
// the audit log and the structured logs). Built by the RPC layer from verified token claims;
// the core trusts it.
struct Caller {
  std::string subject;   // the `sub` claim
  std::string practice;  // the practice id (not the resource name)
  Role role = Role::kClient;
  std::string call_id;  // unique per RPC, from `x-request-id` or generated
};

}  // namespace therapy::homework

#endif  // SERVICES_HOMEWORK_CORE_MODEL_CALLER_H_
