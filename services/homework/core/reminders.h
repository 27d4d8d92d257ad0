#ifndef SERVICES_HOMEWORK_CORE_REMINDERS_H_
#define SERVICES_HOMEWORK_CORE_REMINDERS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "therapy/homework/v1/assignment.pb.h"
#include "therapy/homework/v1/client.pb.h"
#include "therapy/homework/v1/completion.pb.h"
#include "therapy/homework/v1/event.pb.h"

namespace therapy::homework {

// The reminder text of an assignment, in plain words: what, when (the habit anchor in the
// client's own words), the cue, and the two-minute version that still counts.
std::string ReminderText(const v1::Assignment& assignment);

// The practices of one active assignment planned in [from, to) that are not done, as reminders
// for the notification backend. `completions` are the assignment's completions around the
// window (a practice already done is not reminded). Each reminder is due at its planned time,
// or for weekly targets at the end of the week. An outcome measure instead gives up to three
// reminders per measure not answered, each at its moment in [from, to): when it falls due, when
// it is overdue and when it expires (measure_state, expire_time; clinical/measure_cadence.h);
// `completions` must then reach back LongestOpen plus 8 days before `from`. Errors:
// INVALID_ARGUMENT for a client time zone or schedule that cannot be used.
absl::StatusOr<std::vector<v1::Reminder>> DueReminders(
    const v1::Client& client, const v1::Assignment& assignment,
    const std::vector<v1::Completion>& completions, absl::Time from, absl::Time to, absl::Time now);

}  // namespace therapy::homework

#endif  // SERVICES_HOMEWORK_CORE_REMINDERS_H_
