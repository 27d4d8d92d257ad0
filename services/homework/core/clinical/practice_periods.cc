#include "services/homework/core/clinical/practice_periods.h"

#include <algorithm>
#include <map>
#include <set>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "services/homework/core/clinical/schedule.h"

namespace therapy::homework::clinical {
namespace {

absl::CivilDay MondayOf(absl::CivilDay day) {
  return absl::PrevWeekday(day + 1, absl::Weekday::monday);
}

// The first day of the period holding `day`.
absl::CivilDay PeriodStart(v1::Schedule::Period period, absl::CivilDay day) {
  return period == v1::Schedule::PERIOD_WEEK ? MondayOf(day) : day;
}

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
    absl::Span<const v1::Completion> completions, absl::CivilDay first_day,
    absl::CivilDay last_day, absl::Time now) {
  if (last_day < first_day) {
    return absl::InvalidArgumentError("the last day must not be before the first day");
  }
  const v1::Schedule::Period period = assignment.schedule().period();
  const bool weekly = period == v1::Schedule::PERIOD_WEEK;
  const absl::CivilDay begin = PeriodStart(period, first_day);
  const absl::CivilDay end = weekly ? MondayOf(last_day) + 6 : last_day;  // inclusive
  if (end - begin >= kMaxWindowDays) {
    return absl::InvalidArgumentError(
        absl::StrCat("the range of days must be at most ", kMaxWindowDays, " days"));
  }

  // Occurrences are assigned to the window holding the start of their first day, and a week's
  // first day is its first scheduled day, so the window of whole periods holds exactly theirs.
  absl::StatusOr<std::vector<Occurrence>> occurrences =
      ExpectedOccurrences(assignment.schedule(), client_zone, absl::FromCivil(begin, client_zone),
                          absl::FromCivil(end + 1, client_zone));
  if (!occurrences.ok()) return occurrences.status();
  const Matching matching = MatchOccurrences(*occurrences, completions, client_zone, now);

  std::map<absl::CivilDay, PeriodCount> periods;
  for (absl::CivilDay day = begin; day <= end; day += weekly ? 7 : 1) {
    PeriodCount& count = periods[day];
    count.first_day = day;
    count.last_day = weekly ? day + 6 : day;
  }
  std::set<absl::CivilDay> missed;
  std::set<absl::CivilDay> due;
  for (const MatchedOccurrence& matched : matching.occurrences) {
    const absl::CivilDay start = PeriodStart(period, matched.occurrence.first_day);
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
    const absl::CivilDay day(LocalTimeOf(completions[index], client_zone));
    auto it = periods.find(PeriodStart(period, day));
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
  PracticeFigures figures;
  figures.period = assignment.schedule().period();

  absl::StatusOr<std::vector<Occurrence>> window =
      ExpectedOccurrences(assignment.schedule(), client_zone, from, now);
  if (!window.ok()) return window.status();
  std::set<absl::CivilDay> begun;
  for (const Occurrence& occurrence : *window) {
    begun.insert(PeriodStart(figures.period, occurrence.first_day));
  }
  figures.periods_elapsed = static_cast<int>(begun.size());

  const absl::CivilDay today = absl::ToCivilDay(now, client_zone);
  const absl::CivilDay last = MondayOf(today) + 6;
  const absl::CivilDay first = MondayOf(today) - 7 * (calendar_weeks - 1);
  absl::StatusOr<std::vector<PeriodCount>> calendar =
      CountPracticePeriods(assignment, client_zone, completions, first, last, now);
  if (!calendar.ok()) return calendar.status();
  figures.calendar = *std::move(calendar);
  const absl::CivilDay current = PeriodStart(figures.period, today);
  for (const PeriodCount& count : figures.calendar) {
    if (count.first_day == current) figures.current = count;
  }
  return figures;
}

}  // namespace therapy::homework::clinical
