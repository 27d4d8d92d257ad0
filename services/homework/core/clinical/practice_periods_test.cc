#include "services/homework/core/clinical/practice_periods.h"

#include <string>
#include <tuple>
#include <vector>

#include "absl/time/civil_time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/homework/core/clinical/adherence.h"
#include "services/homework/core/model/proto_time.h"
#include "testing/status_matchers.h"

namespace therapy::homework::clinical {
namespace {

using ::testing::ElementsAre;
using ::therapy::homework::testing::IsOk;
using ::therapy::homework::testing::StatusIs;
using State = PeriodCount::State;
using Status = v1::Completion::Status;
constexpr Status kDone = v1::Completion::STATUS_DONE;
constexpr Status kPartial = v1::Completion::STATUS_PARTIAL;
constexpr Status kMinimum = v1::Completion::STATUS_MINIMUM_VERSION;
constexpr Status kSkipped = v1::Completion::STATUS_SKIPPED;
constexpr auto kDay = v1::Schedule::PERIOD_DAY;
constexpr auto kWeek = v1::Schedule::PERIOD_WEEK;

absl::TimeZone Zone(const std::string& name) {
  absl::TimeZone zone;
  EXPECT_TRUE(absl::LoadTimeZone(name, &zone)) << name;
  return zone;
}

const absl::TimeZone kBerlin = Zone("Europe/Berlin");

// Local time in Berlin, November 2026. 2026-11-02 is a Monday.
absl::Time At(int day, int hour = 9, int minute = 0) {
  return absl::FromCivil(absl::CivilSecond(2026, 11, day, hour, minute, 0), kBerlin);
}

absl::CivilDay Nov(int day) { return absl::CivilDay(2026, 11, day); }

v1::Assignment Practice(int count, v1::Schedule::Period period, std::string start = "2026-11-02",
                        std::string end = "") {
  v1::Assignment assignment;
  assignment.set_title("Paced breathing");
  assignment.mutable_exercise()->set_kind(v1::EXERCISE_KIND_SKILLS_PRACTICE);
  v1::Schedule& schedule = *assignment.mutable_schedule();
  schedule.set_target_count(count);
  schedule.set_period(period);
  schedule.set_start_date(std::move(start));
  schedule.set_end_date(std::move(end));
  schedule.set_minimum_version("Two slow breaths");
  return assignment;
}

v1::Completion Did(absl::Time time, Status status = kDone, std::string zone = "Europe/Berlin") {
  v1::Completion completion;
  *completion.mutable_occur_time() = ToProtoTime(time);
  completion.set_occur_time_zone(std::move(zone));
  completion.set_status(status);
  if (status == kSkipped) completion.set_skip_reason("no time");
  return completion;
}

// (first day, expected, completed, state) of each period, for compact expectations.
using Row = std::tuple<absl::CivilDay, int, int, State>;
std::vector<Row> Rows(const std::vector<PeriodCount>& periods) {
  std::vector<Row> rows;
  for (const PeriodCount& p : periods)
    rows.emplace_back(p.first_day, p.expected, p.completed, p.state);
  return rows;
}

std::vector<PeriodCount> Count(const v1::Assignment& assignment,
                               const std::vector<v1::Completion>& completions, absl::CivilDay first,
                               absl::CivilDay last, absl::Time now, absl::TimeZone zone = kBerlin) {
  absl::StatusOr<std::vector<PeriodCount>> periods =
      CountPracticePeriods(assignment, zone, completions, first, last, now);
  EXPECT_THAT(periods, IsOk());
  return periods.ok() ? *periods : std::vector<PeriodCount>{};
}

// Once a day from Monday 2 Nov; practised Monday and Wednesday; now Thursday 12:00.
// Mon met, Tue missed, Wed met, Thu open (its day is under way), Fri upcoming.
TEST(PracticePeriodsTest, DailyOncePerDayWorkedExample) {
  const auto periods =
      Count(Practice(1, kDay), {Did(At(2)), Did(At(4))}, Nov(2), Nov(6), At(5, 12));
  EXPECT_THAT(Rows(periods),
              ElementsAre(Row{Nov(2), 1, 1, State::kMet}, Row{Nov(3), 1, 0, State::kMissed},
                          Row{Nov(4), 1, 1, State::kMet}, Row{Nov(5), 1, 0, State::kOpen},
                          Row{Nov(6), 1, 0, State::kUpcoming}));
  EXPECT_EQ(periods[0].last_day, Nov(2));
}

// Three times a day: two practices leave a past day partly met, four meet it with one extra, and
// the two-minute version counts and is counted apart; a skip counts for nothing.
TEST(PracticePeriodsTest, ThreeTimesADayPartlyMetExtraAndMinimumVersion) {
  const auto periods =
      Count(Practice(3, kDay),
            {Did(At(2, 8)), Did(At(2, 13)), Did(At(3, 8)), Did(At(3, 12)), Did(At(3, 15), kMinimum),
             Did(At(3, 20)), Did(At(4, 9), kSkipped), Did(At(5, 9), kPartial)},
            Nov(2), Nov(5), At(5, 12));
  EXPECT_THAT(Rows(periods),
              ElementsAre(Row{Nov(2), 3, 2, State::kPartlyMet}, Row{Nov(3), 3, 3, State::kMet},
                          Row{Nov(4), 3, 0, State::kMissed}, Row{Nov(5), 3, 1, State::kOpen}));
  EXPECT_EQ(periods[1].extra, 1);
  EXPECT_EQ(periods[1].minimum_version, 1);
  EXPECT_EQ(periods[0].extra, 0);
}

// A weekly schedule counts weeks, never days: three a week from Monday 2 Nov, four whole weeks
// asked from Monday 26 Oct (before the start: not scheduled). Week of 2 Nov: 3 done (met); of
// 9 Nov: 2 (partly met); of 16 Nov, the current one on Wednesday: 1 so far (open).
TEST(PracticePeriodsTest, ThreeTimesAWeekCountsWeeks) {
  const auto weeks =
      Count(Practice(3, kWeek),
            {Did(At(2)), Did(At(4)), Did(At(8, 20)), Did(At(10)), Did(At(13)), Did(At(17))},
            absl::CivilDay(2026, 10, 26), Nov(22), At(18, 12));
  EXPECT_THAT(Rows(weeks),
              ElementsAre(Row{absl::CivilDay(2026, 10, 26), 0, 0, State::kNotScheduled},
                          Row{Nov(2), 3, 3, State::kMet}, Row{Nov(9), 3, 2, State::kPartlyMet},
                          Row{Nov(16), 3, 1, State::kOpen}));
  EXPECT_EQ(weeks[1].last_day, Nov(8));
}

// A week cut short by the start or end date keeps ceil(target x days / 7): five a week starting
// on Saturday 7 Nov expects 2 that week; ending on Wednesday 18 Nov expects 3 in its last week.
// The whole week is still reported Monday to Sunday.
TEST(PracticePeriodsTest, WeeksCutShortAtStartAndEndKeepAShare) {
  const auto weeks = Count(Practice(5, kWeek, "2026-11-07", "2026-11-18"), {Did(At(7)), Did(At(8))},
                           Nov(2), Nov(29), At(30, 12));
  EXPECT_THAT(
      Rows(weeks),
      ElementsAre(Row{Nov(2), 2, 2, State::kMet}, Row{Nov(9), 5, 0, State::kMissed},
                  Row{Nov(16), 3, 0, State::kMissed}, Row{Nov(23), 0, 0, State::kNotScheduled}));
  EXPECT_EQ(weeks[0].first_day, Nov(2));
  EXPECT_EQ(weeks[0].last_day, Nov(8));
}

// Days before the start and after the end expect nothing; a practice on one is extra, never
// met. A daily schedule with a partial first period: starting Wednesday, asked from Monday.
TEST(PracticePeriodsTest, DailyDaysOutsideTheScheduleAreNotScheduled) {
  const auto days = Count(Practice(1, kDay, "2026-11-04", "2026-11-05"), {Did(At(3)), Did(At(4))},
                          Nov(2), Nov(6), At(9));
  EXPECT_THAT(
      Rows(days),
      ElementsAre(Row{Nov(2), 0, 0, State::kNotScheduled}, Row{Nov(3), 0, 0, State::kNotScheduled},
                  Row{Nov(4), 1, 1, State::kMet}, Row{Nov(5), 1, 0, State::kMissed},
                  Row{Nov(6), 0, 0, State::kNotScheduled}));
  EXPECT_EQ(days[1].extra, 1);
}

// Time zones. The client lives in Los Angeles: 23:30 on Saturday 7 Nov there is already Sunday
// in UTC and counts for Saturday. On a trip to Tokyo, a practice at 08:00 Tokyo time on Tuesday
// 10 Nov (still Monday in Los Angeles) counts for the Tuesday the client lived.
TEST(PracticePeriodsTest, DaysAreTheClientsLocalDaysAndTheZoneOfTheMoment) {
  const absl::TimeZone la = Zone("America/Los_Angeles");
  const absl::TimeZone tokyo = Zone("Asia/Tokyo");
  const absl::Time saturday_late = absl::FromCivil(absl::CivilSecond(2026, 11, 7, 23, 30, 0), la);
  const absl::Time tokyo_tuesday = absl::FromCivil(absl::CivilSecond(2026, 11, 10, 8, 0, 0), tokyo);
  const absl::Time now = absl::FromCivil(absl::CivilSecond(2026, 11, 11, 12, 0, 0), la);
  const auto days = Count(
      Practice(1, kDay),
      {Did(saturday_late, kDone, "America/Los_Angeles"), Did(tokyo_tuesday, kDone, "Asia/Tokyo")},
      Nov(7), Nov(10), now, la);
  EXPECT_THAT(Rows(days),
              ElementsAre(Row{Nov(7), 1, 1, State::kMet}, Row{Nov(8), 1, 0, State::kMissed},
                          Row{Nov(9), 1, 0, State::kMissed}, Row{Nov(10), 1, 1, State::kMet}));
}

// A year of daily practice around a two-day range: only the practice whose own local day is in
// the range counts there, decided in the zone of each moment. The schedule starts on the 10th,
// so practice on the 9th is extra: the day's 09:00 in Berlin, and 07:00 in Tokyo (still the 8th
// in Berlin); a practice in Los Angeles late on the 8th (Berlin's 9th) and one in Tokyo early on
// the 11th (Berlin's 10th) count for neither day.
TEST(PracticePeriodsTest, AYearOfHistoryAroundTheRangeCountsOnlyTheRangesOwnDays) {
  const absl::TimeZone la = Zone("America/Los_Angeles");
  const absl::TimeZone tokyo = Zone("Asia/Tokyo");
  std::vector<v1::Completion> year;
  for (absl::CivilDay day(2025, 11, 10); day <= absl::CivilDay(2026, 11, 20); ++day) {
    year.push_back(Did(absl::FromCivil(absl::CivilHour(day) + 9, kBerlin)));
  }
  year.push_back(Did(At(10, 18)));
  year.push_back(Did(absl::FromCivil(absl::CivilSecond(2026, 11, 8, 20, 0, 0), la), kDone,
                     "America/Los_Angeles"));
  year.push_back(
      Did(absl::FromCivil(absl::CivilSecond(2026, 11, 9, 7, 0, 0), tokyo), kDone, "Asia/Tokyo"));
  year.push_back(
      Did(absl::FromCivil(absl::CivilSecond(2026, 11, 11, 7, 0, 0), tokyo), kDone, "Asia/Tokyo"));
  const auto periods = Count(Practice(1, kDay, "2026-11-10"), year, Nov(9), Nov(10), At(30));
  EXPECT_THAT(Rows(periods), ElementsAre(Row{Nov(9), 0, 0, State::kNotScheduled},
                                         Row{Nov(10), 1, 1, State::kMet}));
  ASSERT_EQ(periods.size(), 2u);
  EXPECT_EQ(periods[0].extra, 2);
  EXPECT_EQ(periods[1].extra, 1);
}

// The week of the autumn clock change (Berlin, Sunday 25 Oct 2026 has 25 hours) is one week of
// seven days; a practice at 23:30 that Sunday belongs to it, not to the next.
TEST(PracticePeriodsTest, AWeekWithAClockChangeIsOneWeek) {
  const absl::Time sunday_late =
      absl::FromCivil(absl::CivilSecond(2026, 10, 25, 23, 30, 0), kBerlin);
  const auto weeks = Count(Practice(1, kWeek, "2026-10-19"), {Did(sunday_late)},
                           absl::CivilDay(2026, 10, 19), absl::CivilDay(2026, 11, 1), At(1, 12));
  EXPECT_THAT(Rows(weeks), ElementsAre(Row{absl::CivilDay(2026, 10, 19), 1, 1, State::kMet},
                                       Row{absl::CivilDay(2026, 10, 26), 1, 0, State::kOpen}));
}

// The figures every view shows, over a review window since Monday 9 Nov 10:00 (a session that
// morning), now Thursday 19 Nov 12:00. Daily: the periods whose start lies in the window are
// Tue 10 .. Thu 19 (Monday began before the session): 10 days, the same expected practices as
// ComputeAdherence's target over that window. The calendar: four whole weeks, 28 days, ending
// Sunday 22 Nov; the current period is today.
TEST(PracticePeriodsTest, FiguresAgreeWithAdherenceOverTheSameWindow) {
  const v1::Assignment daily = Practice(1, kDay);
  std::vector<v1::Completion> completions = {Did(At(10)), Did(At(11)), Did(At(13)), Did(At(19))};
  absl::StatusOr<PracticeFigures> figures =
      ComputePracticeFigures(daily, kBerlin, completions, At(9, 10), At(19, 12));
  ASSERT_THAT(figures, IsOk());
  EXPECT_EQ(figures->period, kDay);
  EXPECT_EQ(figures->periods_elapsed, 10);
  absl::StatusOr<Adherence> adherence =
      ComputeAdherence(daily, kBerlin, completions, At(9, 10), At(19, 12), At(19, 12));
  ASSERT_THAT(adherence, IsOk());
  EXPECT_EQ(adherence->target_count, 10);
  ASSERT_EQ(figures->calendar.size(), 28u);
  EXPECT_EQ(figures->calendar.front().first_day, absl::CivilDay(2026, 10, 26));
  EXPECT_EQ(figures->calendar.back().first_day, Nov(22));
  EXPECT_EQ(figures->current.first_day, Nov(19));
  EXPECT_EQ(figures->current.state, State::kMet);
  // The calendar's days of the window hold what the adherence counted.
  int completed = 0;
  for (const PeriodCount& day : figures->calendar) {
    if (day.first_day >= Nov(10) && day.first_day <= Nov(19)) completed += day.completed;
  }
  EXPECT_EQ(completed, adherence->completed_count);
}

// Weekly: three of four weekly practices done in the current week is an open week, "1 week"
// elapsed since Monday's session, and the calendar has four weeks, not 28 days.
TEST(PracticePeriodsTest, WeeklyFiguresAreInWeeks) {
  const v1::Assignment weekly = Practice(4, kWeek);
  absl::StatusOr<PracticeFigures> figures = ComputePracticeFigures(
      weekly, kBerlin, {Did(At(16)), Did(At(17)), Did(At(18))}, At(16, 0), At(19, 12));
  ASSERT_THAT(figures, IsOk());
  EXPECT_EQ(figures->period, kWeek);
  EXPECT_EQ(figures->periods_elapsed, 1);
  ASSERT_EQ(figures->calendar.size(), 4u);
  EXPECT_EQ(figures->current.first_day, Nov(16));
  EXPECT_EQ(figures->current.last_day, Nov(22));
  EXPECT_EQ(figures->current.expected, 4);
  EXPECT_EQ(figures->current.completed, 3);
  EXPECT_EQ(figures->current.state, State::kOpen);
}

// Once every two weeks from Wednesday 4 Nov: the weeks go in pairs from Monday 2 Nov, so the
// periods are 2-15 Nov and 16-29 Nov (the first cut to 4-15 Nov keeps its whole target of 1:
// ceil(1 x 12 / 14)). Practised on Tuesday 10 Nov; now Thursday 19 Nov. The first block is met
// (one practice on any of its days, not on its first day only), the second is open.
TEST(PracticePeriodsTest, EveryTwoWeeksCountsBlocksOfTwoWeeks) {
  v1::Assignment fortnightly = Practice(1, kWeek, "2026-11-04");
  fortnightly.mutable_schedule()->set_interval(2);
  const auto blocks = Count(fortnightly, {Did(At(10))}, Nov(2), Nov(22), At(19, 12));
  EXPECT_THAT(Rows(blocks),
              ElementsAre(Row{Nov(2), 1, 1, State::kMet}, Row{Nov(16), 1, 0, State::kOpen}));
  EXPECT_EQ(blocks[0].last_day, Nov(15));
  EXPECT_EQ(blocks[1].last_day, Nov(29));

  absl::StatusOr<PracticeFigures> figures =
      ComputePracticeFigures(fortnightly, kBerlin, {Did(At(10))}, At(2, 0), At(19, 12));
  ASSERT_THAT(figures, IsOk());
  EXPECT_EQ(figures->period, kWeek);
  EXPECT_EQ(figures->interval, 2);
  EXPECT_EQ(figures->periods_elapsed, 3);  // the weeks of 2, 9 and 16 Nov began in the window
  EXPECT_EQ(figures->current.first_day, Nov(16));
  EXPECT_EQ(figures->current.last_day, Nov(29));
  EXPECT_EQ(figures->current.expected, 1);
  EXPECT_EQ(figures->current.state, State::kOpen);
}

// Every three days from Monday 2 Nov, once: blocks 2-4, 5-7, 8-10 Nov. A practice on the third
// day of a block counts for it; a block without one is missed once it is over.
TEST(PracticePeriodsTest, EveryThreeDaysCountsBlocksOfThreeDays) {
  v1::Assignment every_third_day = Practice(1, kDay);
  every_third_day.mutable_schedule()->set_interval(3);
  const auto blocks = Count(every_third_day, {Did(At(4)), Did(At(9))}, Nov(2), Nov(10), At(9, 12));
  EXPECT_THAT(Rows(blocks),
              ElementsAre(Row{Nov(2), 1, 1, State::kMet}, Row{Nov(5), 1, 0, State::kMissed},
                          Row{Nov(8), 1, 1, State::kMet}));
  EXPECT_EQ(blocks[2].last_day, Nov(10));
}

TEST(PracticePeriodsTest, MalformedRangesAndSchedulesAreRefused) {
  EXPECT_THAT(CountPracticePeriods(Practice(1, kDay), kBerlin, {}, Nov(5), Nov(4), At(5)),
              StatusIs(absl::StatusCode::kInvalidArgument));
  v1::Assignment broken = Practice(1, kDay);
  broken.mutable_schedule()->set_start_date("2026-13-01");
  EXPECT_THAT(CountPracticePeriods(broken, kBerlin, {}, Nov(2), Nov(4), At(5)),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ComputePracticeFigures(Practice(1, kDay), kBerlin, {}, At(2), At(5), 0),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace therapy::homework::clinical
