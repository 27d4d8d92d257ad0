// The practice calendar of the real homework-server binary: GetPracticeCalendar over gRPC and
// the calendar-app route `GET /calendar/v1/{client}/practice.ics` over real HTTP, both parsed
// back with libical and compared with the assignments and the reminder text ListDueReminders
// gives, and who may read it.

#include <libical/ical.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "httplib.h"
#include "integration-tests/rpc_test_support.h"
#include "integration-tests/server_process.h"
#include "nlohmann/json.hpp"
#include "services/homework/core/model/proto_time.h"
#include "testing/status_matchers.h"

namespace therapy::homework::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::therapy::homework::testing::IsOk;

constexpr char kPractice[] = "clinic-a";
constexpr char kPracticeName[] = "practices/clinic-a";
constexpr char kZone[] = "Europe/Berlin";

struct ComponentDeleter {
  void operator()(icalcomponent* component) const { icalcomponent_free(component); }
};
using Component = std::unique_ptr<icalcomponent, ComponentDeleter>;

// The calendar parsed by libical, checked against RFC 5545's restrictions.
Component ParseCalendar(const std::string& ics) {
  Component calendar(icalparser_parse_string(ics.c_str()));
  EXPECT_NE(calendar, nullptr) << ics;
  if (calendar == nullptr) return calendar;
  EXPECT_EQ(icalcomponent_isa(calendar.get()), ICAL_VCALENDAR_COMPONENT);
  EXPECT_EQ(icalrestriction_check(calendar.get()), 1);
  EXPECT_EQ(icalcomponent_count_errors(calendar.get()), 0)
      << icalcomponent_as_ical_string(calendar.get());
  return calendar;
}

// VEVENTs by UID.
std::map<std::string, icalcomponent*> EventsByUid(icalcomponent* calendar) {
  std::map<std::string, icalcomponent*> events;
  for (icalcomponent* event = icalcomponent_get_first_component(calendar, ICAL_VEVENT_COMPONENT);
       event != nullptr;
       event = icalcomponent_get_next_component(calendar, ICAL_VEVENT_COMPONENT)) {
    events[icalcomponent_get_uid(event)] = event;
  }
  return events;
}

std::string StartTzid(icalcomponent* event) {
  icalproperty* start = icalcomponent_get_first_property(event, ICAL_DTSTART_PROPERTY);
  icalparameter* tzid =
      start == nullptr ? nullptr : icalproperty_get_first_parameter(start, ICAL_TZID_PARAMETER);
  return tzid == nullptr ? "" : icalparameter_get_tzid(tzid);
}

icalrecurrencetype RuleOf(icalcomponent* event) {
  icalproperty* rrule = icalcomponent_get_first_property(event, ICAL_RRULE_PROPERTY);
  EXPECT_NE(rrule, nullptr);
  if (rrule == nullptr) {
    icalrecurrencetype none;
    icalrecurrencetype_clear(&none);
    return none;
  }
  return icalproperty_get_rrule(rrule);
}

std::string AlarmText(icalcomponent* event) {
  icalcomponent* alarm = icalcomponent_get_first_component(event, ICAL_VALARM_COMPONENT);
  if (alarm == nullptr) return "";
  const char* text = icalcomponent_get_description(alarm);
  return text == nullptr ? "" : text;
}

v1::Assignment DailyBreathing() {
  v1::Assignment assignment;
  assignment.set_title("Paced breathing before the commute");
  assignment.mutable_exercise()->set_kind(v1::EXERCISE_KIND_SKILLS_PRACTICE);
  assignment.mutable_exercise()->mutable_skills_practice()->set_skill(
      v1::SkillsPracticeInstructions::SKILL_BREATHING);
  v1::Schedule* schedule = assignment.mutable_schedule();
  schedule->set_target_count(1);
  schedule->set_period(v1::Schedule::PERIOD_DAY);
  schedule->set_minutes_per_practice(10);
  schedule->set_start_date(DayIn(kZone, -2));
  schedule->set_end_date(DayIn(kZone, 20));
  schedule->set_preferred_local_time("08:45");
  schedule->mutable_habit_anchor()->set_client_words("after my first coffee, before the tram");
  schedule->set_environmental_cue("the breathing card by the kettle");
  schedule->set_minimum_version("Three slow breaths");
  return assignment;
}

v1::Assignment WeeklyThoughtRecords() {
  v1::Assignment assignment;
  assignment.set_title("Thought record after a hard meeting");
  assignment.mutable_exercise()->set_kind(v1::EXERCISE_KIND_THOUGHT_RECORD);
  v1::Schedule* schedule = assignment.mutable_schedule();
  schedule->set_target_count(3);
  schedule->set_period(v1::Schedule::PERIOD_WEEK);
  schedule->set_start_date(DayIn(kZone, 0));
  schedule->set_preferred_local_time("19:00");
  schedule->set_minimum_version("One line about the moment");
  return assignment;
}

class CalendarFeedApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerOptions options;
    options.connect = true;
    absl::StatusOr<std::unique_ptr<ServerProcess>> started = ServerProcess::Start(options);
    ASSERT_THAT(started, IsOk());
    server_ = *std::move(started);
    stub_ = server_->NewStub();
    platform_ = server_->Token("platform-backend", "service", kPractice);
    dr_ada_ = server_->Token("dr-ada", "therapist", kPractice);
    alex_ = server_->Token("alex", "client", kPractice);
    bea_ = server_->Token("bea", "client", kPractice);
    for (const char* id : {"alex", "bea"}) {
      v1::CreateClientRequest request;
      request.set_parent(kPracticeName);
      request.set_client_id(id);
      request.mutable_client()->set_display_name(id);
      request.mutable_client()->set_time_zone(kZone);
      request.mutable_client()->add_care_team("dr-ada");
      v1::Client client;
      ASSERT_RPC_OK(Call(*stub_, &Stub::CreateClient, platform_, request, &client));
    }
    daily_ = Assign(DailyBreathing(), /*activate=*/true);
    weekly_ = Assign(WeeklyThoughtRecords(), /*activate=*/true);
    v1::Assignment draft = WeeklyThoughtRecords();
    draft.set_title("Not yet agreed");
    Assign(draft, /*activate=*/false);
  }

  v1::Assignment Assign(const v1::Assignment& assignment, bool activate) {
    v1::CreateAssignmentRequest create;
    create.set_parent("practices/clinic-a/clients/alex");
    *create.mutable_assignment() = assignment;
    v1::Assignment created;
    grpc::Status status = Call(*stub_, &Stub::CreateAssignment, dr_ada_, create, &created);
    EXPECT_TRUE(status.ok()) << Describe(status);
    if (!activate) return created;
    v1::ActivateAssignmentRequest request;
    request.set_name(created.name());
    request.set_etag(created.etag());
    v1::Assignment active;
    status = Call(*stub_, &Stub::ActivateAssignment, dr_ada_, request, &active);
    EXPECT_TRUE(status.ok()) << Describe(status);
    return active;
  }

  httplib::Result Get(const std::string& path, httplib::Headers headers = {}) {
    httplib::Client http("127.0.0.1", server_->connect_port());
    http.set_read_timeout(10, 0);
    return http.Get(path.c_str(), headers);
  }

  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<Stub> stub_;
  std::string platform_, dr_ada_, alex_, bea_;
  v1::Assignment daily_, weekly_;
};

constexpr char kFeedPath[] = "/calendar/v1/practices/clinic-a/clients/alex/practice.ics";

TEST_F(CalendarFeedApiTest, FeedHoldsOneRecurringEventPerActiveAssignmentInTheClientsZone) {
  v1::GetPracticeCalendarRequest request;
  request.set_client("practices/clinic-a/clients/alex");
  v1::PracticeCalendar feed;
  ASSERT_RPC_OK(Call(*stub_, &Stub::GetPracticeCalendar, alex_, request, &feed));
  EXPECT_EQ(feed.event_count(), 2);
  Component calendar = ParseCalendar(feed.ics());
  ASSERT_NE(calendar, nullptr);
  icalcomponent* vtimezone =
      icalcomponent_get_first_component(calendar.get(), ICAL_VTIMEZONE_COMPONENT);
  ASSERT_NE(vtimezone, nullptr);
  EXPECT_STREQ(
      icalproperty_get_tzid(icalcomponent_get_first_property(vtimezone, ICAL_TZID_PROPERTY)),
      kZone);

  std::map<std::string, icalcomponent*> events = EventsByUid(calendar.get());
  ASSERT_EQ(events.size(), 2u) << feed.ics();
  ASSERT_TRUE(events.count(daily_.name())) << feed.ics();
  ASSERT_TRUE(events.count(weekly_.name())) << feed.ics();
  EXPECT_THAT(feed.ics(), Not(HasSubstr("Not yet agreed")));

  icalcomponent* daily = events[daily_.name()];
  EXPECT_STREQ(icalcomponent_get_summary(daily), daily_.title().c_str());
  EXPECT_EQ(StartTzid(daily), kZone);
  const icaltimetype start = icalcomponent_get_dtstart(daily);
  EXPECT_EQ(absl::FormatCivilTime(absl::CivilDay(start.year, start.month, start.day)),
            daily_.schedule().start_date());
  EXPECT_EQ(start.hour, 8);
  EXPECT_EQ(start.minute, 45);
  EXPECT_EQ(icaldurationtype_as_int(icalcomponent_get_duration(daily)), 10 * 60);
  const icalrecurrencetype daily_rule = RuleOf(daily);
  EXPECT_EQ(daily_rule.freq, ICAL_DAILY_RECURRENCE);
  ASSERT_TRUE(icaltime_is_utc(daily_rule.until));
  // UNTIL is the end of the end date in Berlin, in UTC: the next local midnight minus 1 s.
  absl::TimeZone berlin;
  ASSERT_TRUE(absl::LoadTimeZone(kZone, &berlin));
  absl::CivilDay end_day;
  ASSERT_TRUE(absl::ParseCivilTime(daily_.schedule().end_date(), &end_day));
  EXPECT_EQ(static_cast<int64_t>(icaltime_as_timet(daily_rule.until)),
            absl::ToUnixSeconds(absl::FromCivil(end_day + 1, berlin)) - 1);

  icalcomponent* weekly = events[weekly_.name()];
  EXPECT_STREQ(icalcomponent_get_summary(weekly), weekly_.title().c_str());
  const icalrecurrencetype weekly_rule = RuleOf(weekly);
  EXPECT_EQ(weekly_rule.freq, ICAL_WEEKLY_RECURRENCE);
  EXPECT_TRUE(icaltime_is_null_time(weekly_rule.until));
  EXPECT_EQ(icalcomponent_get_dtstart(weekly).hour, 19);
  EXPECT_THAT(
      icalproperty_as_ical_string(icalcomponent_get_first_property(weekly, ICAL_RRULE_PROPERTY)),
      HasSubstr("BYDAY=MO,WE,FR"));

  // The alarm says exactly what the platform's notifier is told (ListDueReminders).
  v1::ListDueRemindersRequest due;
  due.set_parent(kPracticeName);
  const absl::Time now = absl::Now();
  *due.mutable_start_time() = ToProtoTime(now);
  *due.mutable_end_time() = ToProtoTime(now + absl::Hours(24 * 7));
  v1::ListDueRemindersResponse reminders;
  ASSERT_RPC_OK(Call(*stub_, &Stub::ListDueReminders, platform_, due, &reminders));
  int compared = 0;
  for (const v1::Reminder& reminder : reminders.reminders()) {
    auto event = events.find(reminder.assignment());
    ASSERT_NE(event, events.end()) << reminder.assignment();
    EXPECT_EQ(AlarmText(event->second), reminder.text());
    EXPECT_THAT(icalcomponent_get_description(event->second), HasSubstr(reminder.text()));
    ++compared;
  }
  EXPECT_GT(compared, 0);
}

TEST_F(CalendarFeedApiTest, CareTeamReadsItOtherClientsAndNoTokenAreRefused) {
  v1::GetPracticeCalendarRequest request;
  request.set_client("practices/clinic-a/clients/alex");
  v1::PracticeCalendar feed;
  ASSERT_RPC_OK(Call(*stub_, &Stub::GetPracticeCalendar, dr_ada_, request, &feed));
  EXPECT_EQ(feed.event_count(), 2);
  EXPECT_EQ(Call(*stub_, &Stub::GetPracticeCalendar, bea_, request, &feed).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Call(*stub_, &Stub::GetPracticeCalendar, std::string(), request, &feed).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  request.set_client("clients/alex");
  const grpc::Status invalid = Call(*stub_, &Stub::GetPracticeCalendar, alex_, request, &feed);
  EXPECT_EQ(invalid.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(BadRequestFields(invalid), ElementsAre("client"));
}

TEST_F(CalendarFeedApiTest, HttpRouteServesTheSameFeedWithATokenInTheQueryOrTheHeader) {
  v1::GetPracticeCalendarRequest request;
  request.set_client("practices/clinic-a/clients/alex");
  v1::PracticeCalendar feed;
  ASSERT_RPC_OK(Call(*stub_, &Stub::GetPracticeCalendar, alex_, request, &feed));

  httplib::Result by_query = Get(std::string(kFeedPath) + "?access_token=" + alex_);
  ASSERT_TRUE(by_query) << httplib::to_string(by_query.error());
  ASSERT_EQ(by_query->status, 200) << by_query->body << server_->StderrTail();
  EXPECT_EQ(by_query->get_header_value("Content-Type"), "text/calendar; charset=utf-8");
  EXPECT_THAT(by_query->get_header_value("Cache-Control"), HasSubstr("private"));
  // DTSTAMP comes from the assignments, so the same data gives the same bytes.
  EXPECT_EQ(by_query->body, feed.ics());
  Component calendar = ParseCalendar(by_query->body);
  ASSERT_NE(calendar, nullptr);
  EXPECT_EQ(EventsByUid(calendar.get()).size(), 2u);

  httplib::Result by_header = Get(kFeedPath, {{"Authorization", "Bearer " + dr_ada_}});
  ASSERT_TRUE(by_header) << httplib::to_string(by_header.error());
  EXPECT_EQ(by_header->status, 200) << by_header->body;
  EXPECT_EQ(by_header->body, feed.ics());

  // And as a Connect unary call, as the portal makes it.
  httplib::Client http("127.0.0.1", server_->connect_port());
  httplib::Result connect =
      http.Post("/therapy.homework.v1.HomeworkService/GetPracticeCalendar",
                {{"Authorization", "Bearer " + alex_}, {"Connect-Protocol-Version", "1"}},
                R"({"client":"practices/clinic-a/clients/alex"})", "application/json");
  ASSERT_TRUE(connect) << httplib::to_string(connect.error());
  ASSERT_EQ(connect->status, 200) << connect->body;
  const nlohmann::json answer = nlohmann::json::parse(connect->body, nullptr, false);
  EXPECT_EQ(answer["ics"], feed.ics());
  EXPECT_EQ(answer["eventCount"], 2);

  // The token travels in the URL, so it must never reach the log.
  const std::string log = server_->LogOnceItHas(R"("method":"GetPracticeCalendar")");
  EXPECT_THAT(log, HasSubstr(R"("method":"GetPracticeCalendar")"));
  EXPECT_THAT(log, Not(HasSubstr(alex_)));
  EXPECT_THAT(log, Not(HasSubstr(dr_ada_)));
}

TEST_F(CalendarFeedApiTest, HttpRouteRefusesNoTokenAnotherClientAndTwoTokens) {
  httplib::Result none = Get(kFeedPath);
  ASSERT_TRUE(none) << httplib::to_string(none.error());
  EXPECT_EQ(none->status, 401) << none->body;
  EXPECT_THAT(none->get_header_value("WWW-Authenticate"), HasSubstr("Bearer"));
  EXPECT_THAT(none->body, Not(HasSubstr("BEGIN:VCALENDAR")));

  httplib::Result other = Get(std::string(kFeedPath) + "?access_token=" + bea_);
  ASSERT_TRUE(other) << httplib::to_string(other.error());
  EXPECT_EQ(other->status, 403) << other->body;
  EXPECT_THAT(other->body, Not(HasSubstr("BEGIN:VCALENDAR")));

  httplib::Result forged = Get(std::string(kFeedPath) + "?access_token=not.a.jwt");
  ASSERT_TRUE(forged) << httplib::to_string(forged.error());
  EXPECT_EQ(forged->status, 401) << forged->body;

  httplib::Result both = Get(std::string(kFeedPath) + "?access_token=" + alex_,
                             {{"Authorization", "Bearer " + alex_}});
  ASSERT_TRUE(both) << httplib::to_string(both.error());
  EXPECT_EQ(both->status, 400) << both->body;
}

}  // namespace
}  // namespace therapy::homework::testing
