#include "services/homework/core/homework.h"

#include <algorithm>
#include <array>
#include <iterator>
#include <optional>
#include <utility>

#include <openssl/sha.h>

#include "absl/random/random.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/util/field_mask_util.h"
#include "services/homework/core/deferred_audit.h"
#include "services/homework/core/homework_internal.h"
#include "services/homework/core/model/flag_reasons.h"
#include "services/homework/core/model/proto_time.h"
#include "services/homework/core/model/resource_ids.h"
#include "services/homework/core/model/resource_names.h"
#include "services/homework/core/model/time_zone.h"
#include "services/homework/core/rules/measure_scoring.h"
#include "services/homework/core/rules/review_summary.h"
#include "services/homework/core/rules/validation.h"
#include "services/homework/core/status_macros.h"
#include "services/homework/core/templates.h"

namespace therapy::homework {
namespace {

// The fields UpdateClient and UpdateAssignment may change.
constexpr std::initializer_list<absl::string_view> kClientMutable = {
    "display_name", "time_zone", "care_team", "last_session_time", "next_session_time"};
constexpr std::initializer_list<absl::string_view> kAssignmentMutable = {
    "title", "exercise", "rationale", "phase", "schedule", "session_id", "session"};
// The plan of a draft that is the client's own: what its client may change while the session
// the draft was shaped in is live (UpdateAssignment).
constexpr std::initializer_list<absl::string_view> kClientPlanFields = {
    "schedule.preferred_local_time", "schedule.habit_anchor", "schedule.environmental_cue",
    "schedule.minimum_version", "schedule.if_then_plan"};

}  // namespace

std::string RequestFingerprint(const google::protobuf::Message& request) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream output(&bytes);
    google::protobuf::io::CodedOutputStream coded(&output);
    coded.SetSerializationDeterministic(true);
    request.SerializeToCodedStream(&coded);
  }
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), sizeof(digest)));
}

Homework::Homework(Store& store, HomeworkOptions options)
    : store_(store), options_(std::move(options)) {}

std::string Homework::NewId() const {
  return options_.new_id ? options_.new_id() : NewResourceId(options_.now());
}

AuditRecord Homework::MakeAudit(const Caller& caller, absl::string_view method,
                                absl::string_view resource, const absl::Status& outcome) const {
  return AuditRecord{
      .actor = caller.subject,
      .role = std::string(RoleName(caller.role)),
      .practice = caller.practice,
      .action = std::string(method),
      .resource = std::string(resource),
      .call_id = caller.call_id,
      .time = options_.now(),
      .outcome = outcome.ok() ? "OK" : absl::StatusCodeToString(outcome.code()),
  };
}

absl::Status Homework::AuditUnavailable() {
  return absl::UnavailableError("the audit log could not be written; nothing was returned");
}

absl::Status Homework::Audit(const Caller& caller, absl::string_view method,
                             absl::string_view resource, const absl::Status& outcome) {
  if (outcome.code() == absl::StatusCode::kInvalidArgument) return absl::OkStatus();
  AuditRecord record = MakeAudit(caller, method, resource, outcome);
  if (DeferredAudit* deferred = DeferredAudit::Active(); deferred != nullptr) {
    deferred->Add(std::move(record));
    return absl::OkStatus();
  }
  if (!store_.AppendAudit(record).ok()) return AuditUnavailable();
  return absl::OkStatus();
}

absl::Status Homework::AuthorizeClient(const Caller& caller, Action action,
                                       const ClientName& target, absl::string_view method) {
  absl::StatusOr<Grant> grant = Authorize(caller, action, target);
  absl::Status decision = grant.status();
  if (grant.ok() && *grant == Grant::kIfOnCareTeam) {
    ASSIGN_OR_RETURN(std::optional<v1::Client> client, store_.GetClient(target.Format()));
    decision = AuthorizeCareTeam(caller, action, target, client ? &*client : nullptr);
  }
  if (!decision.ok()) Audit(caller, method, target.Format(), decision).IgnoreError();
  return decision;
}

absl::Status Homework::AuthorizePractice(const Caller& caller, Action action,
                                         const PracticeName& target, absl::string_view method,
                                         absl::string_view resource) {
  const absl::Status decision = Authorize(caller, action, target).status();
  if (!decision.ok()) Audit(caller, method, resource, decision).IgnoreError();
  return decision;
}

// ---------------------------------------------------------------------------------------------
// Clients

absl::StatusOr<v1::Client> Homework::CreateClient(const Caller& caller,
                                                  const v1::CreateClientRequest& request) {
  constexpr absl::string_view kMethod = "CreateClient";
  ASSIGN_OR_RETURN(PracticeName parent, ParsePracticeName("parent", request.parent()));
  Violations violations;
  if (!request.client_id().empty() && !IsValidResourceId(request.client_id())) {
    violations.Add("client_id", "must be 1-63 characters of [a-z0-9-], not starting with -");
  }
  ValidateRequestId(request.request_id(), violations);
  ValidateClient(request.client(), options_.now(), "client", violations);
  RETURN_IF_ERROR(violations.ToStatus());
  RETURN_IF_ERROR(
      AuthorizePractice(caller, Action::kManageClients, parent, kMethod, parent.Format()));

  const std::optional<IdempotencyKey> key = KeyFor(caller, kMethod, request.request_id());
  const std::string fingerprint = RequestFingerprint(request);
  auto write = [&]() -> absl::StatusOr<CreateAttempt<v1::Client>> {
    const absl::Time now = options_.now();
    v1::Client client = request.client();
    const std::string id = request.client_id().empty() ? NewId() : request.client_id();
    client.set_name(ClientName{parent.practice, id}.Format());
    *client.mutable_create_time() = ToProtoTime(now);
    *client.mutable_update_time() = ToProtoTime(now);
    client.set_etag(NewId());

    Mutation mutation{.client = Put<v1::Client>{WriteMode::kInsert, client, ""},
                      .idempotency = key,
                      .idempotent_result = client.name(),
                      .request_fingerprint = fingerprint,
                      .audit = MakeAudit(caller, kMethod, client.name(), absl::OkStatus())};
    absl::StatusOr<CommitOutcome> outcome = Commit(mutation);
    if (absl::IsAlreadyExists(outcome.status())) {
      return absl::AlreadyExistsError(absl::StrCat("client ", client.name(), " already exists"));
    }
    if (!outcome.ok()) return outcome.status();
    return CreateAttempt<v1::Client>{std::move(client), *outcome};
  };
  return FinishWrite(caller, kMethod, parent.Format(),
                     CreateOnce(store_, &Store::GetClient, key, fingerprint, write));
}

absl::StatusOr<v1::Client> Homework::GetClient(const Caller& caller,
                                               const v1::GetClientRequest& request) {
  constexpr absl::string_view kMethod = "GetClient";
  ASSIGN_OR_RETURN(ClientName name, ParseClientName("name", request.name()));
  RETURN_IF_ERROR(AuthorizeClient(caller, Action::kReadClient, name, kMethod));
  absl::StatusOr<v1::Client> client =
      Found(store_.GetClient(request.name()), "client", request.name());
  RETURN_IF_ERROR(Audit(caller, kMethod, request.name(), client.status()));
  return client;
}

absl::StatusOr<v1::CallerIdentity> Homework::GetCaller(const Caller& caller,
                                                       const v1::GetCallerRequest& /*request*/) {
  v1::CallerIdentity identity;
  identity.set_subject(caller.subject);
  identity.set_practice(absl::StrCat("practices/", caller.practice));
  switch (caller.role) {
    case Role::kTherapist:
      identity.set_role(v1::CallerIdentity::ROLE_THERAPIST);
      break;
    case Role::kClient:
      identity.set_role(v1::CallerIdentity::ROLE_CLIENT);
      identity.set_client(ClientName{caller.practice, caller.subject}.Format());
      break;
    case Role::kService:
      identity.set_role(v1::CallerIdentity::ROLE_SERVICE);
      break;
    case Role::kAdmin:
      identity.set_role(v1::CallerIdentity::ROLE_ADMIN);
      break;
  }
  return identity;
}

absl::StatusOr<v1::Client> Homework::UpdateClient(const Caller& caller,
                                                  const v1::UpdateClientRequest& request) {
  constexpr absl::string_view kMethod = "UpdateClient";
  const v1::Client& patch = request.client();
  ASSIGN_OR_RETURN(ClientName name, ParseClientName("client.name", patch.name()));
  RETURN_IF_ERROR(CheckMask(request.update_mask(), v1::Client::descriptor(), kClientMutable));
  RETURN_IF_ERROR(AuthorizeClient(caller, Action::kManageClients, name, kMethod));

  auto update = [&]() -> absl::StatusOr<Written<v1::Client>> {
    ASSIGN_OR_RETURN(v1::Client current,
                     Found(store_.GetClient(patch.name()), "client", patch.name()));
    RETURN_IF_ERROR(CheckEtag("client.etag", patch.etag(), current.etag()));
    v1::Client client = current;
    ApplyMask(request.update_mask(), kClientMutable, patch, client);
    Violations violations;
    ValidateClient(client, options_.now(), "client", violations);
    RETURN_IF_ERROR(violations.ToStatus());
    *client.mutable_update_time() = ToProtoTime(options_.now());
    client.set_etag(NewId());
    Mutation mutation{.client = Put<v1::Client>{WriteMode::kUpdate, client, current.etag()},
                      .audit = MakeAudit(caller, kMethod, client.name(), absl::OkStatus())};
    RETURN_IF_ERROR(Commit(mutation).status());
    return Written<v1::Client>{std::move(client), false};
  };
  return FinishWrite(caller, kMethod, patch.name(), update());
}

absl::StatusOr<v1::ListClientsResponse> Homework::ListClients(
    const Caller& caller, const v1::ListClientsRequest& request) {
  constexpr absl::string_view kMethod = "ListClients";
  ASSIGN_OR_RETURN(PracticeName parent, ParsePracticeName("parent", request.parent()));
  ASSIGN_OR_RETURN(int page_size, ValidatePageSize(request.page_size()));
  RETURN_IF_ERROR(
      AuthorizePractice(caller, Action::kListClients, parent, kMethod, parent.Format()));
  ClientQuery query{.practice_name = parent.Format(),
                    .page = {.page_size = page_size, .page_token = request.page_token()}};
  // A therapist lists only the clients whose care team names them.
  if (caller.role == Role::kTherapist) query.care_team_member = caller.subject;

  absl::StatusOr<Page<v1::Client>> page = store_.ListClients(query);
  RETURN_IF_ERROR(Audit(caller, kMethod, parent.Format(), page.status()));
  if (!page.ok()) return ListStatus(page.status());
  v1::ListClientsResponse response;
  for (v1::Client& client : page->items) *response.add_clients() = std::move(client);
  response.set_next_page_token(page->next_page_token);
  return response;
}

// ---------------------------------------------------------------------------------------------
// Assignments

absl::StatusOr<v1::Assignment> Homework::CreateAssignment(
    const Caller& caller, const v1::CreateAssignmentRequest& request) {
  constexpr absl::string_view kMethod = "CreateAssignment";
  ASSIGN_OR_RETURN(ClientName parent, ParseClientName("parent", request.parent()));
  // A template is the base and the request's assignment is merged over it (templates.h). The
  // built-in library needs no lookup, so validation still comes first; a practice's own
  // template is practice data, read and validated only after authorisation.
  const bool own_template = IsPracticeTemplateName(request.template_());
  v1::Assignment proposed = request.assignment();
  if (!request.template_().empty() && !own_template) {
    ASSIGN_OR_RETURN(proposed,
                     AssignmentFromTemplate("template", request.template_(), request.assignment()));
  }
  Violations violations;
  ValidateRequestId(request.request_id(), violations);
  if (!own_template) ValidateAssignment(proposed, "assignment", violations);
  RETURN_IF_ERROR(violations.ToStatus());
  RETURN_IF_ERROR(AuthorizeClient(caller, Action::kWriteAssignment, parent, kMethod));

  const std::optional<IdempotencyKey> key = KeyFor(caller, kMethod, request.request_id());
  const std::string fingerprint = RequestFingerprint(request);
  auto write = [&]() -> absl::StatusOr<CreateAttempt<v1::Assignment>> {
    RETURN_IF_ERROR(Found(store_.GetClient(request.parent()), "client", request.parent()).status());
    if (own_template) {
      ASSIGN_OR_RETURN(v1::Template base,
                       FindPracticeTemplate("template", request.template_(), parent.practice));
      proposed = AssignmentFromTemplate(base, request.assignment());
      Violations content;
      ValidateAssignment(proposed, "assignment", content);
      RETURN_IF_ERROR(content.ToStatus());
    }
    RETURN_IF_ERROR(CheckExposureStep(proposed, parent));
    if (!proposed.session().empty()) {
      RETURN_IF_ERROR(CheckDraftSession("assignment.session", proposed.session(), parent));
    }

    const absl::Time now = options_.now();
    v1::Assignment assignment = std::move(proposed);
    assignment.set_name(AssignmentName{parent, NewId()}.Format());
    assignment.set_assigned_by(caller.subject);
    assignment.set_state(v1::Assignment::STATE_DRAFT);
    *assignment.mutable_create_time() = ToProtoTime(now);
    *assignment.mutable_update_time() = ToProtoTime(now);
    assignment.clear_activate_time();
    assignment.clear_cancel_time();
    assignment.clear_cancel_reason();
    assignment.set_etag(NewId());

    Mutation mutation{.assignment = Put<v1::Assignment>{WriteMode::kInsert, assignment, ""},
                      .events = {MakeEvent(caller, v1::Event::TYPE_ASSIGNMENT_CREATED,
                                           parent.Format(), assignment.name())},
                      .idempotency = key,
                      .idempotent_result = assignment.name(),
                      .request_fingerprint = fingerprint,
                      .audit = MakeAudit(caller, kMethod, assignment.name(), absl::OkStatus())};
    ASSIGN_OR_RETURN(CommitOutcome outcome, Commit(mutation));
    return CreateAttempt<v1::Assignment>{std::move(assignment), outcome};
  };
  return FinishWrite(caller, kMethod, parent.Format(),
                     CreateOnce(store_, &Store::GetAssignment, key, fingerprint, write));
}

absl::StatusOr<v1::Assignment> Homework::GetAssignment(const Caller& caller,
                                                       const v1::GetAssignmentRequest& request) {
  constexpr absl::string_view kMethod = "GetAssignment";
  ASSIGN_OR_RETURN(AssignmentName name, ParseAssignmentName("name", request.name()));
  RETURN_IF_ERROR(AuthorizeClient(caller, Action::kReadClient, name.client, kMethod));
  absl::StatusOr<v1::Assignment> assignment =
      Found(store_.GetAssignment(request.name()), "assignment", request.name());
  RETURN_IF_ERROR(Audit(caller, kMethod, request.name(), assignment.status()));
  return assignment;
}

absl::StatusOr<v1::ListAssignmentsResponse> Homework::ListAssignments(
    const Caller& caller, const v1::ListAssignmentsRequest& request) {
  constexpr absl::string_view kMethod = "ListAssignments";
  ASSIGN_OR_RETURN(ClientName parent, ParseClientName("parent", request.parent()));
  ASSIGN_OR_RETURN(int page_size, ValidatePageSize(request.page_size()));
  AssignmentQuery query{.client_name = parent.Format(),
                        .page = {.page_size = page_size, .page_token = request.page_token()}};
  for (int i = 0; i < request.states_size(); ++i) {
    const auto state = static_cast<v1::Assignment::State>(request.states(i));
    if (state == v1::Assignment::STATE_UNSPECIFIED || !v1::Assignment::State_IsValid(state)) {
      return InvalidField(absl::StrCat("states[", i, "]"), "must be a STATE_ value");
    }
    query.states.push_back(state);
  }
  RETURN_IF_ERROR(AuthorizeClient(caller, Action::kReadClient, parent, kMethod));

  absl::StatusOr<Page<v1::Assignment>> page = store_.ListAssignments(query);
  RETURN_IF_ERROR(Audit(caller, kMethod, parent.Format(), page.status()));
  if (!page.ok()) return ListStatus(page.status());
  v1::ListAssignmentsResponse response;
  for (v1::Assignment& assignment : page->items) {
    *response.add_assignments() = std::move(assignment);
  }
  response.set_next_page_token(page->next_page_token);
  return response;
}

absl::StatusOr<v1::Assignment> Homework::UpdateAssignment(
    const Caller& caller, const v1::UpdateAssignmentRequest& request) {
  constexpr absl::string_view kMethod = "UpdateAssignment";
  const v1::Assignment& patch = request.assignment();
  ASSIGN_OR_RETURN(AssignmentName name, ParseAssignmentName("assignment.name", patch.name()));
  RETURN_IF_ERROR(
      CheckMask(request.update_mask(), v1::Assignment::descriptor(), kAssignmentMutable));
  // The care team changes any field; the client only its own plan, of a draft shaped in a
  // session that is still live (checked once the draft is loaded).
  const bool as_client = caller.role == Role::kClient;
  RETURN_IF_ERROR(AuthorizeClient(
      caller, as_client ? Action::kShapeDraft : Action::kWriteAssignment, name.client, kMethod));
  if (as_client) {
    for (int i = 0; i < request.update_mask().paths_size(); ++i) {
      // A plan field, or a field inside one (`schedule.habit_anchor.client_words`).
      const std::string& path = request.update_mask().paths(i);
      if (std::any_of(kClientPlanFields.begin(), kClientPlanFields.end(),
                      [&](absl::string_view field) {
                        return absl::StartsWith(path, field) &&
                               (path.size() == field.size() || path[field.size()] == '.');
                      })) {
        continue;
      }
      absl::Status denied = absl::PermissionDeniedError(absl::StrCat(
          "update_mask.paths[", i, "] \"", path.substr(0, 100),
          "\": a client changes only its own plan of a draft (schedule.preferred_local_time, "
          "schedule.habit_anchor, schedule.environmental_cue, schedule.minimum_version, "
          "schedule.if_then_plan)"));
      Audit(caller, kMethod, patch.name(), denied).IgnoreError();
      return denied;
    }
  }

  auto update = [&]() -> absl::StatusOr<Written<v1::Assignment>> {
    ASSIGN_OR_RETURN(v1::Assignment current,
                     Found(store_.GetAssignment(patch.name()), "assignment", patch.name()));
    RETURN_IF_ERROR(CheckEtag("assignment.etag", patch.etag(), current.etag()));
    if (as_client) RETURN_IF_ERROR(ClientMayShape(caller, current, name.client));
    if (current.state() != v1::Assignment::STATE_DRAFT &&
        current.state() != v1::Assignment::STATE_ACTIVE) {
      return absl::FailedPreconditionError(
          absl::StrCat("assignment is ", v1::Assignment::State_Name(current.state()),
                       "; only draft and active assignments can be updated"));
    }
    v1::Assignment assignment = current;
    ApplyMask(request.update_mask(), kAssignmentMutable, patch, assignment);
    // Completions already recorded were validated against the kind; it cannot change under them.
    if (current.state() == v1::Assignment::STATE_ACTIVE &&
        assignment.exercise().kind() != current.exercise().kind()) {
      return absl::FailedPreconditionError(
          "the exercise kind of an active assignment cannot change; cancel it and create a new "
          "assignment");
    }
    Violations violations;
    ValidateAssignment(assignment, "assignment", violations);
    RETURN_IF_ERROR(violations.ToStatus());
    RETURN_IF_ERROR(CheckExposureStep(assignment, name.client));
    // A draft is reopened in a later session by naming it.
    if (!assignment.session().empty() && assignment.session() != current.session()) {
      if (current.state() != v1::Assignment::STATE_DRAFT) {
        return absl::FailedPreconditionError(
            "assignment.session: only a draft is shaped in (or reopened in) a session");
      }
      RETURN_IF_ERROR(CheckDraftSession("assignment.session", assignment.session(), name.client));
    }
    *assignment.mutable_update_time() = ToProtoTime(options_.now());
    assignment.set_etag(NewId());
    Mutation mutation{
        .assignment = Put<v1::Assignment>{WriteMode::kUpdate, assignment, current.etag()},
        .events = {MakeEvent(caller, v1::Event::TYPE_ASSIGNMENT_UPDATED, name.client.Format(),
                             assignment.name())},
        .audit = MakeAudit(caller, kMethod, assignment.name(), absl::OkStatus())};
    RETURN_IF_ERROR(Commit(mutation).status());
    return Written<v1::Assignment>{std::move(assignment), false};
  };
  // Without an etag the caller asked for its fields whatever else changed meanwhile: a race
  // with another writer is retried on the new version, so both changes land. With one, a
  // stale etag is ABORTED.
  return FinishWrite(caller, kMethod, patch.name(),
                     patch.etag().empty() ? RetryOnConflict(update) : update());
}

absl::Status Homework::ClientMayShape(const Caller& caller, const v1::Assignment& draft,
                                      const ClientName& client) {
  if (draft.state() != v1::Assignment::STATE_DRAFT) {
    return Denied(caller, Action::kShapeDraft,
                  absl::StrCat(draft.name(), ": it is no longer a draft"));
  }
  if (draft.session().empty()) {
    return Denied(caller, Action::kShapeDraft,
                  absl::StrCat(draft.name(), ": it was not shaped in a session"));
  }
  ASSIGN_OR_RETURN(std::optional<v1::Session> session, store_.GetSession(draft.session()));
  if (!session || session->state() != v1::Session::STATE_LIVE ||
      session->client() != client.Format()) {
    return Denied(caller, Action::kShapeDraft,
                  absl::StrCat(draft.name(), ": its session is not live"));
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::Assignment> Homework::Transition(
    const Caller& caller, absl::string_view method, absl::string_view name_field,
    absl::string_view name_text, absl::string_view etag,
    const std::function<absl::Status(v1::Assignment&)>& change) {
  ASSIGN_OR_RETURN(AssignmentName name, ParseAssignmentName(name_field, name_text));
  RETURN_IF_ERROR(AuthorizeClient(caller, Action::kWriteAssignment, name.client, method));

  auto transition = [&]() -> absl::StatusOr<Written<v1::Assignment>> {
    ASSIGN_OR_RETURN(v1::Assignment current,
                     Found(store_.GetAssignment(name_text), "assignment", name_text));
    RETURN_IF_ERROR(CheckEtag("etag", etag, current.etag()));
    v1::Assignment assignment = current;
    RETURN_IF_ERROR(change(assignment));
    *assignment.mutable_update_time() = ToProtoTime(options_.now());
    assignment.set_etag(NewId());
    Mutation mutation{
        .assignment = Put<v1::Assignment>{WriteMode::kUpdate, assignment, current.etag()},
        .events = {MakeEvent(caller, v1::Event::TYPE_ASSIGNMENT_UPDATED, name.client.Format(),
                             assignment.name())},
        .audit = MakeAudit(caller, method, assignment.name(), absl::OkStatus())};
    RETURN_IF_ERROR(Commit(mutation).status());
    return Written<v1::Assignment>{std::move(assignment), false};
  };
  return FinishWrite(caller, method, name_text, transition());
}

namespace {

absl::Status IllegalTransition(const v1::Assignment& assignment, absl::string_view verb,
                               absl::string_view allowed) {
  return absl::FailedPreconditionError(absl::StrCat("cannot ", verb, " an assignment in ",
                                                    v1::Assignment::State_Name(assignment.state()),
                                                    "; only ", allowed));
}

}  // namespace

absl::StatusOr<v1::Assignment> Homework::ActivateAssignment(
    const Caller& caller, const v1::ActivateAssignmentRequest& request) {
  const absl::Time now = options_.now();
  return Transition(caller, "ActivateAssignment", "name", request.name(), request.etag(),
                    [now](v1::Assignment& assignment) -> absl::Status {
                      if (assignment.state() != v1::Assignment::STATE_DRAFT) {
                        return IllegalTransition(assignment, "activate", "a draft can be");
                      }
                      // Every assignment has a two-minute version that still counts.
                      if (assignment.schedule().minimum_version().empty()) {
                        return absl::FailedPreconditionError(
                            "schedule.minimum_version is empty: agree a two-minute version "
                            "with the client before activating");
                      }
                      // A safety plan is for a crisis: someone to call must be on it.
                      const v1::SafetyPlan& plan = assignment.exercise().safety_plan();
                      if (assignment.exercise().kind() == v1::EXERCISE_KIND_SAFETY_PLAN &&
                          plan.help_contacts().empty() && plan.professional_contacts().empty()) {
                        return absl::FailedPreconditionError(
                            "exercise.safety_plan has no one to contact: add a person to ask for "
                            "help or a professional or crisis line before activating");
                      }
                      assignment.set_state(v1::Assignment::STATE_ACTIVE);
                      *assignment.mutable_activate_time() = ToProtoTime(now);
                      return absl::OkStatus();
                    });
}

absl::StatusOr<v1::Assignment> Homework::CancelAssignment(
    const Caller& caller, const v1::CancelAssignmentRequest& request) {
  if (request.reason().size() > 500) {
    return InvalidField("reason",
                        absl::StrCat("at most 500 characters, got ", request.reason().size()));
  }
  const absl::Time now = options_.now();
  return Transition(caller, "CancelAssignment", "name", request.name(), request.etag(),
                    [&](v1::Assignment& assignment) -> absl::Status {
                      if (assignment.state() != v1::Assignment::STATE_DRAFT &&
                          assignment.state() != v1::Assignment::STATE_ACTIVE) {
                        return IllegalTransition(assignment, "cancel",
                                                 "draft and active ones can be");
                      }
                      assignment.set_state(v1::Assignment::STATE_CANCELLED);
                      *assignment.mutable_cancel_time() = ToProtoTime(now);
                      assignment.set_cancel_reason(request.reason());
                      return absl::OkStatus();
                    });
}

absl::StatusOr<v1::Assignment> Homework::CompleteAssignment(
    const Caller& caller, const v1::CompleteAssignmentRequest& request) {
  return Transition(caller, "CompleteAssignment", "name", request.name(), request.etag(),
                    [](v1::Assignment& assignment) -> absl::Status {
                      if (assignment.state() != v1::Assignment::STATE_ACTIVE) {
                        return IllegalTransition(assignment, "complete", "an active one can be");
                      }
                      assignment.set_state(v1::Assignment::STATE_COMPLETED);
                      return absl::OkStatus();
                    });
}

// ---------------------------------------------------------------------------------------------
// Completions

absl::StatusOr<v1::Completion> Homework::CreateCompletion(
    const Caller& caller, const v1::CreateCompletionRequest& request) {
  constexpr absl::string_view kMethod = "CreateCompletion";
  ASSIGN_OR_RETURN(AssignmentName parent, ParseAssignmentName("parent", request.parent()));
  Violations violations;
  ValidateRequestId(request.request_id(), violations);
  if (!request.has_completion()) violations.Add("completion", "required");
  RETURN_IF_ERROR(violations.ToStatus());
  RETURN_IF_ERROR(AuthorizeClient(caller, Action::kRecordCompletion, parent.client, kMethod));

  const std::optional<IdempotencyKey> key = KeyFor(caller, kMethod, request.request_id());
  const std::string fingerprint = RequestFingerprint(request);
  auto write = [&]() -> absl::StatusOr<CreateAttempt<v1::Completion>> {
    ASSIGN_OR_RETURN(v1::Assignment assignment,
                     Found(store_.GetAssignment(request.parent()), "assignment", request.parent()));
    if (assignment.state() != v1::Assignment::STATE_ACTIVE) {
      return absl::FailedPreconditionError(
          absl::StrCat("assignment is ", v1::Assignment::State_Name(assignment.state()),
                       "; completions are recorded only for active assignments"));
    }
    const absl::Time now = options_.now();
    Violations content;
    ValidateCompletion(request.completion(), assignment.exercise(), now, "completion", content);
    RETURN_IF_ERROR(content.ToStatus());

    v1::Completion completion = request.completion();
    // The score is the service's, never the caller's: the output-only fields are overwritten.
    if (completion.has_measure()) {
      RETURN_IF_ERROR(ScoreMeasureResponse(assignment.exercise().outcome_measure().measure(),
                                           *completion.mutable_measure()));
    }
    completion.set_name(CompletionName{parent, NewId()}.Format());
    *completion.mutable_record_time() = ToProtoTime(now);
    completion.clear_review();
    completion.set_etag(NewId());

    Mutation mutation{.completion = Put<v1::Completion>{WriteMode::kInsert, completion, ""},
                      .events = {MakeEvent(caller, v1::Event::TYPE_COMPLETION_RECORDED,
                                           parent.client.Format(), completion.name())},
                      .idempotency = key,
                      .idempotent_result = completion.name(),
                      .request_fingerprint = fingerprint,
                      .audit = MakeAudit(caller, kMethod, completion.name(), absl::OkStatus()),
                      .assignment_read = ReadVersion{assignment.name(), assignment.etag()}};
    // A risk answer reaches the care team at once, in the same commit as the answer, and
    // opens an urgent flag that someone on the care team must acknowledge.
    if (completion.has_measure() && completion.measure().urgent()) {
      mutation.events.push_back(MakeEvent(caller, v1::Event::TYPE_URGENT_FLAG_RAISED,
                                          parent.client.Format(), completion.name()));
      v1::SafetyFlag flag =
          NewSafetyFlag(parent.client, v1::SafetyFlag::SOURCE_PHQ9_ITEM_9,
                        MeasureFlagReason(completion.measure()), caller.subject, now);
      flag.set_completion(completion.name());
      mutation.events.push_back(MakeEvent(caller, v1::Event::TYPE_SAFETY_FLAG_RAISED,
                                          parent.client.Format(), flag.name()));
      mutation.safety_flag = Put<v1::SafetyFlag>{WriteMode::kInsert, std::move(flag), ""};
    }
    ASSIGN_OR_RETURN(CommitOutcome outcome, Commit(mutation));
    return CreateAttempt<v1::Completion>{std::move(completion), outcome};
  };
  return FinishWrite(caller, kMethod, request.parent(),
                     CreateOnce(store_, &Store::GetCompletion, key, fingerprint,
                                [&] { return WithCheckedReads(write); }));
}

absl::StatusOr<v1::Completion> Homework::GetCompletion(const Caller& caller,
                                                       const v1::GetCompletionRequest& request) {
  constexpr absl::string_view kMethod = "GetCompletion";
  ASSIGN_OR_RETURN(CompletionName name, ParseCompletionName("name", request.name()));
  RETURN_IF_ERROR(AuthorizeClient(caller, Action::kReadClient, name.assignment.client, kMethod));
  absl::StatusOr<v1::Completion> completion =
      Found(store_.GetCompletion(request.name()), "completion", request.name());
  RETURN_IF_ERROR(Audit(caller, kMethod, request.name(), completion.status()));
  return completion;
}

absl::StatusOr<v1::ListCompletionsResponse> Homework::ListCompletions(
    const Caller& caller, const v1::ListCompletionsRequest& request) {
  constexpr absl::string_view kMethod = "ListCompletions";
  ASSIGN_OR_RETURN(AssignmentName parent,
                   ParseAssignmentName("parent", request.parent(), Wildcard::kAccepted));
  ASSIGN_OR_RETURN(int page_size, ValidatePageSize(request.page_size()));
  CompletionQuery query{.client_name = parent.client.Format(),
                        .page = {.page_size = page_size, .page_token = request.page_token()}};
  if (parent.assignment != "-") query.assignment_name = parent.Format();
  if (request.has_start_time()) query.start_time = FromProtoTime(request.start_time());
  if (request.has_end_time()) query.end_time = FromProtoTime(request.end_time());
  if (query.start_time && query.end_time && *query.end_time <= *query.start_time) {
    return InvalidField("end_time", "must be after start_time");
  }
  RETURN_IF_ERROR(AuthorizeClient(caller, Action::kReadClient, parent.client, kMethod));

  absl::StatusOr<Page<v1::Completion>> page = store_.ListCompletions(query);
  RETURN_IF_ERROR(Audit(caller, kMethod, request.parent(), page.status()));
  if (!page.ok()) return ListStatus(page.status());
  v1::ListCompletionsResponse response;
  for (v1::Completion& completion : page->items) {
    *response.add_completions() = std::move(completion);
  }
  response.set_next_page_token(page->next_page_token);
  return response;
}

absl::StatusOr<v1::Completion> Homework::ReviewCompletion(
    const Caller& caller, const v1::ReviewCompletionRequest& request) {
  constexpr absl::string_view kMethod = "ReviewCompletion";
  ASSIGN_OR_RETURN(CompletionName name, ParseCompletionName("name", request.name()));
  Violations violations;
  if (!request.has_review()) {
    violations.Add("review", "required: a quality rating 1-5 and optional feedback");
  } else {
    ValidateReview(request.review(), "review", violations);
  }
  RETURN_IF_ERROR(violations.ToStatus());
  RETURN_IF_ERROR(
      AuthorizeClient(caller, Action::kReviewCompletion, name.assignment.client, kMethod));

  auto review = [&]() -> absl::StatusOr<Written<v1::Completion>> {
    ASSIGN_OR_RETURN(v1::Completion current,
                     Found(store_.GetCompletion(request.name()), "completion", request.name()));
    RETURN_IF_ERROR(CheckEtag("etag", request.etag(), current.etag()));
    v1::Completion completion = current;
    v1::Review& stored = *completion.mutable_review();
    stored.set_quality_rating(request.review().quality_rating());
    stored.set_feedback(request.review().feedback());
    stored.set_reviewer(caller.subject);
    *stored.mutable_review_time() = ToProtoTime(options_.now());
    completion.set_etag(NewId());
    Mutation mutation{
        .completion = Put<v1::Completion>{WriteMode::kUpdate, completion, current.etag()},
        .events = {MakeEvent(caller, v1::Event::TYPE_COMPLETION_REVIEWED,
                             name.assignment.client.Format(), completion.name())},
        .audit = MakeAudit(caller, kMethod, completion.name(), absl::OkStatus())};
    RETURN_IF_ERROR(Commit(mutation).status());
    return Written<v1::Completion>{std::move(completion), false};
  };
  return FinishWrite(caller, kMethod, request.name(), review());
}

// ---------------------------------------------------------------------------------------------
// Review

absl::StatusOr<v1::ReviewSummary> Homework::GetReviewSummary(
    const Caller& caller, const v1::GetReviewSummaryRequest& request) {
  constexpr absl::string_view kMethod = "GetReviewSummary";
  constexpr absl::Duration kDefaultPeriod = absl::Hours(24 * 7);
  constexpr absl::Duration kLongestPeriod = absl::Hours(24 * 366);
  ASSIGN_OR_RETURN(ClientName name, ParseClientName("client", request.client()));
  const absl::Time now = options_.now();
  if (request.has_since_time()) {
    const absl::Time since = FromProtoTime(request.since_time());
    if (since >= now || since < now - kLongestPeriod) {
      return InvalidField("since_time", "must be in the past and at most 366 days back");
    }
  }
  RETURN_IF_ERROR(AuthorizeClient(caller, Action::kReadClient, name, kMethod));

  auto summarise = [&]() -> absl::StatusOr<v1::ReviewSummary> {
    ASSIGN_OR_RETURN(v1::Client client,
                     Found(store_.GetClient(request.client()), "client", request.client()));
    // By default the review covers the time since the client's last session.
    absl::Time since = now - kDefaultPeriod;
    if (request.has_since_time()) {
      since = FromProtoTime(request.since_time());
    } else if (client.has_last_session_time()) {
      const absl::Time last_session = FromProtoTime(client.last_session_time());
      if (last_session < now && last_session >= now - kLongestPeriod) since = last_session;
    }
    ASSIGN_OR_RETURN(
        std::vector<v1::Assignment> assignments,
        ReadAll(store_, &Store::ListAssignments,
                {.client_name = request.client(), .states = {v1::Assignment::STATE_ACTIVE}}));
    ASSIGN_OR_RETURN(
        std::vector<v1::Completion> completions,
        ReadAll(store_, &Store::ListCompletions,
                {.client_name = request.client(), .start_time = since, .end_time = now}));
    ASSIGN_OR_RETURN(std::vector<v1::Hierarchy> hierarchies,
                     ReadAll(store_, &Store::ListHierarchies, {.client_name = request.client()}));

    // Reliable change compares with the first total ever and the one before: the measures
    // answered before the period (only those are read, however long the client's history). The
    // adherence calendar and the streak also look at the practice of the calendar's weeks before
    // the period.
    ASSIGN_OR_RETURN(
        std::vector<v1::Completion> measure_history,
        ReadAll(store_, &Store::ListCompletions,
                {.client_name = request.client(), .end_time = since, .measures_only = true}));
    const absl::Time calendar_start =
        CalendarStart(LoadIanaTimeZone(client.time_zone()).value_or(absl::UTCTimeZone()), now);
    std::vector<v1::Completion> earlier_practice;
    if (calendar_start < since) {
      ASSIGN_OR_RETURN(earlier_practice, ReadAll(store_, &Store::ListCompletions,
                                                 {.client_name = request.client(),
                                                  .start_time = calendar_start,
                                                  .end_time = since}));
    }
    return BuildReviewSummary(client, assignments, std::move(completions), since, now, hierarchies,
                              std::move(measure_history),
                              options_.practice_policy(name.practice).measures,
                              std::move(earlier_practice));
  };
  absl::StatusOr<v1::ReviewSummary> summary = summarise();
  RETURN_IF_ERROR(Audit(caller, kMethod, request.client(), summary.status()));
  return summary;
}

}  // namespace therapy::homework
