#include "services/homework/core/clinical/measure_cadence.h"

#include <algorithm>
#include <cstddef>

#include "absl/time/civil_time.h"
#include "services/homework/core/clinical/schedule.h"
#include "services/homework/core/model/proto_time.h"

namespace therapy::homework::clinical {
namespace {

absl::Duration HoursOr(int hours, absl::Duration fallback) {
  return hours > 0 ? absl::Hours(hours) : fallback;
}

// Gives each measure the earliest answer open for it, each answer going to the latest measure
// open at its time (so an early answer to tomorrow's measure does not settle today's).
void MatchAnswers(absl::Span<const v1::Completion> completions, std::vector<MeasureDue>& dues) {
  std::vector<size_t> order;
  for (size_t i = 0; i < completions.size(); ++i) {
    if (CountsAsPractice(completions[i].status())) order.push_back(i);
  }
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return FromProtoTime(completions[a].occur_time()) < FromProtoTime(completions[b].occur_time());
  });
  for (size_t index : order) {
    const absl::Time at = FromProtoTime(completions[index].occur_time());
    MeasureDue* latest = nullptr;
    for (MeasureDue& due : dues) {
      if (due.answered_by || at < due.answerable_from || at >= due.expire_time) continue;
      if (latest == nullptr || due.due_time >= latest->due_time) latest = &due;
    }
    if (latest != nullptr) latest->answered_by = index;
  }
}

}  // namespace

MeasureState StateAt(const MeasureDue& due, absl::Time now) {
  if (due.answered_by) return MeasureState::kAnswered;
  if (now < due.due_time) return MeasureState::kUpcoming;
  if (now >= due.expire_time) return MeasureState::kExpired;
  if (now >= due.overdue_time) return MeasureState::kOverdue;
  return MeasureState::kDue;
}

absl::Duration LongestOpen(const v1::Schedule& schedule) {
  const v1::MeasureCadence& cadence = schedule.measure_cadence();
  return std::max(HoursOr(cadence.expire_after_hours(), kDefaultExpireAfter),
                  HoursOr(cadence.overdue_after_hours(), kDefaultOverdueAfter));
}

absl::StatusOr<std::vector<MeasureDue>> MeasuresDue(const v1::Assignment& assignment,
                                                    const v1::Client& client, absl::TimeZone zone,
                                                    absl::Span<const v1::Completion> completions,
                                                    absl::Time from, absl::Time to) {
  const v1::Schedule& schedule = assignment.schedule();
  const v1::MeasureCadence& cadence = schedule.measure_cadence();
  absl::StatusOr<PracticePlan> plan = PlanPractice(schedule);
  if (!plan.ok()) return plan.status();
  const absl::Duration expire_after = HoursOr(cadence.expire_after_hours(), kDefaultExpireAfter);
  std::vector<MeasureDue> dues;

  if (cadence.trigger() == v1::MeasureCadence::TRIGGER_BEFORE_SESSION) {
    if (!client.has_next_session_time()) return dues;
    const absl::Time session = FromProtoTime(client.next_session_time());
    const absl::CivilDay day = absl::ToCivilDay(session, zone);
    if (day < plan->first_day || (plan->last_day && day > *plan->last_day)) return dues;
    MeasureDue due;
    due.due_time = session - HoursOr(cadence.before_session_hours(), kDefaultBeforeSession);
    due.answerable_from = due.due_time;
    due.overdue_time = cadence.overdue_after_hours() > 0
                           ? due.due_time + absl::Hours(cadence.overdue_after_hours())
                           : session;
    due.expire_time = std::max(due.overdue_time, due.due_time + expire_after);
    if (due.due_time < from || due.due_time >= to) return dues;
    dues.push_back(due);
    MatchAnswers(completions, dues);
    return dues;
  }

  // The schedule's occurrences from a little before `from` (a day slot's window opens before its
  // planned time; a week's before its due) to past `to` (each measure's successor bounds its
  // expiry).
  const absl::Duration open = LongestOpen(schedule);
  absl::StatusOr<std::vector<Occurrence>> occurrences =
      ExpectedOccurrences(schedule, zone, from - absl::Hours(24 * 8) - open, to + open);
  if (!occurrences.ok()) return occurrences.status();
  const absl::Duration overdue_after = HoursOr(cadence.overdue_after_hours(), kDefaultOverdueAfter);
  for (const Occurrence& occurrence : *occurrences) {
    MeasureDue due;
    due.due_time = occurrence.planned_time.value_or(occurrence.window_start);
    due.answerable_from = occurrence.window_start;
    dues.push_back(due);
  }
  std::stable_sort(dues.begin(), dues.end(), [](const MeasureDue& a, const MeasureDue& b) {
    return a.due_time < b.due_time;
  });
  for (size_t i = 0; i < dues.size(); ++i) {
    MeasureDue& due = dues[i];
    due.overdue_time = due.due_time + overdue_after;
    due.expire_time = std::max(due.overdue_time, due.due_time + expire_after);
    // The next measure that falls due later ends this one.
    for (size_t j = i + 1; j < dues.size(); ++j) {
      if (dues[j].due_time > due.due_time) {
        due.expire_time = std::min(due.expire_time, dues[j].due_time);
        break;
      }
    }
    due.overdue_time = std::min(due.overdue_time, due.expire_time);
  }
  MatchAnswers(completions, dues);
  dues.erase(std::remove_if(
                 dues.begin(), dues.end(),
                 [&](const MeasureDue& due) { return due.due_time < from || due.due_time >= to; }),
             dues.end());
  return dues;
}

}  // namespace therapy::homework::clinical
