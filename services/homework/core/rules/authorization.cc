#include "services/homework/core/rules/authorization.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace therapy::homework {
namespace {

absl::string_view Verb(Action action) {
  switch (action) {
    case Action::kManageClients:
      return "manage clients of";
    case Action::kListClients:
      return "list clients of";
    case Action::kReadClient:
      return "read";
    case Action::kWriteAssignment:
      return "change assignments of";
    case Action::kRecordCompletion:
      return "record completions for";
    case Action::kReviewCompletion:
      return "review completions of";
    case Action::kDecideProgression:
      return "move the exposure hierarchies of";
    case Action::kReadLibrary:
      return "read the template library of";
    case Action::kManageLibrary:
      return "change the template library of";
    case Action::kRaiseFlag:
      return "raise urgent flags for";
    case Action::kReadFlags:
      return "read the urgent flags of";
    case Action::kAcknowledgeFlag:
      return "acknowledge the urgent flags of";
    case Action::kResolveFlag:
      return "resolve the urgent flags of";
    case Action::kManageSession:
      return "start or end sessions of";
    case Action::kJoinSession:
      return "join";
    case Action::kShapeDraft:
      return "change the plan of drafts of";
  }
  return "act on";
}

// Which roles may do what at all (before looking at the target). The client's own-self rule
// and the therapist's care-team rule are applied by the callers of this table.
bool RoleMay(Role role, Action action) {
  switch (action) {
    case Action::kManageClients:
      return role == Role::kService || role == Role::kAdmin;
    case Action::kListClients:
      return role != Role::kClient;
    case Action::kReadClient:
      return true;
    case Action::kWriteAssignment:
      return role == Role::kTherapist || role == Role::kAdmin;
    case Action::kRecordCompletion:
      return role == Role::kClient || role == Role::kService;
    case Action::kReviewCompletion:
    case Action::kDecideProgression:
      return role == Role::kTherapist;
    case Action::kReadLibrary:
      return true;
    case Action::kManageLibrary:
      return role == Role::kTherapist || role == Role::kAdmin;
    // Flags: the client raises its own and never acknowledges or resolves one; acknowledging is
    // the care team's therapists', resolving also an admin's.
    case Action::kRaiseFlag:
      return role == Role::kClient || role == Role::kService;
    case Action::kReadFlags:
      return role != Role::kClient;
    case Action::kAcknowledgeFlag:
      return role == Role::kTherapist;
    case Action::kResolveFlag:
      return role == Role::kTherapist || role == Role::kAdmin;
    // Sessions: the platform (service), the care team or an admin starts and ends one; only
    // the people in it join it; a client changes only its own plan, of its own drafts.
    case Action::kManageSession:
      return role != Role::kClient;
    case Action::kJoinSession:
      return role == Role::kTherapist || role == Role::kClient;
    case Action::kShapeDraft:
      return role == Role::kClient;
  }
  return false;
}

}  // namespace

absl::Status Denied(const Caller& caller, Action action, absl::string_view target) {
  return absl::PermissionDeniedError(absl::StrCat("caller with role ", RoleName(caller.role),
                                                  " may not ", Verb(action), " ", target));
}

absl::StatusOr<Grant> Authorize(const Caller& caller, Action action, const PracticeName& target) {
  if (caller.practice != target.practice || !RoleMay(caller.role, action)) {
    return Denied(caller, action, target.Format());
  }
  return Grant::kGranted;
}

absl::StatusOr<Grant> Authorize(const Caller& caller, Action action, const ClientName& target) {
  if (caller.practice != target.practice || !RoleMay(caller.role, action)) {
    return Denied(caller, action, target.Format());
  }
  switch (caller.role) {
    case Role::kClient:
      if (caller.subject != target.client) return Denied(caller, action, target.Format());
      return Grant::kGranted;
    case Role::kTherapist:
      return Grant::kIfOnCareTeam;
    case Role::kService:
    case Role::kAdmin:
      return Grant::kGranted;
  }
  return Denied(caller, action, target.Format());
}

absl::Status AuthorizeCareTeam(const Caller& caller, Action action, const ClientName& target,
                               const v1::Client* client) {
  if (client == nullptr || std::find(client->care_team().begin(), client->care_team().end(),
                                     caller.subject) == client->care_team().end()) {
    return Denied(caller, action, target.Format());
  }
  return absl::OkStatus();
}

}  // namespace therapy::homework
