#include "services/homework/core/formats/ical/calendar.h"

#include <libical/ical.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/homework/core/reminders.h"
#include "testing/status_matchers.h"

namespace therapy::homework {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;
using ::therapy::homework::testing::IsOk;
using ::therapy::homework::testing::StatusIs;

struct ComponentDeleter {
  void operator()(icalcomponent* component) const { icalcomponent_free(component); }
};
using Component = std::unique_ptr<icalcomponent, ComponentDeleter>;

v1::Client Ana(const std::string& zone = "Europe/Berlin") {
  v1::Client client;
  client.set_name("practices/sunrise/clients/ana");
  client.set_time_zone(zone);
  client.add_care_team("dr-lee");
  return client;
}

v1::Assignment Breathing() {
  v1::Assignment assignment;
  assignment.set_name("practices/sunrise/clients/ana/assignments/breathing");
  assignment.set_title("Paced breathing");
  assignment.set_state(v1::Assignment::STATE_ACTIVE);
  assignment.mutable_exercise()->set_kind(v1::EXERCISE_KIND_SKILLS_PRACTICE);
  assignment.mutable_create_time()->set_seconds(1790000000);  // 2026-09-21T14:13:20Z
  assignment.mutable_update_time()->set_seconds(1790000600);
  auto* schedule = assignment.mutable_schedule();
  schedule->set_target_count(1);
  schedule->set_period(v1::Schedule::PERIOD_DAY);
  schedule->set_minutes_per_practice(10);
  schedule->set_start_date("2026-10-01");
  schedule->set_end_date("2026-10-31");
  schedule->set_preferred_local_time("07:30");
  schedule->mutable_habit_anchor()->set_client_words("right after my morning coffee");
  schedule->set_environmental_cue("the breathing card next to the kettle; really");
  schedule->set_minimum_version("Three slow breaths");
  return assignment;
}

v1::Assignment ThoughtRecords() {
  v1::Assignment assignment;
  assignment.set_name("practices/sunrise/clients/ana/assignments/thoughts");
  assignment.set_title("Thought record");
  assignment.set_state(v1::Assignment::STATE_ACTIVE);
  assignment.mutable_exercise()->set_kind(v1::EXERCISE_KIND_THOUGHT_RECORD);
  assignment.mutable_create_time()->set_seconds(1790000000);
  assignment.mutable_update_time()->set_seconds(1790000000);
  auto* schedule = assignment.mutable_schedule();
  schedule->set_target_count(3);
  schedule->set_period(v1::Schedule::PERIOD_WEEK);
  schedule->set_start_date("2026-10-01");  // a Thursday
  schedule->set_preferred_local_time("19:00");
  schedule->set_minimum_version("One line about the moment");
  return assignment;
}

// Parses `ics` with libical and checks it against RFC 5545's restrictions (no METHOD: iCalendar
// objects outside iTIP).
Component Parse(const std::string& ics) {
  Component calendar(icalparser_parse_string(ics.c_str()));
  EXPECT_NE(calendar, nullptr);
  if (calendar == nullptr) return calendar;
  EXPECT_EQ(icalcomponent_isa(calendar.get()), ICAL_VCALENDAR_COMPONENT);
  EXPECT_EQ(icalcomponent_count_errors(calendar.get()), 0) << ics;
  EXPECT_EQ(icalrestriction_check(calendar.get()), 1) << ics;
  // icalrestriction_check records violations as X-LIC-ERROR properties.
  EXPECT_EQ(icalcomponent_count_errors(calendar.get()), 0)
      << icalcomponent_as_ical_string(calendar.get());
  return calendar;
}

std::vector<icalcomponent*> Events(icalcomponent* calendar) {
  std::vector<icalcomponent*> events;
  for (icalcomponent* event = icalcomponent_get_first_component(calendar, ICAL_VEVENT_COMPONENT);
       event != nullptr;
       event = icalcomponent_get_next_component(calendar, ICAL_VEVENT_COMPONENT)) {
    events.push_back(event);
  }
  return events;
}

std::string Text(icalcomponent* component, icalproperty_kind kind) {
  icalproperty* property = icalcomponent_get_first_property(component, kind);
  return property == nullptr ? "" : icalproperty_get_value_as_string(property);
}

std::string TzidOfStart(icalcomponent* event) {
  icalproperty* start = icalcomponent_get_first_property(event, ICAL_DTSTART_PROPERTY);
  if (start == nullptr) return "";
  icalparameter* tzid = icalproperty_get_first_parameter(start, ICAL_TZID_PARAMETER);
  return tzid == nullptr ? "" : icalparameter_get_tzid(tzid);
}

TEST(CalendarTest, DailyPracticeIsADailyRuleInTheClientsZoneUntilTheEndDate) {
  absl::StatusOr<PracticeCalendarFeed> feed = BuildPracticeCalendar(Ana(), {Breathing()});
  ASSERT_THAT(feed, IsOk());
  EXPECT_EQ(feed->event_count, 1);
  EXPECT_THAT(feed->ics, HasSubstr("\r\n"));
  Component calendar = Parse(feed->ics);
  ASSERT_NE(calendar, nullptr);

  icalcomponent* vtimezone =
      icalcomponent_get_first_component(calendar.get(), ICAL_VTIMEZONE_COMPONENT);
  ASSERT_NE(vtimezone, nullptr);
  EXPECT_EQ(Text(vtimezone, ICAL_TZID_PROPERTY), "Europe/Berlin");

  const std::vector<icalcomponent*> events = Events(calendar.get());
  ASSERT_THAT(events, SizeIs(1));
  icalcomponent* event = events[0];
  EXPECT_EQ(Text(event, ICAL_UID_PROPERTY), "practices/sunrise/clients/ana/assignments/breathing");
  EXPECT_EQ(Text(event, ICAL_SUMMARY_PROPERTY), "Paced breathing");
  EXPECT_EQ(TzidOfStart(event), "Europe/Berlin");
  const icaltimetype start = icalcomponent_get_dtstart(event);
  EXPECT_EQ(start.year, 2026);
  EXPECT_EQ(start.month, 10);
  EXPECT_EQ(start.day, 1);
  EXPECT_EQ(start.hour, 7);
  EXPECT_EQ(start.minute, 30);
  EXPECT_EQ(icaldurationtype_as_int(icalcomponent_get_duration(event)), 10 * 60);
  EXPECT_EQ(Text(event, ICAL_SEQUENCE_PROPERTY), "600");
  EXPECT_EQ(Text(event, ICAL_DTSTAMP_PROPERTY), "20260921T142320Z");

  icalproperty* rrule = icalcomponent_get_first_property(event, ICAL_RRULE_PROPERTY);
  ASSERT_NE(rrule, nullptr);
  const icalrecurrencetype rule = icalproperty_get_rrule(rrule);
  EXPECT_EQ(rule.freq, ICAL_DAILY_RECURRENCE);
  // The end of 31 October in Berlin (CET, UTC+1) is 22:59:59 UTC.
  EXPECT_TRUE(icaltime_is_utc(rule.until));
  EXPECT_EQ(rule.until.year, 2026);
  EXPECT_EQ(rule.until.month, 10);
  EXPECT_EQ(rule.until.day, 31);
  EXPECT_EQ(rule.until.hour, 22);
  EXPECT_EQ(rule.until.minute, 59);

  // The description and the alarm carry the reminder text, escaped and unescaped by libical.
  const std::string reminder = ReminderText(Breathing());
  EXPECT_THAT(std::string(icalcomponent_get_description(event)), HasSubstr(reminder));
  EXPECT_THAT(std::string(icalcomponent_get_description(event)), HasSubstr("Every day at 07:30."));
  icalcomponent* alarm = icalcomponent_get_first_component(event, ICAL_VALARM_COMPONENT);
  ASSERT_NE(alarm, nullptr);
  EXPECT_EQ(Text(alarm, ICAL_ACTION_PROPERTY), "DISPLAY");
  EXPECT_EQ(std::string(icalcomponent_get_description(alarm)), reminder);
}

TEST(CalendarTest, OccurrencesStayAtTheLocalTimeAcrossTheDaylightSavingChange) {
  absl::StatusOr<PracticeCalendarFeed> feed = BuildPracticeCalendar(Ana(), {Breathing()});
  ASSERT_THAT(feed, IsOk());
  Component calendar = Parse(feed->ics);
  ASSERT_NE(calendar, nullptr);
  icalcomponent* event = Events(calendar.get())[0];
  const icalrecurrencetype rule =
      icalproperty_get_rrule(icalcomponent_get_first_property(event, ICAL_RRULE_PROPERTY));
  icaltimetype start = icalcomponent_get_dtstart(event);
  start.zone = icaltimezone_get_builtin_timezone("Europe/Berlin");
  std::unique_ptr<icalrecur_iterator, void (*)(icalrecur_iterator*)> it(
      icalrecur_iterator_new(rule, start), icalrecur_iterator_free);
  ASSERT_NE(it, nullptr);
  std::vector<icaltimetype> occurrences;
  for (icaltimetype next = icalrecur_iterator_next(it.get()); !icaltime_is_null_time(next);
       next = icalrecur_iterator_next(it.get())) {
    occurrences.push_back(next);
  }
  // 1-31 October inclusive; the clocks go back on 25 October, practice stays at 07:30.
  ASSERT_THAT(occurrences, SizeIs(31));
  for (const icaltimetype& occurrence : occurrences) {
    EXPECT_EQ(occurrence.hour, 7);
    EXPECT_EQ(occurrence.minute, 30);
  }
  EXPECT_EQ(occurrences.back().day, 31);
}

TEST(CalendarTest, WeeklyTargetIsSpreadOverSuggestedDaysFromTheFirstOnOrAfterTheStart) {
  absl::StatusOr<PracticeCalendarFeed> feed = BuildPracticeCalendar(Ana(), {ThoughtRecords()});
  ASSERT_THAT(feed, IsOk());
  EXPECT_EQ(feed->event_count, 1);
  EXPECT_THAT(feed->ics, HasSubstr("RRULE:FREQ=WEEKLY;BYDAY=MO,WE,FR\r\n"));
  Component calendar = Parse(feed->ics);
  ASSERT_NE(calendar, nullptr);
  icalcomponent* event = Events(calendar.get())[0];
  const icaltimetype start = icalcomponent_get_dtstart(event);
  // 2026-10-01 is a Thursday: the first suggested day is Friday the 2nd.
  EXPECT_EQ(start.day, 2);
  EXPECT_EQ(start.hour, 19);
  EXPECT_EQ(icaldurationtype_as_int(icalcomponent_get_duration(event)), kDefaultEventMinutes * 60);
  const icalrecurrencetype rule =
      icalproperty_get_rrule(icalcomponent_get_first_property(event, ICAL_RRULE_PROPERTY));
  EXPECT_TRUE(icaltime_is_null_time(rule.until)) << "open-ended schedules have no UNTIL";
  EXPECT_THAT(std::string(icalcomponent_get_description(event)),
              HasSubstr("3 times a week; the days shown are suggestions"));
}

TEST(CalendarTest, EveryTwoWeeksIsAnIntervalOfTwoAndSaysSo) {
  v1::Assignment every_two_weeks = ThoughtRecords();
  every_two_weeks.mutable_schedule()->set_interval(2);
  absl::StatusOr<PracticeCalendarFeed> feed = BuildPracticeCalendar(Ana(), {every_two_weeks});
  ASSERT_THAT(feed, IsOk());
  EXPECT_THAT(feed->ics, HasSubstr("RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE,FR\r\n"));
  // Interval 1 (and its default 0) adds nothing to the rule.
  every_two_weeks.mutable_schedule()->set_interval(1);
  feed = BuildPracticeCalendar(Ana(), {every_two_weeks});
  ASSERT_THAT(feed, IsOk());
  EXPECT_THAT(feed->ics, HasSubstr("RRULE:FREQ=WEEKLY;BYDAY=MO,WE,FR\r\n"));
}

TEST(CalendarTest, WeeklyPracticeWithoutATimeFollowsTheHabitAnchorThenItsEndDate) {
  v1::Assignment assignment = ThoughtRecords();
  assignment.mutable_schedule()->set_target_count(1);
  assignment.mutable_schedule()->clear_preferred_local_time();
  assignment.mutable_schedule()->mutable_habit_anchor()->set_when(v1::EVENT_TIMING_EVENING);
  assignment.mutable_schedule()->mutable_habit_anchor()->set_offset_minutes(30);
  assignment.mutable_schedule()->set_end_date("2026-11-30");
  absl::StatusOr<PracticeCalendarFeed> feed = BuildPracticeCalendar(Ana(), {assignment});
  ASSERT_THAT(feed, IsOk());
  // Once a week: Mondays, from the first Monday on or after Thursday 1 October.
  EXPECT_THAT(feed->ics, HasSubstr("RRULE:FREQ=WEEKLY;UNTIL=20261130T225959Z;BYDAY=MO\r\n"));
  Component calendar = Parse(feed->ics);
  ASSERT_NE(calendar, nullptr);
  const icaltimetype start = icalcomponent_get_dtstart(Events(calendar.get())[0]);
  EXPECT_EQ(start.day, 5);
  // EVE is 19:00 (clinical::TypicalMinuteOf), plus the anchor's 30 minutes.
  EXPECT_EQ(start.hour, 19);
  EXPECT_EQ(start.minute, 30);
}

TEST(CalendarTest, SeveralPracticesADayAreOneEventPerSlotWithStableUids) {
  v1::Assignment assignment = Breathing();
  assignment.mutable_schedule()->set_target_count(3);
  assignment.mutable_schedule()->clear_preferred_local_time();
  absl::StatusOr<PracticeCalendarFeed> feed = BuildPracticeCalendar(Ana(), {assignment});
  ASSERT_THAT(feed, IsOk());
  EXPECT_EQ(feed->event_count, 3);
  Component calendar = Parse(feed->ics);
  ASSERT_NE(calendar, nullptr);
  const std::vector<icalcomponent*> events = Events(calendar.get());
  ASSERT_THAT(events, SizeIs(3));
  // 08:00, 12:40 and 17:20 (clinical::PracticePlan::slot_minutes).
  EXPECT_EQ(Text(events[0], ICAL_UID_PROPERTY), assignment.name());
  EXPECT_EQ(Text(events[1], ICAL_UID_PROPERTY), assignment.name() + "#slot-2");
  EXPECT_EQ(Text(events[2], ICAL_UID_PROPERTY), assignment.name() + "#slot-3");
  EXPECT_EQ(icalcomponent_get_dtstart(events[0]).hour, 8);
  EXPECT_EQ(icalcomponent_get_dtstart(events[1]).hour, 12);
  EXPECT_EQ(icalcomponent_get_dtstart(events[1]).minute, 40);
  EXPECT_EQ(icalcomponent_get_dtstart(events[2]).hour, 17);
  EXPECT_EQ(icalcomponent_get_dtstart(events[2]).minute, 20);
}

TEST(CalendarTest, OnlyActiveAssignmentsBecomeEvents) {
  v1::Assignment draft = ThoughtRecords();
  draft.set_state(v1::Assignment::STATE_DRAFT);
  v1::Assignment cancelled = ThoughtRecords();
  cancelled.set_state(v1::Assignment::STATE_CANCELLED);
  absl::StatusOr<PracticeCalendarFeed> feed =
      BuildPracticeCalendar(Ana(), {draft, Breathing(), cancelled});
  ASSERT_THAT(feed, IsOk());
  EXPECT_EQ(feed->event_count, 1);
  Component calendar = Parse(feed->ics);
  ASSERT_NE(calendar, nullptr);
  EXPECT_THAT(Events(calendar.get()), SizeIs(1));
  EXPECT_THAT(feed->ics, Not(HasSubstr("Thought record")));
}

TEST(CalendarTest, AnEmptyPlanIsAValidCalendarWithoutEvents) {
  absl::StatusOr<PracticeCalendarFeed> feed = BuildPracticeCalendar(Ana(), {});
  ASSERT_THAT(feed, IsOk());
  EXPECT_EQ(feed->event_count, 0);
  Component calendar = Parse(feed->ics);
  ASSERT_NE(calendar, nullptr);
  EXPECT_THAT(Events(calendar.get()), IsEmpty());
}

TEST(CalendarTest, UtcClientsGetUtcTimesAndNoTimeZoneComponent) {
  absl::StatusOr<PracticeCalendarFeed> feed = BuildPracticeCalendar(Ana("UTC"), {Breathing()});
  ASSERT_THAT(feed, IsOk());
  EXPECT_THAT(feed->ics, HasSubstr("DTSTART:20261001T073000Z\r\n"));
  Component calendar = Parse(feed->ics);
  ASSERT_NE(calendar, nullptr);
  EXPECT_EQ(icalcomponent_get_first_component(calendar.get(), ICAL_VTIMEZONE_COMPONENT), nullptr);
}

TEST(CalendarTest, UnknownTimeZoneIsInvalidArgumentNamingTheField) {
  absl::StatusOr<PracticeCalendarFeed> feed =
      BuildPracticeCalendar(Ana("Mars/Olympus_Mons"), {Breathing()});
  EXPECT_THAT(feed, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(feed.status().message()), HasSubstr("client.time_zone"));
}

}  // namespace
}  // namespace therapy::homework
