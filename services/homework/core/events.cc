// The event feed: cursors, who sees which event, and the start of a WatchEvents stream.

#include "services/homework/core/events.h"

#include <algorithm>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/homework/core/deferred_commit.h"
#include "services/homework/core/homework.h"
#include "services/homework/core/homework_internal.h"
#include "services/homework/core/model/proto_time.h"
#include "services/homework/core/model/resource_names.h"

namespace therapy::homework {

std::string EventCursor(int64_t sequence) { return absl::StrCat(sequence); }

absl::StatusOr<int64_t> ParseEventCursor(absl::string_view field, absl::string_view cursor) {
  int64_t sequence = 0;
  if (!absl::SimpleAtoi(cursor, &sequence) || sequence < 0) {
    return InvalidField(field, "not a cursor of this service: pass an Event.cursor unchanged");
  }
  return sequence;
}

v1::Event ToProto(const EventRecord& record) {
  v1::Event event;
  event.set_cursor(EventCursor(record.sequence));
  event.set_type(record.type);
  event.set_client(record.client);
  event.set_resource(record.resource);
  *event.mutable_event_time() = ToProtoTime(record.time);
  event.set_actor(record.actor);
  return event;
}

EventRecord Homework::MakeEvent(const Caller& caller, v1::Event::Type type,
                                absl::string_view client, absl::string_view resource) const {
  return EventRecord{.practice = caller.practice,
                     .client = std::string(client),
                     .type = type,
                     .resource = std::string(resource),
                     .actor = caller.subject,
                     .time = options_.now()};
}

absl::StatusOr<CommitOutcome> Homework::Commit(const Mutation& mutation) {
  if (DeferredCommit* deferred = DeferredCommit::Active()) return deferred->Hold(mutation);
  absl::StatusOr<CommitOutcome> outcome = store_.Commit(mutation);
  Committed(outcome, !mutation.events.empty());
  return outcome;
}

void Homework::CommitThen(Mutation mutation, Store::CommitDone done) {
  const bool events = !mutation.events.empty();
  store_.CommitThen(std::move(mutation), [this, events, done = std::move(done)](
                                             absl::StatusOr<CommitOutcome> outcome) mutable {
    Committed(outcome, events);
    std::move(done)(std::move(outcome));
  });
}

void Homework::Committed(const absl::StatusOr<CommitOutcome>& outcome, bool events) {
  if (events && outcome.ok() && *outcome == CommitOutcome::kCommitted &&
      options_.events_committed) {
    options_.events_committed();
  }
}

bool Homework::CommitsLast(absl::string_view method) {
  // CreateCompletion: after its Commit, CreateOnce returns the new completion (a replay or an
  // error reads the store, but only when the commit did not happen) and FinishWrite passes it on.
  return method == "CreateCompletion";
}

absl::StatusOr<WatchScope> ParseWatchScope(const Caller& caller,
                                           const v1::WatchEventsRequest& request) {
  WatchScope scope{.caller = caller};
  ASSIGN_OR_RETURN(PracticeName practice, ParsePracticeName("parent", request.parent()));
  scope.practice = practice.practice;
  if (!request.client().empty()) {
    ASSIGN_OR_RETURN(scope.client, ParseClientName("client", request.client()));
    if (scope.client->practice != practice.practice) {
      return InvalidField("client", "must be a client of `parent`");
    }
  }
  if (!request.after_cursor().empty()) {
    ASSIGN_OR_RETURN(scope.after, ParseEventCursor("after_cursor", request.after_cursor()));
  }
  if (caller.role == Role::kClient && !scope.client) {
    return InvalidField("client", "required for callers with role client: your own name");
  }
  // Whose clients to follow: a therapist always their own; service and admin may ask for one
  // therapist's.
  scope.therapist = request.therapist();
  if (caller.role == Role::kTherapist) {
    if (!scope.therapist.empty() && scope.therapist != caller.subject) {
      return InvalidField("therapist", "a therapist watches their own clients: leave it empty");
    }
    scope.therapist = caller.subject;
  } else if (!scope.therapist.empty() && caller.role == Role::kClient) {
    return InvalidField("therapist", "not for callers with role client");
  }
  // Authorised as a read of that one client, as GetAssignment is.
  scope.include_assignments = request.include_assignments();
  if (scope.include_assignments && !scope.client) {
    return InvalidField("include_assignments", "only for a watch of one client: set `client`");
  }
  return scope;
}

bool IsRiskEvent(v1::Event::Type type) {
  switch (type) {
    case v1::Event::TYPE_URGENT_FLAG_RAISED:
    case v1::Event::TYPE_SAFETY_FLAG_RAISED:
    case v1::Event::TYPE_SAFETY_FLAG_ACKNOWLEDGED:
    case v1::Event::TYPE_SAFETY_FLAG_RESOLVED:
    case v1::Event::TYPE_SAFETY_FLAG_ESCALATED:
      return true;
    default:
      return false;
  }
}

EventVisibility SeeEvent(const WatchScope& scope, const EventRecord& event,
                         const v1::Client* client) {
  if (event.practice != scope.practice) return EventVisibility::kHidden;
  if (scope.client && event.client != scope.client->Format()) return EventVisibility::kHidden;
  if (IsRiskEvent(event.type) && scope.caller.role == Role::kClient) {
    return EventVisibility::kHidden;
  }
  if (!ReadsCareTeam(scope)) return EventVisibility::kShown;
  // A therapist sees the clients whose care team names them now.
  const bool on_team =
      client != nullptr && std::find(client->care_team().begin(), client->care_team().end(),
                                     scope.therapist) != client->care_team().end();
  if (on_team) return EventVisibility::kShown;
  return scope.client && scope.caller.role == Role::kTherapist ? EventVisibility::kRevoked
                                                               : EventVisibility::kHidden;
}

bool IsAssignmentEvent(v1::Event::Type type) {
  return type == v1::Event::TYPE_ASSIGNMENT_CREATED || type == v1::Event::TYPE_ASSIGNMENT_UPDATED;
}

namespace {

AuditRecord WatchAudit(const WatchScope& scope, std::string resource, const absl::Status& outcome,
                       absl::Time now) {
  return AuditRecord{
      .actor = scope.caller.subject,
      .role = std::string(RoleName(scope.caller.role)),
      .practice = scope.caller.practice,
      .action = "WatchEvents",
      .resource = std::move(resource),
      .call_id = scope.caller.call_id,
      .time = now,
      .outcome = absl::StatusCodeToString(outcome.code()),
  };
}

}  // namespace

AuditRecord WatchAssignmentReadAudit(const WatchScope& scope, absl::string_view assignment,
                                     absl::Time now) {
  return WatchAudit(scope, std::string(assignment), absl::OkStatus(), now);
}

AuditRecord WatchRefusalAudit(const WatchScope& scope, const absl::Status& refusal,
                              absl::Time now) {
  return WatchAudit(scope,
                    scope.client ? scope.client->Format() : PracticeName{scope.practice}.Format(),
                    refusal, now);
}

absl::StatusOr<Homework::WatchStart> Homework::StartWatch(const Caller& caller,
                                                          const v1::WatchEventsRequest& request) {
  constexpr absl::string_view kMethod = "WatchEvents";
  ASSIGN_OR_RETURN(WatchScope scope, ParseWatchScope(caller, request));
  const PracticeName practice{scope.practice};
  // Who may see what: one client's events like a read of that client; the whole practice's
  // like listing its clients, a therapist then seeing only their care team's clients.
  if (scope.client) {
    RETURN_IF_ERROR(AuthorizeClient(caller, Action::kReadClient, *scope.client, kMethod));
  } else {
    RETURN_IF_ERROR(
        AuthorizePractice(caller, Action::kListClients, practice, kMethod, practice.Format()));
  }
  const std::string audited = scope.client ? scope.client->Format() : practice.Format();
  RETURN_IF_ERROR(Audit(caller, kMethod, audited, absl::OkStatus()));

  int64_t sequence = 0;
  if (scope.after) {
    sequence = *scope.after;
  } else {
    ASSIGN_OR_RETURN(sequence, store_.LatestEventSequence());
  }
  return WatchStart{.scope = std::move(scope), .after_sequence = sequence};
}

}  // namespace therapy::homework
