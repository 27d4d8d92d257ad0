#ifndef SERVICES_HOMEWORK_CORE_CLINICAL_PRACTICE_PERIODS_H_
#define SERVICES_HOMEWORK_CORE_CLINICAL_PRACTICE_PERIODS_H_

// Practice counted per period of the schedule: per local day for a daily schedule, per
// Monday-Sunday week for a weekly one. These are the one set of adherence numbers every view
// reads (the therapist's review, the client's Today, Progress and its calendar): a view never
// recounts completions itself, so "expected", "done" and the calendar cannot disagree.
//
// Built on ExpectedOccurrences and MatchOccurrences (schedule.h), the same expectation and
// matching ComputeAdherence uses, so whatever those honour (start and end dates, a week cut
// short keeping a share of its target, a practice abroad counting for the day the client lived,
// and practising every N periods) holds here too.
//
// Pure functions: no I/O, no clock (callers pass `now`), safe to call from any thread.

#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "therapy/homework/v1/assignment.pb.h"
#include "therapy/homework/v1/completion.pb.h"

namespace therapy::homework::clinical {

// One period of one assignment.
struct PeriodCount {
  enum class State {
    // The schedule expects nothing in it (before the start date, after the end date, or a
    // period the schedule leaves out).
    kNotScheduled,
    // Expected practice, and the period has not started.
    kUpcoming,
    // The period is under way and its target is not met yet.
    kOpen,
    // Every expected practice is done (while the period is still open too).
    kMet,
    // The period is over with some but not all of its expected practice done.
    kPartlyMet,
    // The period is over with none of its expected practice done.
    kMissed,
  };
  // The whole period in the client's zone, inclusive (CalendarPeriodOf): one day, or Monday to
  // Sunday (also when the schedule starts or ends inside the week; `expected` is then that
  // week's share), or with an interval above 1 its block of `interval` days or weeks.
  absl::CivilDay first_day;
  absl::CivilDay last_day;
  // Practices the schedule expects in the period (the occurrences whose days start in it).
  int expected = 0;
  // Expected practices matched to a practice that counts (done, partial or the two-minute
  // version); never more than `expected`.
  int completed = 0;
  // Of `completed`, those matched to the two-minute version.
  int minimum_version = 0;
  // Practices that count, on a local day of the period, beyond what it expected.
  int extra = 0;
  State state = State::kNotScheduled;
};

// The periods of `assignment`'s schedule that hold a local day of [first_day, last_day], oldest
// first: every day for a daily schedule; every Monday-Sunday week touching the range for a
// weekly one (so pass a Monday and a Sunday for whole weeks); every block touching the range
// for a schedule with an interval above 1. `completions` are the
// assignment's, any order; pass those from a day before `first_day` on (a practice abroad can
// fall on a local day of the range). Errors: INVALID_ARGUMENT for a malformed schedule, a
// range that ends before it starts or one longer than kMaxWindowDays.
absl::StatusOr<std::vector<PeriodCount>> CountPracticePeriods(
    const v1::Assignment& assignment, absl::TimeZone client_zone,
    absl::Span<const v1::Completion> completions, absl::CivilDay first_day, absl::CivilDay last_day,
    absl::Time now);

// The figures of one assignment over a review window [from, now], as every view shows them.
struct PracticeFigures {
  // The unit of `periods_elapsed`, `current` and `calendar` (and of ComputeAdherence's streak).
  v1::Schedule::Period period = v1::Schedule::PERIOD_DAY;
  // The schedule's interval, 1 or more (blocks of `interval` periods above 1).
  int interval = 1;
  // Scheduled periods that began in [from, now]: the periods whose practices ComputeAdherence
  // counts as expected over the same window (`target_count`), today's or this week's included.
  int periods_elapsed = 0;
  // With an interval above 1, `periods_elapsed` still counts days or weeks, while `current`
  // and `calendar` hold blocks.
  // The period holding `now`: today, or this week (or the block holding them).
  PeriodCount current;
  // The calendar: the `calendar_weeks` Monday-Sunday weeks ending with the current one, per
  // period (7 x weeks days, or weeks weeks), oldest first.
  std::vector<PeriodCount> calendar;
};

// Computes PracticeFigures in the client's zone. `completions` as for CountPracticePeriods from
// the calendar's first day (or `from`, whichever is earlier). Errors as CountPracticePeriods.
absl::StatusOr<PracticeFigures> ComputePracticeFigures(const v1::Assignment& assignment,
                                                       absl::TimeZone client_zone,
                                                       absl::Span<const v1::Completion> completions,
                                                       absl::Time from, absl::Time now,
                                                       int calendar_weeks = 4);

}  // namespace therapy::homework::clinical

#endif  // SERVICES_HOMEWORK_CORE_CLINICAL_PRACTICE_PERIODS_H_
