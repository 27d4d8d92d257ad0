#include "services/homework/core/clinical/schedule.h"

#include <algorithm>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "services/homework/core/model/calendar_text.h"
#include "services/homework/core/model/proto_time.h"
#include "services/homework/core/model/time_zone.h"

namespace therapy::homework::clinical {
namespace {

constexpr int kMinutesPerDay = 24 * 60;

std::vector<int> DaySlots(int first_minute, int count) {
  const int day_end = first_minute < kWakingDayEndMinute ? kWakingDayEndMinute : kMinutesPerDay;
  std::vector<int> slots;
  slots.reserve(static_cast<size_t>(count));
  for (int i = 0; i < count; ++i) {
    slots.push_back(first_minute + i * (day_end - first_minute) / count);
  }
  return slots;
}

absl::Time StartOf(absl::CivilDay day, absl::TimeZone zone) { return absl::FromCivil(day, zone); }

// One expected practice over the local days first..last, whose window [window_start,
// window_end) runs from the start of `first` to the start of the day after `last` (the caller
// has them: each is a time zone conversion), slot `slot` among them, planned at `minute` after
// midnight of `first` when given.
Occurrence OccurrenceOver(Occurrence::Kind kind, absl::CivilDay first, absl::CivilDay last,
                          absl::Time window_start, absl::Time window_end, int slot,
                          absl::TimeZone zone, std::optional<int> minute) {
  Occurrence occurrence;
  occurrence.kind = kind;
  occurrence.first_day = first;
  occurrence.last_day = last;
  occurrence.window_start = window_start;
  occurrence.window_end = window_end;
  if (minute) {
    // `pre`: a skipped local time shifts forward by the gap, a repeated one is the first.
    occurrence.planned_time = zone.At(absl::CivilSecond(absl::CivilMinute(first) + *minute)).pre;
  }
  occurrence.slot = slot;
  return occurrence;
}

}  // namespace

absl::StatusOr<PracticePlan> PlanPractice(const v1::Schedule& schedule) {
  PracticePlan plan;
  if (schedule.target_count() < 1 || schedule.target_count() > 20) {
    return absl::InvalidArgumentError(
        absl::StrCat("schedule.target_count must be 1-20, got ", schedule.target_count()));
  }
  plan.target_count = schedule.target_count();
  if (schedule.period() != v1::Schedule::PERIOD_DAY &&
      schedule.period() != v1::Schedule::PERIOD_WEEK) {
    return absl::InvalidArgumentError("schedule.period must be PERIOD_DAY or PERIOD_WEEK");
  }
  plan.period = schedule.period();
  if (schedule.interval() < 0 || schedule.interval() > 52) {
    return absl::InvalidArgumentError(
        absl::StrCat("schedule.interval must be 1-52 (0 means 1), got ", schedule.interval()));
  }
  plan.interval = std::max(1, schedule.interval());
  if (!ParseDay(schedule.start_date(), plan.first_day)) {
    return absl::InvalidArgumentError("schedule.start_date must be a calendar day as YYYY-MM-DD");
  }
  if (!schedule.end_date().empty()) {
    absl::CivilDay last;
    if (!ParseDay(schedule.end_date(), last)) {
      return absl::InvalidArgumentError("schedule.end_date must be a calendar day as YYYY-MM-DD");
    }
    if (last < plan.first_day) {
      return absl::InvalidArgumentError("schedule.end_date must not be before start_date");
    }
    plan.last_day = last;
  }
  if (!schedule.preferred_local_time().empty()) {
    plan.preferred_minute = ParseMinuteOfDay(schedule.preferred_local_time());
    if (!plan.preferred_minute) {
      return absl::InvalidArgumentError(
          "schedule.preferred_local_time must be a time of day as HH:MM (00:00-23:59)");
    }
  }
  if (plan.period == v1::Schedule::PERIOD_DAY) {
    int first_minute = kWakingDayStartMinute;
    if (plan.preferred_minute) {
      first_minute = *plan.preferred_minute;
    } else if (schedule.has_habit_anchor() &&
               schedule.habit_anchor().when() != v1::EVENT_TIMING_UNSPECIFIED) {
      first_minute = std::clamp(TypicalMinuteOf(schedule.habit_anchor().when()) +
                                    schedule.habit_anchor().offset_minutes(),
                                0, kMinutesPerDay - 1);
    }
    plan.slot_minutes = DaySlots(first_minute, plan.target_count);
  }
  return plan;
}

int TypicalMinuteOf(v1::EventTiming timing) {
  switch (timing) {
    case v1::EVENT_TIMING_WAKE:
    case v1::EVENT_TIMING_AFTER_SLEEP:
      return 7 * 60;
    case v1::EVENT_TIMING_BREAKFAST:
      return 7 * 60 + 30;
    case v1::EVENT_TIMING_AFTER_BREAKFAST:
      return 8 * 60;
    case v1::EVENT_TIMING_MORNING:
      return 9 * 60;
    case v1::EVENT_TIMING_NOON:
    case v1::EVENT_TIMING_BEFORE_MEAL:
      return 12 * 60;
    case v1::EVENT_TIMING_MEAL:
    case v1::EVENT_TIMING_LUNCH:
      return 12 * 60 + 30;
    case v1::EVENT_TIMING_AFTER_LUNCH:
    case v1::EVENT_TIMING_AFTER_MEAL:
      return 13 * 60;
    case v1::EVENT_TIMING_AFTERNOON:
      return 15 * 60;
    case v1::EVENT_TIMING_DINNER:
      return 18 * 60 + 30;
    case v1::EVENT_TIMING_AFTER_DINNER:
    case v1::EVENT_TIMING_EVENING:
      return 19 * 60;
    case v1::EVENT_TIMING_NIGHT:
    case v1::EVENT_TIMING_BEFORE_SLEEP:
      return 22 * 60;
    default:
      return kWakingDayStartMinute;
  }
}

std::optional<PlannedWeek> PlannedWeekOf(const PracticePlan& plan, absl::CivilDay day) {
  const absl::CivilDay monday = MondayOf(day);
  PlannedWeek week;
  week.first_day = std::max(monday, plan.first_day);
  week.last_day = plan.last_day ? std::min(monday + 6, *plan.last_day) : monday + 6;
  if (week.first_day > week.last_day) return std::nullopt;
  const int days = static_cast<int>(week.last_day - week.first_day) + 1;
  week.target = (plan.target_count * days + 6) / 7;
  return week;
}

std::optional<PlannedWeek> PlannedBlockOf(const PracticePlan& plan, absl::CivilDay day) {
  // A day outside the plan has no block, even where its calendar block holds scheduled days:
  // walking from a block's first day - 1 or last day + 1 then ends at the plan's edges.
  if (day < plan.first_day || (plan.last_day && day > *plan.last_day)) return std::nullopt;
  if (plan.interval == 1) {
    if (plan.period == v1::Schedule::PERIOD_WEEK) return PlannedWeekOf(plan, day);
    return PlannedWeek{.first_day = day, .last_day = day, .target = plan.target_count};
  }
  const CalendarPeriod whole = CalendarPeriodOf(plan, day);
  const int block_days = static_cast<int>(whole.last_day - whole.first_day) + 1;
  PlannedWeek block;
  block.first_day = std::max(whole.first_day, plan.first_day);
  block.last_day = whole.last_day;
  if (plan.last_day) block.last_day = std::min(block.last_day, *plan.last_day);
  if (block.first_day > block.last_day) return std::nullopt;
  const int days = static_cast<int>(block.last_day - block.first_day) + 1;
  block.target = (plan.target_count * days + block_days - 1) / block_days;
  return block;
}

absl::CivilDay MondayOf(absl::CivilDay day) {
  return absl::PrevWeekday(day + 1, absl::Weekday::monday);
}

CalendarPeriod CalendarPeriodOf(const PracticePlan& plan, absl::CivilDay day) {
  const bool weekly = plan.period == v1::Schedule::PERIOD_WEEK;
  if (plan.interval == 1) {
    return weekly ? CalendarPeriod{MondayOf(day), MondayOf(day) + 6} : CalendarPeriod{day, day};
  }
  const absl::CivilDay origin = weekly ? MondayOf(plan.first_day) : plan.first_day;
  const int block_days = plan.interval * (weekly ? 7 : 1);
  // Floor division, so days before the origin fall in blocks before the first.
  const int64_t offset = day - origin;
  const int64_t index =
      offset >= 0 ? offset / block_days : -((-offset + block_days - 1) / block_days);
  const absl::CivilDay start = origin + index * block_days;
  return CalendarPeriod{start, start + (block_days - 1)};
}

absl::StatusOr<std::vector<Occurrence>> ExpectedOccurrences(const v1::Schedule& schedule,
                                                            absl::TimeZone zone, absl::Time from,
                                                            absl::Time to,
                                                            PlannedTimes planned_times) {
  absl::StatusOr<PracticePlan> plan = PlanPractice(schedule);
  if (!plan.ok()) return plan.status();
  if (from > to) return absl::InvalidArgumentError("from must not be after to");
  if (to - from > absl::Hours(24) * kMaxWindowDays) {
    return absl::InvalidArgumentError(
        absl::StrCat("the window from-to must be at most ", kMaxWindowDays, " days"));
  }
  std::vector<Occurrence> occurrences;
  if (from == to) return occurrences;

  // Days whose start could lie in [from, to), narrowed to the scheduled days.
  absl::CivilDay first = std::max(absl::ToCivilDay(from, zone), plan->first_day);
  absl::CivilDay last = absl::ToCivilDay(to, zone);
  if (plan->last_day) last = std::min(last, *plan->last_day);

  if (plan->period == v1::Schedule::PERIOD_DAY && plan->interval == 1) {
    if (first <= last)
      occurrences.reserve(static_cast<size_t>((last - first + 1) * plan->target_count));
    absl::Time start = StartOf(first, zone);
    for (absl::CivilDay day = first; day <= last; ++day) {
      const absl::Time end = StartOf(day + 1, zone);
      if (start >= from && start < to) {
        for (int i = 0; i < plan->target_count; ++i) {
          std::optional<int> minute;
          if (planned_times == PlannedTimes::kComputed) {
            minute = plan->slot_minutes[static_cast<size_t>(i)];
          }
          occurrences.push_back(
              OccurrenceOver(Occurrence::Kind::kDaySlot, day, day, start, end, i, zone, minute));
        }
      }
      start = end;
    }
    return occurrences;
  }

  // Weeks, or blocks of `interval` periods, whose first scheduled day starts inside the window.
  const Occurrence::Kind kind =
      plan->interval > 1 ? Occurrence::Kind::kBlockSlot : Occurrence::Kind::kWeekSlot;
  for (std::optional<PlannedWeek> block = PlannedBlockOf(*plan, first);
       block && block->first_day <= last; block = PlannedBlockOf(*plan, block->last_day + 1)) {
    const absl::Time start = StartOf(block->first_day, zone);
    if (start < from || start >= to) continue;
    const absl::Time end = StartOf(block->last_day + 1, zone);
    for (int i = 0; i < block->target; ++i) {
      // Daily slots of a block are planned on its first day (target <= target_count).
      std::optional<int> minute;
      if (plan->period == v1::Schedule::PERIOD_DAY && planned_times == PlannedTimes::kComputed) {
        minute = plan->slot_minutes[static_cast<size_t>(i) % plan->slot_minutes.size()];
      }
      occurrences.push_back(
          OccurrenceOver(kind, block->first_day, block->last_day, start, end, i, zone, minute));
    }
  }
  return occurrences;
}

bool CountsAsPractice(v1::Completion::Status status) {
  return status == v1::Completion::STATUS_DONE || status == v1::Completion::STATUS_PARTIAL ||
         status == v1::Completion::STATUS_MINIMUM_VERSION;
}

absl::CivilSecond LocalTimeOf(const v1::Completion& completion, absl::TimeZone fallback) {
  absl::TimeZone zone = fallback;
  if (!completion.occur_time_zone().empty()) {
    zone = LoadIanaTimeZone(completion.occur_time_zone()).value_or(fallback);
  }
  return absl::ToCivilSecond(FromProtoTime(completion.occur_time()), zone);
}

Matching MatchOccurrences(absl::Span<const Occurrence> occurrences,
                          absl::Span<const v1::Completion> completions, absl::TimeZone client_zone,
                          absl::Time now) {
  Matching matching;
  // Practice that counts, ordered by local day, then time, then input position. Only practice
  // whose local day some occurrence holds can match: the rest (a year of history against a
  // four-week calendar) is unmatched at once, without its local day when its time is more than
  // two days from theirs (no zone is more than 26 hours from another).
  using Practice = std::tuple<absl::CivilDay, absl::Time, size_t>;
  std::vector<Practice> practice;
  std::optional<absl::CivilDay> first_day;
  std::optional<absl::CivilDay> last_day;
  for (const Occurrence& occurrence : occurrences) {
    if (!first_day || occurrence.first_day < *first_day) first_day = occurrence.first_day;
    if (!last_day || occurrence.last_day > *last_day) last_day = occurrence.last_day;
  }
  const absl::Time near_start = first_day
                                    ? absl::FromCivil(*first_day, client_zone) - absl::Hours(48)
                                    : absl::InfiniteFuture();
  const absl::Time near_end = last_day
                                  ? absl::FromCivil(*last_day + 1, client_zone) + absl::Hours(48)
                                  : absl::InfinitePast();
  for (size_t i = 0; i < completions.size(); ++i) {
    if (!CountsAsPractice(completions[i].status())) continue;
    const absl::Time time = FromProtoTime(completions[i].occur_time());
    if (time >= near_start && time < near_end) {
      const absl::CivilDay day(LocalTimeOf(completions[i], client_zone));
      if (day >= *first_day && day <= *last_day) {
        practice.emplace_back(day, time, i);
        continue;
      }
    }
    matching.unmatched_completions.push_back(i);
  }
  std::sort(practice.begin(), practice.end());

  // Following `next` from i reaches the first unused practice at or after i (practice.size()
  // when none): a used one points past itself, and each walk shortens the path it took. So an
  // unused practice is one with next[i] == i, and taking the earliest unused practice of a day
  // costs about a binary search.
  std::vector<size_t> next(practice.size() + 1);
  for (size_t i = 0; i < next.size(); ++i) next[i] = i;
  auto first_unused = [&](size_t i) {
    size_t root = i;
    while (next[root] != root) root = next[root];
    while (next[i] != root) i = std::exchange(next[i], root);
    return root;
  };

  std::vector<size_t> order(occurrences.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return std::tie(occurrences[a].last_day, occurrences[a].first_day) <
           std::tie(occurrences[b].last_day, occurrences[b].first_day);
  });

  matching.occurrences.resize(occurrences.size());
  for (size_t index : order) {
    const Occurrence& occurrence = occurrences[index];
    MatchedOccurrence& matched = matching.occurrences[index];
    matched.occurrence = occurrence;
    const auto from = std::lower_bound(
        practice.begin(), practice.end(), occurrence.first_day,
        [](const Practice& p, absl::CivilDay day) { return std::get<0>(p) < day; });
    const size_t taken = first_unused(static_cast<size_t>(from - practice.begin()));
    if (taken < practice.size() && std::get<0>(practice[taken]) <= occurrence.last_day) {
      matched.status = OccurrenceStatus::kDone;
      matched.completion_index = std::get<2>(practice[taken]);
      next[taken] = taken + 1;
    } else if (now >= occurrence.window_end) {
      matched.status = OccurrenceStatus::kMissed;
    } else if (now >= occurrence.window_start) {
      matched.status = OccurrenceStatus::kDue;
    } else {
      matched.status = OccurrenceStatus::kUpcoming;
    }
  }
  for (size_t i = 0; i < practice.size(); ++i) {
    if (next[i] == i) matching.unmatched_completions.push_back(std::get<2>(practice[i]));
  }
  std::sort(matching.unmatched_completions.begin(), matching.unmatched_completions.end());
  return matching;
}

}  // namespace therapy::homework::clinical
