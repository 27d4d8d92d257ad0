#ifndef SERVICES_HOMEWORK_CORE_EVENTS_H_
#define SERVICES_HOMEWORK_CORE_EVENTS_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/homework/core/model/caller.h"
#include "services/homework/core/model/resource_names.h"
#include "services/homework/storage/store.h"
#include "therapy/homework/v1/client.pb.h"
#include "therapy/homework/v1/event.pb.h"
#include "therapy/homework/v1/homework_service.pb.h"

namespace therapy::homework {

// The cursor of an event: its log sequence as decimal text. Opaque to callers.
std::string EventCursor(int64_t sequence);

// Reads a cursor; INVALID_ARGUMENT naming `field` when it is not one.
absl::StatusOr<int64_t> ParseEventCursor(absl::string_view field, absl::string_view cursor);

// The one conversion from the log's record to the API's event.
v1::Event ToProto(const EventRecord& record);

// What one WatchEvents call follows, read from its request: the one place the start of a watch
// (Homework::StartWatch) and the fan-out (event_hub.h) take it from.
struct WatchScope {
  Caller caller;
  std::string practice;              // practice id
  std::optional<ClientName> client;  // set: only this client's events
  std::string therapist;             // set: only clients whose care team names this therapist
  std::optional<int64_t> after;      // the request's after_cursor; unset: from now
  bool include_assignments = false;  // an assignment's events carry it (a watch of one client)
};

// Validates a WatchEvents request for `caller`: INVALID_ARGUMENT naming the field at fault.
// Authorises nothing.
absl::StatusOr<WatchScope> ParseWatchScope(const Caller& caller,
                                           const v1::WatchEventsRequest& request);

// What a watcher may do with one event of its practice.
enum class EventVisibility {
  kShown,
  kHidden,   // another client's, or not for this watcher (clients never see urgent flags)
  kRevoked,  // a therapist's watch of one client who is no longer on its care team: end it
};

// Whether an event is about risk (urgent answers, safety flags): never shown to a client.
bool IsRiskEvent(v1::Event::Type type);

// Whether `scope`'s watcher sees `event` now. `client` is the event's client as stored now
// (nullptr when it no longer exists); it is read only when ReadsCareTeam(scope).
EventVisibility SeeEvent(const WatchScope& scope, const EventRecord& event,
                         const v1::Client* client);

// Whether SeeEvent needs the event's client record: the watch follows a care team.
inline bool ReadsCareTeam(const WatchScope& scope) { return !scope.therapist.empty(); }

// Whether an event's resource is an assignment (the events that carry it on request).
bool IsAssignmentEvent(v1::Event::Type type);

// The audit record of an assignment sent on `scope`'s watch with its event: a read of it, under
// the watch's method name.
AuditRecord WatchAssignmentReadAudit(const WatchScope& scope, absl::string_view assignment,
                                     absl::Time now);

// The audit record of a watch refused after it started (its start is audited by
// Homework::WatchEvents with the same method name).
AuditRecord WatchRefusalAudit(const WatchScope& scope, const absl::Status& refusal, absl::Time now);

}  // namespace therapy::homework

#endif  // SERVICES_HOMEWORK_CORE_EVENTS_H_
