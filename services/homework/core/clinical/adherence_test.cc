#include "services/homework/core/clinical/adherence.h"

#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/homework/core/model/proto_time.h"
#include "testing/status_matchers.h"

namespace therapy::homework::clinical {
namespace {

using ::testing::DoubleEq;
using ::testing::Optional;
using ::therapy::homework::testing::IsOk;
using ::therapy::homework::testing::StatusIs;

using Status = v1::Completion::Status;
constexpr Status kDone = v1::Completion::STATUS_DONE;
constexpr Status kPartial = v1::Completion::STATUS_PARTIAL;
constexpr Status kMinimum = v1::Completion::STATUS_MINIMUM_VERSION;
constexpr Status kSkipped = v1::Completion::STATUS_SKIPPED;

absl::TimeZone Zone(const std::string& name) {
  absl::TimeZone zone;
  EXPECT_TRUE(absl::LoadTimeZone(name, &zone)) << name;
  return zone;
}

const absl::TimeZone kBerlin = Zone("Europe/Berlin");

// Local time in Berlin. 2026-03-02 is a Monday.
absl::Time At(int mo, int d, int h = 0, int mi = 0) {
  return absl::FromCivil(absl::CivilSecond(2026, mo, d, h, mi, 0), kBerlin);
}

v1::Assignment Breathing(int count, v1::Schedule::Period period, std::string preferred = "07:30") {
  v1::Assignment assignment;
  assignment.set_title("Paced breathing");
  assignment.mutable_exercise()->set_kind(v1::EXERCISE_KIND_SKILLS_PRACTICE);
  v1::Schedule& schedule = *assignment.mutable_schedule();
  schedule.set_target_count(count);
  schedule.set_period(period);
  schedule.set_start_date("2026-03-02");
  schedule.set_preferred_local_time(std::move(preferred));
  schedule.set_minimum_version("Two slow breaths");
  return assignment;
}

v1::Assignment DailyBreathing() { return Breathing(1, v1::Schedule::PERIOD_DAY); }

v1::Completion Practice(absl::Time time, Status status = kDone,
                        std::string zone = "Europe/Berlin") {
  v1::Completion completion;
  *completion.mutable_occur_time() = ToProtoTime(time);
  completion.set_occur_time_zone(std::move(zone));
  completion.set_status(status);
  if (status == kSkipped) completion.set_skip_reason("no time");
  return completion;
}

v1::Completion Reviewed(v1::Completion completion, int quality) {
  completion.mutable_review()->set_quality_rating(quality);
  return completion;
}

Adherence Compute(const v1::Assignment& assignment, const std::vector<v1::Completion>& completions,
                  absl::Time from, absl::Time to, absl::Time now) {
  absl::StatusOr<Adherence> adherence =
      ComputeAdherence(assignment, kBerlin, completions, from, to, now);
  EXPECT_THAT(adherence, IsOk());
  return adherence.ok() ? *adherence : Adherence{};
}

// Morning practice on each of the given days of March 2026.
std::vector<v1::Completion> PractisedOn(std::initializer_list<int> days) {
  std::vector<v1::Completion> completions;
  for (int day : days) completions.push_back(Practice(At(3, day, 7, 45)));
  return completions;
}

// --- Counts and ratio --------------------------------------------------------------------------

TEST(AdherenceTest, CompletedAgainstTargetWithDonePartialAndMinimumVersionCountedApart) {
  const std::vector<v1::Completion> completions = {
      Practice(At(3, 2, 7, 30)),           Practice(At(3, 3, 7, 35)),
      Practice(At(3, 4, 8, 0), kPartial),  Practice(At(3, 5, 7, 30)),
      Practice(At(3, 6, 22, 0), kMinimum), Practice(At(3, 7, 7, 30)),
      Practice(At(3, 8, 9, 0), kSkipped),
  };

  const Adherence a = Compute(DailyBreathing(), completions, At(3, 2), At(3, 9), At(3, 9, 10));

  EXPECT_EQ(a.target_count, 7);
  EXPECT_EQ(a.completed_count, 6);
  EXPECT_EQ(a.done_count, 4);
  EXPECT_EQ(a.partial_count, 1);
  EXPECT_EQ(a.minimum_version_count, 1);
  EXPECT_EQ(a.skipped_count, 1);
  EXPECT_EQ(a.missed_count, 1);
  EXPECT_EQ(a.open_count, 0);
  EXPECT_THAT(a.ratio, Optional(DoubleEq(6.0 / 7.0)));
}

TEST(AdherenceTest, RatioCountsOnlySettledPracticeSoTheOpenDayLowersNothing) {
  // Wednesday 06:00: Monday and Tuesday done, Wednesday to Sunday still open.
  const Adherence a =
      Compute(DailyBreathing(), PractisedOn({2, 3}), At(3, 2), At(3, 9), At(3, 4, 6));

  EXPECT_EQ(a.target_count, 7);
  EXPECT_EQ(a.completed_count, 2);
  EXPECT_EQ(a.missed_count, 0);
  EXPECT_EQ(a.open_count, 5);
  EXPECT_THAT(a.ratio, Optional(DoubleEq(1.0)));
}

TEST(AdherenceTest, RatioIsAbsentWhenNothingIsSettledYet) {
  const Adherence a = Compute(DailyBreathing(), {}, At(3, 2), At(3, 9), At(3, 2, 6));

  EXPECT_EQ(a.open_count, 7);
  EXPECT_FALSE(a.ratio.has_value());
}

TEST(AdherenceTest, PracticeBeyondTheTargetIsCountedApartAndNeverRaisesTheRatioAboveOne) {
  const std::vector<v1::Completion> completions = {
      Practice(At(3, 2, 7, 30)),
      Practice(At(3, 2, 19, 0)),
  };

  const Adherence a = Compute(DailyBreathing(), completions, At(3, 2), At(3, 3), At(3, 3, 10));

  EXPECT_EQ(a.completed_count, 1);
  EXPECT_EQ(a.extra_count, 1);
  EXPECT_THAT(a.ratio, Optional(DoubleEq(1.0)));
}

TEST(AdherenceTest, WeeklyTargetCountsPracticeOnAnyDayOfTheWeek) {
  const v1::Assignment weekly = Breathing(3, v1::Schedule::PERIOD_WEEK);
  const std::vector<v1::Completion> completions = {
      Practice(At(3, 3, 18, 0)),
      Practice(At(3, 8, 21, 0), kMinimum),
  };

  const Adherence a = Compute(weekly, completions, At(3, 2), At(3, 9), At(3, 9, 10));

  EXPECT_EQ(a.target_count, 3);
  EXPECT_EQ(a.done_count, 1);
  EXPECT_EQ(a.minimum_version_count, 1);
  EXPECT_EQ(a.missed_count, 1);
}

// --- Timing consistency ------------------------------------------------------------------------

TEST(AdherenceTest, TimingIsTheMedianMinutesFromThePreferredTimeAndTheShareWithinAnHour) {
  const std::vector<v1::Completion> completions = {
      Practice(At(3, 2, 7, 30)),  // 0 minutes off
      Practice(At(3, 3, 7, 40)),  // 10
      Practice(At(3, 4, 8, 0)),   // 30
      Practice(At(3, 5, 6, 50)),  // 40
      Practice(At(3, 6, 9, 0)),   // 90
  };

  const Adherence a = Compute(DailyBreathing(), completions, At(3, 2), At(3, 9), At(3, 9, 10));

  EXPECT_EQ(a.timing.practices_timed, 5);
  EXPECT_THAT(a.timing.median_minutes_off, Optional(DoubleEq(30.0)));
  EXPECT_THAT(a.timing.share_within_hour, Optional(DoubleEq(0.8)));
}

TEST(AdherenceTest, TimingComparesWallClockTimeAcrossTheDaylightSavingChange) {
  // 07:30 CEST on the spring-forward Sunday is on time, though an hour earlier in UTC.
  const std::vector<v1::Completion> completions = {
      Practice(At(3, 28, 7, 30)),
      Practice(At(3, 29, 7, 30)),
  };

  const Adherence a = Compute(DailyBreathing(), completions, At(3, 28), At(3, 30), At(3, 30, 10));

  EXPECT_THAT(a.timing.median_minutes_off, Optional(DoubleEq(0.0)));
}

TEST(AdherenceTest, TimingUsesTheLocalTimeOfTheZoneTheClientWasIn) {
  const absl::Time in_new_york =
      absl::FromCivil(absl::CivilSecond(2026, 3, 3, 7, 30, 0), Zone("America/New_York"));
  const std::vector<v1::Completion> completions = {
      Practice(in_new_york, kDone, "America/New_York")};

  const Adherence a = Compute(DailyBreathing(), completions, At(3, 2), At(3, 9), At(3, 9, 10));

  EXPECT_THAT(a.timing.median_minutes_off, Optional(DoubleEq(0.0)));
}

TEST(AdherenceTest, TimingDistanceGoesRoundMidnight) {
  const std::vector<v1::Completion> completions = {Practice(At(3, 3, 0, 15))};

  const Adherence a = Compute(Breathing(1, v1::Schedule::PERIOD_DAY, "23:30"), completions,
                              At(3, 2), At(3, 9), At(3, 9, 10));

  EXPECT_THAT(a.timing.median_minutes_off, Optional(DoubleEq(45.0)));
}

TEST(AdherenceTest, TimingIsAbsentWithoutAPreferredTime) {
  const Adherence a = Compute(Breathing(1, v1::Schedule::PERIOD_DAY, ""), PractisedOn({2, 3}),
                              At(3, 2), At(3, 9), At(3, 9, 10));

  EXPECT_EQ(a.timing.practices_timed, 0);
  EXPECT_FALSE(a.timing.median_minutes_off.has_value());
  EXPECT_FALSE(a.timing.share_within_hour.has_value());
}

// --- Forgiving streak [Lally 2010] --------------------------------------------------------------

TEST(AdherenceTest, StreakForgivesASingleMissedDay) {
  // Practised Mon, Tue, Thu, Fri; Wednesday missed. Friday evening.
  const Adherence a =
      Compute(DailyBreathing(), PractisedOn({2, 3, 5, 6}), At(3, 2), At(3, 9), At(3, 6, 20));

  EXPECT_EQ(a.streak.unit, Streak::Unit::kDays);
  EXPECT_EQ(a.streak.length, 4);
  EXPECT_EQ(a.streak.forgiven, 1);
}

TEST(AdherenceTest, StreakBreaksOnTwoConsecutiveMissedDays) {
  // Practised Mon, Tue, Fri, Sat; Wednesday and Thursday missed.
  const Adherence a =
      Compute(DailyBreathing(), PractisedOn({2, 3, 6, 7}), At(3, 2), At(3, 9), At(3, 7, 20));

  EXPECT_EQ(a.streak.length, 2);
  EXPECT_EQ(a.streak.forgiven, 0);
}

TEST(AdherenceTest, StreakTreatsTodayAsOpenUntilItIsOver) {
  const std::vector<v1::Completion> mon_to_thu = PractisedOn({2, 3, 4, 5});

  // Friday morning, not practised yet: the streak stands.
  const Adherence friday = Compute(DailyBreathing(), mon_to_thu, At(3, 2), At(3, 9), At(3, 6, 9));
  EXPECT_EQ(friday.streak.length, 4);
  EXPECT_EQ(friday.streak.forgiven, 0);

  // Saturday morning: Friday was missed, a single miss, forgiven while today is open.
  const Adherence saturday = Compute(DailyBreathing(), mon_to_thu, At(3, 2), At(3, 9), At(3, 7, 9));
  EXPECT_EQ(saturday.streak.length, 4);

  // Sunday morning: Friday and Saturday missed, the streak is over.
  const Adherence sunday = Compute(DailyBreathing(), mon_to_thu, At(3, 2), At(3, 9), At(3, 8, 9));
  EXPECT_EQ(sunday.streak.length, 0);
}

TEST(AdherenceTest, StreakCountsTheMinimumVersionAsPractice) {
  const std::vector<v1::Completion> completions = {
      Practice(At(3, 2, 7, 30)),
      Practice(At(3, 3, 23, 0), kMinimum),
      Practice(At(3, 4, 7, 30)),
  };

  const Adherence a = Compute(DailyBreathing(), completions, At(3, 2), At(3, 9), At(3, 4, 20));

  EXPECT_EQ(a.streak.length, 3);
}

TEST(AdherenceTest, StreakIgnoresSkippedDays) {
  const std::vector<v1::Completion> completions = {
      Practice(At(3, 2, 7, 30)),
      Practice(At(3, 3, 7, 30), kSkipped),
      Practice(At(3, 4, 7, 30), kSkipped),
      Practice(At(3, 5, 7, 30)),
  };

  const Adherence a = Compute(DailyBreathing(), completions, At(3, 2), At(3, 9), At(3, 5, 20));

  EXPECT_EQ(a.streak.length, 1);
}

TEST(AdherenceTest, WeeklyStreakForgivesASingleMissedWeek) {
  // Two a week. Week of 2 Mar met, week of 9 Mar missed (one practice), week of 16 Mar met;
  // the week of 23 Mar is under way with nothing yet.
  const std::vector<v1::Completion> completions = {
      Practice(At(3, 3, 9)),  Practice(At(3, 6, 9)),  Practice(At(3, 11, 9)),
      Practice(At(3, 16, 9)), Practice(At(3, 22, 9)),
  };

  const Adherence a = Compute(Breathing(2, v1::Schedule::PERIOD_WEEK), completions, At(3, 23),
                              At(3, 30), At(3, 24, 9));

  EXPECT_EQ(a.streak.unit, Streak::Unit::kWeeks);
  EXPECT_EQ(a.streak.length, 2);
  EXPECT_EQ(a.streak.forgiven, 1);
}

TEST(AdherenceTest, WeeklyStreakBreaksOnTwoConsecutiveMissedWeeks) {
  const std::vector<v1::Completion> completions = {
      Practice(At(3, 3, 9)),  Practice(At(3, 6, 9)),   // met
      Practice(At(3, 11, 9)),                          // missed
      Practice(At(3, 18, 9)),                          // missed
      Practice(At(3, 23, 9)), Practice(At(3, 24, 9)),  // met, current week
  };

  const Adherence a = Compute(Breathing(2, v1::Schedule::PERIOD_WEEK), completions, At(3, 23),
                              At(3, 30), At(3, 25, 9));

  EXPECT_EQ(a.streak.length, 1);
  EXPECT_EQ(a.streak.forgiven, 0);
}

// --- Quality kept apart [Kazantzis 2016] ------------------------------------------------------

TEST(AdherenceTest, TherapistQualityRatingsAreKeptApartFromTheCounts) {
  const std::vector<v1::Completion> completions = {
      Reviewed(Practice(At(3, 2, 7, 30)), 5),
      Reviewed(Practice(At(3, 3, 7, 30), kMinimum), 2),
      Practice(At(3, 4, 7, 30)),
  };

  const Adherence a = Compute(DailyBreathing(), completions, At(3, 2), At(3, 9), At(3, 4, 20));

  EXPECT_EQ(a.quality.reviewed_count, 2);
  EXPECT_THAT(a.quality.mean_rating, Optional(DoubleEq(3.5)));
  EXPECT_EQ(a.completed_count, 3);
  EXPECT_EQ(a.done_count, 2);
  EXPECT_EQ(a.minimum_version_count, 1);
}

TEST(AdherenceTest, NoReviewMeansNoMeanQuality) {
  const Adherence a = Compute(DailyBreathing(), PractisedOn({2}), At(3, 2), At(3, 9), At(3, 4, 20));

  EXPECT_EQ(a.quality.reviewed_count, 0);
  EXPECT_FALSE(a.quality.mean_rating.has_value());
}

TEST(AdherenceTest, MalformedScheduleIsInvalidArgument) {
  v1::Assignment assignment = DailyBreathing();
  assignment.mutable_schedule()->set_start_date("next monday");

  const absl::StatusOr<Adherence> adherence =
      ComputeAdherence(assignment, kBerlin, {}, At(3, 2), At(3, 9), At(3, 9));

  EXPECT_THAT(adherence, StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace therapy::homework::clinical
