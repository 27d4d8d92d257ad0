#include "services/homework/core/clinical/schedule.h"

#include <algorithm>
#include <optional>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "absl/time/civil_time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/homework/core/model/proto_time.h"
#include "testing/status_matchers.h"

namespace therapy::homework::clinical {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::therapy::homework::testing::IsOk;
using ::therapy::homework::testing::StatusIs;

absl::TimeZone Zone(const std::string& name) {
  absl::TimeZone zone;
  EXPECT_TRUE(absl::LoadTimeZone(name, &zone)) << name;
  return zone;
}

absl::TimeZone Berlin() { return Zone("Europe/Berlin"); }

absl::Time At(absl::TimeZone zone, int y, int mo, int d, int h = 0, int mi = 0) {
  return absl::FromCivil(absl::CivilSecond(y, mo, d, h, mi, 0), zone);
}

absl::Time Utc(int y, int mo, int d, int h, int mi) {
  return At(absl::UTCTimeZone(), y, mo, d, h, mi);
}

v1::Schedule Daily(int count, std::string start, std::string preferred = "") {
  v1::Schedule schedule;
  schedule.set_target_count(count);
  schedule.set_period(v1::Schedule::PERIOD_DAY);
  schedule.set_start_date(std::move(start));
  schedule.set_preferred_local_time(std::move(preferred));
  return schedule;
}

v1::Schedule Weekly(int count, std::string start) {
  v1::Schedule schedule;
  schedule.set_target_count(count);
  schedule.set_period(v1::Schedule::PERIOD_WEEK);
  schedule.set_start_date(std::move(start));
  return schedule;
}

v1::Completion Practice(absl::Time time,
                        v1::Completion::Status status = v1::Completion::STATUS_DONE,
                        std::string zone = "Europe/Berlin") {
  v1::Completion completion;
  *completion.mutable_occur_time() = ToProtoTime(time);
  completion.set_occur_time_zone(std::move(zone));
  completion.set_status(status);
  if (status == v1::Completion::STATUS_SKIPPED) completion.set_skip_reason("no time");
  return completion;
}

std::vector<Occurrence> Expect(const v1::Schedule& schedule, absl::TimeZone zone, absl::Time from,
                               absl::Time to) {
  absl::StatusOr<std::vector<Occurrence>> occurrences =
      ExpectedOccurrences(schedule, zone, from, to);
  EXPECT_THAT(occurrences, IsOk());
  return occurrences.ok() ? *occurrences : std::vector<Occurrence>{};
}

std::vector<absl::CivilMinute> LocalPlannedTimes(const std::vector<Occurrence>& occurrences,
                                                 absl::TimeZone zone) {
  std::vector<absl::CivilMinute> times;
  for (const Occurrence& occurrence : occurrences) {
    times.push_back(absl::ToCivilMinute(occurrence.planned_time.value(), zone));
  }
  return times;
}

std::vector<OccurrenceStatus> Statuses(const Matching& matching) {
  std::vector<OccurrenceStatus> statuses;
  for (const MatchedOccurrence& matched : matching.occurrences) statuses.push_back(matched.status);
  return statuses;
}

// --- Expected occurrences -----------------------------------------------------------------

TEST(ScheduleTest, DailyPracticeStaysAtItsLocalTimeAcrossSpringForward) {
  const absl::TimeZone berlin = Berlin();
  const std::vector<Occurrence> occurrences = Expect(
      Daily(1, "2026-03-01", "07:30"), berlin, At(berlin, 2026, 3, 28), At(berlin, 2026, 3, 31));

  ASSERT_EQ(occurrences.size(), 3u);
  EXPECT_THAT(
      LocalPlannedTimes(occurrences, berlin),
      ElementsAre(absl::CivilMinute(2026, 3, 28, 7, 30), absl::CivilMinute(2026, 3, 29, 7, 30),
                  absl::CivilMinute(2026, 3, 30, 7, 30)));
  // CET is UTC+1 before the change and CEST UTC+2 after it.
  EXPECT_EQ(*occurrences[0].planned_time, Utc(2026, 3, 28, 6, 30));
  EXPECT_EQ(*occurrences[1].planned_time, Utc(2026, 3, 29, 5, 30));
  EXPECT_EQ(*occurrences[2].planned_time, Utc(2026, 3, 30, 5, 30));
}

TEST(ScheduleTest, DailyPracticeStaysAtItsLocalTimeAcrossFallBack) {
  const absl::TimeZone berlin = Berlin();
  const std::vector<Occurrence> occurrences = Expect(
      Daily(1, "2026-10-01", "07:30"), berlin, At(berlin, 2026, 10, 24), At(berlin, 2026, 10, 27));

  ASSERT_EQ(occurrences.size(), 3u);
  EXPECT_EQ(*occurrences[0].planned_time, Utc(2026, 10, 24, 5, 30));
  EXPECT_EQ(*occurrences[1].planned_time, Utc(2026, 10, 25, 6, 30));
  EXPECT_EQ(*occurrences[2].planned_time, Utc(2026, 10, 26, 6, 30));
}

TEST(ScheduleTest, PreferredTimeThatDoesNotExistOnSpringForwardDayMovesForwardByTheGap) {
  const absl::TimeZone berlin = Berlin();
  const std::vector<Occurrence> occurrences = Expect(
      Daily(1, "2026-03-01", "02:30"), berlin, At(berlin, 2026, 3, 29), At(berlin, 2026, 3, 30));

  ASSERT_EQ(occurrences.size(), 1u);
  // 02:30 does not exist on 2026-03-29 (clocks jump from 02:00 to 03:00): 03:30 CEST.
  EXPECT_EQ(*occurrences[0].planned_time, Utc(2026, 3, 29, 1, 30));
  EXPECT_EQ(absl::ToCivilMinute(*occurrences[0].planned_time, berlin),
            absl::CivilMinute(2026, 3, 29, 3, 30));
}

TEST(ScheduleTest, PreferredTimeThatHappensTwiceOnFallBackDayIsTheFirstOfTheTwo) {
  const absl::TimeZone berlin = Berlin();
  const std::vector<Occurrence> occurrences = Expect(
      Daily(1, "2026-10-01", "02:30"), berlin, At(berlin, 2026, 10, 25), At(berlin, 2026, 10, 26));

  ASSERT_EQ(occurrences.size(), 1u);
  EXPECT_EQ(*occurrences[0].planned_time, Utc(2026, 10, 25, 0, 30));  // 02:30 CEST, not CET.
}

TEST(ScheduleTest, LocalDayIsTwentyThreeHoursOnSpringForwardAndTwentyFiveOnFallBack) {
  const absl::TimeZone berlin = Berlin();
  const std::vector<Occurrence> spring =
      Expect(Daily(1, "2026-03-01"), berlin, At(berlin, 2026, 3, 29), At(berlin, 2026, 3, 30));
  const std::vector<Occurrence> autumn =
      Expect(Daily(1, "2026-10-01"), berlin, At(berlin, 2026, 10, 25), At(berlin, 2026, 10, 26));

  ASSERT_EQ(spring.size(), 1u);
  ASSERT_EQ(autumn.size(), 1u);
  EXPECT_EQ(spring[0].window_end - spring[0].window_start, absl::Hours(23));
  EXPECT_EQ(autumn[0].window_end - autumn[0].window_start, absl::Hours(25));
}

TEST(ScheduleTest, SeveralPracticesADaySpreadEvenlyOverTheWakingDayFromEightOClock) {
  const absl::TimeZone berlin = Berlin();
  const std::vector<Occurrence> occurrences =
      Expect(Daily(3, "2026-05-01"), berlin, At(berlin, 2026, 5, 4), At(berlin, 2026, 5, 5));

  EXPECT_THAT(
      LocalPlannedTimes(occurrences, berlin),
      ElementsAre(absl::CivilMinute(2026, 5, 4, 8, 0), absl::CivilMinute(2026, 5, 4, 12, 40),
                  absl::CivilMinute(2026, 5, 4, 17, 20)));
  EXPECT_EQ(occurrences[2].slot, 2);
}

TEST(ScheduleTest, SeveralPracticesADayStartAtThePreferredTime) {
  const absl::TimeZone berlin = Berlin();
  const std::vector<Occurrence> occurrences = Expect(
      Daily(2, "2026-05-01", "07:30"), berlin, At(berlin, 2026, 5, 4), At(berlin, 2026, 5, 5));

  EXPECT_THAT(
      LocalPlannedTimes(occurrences, berlin),
      ElementsAre(absl::CivilMinute(2026, 5, 4, 7, 30), absl::CivilMinute(2026, 5, 4, 14, 45)));
}

TEST(ScheduleTest, HabitAnchorWithoutPreferredTimePlansAtTheRoutinesTypicalTimePlusOffset) {
  const absl::TimeZone berlin = Berlin();
  v1::Schedule schedule = Daily(1, "2026-05-01");
  schedule.mutable_habit_anchor()->set_when(v1::EVENT_TIMING_AFTER_DINNER);
  schedule.mutable_habit_anchor()->set_offset_minutes(15);
  schedule.mutable_habit_anchor()->set_client_words("after dinner, once the dishes are done");

  EXPECT_THAT(LocalPlannedTimes(
                  Expect(schedule, berlin, At(berlin, 2026, 5, 4), At(berlin, 2026, 5, 5)), berlin),
              ElementsAre(absl::CivilMinute(2026, 5, 4, 19, 15)));

  schedule.set_preferred_local_time("20:45");  // The therapist's precise time wins.
  EXPECT_THAT(LocalPlannedTimes(
                  Expect(schedule, berlin, At(berlin, 2026, 5, 4), At(berlin, 2026, 5, 5)), berlin),
              ElementsAre(absl::CivilMinute(2026, 5, 4, 20, 45)));
}

TEST(ScheduleTest, PracticeIsExpectedOnlyFromStartDateToEndDateInclusive) {
  const absl::TimeZone berlin = Berlin();
  v1::Schedule schedule = Daily(1, "2026-05-05", "09:00");
  schedule.set_end_date("2026-05-07");

  const std::vector<Occurrence> occurrences =
      Expect(schedule, berlin, At(berlin, 2026, 5, 1), At(berlin, 2026, 5, 12));

  std::vector<absl::CivilDay> days;
  for (const Occurrence& occurrence : occurrences) days.push_back(occurrence.first_day);
  EXPECT_THAT(days, ElementsAre(absl::CivilDay(2026, 5, 5), absl::CivilDay(2026, 5, 6),
                                absl::CivilDay(2026, 5, 7)));
}

TEST(ScheduleTest, WeeklyTargetIsDueWithinTheMondayToSundayWeekWithoutASetTime) {
  const absl::TimeZone berlin = Berlin();
  // The week of Monday 2026-03-23 ends on the spring-forward Sunday.
  const std::vector<Occurrence> occurrences =
      Expect(Weekly(3, "2026-03-02"), berlin, At(berlin, 2026, 3, 23), At(berlin, 2026, 3, 30));

  ASSERT_EQ(occurrences.size(), 3u);
  for (const Occurrence& occurrence : occurrences) {
    EXPECT_EQ(occurrence.kind, Occurrence::Kind::kWeekSlot);
    EXPECT_EQ(occurrence.first_day, absl::CivilDay(2026, 3, 23));
    EXPECT_EQ(occurrence.last_day, absl::CivilDay(2026, 3, 29));
    EXPECT_EQ(occurrence.window_start, At(berlin, 2026, 3, 23));
    EXPECT_EQ(occurrence.window_end, At(berlin, 2026, 3, 30));
    EXPECT_FALSE(occurrence.planned_time.has_value());
  }
  EXPECT_EQ(occurrences[0].window_end - occurrences[0].window_start, absl::Hours(7 * 24 - 1));
}

TEST(ScheduleTest, WeekCutShortByTheStartDateKeepsAShareOfTheTargetRoundedUp) {
  const absl::TimeZone berlin = Berlin();
  // Starts on Saturday 2026-03-28: 2 of the week's 7 days, ceil(5 * 2 / 7) = 2 practices.
  const std::vector<Occurrence> occurrences =
      Expect(Weekly(5, "2026-03-28"), berlin, At(berlin, 2026, 3, 23), At(berlin, 2026, 4, 6));

  ASSERT_EQ(occurrences.size(), 7u);
  EXPECT_EQ(occurrences[0].first_day, absl::CivilDay(2026, 3, 28));
  EXPECT_EQ(occurrences[1].first_day, absl::CivilDay(2026, 3, 28));
  EXPECT_EQ(occurrences[2].first_day, absl::CivilDay(2026, 3, 30));  // Then a full week of 5.
}

TEST(ScheduleTest, ReviewPeriodsThatFollowEachOtherShareNoOccurrence) {
  const absl::TimeZone berlin = Berlin();
  const v1::Schedule schedule = Daily(1, "2026-05-01", "07:30");
  // Sessions on Tuesdays at 15:00.
  const std::vector<Occurrence> first =
      Expect(schedule, berlin, At(berlin, 2026, 5, 5, 15), At(berlin, 2026, 5, 12, 15));
  const std::vector<Occurrence> second =
      Expect(schedule, berlin, At(berlin, 2026, 5, 12, 15), At(berlin, 2026, 5, 19, 15));

  ASSERT_EQ(first.size(), 7u);
  ASSERT_EQ(second.size(), 7u);
  // The session day belongs to the period that started before it.
  EXPECT_EQ(first.front().first_day, absl::CivilDay(2026, 5, 6));
  EXPECT_EQ(first.back().first_day, absl::CivilDay(2026, 5, 12));
  EXPECT_EQ(second.front().first_day, absl::CivilDay(2026, 5, 13));
}

TEST(ScheduleTest, MalformedScheduleIsInvalidArgumentNamingTheField) {
  const absl::TimeZone berlin = Berlin();
  auto error_of = [&](const v1::Schedule& schedule) {
    return ExpectedOccurrences(schedule, berlin, At(berlin, 2026, 5, 1), At(berlin, 2026, 5, 2))
        .status();
  };
  v1::Schedule bad_day = Daily(1, "2026-02-30");
  v1::Schedule bad_time = Daily(1, "2026-05-01", "24:00");
  v1::Schedule no_count = Daily(0, "2026-05-01");
  v1::Schedule no_period = Daily(1, "2026-05-01");
  no_period.set_period(v1::Schedule::PERIOD_UNSPECIFIED);
  v1::Schedule ends_before_start = Daily(1, "2026-05-01");
  ends_before_start.set_end_date("2026-04-30");

  EXPECT_THAT(error_of(bad_day),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("schedule.start_date")));
  EXPECT_THAT(error_of(bad_time).message(), HasSubstr("schedule.preferred_local_time"));
  EXPECT_THAT(error_of(no_count).message(), HasSubstr("schedule.target_count"));
  EXPECT_THAT(error_of(no_period).message(), HasSubstr("schedule.period"));
  EXPECT_THAT(error_of(ends_before_start).message(), HasSubstr("schedule.end_date"));
}

TEST(ScheduleTest, UnboundedWindowIsInvalidArgumentRatherThanAnEndlessList) {
  const absl::TimeZone berlin = Berlin();
  const v1::Schedule open_ended = Daily(1, "2026-05-01");

  EXPECT_EQ(ExpectedOccurrences(open_ended, berlin, At(berlin, 2026, 5, 1), absl::InfiniteFuture())
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ExpectedOccurrences(open_ended, berlin, At(berlin, 2026, 5, 2), At(berlin, 2026, 5, 1))
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ExpectedOccurrencesTest, PlannedTimesLeftOutChangeNothingElse) {
  const absl::TimeZone berlin = Berlin();
  v1::Schedule every_other_day = Daily(2, "2026-03-01", "07:30");
  every_other_day.set_interval(2);
  for (const v1::Schedule& schedule :
       {Daily(3, "2026-03-01", "02:30"), Weekly(2, "2026-03-04"), every_other_day}) {
    const absl::Time from = At(berlin, 2026, 3, 2);
    const absl::Time to = At(berlin, 2026, 4, 20);
    absl::StatusOr<std::vector<Occurrence>> with = ExpectedOccurrences(schedule, berlin, from, to);
    absl::StatusOr<std::vector<Occurrence>> without =
        ExpectedOccurrences(schedule, berlin, from, to, PlannedTimes::kLeftOut);
    ASSERT_THAT(with, IsOk());
    ASSERT_THAT(without, IsOk());
    ASSERT_EQ(with->size(), without->size());
    ASSERT_FALSE(with->empty());
    for (size_t i = 0; i < with->size(); ++i) {
      const Occurrence& a = (*with)[i];
      const Occurrence& b = (*without)[i];
      EXPECT_EQ(a.kind, b.kind);
      EXPECT_EQ(a.first_day, b.first_day);
      EXPECT_EQ(a.last_day, b.last_day);
      EXPECT_EQ(a.window_start, b.window_start);
      EXPECT_EQ(a.window_end, b.window_end);
      EXPECT_EQ(a.slot, b.slot);
      EXPECT_EQ(b.planned_time, std::nullopt);
    }
  }
}

// --- Matching practice to occurrences -------------------------------------------------------

TEST(MatchOccurrencesTest, PracticeOnTheDayCountsAndASkipDoesNot) {
  const absl::TimeZone berlin = Berlin();
  const std::vector<Occurrence> occurrences = Expect(
      Daily(1, "2026-05-01", "07:30"), berlin, At(berlin, 2026, 5, 4), At(berlin, 2026, 5, 6));
  const std::vector<v1::Completion> completions = {
      Practice(At(berlin, 2026, 5, 4, 21, 10)),  // Late, but on the day.
      Practice(At(berlin, 2026, 5, 5, 8, 0), v1::Completion::STATUS_SKIPPED),
  };

  const Matching matching =
      MatchOccurrences(occurrences, completions, berlin, At(berlin, 2026, 5, 6, 12));

  EXPECT_THAT(Statuses(matching), ElementsAre(OccurrenceStatus::kDone, OccurrenceStatus::kMissed));
  EXPECT_EQ(matching.occurrences[0].completion_index, 0u);
  EXPECT_TRUE(matching.unmatched_completions.empty());
}

TEST(MatchOccurrencesTest, PartialAndMinimumVersionPracticeCountAsDone) {
  const absl::TimeZone berlin = Berlin();
  const std::vector<Occurrence> occurrences =
      Expect(Daily(1, "2026-05-01"), berlin, At(berlin, 2026, 5, 4), At(berlin, 2026, 5, 6));
  const std::vector<v1::Completion> completions = {
      Practice(At(berlin, 2026, 5, 4, 9, 0), v1::Completion::STATUS_PARTIAL),
      Practice(At(berlin, 2026, 5, 5, 9, 0), v1::Completion::STATUS_MINIMUM_VERSION),
  };

  const Matching matching =
      MatchOccurrences(occurrences, completions, berlin, At(berlin, 2026, 5, 6, 12));

  EXPECT_THAT(Statuses(matching), ElementsAre(OccurrenceStatus::kDone, OccurrenceStatus::kDone));
}

TEST(MatchOccurrencesTest, EachPracticeSettlesAtMostOneOccurrence) {
  const absl::TimeZone berlin = Berlin();
  const std::vector<Occurrence> occurrences =
      Expect(Daily(2, "2026-05-01"), berlin, At(berlin, 2026, 5, 4), At(berlin, 2026, 5, 5));
  const std::vector<v1::Completion> completions = {Practice(At(berlin, 2026, 5, 4, 9, 0))};

  const Matching matching =
      MatchOccurrences(occurrences, completions, berlin, At(berlin, 2026, 5, 5, 12));

  EXPECT_THAT(Statuses(matching), ElementsAre(OccurrenceStatus::kDone, OccurrenceStatus::kMissed));
}

TEST(MatchOccurrencesTest, UnmatchedOccurrenceIsMissedDueOrUpcomingByItsWindow) {
  const absl::TimeZone berlin = Berlin();
  const std::vector<Occurrence> occurrences = Expect(
      Daily(1, "2026-05-01", "07:30"), berlin, At(berlin, 2026, 5, 4), At(berlin, 2026, 5, 7));

  // Tuesday 06:00: Monday is over, Tuesday's window is open (its 07:30 slot has not even
  // come), Wednesday's has not started.
  const Matching matching = MatchOccurrences(occurrences, {}, berlin, At(berlin, 2026, 5, 5, 6));

  EXPECT_THAT(Statuses(matching), ElementsAre(OccurrenceStatus::kMissed, OccurrenceStatus::kDue,
                                              OccurrenceStatus::kUpcoming));
}

TEST(MatchOccurrencesTest, PracticeAbroadCountsForTheLocalDayTheClientLived) {
  const absl::TimeZone berlin = Berlin();
  const std::vector<Occurrence> occurrences = Expect(
      Daily(1, "2026-05-01", "21:00"), berlin, At(berlin, 2026, 5, 4), At(berlin, 2026, 5, 6));
  // 22:00 on Monday in New York is 04:00 on Tuesday in Berlin.
  const std::vector<v1::Completion> completions = {
      Practice(At(Zone("America/New_York"), 2026, 5, 4, 22, 0), v1::Completion::STATUS_DONE,
               "America/New_York")};

  const Matching matching =
      MatchOccurrences(occurrences, completions, berlin, At(berlin, 2026, 5, 6, 12));

  EXPECT_THAT(Statuses(matching), ElementsAre(OccurrenceStatus::kDone, OccurrenceStatus::kMissed));
}

TEST(MatchOccurrencesTest, PracticeBeyondTheTargetIsReportedUnmatched) {
  const absl::TimeZone berlin = Berlin();
  const std::vector<Occurrence> occurrences =
      Expect(Daily(1, "2026-05-01"), berlin, At(berlin, 2026, 5, 4), At(berlin, 2026, 5, 5));
  const std::vector<v1::Completion> completions = {
      Practice(At(berlin, 2026, 5, 4, 18, 0)),
      Practice(At(berlin, 2026, 5, 4, 8, 0)),
  };

  const Matching matching =
      MatchOccurrences(occurrences, completions, berlin, At(berlin, 2026, 5, 5, 12));

  EXPECT_EQ(matching.occurrences[0].completion_index, 1u);  // The earliest practice of the day.
  EXPECT_THAT(matching.unmatched_completions, ElementsAre(0u));
}

TEST(MatchOccurrencesTest, WeeklyPracticeOnAnyDayOfTheWeekCounts) {
  const absl::TimeZone berlin = Berlin();
  const std::vector<Occurrence> occurrences =
      Expect(Weekly(2, "2026-05-04"), berlin, At(berlin, 2026, 5, 4), At(berlin, 2026, 5, 11));
  const std::vector<v1::Completion> completions = {Practice(At(berlin, 2026, 5, 10, 23, 30))};

  EXPECT_THAT(
      Statuses(MatchOccurrences(occurrences, completions, berlin, At(berlin, 2026, 5, 10, 23, 45))),
      ElementsAre(OccurrenceStatus::kDone, OccurrenceStatus::kDue));
  EXPECT_THAT(
      Statuses(MatchOccurrences(occurrences, completions, berlin, At(berlin, 2026, 5, 11, 0, 1))),
      ElementsAre(OccurrenceStatus::kDone, OccurrenceStatus::kMissed));
}

TEST(MatchOccurrencesTest, MatchingSettlesAsManyOccurrencesAsPossible) {
  const absl::TimeZone berlin = Berlin();
  // A week slot listed before a Wednesday slot; practice on Wednesday and on Friday. Taking
  // Wednesday's practice for the week would leave Wednesday missed.
  Occurrence week;
  week.kind = Occurrence::Kind::kWeekSlot;
  week.first_day = absl::CivilDay(2026, 5, 4);
  week.last_day = absl::CivilDay(2026, 5, 10);
  week.window_start = At(berlin, 2026, 5, 4);
  week.window_end = At(berlin, 2026, 5, 11);
  Occurrence wednesday;
  wednesday.first_day = wednesday.last_day = absl::CivilDay(2026, 5, 6);
  wednesday.window_start = At(berlin, 2026, 5, 6);
  wednesday.window_end = At(berlin, 2026, 5, 7);
  const std::vector<v1::Completion> completions = {
      Practice(At(berlin, 2026, 5, 6, 9, 0)),
      Practice(At(berlin, 2026, 5, 8, 9, 0)),
  };

  const Matching matching =
      MatchOccurrences({week, wednesday}, completions, berlin, At(berlin, 2026, 5, 11, 12));

  EXPECT_THAT(Statuses(matching), ElementsAre(OccurrenceStatus::kDone, OccurrenceStatus::kDone));
  EXPECT_EQ(matching.occurrences[0].completion_index, 1u);
  EXPECT_EQ(matching.occurrences[1].completion_index, 0u);
}

// The matching against the rule it states, taken literally: occurrences served in order of
// their last day (then first day, then as listed), each taking the earliest unused practice
// (by local day, time, then position) in its days. Random cases: slots of a day, of a week and
// of longer blocks, overlapping, with practice on and around their days, skips among them.
TEST(MatchOccurrencesTest, EachOccurrenceTakesTheEarliestUnusedPracticeInItsDays) {
  const absl::TimeZone berlin = Berlin();
  const absl::CivilDay origin(2026, 3, 23);  // Spans the change to summer time.
  std::mt19937 random(20261206);
  for (int round = 0; round < 300; ++round) {
    std::vector<Occurrence> occurrences(std::uniform_int_distribution<size_t>(0, 40)(random));
    for (Occurrence& occurrence : occurrences) {
      occurrence.first_day = origin + std::uniform_int_distribution<int>(0, 20)(random);
      occurrence.last_day =
          occurrence.first_day + std::uniform_int_distribution<int>(0, 1)(random) *
                                     std::uniform_int_distribution<int>(0, 13)(random);
      occurrence.window_start = absl::FromCivil(occurrence.first_day, berlin);
      occurrence.window_end = absl::FromCivil(occurrence.last_day + 1, berlin);
    }
    std::vector<v1::Completion> completions(std::uniform_int_distribution<size_t>(0, 60)(random));
    for (v1::Completion& completion : completions) {
      const int minute = std::uniform_int_distribution<int>(-3 * 24 * 60, 26 * 24 * 60)(random);
      completion = Practice(absl::FromCivil(absl::CivilMinute(origin) + minute, berlin),
                            std::uniform_int_distribution<int>(0, 4)(random) == 0
                                ? v1::Completion::STATUS_SKIPPED
                                : v1::Completion::STATUS_DONE);
    }
    const absl::Time now = absl::FromCivil(origin + 10, berlin);

    // The rule, by exhaustive search.
    std::vector<std::tuple<absl::CivilDay, absl::Time, size_t>> practice;
    for (size_t i = 0; i < completions.size(); ++i) {
      if (!CountsAsPractice(completions[i].status())) continue;
      practice.emplace_back(absl::CivilDay(LocalTimeOf(completions[i], berlin)),
                            FromProtoTime(completions[i].occur_time()), i);
    }
    std::sort(practice.begin(), practice.end());
    std::vector<size_t> order(occurrences.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      return std::tie(occurrences[a].last_day, occurrences[a].first_day) <
             std::tie(occurrences[b].last_day, occurrences[b].first_day);
    });
    std::vector<bool> used(practice.size(), false);
    std::vector<std::optional<size_t>> expected(occurrences.size());
    for (size_t index : order) {
      for (size_t p = 0; p < practice.size(); ++p) {
        const absl::CivilDay day = std::get<0>(practice[p]);
        if (used[p] || day < occurrences[index].first_day || day > occurrences[index].last_day) {
          continue;
        }
        used[p] = true;
        expected[index] = std::get<2>(practice[p]);
        break;
      }
    }
    std::vector<size_t> expected_unmatched;
    for (size_t p = 0; p < practice.size(); ++p) {
      if (!used[p]) expected_unmatched.push_back(std::get<2>(practice[p]));
    }
    std::sort(expected_unmatched.begin(), expected_unmatched.end());

    const Matching matching = MatchOccurrences(occurrences, completions, berlin, now);
    ASSERT_EQ(matching.occurrences.size(), occurrences.size());
    for (size_t i = 0; i < occurrences.size(); ++i) {
      EXPECT_EQ(matching.occurrences[i].completion_index, expected[i])
          << "round " << round << ", occurrence " << i;
      EXPECT_EQ(matching.occurrences[i].status == OccurrenceStatus::kDone, expected[i].has_value());
    }
    EXPECT_EQ(matching.unmatched_completions, expected_unmatched) << "round " << round;
  }
}

}  // namespace
}  // namespace therapy::homework::clinical
