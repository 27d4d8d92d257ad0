#include "services/homework/core/clinical/practice_periods.h"

#include <algorithm>
#include <map>
#include <set>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "services/homework/core/clinical/schedule.h"
#include "services/homework/core/model/proto_time.h"

namespace therapy::homework::clinical {
namespace {

PeriodCount::State StateOf(const PeriodCount& count, bool any_missed, bool any_due) {
  if (count.expected == 0) return PeriodCount::State::kNotScheduled;
  if (count.completed >= count.expected) return PeriodCount::State::kMet;
  if (any_missed) {
    return count.completed > 0 ? PeriodCount::State::kPartlyMet : PeriodCount::State::kMissed;
  }
  if (any_due) return PeriodCount::State::kOpen;
  return PeriodCount::State::kUpcoming;
}

}  // namespace

absl::StatusOr<std::vector<PeriodCount>> CountPracticePeriods(
    const v1::Assignment& assignment, absl::TimeZone client_zone,
    absl::Span<const v1::Completion> completions, absl::CivilDay first_day, absl::CivilDay last_day,
    absl::Time now) {
  if (last_day < first_day) {
    return absl::InvalidArgumentError("the last day must not be before the first day");
  }
  absl::StatusOr<PracticePlan> plan = PlanPractice(assignment.schedule());
  if (!plan.ok()) return plan.status();
  const auto start_of = [&](absl::CivilDay day) { return CalendarPeriodOf(*plan, day).first_day; };
  const absl::CivilDay begin = start_of(first_day);
  const absl::CivilDay end = CalendarPeriodOf(*plan, last_day).last_day;  // inclusive
  if (end - begin >= kMaxWindowDays) {
    return absl::InvalidArgumentError(
        absl::StrCat("the range of days must be at most ", kMaxWindowDays, " days"));
  }

  // Occurrences are assigned to the window holding the start of their first day, and a week's
  // first day is its first scheduled day, so the window of whole periods holds exactly theirs.
  const absl::Time range_start = absl::FromCivil(begin, client_zone);
  const absl::Time range_end = absl::FromCivil(end + 1, client_zone);
  absl::StatusOr<std::vector<Occurrence>> occurrences = ExpectedOccurrences(
      assignment.schedule(), client_zone, range_start, range_end, PlannedTimes::kLeftOut);
  if (!occurrences.ok()) return occurrences.status();
  const Matching matching = MatchOccurrences(*occurrences, completions, client_zone, now);

  std::map<absl::CivilDay, PeriodCount> periods;
  for (absl::CivilDay day = begin; day <= end;) {
    const CalendarPeriod whole = CalendarPeriodOf(*plan, day);
    PeriodCount& count = periods[whole.first_day];
    count.first_day = whole.first_day;
    count.last_day = whole.last_day;
    day = whole.last_day + 1;
  }
  std::set<absl::CivilDay> missed;
  std::set<absl::CivilDay> due;
  for (const MatchedOccurrence& matched : matching.occurrences) {
    const absl::CivilDay start = start_of(matched.occurrence.first_day);
    auto it = periods.find(start);
    if (it == periods.end()) continue;
    PeriodCount& count = it->second;
    ++count.expected;
    switch (matched.status) {
      case OccurrenceStatus::kDone:
        ++count.completed;
        if (completions[*matched.completion_index].status() ==
            v1::Completion::STATUS_MINIMUM_VERSION) {
          ++count.minimum_version;
        }
        break;
      case OccurrenceStatus::kMissed:
        missed.insert(start);
        break;
      case OccurrenceStatus::kDue:
        due.insert(start);
        break;
      case OccurrenceStatus::kUpcoming:
        break;
    }
  }
  for (size_t index : matching.unmatched_completions) {
    // Practice more than two days from the range (no zone is more than 26 hours from another)
    // has no local day in it: the rest of a year of history is passed over unconverted.
    const absl::Time time = FromProtoTime(completions[index].occur_time());
    if (time < range_start - absl::Hours(48) || time >= range_end + absl::Hours(48)) continue;
    const absl::CivilDay day(LocalTimeOf(completions[index], client_zone));
    auto it = periods.find(start_of(day));
    if (it != periods.end()) ++it->second.extra;
  }

  std::vector<PeriodCount> result;
  result.reserve(periods.size());
  for (auto& [start, count] : periods) {
    count.state = StateOf(count, missed.count(start) > 0, due.count(start) > 0);
    result.push_back(count);
  }
  return result;
}

absl::StatusOr<PracticeFigures> ComputePracticeFigures(const v1::Assignment& assignment,
                                                       absl::TimeZone client_zone,
                                                       absl::Span<const v1::Completion> completions,
                                                       absl::Time from, absl::Time now,
                                                       int calendar_weeks) {
  if (calendar_weeks < 1) return absl::InvalidArgumentError("calendar_weeks must be at least 1");
  absl::StatusOr<PracticePlan> plan = PlanPractice(assignment.schedule());
  if (!plan.ok()) return plan.status();
  PracticeFigures figures;
  figures.period = plan->period;
  figures.interval = plan->interval;

  // Days or weeks that began in the window, also inside blocks of `interval` of them ("over 3
  // weeks" of an every-two-weeks plan): the periods the same schedule taken every period would
  // expect practice in.
  v1::Schedule every_period = assignment.schedule();
  every_period.set_interval(1);
  absl::StatusOr<std::vector<Occurrence>> window =
      ExpectedOccurrences(every_period, client_zone, from, now, PlannedTimes::kLeftOut);
  if (!window.ok()) return window.status();
  std::vector<absl::CivilDay> begun;
  begun.reserve(window->size());
  for (const Occurrence& occurrence : *window) {
    begun.push_back(figures.period == v1::Schedule::PERIOD_WEEK ? MondayOf(occurrence.first_day)
                                                                : occurrence.first_day);
  }
  std::sort(begun.begin(), begun.end());
  figures.periods_elapsed =
      static_cast<int>(std::unique(begun.begin(), begun.end()) - begun.begin());

  const absl::CivilDay today = absl::ToCivilDay(now, client_zone);
  const absl::CivilDay last = MondayOf(today) + 6;
  const absl::CivilDay first = MondayOf(today) - 7 * (calendar_weeks - 1);
  absl::StatusOr<std::vector<PeriodCount>> calendar =
      CountPracticePeriods(assignment, client_zone, completions, first, last, now);
  if (!calendar.ok()) return calendar.status();
  figures.calendar = *std::move(calendar);
  const absl::CivilDay current = CalendarPeriodOf(*plan, today).first_day;
  for (const PeriodCount& count : figures.calendar) {
    if (count.first_day == current) figures.current = count;
  }
  return figures;
}

}  // namespace therapy::homework::clinical
