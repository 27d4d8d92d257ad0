// Each attention rule at and around its threshold, with the clinical model's defaults.

#include "services/homework/core/rules/attention.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/homework/core/model/proto_time.h"
#include "services/homework/core/rules/measure_scoring.h"
#include "testing/status_matchers.h"

namespace therapy::homework {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::therapy::homework::testing::IsOk;

const absl::TimeZone kBerlin = [] {
  absl::TimeZone zone;
  absl::LoadTimeZone("Europe/Berlin", &zone);
  return zone;
}();
// Thursday 2026-11-26, 18:00 in Berlin.
const absl::Time kNow = absl::FromCivil(absl::CivilSecond(2026, 11, 26, 18, 0, 0), kBerlin);
constexpr absl::Duration kDay = absl::Hours(24);
constexpr char kAna[] = "practices/sunrise/clients/ana";

v1::Client Ana() {
  v1::Client client;
  client.set_name(kAna);
  client.set_time_zone("Europe/Berlin");
  return client;
}

v1::Assignment Active(const std::string& id, v1::ExerciseKind kind, absl::Time activated,
                      v1::Schedule::Period period = v1::Schedule::PERIOD_DAY) {
  v1::Assignment assignment;
  assignment.set_name(absl::StrCat(kAna, "/assignments/", id));
  assignment.set_title(id);
  assignment.set_state(v1::Assignment::STATE_ACTIVE);
  assignment.mutable_exercise()->set_kind(kind);
  *assignment.mutable_create_time() = ToProtoTime(activated);
  *assignment.mutable_activate_time() = ToProtoTime(activated);
  auto* schedule = assignment.mutable_schedule();
  schedule->set_target_count(1);
  schedule->set_period(period);
  schedule->set_start_date(absl::FormatCivilTime(absl::ToCivilDay(activated, kBerlin)));
  schedule->set_preferred_local_time("08:00");
  schedule->set_minimum_version("Two minutes");
  return assignment;
}

v1::Completion Done(const v1::Assignment& assignment, int id, absl::Time when) {
  v1::Completion completion;
  completion.set_name(absl::StrCat(assignment.name(), "/completions/c", id));
  *completion.mutable_occur_time() = ToProtoTime(when);
  completion.set_occur_time_zone("Europe/Berlin");
  completion.set_status(v1::Completion::STATUS_DONE);
  return completion;
}

v1::Completion Measured(const v1::Assignment& assignment, int id, absl::Time when,
                        const std::vector<int>& items) {
  v1::Completion completion = Done(assignment, id, when);
  for (int item : items) completion.mutable_measure()->add_item_scores(item);
  EXPECT_TRUE(ScoreMeasureResponse(assignment.exercise().outcome_measure().measure(),
                                   *completion.mutable_measure())
                  .ok());
  return completion;
}

// PHQ-9 answers summing to `total` (item 9 always 0).
std::vector<int> Phq9Totalling(int total) {
  std::vector<int> items(9, 0);
  for (int i = 0; i < 8 && total > 0; ++i) {
    items[i] = std::min(3, total);
    total -= items[i];
  }
  return items;
}

std::vector<AttentionKind> Kinds(const AttentionInput& input, absl::Time now = kNow) {
  absl::StatusOr<std::vector<AttentionReason>> reasons =
      AttentionReasons(input, clinical::MeasureThresholds{}, AttentionThresholds{}, now);
  EXPECT_THAT(reasons, IsOk());
  std::vector<AttentionKind> kinds;
  for (const AttentionReason& reason : reasons.value_or(std::vector<AttentionReason>{})) {
    kinds.push_back(reason.kind);
  }
  return kinds;
}

v1::SafetyFlag Flag(v1::SafetyFlag::State state, bool escalated) {
  v1::SafetyFlag flag;
  flag.set_name(absl::StrCat(kAna, "/safetyFlags/f1"));
  flag.set_state(state);
  flag.set_reason("PHQ-9 item 9 answered 1");
  if (escalated) *flag.mutable_escalate_time() = ToProtoTime(kNow - absl::Minutes(5));
  return flag;
}

TEST(AttentionTest, ACalmClientNeedsNothing) {
  AttentionInput input{.client = Ana()};
  EXPECT_THAT(Kinds(input), IsEmpty());
}

TEST(AttentionTest, OpenAndEscalatedFlagsButNotAcknowledgedOrResolvedOnes) {
  AttentionInput input{.client = Ana()};
  input.flags = {Flag(v1::SafetyFlag::STATE_OPEN, false)};
  EXPECT_THAT(Kinds(input), ElementsAre(AttentionKind::kFlagOpen));
  input.flags = {Flag(v1::SafetyFlag::STATE_OPEN, true)};
  EXPECT_THAT(Kinds(input), ElementsAre(AttentionKind::kFlagEscalated));
  input.flags = {Flag(v1::SafetyFlag::STATE_ACKNOWLEDGED, true)};
  EXPECT_THAT(Kinds(input), ElementsAre(AttentionKind::kFlagEscalated));
  input.flags = {Flag(v1::SafetyFlag::STATE_ACKNOWLEDGED, false)};
  EXPECT_THAT(Kinds(input), IsEmpty());
  input.flags = {Flag(v1::SafetyFlag::STATE_RESOLVED, true)};
  EXPECT_THAT(Kinds(input), IsEmpty());
}

class MeasureAttentionTest : public ::testing::Test {
 protected:
  MeasureAttentionTest() {
    phq9_ = Active("phq9", v1::EXERCISE_KIND_OUTCOME_MEASURE, kNow - 60 * kDay,
                   v1::Schedule::PERIOD_WEEK);
    phq9_.mutable_exercise()->mutable_outcome_measure()->set_measure(v1::MEASURE_PHQ9);
  }
  // Baseline `from` answered `weeks_ago`, latest `to` answered a day ago.
  AttentionInput Totals(int from, int to, double weeks_ago) {
    AttentionInput input{.client = Ana(), .assignments = {phq9_}};
    input.completions = {
        Measured(phq9_, 1, kNow - absl::Hours(24 * 7 * weeks_ago), Phq9Totalling(from)),
        Measured(phq9_, 2, kNow - kDay, Phq9Totalling(to))};
    return input;
  }
  v1::Assignment phq9_;
};

TEST_F(MeasureAttentionTest, ReliableDeteriorationAtSixPointsNotFive) {
  EXPECT_THAT(Kinds(Totals(8, 14, 2)), ElementsAre(AttentionKind::kReliableDeterioration));
  EXPECT_THAT(Kinds(Totals(8, 13, 2)), IsEmpty());
}

TEST_F(MeasureAttentionTest, NoReliableImprovementAtCasenessAfterSixWeeks) {
  // 14 -> 10 (-4, not reliable), baseline at caseness: 6 weeks is the threshold.
  EXPECT_THAT(Kinds(Totals(14, 10, 6)), ElementsAre(AttentionKind::kNoReliableImprovement));
  EXPECT_THAT(Kinds(Totals(14, 10, 5.9)), IsEmpty());
  // Reliable improvement (-6): nothing to flag.
  EXPECT_THAT(Kinds(Totals(16, 10, 8)), IsEmpty());
  // Below caseness at baseline (9): the rule does not apply.
  EXPECT_THAT(Kinds(Totals(9, 8, 8)), IsEmpty());
}

TEST_F(MeasureAttentionTest, AWeeklyMeasureIsOverdueOnceAWholeWeekPassedWithoutAnAnswer) {
  AttentionInput input{.client = Ana(), .assignments = {phq9_}};
  input.completions = {Measured(phq9_, 1, kNow - 7 * kDay, Phq9Totalling(5))};
  EXPECT_THAT(Kinds(input), IsEmpty());
  input.completions = {Measured(phq9_, 1, kNow - 7 * kDay - absl::Minutes(1), Phq9Totalling(5))};
  EXPECT_THAT(Kinds(input), ElementsAre(AttentionKind::kMeasureOverdue));
}

TEST_F(MeasureAttentionTest, EveryTwoWeeksIsOverdueOnlyAfterTwoWholeWeeks) {
  phq9_.mutable_schedule()->set_interval(2);
  AttentionInput input{.client = Ana(), .assignments = {phq9_}};
  input.completions = {Measured(phq9_, 1, kNow - 14 * kDay, Phq9Totalling(5))};
  EXPECT_THAT(Kinds(input), IsEmpty());
  input.completions = {Measured(phq9_, 1, kNow - 14 * kDay - absl::Minutes(1), Phq9Totalling(5))};
  EXPECT_THAT(Kinds(input), ElementsAre(AttentionKind::kMeasureOverdue));
}

TEST_F(MeasureAttentionTest, BeforeASessionOverdueOnceTheSessionBeganUnanswered) {
  phq9_.mutable_schedule()->mutable_measure_cadence()->set_trigger(
      v1::MeasureCadence::TRIGGER_BEFORE_SESSION);
  AttentionInput input{.client = Ana(), .assignments = {phq9_}};
  // A session at 18:00 today: due since 18:00 yesterday, overdue from now on.
  *input.client.mutable_next_session_time() = ToProtoTime(kNow);
  EXPECT_THAT(Kinds(input, kNow - absl::Seconds(1)), IsEmpty());
  EXPECT_THAT(Kinds(input), ElementsAre(AttentionKind::kMeasureOverdue));
  // Answered while it was due: nothing.
  input.completions = {Measured(phq9_, 1, kNow - absl::Hours(2), Phq9Totalling(5))};
  EXPECT_THAT(Kinds(input), IsEmpty());
  // No session set: nothing is due, nothing overdue (weeks without an answer or not).
  input.completions.clear();
  input.client.clear_next_session_time();
  EXPECT_THAT(Kinds(input), IsEmpty());
}

TEST(AttentionTest, LowAdherenceBelowHalfOfPlanOverFourteenDays) {
  // A daily practice at 08:00, active for longer than the window: the 14-day window ending now
  // (18:00) settles 13 mornings (today's is still open). 7 of 13 done is above half; 6 is below.
  const v1::Assignment breathing =
      Active("breathing", v1::EXERCISE_KIND_SKILLS_PRACTICE, kNow - 20 * kDay);
  AttentionInput input{.client = Ana(), .assignments = {breathing}};
  for (int day = 1; day <= 13; day += 2) {
    input.completions.push_back(Done(breathing, day, kNow - day * kDay - absl::Hours(10)));
  }
  ASSERT_EQ(input.completions.size(), 7u);
  EXPECT_THAT(Kinds(input), IsEmpty());

  input.completions.pop_back();
  absl::StatusOr<std::vector<AttentionReason>> reasons =
      AttentionReasons(input, clinical::MeasureThresholds{}, AttentionThresholds{}, kNow);
  ASSERT_THAT(reasons, IsOk());
  ASSERT_EQ(reasons->size(), 1u);
  EXPECT_EQ((*reasons)[0].kind, AttentionKind::kLowAdherence);
  EXPECT_DOUBLE_EQ((*reasons)[0].value, 6.0 / 13);
  EXPECT_DOUBLE_EQ((*reasons)[0].threshold, 0.5);
  EXPECT_THAT((*reasons)[0].detail, HasSubstr("6 of 13"));
}

TEST(AttentionTest, AnExposureStepNotPractisedForFourteenDays) {
  const v1::Assignment exposure = Active("hello", v1::EXERCISE_KIND_EXPOSURE_PRACTICE,
                                         kNow - 30 * kDay, v1::Schedule::PERIOD_WEEK);
  AttentionInput input{.client = Ana(), .assignments = {exposure}};
  input.completions = {Done(exposure, 1, kNow - 13 * kDay)};
  EXPECT_THAT(Kinds(input),
              ::testing::Not(::testing::Contains(AttentionKind::kExposureNotPractised)));
  input.completions = {Done(exposure, 1, kNow - 14 * kDay)};
  EXPECT_THAT(Kinds(input), ::testing::Contains(AttentionKind::kExposureNotPractised));
}

TEST(AttentionTest, TwoPeaksAtNinetyButNotEightyNine) {
  const v1::Assignment exposure = Active("hello", v1::EXERCISE_KIND_EXPOSURE_PRACTICE,
                                         kNow - 10 * kDay, v1::Schedule::PERIOD_WEEK);
  AttentionInput input{.client = Ana(), .assignments = {exposure}};
  v1::Completion first = Done(exposure, 1, kNow - 3 * kDay);
  first.mutable_suds()->set_peak(90);
  v1::Completion second = Done(exposure, 2, kNow - 2 * kDay);
  second.mutable_suds()->set_peak(89);
  input.completions = {first, second};
  EXPECT_THAT(Kinds(input), IsEmpty());
  input.completions[1].mutable_suds()->set_peak(95);
  EXPECT_THAT(Kinds(input), ElementsAre(AttentionKind::kRepeatedHighPeak));
}

TEST(AttentionTest, TheSameSkipReasonThreeTimes) {
  const v1::Assignment walk =
      Active("walk", v1::EXERCISE_KIND_SELF_CARE, kNow - 10 * kDay, v1::Schedule::PERIOD_WEEK);
  AttentionInput input{.client = Ana(), .assignments = {walk}};
  for (int i = 1; i <= 3; ++i) {
    v1::Completion skipped = Done(walk, i, kNow - i * kDay);
    skipped.set_status(v1::Completion::STATUS_SKIPPED);
    skipped.set_skip_reason(i == 3 ? "Too tired " : "too tired");
    input.completions.push_back(skipped);
  }
  EXPECT_THAT(Kinds(input), ::testing::Contains(AttentionKind::kRepeatedSkipReason));
  input.completions[2].set_skip_reason("raining");
  EXPECT_THAT(Kinds(input),
              ::testing::Not(::testing::Contains(AttentionKind::kRepeatedSkipReason)));
}

TEST(AttentionTest, NothingSinceTheLastSessionOnceThreeDaysHavePassed) {
  const v1::Assignment walk =
      Active("walk", v1::EXERCISE_KIND_SELF_CARE, kNow - 10 * kDay, v1::Schedule::PERIOD_WEEK);
  AttentionInput input{.client = Ana(), .assignments = {walk}};
  input.completions = {Done(walk, 1, kNow - 5 * kDay)};
  *input.client.mutable_last_session_time() = ToProtoTime(kNow - 3 * kDay + absl::Minutes(1));
  EXPECT_THAT(Kinds(input), IsEmpty());
  *input.client.mutable_last_session_time() = ToProtoTime(kNow - 3 * kDay);
  EXPECT_THAT(Kinds(input), ElementsAre(AttentionKind::kNothingSinceSession));
  input.completions.push_back(Done(walk, 2, kNow - kDay));
  EXPECT_THAT(Kinds(input), IsEmpty());
}

TEST(AttentionTest, ReasonsComeMostUrgentFirstWithTheirNumbers) {
  const v1::Assignment exposure = Active("hello", v1::EXERCISE_KIND_EXPOSURE_PRACTICE,
                                         kNow - 30 * kDay, v1::Schedule::PERIOD_WEEK);
  AttentionInput input{.client = Ana(), .assignments = {exposure}};
  input.flags = {Flag(v1::SafetyFlag::STATE_OPEN, false)};
  absl::StatusOr<std::vector<AttentionReason>> reasons =
      AttentionReasons(input, clinical::MeasureThresholds{}, AttentionThresholds{}, kNow);
  ASSERT_THAT(reasons, IsOk());
  ASSERT_GE(reasons->size(), 2u);
  EXPECT_EQ((*reasons)[0].kind, AttentionKind::kFlagOpen);
  EXPECT_EQ((*reasons)[0].resource, absl::StrCat(kAna, "/safetyFlags/f1"));
  const AttentionReason& idle = reasons->back();
  EXPECT_EQ(idle.kind, AttentionKind::kExposureNotPractised);
  EXPECT_DOUBLE_EQ(idle.value, 30);
  EXPECT_DOUBLE_EQ(idle.threshold, 14);
  EXPECT_THAT(idle.detail, HasSubstr("30 days"));
}

}  // namespace
}  // namespace therapy::homework
