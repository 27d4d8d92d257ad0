// GetPracticeCalendar: the client's practice schedule as an iCalendar feed, so practice shows up
// in the calendar the client already lives by. The mapping is docs/decisions/0010-icalendar.md.

#include "services/homework/core/formats/ical/calendar.h"

#include <libical/ical.h>

#include <algorithm>
#include <cstdlib>
#include <iterator>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "services/homework/core/clinical/schedule.h"
#include "services/homework/core/model/proto_time.h"
#include "services/homework/core/model/resource_names.h"
#include "services/homework/core/model/time_zone.h"
#include "services/homework/core/reminders.h"
#include "services/homework/core/rules/validation.h"
#include "services/homework/core/status_macros.h"

namespace therapy::homework {
namespace {

constexpr char kProductId[] = "-//Therapy homework//Practice calendar 1.0//EN";

struct ComponentDeleter {
  void operator()(icalcomponent* component) const { icalcomponent_free(component); }
};
using Component = std::unique_ptr<icalcomponent, ComponentDeleter>;

// The client's zone for libical: nullptr for UTC (times then carry `Z`), else a builtin zone
// libical reads from the system zoneinfo.
struct CalendarZone {
  std::string name;
  icaltimezone* ical = nullptr;
  absl::TimeZone absl_zone;
  bool utc() const { return ical == nullptr; }
};

absl::StatusOr<CalendarZone> LoadZone(const std::string& name) {
  CalendarZone zone{.name = name};
  icaltimezone* ical = name.empty() ? nullptr : icaltimezone_get_builtin_timezone(name.c_str());
  const std::optional<absl::TimeZone> loaded = LoadIanaTimeZone(name);
  if (ical == nullptr || !loaded) {
    return InvalidField("client.time_zone", "is not a time zone of the IANA tz database");
  }
  zone.absl_zone = *loaded;
  if (ical != icaltimezone_get_utc_timezone()) zone.ical = ical;
  return zone;
}

// The zone's VTIMEZONE with the IANA name as TZID (libical's own carries a
// "/freeassociation.sourceforge.net/" prefix, which some calendar apps do not map).
Component TimeZoneComponent(const CalendarZone& zone) {
  Component vtimezone(icalcomponent_new_clone(icaltimezone_get_component(zone.ical)));
  icalproperty* tzid = icalcomponent_get_first_property(vtimezone.get(), ICAL_TZID_PROPERTY);
  if (tzid != nullptr) icalproperty_set_tzid(tzid, zone.name.c_str());
  return vtimezone;
}

icaltimetype UtcTime(absl::Time time) {
  return icaltime_from_timet_with_zone(static_cast<time_t>(absl::ToUnixSeconds(time)), 0,
                                       icaltimezone_get_utc_timezone());
}

// A local date-time property in the client's zone: TZID=<IANA name>, or UTC for UTC clients.
icalproperty* LocalStart(const CalendarZone& zone, absl::CivilDay day, int minute) {
  if (zone.utc()) {
    return icalproperty_new_dtstart(UtcTime(absl::FromCivil(
        absl::CivilMinute(day.year(), day.month(), day.day(), minute / 60, minute % 60),
        zone.absl_zone)));
  }
  icaltimetype local = icaltime_null_time();
  local.year = static_cast<int>(day.year());
  local.month = day.month();
  local.day = day.day();
  local.hour = minute / 60;
  local.minute = minute % 60;
  icalproperty* start = icalproperty_new_dtstart(local);
  icalproperty_add_parameter(start, icalparameter_new_tzid(zone.name.c_str()));
  return start;
}

// The weekdays a weekly target is suggested on, 0 = Monday: spread from Monday.
std::vector<int> SuggestedWeekdays(int target_count) {
  std::vector<int> days;
  for (int i = 0; i < std::min(target_count, 7); ++i)
    days.push_back(i * 7 / std::min(target_count, 7));
  return days;
}

int MondayBasedWeekday(absl::CivilDay day) {
  switch (absl::GetWeekday(day)) {
    case absl::Weekday::monday:
      return 0;
    case absl::Weekday::tuesday:
      return 1;
    case absl::Weekday::wednesday:
      return 2;
    case absl::Weekday::thursday:
      return 3;
    case absl::Weekday::friday:
      return 4;
    case absl::Weekday::saturday:
      return 5;
    case absl::Weekday::sunday:
      return 6;
  }
  return 0;
}

std::string Clock(int minute) { return absl::StrFormat("%02d:%02d", minute / 60, minute % 60); }

// The cadence in plain words, for the description: "Every day at 07:30.", "3 times a week:
// any day of the week counts."
std::string Cadence(const clinical::PracticePlan& plan) {
  if (plan.interval > 1) {
    const std::string every =
        absl::StrCat(plan.interval, plan.period == v1::Schedule::PERIOD_WEEK ? " weeks" : " days");
    return absl::StrCat(plan.target_count == 1 ? "Once" : absl::StrCat(plan.target_count, " times"),
                        " every ", every, "; the days shown are suggestions, any day of those ",
                        every, " counts.");
  }
  if (plan.period == v1::Schedule::PERIOD_WEEK) {
    return absl::StrCat(plan.target_count == 1 ? "Once" : absl::StrCat(plan.target_count, " times"),
                        " a week; the days shown are suggestions, any day of the week counts.");
  }
  if (plan.target_count == 1)
    return absl::StrCat("Every day at ", Clock(plan.slot_minutes[0]), ".");
  std::string times;
  for (int minute : plan.slot_minutes)
    absl::StrAppend(&times, times.empty() ? "" : ", ", Clock(minute));
  return absl::StrCat(plan.target_count, " times a day: ", times, ".");
}

// One recurring practice of an assignment: when it starts and how it repeats.
struct Recurrence {
  absl::CivilDay first_day;
  int minute = 0;
  icalrecurrencetype_frequency frequency = ICAL_DAILY_RECURRENCE;
  std::vector<int> weekdays;  // FREQ=WEEKLY only, 0 = Monday
};

std::vector<Recurrence> RecurrencesOf(const clinical::PracticePlan& plan) {
  std::vector<Recurrence> recurrences;
  if (plan.period == v1::Schedule::PERIOD_DAY) {
    for (int minute : plan.slot_minutes) {
      recurrences.push_back({.first_day = plan.first_day, .minute = minute});
    }
    return recurrences;
  }
  Recurrence weekly{.first_day = plan.first_day,
                    .minute = plan.preferred_minute.value_or(clinical::kWakingDayStartMinute),
                    .frequency = ICAL_WEEKLY_RECURRENCE,
                    .weekdays = SuggestedWeekdays(plan.target_count)};
  // DTSTART is an occurrence whatever the rule says: start on the first suggested day.
  for (int i = 0; i < 7; ++i) {
    const absl::CivilDay day = plan.first_day + i;
    if (std::find(weekly.weekdays.begin(), weekly.weekdays.end(), MondayBasedWeekday(day)) !=
        weekly.weekdays.end()) {
      weekly.first_day = day;
      break;
    }
  }
  recurrences.push_back(weekly);
  return recurrences;
}

icalproperty* RuleOf(const Recurrence& recurrence, const clinical::PracticePlan& plan,
                     const CalendarZone& zone) {
  constexpr icalrecurrencetype_weekday kWeekdays[] = {
      ICAL_MONDAY_WEEKDAY, ICAL_TUESDAY_WEEKDAY,  ICAL_WEDNESDAY_WEEKDAY, ICAL_THURSDAY_WEEKDAY,
      ICAL_FRIDAY_WEEKDAY, ICAL_SATURDAY_WEEKDAY, ICAL_SUNDAY_WEEKDAY};
  icalrecurrencetype rule;
  icalrecurrencetype_clear(&rule);
  rule.freq = recurrence.frequency;
  // Every `interval` days or weeks, counted from DTSTART's day or week as the plan's blocks are.
  rule.interval = static_cast<short>(plan.interval);
  rule.week_start = ICAL_MONDAY_WEEKDAY;
  for (size_t i = 0; i < recurrence.weekdays.size(); ++i) {
    rule.by_day[i] = static_cast<short>(kWeekdays[recurrence.weekdays[i]]);
  }
  if (plan.last_day) {
    // Inclusive: the last second of the last day, local, as UTC.
    rule.until = UtcTime(absl::FromCivil(absl::CivilSecond(*plan.last_day + 1), zone.absl_zone) -
                         absl::Seconds(1));
  }
  return icalproperty_new_rrule(rule);
}

absl::Status AddEvents(icalcomponent* calendar, const v1::Assignment& assignment,
                       const CalendarZone& zone, int& event_count) {
  absl::StatusOr<clinical::PracticePlan> plan = clinical::PlanPractice(assignment.schedule());
  if (!plan.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("assignment ", assignment.name(), ": ", plan.status().message()));
  }
  if (plan->period == v1::Schedule::PERIOD_WEEK && !plan->preferred_minute &&
      assignment.schedule().has_habit_anchor() &&
      assignment.schedule().habit_anchor().when() != v1::EVENT_TIMING_UNSPECIFIED) {
    const v1::HabitAnchor& anchor = assignment.schedule().habit_anchor();
    plan->preferred_minute = std::clamp(
        clinical::TypicalMinuteOf(anchor.when()) + anchor.offset_minutes(), 0, 24 * 60 - 1);
  }
  const std::string reminder = ReminderText(assignment);
  const std::string description = absl::StrCat(reminder, " ", Cadence(*plan));
  const int minutes = assignment.schedule().minutes_per_practice() > 0
                          ? assignment.schedule().minutes_per_practice()
                          : kDefaultEventMinutes;
  const absl::Time created = FromProtoTime(assignment.create_time());
  const absl::Time updated = FromProtoTime(assignment.update_time());
  const int sequence =
      static_cast<int>(std::clamp<int64_t>(absl::ToInt64Seconds(updated - created), 0, INT32_MAX));

  const std::vector<Recurrence> recurrences = RecurrencesOf(*plan);
  for (size_t slot = 0; slot < recurrences.size(); ++slot) {
    const Recurrence& recurrence = recurrences[slot];
    icalcomponent* event = icalcomponent_new_vevent();
    const std::string uid =
        slot == 0 ? assignment.name() : absl::StrCat(assignment.name(), "#slot-", slot + 1);
    icalcomponent_add_property(event, icalproperty_new_uid(uid.c_str()));
    icalcomponent_add_property(event, icalproperty_new_dtstamp(UtcTime(updated)));
    icalcomponent_add_property(event, icalproperty_new_created(UtcTime(created)));
    icalcomponent_add_property(event, icalproperty_new_lastmodified(UtcTime(updated)));
    icalcomponent_add_property(event, icalproperty_new_sequence(sequence));
    icalcomponent_add_property(event, icalproperty_new_summary(assignment.title().c_str()));
    icalcomponent_add_property(event, icalproperty_new_description(description.c_str()));
    icalcomponent_add_property(event, LocalStart(zone, recurrence.first_day, recurrence.minute));
    icalcomponent_add_property(event,
                               icalproperty_new_duration(icaldurationtype_from_int(minutes * 60)));
    // A practice is not a meeting: it does not block the client's time for others.
    icalcomponent_add_property(event, icalproperty_new_transp(ICAL_TRANSP_TRANSPARENT));
    icalcomponent_add_property(event, RuleOf(recurrence, *plan, zone));

    icalcomponent* alarm = icalcomponent_new_valarm();
    icalcomponent_add_property(alarm, icalproperty_new_action(ICAL_ACTION_DISPLAY));
    icaltriggertype at_start;
    at_start.time = icaltime_null_time();
    at_start.duration = icaldurationtype_null_duration();
    icalcomponent_add_property(alarm, icalproperty_new_trigger(at_start));
    icalcomponent_add_property(alarm, icalproperty_new_description(reminder.c_str()));
    icalcomponent_add_component(event, alarm);

    icalcomponent_add_component(calendar, event);
    ++event_count;
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<PracticeCalendarFeed> BuildPracticeCalendar(
    const v1::Client& client, absl::Span<const v1::Assignment> assignments) {
  ASSIGN_OR_RETURN(CalendarZone zone, LoadZone(client.time_zone()));
  Component calendar(icalcomponent_new_vcalendar());
  icalcomponent_add_property(calendar.get(), icalproperty_new_prodid(kProductId));
  icalcomponent_add_property(calendar.get(), icalproperty_new_version("2.0"));
  icalcomponent_add_property(calendar.get(), icalproperty_new_calscale("GREGORIAN"));
  // No METHOD: a subscribed feed is not an iTIP message (RFC 5546 PUBLISH would want an
  // ORGANIZER, which a practice plan does not have).
  // Widely read extensions: the name a subscribing app shows, and the default zone Google uses.
  icalproperty* name = icalproperty_new_x("Practice plan");
  icalproperty_set_x_name(name, "X-WR-CALNAME");
  icalcomponent_add_property(calendar.get(), name);
  icalproperty* default_zone = icalproperty_new_x(zone.name.c_str());
  icalproperty_set_x_name(default_zone, "X-WR-TIMEZONE");
  icalcomponent_add_property(calendar.get(), default_zone);
  if (!zone.utc()) icalcomponent_add_component(calendar.get(), TimeZoneComponent(zone).release());

  PracticeCalendarFeed feed;
  for (const v1::Assignment& assignment : assignments) {
    if (assignment.state() != v1::Assignment::STATE_ACTIVE) continue;
    RETURN_IF_ERROR(AddEvents(calendar.get(), assignment, zone, feed.event_count));
  }
  char* text = icalcomponent_as_ical_string_r(calendar.get());
  if (text == nullptr) return absl::InternalError("libical could not write the calendar");
  feed.ics = text;
  std::free(text);
  return feed;
}

}  // namespace therapy::homework
