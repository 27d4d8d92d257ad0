// Measure cadence and schedule intervals, with worked examples at and around each boundary. The
// clock is a value: every function takes `now` or a window.

#include "services/homework/core/clinical/measure_cadence.h"

#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/homework/core/clinical/adherence.h"
#include "services/homework/core/clinical/schedule.h"
#include "services/homework/core/model/proto_time.h"
#include "testing/status_matchers.h"

namespace therapy::homework::clinical {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::therapy::homework::testing::IsOk;
using ::therapy::homework::testing::StatusIs;

const absl::TimeZone kBerlin = [] {
  absl::TimeZone zone;
  absl::LoadTimeZone("Europe/Berlin", &zone);
  return zone;
}();

// Local time in Berlin. 2026-03-02 is a Monday.
absl::Time At(int mo, int d, int h = 0, int mi = 0) {
  return absl::FromCivil(absl::CivilSecond(2026, mo, d, h, mi, 0), kBerlin);
}

v1::Assignment Phq9(v1::Schedule::Period period, int interval, std::string start = "2026-03-02") {
  v1::Assignment assignment;
  assignment.set_name("practices/p/clients/ana/assignments/phq9");
  assignment.set_title("PHQ-9");
  assignment.mutable_exercise()->set_kind(v1::EXERCISE_KIND_OUTCOME_MEASURE);
  assignment.mutable_exercise()->mutable_outcome_measure()->set_measure(v1::MEASURE_PHQ9);
  v1::Schedule& schedule = *assignment.mutable_schedule();
  schedule.set_target_count(1);
  schedule.set_period(period);
  schedule.set_interval(interval);
  schedule.set_start_date(std::move(start));
  schedule.set_minimum_version("Answer the first two questions");
  return assignment;
}

v1::Completion Answer(absl::Time time,
                      v1::Completion::Status status = v1::Completion::STATUS_DONE) {
  v1::Completion completion;
  *completion.mutable_occur_time() = ToProtoTime(time);
  completion.set_occur_time_zone("Europe/Berlin");
  completion.set_status(status);
  if (status == v1::Completion::STATUS_SKIPPED) completion.set_skip_reason("no time");
  return completion;
}

v1::Client Ana() {
  v1::Client client;
  client.set_name("practices/p/clients/ana");
  client.set_time_zone("Europe/Berlin");
  return client;
}

std::vector<absl::Time> DueTimes(const std::vector<MeasureDue>& dues) {
  std::vector<absl::Time> times;
  for (const MeasureDue& due : dues) times.push_back(due.due_time);
  return times;
}

std::vector<MeasureDue> Dues(const v1::Assignment& assignment, const v1::Client& client,
                             const std::vector<v1::Completion>& answers, absl::Time from,
                             absl::Time to) {
  absl::StatusOr<std::vector<MeasureDue>> dues =
      MeasuresDue(assignment, client, kBerlin, answers, from, to);
  EXPECT_THAT(dues, IsOk());
  return dues.value_or(std::vector<MeasureDue>{});
}

// ---- Intervals in the schedule. ----

TEST(ScheduleIntervalTest, EveryTwoWeeksExpectsOnePerTwoWeekBlockFromTheStartWeek) {
  // Weekly, interval 2, from Monday 2 March: blocks 2-15 March, 16-29 March, 30 March-12 April.
  const v1::Assignment every_two_weeks = Phq9(v1::Schedule::PERIOD_WEEK, 2);
  absl::StatusOr<std::vector<Occurrence>> occurrences =
      ExpectedOccurrences(every_two_weeks.schedule(), kBerlin, At(3, 1), At(4, 13));
  ASSERT_THAT(occurrences, IsOk());
  ASSERT_EQ(occurrences->size(), 3u);
  EXPECT_EQ((*occurrences)[0].first_day, absl::CivilDay(2026, 3, 2));
  EXPECT_EQ((*occurrences)[0].last_day, absl::CivilDay(2026, 3, 15));
  EXPECT_EQ((*occurrences)[1].first_day, absl::CivilDay(2026, 3, 16));
  EXPECT_EQ((*occurrences)[2].last_day, absl::CivilDay(2026, 4, 12));
  EXPECT_EQ((*occurrences)[0].kind, Occurrence::Kind::kBlockSlot);
  EXPECT_FALSE((*occurrences)[0].planned_time.has_value());
  // Interval 1 (and 0, its default) stays one per week.
  for (int interval : {0, 1}) {
    absl::StatusOr<std::vector<Occurrence>> weekly = ExpectedOccurrences(
        Phq9(v1::Schedule::PERIOD_WEEK, interval).schedule(), kBerlin, At(3, 1), At(4, 13));
    ASSERT_THAT(weekly, IsOk());
    EXPECT_EQ(weekly->size(), 6u) << interval;
  }
}

TEST(ScheduleIntervalTest, ACutShortBlockKeepsItsShareRoundedUp) {
  // Starting on Wednesday 4 March, every 2 weeks 3 times: the first block runs Wednesday to the
  // Sunday of the next week, 12 of its 14 days: ceil(3 * 12 / 14) = 3. Ending on Tuesday 17
  // March, the second block has 2 of 14 days: ceil(3 * 2 / 14) = 1.
  v1::Assignment assignment = Phq9(v1::Schedule::PERIOD_WEEK, 2, "2026-03-04");
  assignment.mutable_schedule()->set_target_count(3);
  assignment.mutable_schedule()->set_end_date("2026-03-17");
  absl::StatusOr<PracticePlan> plan = PlanPractice(assignment.schedule());
  ASSERT_THAT(plan, IsOk());
  std::optional<PlannedWeek> first = PlannedBlockOf(*plan, absl::CivilDay(2026, 3, 10));
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->first_day, absl::CivilDay(2026, 3, 4));
  EXPECT_EQ(first->last_day, absl::CivilDay(2026, 3, 15));
  EXPECT_EQ(first->target, 3);
  std::optional<PlannedWeek> second = PlannedBlockOf(*plan, absl::CivilDay(2026, 3, 16));
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->last_day, absl::CivilDay(2026, 3, 17));
  EXPECT_EQ(second->target, 1);
  // Days outside the plan have no block, even inside a block that has scheduled days.
  EXPECT_FALSE(PlannedBlockOf(*plan, absl::CivilDay(2026, 3, 18)).has_value());
  EXPECT_FALSE(PlannedBlockOf(*plan, absl::CivilDay(2026, 3, 3)).has_value());
}

TEST(ScheduleIntervalTest, EveryThreeDaysAtThePreferredTimeOfTheBlocksFirstDay) {
  v1::Assignment assignment = Phq9(v1::Schedule::PERIOD_DAY, 3);
  assignment.mutable_schedule()->set_preferred_local_time("19:30");
  absl::StatusOr<std::vector<Occurrence>> occurrences =
      ExpectedOccurrences(assignment.schedule(), kBerlin, At(3, 2), At(3, 11));
  ASSERT_THAT(occurrences, IsOk());
  ASSERT_EQ(occurrences->size(), 3u);  // 2, 5 and 8 March
  EXPECT_EQ((*occurrences)[1].first_day, absl::CivilDay(2026, 3, 5));
  EXPECT_EQ((*occurrences)[1].last_day, absl::CivilDay(2026, 3, 7));
  EXPECT_EQ((*occurrences)[1].planned_time, At(3, 5, 19, 30));
}

TEST(ScheduleIntervalTest, AWeekCutByTheStartOrTheEndIsCountedOnce) {
  // Weekly from Thursday 19 November to Tuesday 8 December 2026, every week practised: four
  // weeks (cut, whole, whole, cut), or two blocks of two weeks (both cut), each counted once,
  // and the streak walks them back to the start and stops.
  for (int interval : {1, 2}) {
    SCOPED_TRACE(interval);
    v1::Assignment assignment = Phq9(v1::Schedule::PERIOD_WEEK, interval, "2026-11-19");
    assignment.mutable_schedule()->set_end_date("2026-12-08");
    absl::StatusOr<std::vector<Occurrence>> occurrences =
        ExpectedOccurrences(assignment.schedule(), kBerlin, At(11, 1),
                            absl::FromCivil(absl::CivilDay(2027, 1, 1), kBerlin));
    ASSERT_THAT(occurrences, IsOk());
    EXPECT_EQ(occurrences->size(), interval == 1 ? 4u : 2u);
    const std::vector<v1::Completion> answers = {Answer(At(11, 20, 9)), Answer(At(11, 25, 9)),
                                                 Answer(At(12, 1, 9)), Answer(At(12, 7, 9))};
    absl::StatusOr<Adherence> adherence =
        ComputeAdherence(assignment, kBerlin, answers, At(11, 1), At(12, 10), At(12, 10));
    ASSERT_THAT(adherence, IsOk());
    EXPECT_EQ(adherence->missed_count, 0);
    EXPECT_EQ(adherence->streak.length, interval == 1 ? 4 : 2);
  }
}

TEST(ScheduleIntervalTest, IntervalOutside0To52IsRefusedNamingTheField) {
  for (int interval : {-1, 53}) {
    absl::StatusOr<PracticePlan> plan =
        PlanPractice(Phq9(v1::Schedule::PERIOD_WEEK, interval).schedule());
    EXPECT_THAT(plan, StatusIs(absl::StatusCode::kInvalidArgument)) << interval;
    EXPECT_THAT(std::string(plan.status().message()), HasSubstr("schedule.interval"));
  }
  EXPECT_THAT(PlanPractice(Phq9(v1::Schedule::PERIOD_WEEK, 52).schedule()), IsOk());
}

TEST(ScheduleIntervalTest, AdherenceOverFourWeeksOfEveryTwoWeeksExpectsTwo) {
  // Every 2 weeks from 2 March; over 2-29 March (two blocks, both over by 30 March) one answer
  // on 10 March settles the first block, the second is missed.
  v1::Assignment assignment = Phq9(v1::Schedule::PERIOD_WEEK, 2);
  const std::vector<v1::Completion> answers = {Answer(At(3, 10, 9))};
  absl::StatusOr<Adherence> adherence =
      ComputeAdherence(assignment, kBerlin, answers, At(3, 2), At(3, 30), At(3, 30, 12));
  ASSERT_THAT(adherence, IsOk());
  EXPECT_EQ(adherence->target_count, 2);
  EXPECT_EQ(adherence->completed_count, 1);
  EXPECT_EQ(adherence->missed_count, 1);
  // The same practice weekly would expect 4.
  absl::StatusOr<Adherence> weekly = ComputeAdherence(Phq9(v1::Schedule::PERIOD_WEEK, 1), kBerlin,
                                                      answers, At(3, 2), At(3, 30), At(3, 30, 12));
  ASSERT_THAT(weekly, IsOk());
  EXPECT_EQ(weekly->target_count, 4);
  // The streak counts blocks: the current block (30 March-12 April) is open, the one before was
  // missed, the first met: one forgiven miss.
  EXPECT_EQ(adherence->streak.unit, Streak::Unit::kBlocks);
  EXPECT_EQ(adherence->streak.length, 1);
  EXPECT_EQ(adherence->streak.forgiven, 1);
}

// ---- Due, overdue and expired on the schedule. ----

TEST(MeasureCadenceTest, EveryTwoWeeksDueAtTheBlocksStartOverdueAfter48HoursExpiredAfter96) {
  const v1::Assignment assignment = Phq9(v1::Schedule::PERIOD_WEEK, 2);
  const std::vector<MeasureDue> dues = Dues(assignment, Ana(), {}, At(3, 1), At(3, 31));
  ASSERT_THAT(DueTimes(dues), ElementsAre(At(3, 2), At(3, 16), At(3, 30)));
  const MeasureDue& first = dues[0];
  EXPECT_EQ(first.overdue_time, At(3, 4));
  EXPECT_EQ(first.expire_time, At(3, 6));
  EXPECT_EQ(StateAt(first, At(3, 2) - absl::Seconds(1)), MeasureState::kUpcoming);
  EXPECT_EQ(StateAt(first, At(3, 2)), MeasureState::kDue);
  EXPECT_EQ(StateAt(first, At(3, 4) - absl::Seconds(1)), MeasureState::kDue);
  EXPECT_EQ(StateAt(first, At(3, 4)), MeasureState::kOverdue);
  EXPECT_EQ(StateAt(first, At(3, 6) - absl::Seconds(1)), MeasureState::kOverdue);
  EXPECT_EQ(StateAt(first, At(3, 6)), MeasureState::kExpired);
}

TEST(MeasureCadenceTest, AnAnswerBeforeExpiryCountsOneAtExpiryDoesNot) {
  const v1::Assignment assignment = Phq9(v1::Schedule::PERIOD_WEEK, 2);
  std::vector<MeasureDue> dues =
      Dues(assignment, Ana(), {Answer(At(3, 6) - absl::Seconds(1))}, At(3, 1), At(3, 3));
  ASSERT_EQ(dues.size(), 1u);
  EXPECT_EQ(StateAt(dues[0], At(3, 7)), MeasureState::kAnswered);
  dues = Dues(assignment, Ana(), {Answer(At(3, 6))}, At(3, 1), At(3, 3));
  EXPECT_EQ(StateAt(dues[0], At(3, 7)), MeasureState::kExpired);
  // A skip is not an answer.
  dues = Dues(assignment, Ana(), {Answer(At(3, 3), v1::Completion::STATUS_SKIPPED)}, At(3, 1),
              At(3, 3));
  EXPECT_EQ(StateAt(dues[0], At(3, 5)), MeasureState::kOverdue);
}

TEST(MeasureCadenceTest, ADailyMeasureExpiresWhenTheNextFallsDueSoNothingPilesUp) {
  v1::Assignment assignment = Phq9(v1::Schedule::PERIOD_DAY, 1);
  assignment.mutable_schedule()->set_preferred_local_time("08:00");
  const std::vector<MeasureDue> dues = Dues(assignment, Ana(), {}, At(3, 2), At(3, 4));
  ASSERT_THAT(DueTimes(dues), ElementsAre(At(3, 2, 8), At(3, 3, 8)));
  // 48 h overdue and 96 h expiry are cut to the next morning's 08:00.
  EXPECT_EQ(dues[0].overdue_time, At(3, 3, 8));
  EXPECT_EQ(dues[0].expire_time, At(3, 3, 8));
  EXPECT_EQ(StateAt(dues[0], At(3, 3, 8)), MeasureState::kExpired);
}

TEST(MeasureCadenceTest, AnEarlyAnswerGoesToTheLatestMeasureOpenAtItsTime) {
  v1::Assignment assignment = Phq9(v1::Schedule::PERIOD_DAY, 1);
  assignment.mutable_schedule()->set_preferred_local_time("08:00");
  // 07:00 on 3 March lies in 2 March's measure's life and in 3 March's day: it answers 3 March's.
  const std::vector<MeasureDue> dues =
      Dues(assignment, Ana(), {Answer(At(3, 3, 7))}, At(3, 2), At(3, 4));
  ASSERT_EQ(dues.size(), 2u);
  EXPECT_FALSE(dues[0].answered_by.has_value());
  EXPECT_EQ(dues[1].answered_by, std::optional<size_t>(0));
}

TEST(MeasureCadenceTest, OwnOverdueAndExpiryHoursAndExpiryNeverBeforeOverdue) {
  v1::Assignment assignment = Phq9(v1::Schedule::PERIOD_WEEK, 2);
  v1::MeasureCadence& cadence = *assignment.mutable_schedule()->mutable_measure_cadence();
  cadence.set_overdue_after_hours(24);
  cadence.set_expire_after_hours(72);
  std::vector<MeasureDue> dues = Dues(assignment, Ana(), {}, At(3, 1), At(3, 3));
  ASSERT_EQ(dues.size(), 1u);
  EXPECT_EQ(dues[0].overdue_time, At(3, 3));
  EXPECT_EQ(dues[0].expire_time, At(3, 5));
  cadence.set_overdue_after_hours(100);
  cadence.set_expire_after_hours(10);
  dues = Dues(assignment, Ana(), {}, At(3, 1), At(3, 3));
  EXPECT_EQ(dues[0].expire_time, dues[0].overdue_time);
  EXPECT_EQ(dues[0].overdue_time, At(3, 2) + absl::Hours(100));
}

// ---- Before each session. ----

v1::Assignment BeforeSession(int before_hours = 0) {
  v1::Assignment assignment = Phq9(v1::Schedule::PERIOD_WEEK, 1);
  v1::MeasureCadence& cadence = *assignment.mutable_schedule()->mutable_measure_cadence();
  cadence.set_trigger(v1::MeasureCadence::TRIGGER_BEFORE_SESSION);
  cadence.set_before_session_hours(before_hours);
  return assignment;
}

TEST(MeasureCadenceTest, BeforeASessionDue24HoursAheadOverdueAtItsStartExpiredAfter96Hours) {
  v1::Client ana = Ana();
  *ana.mutable_next_session_time() = ToProtoTime(At(3, 12, 15));
  const std::vector<MeasureDue> dues = Dues(BeforeSession(), ana, {}, At(3, 1), At(3, 31));
  ASSERT_THAT(DueTimes(dues), ElementsAre(At(3, 11, 15)));
  EXPECT_EQ(dues[0].overdue_time, At(3, 12, 15));
  EXPECT_EQ(dues[0].expire_time, At(3, 15, 15));
  EXPECT_EQ(StateAt(dues[0], At(3, 11, 15) - absl::Seconds(1)), MeasureState::kUpcoming);
  EXPECT_EQ(StateAt(dues[0], At(3, 11, 15)), MeasureState::kDue);
  EXPECT_EQ(StateAt(dues[0], At(3, 12, 15)), MeasureState::kOverdue);
  EXPECT_EQ(StateAt(dues[0], At(3, 15, 15)), MeasureState::kExpired);
  // Answered within its time; an answer before it fell due is for an earlier session.
  EXPECT_EQ(StateAt(Dues(BeforeSession(), ana, {Answer(At(3, 11, 15))}, At(3, 1), At(3, 31))[0],
                    At(3, 13)),
            MeasureState::kAnswered);
  EXPECT_EQ(StateAt(Dues(BeforeSession(), ana, {Answer(At(3, 11, 14, 59))}, At(3, 1), At(3, 31))[0],
                    At(3, 13)),
            MeasureState::kOverdue);
}

TEST(MeasureCadenceTest, BeforeASessionOwnLeadTimeNothingWithoutASessionOrOutsideTheDates) {
  v1::Client ana = Ana();
  *ana.mutable_next_session_time() = ToProtoTime(At(3, 12, 15));
  EXPECT_THAT(DueTimes(Dues(BeforeSession(72), ana, {}, At(3, 1), At(3, 31))),
              ElementsAre(At(3, 9, 15)));
  EXPECT_TRUE(Dues(BeforeSession(), Ana(), {}, At(3, 1), At(3, 31)).empty());
  v1::Assignment ended = BeforeSession();
  ended.mutable_schedule()->set_end_date("2026-03-11");
  EXPECT_TRUE(Dues(ended, ana, {}, At(3, 1), At(3, 31)).empty());
  // The window holds due times: [from, to).
  EXPECT_TRUE(Dues(BeforeSession(), ana, {}, At(3, 1), At(3, 11, 15)).empty());
  EXPECT_EQ(Dues(BeforeSession(), ana, {}, At(3, 11, 15), At(3, 11, 16)).size(), 1u);
}

}  // namespace
}  // namespace therapy::homework::clinical
