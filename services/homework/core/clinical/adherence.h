#ifndef SERVICES_HOMEWORK_CORE_CLINICAL_ADHERENCE_H_
#define SERVICES_HOMEWORK_CORE_CLINICAL_ADHERENCE_H_

// Adherence of one assignment over a period, as the review at the next session shows it:
// completed against target, the kinds of completion counted apart, timing consistency, a
// forgiving streak, and the therapist's quality ratings kept separate from every count
// [Kazantzis 2016: quality predicts outcome as strongly as quantity].
//
// Pure function: no I/O, no clock (callers pass `now`), safe to call from any thread.

#include <optional>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "therapy/homework/v1/assignment.pb.h"
#include "therapy/homework/v1/completion.pb.h"

namespace therapy::homework::clinical {

// How close practice was to the preferred local time of day.
struct TimingConsistency {
  // Practices compared: those that count (done, partial, minimum version) with occur_time in
  // [from, to). Zero when the schedule has no `preferred_local_time` (a habit anchor alone
  // names a routine, not a clock time, so nothing is compared).
  int practices_timed = 0;
  // Median of the absolute minutes between each practice's local time of day (in the zone the
  // client was in) and the nearest nominal slot time of the schedule (PracticePlan::
  // slot_minutes for daily schedules, the preferred time for weekly ones). Distances go round
  // midnight: 23:30 against 00:15 is 45 minutes. Wall-clock times are compared, so practice at
  // 07:30 is on time on a daylight-saving day too. nullopt when nothing was compared.
  std::optional<double> median_minutes_off;
  // Share of compared practices within 60 minutes (inclusive) of their slot time, 0-1.
  std::optional<double> share_within_hour;
};

// A streak that forgives single misses [Lally 2010: a single missed day does not affect habit
// formation].
//
// Daily schedules (unit kDays): walking back from today (or from the schedule's last day when it
// is over), a day is practised when at least one practice that counts falls on it (local day as
// in MatchOccurrences; the minimum version counts). One unpractised day between practised days
// is forgiven; two unpractised days in a row end the streak. Today, while not yet practised, is
// still open: it neither counts nor breaks. `length` counts the practised days of the run;
// `forgiven` counts the single misses inside it. Example (oldest first, today last): practised,
// missed, practised, practised, today open -> length 3, forgiven 1.
//
// Weekly schedules (unit kWeeks): the same over Monday-Sunday weeks, where a week counts when it
// met its target (PlannedWeekOf: a cut-short week keeps a share of the target) and the current
// week is open until it meets it or ends.
//
// The streak looks at every completion given, not only those in [from, to): a streak that
// started before the review period still counts. It never reaches before the schedule's
// start_date.
//
// Schedules with an interval above 1 (unit kBlocks): the same over blocks of `interval` periods
// (PlannedBlockOf), each counting when it met its target.
struct Streak {
  enum class Unit { kDays, kWeeks, kBlocks };
  Unit unit = Unit::kDays;
  int length = 0;
  int forgiven = 0;
};

// The therapist's reviews, never mixed into the counts.
struct QualitySummary {
  // Completions with occur_time in [from, to) carrying a review with quality_rating 1-5.
  int reviewed_count = 0;
  // Mean quality_rating of those; nullopt when none was reviewed.
  std::optional<double> mean_rating;
};

struct Adherence {
  // Practices the schedule expects in the period (ExpectedOccurrences over [from, to)).
  int target_count = 0;
  // Expected practices matched to a practice that counts (MatchOccurrences); always
  // done_count + partial_count + minimum_version_count, never more than target_count.
  int completed_count = 0;
  // completed_count split by the status of the matched completion.
  int done_count = 0;
  int partial_count = 0;
  int minimum_version_count = 0;
  // Expected practices whose window ended unmatched.
  int missed_count = 0;
  // Expected practices unmatched whose window is still open or has not started.
  int open_count = 0;
  // Completions with status STATUS_SKIPPED and occur_time in [from, to).
  int skipped_count = 0;
  // Practices that count, with occur_time in [from, to), beyond what the schedule expected.
  int extra_count = 0;
  // completed_count / (completed_count + missed_count): adherence over the expected practices
  // already settled, so a practice still open today lowers nothing until its day is over.
  // nullopt when nothing is settled yet.
  std::optional<double> ratio;
  TimingConsistency timing;
  Streak streak;
  QualitySummary quality;
};

// Adherence of `assignment` over [from, to), with `client_zone` the client's zone and `now`
// the current time. `completions` are the assignment's completions in any order; pass at least
// those from a day before `from` until `now` (a practice abroad can fall on a local day of the
// period a little before `from`), and earlier ones for the streak. Completions of other
// assignments must not be passed: they would be counted.
// Errors: INVALID_ARGUMENT for a malformed schedule or window, as ExpectedOccurrences.
absl::StatusOr<Adherence> ComputeAdherence(const v1::Assignment& assignment,
                                           absl::TimeZone client_zone,
                                           absl::Span<const v1::Completion> completions,
                                           absl::Time from, absl::Time to, absl::Time now);

}  // namespace therapy::homework::clinical

#endif  // SERVICES_HOMEWORK_CORE_CLINICAL_ADHERENCE_H_
