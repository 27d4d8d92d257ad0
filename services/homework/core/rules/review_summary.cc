#include "services/homework/core/rules/review_summary.h"

#include <algorithm>
#include <map>
#include <numeric>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "absl/types/span.h"
#include "services/homework/core/clinical/adherence.h"
#include "services/homework/core/clinical/exposure.h"
#include "services/homework/core/clinical/practice_periods.h"
#include "services/homework/core/model/calendar_text.h"
#include "services/homework/core/model/flag_reasons.h"
#include "services/homework/core/model/proto_time.h"
#include "services/homework/core/model/time_zone.h"
#include "services/homework/core/rules/measure_scoring.h"
#include "services/homework/core/status_macros.h"

namespace therapy::homework {
namespace {

constexpr int kRecentCompletions = 20;

bool OlderFirst(const v1::Completion& a, const v1::Completion& b) {
  return FromProtoTime(a.occur_time()) < FromProtoTime(b.occur_time());
}

// Sorts `completions` oldest first, keeping the order of equal times (std::stable_sort with
// OlderFirst), with each time read once and each completion moved at most once: the stores list
// newest first, and a year holds thousands.
void SortOlderFirst(std::vector<v1::Completion>& completions) {
  std::vector<absl::Time> times;
  times.reserve(completions.size());
  for (const v1::Completion& completion : completions) {
    times.push_back(FromProtoTime(completion.occur_time()));
  }
  if (std::is_sorted(times.begin(), times.end())) return;
  if (std::is_sorted(times.rbegin(), times.rend())) {
    // Newest first, as listed: reversed in place, then each run of equal times back to the
    // order it was listed in.
    std::reverse(completions.begin(), completions.end());
    std::reverse(times.begin(), times.end());
    for (size_t run = 0; run < times.size();) {
      size_t end = run + 1;
      while (end < times.size() && times[end] == times[run]) ++end;
      std::reverse(completions.begin() + static_cast<ptrdiff_t>(run),
                   completions.begin() + static_cast<ptrdiff_t>(end));
      run = end;
    }
    return;
  }
  std::vector<size_t> order(completions.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return times[a] < times[b]; });
  std::vector<v1::Completion> sorted;
  sorted.reserve(completions.size());
  for (size_t index : order) sorted.push_back(std::move(completions[index]));
  completions = std::move(sorted);
}

v1::Adherence ToProto(const clinical::Adherence& a) {
  v1::Adherence proto;
  proto.set_target_count(a.target_count);
  proto.set_completed_count(a.completed_count);
  proto.set_done_count(a.done_count);
  proto.set_partial_count(a.partial_count);
  proto.set_minimum_version_count(a.minimum_version_count);
  proto.set_missed_count(a.missed_count);
  proto.set_open_count(a.open_count);
  proto.set_extra_count(a.extra_count);
  proto.set_skipped_count(a.skipped_count);
  if (a.ratio) proto.set_ratio(*a.ratio);
  if (a.timing.median_minutes_off) {
    proto.set_median_minutes_off_preferred_time(*a.timing.median_minutes_off);
  }
  if (a.timing.share_within_hour) proto.set_share_within_hour(*a.timing.share_within_hour);
  proto.set_streak(a.streak.length);
  proto.set_streak_forgiven(a.streak.forgiven);
  proto.set_reviewed_count(a.quality.reviewed_count);
  if (a.quality.mean_rating) proto.set_mean_quality_rating(*a.quality.mean_rating);
  return proto;
}

v1::PracticePeriod ToProto(const clinical::PeriodCount& count) {
  v1::PracticePeriod proto;
  proto.set_first_day(DayText(count.first_day));
  proto.set_last_day(DayText(count.last_day));
  proto.set_expected_count(count.expected);
  proto.set_completed_count(count.completed);
  proto.set_minimum_version_count(count.minimum_version);
  proto.set_extra_count(count.extra);
  using State = clinical::PeriodCount::State;
  switch (count.state) {
    case State::kNotScheduled:
      proto.set_state(v1::PracticePeriod::STATE_NOT_SCHEDULED);
      break;
    case State::kUpcoming:
      proto.set_state(v1::PracticePeriod::STATE_UPCOMING);
      break;
    case State::kOpen:
      proto.set_state(v1::PracticePeriod::STATE_OPEN);
      break;
    case State::kMet:
      proto.set_state(v1::PracticePeriod::STATE_MET);
      break;
    case State::kPartlyMet:
      proto.set_state(v1::PracticePeriod::STATE_PARTLY_MET);
      break;
    case State::kMissed:
      proto.set_state(v1::PracticePeriod::STATE_MISSED);
      break;
  }
  return proto;
}

// The figures every view shows, into `proto` beside the adherence counts.
void AddFigures(const clinical::PracticeFigures& figures, v1::Adherence& proto) {
  proto.set_period(figures.period);
  proto.set_periods_elapsed(figures.periods_elapsed);
  proto.set_interval(figures.interval);
  *proto.mutable_current_period() = ToProto(figures.current);
  for (const clinical::PeriodCount& count : figures.calendar) {
    *proto.add_calendar() = ToProto(count);
  }
}

v1::ProgressionSuggestion ToProto(const clinical::Suggestion& s) {
  v1::ProgressionSuggestion proto;
  switch (s.kind) {
    case clinical::Suggestion::Kind::kAdvance:
      proto.set_kind(v1::ProgressionSuggestion::KIND_ADVANCE);
      break;
    case clinical::Suggestion::Kind::kRepeat:
      proto.set_kind(v1::ProgressionSuggestion::KIND_REPEAT);
      break;
    case clinical::Suggestion::Kind::kStepBack:
      proto.set_kind(v1::ProgressionSuggestion::KIND_STEP_BACK);
      break;
  }
  proto.set_reason(s.reason);
  return proto;
}

// Low adherence: suggest making the practice easier to start, in the order the clinical model
// gives (a smaller version first, then another anchor).
std::optional<v1::SuggestedAdjustment> AdjustmentFor(const v1::Assignment& assignment,
                                                     const clinical::Adherence& adherence) {
  if (!adherence.ratio || *adherence.ratio >= kLowAdherence) return std::nullopt;
  v1::SuggestedAdjustment adjustment;
  adjustment.set_assignment(assignment.name());
  const bool used_minimum = adherence.minimum_version_count > 0;
  adjustment.set_suggestion(
      used_minimum ? "Try another habit anchor or cue: even the two-minute version is not "
                     "happening reliably at the current moment of the day"
                   : "Agree a smaller version (make the two-minute version the plan for a week) "
                     "or stack it on a different routine");
  adjustment.set_reason(
      absl::StrFormat("%d of the %d practices due so far done (%.0f%%)", adherence.completed_count,
                      adherence.completed_count + adherence.missed_count, *adherence.ratio * 100));
  return adjustment;
}

// The SUDS ratings of `completions` (in their order), for a chart.
void AddSudsSeries(absl::Span<const v1::Completion> completions,
                   google::protobuf::RepeatedPtrField<v1::SudsPoint>& series) {
  for (const v1::Completion& completion : completions) {
    if (!completion.has_suds()) continue;
    v1::SudsPoint* point = series.Add();
    point->set_completion(completion.name());
    *point->mutable_occur_time() = completion.occur_time();
    if (completion.suds().has_before()) point->set_before(completion.suds().before());
    if (completion.suds().has_peak()) point->set_peak(completion.suds().peak());
    if (completion.suds().has_after()) point->set_after(completion.suds().after());
  }
}

// A hierarchy's policy for the clinical rules; zero fields keep the clinical model's defaults.
clinical::ProgressionPolicy PolicyOf(const v1::Hierarchy& hierarchy) {
  const v1::ProgressionPolicy& stored = hierarchy.policy();
  clinical::ProgressionPolicy policy;
  if (stored.mode() == v1::ProgressionPolicy::MODE_EXPECTANCY) {
    policy.mode = clinical::ProgressionPolicy::Mode::kExpectancy;
  }
  if (stored.drop_percent() > 0) policy.drop_percent = stored.drop_percent();
  if (stored.start_at_or_below() > 0) policy.start_at_or_below = stored.start_at_or_below();
  if (stored.overwhelm_peak() > 0) policy.overwhelm_peak = stored.overwhelm_peak();
  return policy;
}

v1::MeasureChange::ReliableChange ToProto(clinical::ReliableChange change) {
  switch (change) {
    case clinical::ReliableChange::kReliableImprovement:
      return v1::MeasureChange::RELIABLE_CHANGE_IMPROVEMENT;
    case clinical::ReliableChange::kNoReliableChange:
      return v1::MeasureChange::RELIABLE_CHANGE_NONE;
    case clinical::ReliableChange::kReliableDeterioration:
      return v1::MeasureChange::RELIABLE_CHANGE_DETERIORATION;
  }
  return v1::MeasureChange::RELIABLE_CHANGE_UNSPECIFIED;
}

v1::MeasureChange::Recovery ToProto(clinical::Recovery recovery) {
  switch (recovery) {
    case clinical::Recovery::kNotAtCaseness:
      return v1::MeasureChange::RECOVERY_NOT_AT_CASENESS;
    case clinical::Recovery::kNotRecovered:
      return v1::MeasureChange::RECOVERY_NOT_RECOVERED;
    case clinical::Recovery::kRecovered:
      return v1::MeasureChange::RECOVERY_RECOVERED;
    case clinical::Recovery::kReliableRecovery:
      return v1::MeasureChange::RECOVERY_RELIABLE_RECOVERY;
  }
  return v1::MeasureChange::RECOVERY_UNSPECIFIED;
}

// The point of one measure completion with its `change`.
void SetMeasurePoint(const v1::Completion& completion, v1::MeasureChange change,
                     v1::MeasurePoint& point) {
  const v1::MeasureResponse& measure = completion.measure();
  point.set_completion(completion.name());
  point.set_measure(measure.measure());
  *point.mutable_occur_time() = completion.occur_time();
  point.set_total(measure.total());
  point.set_severity(measure.severity());
  *point.mutable_change() = std::move(change);
}

// `history` sorted oldest first; MeasureChanges with no history before it reckons each point
// against the first total of its measure, the client's baseline.
void AddEarlierMeasures(const std::vector<v1::Completion>& history, absl::Time since,
                        absl::Time now, const clinical::MeasureThresholds& thresholds,
                        v1::ReviewSummary& summary) {
  constexpr absl::Duration kEarlierMeasuresSpan = absl::Hours(24 * 180);
  std::vector<v1::MeasureChange> changes = MeasureChanges({}, history, thresholds);
  size_t next_change = 0;
  for (const v1::Completion& completion : history) {
    if (!completion.has_measure()) continue;
    v1::MeasureChange& change = changes[next_change++];
    const absl::Time occur = FromProtoTime(completion.occur_time());
    if (occur >= since || occur < now - kEarlierMeasuresSpan) continue;
    SetMeasurePoint(completion, std::move(change), *summary.add_earlier_measures());
  }
}

}  // namespace

absl::Time CalendarStart(absl::TimeZone zone, absl::Time now) {
  const absl::CivilDay today = absl::ToCivilDay(now, zone);
  const absl::CivilDay monday = absl::PrevWeekday(today + 1, absl::Weekday::monday);
  return absl::FromCivil(monday - 7 * (kCalendarWeeks - 1) - 1, zone);
}

std::vector<v1::MeasureChange> MeasureChanges(const std::vector<v1::Completion>& history,
                                              const std::vector<v1::Completion>& completions,
                                              const clinical::MeasureThresholds& thresholds) {
  struct Seen {
    std::string baseline_completion;
    int baseline = 0;
    int previous = 0;
  };
  std::map<v1::Measure, Seen> seen;
  std::vector<v1::MeasureChange> changes;
  auto assess = [&](const v1::Completion& completion, bool output) {
    if (!completion.has_measure()) return;
    const v1::MeasureResponse& measure = completion.measure();
    const clinical::ChangeThresholds& limits =
        measure.measure() == v1::MEASURE_GAD7 ? thresholds.gad7 : thresholds.phq9;
    const int total = measure.total();
    auto [it, first] = seen.try_emplace(measure.measure(), Seen{completion.name(), total, total});
    if (output) {
      const clinical::MeasureChange change = clinical::AssessChange(
          limits, it->second.baseline,
          first ? std::nullopt : std::optional<int>(it->second.previous), total);
      v1::MeasureChange& proto = changes.emplace_back();
      proto.set_baseline_completion(it->second.baseline_completion);
      proto.set_baseline_total(change.baseline);
      proto.set_change_from_baseline(change.from_baseline);
      proto.set_since_baseline(ToProto(change.since_baseline));
      if (change.from_previous) proto.set_change_from_previous(*change.from_previous);
      if (change.since_previous) proto.set_since_previous(ToProto(*change.since_previous));
      proto.set_recovery(ToProto(change.recovery));
      proto.set_reliable_change_threshold(limits.reliable_change);
      proto.set_caseness_threshold(limits.caseness);
    }
    it->second.previous = total;
  };
  for (const v1::Completion& completion : history) assess(completion, false);
  for (const v1::Completion& completion : completions) assess(completion, true);
  return changes;
}

absl::StatusOr<v1::ReviewSummary> BuildReviewSummary(
    const v1::Client& client, const std::vector<v1::Assignment>& assignments,
    std::vector<v1::Completion> completions, absl::Time since, absl::Time now,
    const std::vector<v1::Hierarchy>& hierarchies, std::vector<v1::Completion> measure_history,
    const clinical::MeasureThresholds& thresholds, std::vector<v1::Completion> earlier_practice) {
  const std::optional<absl::TimeZone> loaded = LoadIanaTimeZone(client.time_zone());
  if (!loaded) {
    return absl::FailedPreconditionError(
        "the client's stored time_zone is not an IANA time zone: set it with UpdateClient");
  }
  const absl::TimeZone zone = *loaded;
  SortOlderFirst(completions);
  SortOlderFirst(measure_history);
  std::vector<v1::MeasureChange> changes = MeasureChanges(measure_history, completions, thresholds);
  size_t next_change = 0;

  v1::ReviewSummary summary;
  summary.set_client(client.name());
  *summary.mutable_since_time() = ToProtoTime(since);
  *summary.mutable_until_time() = ToProtoTime(now);
  AddEarlierMeasures(measure_history, since, now, thresholds, summary);

  for (const v1::Completion& completion : completions) {
    if (!completion.has_review()) summary.set_unreviewed_count(summary.unreviewed_count() + 1);
    if (completion.has_mood()) {
      v1::MoodPoint* point = summary.add_mood_trend();
      *point->mutable_occur_time() = completion.occur_time();
      point->set_mood(completion.mood());
    }
    const bool to_discuss = completion.has_thought_record() || completion.has_experiment();
    if (to_discuss && !completion.has_review()) *summary.add_to_discuss() = completion;
    if (completion.has_measure()) {
      SetMeasurePoint(completion, std::move(changes[next_change++]), *summary.add_measure_trend());
    }
  }
  // Urgent answers newest first, reviewed or not: a review of the homework does not settle a
  // risk answer, and the therapist must never have to find one in a list.
  for (auto it = completions.rbegin(); it != completions.rend(); ++it) {
    if (!it->has_measure() || !it->measure().urgent()) continue;
    v1::UrgentFlag* flag = summary.add_urgent_flags();
    flag->set_completion(it->name());
    *flag->mutable_occur_time() = it->occur_time();
    *flag->mutable_coded_reason() = MeasureFlagReason(it->measure());
    flag->set_reason(FlagReasonText(flag->coded_reason()));
  }

  // Each assignment's practice, moved (not copied) out of the lists: first the practice before
  // the period (for the streak and the calendar only), then the period's, oldest first (`own`).
  struct Practice {
    std::vector<v1::Completion> completions;
    size_t period_start = 0;  // the first of the period's
    absl::Span<const v1::Completion> own() const {
      return absl::MakeConstSpan(completions).subspan(period_start);
    }
  };
  absl::flat_hash_map<std::string, Practice> by_assignment;
  auto practice_of = [&](const v1::Completion& completion) -> Practice& {
    const std::string& name = completion.name();
    return by_assignment[absl::string_view(name).substr(0, name.find("/completions/"))];
  };
  for (v1::Completion& completion : earlier_practice) {
    if (FromProtoTime(completion.occur_time()) >= since) continue;
    Practice& practice = practice_of(completion);
    practice.completions.push_back(std::move(completion));
    ++practice.period_start;
  }
  for (v1::Completion& completion : completions) {
    practice_of(completion).completions.push_back(std::move(completion));
  }
  const Practice none;
  auto practice_of_assignment = [&](const std::string& name) -> const Practice& {
    auto it = by_assignment.find(name);
    return it == by_assignment.end() ? none : it->second;
  };

  for (const v1::Assignment& assignment : assignments) {
    const Practice& practice = practice_of_assignment(assignment.name());
    const absl::Span<const v1::Completion> own = practice.own();
    v1::AssignmentReview* review = summary.add_assignments();
    *review->mutable_assignment() = assignment;
    ASSIGN_OR_RETURN(
        clinical::Adherence adherence,
        clinical::ComputeAdherence(assignment, zone, practice.completions, since, now, now));
    *review->mutable_adherence() = ToProto(adherence);
    ASSIGN_OR_RETURN(clinical::PracticeFigures figures,
                     clinical::ComputePracticeFigures(assignment, zone, practice.completions, since,
                                                      now, kCalendarWeeks));
    AddFigures(figures, *review->mutable_adherence());
    for (auto it = own.rbegin();
         it != own.rend() && review->recent_completions_size() < kRecentCompletions; ++it) {
      *review->add_recent_completions() = *it;
    }
    if (assignment.exercise().kind() == v1::EXERCISE_KIND_EXPOSURE_PRACTICE) {
      AddSudsSeries(own, *review->mutable_suds_series());
      // An exposure step of a hierarchy follows that hierarchy's policy.
      clinical::ProgressionPolicy policy;
      const std::string& step_of = assignment.exercise().exposure_practice().hierarchy();
      for (const v1::Hierarchy& hierarchy : hierarchies) {
        if (hierarchy.name() == step_of) policy = PolicyOf(hierarchy);
      }
      ASSIGN_OR_RETURN(clinical::Suggestion suggestion, clinical::SuggestProgression(policy, own));
      *review->mutable_progression() = ToProto(suggestion);
    }
    if (auto adjustment = AdjustmentFor(assignment, adherence)) {
      *summary.add_suggested_adjustments() = *std::move(adjustment);
    }
  }

  for (const v1::Hierarchy& hierarchy : hierarchies) {
    // The current step's practice: completions of exposure assignments pointing at it.
    std::vector<v1::Completion> step_practice;
    for (const v1::Assignment& assignment : assignments) {
      const auto& exposure = assignment.exercise().exposure_practice();
      if (assignment.exercise().kind() != v1::EXERCISE_KIND_EXPOSURE_PRACTICE ||
          exposure.hierarchy() != hierarchy.name() ||
          exposure.hierarchy_step() != hierarchy.current_step()) {
        continue;
      }
      const absl::Span<const v1::Completion> own = practice_of_assignment(assignment.name()).own();
      step_practice.insert(step_practice.end(), own.begin(), own.end());
    }
    std::sort(step_practice.begin(), step_practice.end(), OlderFirst);
    v1::HierarchyReview* review = summary.add_hierarchies();
    *review->mutable_hierarchy() = hierarchy;
    AddSudsSeries(step_practice, *review->mutable_current_step_series());
    ASSIGN_OR_RETURN(clinical::Suggestion suggestion,
                     clinical::SuggestProgression(PolicyOf(hierarchy), step_practice));
    *review->mutable_suggestion() = ToProto(suggestion);
  }
  return summary;
}

}  // namespace therapy::homework
