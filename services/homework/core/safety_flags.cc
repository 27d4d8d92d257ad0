// Urgent flags (safety_flag.proto): raised by a risk answer or the client asking for help now,
// acknowledged by a care-team therapist, resolved by staff, escalated by the service when nobody
// acknowledged them in the practice's time. Nothing here ever resolves a flag by itself.

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/homework/core/homework.h"
#include "services/homework/core/homework_internal.h"
#include "services/homework/core/model/flag_reasons.h"
#include "services/homework/core/model/proto_time.h"
#include "services/homework/core/model/resource_names.h"

namespace therapy::homework {
namespace {

constexpr int kMaxNote = 1000;
// Escalations handled per store read; a sweep reads until none is due.
constexpr int kEscalationBatch = 100;

constexpr absl::string_view kCollection = "safetyFlags";

absl::StatusOr<ClientChildName> ParseSafetyFlagName(absl::string_view field,
                                                    absl::string_view name) {
  return ParseClientChildName(field, name, kCollection);
}

}  // namespace

v1::SafetyFlag Homework::NewSafetyFlag(const ClientName& client, v1::SafetyFlag::Source source,
                                       const v1::FlagReason& reason, absl::string_view raised_by,
                                       absl::Time now) const {
  v1::SafetyFlag flag;
  flag.set_name(ClientChildName{client, std::string(kCollection), NewId()}.Format());
  flag.set_state(v1::SafetyFlag::STATE_OPEN);
  flag.set_source(source);
  flag.set_reason(FlagReasonText(reason));
  *flag.mutable_coded_reason() = reason;
  flag.set_raised_by(std::string(raised_by));
  *flag.mutable_raise_time() = ToProtoTime(now);
  *flag.mutable_escalation_due_time() =
      ToProtoTime(now + options_.practice_policy(client.practice).flag_escalation_after);
  flag.set_etag(NewId());
  return flag;
}

absl::StatusOr<v1::SafetyFlag> Homework::RaiseSafetyFlag(
    const Caller& caller, const v1::RaiseSafetyFlagRequest& request) {
  constexpr absl::string_view kMethod = "RaiseSafetyFlag";
  ASSIGN_OR_RETURN(ClientName parent, ParseClientName("parent", request.parent()));
  Violations violations;
  violations.Length("note", request.note(), 0, kMaxNote);
  ValidateRequestId(request.request_id(), violations);
  RETURN_IF_ERROR(violations.ToStatus());
  RETURN_IF_ERROR(AuthorizeClient(caller, Action::kRaiseFlag, parent, kMethod));

  const std::optional<IdempotencyKey> key = KeyFor(caller, kMethod, request.request_id());
  const std::string fingerprint = RequestFingerprint(request);
  auto raise = [&]() -> absl::StatusOr<CreateAttempt<v1::SafetyFlag>> {
    RETURN_IF_ERROR(Found(store_.GetClient(request.parent()), "client", request.parent()).status());
    v1::SafetyFlag flag =
        NewSafetyFlag(parent, v1::SafetyFlag::SOURCE_CLIENT_REQUEST,
                      ClientRequestFlagReason(request.note()), caller.subject, options_.now());
    Mutation mutation{.safety_flag = Put<v1::SafetyFlag>{WriteMode::kInsert, flag, ""},
                      .events = {MakeEvent(caller, v1::Event::TYPE_SAFETY_FLAG_RAISED,
                                           parent.Format(), flag.name())},
                      .idempotency = key,
                      .idempotent_result = flag.name(),
                      .request_fingerprint = fingerprint,
                      .audit = MakeAudit(caller, kMethod, flag.name(), absl::OkStatus())};
    ASSIGN_OR_RETURN(CommitOutcome outcome, Commit(mutation));
    return CreateAttempt<v1::SafetyFlag>{std::move(flag), outcome};
  };
  return FinishWrite(caller, kMethod, request.parent(),
                     CreateOnce(store_, &Store::GetSafetyFlag, key, fingerprint, raise));
}

absl::StatusOr<v1::SafetyFlag> Homework::GetSafetyFlag(const Caller& caller,
                                                       const v1::GetSafetyFlagRequest& request) {
  constexpr absl::string_view kMethod = "GetSafetyFlag";
  ASSIGN_OR_RETURN(ClientChildName name, ParseSafetyFlagName("name", request.name()));
  RETURN_IF_ERROR(AuthorizeClient(caller, Action::kReadFlags, name.client, kMethod));
  absl::StatusOr<v1::SafetyFlag> flag =
      Found(store_.GetSafetyFlag(request.name()), "safety flag", request.name());
  RETURN_IF_ERROR(Audit(caller, kMethod, request.name(), flag.status()));
  return flag;
}

absl::StatusOr<v1::ListSafetyFlagsResponse> Homework::ListSafetyFlags(
    const Caller& caller, const v1::ListSafetyFlagsRequest& request) {
  constexpr absl::string_view kMethod = "ListSafetyFlags";
  ASSIGN_OR_RETURN(ClientName parent, ParseClientName("parent", request.parent()));
  ASSIGN_OR_RETURN(int page_size, ValidatePageSize(request.page_size()));
  SafetyFlagQuery query{.client_name = parent.Format(),
                        .page = {.page_size = page_size, .page_token = request.page_token()}};
  for (int i = 0; i < request.states_size(); ++i) {
    const int state = request.states(i);
    if (state == v1::SafetyFlag::STATE_UNSPECIFIED || !v1::SafetyFlag::State_IsValid(state)) {
      return InvalidField(
          absl::StrCat("states[", i, "]"),
          absl::StrCat("must be a SafetyFlag.State other than unspecified, got ", state));
    }
    query.states.push_back(static_cast<v1::SafetyFlag::State>(state));
  }
  RETURN_IF_ERROR(AuthorizeClient(caller, Action::kReadFlags, parent, kMethod));

  absl::StatusOr<Page<v1::SafetyFlag>> page = store_.ListSafetyFlags(query);
  RETURN_IF_ERROR(Audit(caller, kMethod, request.parent(), page.status()));
  if (!page.ok()) return ListStatus(page.status());
  v1::ListSafetyFlagsResponse response;
  for (v1::SafetyFlag& flag : page->items) *response.add_safety_flags() = std::move(flag);
  response.set_next_page_token(page->next_page_token);
  return response;
}

absl::StatusOr<v1::SafetyFlag> Homework::AcknowledgeSafetyFlag(
    const Caller& caller, const v1::AcknowledgeSafetyFlagRequest& request) {
  return MoveSafetyFlag(caller, "AcknowledgeSafetyFlag", Action::kAcknowledgeFlag, request.name(),
                        request.etag(), request.note(), v1::SafetyFlag::STATE_ACKNOWLEDGED);
}

absl::StatusOr<v1::SafetyFlag> Homework::ResolveSafetyFlag(
    const Caller& caller, const v1::ResolveSafetyFlagRequest& request) {
  return MoveSafetyFlag(caller, "ResolveSafetyFlag", Action::kResolveFlag, request.name(),
                        request.etag(), request.note(), v1::SafetyFlag::STATE_RESOLVED);
}

absl::StatusOr<v1::SafetyFlag> Homework::MoveSafetyFlag(
    const Caller& caller, absl::string_view method, Action action, absl::string_view name_text,
    absl::string_view etag, absl::string_view note, v1::SafetyFlag::State to) {
  ASSIGN_OR_RETURN(ClientChildName name, ParseSafetyFlagName("name", name_text));
  Violations violations;
  violations.Length("note", note, 1, kMaxNote);
  RETURN_IF_ERROR(violations.ToStatus());
  RETURN_IF_ERROR(AuthorizeClient(caller, action, name.client, method));

  auto move = [&]() -> absl::StatusOr<Written<v1::SafetyFlag>> {
    ASSIGN_OR_RETURN(v1::SafetyFlag current,
                     Found(store_.GetSafetyFlag(name_text), "safety flag", name_text));
    RETURN_IF_ERROR(CheckEtag("etag", etag, current.etag()));
    const bool allowed = to == v1::SafetyFlag::STATE_ACKNOWLEDGED
                             ? current.state() == v1::SafetyFlag::STATE_OPEN
                             : current.state() != v1::SafetyFlag::STATE_RESOLVED;
    if (!allowed) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the flag is ", v1::SafetyFlag::State_Name(current.state()), "; ",
          to == v1::SafetyFlag::STATE_ACKNOWLEDGED ? "only an open flag can be acknowledged"
                                                   : "a resolved flag cannot be resolved again"));
    }
    v1::SafetyFlag flag = current;
    flag.set_state(to);
    const absl::Time now = options_.now();
    v1::Event::Type type = v1::Event::TYPE_SAFETY_FLAG_RESOLVED;
    if (to == v1::SafetyFlag::STATE_ACKNOWLEDGED) {
      type = v1::Event::TYPE_SAFETY_FLAG_ACKNOWLEDGED;
      *flag.mutable_acknowledge_time() = ToProtoTime(now);
      flag.set_acknowledged_by(caller.subject);
      flag.set_acknowledge_note(std::string(note));
    } else {
      *flag.mutable_resolve_time() = ToProtoTime(now);
      flag.set_resolved_by(caller.subject);
      flag.set_resolve_note(std::string(note));
    }
    flag.set_etag(NewId());
    Mutation mutation{.safety_flag = Put<v1::SafetyFlag>{WriteMode::kUpdate, flag, current.etag()},
                      .events = {MakeEvent(caller, type, name.client.Format(), flag.name())},
                      .audit = MakeAudit(caller, method, flag.name(), absl::OkStatus())};
    RETURN_IF_ERROR(Commit(mutation).status());
    return Written<v1::SafetyFlag>{std::move(flag), false};
  };
  return FinishWrite(caller, method, name_text, move());
}

absl::StatusOr<int> Homework::EscalateDueSafetyFlags() {
  const absl::Time now = options_.now();
  int escalated = 0;
  while (true) {
    ASSIGN_OR_RETURN(std::vector<v1::SafetyFlag> due,
                     store_.ListSafetyFlagsToEscalate(now, kEscalationBatch));
    int written = 0;
    for (const v1::SafetyFlag& current : due) {
      absl::StatusOr<ClientChildName> name = ParseSafetyFlagName("name", current.name());
      if (!name.ok()) return absl::InternalError("a stored safety flag has a malformed name");
      const Caller service{.subject = std::string(kEscalationActor),
                           .practice = name->client.practice,
                           .role = Role::kService,
                           .call_id = NewId()};
      v1::SafetyFlag flag = current;
      *flag.mutable_escalate_time() = ToProtoTime(now);
      flag.set_etag(NewId());
      Mutation mutation{
          .safety_flag = Put<v1::SafetyFlag>{WriteMode::kUpdate, flag, current.etag()},
          .events = {MakeEvent(service, v1::Event::TYPE_SAFETY_FLAG_ESCALATED,
                               name->client.Format(), flag.name())},
          .audit = MakeAudit(service, "EscalateSafetyFlag", flag.name(), absl::OkStatus())};
      absl::StatusOr<CommitOutcome> committed = Commit(mutation);
      // ABORTED: acknowledged meanwhile, or another replica escalated it first. Either way
      // there is nothing left to do for this flag.
      if (!committed.ok() && committed.status().code() != absl::StatusCode::kAborted) {
        return committed.status();
      }
      if (committed.ok()) ++written;
    }
    escalated += written;
    if (static_cast<int>(due.size()) < kEscalationBatch || written == 0) return escalated;
  }
}

}  // namespace therapy::homework
