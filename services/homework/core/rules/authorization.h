#ifndef SERVICES_HOMEWORK_CORE_RULES_AUTHORIZATION_H_
#define SERVICES_HOMEWORK_CORE_RULES_AUTHORIZATION_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/homework/core/model/caller.h"
#include "services/homework/core/model/resource_names.h"
#include "therapy/homework/v1/client.pb.h"

namespace therapy::homework {

// What a caller wants to do. Each use case names exactly one.
enum class Action {
  kManageClients,      // create or update a client, change a care team
  kListClients,        // list a practice's clients
  kReadClient,         // read a client and its assignments and completions
  kWriteAssignment,    // create, update, activate, cancel or complete an assignment
  kRecordCompletion,   // record a completion
  kReviewCompletion,   // review a completion
  kDecideProgression,  // advance or step back on an exposure hierarchy
  kReadLibrary,        // read the practice's template library
  kManageLibrary,      // add to or change the practice's template library
  kRaiseFlag,          // raise an urgent flag ("I need help now")
  kReadFlags,          // read a client's urgent flags
  kAcknowledgeFlag,    // acknowledge an urgent flag
  kResolveFlag,        // resolve an urgent flag
  kManageSession,      // create or end a live session with a client
  kJoinSession,        // be present in a live session (its client, its care team)
  kShapeDraft,         // change the own plan fields of a draft shaped in a live session
};

// The first half of an authorisation decision, made from the caller and the target's name alone,
// so that it runs before anything is looked up and never depends on whether the target exists.
enum class Grant {
  kGranted,       // allowed, nothing more to check
  kIfOnCareTeam,  // allowed only if the target client's care team names the caller
};

// Decides what can be decided without a lookup. PERMISSION_DENIED when the caller's practice is
// not the target's, or the role may never do `action`, or a client targets someone else.
absl::StatusOr<Grant> Authorize(const Caller& caller, Action action, const ClientName& target);
absl::StatusOr<Grant> Authorize(const Caller& caller, Action action, const PracticeName& target);

// The refusal of `action` on `target` (a resource name), worded as every other refusal: for a
// resource whose client is known only once it is loaded (a session), and that is missing.
absl::Status Denied(const Caller& caller, Action action, absl::string_view target);

// The second half for kIfOnCareTeam: `client` is the loaded target, nullptr when it does not
// exist. A missing client and a client of someone else's are refused alike, so existence never
// leaks.
absl::Status AuthorizeCareTeam(const Caller& caller, Action action, const ClientName& target,
                               const v1::Client* client);

}  // namespace therapy::homework

#endif  // SERVICES_HOMEWORK_CORE_RULES_AUTHORIZATION_H_
