#include "services/homework/core/rules/validation.h"

#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/status_matchers.h"

namespace therapy::homework {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::therapy::homework::testing::IsOk;
using ::therapy::homework::testing::StatusIs;

std::vector<std::string> Fields(const Violations& violations) {
  std::vector<std::string> fields;
  if (auto request = BadRequestOf(violations.ToStatus())) {
    for (const auto& violation : request->field_violations()) fields.push_back(violation.field());
  }
  return fields;
}

v1::Schedule DailySchedule() {
  v1::Schedule schedule;
  schedule.set_target_count(1);
  schedule.set_period(v1::Schedule::PERIOD_DAY);
  schedule.set_start_date("2026-11-26");
  schedule.set_minimum_version("Two slow breaths");
  return schedule;
}

v1::Assignment Breathing() {
  v1::Assignment assignment;
  assignment.set_title("Paced breathing");
  assignment.mutable_exercise()->set_kind(v1::EXERCISE_KIND_SKILLS_PRACTICE);
  assignment.mutable_exercise()->mutable_skills_practice()->set_skill(
      v1::SkillsPracticeInstructions::SKILL_BREATHING);
  *assignment.mutable_schedule() = DailySchedule();
  return assignment;
}

v1::Exercise OfKind(v1::ExerciseKind kind) {
  v1::Exercise exercise;
  exercise.set_kind(kind);
  return exercise;
}

v1::Exercise Phq9() {
  v1::Exercise exercise = OfKind(v1::EXERCISE_KIND_OUTCOME_MEASURE);
  exercise.mutable_outcome_measure()->set_measure(v1::MEASURE_PHQ9);
  return exercise;
}

v1::Completion Answered(std::vector<int> items) {
  v1::Completion completion;
  completion.mutable_occur_time()->set_seconds(1'700'000'000);
  completion.set_occur_time_zone("UTC");
  completion.set_status(v1::Completion::STATUS_DONE);
  for (int item : items) completion.mutable_measure()->add_item_scores(item);
  return completion;
}

TEST(ValidationTest, NoViolationsIsOk) {
  Violations violations;
  ValidateAssignment(Breathing(), "assignment", violations);
  EXPECT_THAT(violations.ToStatus(), IsOk());
}

TEST(ValidationTest, StatusMessageNamesTheFirstFieldAndCountsTheRest) {
  Violations violations;
  violations.Add("a.b", "required");
  violations.Add("a.c", "must be 0-10, got 11");
  absl::Status status = violations.ToStatus();
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument,
                               "a.b: required (and 1 more invalid fields)"));
  EXPECT_THAT(Fields(violations), ElementsAre("a.b", "a.c"));
}

TEST(ValidationTest, ScheduleDatesTimesAndAnchorsAreChecked) {
  v1::Assignment assignment = Breathing();
  auto* schedule = assignment.mutable_schedule();
  schedule->set_start_date("2026-02-30");
  schedule->set_end_date("2026-01-01");
  schedule->set_preferred_local_time("24:00");
  schedule->mutable_habit_anchor()->set_offset_minutes(721);
  schedule->set_target_count(0);
  Violations violations;
  ValidateAssignment(assignment, "assignment", violations);
  EXPECT_THAT(Fields(violations),
              ElementsAre("assignment.schedule.target_count", "assignment.schedule.start_date",
                          "assignment.schedule.preferred_local_time",
                          "assignment.schedule.habit_anchor.offset_minutes"));
}

TEST(ValidationTest, EndDateBeforeStartDateIsRejected) {
  v1::Assignment assignment = Breathing();
  assignment.mutable_schedule()->set_end_date("2026-11-25");
  Violations violations;
  ValidateAssignment(assignment, "assignment", violations);
  EXPECT_THAT(Fields(violations), ElementsAre("assignment.schedule.end_date"));
}

TEST(ValidationTest, AnIfThenPlanHasBothPartsOrNeitherCountedInCodePoints) {
  v1::Assignment assignment = Breathing();
  v1::IfThenPlan* plan = assignment.mutable_schedule()->mutable_if_then_plan();
  // Both parts blank: no plan, accepted (the form was cleared).
  plan->set_situation(" ");
  Violations cleared;
  ValidateAssignment(assignment, "assignment", cleared);
  EXPECT_TRUE(cleared.empty()) << cleared.ToStatus();

  // One part alone: the other is named.
  plan->set_situation("I put the kettle on in the morning");
  Violations half;
  ValidateAssignment(assignment, "assignment", half);
  EXPECT_THAT(Fields(half), ElementsAre("assignment.schedule.if_then_plan.action"));

  // 200 code points of a two-byte letter (400 bytes) fit; 201 do not.
  std::string limit;
  for (int i = 0; i < 200; ++i) limit += "é";
  plan->set_action(limit);
  Violations fits;
  ValidateAssignment(assignment, "assignment", fits);
  EXPECT_TRUE(fits.empty()) << fits.ToStatus();
  plan->set_action(limit + "é");
  plan->set_situation(limit + "é");
  Violations too_long;
  ValidateAssignment(assignment, "assignment", too_long);
  EXPECT_THAT(Fields(too_long), ElementsAre("assignment.schedule.if_then_plan.situation",
                                            "assignment.schedule.if_then_plan.action"));
}

TEST(ValidationTest, InstructionsMustMatchTheKind) {
  v1::Assignment assignment = Breathing();
  assignment.mutable_exercise()->mutable_self_care()->set_domain(
      v1::SelfCareInstructions::DOMAIN_SLEEP);
  Violations violations;
  ValidateAssignment(assignment, "assignment", violations);
  EXPECT_THAT(Fields(violations), ElementsAre("assignment.exercise"));
  EXPECT_THAT(violations.ToStatus().message(), HasSubstr("EXERCISE_KIND_SKILLS_PRACTICE"));
}

TEST(ValidationTest, ExposurePracticeNeedsItsSituation) {
  v1::Assignment assignment = Breathing();
  assignment.mutable_exercise()->set_kind(v1::EXERCISE_KIND_EXPOSURE_PRACTICE);
  assignment.mutable_exercise()->clear_skills_practice();
  Violations violations;
  ValidateAssignment(assignment, "assignment", violations);
  EXPECT_THAT(Fields(violations), ElementsAre("assignment.exercise.exposure_practice"));
}

TEST(ValidationTest, SudsPeakBelowBeforeIsRejected) {
  v1::Completion completion;
  completion.mutable_occur_time()->set_seconds(1'700'000'000);
  completion.set_occur_time_zone("America/New_York");
  completion.set_status(v1::Completion::STATUS_DONE);
  completion.mutable_suds()->set_before(60);
  completion.mutable_suds()->set_peak(40);
  completion.mutable_suds()->set_after(20);
  Violations violations;
  ValidateCompletion(completion, OfKind(v1::EXERCISE_KIND_EXPOSURE_PRACTICE),
                     absl::FromUnixSeconds(1'800'000'000), "completion", violations);
  EXPECT_THAT(Fields(violations), ElementsAre("completion.suds.peak"));
}

TEST(ValidationTest, AnExposureDoneOrPartlyDoneNeedsAllThreeSudsRatings) {
  for (auto status : {v1::Completion::STATUS_DONE, v1::Completion::STATUS_PARTIAL}) {
    v1::Completion completion;
    completion.mutable_occur_time()->set_seconds(1'700'000'000);
    completion.set_occur_time_zone("Europe/Berlin");
    completion.set_status(status);
    Violations none;
    ValidateCompletion(completion, OfKind(v1::EXERCISE_KIND_EXPOSURE_PRACTICE),
                       absl::FromUnixSeconds(1'800'000'000), "completion", none);
    EXPECT_THAT(Fields(none), ElementsAre("completion.suds.before", "completion.suds.peak",
                                          "completion.suds.after"));
    completion.mutable_suds()->set_before(50);
    completion.mutable_suds()->set_peak(70);
    Violations two;
    ValidateCompletion(completion, OfKind(v1::EXERCISE_KIND_EXPOSURE_PRACTICE),
                       absl::FromUnixSeconds(1'800'000'000), "completion", two);
    EXPECT_THAT(Fields(two), ElementsAre("completion.suds.after"));
  }
  // The two-minute version, and skills practice, may go without.
  v1::Completion minimum;
  minimum.mutable_occur_time()->set_seconds(1'700'000'000);
  minimum.set_occur_time_zone("Europe/Berlin");
  minimum.set_status(v1::Completion::STATUS_MINIMUM_VERSION);
  Violations violations;
  ValidateCompletion(minimum, OfKind(v1::EXERCISE_KIND_EXPOSURE_PRACTICE),
                     absl::FromUnixSeconds(1'800'000'000), "completion", violations);
  minimum.set_status(v1::Completion::STATUS_DONE);
  ValidateCompletion(minimum, OfKind(v1::EXERCISE_KIND_SKILLS_PRACTICE),
                     absl::FromUnixSeconds(1'800'000'000), "completion", violations);
  EXPECT_TRUE(violations.empty());
}

TEST(ValidationTest, RecordOfAnotherKindIsRejected) {
  v1::Completion completion;
  completion.mutable_occur_time()->set_seconds(1'700'000'000);
  completion.set_occur_time_zone("UTC");
  completion.set_status(v1::Completion::STATUS_DONE);
  completion.mutable_self_care()->set_amount(7.5);
  Violations violations;
  ValidateCompletion(completion, OfKind(v1::EXERCISE_KIND_MOOD_MONITORING),
                     absl::FromUnixSeconds(1'800'000'000), "completion", violations);
  EXPECT_THAT(Fields(violations), ElementsAre("completion"));
}

TEST(ValidationTest, OutcomeMeasureNeedsAKnownMeasure) {
  v1::Assignment assignment = Breathing();
  *assignment.mutable_exercise() = OfKind(v1::EXERCISE_KIND_OUTCOME_MEASURE);
  Violations missing;
  ValidateAssignment(assignment, "assignment", missing);
  EXPECT_THAT(Fields(missing), ElementsAre("assignment.exercise.outcome_measure"));

  assignment.mutable_exercise()->mutable_outcome_measure();  // MEASURE_UNSPECIFIED
  Violations unspecified;
  ValidateAssignment(assignment, "assignment", unspecified);
  EXPECT_THAT(Fields(unspecified), ElementsAre("assignment.exercise.outcome_measure.measure"));

  assignment.mutable_exercise()->mutable_outcome_measure()->set_measure(v1::MEASURE_GAD7);
  Violations known;
  ValidateAssignment(assignment, "assignment", known);
  EXPECT_TRUE(known.empty()) << known.ToStatus();
}

TEST(ValidationTest, Phq9NeedsNineAnswersOfZeroToThree) {
  Violations ok;
  ValidateCompletion(Answered({0, 1, 2, 3, 0, 1, 2, 3, 0}), Phq9(),
                     absl::FromUnixSeconds(1'800'000'000), "completion", ok);
  EXPECT_TRUE(ok.empty()) << ok.ToStatus();

  Violations eight;
  ValidateCompletion(Answered({0, 1, 2, 3, 0, 1, 2, 3}), Phq9(),
                     absl::FromUnixSeconds(1'800'000'000), "completion", eight);
  EXPECT_THAT(Fields(eight), ElementsAre("completion.measure.item_scores"));
  EXPECT_THAT(eight.ToStatus().message(), HasSubstr("PHQ-9 needs 9 answers"));

  Violations out_of_range;
  ValidateCompletion(Answered({0, 1, 4, 3, 0, 1, 2, 3, -1}), Phq9(),
                     absl::FromUnixSeconds(1'800'000'000), "completion", out_of_range);
  EXPECT_THAT(Fields(out_of_range), ElementsAre("completion.measure.item_scores[2]",
                                                "completion.measure.item_scores[8]"));
}

TEST(ValidationTest, MeasureAnswersAreRequiredUnlessSkipped) {
  v1::Completion blank = Answered({});
  blank.clear_measure();
  for (auto status : {v1::Completion::STATUS_DONE, v1::Completion::STATUS_PARTIAL,
                      v1::Completion::STATUS_MINIMUM_VERSION}) {
    blank.set_status(status);
    Violations violations;
    ValidateCompletion(blank, Phq9(), absl::FromUnixSeconds(1'800'000'000), "completion",
                       violations);
    EXPECT_THAT(Fields(violations), ElementsAre("completion.measure")) << status;
  }
  blank.set_status(v1::Completion::STATUS_SKIPPED);
  blank.set_skip_reason("Too tired tonight");
  Violations skipped;
  ValidateCompletion(blank, Phq9(), absl::FromUnixSeconds(1'800'000'000), "completion", skipped);
  EXPECT_TRUE(skipped.empty()) << skipped.ToStatus();

  v1::Completion skipped_with_answers = Answered({0, 0, 0, 0, 0, 0, 0, 0, 0});
  skipped_with_answers.set_status(v1::Completion::STATUS_SKIPPED);
  skipped_with_answers.set_skip_reason("Too tired tonight");
  Violations answered;
  ValidateCompletion(skipped_with_answers, Phq9(), absl::FromUnixSeconds(1'800'000'000),
                     "completion", answered);
  EXPECT_THAT(Fields(answered), ElementsAre("completion.measure"));
}

TEST(ValidationTest, MeasureRecordBelongsToOutcomeMeasuresOnly) {
  Violations violations;
  ValidateCompletion(Answered({0, 0, 0, 0, 0, 0, 0}), OfKind(v1::EXERCISE_KIND_MOOD_MONITORING),
                     absl::FromUnixSeconds(1'800'000'000), "completion", violations);
  EXPECT_THAT(Fields(violations), ElementsAre("completion"));
}

TEST(ValidationTest, PageSizeDefaultsAndBounds) {
  EXPECT_EQ(*ValidatePageSize(0), 100);
  EXPECT_EQ(*ValidatePageSize(1000), 1000);
  EXPECT_THAT(ValidatePageSize(1001), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ValidatePageSize(-1), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace therapy::homework
