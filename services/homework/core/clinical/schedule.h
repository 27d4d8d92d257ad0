#ifndef SERVICES_HOMEWORK_CORE_CLINICAL_SCHEDULE_H_
#define SERVICES_HOMEWORK_CORE_CLINICAL_SCHEDULE_H_

// The practice a schedule expects, and which of it the client did.
//
// Pure functions: no I/O, no clock (callers pass `now`), safe to call from any thread. Every
// calendar computation happens in the client's IANA time zone, so a 07:30 practice stays at
// 07:30 local time across daylight-saving changes.

#include <cstddef>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "therapy/homework/v1/assignment.pb.h"
#include "therapy/homework/v1/completion.pb.h"

namespace therapy::homework::clinical {

// The waking day over which several practices a day are spread, in minutes after local
// midnight: 08:00 to 22:00.
inline constexpr int kWakingDayStartMinute = 8 * 60;
inline constexpr int kWakingDayEndMinute = 22 * 60;

// The longest window ExpectedOccurrences accepts (about ten years); longer windows, and
// infinite ones, are INVALID_ARGUMENT rather than an unbounded loop.
inline constexpr int kMaxWindowDays = 3660;

// A schedule read and checked once: what the other functions here compute from.
struct PracticePlan {
  v1::Schedule::Period period = v1::Schedule::PERIOD_DAY;
  // Practices per period, 1-20; with an interval above 1, per block of `interval` periods.
  int target_count = 1;
  // Every how many periods, 1-52 (`schedule.interval`, 0 read as 1). Above 1 the plan expects
  // `target_count` practices per block of `interval` periods (see PlannedBlockOf).
  int interval = 1;
  // First and last day of practice, inclusive, in the client's zone; no last day when the
  // schedule is open-ended.
  absl::CivilDay first_day;
  std::optional<absl::CivilDay> last_day;
  // `preferred_local_time` in minutes after local midnight, when the schedule has one.
  std::optional<int> preferred_minute;
  // PERIOD_DAY only: the nominal local time of each of the day's `target_count` slots, in
  // minutes after midnight, ascending. The first slot is at the preferred time; without one, at
  // the habit anchor's typical time plus its offset (see TypicalMinuteOf), clamped to the same
  // day; without either, at 08:00. Further slots divide the rest of the waking day evenly: slot
  // i is at first + i * (22:00 - first) / target_count, whole minutes rounded down (with a
  // first slot at or after 22:00, the day ends at 24:00 instead). Example: 3 a day without a
  // time gives 08:00, 12:40 and 17:20; 2 a day preferred at 07:30 gives 07:30 and 14:45.
  // Empty for PERIOD_WEEK: a weekly practice has no set time, only a week to happen in.
  std::vector<int> slot_minutes;
};

// Reads `schedule`. INVALID_ARGUMENT naming the field (`schedule.target_count`,
// `schedule.period`, `schedule.start_date`, `schedule.end_date`,
// `schedule.preferred_local_time`) when it is missing or malformed.
absl::StatusOr<PracticePlan> PlanPractice(const v1::Schedule& schedule);

// A clock time for a FHIR EventTiming routine, in minutes after local midnight, used only when a
// schedule has a habit anchor and no preferred time. The client's real routine is unknown, so
// these are conventional times (WAKE and PHS 07:00, CM 07:30, PCM 08:00, MORN 09:00, AC and C
// 12:00/12:30, NOON 12:00, CD 12:30, PCD and PC 13:00, AFT 15:00, CV 18:30, PCV and EVE 19:00,
// NIGHT and HS 22:00; unspecified 08:00). A therapist who needs a precise reminder sets
// `preferred_local_time`.
int TypicalMinuteOf(v1::EventTiming timing);

// The days of the week (Monday to Sunday) containing a day that fall within a plan, and how many
// practices are due in them. A week cut short by `first_day` or `last_day` keeps a share of
// the target, rounded up: ceil(target_count * scheduled_days / 7), so never less than one
// (5 a week starting on a Saturday expects 2).
struct PlannedWeek {
  absl::CivilDay first_day;
  absl::CivilDay last_day;
  int target = 0;
};
// nullopt when no day of that week is scheduled. Meaningful for PERIOD_WEEK plans.
std::optional<PlannedWeek> PlannedWeekOf(const PracticePlan& plan, absl::CivilDay day);

// With an interval above 1, the block of `interval` periods holding a day: blocks are counted
// from the schedule's first day (PERIOD_DAY) or from its Monday (PERIOD_WEEK), so with PERIOD_WEEK
// and interval 2 the weeks go in pairs from the start. The block's days are cut to the plan's
// days, and a cut-short block keeps a share of the target, rounded up:
// ceil(target_count * scheduled_days / days_in_block). Every 2 weeks, once, starting on a
// Wednesday: the first block is that Wednesday to the Sunday of the following week (12 days,
// target 1). With interval 1 it is PlannedWeekOf for weeks, the day itself for days. nullopt
// for a day outside the plan's days (so walking block by block stops at its edges).
std::optional<PlannedWeek> PlannedBlockOf(const PracticePlan& plan, absl::CivilDay day);

// The whole calendar period of a plan holding a day, inclusive, not cut to the plan's days and
// defined before and after them too: the day itself (daily), its Monday-Sunday week (weekly), or
// with an interval above 1 its block of `interval` days or weeks counted from the plan's first
// day or its Monday (PlannedBlockOf's blocks before they are cut). Views lay out practice by it.
// The Monday of the Monday-Sunday week holding a day.
absl::CivilDay MondayOf(absl::CivilDay day);

struct CalendarPeriod {
  absl::CivilDay first_day;
  absl::CivilDay last_day;
};
CalendarPeriod CalendarPeriodOf(const PracticePlan& plan, absl::CivilDay day);

// One practice a schedule expects.
struct Occurrence {
  enum class Kind {
    // One of the day's slots; done by a practice on that local day.
    kDaySlot,
    // One of the week's practices; done by a practice on any scheduled day of that week.
    kWeekSlot,
    // One of the practices of a block of `interval` periods (PlannedBlockOf, interval above 1);
    // done by a practice on any scheduled day of the block. Daily plans give the block's slots
    // their planned times on its first day; weekly ones have none.
    kBlockSlot,
  };
  Kind kind = Kind::kDaySlot;
  // The local days a practice counts for, inclusive (one day for a day slot; the scheduled
  // days of the Monday-Sunday week for a week slot).
  absl::CivilDay first_day;
  absl::CivilDay last_day;
  // The same days as absolute time in the client's zone: [window_start, window_end). A day is
  // 23 or 25 hours long on a daylight-saving change.
  absl::Time window_start;
  absl::Time window_end;
  // Day slots: the planned moment, the slot's local time on that day. A local time that does
  // not exist on a spring-forward day is moved forward by the length of the gap (02:30 on
  // 2026-03-29 in Europe/Berlin becomes 03:30 CEST); a local time that happens twice on a
  // fall-back day is the first of the two (02:30 CEST on 2026-10-25). Both are Abseil's
  // `TimeZone::At(civil).pre` and what RFC 5545 (3.3.5) prescribes, so a reminder agrees with
  // the practice in the client's own calendar; absl::FromCivil would instead clamp a skipped
  // time to the transition (03:00). nullopt for week slots: they are due by the end of the
  // week.
  std::optional<absl::Time> planned_time;
  // 0-based index among the practices of its day or week.
  int slot = 0;
};

// The practices `schedule` expects whose window starts within [from, to), in order, computed
// in `zone` (the client's zone). Assigning each occurrence to the window holding its start
// means windows that tile time (one review period after another) share no occurrence: the day
// of a session belongs to the period that starts before it. An empty window gives no
// occurrences.
// Errors: INVALID_ARGUMENT for a malformed schedule (see PlanPractice), `from` after `to`, or a
// window longer than kMaxWindowDays.
// With PlannedTimes::kLeftOut every `planned_time` stays nullopt: counting and matching
// practice need only the days and windows, and each planned time is a time zone conversion
// (a year of a daily practice is 365 of them).
enum class PlannedTimes { kComputed, kLeftOut };
absl::StatusOr<std::vector<Occurrence>> ExpectedOccurrences(
    const v1::Schedule& schedule, absl::TimeZone zone, absl::Time from, absl::Time to,
    PlannedTimes planned_times = PlannedTimes::kComputed);

// Whether a completion is practice that counts: STATUS_DONE, STATUS_PARTIAL and
// STATUS_MINIMUM_VERSION (the two-minute version counts and is counted apart); STATUS_SKIPPED
// and STATUS_UNSPECIFIED do not.
bool CountsAsPractice(v1::Completion::Status status);

// The local time of a practice in the zone the client was in (`occur_time_zone`), so practice
// on a trip counts for the day the client lived; `fallback` (the client's zone) when the
// completion names no zone or one that does not load.
absl::CivilSecond LocalTimeOf(const v1::Completion& completion, absl::TimeZone fallback);

enum class OccurrenceStatus {
  // Matched to a practice that counts.
  kDone,
  // Unmatched and its window has ended.
  kMissed,
  // Unmatched and its window is open now.
  kDue,
  // Unmatched and its window has not started.
  kUpcoming,
};

struct MatchedOccurrence {
  Occurrence occurrence;
  OccurrenceStatus status = OccurrenceStatus::kUpcoming;
  // kDone: index into the `completions` given to MatchOccurrences.
  std::optional<size_t> completion_index;
};

struct Matching {
  // In the order of the occurrences given.
  std::vector<MatchedOccurrence> occurrences;
  // Indexes of the completions that count as practice but matched no occurrence (practice
  // beyond the target, or outside every occurrence's days), ascending.
  std::vector<size_t> unmatched_completions;
};

// Matches practice to occurrences. A completion that counts (CountsAsPractice) matches an
// occurrence whose days hold its local day (LocalTimeOf, so in the zone the client was in);
// each completion matches at most one occurrence and each occurrence at most one completion.
// Occurrences are served in order of their last day, each taking the earliest unused practice
// in its days, which matches as many occurrences as any assignment could. An unmatched
// occurrence is missed, due or upcoming by its absolute window against `now`. Because days are
// taken in the client's zone of the moment, a practice abroad can still settle an occurrence
// whose window at home has already passed.
Matching MatchOccurrences(absl::Span<const Occurrence> occurrences,
                          absl::Span<const v1::Completion> completions, absl::TimeZone client_zone,
                          absl::Time now);

}  // namespace therapy::homework::clinical

#endif  // SERVICES_HOMEWORK_CORE_CLINICAL_SCHEDULE_H_
