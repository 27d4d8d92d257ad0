#ifndef SERVICES_HOMEWORK_CORE_RULES_REVIEW_SUMMARY_H_
#define SERVICES_HOMEWORK_CORE_RULES_REVIEW_SUMMARY_H_

#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/homework/core/clinical/reliable_change.h"
#include "therapy/homework/v1/assignment.pb.h"
#include "therapy/homework/v1/client.pb.h"
#include "therapy/homework/v1/completion.pb.h"
#include "therapy/homework/v1/hierarchy.pb.h"
#include "therapy/homework/v1/review_summary.pb.h"

namespace therapy::homework {

// Below this adherence ratio the summary suggests a smaller version or another anchor.
inline constexpr double kLowAdherence = 0.5;

// Builds the review the therapist opens at the start of a session from already-loaded data:
// `assignments` are the client's active assignments, `completions` every completion of the
// client with occur_time in [since, now) (any order). Outcome measures fill `measure_trend`
// (oldest first) and, for answers scored urgent (PHQ-9 item 9 above zero), `urgent_flags`
// (newest first, reviewed or not). Pure: no I/O. Errors: INVALID_ARGUMENT when the client's
// time zone or a schedule cannot be used.
// `hierarchies` are the client's exposure hierarchies: each is reviewed with the practice of its
// current step (completions of active exposure assignments pointing at that step) and a
// progression suggestion under its own policy.
// Each `measure_trend` point carries its change from the client's first (baseline) and previous
// total of the same measure under `thresholds`; `measure_history` holds the client's measure
// completions before `since` (any order; others are ignored), where the baseline and the
// previous total of the period's first point usually are.
// Each assignment's adherence carries the figures every view shows (clinical/practice_periods.h:
// its period, the periods elapsed, the current period and the four-week calendar).
// `earlier_practice` holds the client's completions from a day before CalendarStart(...) up to
// `since` (any order), so the calendar and the streak can reach before the period; they count
// nowhere else.
absl::StatusOr<v1::ReviewSummary> BuildReviewSummary(
    const v1::Client& client, const std::vector<v1::Assignment>& assignments,
    std::vector<v1::Completion> completions, absl::Time since, absl::Time now,
    const std::vector<v1::Hierarchy>& hierarchies = {},
    std::vector<v1::Completion> measure_history = {},
    const clinical::MeasureThresholds& thresholds = {},
    std::vector<v1::Completion> earlier_practice = {});

// The weeks of the adherence calendar (the current one included).
inline constexpr int kCalendarWeeks = 4;

// The first instant whose practice the adherence calendar of a client in `zone` can show at
// `now`: a day before the Monday kCalendarWeeks - 1 weeks before this week's (a day earlier for a
// practice abroad). Load completions from min(this, since) for BuildReviewSummary.
absl::Time CalendarStart(absl::TimeZone zone, absl::Time now);

// The change of each measure total in `completions` (sorted oldest first; completions without
// a measure are skipped) from the first and the previous total of its measure, `history`
// (older measure completions, oldest first) counting before them. The result is parallel to
// the measure completions of `completions`, in their order.
std::vector<v1::MeasureChange> MeasureChanges(const std::vector<v1::Completion>& history,
                                              const std::vector<v1::Completion>& completions,
                                              const clinical::MeasureThresholds& thresholds);

}  // namespace therapy::homework

#endif  // SERVICES_HOMEWORK_CORE_RULES_REVIEW_SUMMARY_H_
