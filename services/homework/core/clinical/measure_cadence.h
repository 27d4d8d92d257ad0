#ifndef SERVICES_HOMEWORK_CORE_CLINICAL_MEASURE_CADENCE_H_
#define SERVICES_HOMEWORK_CORE_CLINICAL_MEASURE_CADENCE_H_

// When an outcome measure falls due, becomes overdue and expires (MeasureCadence in
// assignment.proto). Measures are taken before each session or every 1-2 weeks; one not
// answered is overdue after its time and expires rather than piling up (clinical model,
// measurement-based care).
//
// Pure functions: no I/O, no clock (callers pass `now`), safe to call from any thread.

#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "therapy/homework/v1/assignment.pb.h"
#include "therapy/homework/v1/client.pb.h"
#include "therapy/homework/v1/completion.pb.h"

namespace therapy::homework::clinical {

// The defaults of MeasureCadence's zero fields.
inline constexpr absl::Duration kDefaultBeforeSession = absl::Hours(24);
inline constexpr absl::Duration kDefaultOverdueAfter = absl::Hours(48);
inline constexpr absl::Duration kDefaultExpireAfter = absl::Hours(96);

// One measure the cadence asks for, with its three moments.
struct MeasureDue {
  // When it falls due: a schedule occurrence's planned time (a daily slot) or the start of its
  // window; before a session, `before_session_hours` before the session.
  absl::Time due_time;
  // When an unanswered one is overdue: `overdue_after_hours` after due_time (default 48 h);
  // before a session without that field, the session's start. Never after expire_time.
  absl::Time overdue_time;
  // When an unanswered one expires: `expire_after_hours` after due_time (default 96 h), never
  // before overdue_time, and at the latest when the assignment's next measure falls due.
  absl::Time expire_time;
  // The earliest time an answer counts for it: the occurrence's window start (an answer on the
  // morning of a day whose slot is at 08:00 counts), or due_time before a session.
  absl::Time answerable_from;
  // Index into the completions given of the answer that settled it, if any: the earliest
  // answer that counts (done, partial or minimum version) in [answerable_from, expire_time) not
  // taken by an earlier measure.
  std::optional<size_t> answered_by;
};

enum class MeasureState { kUpcoming, kDue, kOverdue, kExpired, kAnswered };

// Where `due` stands at `now`: answered once an answer settled it, otherwise by its times.
MeasureState StateAt(const MeasureDue& due, absl::Time now);

// The measures `assignment` (an outcome measure) asks for whose due_time lies in [from, to), in
// order of due_time, with `completions` (that assignment's, any order) matched to them. On the
// schedule trigger they are the schedule's expected practices (ExpectedOccurrences, interval
// included); before sessions, one before `client.next_session_time` when that session's local
// day lies within the schedule's dates. `zone` is the client's zone. A measure whose successor
// falls due after `to` still expires by it: pass `to` far enough for that (the caller's
// horizon), or accept the cadence's own expiry.
// Errors: INVALID_ARGUMENT for a malformed schedule or window (ExpectedOccurrences).
absl::StatusOr<std::vector<MeasureDue>> MeasuresDue(const v1::Assignment& assignment,
                                                    const v1::Client& client, absl::TimeZone zone,
                                                    absl::Span<const v1::Completion> completions,
                                                    absl::Time from, absl::Time to);

// The longest a measure of `schedule` stays open after falling due (its expire time): how far
// before a window a caller must look for measures still overdue inside it.
absl::Duration LongestOpen(const v1::Schedule& schedule);

}  // namespace therapy::homework::clinical

#endif  // SERVICES_HOMEWORK_CORE_CLINICAL_MEASURE_CADENCE_H_
