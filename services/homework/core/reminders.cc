// Reminders that actually arrive are what clients ask for most: per client, in their zone, on
// their schedule, and never for practice already done.

#include "services/homework/core/reminders.h"

#include <algorithm>
#include <iterator>
#include <map>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "services/homework/core/clinical/measure_cadence.h"
#include "services/homework/core/clinical/schedule.h"
#include "services/homework/core/homework.h"
#include "services/homework/core/homework_internal.h"
#include "services/homework/core/model/proto_time.h"
#include "services/homework/core/model/resource_names.h"
#include "services/homework/core/model/time_zone.h"

namespace therapy::homework {

namespace {

// `lead` then `text` as one sentence: a full stop is added only when the person's own words do
// not already end one ("in for 4, out for 6." stays as written).
std::string Sentence(absl::string_view lead, absl::string_view text) {
  const bool ended =
      !text.empty() && absl::string_view(".!?").find(text.back()) != absl::string_view::npos;
  return absl::StrCat(lead, text, ended ? "" : ".");
}

}  // namespace

std::string ReminderText(const v1::Assignment& assignment) {
  const v1::Schedule& schedule = assignment.schedule();
  std::vector<std::string> parts = {Sentence("Time for: ", assignment.title())};
  if (!schedule.habit_anchor().client_words().empty()) {
    parts.push_back(Sentence("Your plan: ", schedule.habit_anchor().client_words()));
  }
  if (!schedule.environmental_cue().empty()) {
    parts.push_back(Sentence("Your cue: ", schedule.environmental_cue()));
  }
  if (!schedule.minimum_version().empty()) {
    parts.push_back(Sentence("Short on time? Even this counts: ", schedule.minimum_version()));
  }
  return absl::StrJoin(parts, " ");
}

namespace {

// An outcome measure's reminders in [from, to): one when it falls due, one when it becomes
// overdue and one when it expires, for each measure not answered (MeasureCadence).
absl::StatusOr<std::vector<v1::Reminder>> MeasureReminders(
    const v1::Client& client, const v1::Assignment& assignment, absl::TimeZone zone,
    const std::vector<v1::Completion>& completions, absl::Time from, absl::Time to,
    const std::string& text) {
  // Measures that fell due before the window can still become overdue or expire inside it.
  ASSIGN_OR_RETURN(std::vector<clinical::MeasureDue> dues,
                   clinical::MeasuresDue(assignment, client, zone, completions,
                                         from - clinical::LongestOpen(assignment.schedule()), to));
  std::vector<v1::Reminder> reminders;
  for (const clinical::MeasureDue& due : dues) {
    if (due.answered_by) continue;
    const std::pair<absl::Time, v1::MeasureState> moments[] = {
        {due.due_time, v1::MEASURE_STATE_DUE},
        {due.overdue_time, v1::MEASURE_STATE_OVERDUE},
        {due.expire_time, v1::MEASURE_STATE_EXPIRED}};
    for (const auto& [at, state] : moments) {
      if (at < from || at >= to) continue;
      // Overdue at the moment it expires says nothing: only the expiry is sent.
      if (state == v1::MEASURE_STATE_OVERDUE && at >= due.expire_time) continue;
      v1::Reminder& reminder = reminders.emplace_back();
      reminder.set_client(client.name());
      reminder.set_assignment(assignment.name());
      *reminder.mutable_due_time() = ToProtoTime(at);
      reminder.set_time_zone(client.time_zone());
      reminder.set_text(text);
      reminder.set_measure_state(state);
      if (state != v1::MEASURE_STATE_EXPIRED) {
        *reminder.mutable_expire_time() = ToProtoTime(due.expire_time);
      }
    }
  }
  return reminders;
}

}  // namespace

absl::StatusOr<std::vector<v1::Reminder>> DueReminders(
    const v1::Client& client, const v1::Assignment& assignment,
    const std::vector<v1::Completion>& completions, absl::Time from, absl::Time to,
    absl::Time now) {
  const std::optional<absl::TimeZone> loaded = LoadIanaTimeZone(client.time_zone());
  if (!loaded) {
    return absl::FailedPreconditionError(
        "the client's stored time_zone is not an IANA time zone: set it with UpdateClient");
  }
  const absl::TimeZone zone = *loaded;
  const std::string text = ReminderText(assignment);
  if (assignment.exercise().kind() == v1::EXERCISE_KIND_OUTCOME_MEASURE) {
    return MeasureReminders(client, assignment, zone, completions, from, to, text);
  }
  // Occurrences are grouped by the start of their day or week; one whose day began before
  // `from` (or whose week did, due at its end) can still be due inside the window.
  ASSIGN_OR_RETURN(
      std::vector<clinical::Occurrence> occurrences,
      clinical::ExpectedOccurrences(assignment.schedule(), zone, from - absl::Hours(24 * 8), to));
  const clinical::Matching matching =
      clinical::MatchOccurrences(occurrences, completions, zone, now);
  std::vector<v1::Reminder> reminders;
  for (const clinical::MatchedOccurrence& matched : matching.occurrences) {
    if (matched.status == clinical::OccurrenceStatus::kDone) continue;
    const absl::Time due = matched.occurrence.planned_time.value_or(matched.occurrence.window_end);
    if (due < from || due >= to) continue;
    v1::Reminder& reminder = reminders.emplace_back();
    reminder.set_client(client.name());
    reminder.set_assignment(assignment.name());
    *reminder.mutable_due_time() = ToProtoTime(due);
    reminder.set_time_zone(client.time_zone());
    reminder.set_text(text);
  }
  return reminders;
}

absl::StatusOr<v1::ListDueRemindersResponse> Homework::ListDueReminders(
    const Caller& caller, const v1::ListDueRemindersRequest& request) {
  constexpr absl::string_view kMethod = "ListDueReminders";
  constexpr absl::Duration kLongestWindow = absl::Hours(24 * 7);
  ASSIGN_OR_RETURN(PracticeName practice, ParsePracticeName("parent", request.parent()));
  ASSIGN_OR_RETURN(int page_size, ValidatePageSize(request.page_size()));
  Violations violations;
  if (!request.has_start_time()) violations.Add("start_time", "required");
  if (!request.has_end_time()) violations.Add("end_time", "required");
  RETURN_IF_ERROR(violations.ToStatus());
  const absl::Time from = FromProtoTime(request.start_time());
  const absl::Time to = FromProtoTime(request.end_time());
  if (to <= from || to - from > kLongestWindow) {
    return InvalidField("end_time", "must be after start_time and at most 7 days later");
  }
  size_t offset = 0;
  if (!request.page_token().empty() && !absl::SimpleAtoi(request.page_token(), &offset)) {
    return InvalidField("page_token", "not a page token of this method");
  }
  RETURN_IF_ERROR(
      AuthorizePractice(caller, Action::kManageClients, practice, kMethod, practice.Format()));

  auto list = [&]() -> absl::StatusOr<v1::ListDueRemindersResponse> {
    const absl::Time now = options_.now();
    ASSIGN_OR_RETURN(
        std::vector<v1::Assignment> active,
        ReadAll(store_, &Store::ListAssignments,
                {.practice_name = practice.Format(), .states = {v1::Assignment::STATE_ACTIVE}}));
    std::map<std::string, std::vector<v1::Assignment>> by_client;
    for (v1::Assignment& assignment : active) {
      const std::string& name = assignment.name();
      by_client[name.substr(0, name.find("/assignments/"))].push_back(std::move(assignment));
    }

    std::vector<v1::Reminder> reminders;
    for (const auto& [client_name, assignments] : by_client) {
      ASSIGN_OR_RETURN(std::optional<v1::Client> client, store_.GetClient(client_name));
      if (!client) continue;
      // Completions of the week around the window settle weekly targets too; a measure's
      // answers as far back as it can stay open.
      absl::Duration before = absl::Hours(24 * 7);
      for (const v1::Assignment& assignment : assignments) {
        if (assignment.exercise().kind() == v1::EXERCISE_KIND_OUTCOME_MEASURE) {
          before =
              std::max(before, clinical::LongestOpen(assignment.schedule()) + absl::Hours(24 * 8));
        }
      }
      ASSIGN_OR_RETURN(std::vector<v1::Completion> around,
                       ReadAll(store_, &Store::ListCompletions,
                               {.client_name = client_name,
                                .start_time = from - before,
                                .end_time = to + absl::Hours(24 * 7)}));
      std::map<std::string, std::vector<v1::Completion>> by_assignment;
      for (v1::Completion& completion : around) {
        const std::string& name = completion.name();
        by_assignment[name.substr(0, name.find("/completions/"))].push_back(std::move(completion));
      }
      for (const v1::Assignment& assignment : assignments) {
        ASSIGN_OR_RETURN(
            std::vector<v1::Reminder> due,
            DueReminders(*client, assignment, by_assignment[assignment.name()], from, to, now));
        std::move(due.begin(), due.end(), std::back_inserter(reminders));
      }
    }
    std::stable_sort(reminders.begin(), reminders.end(),
                     [](const v1::Reminder& a, const v1::Reminder& b) {
                       return FromProtoTime(a.due_time()) < FromProtoTime(b.due_time());
                     });
    v1::ListDueRemindersResponse response;
    for (size_t i = offset; i < reminders.size() && response.reminders_size() < page_size; ++i) {
      *response.add_reminders() = std::move(reminders[i]);
    }
    if (offset + static_cast<size_t>(response.reminders_size()) < reminders.size()) {
      response.set_next_page_token(absl::StrCat(offset + response.reminders_size()));
    }
    return response;
  };
  absl::StatusOr<v1::ListDueRemindersResponse> response = list();
  RETURN_IF_ERROR(Audit(caller, kMethod, practice.Format(), response.status()));
  return response;
}

}  // namespace therapy::homework
