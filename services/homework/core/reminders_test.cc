#include "services/homework/core/reminders.h"

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/homework/core/homework.h"
#include "services/homework/core/model/proto_time.h"
#include "services/homework/storage/memory/memory_store.h"
#include "testing/status_matchers.h"

namespace therapy::homework {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::SizeIs;
using ::therapy::homework::testing::IsOk;
using ::therapy::homework::testing::StatusIs;

absl::TimeZone Berlin() {
  absl::TimeZone zone;
  absl::LoadTimeZone("Europe/Berlin", &zone);
  return zone;
}

v1::Client Ana() {
  v1::Client client;
  client.set_name("practices/sunrise/clients/ana");
  client.set_display_name("Ana");
  client.set_time_zone("Europe/Berlin");
  client.add_care_team("dr-lee");
  return client;
}

v1::Assignment Breathing() {
  v1::Assignment assignment;
  assignment.set_name("practices/sunrise/clients/ana/assignments/breathing");
  assignment.set_title("Paced breathing");
  assignment.set_state(v1::Assignment::STATE_ACTIVE);
  assignment.mutable_exercise()->set_kind(v1::EXERCISE_KIND_SKILLS_PRACTICE);
  auto* schedule = assignment.mutable_schedule();
  schedule->set_target_count(1);
  schedule->set_period(v1::Schedule::PERIOD_DAY);
  schedule->set_start_date("2026-10-01");
  schedule->set_preferred_local_time("07:30");
  schedule->mutable_habit_anchor()->set_when(v1::EVENT_TIMING_AFTER_BREAKFAST);
  schedule->mutable_habit_anchor()->set_client_words("right after my morning coffee");
  schedule->set_environmental_cue("the breathing card next to the kettle");
  schedule->set_minimum_version("Three slow breaths");
  return assignment;
}

// Creates the client `id` (as Ana() otherwise) through the core, as the platform's service.
absl::StatusOr<v1::Client> AddClient(Homework& homework, const std::string& id) {
  v1::CreateClientRequest create;
  create.set_parent("practices/sunrise");
  create.set_client_id(id);
  *create.mutable_client() = Ana();
  create.mutable_client()->clear_name();
  return homework.CreateClient(Caller{"platform", "sunrise", Role::kService, "call"}, create);
}

TEST(RemindersTest, TextUsesTheClientsOwnWordsTheCueAndTheTwoMinuteVersion) {
  const std::string text = ReminderText(Breathing());
  EXPECT_THAT(text, HasSubstr("Paced breathing"));
  EXPECT_THAT(text, HasSubstr("right after my morning coffee"));
  EXPECT_THAT(text, HasSubstr("the breathing card next to the kettle"));
  EXPECT_THAT(text, HasSubstr("Short on time? Even this counts: Three slow breaths."));
}

TEST(RemindersTest, TextEndsEachSentenceOnceWhenTheClientsWordsAlreadyEndOne) {
  v1::Assignment assignment = Breathing();
  assignment.mutable_schedule()->set_minimum_version("Three breaths: in for 4, out for 6.");
  assignment.mutable_schedule()->set_environmental_cue("The card by the kettle!");
  const std::string text = ReminderText(assignment);
  EXPECT_THAT(text, ::testing::EndsWith("Even this counts: Three breaths: in for 4, out for 6."));
  EXPECT_THAT(text, Not(HasSubstr("..")));
  EXPECT_THAT(text, HasSubstr("Your cue: The card by the kettle! "));
  EXPECT_THAT(text, Not(HasSubstr("!.")));
}

TEST(RemindersTest, APracticeAlreadyDoneIsNotReminded) {
  const absl::TimeZone berlin = Berlin();
  const absl::Time from = absl::FromCivil(absl::CivilDay(2026, 11, 2), berlin);
  const absl::Time to = absl::FromCivil(absl::CivilDay(2026, 11, 4), berlin);
  v1::Completion done;
  done.set_name(Breathing().name() + "/completions/c1");
  *done.mutable_occur_time() =
      ToProtoTime(absl::FromCivil(absl::CivilSecond(2026, 11, 2, 7, 40, 0), berlin));
  done.set_occur_time_zone("Europe/Berlin");
  done.set_status(v1::Completion::STATUS_MINIMUM_VERSION);
  auto reminders = DueReminders(Ana(), Breathing(), {done}, from, to, from);
  ASSERT_THAT(reminders, IsOk());
  ASSERT_THAT(*reminders, SizeIs(1));
  EXPECT_EQ(FromProtoTime((*reminders)[0].due_time()),
            absl::FromCivil(absl::CivilSecond(2026, 11, 3, 7, 30, 0), berlin));
  EXPECT_EQ((*reminders)[0].time_zone(), "Europe/Berlin");
}

TEST(RemindersTest, ThePlannedLocalTimeHoldsAcrossTheEndOfSummerTime) {
  // Berlin leaves summer time on 2026-10-25: 07:30 local is 05:30 UTC before, 06:30 UTC after.
  const absl::Time from = absl::FromCivil(absl::CivilDay(2026, 10, 24), absl::UTCTimeZone());
  const absl::Time to = absl::FromCivil(absl::CivilDay(2026, 10, 26), absl::UTCTimeZone());
  auto reminders = DueReminders(Ana(), Breathing(), {}, from, to, from);
  ASSERT_THAT(reminders, IsOk());
  ASSERT_THAT(*reminders, SizeIs(2));
  EXPECT_EQ(FromProtoTime((*reminders)[0].due_time()),
            absl::FromCivil(absl::CivilSecond(2026, 10, 24, 5, 30, 0), absl::UTCTimeZone()));
  EXPECT_EQ(FromProtoTime((*reminders)[1].due_time()),
            absl::FromCivil(absl::CivilSecond(2026, 10, 25, 6, 30, 0), absl::UTCTimeZone()));
}

TEST(RemindersTest, OnlyPlatformServicesListRemindersAndTheWindowIsBounded) {
  MemoryStore store;
  Homework homework(store, HomeworkOptions{});
  v1::ListDueRemindersRequest request;
  request.set_parent("practices/sunrise");
  *request.mutable_start_time() = ToProtoTime(absl::Now());
  *request.mutable_end_time() = ToProtoTime(absl::Now() + absl::Hours(24));
  const Caller therapist{"dr-lee", "sunrise", Role::kTherapist, "call"};
  EXPECT_THAT(homework.ListDueReminders(therapist, request),
              StatusIs(absl::StatusCode::kPermissionDenied));
  const Caller service{"notifier", "sunrise", Role::kService, "call"};
  auto empty = homework.ListDueReminders(service, request);
  ASSERT_THAT(empty, IsOk());
  EXPECT_THAT(empty->reminders(), SizeIs(0));
  *request.mutable_end_time() = ToProtoTime(absl::Now() + absl::Hours(24 * 8));
  EXPECT_THAT(homework.ListDueReminders(service, request),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace therapy::homework

namespace therapy::homework {
namespace {

TEST(RemindersTest, ListDueRemindersCoversEveryClientsActiveAssignmentsInTheWindow) {
  MemoryStore store;
  const absl::Time now =
      absl::FromCivil(absl::CivilSecond(2026, 11, 26, 6, 0, 0), absl::UTCTimeZone());
  int ids = 0;
  Homework homework(store, HomeworkOptions{.now = [now] { return now; },
                                           .new_id = [&ids] { return absl::StrCat("id", ++ids); }});
  const Caller service{"notifier", "sunrise", Role::kService, "call"};
  const Caller therapist{"dr-lee", "sunrise", Role::kTherapist, "call"};
  for (const char* id : {"ana", "ben"}) {
    ASSERT_THAT(AddClient(homework, id), IsOk());
    v1::CreateAssignmentRequest assign;
    assign.set_parent(absl::StrCat("practices/sunrise/clients/", id));
    *assign.mutable_assignment() = Breathing();
    assign.mutable_assignment()->clear_name();
    auto draft = homework.CreateAssignment(therapist, assign);
    ASSERT_THAT(draft, IsOk());
    if (std::string(id) == "ben") continue;  // ben's stays a draft: no reminders
    v1::ActivateAssignmentRequest activate;
    activate.set_name(draft->name());
    ASSERT_THAT(homework.ActivateAssignment(therapist, activate), IsOk());
  }
  v1::ListDueRemindersRequest request;
  request.set_parent("practices/sunrise");
  *request.mutable_start_time() = ToProtoTime(now);
  *request.mutable_end_time() = ToProtoTime(now + absl::Hours(48));
  auto listed = homework.ListDueReminders(service, request);
  ASSERT_THAT(listed, IsOk());
  ASSERT_THAT(listed->reminders(), SizeIs(2));  // 07:30 Berlin today and tomorrow
  EXPECT_EQ(listed->reminders(0).client(), "practices/sunrise/clients/ana");
  EXPECT_EQ(FromProtoTime(listed->reminders(0).due_time()),
            absl::FromCivil(absl::CivilSecond(2026, 11, 26, 7, 30, 0), Berlin()));

  request.set_page_size(1);
  auto first = homework.ListDueReminders(service, request);
  ASSERT_THAT(first, IsOk());
  ASSERT_THAT(first->reminders(), SizeIs(1));
  request.set_page_token(first->next_page_token());
  auto second = homework.ListDueReminders(service, request);
  ASSERT_THAT(second, IsOk());
  ASSERT_THAT(second->reminders(), SizeIs(1));
  EXPECT_TRUE(second->next_page_token().empty());
  EXPECT_NE(first->reminders(0).due_time().seconds(), second->reminders(0).due_time().seconds());
}

}  // namespace
}  // namespace therapy::homework

namespace therapy::homework {
namespace {

v1::Assignment Phq9EveryTwoWeeks() {
  v1::Assignment assignment;
  assignment.set_name("practices/sunrise/clients/ana/assignments/phq9");
  assignment.set_title("PHQ-9");
  assignment.set_state(v1::Assignment::STATE_ACTIVE);
  assignment.mutable_exercise()->set_kind(v1::EXERCISE_KIND_OUTCOME_MEASURE);
  assignment.mutable_exercise()->mutable_outcome_measure()->set_measure(v1::MEASURE_PHQ9);
  auto* schedule = assignment.mutable_schedule();
  schedule->set_target_count(1);
  schedule->set_period(v1::Schedule::PERIOD_WEEK);
  schedule->set_interval(2);
  schedule->set_start_date("2026-11-02");  // a Monday
  schedule->set_minimum_version("The first two questions");
  return assignment;
}

absl::Time BerlinDay(int month, int day, int hour = 0) {
  return absl::FromCivil(absl::CivilSecond(2026, month, day, hour, 0, 0), Berlin());
}

std::vector<std::pair<absl::Time, v1::MeasureState>> Moments(
    const absl::StatusOr<std::vector<v1::Reminder>>& reminders) {
  EXPECT_THAT(reminders, IsOk());
  std::vector<std::pair<absl::Time, v1::MeasureState>> moments;
  for (const v1::Reminder& reminder : reminders.value_or(std::vector<v1::Reminder>{})) {
    moments.emplace_back(FromProtoTime(reminder.due_time()), reminder.measure_state());
  }
  return moments;
}

TEST(RemindersTest, AMeasureIsRemindedWhenDueWhenOverdueAndWhenItExpires) {
  // Due Monday 2 November 00:00, overdue 48 h later, expired 96 h later; the next is due on
  // 16 November.
  const auto reminders = DueReminders(Ana(), Phq9EveryTwoWeeks(), {}, BerlinDay(11, 1),
                                      BerlinDay(11, 8), BerlinDay(11, 1));
  EXPECT_THAT(Moments(reminders),
              ::testing::ElementsAre(std::pair(BerlinDay(11, 2), v1::MEASURE_STATE_DUE),
                                     std::pair(BerlinDay(11, 4), v1::MEASURE_STATE_OVERDUE),
                                     std::pair(BerlinDay(11, 6), v1::MEASURE_STATE_EXPIRED)));
  ASSERT_THAT(*reminders, SizeIs(3));
  EXPECT_EQ(FromProtoTime((*reminders)[0].expire_time()), BerlinDay(11, 6));
  EXPECT_EQ(FromProtoTime((*reminders)[1].expire_time()), BerlinDay(11, 6));
  EXPECT_FALSE((*reminders)[2].has_expire_time());
  // Each moment belongs to the window holding it: [start, end).
  EXPECT_THAT(Moments(DueReminders(Ana(), Phq9EveryTwoWeeks(), {}, BerlinDay(11, 4),
                                   BerlinDay(11, 5), BerlinDay(11, 4))),
              ::testing::ElementsAre(std::pair(BerlinDay(11, 4), v1::MEASURE_STATE_OVERDUE)));
  EXPECT_THAT(Moments(DueReminders(Ana(), Phq9EveryTwoWeeks(), {}, BerlinDay(11, 3),
                                   BerlinDay(11, 4), BerlinDay(11, 3))),
              ::testing::IsEmpty());
  // Nothing in the second week of the block: every two weeks is not weekly.
  EXPECT_THAT(Moments(DueReminders(Ana(), Phq9EveryTwoWeeks(), {}, BerlinDay(11, 8),
                                   BerlinDay(11, 15), BerlinDay(11, 8))),
              ::testing::IsEmpty());
  // Answered on the 3rd: nothing more about it.
  v1::Completion answer;
  answer.set_name(Phq9EveryTwoWeeks().name() + "/completions/c1");
  *answer.mutable_occur_time() = ToProtoTime(BerlinDay(11, 3, 9));
  answer.set_occur_time_zone("Europe/Berlin");
  answer.set_status(v1::Completion::STATUS_DONE);
  EXPECT_THAT(Moments(DueReminders(Ana(), Phq9EveryTwoWeeks(), {answer}, BerlinDay(11, 1),
                                   BerlinDay(11, 8), BerlinDay(11, 3, 10))),
              ::testing::IsEmpty());
}

TEST(RemindersTest, AMeasureBeforeEachSessionFollowsTheNextSessionTheServiceSets) {
  MemoryStore store;
  const absl::Time now = BerlinDay(11, 26, 6);
  int ids = 0;
  Homework homework(store, HomeworkOptions{.now = [now] { return now; },
                                           .new_id = [&ids] { return absl::StrCat("id", ++ids); }});
  const Caller service{"scheduler", "sunrise", Role::kService, "call"};
  const Caller therapist{"dr-lee", "sunrise", Role::kTherapist, "call"};
  auto client = AddClient(homework, "ana");
  ASSERT_THAT(client, IsOk());

  v1::UpdateClientRequest update;
  *update.mutable_client() = *client;
  update.mutable_update_mask()->add_paths("next_session_time");
  *update.mutable_client()->mutable_next_session_time() = ToProtoTime(now + absl::Hours(24 * 401));
  auto too_far = homework.UpdateClient(service, update);
  EXPECT_THAT(too_far, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(too_far.status().message()), HasSubstr("next_session_time"));
  // Thursday's session at 15:00 Berlin.
  *update.mutable_client()->mutable_next_session_time() = ToProtoTime(BerlinDay(11, 27, 15));
  auto updated = homework.UpdateClient(service, update);
  ASSERT_THAT(updated, IsOk());
  EXPECT_EQ(FromProtoTime(updated->next_session_time()), BerlinDay(11, 27, 15));

  v1::CreateAssignmentRequest assign;
  assign.set_parent(client->name());
  *assign.mutable_assignment() = Phq9EveryTwoWeeks();
  assign.mutable_assignment()->clear_name();
  assign.mutable_assignment()->mutable_schedule()->set_interval(0);
  assign.mutable_assignment()->mutable_schedule()->mutable_measure_cadence()->set_trigger(
      v1::MeasureCadence::TRIGGER_BEFORE_SESSION);
  auto draft = homework.CreateAssignment(therapist, assign);
  ASSERT_THAT(draft, IsOk());
  v1::ActivateAssignmentRequest activate;
  activate.set_name(draft->name());
  ASSERT_THAT(homework.ActivateAssignment(therapist, activate), IsOk());

  v1::ListDueRemindersRequest request;
  request.set_parent("practices/sunrise");
  *request.mutable_start_time() = ToProtoTime(now);
  *request.mutable_end_time() = ToProtoTime(now + absl::Hours(24 * 7));
  auto listed = homework.ListDueReminders(service, request);
  ASSERT_THAT(listed, IsOk());
  ASSERT_THAT(listed->reminders(), SizeIs(3));
  EXPECT_EQ(listed->reminders(0).measure_state(), v1::MEASURE_STATE_DUE);
  EXPECT_EQ(FromProtoTime(listed->reminders(0).due_time()), BerlinDay(11, 26, 15));
  EXPECT_EQ(listed->reminders(1).measure_state(), v1::MEASURE_STATE_OVERDUE);
  EXPECT_EQ(FromProtoTime(listed->reminders(1).due_time()), BerlinDay(11, 27, 15));
  EXPECT_EQ(listed->reminders(2).measure_state(), v1::MEASURE_STATE_EXPIRED);
  EXPECT_EQ(FromProtoTime(listed->reminders(2).due_time()), BerlinDay(11, 30, 15));
}

TEST(RemindersTest, IntervalAndCadenceAreValidatedNamingTheirFields) {
  MemoryStore store;
  Homework homework(store, HomeworkOptions{});
  const Caller therapist{"dr-lee", "sunrise", Role::kTherapist, "call"};
  ASSERT_THAT(AddClient(homework, "ana"), IsOk());
  auto refused = [&](v1::Assignment assignment) {
    v1::CreateAssignmentRequest assign;
    assign.set_parent("practices/sunrise/clients/ana");
    assignment.clear_name();
    *assign.mutable_assignment() = assignment;
    absl::Status status = homework.CreateAssignment(therapist, assign).status();
    EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument));
    return std::string(status.message());
  };
  v1::Assignment every = Phq9EveryTwoWeeks();
  every.mutable_schedule()->set_interval(53);
  EXPECT_THAT(refused(every), HasSubstr("schedule.interval"));
  every.mutable_schedule()->set_interval(-1);
  EXPECT_THAT(refused(every), HasSubstr("schedule.interval"));
  v1::Assignment lead = Phq9EveryTwoWeeks();
  lead.mutable_schedule()->mutable_measure_cadence()->set_before_session_hours(169);
  EXPECT_THAT(refused(lead), HasSubstr("schedule.measure_cadence.before_session_hours"));
  v1::Assignment breathing = Breathing();
  breathing.mutable_schedule()->mutable_measure_cadence()->set_expire_after_hours(24);
  EXPECT_THAT(refused(breathing), HasSubstr("schedule.measure_cadence"));
  every.mutable_schedule()->set_interval(52);
  v1::CreateAssignmentRequest assign;
  assign.set_parent("practices/sunrise/clients/ana");
  every.clear_name();
  *assign.mutable_assignment() = every;
  EXPECT_THAT(homework.CreateAssignment(therapist, assign), IsOk());
}

}  // namespace
}  // namespace therapy::homework
