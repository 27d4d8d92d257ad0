#include "services/homework/core/rules/review_summary.h"

#include <string>
#include <tuple>
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
using ::testing::SizeIs;
using ::therapy::homework::testing::IsOk;

const absl::TimeZone kBerlin = [] {
  absl::TimeZone zone;
  absl::LoadTimeZone("Europe/Berlin", &zone);
  return zone;
}();
// Thursday 2026-11-26, 18:00 in Berlin; the period is the week before.
const absl::Time kNow = absl::FromCivil(absl::CivilSecond(2026, 11, 26, 18, 0, 0), kBerlin);
const absl::Time kSince = kNow - absl::Hours(24 * 7);

v1::Client Ana() {
  v1::Client client;
  client.set_name("practices/sunrise/clients/ana");
  client.set_time_zone("Europe/Berlin");
  return client;
}

v1::Assignment Daily(const std::string& id, v1::ExerciseKind kind) {
  v1::Assignment assignment;
  assignment.set_name("practices/sunrise/clients/ana/assignments/" + id);
  assignment.set_state(v1::Assignment::STATE_ACTIVE);
  assignment.mutable_exercise()->set_kind(kind);
  auto* schedule = assignment.mutable_schedule();
  schedule->set_target_count(1);
  schedule->set_period(v1::Schedule::PERIOD_DAY);
  schedule->set_start_date("2026-11-19");
  schedule->set_preferred_local_time("08:00");
  schedule->set_minimum_version("Two minutes");
  return assignment;
}

v1::Completion Practice(const v1::Assignment& assignment, int id, absl::CivilSecond local) {
  v1::Completion completion;
  completion.set_name(assignment.name() + "/completions/c" + std::to_string(id));
  *completion.mutable_occur_time() = ToProtoTime(absl::FromCivil(local, kBerlin));
  completion.set_occur_time_zone("Europe/Berlin");
  completion.set_status(v1::Completion::STATUS_DONE);
  return completion;
}

TEST(ReviewSummaryTest, LowAdherenceSuggestsASmallerVersionOrAnotherAnchor) {
  v1::Assignment breathing = Daily("breathing", v1::EXERCISE_KIND_SKILLS_PRACTICE);
  std::vector<v1::Completion> completions = {
      Practice(breathing, 1, absl::CivilSecond(2026, 11, 20, 8, 5, 0)),
      Practice(breathing, 2, absl::CivilSecond(2026, 11, 24, 8, 30, 0))};
  auto summary = BuildReviewSummary(Ana(), {breathing}, completions, kSince, kNow);
  ASSERT_THAT(summary, IsOk());
  ASSERT_THAT(summary->assignments(), SizeIs(1));
  const v1::Adherence& adherence = summary->assignments(0).adherence();
  EXPECT_EQ(adherence.completed_count(), 2);
  EXPECT_GE(adherence.missed_count(), 4);
  ASSERT_TRUE(adherence.has_ratio());
  EXPECT_LT(adherence.ratio(), kLowAdherence);
  ASSERT_THAT(summary->suggested_adjustments(), SizeIs(1));
  EXPECT_EQ(summary->suggested_adjustments(0).assignment(), breathing.name());
  EXPECT_THAT(summary->suggested_adjustments(0).suggestion(), HasSubstr("smaller version"));
  EXPECT_THAT(summary->suggested_adjustments(0).reason(), HasSubstr("2 of"));
  EXPECT_EQ(summary->assignments(0).recent_completions(0).name(), completions[1].name());
}

// The one set of figures every view shows. A weekly exposure, 4 a week from Monday 2 Nov: the
// review (since Thursday 19 Nov 18:00) expects the current week's 4 (3 done so far, open); the
// streak is in weeks and counts the met weeks before the period from `earlier_practice`; the
// calendar is four weeks, never days, and never counts the earlier practice into the period.
TEST(ReviewSummaryTest, AdherenceCarriesItsPeriodCurrentPeriodAndCalendarInWeeks) {
  v1::Assignment exposure = Daily("lift", v1::EXERCISE_KIND_EXPOSURE_PRACTICE);
  exposure.mutable_schedule()->set_period(v1::Schedule::PERIOD_WEEK);
  exposure.mutable_schedule()->set_target_count(4);
  exposure.mutable_schedule()->set_start_date("2026-11-02");
  std::vector<v1::Completion> earlier;
  int id = 0;
  for (int day : {2, 3, 4, 5, 9, 10, 11, 12}) {  // weeks of 2 and 9 Nov met
    earlier.push_back(Practice(exposure, ++id, absl::CivilSecond(2026, 11, day, 8, 0, 0)));
  }
  std::vector<v1::Completion> period;
  for (int day : {23, 24, 25}) {  // 3 of 4 this week
    period.push_back(Practice(exposure, ++id, absl::CivilSecond(2026, 11, day, 8, 0, 0)));
  }
  auto summary = BuildReviewSummary(Ana(), {exposure}, period, kSince, kNow, {}, {}, {}, earlier);
  ASSERT_THAT(summary, IsOk());
  const v1::Adherence& adherence = summary->assignments(0).adherence();
  EXPECT_EQ(adherence.period(), v1::Schedule::PERIOD_WEEK);
  EXPECT_EQ(adherence.periods_elapsed(), 1);
  EXPECT_EQ(adherence.target_count(), 4);
  EXPECT_EQ(adherence.completed_count(), 3);
  EXPECT_EQ(adherence.open_count(), 1);
  EXPECT_EQ(adherence.missed_count(), 0);
  // Weeks of 2 and 9 Nov met, 16 Nov missed (forgiven), this week open: a streak of 2 weeks.
  EXPECT_EQ(adherence.streak(), 2);
  EXPECT_EQ(adherence.streak_forgiven(), 1);
  EXPECT_EQ(adherence.current_period().first_day(), "2026-11-23");
  EXPECT_EQ(adherence.current_period().last_day(), "2026-11-29");
  EXPECT_EQ(adherence.current_period().expected_count(), 4);
  EXPECT_EQ(adherence.current_period().completed_count(), 3);
  EXPECT_EQ(adherence.current_period().state(), v1::PracticePeriod::STATE_OPEN);
  ASSERT_THAT(adherence.calendar(), SizeIs(4));
  EXPECT_EQ(adherence.calendar(0).first_day(), "2026-11-02");
  EXPECT_EQ(adherence.calendar(0).state(), v1::PracticePeriod::STATE_MET);
  EXPECT_EQ(adherence.calendar(2).state(), v1::PracticePeriod::STATE_MISSED);
  // The earlier practice is not in the period's lists.
  EXPECT_THAT(summary->assignments(0).recent_completions(), SizeIs(3));
  EXPECT_EQ(summary->unreviewed_count(), 3);
}

// A daily calendar has 28 days; the suggested adjustment names practices "due so far", the
// same denominator as the ratio, never the expected count that includes today.
TEST(ReviewSummaryTest, DailyCalendarHasTwentyEightDaysAndTheReasonSaysDueSoFar) {
  v1::Assignment breathing = Daily("breathing", v1::EXERCISE_KIND_SKILLS_PRACTICE);
  auto summary = BuildReviewSummary(
      Ana(), {breathing}, {Practice(breathing, 1, absl::CivilSecond(2026, 11, 20, 8, 0, 0))},
      kSince, kNow);
  ASSERT_THAT(summary, IsOk());
  const v1::Adherence& adherence = summary->assignments(0).adherence();
  EXPECT_EQ(adherence.period(), v1::Schedule::PERIOD_DAY);
  EXPECT_EQ(adherence.periods_elapsed(), 7);  // Fri 20 .. Thu 26 (the 19th began before since)
  EXPECT_EQ(adherence.target_count(), 7);
  ASSERT_THAT(adherence.calendar(), SizeIs(28));
  EXPECT_EQ(adherence.calendar(0).first_day(), "2026-11-02");
  EXPECT_EQ(adherence.calendar(0).state(), v1::PracticePeriod::STATE_NOT_SCHEDULED);
  EXPECT_EQ(adherence.current_period().first_day(), "2026-11-26");
  ASSERT_THAT(summary->suggested_adjustments(), SizeIs(1));
  EXPECT_EQ(summary->suggested_adjustments(0).reason(),
            "1 of the 6 practices due so far done (17%)");
}

TEST(ReviewSummaryTest, ExposureShowsTheSudsSeriesAndSuggestsAdvancingAfterTwoHalvings) {
  v1::Assignment exposure = Daily("hello-cashier", v1::EXERCISE_KIND_EXPOSURE_PRACTICE);
  std::vector<v1::Completion> completions;
  const int suds[3][3] = {{60, 80, 60}, {55, 70, 30}, {50, 60, 25}};
  for (int day = 0; day < 3; ++day) {
    v1::Completion c = Practice(exposure, day, absl::CivilSecond(2026, 11, 21 + day, 8, 0, 0));
    c.mutable_suds()->set_before(suds[day][0]);
    c.mutable_suds()->set_peak(suds[day][1]);
    c.mutable_suds()->set_after(suds[day][2]);
    completions.push_back(c);
  }
  std::swap(completions[0], completions[2]);  // any order in, time order out
  auto summary = BuildReviewSummary(Ana(), {exposure}, completions, kSince, kNow);
  ASSERT_THAT(summary, IsOk());
  const v1::AssignmentReview& review = summary->assignments(0);
  ASSERT_THAT(review.suds_series(), SizeIs(3));
  EXPECT_EQ(review.suds_series(0).peak(), 80);
  EXPECT_EQ(review.suds_series(2).after(), 25);
  EXPECT_EQ(review.progression().kind(), v1::ProgressionSuggestion::KIND_ADVANCE);
  EXPECT_FALSE(review.progression().reason().empty());
}

TEST(ReviewSummaryTest, PeaksAtNinetyOrAboveSuggestSteppingBack) {
  v1::Assignment exposure = Daily("event", v1::EXERCISE_KIND_EXPOSURE_PRACTICE);
  std::vector<v1::Completion> completions;
  for (int day = 0; day < 2; ++day) {
    v1::Completion c = Practice(exposure, day, absl::CivilSecond(2026, 11, 22 + day, 8, 0, 0));
    c.mutable_suds()->set_before(70);
    c.mutable_suds()->set_peak(95);
    c.mutable_suds()->set_after(85);
    completions.push_back(c);
  }
  auto summary = BuildReviewSummary(Ana(), {exposure}, completions, kSince, kNow);
  ASSERT_THAT(summary, IsOk());
  EXPECT_EQ(summary->assignments(0).progression().kind(),
            v1::ProgressionSuggestion::KIND_STEP_BACK);
}

TEST(ReviewSummaryTest, UnreviewedThoughtRecordsAreToDiscussAndMoodIsATrend) {
  v1::Assignment record = Daily("thoughts", v1::EXERCISE_KIND_THOUGHT_RECORD);
  v1::Completion reviewed = Practice(record, 1, absl::CivilSecond(2026, 11, 20, 9, 0, 0));
  reviewed.mutable_thought_record()->set_situation("Team meeting");
  reviewed.mutable_review()->set_quality_rating(4);
  reviewed.set_mood(3);
  v1::Completion open = Practice(record, 2, absl::CivilSecond(2026, 11, 25, 9, 0, 0));
  open.mutable_thought_record()->set_situation("Call with my sister");
  open.set_mood(6);
  auto summary = BuildReviewSummary(Ana(), {record}, {open, reviewed}, kSince, kNow);
  ASSERT_THAT(summary, IsOk());
  ASSERT_THAT(summary->to_discuss(), SizeIs(1));
  EXPECT_EQ(summary->to_discuss(0).name(), open.name());
  EXPECT_EQ(summary->unreviewed_count(), 1);
  ASSERT_THAT(summary->mood_trend(), SizeIs(2));
  EXPECT_EQ(summary->mood_trend(0).mood(), 3);
  EXPECT_EQ(summary->mood_trend(1).mood(), 6);
  EXPECT_EQ(summary->assignments(0).adherence().reviewed_count(), 1);
  EXPECT_DOUBLE_EQ(summary->assignments(0).adherence().mean_quality_rating(), 4.0);
}

// The period's thought records come oldest first however they are listed (the stores list newest
// first); two written at the same minute keep the order they were listed in.
TEST(ReviewSummaryTest, ToDiscussIsOldestFirstAndEqualTimesKeepTheirListedOrder) {
  v1::Assignment record = Daily("thoughts", v1::EXERCISE_KIND_THOUGHT_RECORD);
  std::vector<v1::Completion> written;
  for (const auto& [id, day, hour] : std::vector<std::tuple<int, int, int>>{
           {1, 20, 9}, {2, 22, 9}, {3, 22, 9}, {4, 24, 9}, {5, 25, 21}}) {
    v1::Completion completion = Practice(record, id, absl::CivilSecond(2026, 11, day, hour, 0, 0));
    completion.mutable_thought_record()->set_situation("Meeting " + std::to_string(id));
    written.push_back(std::move(completion));
  }
  auto discussed = [&](std::vector<int> listed) {
    std::vector<v1::Completion> completions;
    for (int index : listed) completions.push_back(written[static_cast<size_t>(index)]);
    absl::StatusOr<v1::ReviewSummary> summary =
        BuildReviewSummary(Ana(), {record}, std::move(completions), kSince, kNow);
    EXPECT_THAT(summary, IsOk());
    std::vector<std::string> ids;
    if (!summary.ok()) return ids;
    for (const v1::Completion& completion : summary->to_discuss()) {
      ids.push_back(completion.name().substr(completion.name().rfind('/') + 1));
    }
    return ids;
  };
  EXPECT_THAT(discussed({0, 1, 2, 3, 4}), ElementsAre("c1", "c2", "c3", "c4", "c5"));
  EXPECT_THAT(discussed({4, 3, 2, 1, 0}), ElementsAre("c1", "c3", "c2", "c4", "c5"));
  EXPECT_THAT(discussed({3, 1, 4, 0, 2}), ElementsAre("c1", "c2", "c3", "c4", "c5"));
  EXPECT_THAT(discussed({2, 4, 3, 1, 0}), ElementsAre("c1", "c3", "c2", "c4", "c5"));
}

v1::Assignment Measure(const std::string& id, v1::Measure measure) {
  v1::Assignment assignment = Daily(id, v1::EXERCISE_KIND_OUTCOME_MEASURE);
  assignment.mutable_exercise()->mutable_outcome_measure()->set_measure(measure);
  assignment.mutable_schedule()->set_period(v1::Schedule::PERIOD_WEEK);
  return assignment;
}

// A measure completion as CreateCompletion stores it: answered, then scored.
v1::Completion Answered(const v1::Assignment& assignment, int id, absl::CivilSecond local,
                        std::vector<int> items) {
  v1::Completion completion = Practice(assignment, id, local);
  for (int item : items) completion.mutable_measure()->add_item_scores(item);
  const absl::Status scored = ScoreMeasureResponse(
      assignment.exercise().outcome_measure().measure(), *completion.mutable_measure());
  EXPECT_THAT(scored, IsOk());
  return completion;
}

TEST(ReviewSummaryTest, UrgentPhq9AnswersAreFlaggedNewestFirstEvenOnceReviewed) {
  v1::Assignment phq9 = Measure("phq9", v1::MEASURE_PHQ9);
  v1::Completion earlier =
      Answered(phq9, 1, absl::CivilSecond(2026, 11, 20, 9, 0, 0), {1, 1, 1, 1, 0, 1, 0, 0, 1});
  earlier.mutable_review()->set_quality_rating(3);
  v1::Completion calm =
      Answered(phq9, 2, absl::CivilSecond(2026, 11, 22, 9, 0, 0), {1, 0, 1, 0, 0, 0, 0, 0, 0});
  v1::Completion latest =
      Answered(phq9, 3, absl::CivilSecond(2026, 11, 25, 9, 0, 0), {2, 2, 2, 1, 1, 2, 1, 0, 2});
  auto summary = BuildReviewSummary(Ana(), {phq9}, {calm, latest, earlier}, kSince, kNow);
  ASSERT_THAT(summary, IsOk());
  ASSERT_THAT(summary->urgent_flags(), SizeIs(2));
  const v1::UrgentFlag& first = summary->urgent_flags(0);
  EXPECT_EQ(first.completion(), latest.name());
  EXPECT_EQ(FromProtoTime(first.occur_time()), FromProtoTime(latest.occur_time()));
  EXPECT_THAT(first.reason(), HasSubstr("PHQ-9 item 9"));
  EXPECT_THAT(first.reason(), HasSubstr("answered 2 (\"More than half the days\")"));
  EXPECT_EQ(first.coded_reason().code(), v1::FlagReason::CODE_PHQ9_ITEM_9_ABOVE_THRESHOLD);
  EXPECT_EQ(first.coded_reason().answer(), 2);
  EXPECT_EQ(first.coded_reason().total(), 13);
  EXPECT_EQ(summary->urgent_flags(1).completion(), earlier.name());
  EXPECT_THAT(summary->urgent_flags(1).reason(), HasSubstr("answered 1 (\"Several days\")"));

  ASSERT_THAT(summary->measure_trend(), SizeIs(3));
  EXPECT_EQ(summary->measure_trend(0).total(), 6);
  EXPECT_EQ(summary->measure_trend(2).total(), 13);
  EXPECT_EQ(summary->measure_trend(2).severity(), v1::MeasureResponse::SEVERITY_MODERATE);
}

TEST(ReviewSummaryTest, Gad7TotalsFormATrendWithTheirBandsOldestFirst) {
  v1::Assignment gad7 = Measure("gad7", v1::MEASURE_GAD7);
  v1::Completion before =
      Answered(gad7, 1, absl::CivilSecond(2026, 11, 20, 9, 0, 0), {3, 3, 3, 3, 2, 2, 1});
  v1::Completion after =
      Answered(gad7, 2, absl::CivilSecond(2026, 11, 25, 9, 0, 0), {1, 1, 1, 1, 1, 1, 0});
  auto summary = BuildReviewSummary(Ana(), {gad7}, {after, before}, kSince, kNow);
  ASSERT_THAT(summary, IsOk());
  ASSERT_THAT(summary->measure_trend(), SizeIs(2));
  const v1::MeasurePoint& first = summary->measure_trend(0);
  EXPECT_EQ(first.completion(), before.name());
  EXPECT_EQ(first.measure(), v1::MEASURE_GAD7);
  EXPECT_EQ(first.total(), 17);
  EXPECT_EQ(first.severity(), v1::MeasureResponse::SEVERITY_SEVERE);
  EXPECT_EQ(FromProtoTime(first.occur_time()), FromProtoTime(before.occur_time()));
  EXPECT_EQ(summary->measure_trend(1).total(), 6);
  EXPECT_EQ(summary->measure_trend(1).severity(), v1::MeasureResponse::SEVERITY_MILD);
  EXPECT_THAT(summary->urgent_flags(), IsEmpty());
}

TEST(ReviewSummaryTest, MeasureTotalsCarryReliableChangeFromTheBaselineBeforeThePeriod) {
  v1::Assignment phq9 = Measure("phq9", v1::MEASURE_PHQ9);
  // Baseline 16 and a 13 weeks before; in the period 10 (-6: reliable, still at caseness
  // 10) and 9 (-7 and below 10: reliable recovery; -1 from the previous: no reliable change).
  v1::Completion baseline =
      Answered(phq9, 1, absl::CivilSecond(2026, 10, 1, 9, 0, 0), {2, 2, 2, 2, 2, 2, 2, 2, 0});
  v1::Completion earlier =
      Answered(phq9, 2, absl::CivilSecond(2026, 10, 20, 9, 0, 0), {2, 2, 2, 2, 2, 2, 1, 0, 0});
  v1::Completion at_threshold =
      Answered(phq9, 3, absl::CivilSecond(2026, 11, 20, 9, 0, 0), {2, 2, 2, 2, 2, 0, 0, 0, 0});
  v1::Completion latest =
      Answered(phq9, 4, absl::CivilSecond(2026, 11, 25, 9, 0, 0), {2, 2, 2, 2, 1, 0, 0, 0, 0});
  auto summary = BuildReviewSummary(Ana(), {phq9}, {latest, at_threshold}, kSince, kNow, {},
                                    {earlier, baseline});
  ASSERT_THAT(summary, IsOk());
  ASSERT_THAT(summary->measure_trend(), SizeIs(2));

  const v1::MeasureChange& first = summary->measure_trend(0).change();
  EXPECT_EQ(first.baseline_completion(), baseline.name());
  EXPECT_EQ(first.baseline_total(), 16);
  EXPECT_EQ(first.change_from_baseline(), -6);
  EXPECT_EQ(first.since_baseline(), v1::MeasureChange::RELIABLE_CHANGE_IMPROVEMENT);
  EXPECT_EQ(first.change_from_previous(), -3);
  EXPECT_EQ(first.since_previous(), v1::MeasureChange::RELIABLE_CHANGE_NONE);
  EXPECT_EQ(first.recovery(), v1::MeasureChange::RECOVERY_NOT_RECOVERED);
  EXPECT_EQ(first.reliable_change_threshold(), 6);
  EXPECT_EQ(first.caseness_threshold(), 10);

  const v1::MeasureChange& second = summary->measure_trend(1).change();
  EXPECT_EQ(second.change_from_baseline(), -7);
  EXPECT_EQ(second.change_from_previous(), -1);
  EXPECT_EQ(second.recovery(), v1::MeasureChange::RECOVERY_RELIABLE_RECOVERY);
}

TEST(ReviewSummaryTest, EarlierMeasuresOfTheLast180DaysComeWithTheirChangeFromTheBaseline) {
  v1::Assignment phq9 = Measure("phq9", v1::MEASURE_PHQ9);
  // kNow is 26 Nov 2026: 1 Apr is more than 180 days back (the baseline, not listed), 1 Jun and
  // 20 Oct are within them and before the period, 25 Nov is in the period.
  v1::Completion baseline =
      Answered(phq9, 1, absl::CivilSecond(2026, 4, 1, 9, 0, 0), {2, 2, 2, 2, 2, 2, 2, 2, 0});
  v1::Completion june =
      Answered(phq9, 2, absl::CivilSecond(2026, 6, 1, 9, 0, 0), {2, 2, 2, 2, 2, 2, 1, 0, 0});
  v1::Completion october =
      Answered(phq9, 3, absl::CivilSecond(2026, 10, 20, 9, 0, 0), {2, 2, 2, 2, 1, 0, 0, 0, 0});
  v1::Completion latest =
      Answered(phq9, 4, absl::CivilSecond(2026, 11, 25, 9, 0, 0), {1, 1, 1, 1, 1, 0, 0, 0, 0});
  auto summary =
      BuildReviewSummary(Ana(), {phq9}, {latest}, kSince, kNow, {}, {october, baseline, june});
  ASSERT_THAT(summary, IsOk());

  ASSERT_THAT(summary->earlier_measures(), SizeIs(2));
  const v1::MeasurePoint& first = summary->earlier_measures(0);
  EXPECT_EQ(first.completion(), june.name());
  EXPECT_EQ(first.total(), 13);
  EXPECT_EQ(first.change().baseline_completion(), baseline.name());
  EXPECT_EQ(first.change().change_from_baseline(), -3);
  EXPECT_EQ(first.change().change_from_previous(), -3);
  const v1::MeasurePoint& second = summary->earlier_measures(1);
  EXPECT_EQ(second.completion(), october.name());
  EXPECT_EQ(second.total(), 9);
  EXPECT_EQ(second.severity(), v1::MeasureResponse::SEVERITY_MILD);
  EXPECT_EQ(second.change().change_from_baseline(), -7);
  EXPECT_EQ(second.change().since_baseline(), v1::MeasureChange::RELIABLE_CHANGE_IMPROVEMENT);
  EXPECT_EQ(second.change().recovery(), v1::MeasureChange::RECOVERY_RELIABLE_RECOVERY);
  // The period's own point follows on, reckoned against the same baseline and previous total.
  ASSERT_THAT(summary->measure_trend(), SizeIs(1));
  EXPECT_EQ(summary->measure_trend(0).completion(), latest.name());
  EXPECT_EQ(summary->measure_trend(0).change().change_from_previous(), -4);
  EXPECT_EQ(summary->measure_trend(0).change().baseline_completion(), baseline.name());
}

TEST(ReviewSummaryTest, TheFirstTotalEverIsItsOwnBaselineAndGad7UsesItsOwnThresholds) {
  v1::Assignment gad7 = Measure("gad7", v1::MEASURE_GAD7);
  v1::Completion first =
      Answered(gad7, 1, absl::CivilSecond(2026, 11, 20, 9, 0, 0), {1, 1, 1, 1, 1, 1, 0});
  v1::Completion worse =
      Answered(gad7, 2, absl::CivilSecond(2026, 11, 25, 9, 0, 0), {2, 2, 2, 1, 1, 1, 1});
  auto summary = BuildReviewSummary(Ana(), {gad7}, {worse, first}, kSince, kNow);
  ASSERT_THAT(summary, IsOk());
  ASSERT_THAT(summary->measure_trend(), SizeIs(2));

  const v1::MeasureChange& baseline = summary->measure_trend(0).change();
  EXPECT_EQ(baseline.baseline_completion(), first.name());
  EXPECT_EQ(baseline.change_from_baseline(), 0);
  EXPECT_FALSE(baseline.has_change_from_previous());
  EXPECT_EQ(baseline.since_previous(), v1::MeasureChange::RELIABLE_CHANGE_UNSPECIFIED);
  EXPECT_EQ(baseline.recovery(), v1::MeasureChange::RECOVERY_NOT_AT_CASENESS);  // 6 < 8

  const v1::MeasureChange& later = summary->measure_trend(1).change();
  EXPECT_EQ(later.change_from_baseline(), 4);  // 6 -> 10
  EXPECT_EQ(later.since_baseline(), v1::MeasureChange::RELIABLE_CHANGE_DETERIORATION);
  EXPECT_EQ(later.reliable_change_threshold(), 4);
  EXPECT_EQ(later.caseness_threshold(), 8);
}

TEST(ReviewSummaryTest, APracticeThresholdChangesTheClassification) {
  v1::Assignment gad7 = Measure("gad7", v1::MEASURE_GAD7);
  v1::Completion first =
      Answered(gad7, 1, absl::CivilSecond(2026, 11, 20, 9, 0, 0), {1, 1, 1, 1, 1, 1, 0});
  v1::Completion worse =
      Answered(gad7, 2, absl::CivilSecond(2026, 11, 25, 9, 0, 0), {2, 2, 2, 1, 1, 1, 1});
  clinical::MeasureThresholds practice;
  practice.gad7 = {.reliable_change = 5, .caseness = 10};
  auto summary = BuildReviewSummary(Ana(), {gad7}, {worse, first}, kSince, kNow, {}, {}, practice);
  ASSERT_THAT(summary, IsOk());
  ASSERT_THAT(summary->measure_trend(), SizeIs(2));
  EXPECT_EQ(summary->measure_trend(1).change().since_baseline(),
            v1::MeasureChange::RELIABLE_CHANGE_NONE);
  EXPECT_EQ(summary->measure_trend(1).change().reliable_change_threshold(), 5);
}

}  // namespace
}  // namespace therapy::homework
