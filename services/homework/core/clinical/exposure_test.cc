#include "services/homework/core/clinical/exposure.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/homework/core/model/proto_time.h"
#include "testing/status_matchers.h"

namespace therapy::homework::clinical {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Optional;
using ::therapy::homework::testing::IsOk;
using ::therapy::homework::testing::StatusIs;
using Kind = Suggestion::Kind;
using Status = v1::Completion::Status;

constexpr Status kDone = v1::Completion::STATUS_DONE;
constexpr Status kPartial = v1::Completion::STATUS_PARTIAL;
constexpr Status kSkipped = v1::Completion::STATUS_SKIPPED;

// Practices of "say hello to a cashier", one a day from 2026-05-04.
class Step {
 public:
  // An exposure practice with SUDS before, peak and after.
  Step& Practice(int before, int peak, int after, Status status = kDone) {
    v1::Completion& c = Next(status);
    c.mutable_suds()->set_before(before);
    c.mutable_suds()->set_peak(peak);
    c.mutable_suds()->set_after(after);
    return *this;
  }
  // A practice with expectancy of the feared outcome ("the cashier will laugh at me").
  Step& Expecting(int expectancy_before, bool feared_outcome_occurred, Status status = kDone) {
    v1::Completion& c = Next(status);
    c.mutable_expectancy()->set_before(expectancy_before);
    c.mutable_expectancy()->set_feared_outcome_occurred(feared_outcome_occurred);
    return *this;
  }
  Step& Skipped(std::string reason) {
    Next(kSkipped).set_skip_reason(std::move(reason));
    return *this;
  }
  const std::vector<v1::Completion>& completions() const { return completions_; }

 private:
  v1::Completion& Next(Status status) {
    v1::Completion& c = completions_.emplace_back();
    c.set_name(absl::StrCat("completions/", completions_.size()));
    *c.mutable_occur_time() =
        ToProtoTime(absl::FromUnixSeconds(1777874400) +  // 2026-05-04 08:00 in Berlin.
                    absl::Hours(24) * static_cast<int64_t>(completions_.size() - 1));
    c.set_occur_time_zone("Europe/Berlin");
    c.set_status(status);
    return c;
  }
  std::vector<v1::Completion> completions_;
};

Suggestion Suggest(const std::vector<v1::Completion>& completions,
                   const ProgressionPolicy& policy = {}) {
  absl::StatusOr<Suggestion> suggestion = SuggestProgression(policy, completions);
  EXPECT_THAT(suggestion, IsOk());
  return suggestion.ok() ? *suggestion : Suggestion{};
}

ProgressionPolicy Expectancy() {
  ProgressionPolicy policy;
  policy.mode = ProgressionPolicy::Mode::kExpectancy;
  return policy;
}

std::vector<std::string> EvidenceNames(const Suggestion& suggestion) {
  std::vector<std::string> names;
  for (const PracticeEvidence& e : suggestion.evidence) names.push_back(e.completion_name);
  return names;
}

// --- Habituation mode [Foa et al., Prolonged Exposure] -----------------------------------------

TEST(ExposureTest, AdvanceSuggestedAfterTwoConsecutiveFiftyPercentDrops) {
  const Step step = Step().Practice(70, 85, 60).Practice(70, 90, 40).Practice(60, 80, 35);

  const Suggestion suggestion = Suggest(step.completions());

  EXPECT_EQ(suggestion.kind, Kind::kAdvance);
  EXPECT_THAT(suggestion.reason, HasSubstr("50%"));
  EXPECT_THAT(EvidenceNames(suggestion), ElementsAre("completions/2", "completions/3"));
  EXPECT_THAT(suggestion.evidence[0].suds_peak, Optional(90));
  EXPECT_THAT(suggestion.evidence[0].suds_after, Optional(40));
}

TEST(ExposureTest, DropOfExactlyFiftyPercentCounts) {
  const Step step = Step().Practice(60, 80, 40).Practice(60, 80, 40);

  EXPECT_EQ(Suggest(step.completions()).kind, Kind::kAdvance);
}

TEST(ExposureTest, RepeatWhenOnlyOneOfTheLastTwoPracticesDroppedFiftyPercent) {
  const Step step = Step().Practice(70, 90, 40).Practice(65, 80, 50);  // 55%, then 37%.

  const Suggestion suggestion = Suggest(step.completions());

  EXPECT_EQ(suggestion.kind, Kind::kRepeat);
  EXPECT_THAT(suggestion.reason, HasSubstr("1 of the last 2"));
}

TEST(ExposureTest, EarlierDropsDoNotCountWhenTheLatestPracticeDidNotDrop) {
  const Step step = Step().Practice(70, 90, 40).Practice(70, 90, 40).Practice(70, 85, 70);

  EXPECT_EQ(Suggest(step.completions()).kind, Kind::kRepeat);
}

TEST(ExposureTest, OnlyFullPracticesCanEarnAnAdvanceByDrop) {
  // Left early twice: the drop of a partial practice shows no habituation.
  const Step partial = Step().Practice(70, 80, 35, kPartial).Practice(70, 80, 35, kPartial);
  const Step done = Step().Practice(70, 80, 35).Practice(70, 80, 35);

  EXPECT_EQ(Suggest(partial.completions()).kind, Kind::kRepeat);
  EXPECT_EQ(Suggest(done.completions()).kind, Kind::kAdvance);
}

TEST(ExposureTest, AdvanceSuggestedWhenAPracticeStartsAtOrBelowForty) {
  const Step at_forty = Step().Practice(75, 85, 70).Practice(40, 60, 55);
  const Step at_forty_one = Step().Practice(75, 85, 70).Practice(41, 60, 55);

  const Suggestion suggestion = Suggest(at_forty.completions());
  EXPECT_EQ(suggestion.kind, Kind::kAdvance);
  EXPECT_THAT(suggestion.reason, HasSubstr("started at SUDS 40"));
  EXPECT_THAT(EvidenceNames(suggestion), ElementsAre("completions/2"));
  EXPECT_EQ(Suggest(at_forty_one.completions()).kind, Kind::kRepeat);
}

TEST(ExposureTest, ThresholdsComeFromThePolicy) {
  const Step step = Step().Practice(70, 90, 40).Practice(60, 80, 35);  // 55%, 56%.
  ProgressionPolicy stricter;
  stricter.drop_percent = 60;
  ProgressionPolicy three_in_a_row;
  three_in_a_row.consecutive = 3;

  EXPECT_EQ(Suggest(step.completions()).kind, Kind::kAdvance);
  EXPECT_EQ(Suggest(step.completions(), stricter).kind, Kind::kRepeat);
  EXPECT_EQ(Suggest(step.completions(), three_in_a_row).kind, Kind::kRepeat);
}

TEST(ExposureTest, CompletionsAreTakenInTimeOrderWhateverTheInputOrder) {
  const Step step = Step().Practice(70, 90, 40).Practice(70, 90, 40).Practice(70, 85, 70);
  std::vector<v1::Completion> shuffled = step.completions();
  std::reverse(shuffled.begin(), shuffled.end());

  // In time order the latest practice did not drop: repeat, not advance.
  EXPECT_EQ(Suggest(shuffled).kind, Kind::kRepeat);
}

TEST(ExposureTest, NoPracticeYetSuggestsRepeat) {
  const Suggestion suggestion = Suggest({});

  EXPECT_EQ(suggestion.kind, Kind::kRepeat);
  EXPECT_THAT(suggestion.reason, HasSubstr("no practice"));
}

TEST(ExposureTest, ReasonSaysTheTherapistDecides) {
  const Step step = Step().Practice(70, 90, 40).Practice(60, 80, 35);

  EXPECT_THAT(Suggest(step.completions()).reason, HasSubstr("The therapist decides."));
}

// --- Stepping back --------------------------------------------------------------------------

TEST(ExposureTest, StepBackSuggestedWhenThePeakStaysAtNinetyOrAboveOnTheLastTwoPractices) {
  const Step step = Step().Practice(80, 95, 90).Practice(85, 90, 88);

  const Suggestion suggestion = Suggest(step.completions());

  EXPECT_EQ(suggestion.kind, Kind::kStepBack);
  EXPECT_THAT(suggestion.reason, HasSubstr("peaks 95, 90"));
  EXPECT_EQ(suggestion.evidence.size(), 2u);
}

TEST(ExposureTest, OneHighPeakIsNotEnoughToStepBack) {
  const Step step = Step().Practice(70, 80, 60).Practice(80, 95, 85);

  EXPECT_EQ(Suggest(step.completions()).kind, Kind::kRepeat);
}

TEST(ExposureTest, HighPeaksOnPartialPracticesAlsoSuggestSteppingBack) {
  const Step step = Step().Practice(80, 98, 95, kPartial).Practice(85, 100, 95, kPartial);

  EXPECT_EQ(Suggest(step.completions()).kind, Kind::kStepBack);
}

TEST(ExposureTest, SteppingBackWinsOverAnAdvanceRuleThatAlsoHolds) {
  // Peaks at 95 and 92 with drops over 50%: the step is still too hot to advance from.
  const Step step = Step().Practice(85, 95, 40).Practice(85, 92, 40);

  EXPECT_EQ(Suggest(step.completions()).kind, Kind::kStepBack);
}

TEST(ExposureTest, StepBackSuggestedWhenTheClientSkipsCitingOverwhelm) {
  const Step step = Step().Practice(70, 85, 60).Skipped("Felt OVERWHELMED at the door");

  const Suggestion suggestion = Suggest(step.completions());

  EXPECT_EQ(suggestion.kind, Kind::kStepBack);
  EXPECT_THAT(suggestion.reason, HasSubstr("overwhelm"));
  ASSERT_EQ(suggestion.evidence.size(), 1u);
  EXPECT_EQ(suggestion.evidence[0].skip_reason, "Felt OVERWHELMED at the door");
}

TEST(ExposureTest, OverwhelmSkipIsSupersededByALaterFullPractice) {
  const Step step = Step().Skipped("overwhelming day").Practice(70, 85, 60);

  EXPECT_EQ(Suggest(step.completions()).kind, Kind::kRepeat);
}

TEST(ExposureTest, SkipForAnotherReasonDoesNotSuggestSteppingBack) {
  const Step step = Step().Practice(70, 85, 60).Skipped("Shop was closed");

  EXPECT_EQ(Suggest(step.completions()).kind, Kind::kRepeat);
}

TEST(ExposureTest, OverwhelmWordsComeFromThePolicy) {
  const Step step = Step().Practice(70, 85, 60).Skipped("Too much, I panicked");
  ProgressionPolicy policy;
  policy.overwhelm_words = {"overwhelm", "panic"};

  EXPECT_EQ(Suggest(step.completions()).kind, Kind::kRepeat);
  EXPECT_EQ(Suggest(step.completions(), policy).kind, Kind::kStepBack);
}

// --- Expectancy mode [Craske 2008, 2014] ----------------------------------------------------

TEST(ExposureTest, ExpectancyModeAdvancesAfterExpectancyViolationOnTheLastTwoPractices) {
  const Step step = Step().Expecting(80, true).Expecting(70, false).Expecting(60, false);

  const Suggestion suggestion = Suggest(step.completions(), Expectancy());

  EXPECT_EQ(suggestion.kind, Kind::kAdvance);
  EXPECT_THAT(suggestion.reason, HasSubstr("expectancy violated"));
  EXPECT_THAT(EvidenceNames(suggestion), ElementsAre("completions/2", "completions/3"));
  EXPECT_THAT(suggestion.evidence[1].feared_outcome_occurred, Optional(false));
}

TEST(ExposureTest, ExpectancyModeIgnoresSudsDrops) {
  const Step step = Step().Practice(70, 90, 40).Practice(60, 80, 35);

  EXPECT_EQ(Suggest(step.completions(), Expectancy()).kind, Kind::kRepeat);
}

TEST(ExposureTest, ExpectancyModeRepeatsWhenTheFearedOutcomeOccurred) {
  const Step step = Step().Expecting(80, false).Expecting(75, false).Expecting(70, true);

  const Suggestion suggestion = Suggest(step.completions(), Expectancy());

  EXPECT_EQ(suggestion.kind, Kind::kRepeat);
  EXPECT_THAT(suggestion.reason, HasSubstr("feared outcome occurred"));
}

TEST(ExposureTest, LowExpectancyThatDoesNotOccurIsNotAViolation) {
  const Step step = Step().Expecting(30, false).Expecting(30, false);

  EXPECT_EQ(Suggest(step.completions(), Expectancy()).kind, Kind::kRepeat);
}

TEST(ExposureTest, ExpectancyModeAdvancesWhenLittleExpectancyIsLeftToViolate) {
  const Step step = Step().Expecting(30, false).Expecting(15, false);

  const Suggestion suggestion = Suggest(step.completions(), Expectancy());

  EXPECT_EQ(suggestion.kind, Kind::kAdvance);
  EXPECT_THAT(suggestion.reason, HasSubstr("15%"));
}

TEST(ExposureTest, ExpectancyModeStillStepsBackOnOverwhelm) {
  const Step step = Step().Expecting(80, false).Expecting(80, false).Skipped("overwhelmed");

  EXPECT_EQ(Suggest(step.completions(), Expectancy()).kind, Kind::kStepBack);
}

// --- Policy ------------------------------------------------------------------------------------

TEST(ExposureTest, PolicyOutOfRangeIsInvalidArgumentNamingTheField) {
  ProgressionPolicy policy;
  policy.drop_percent = 0;

  const absl::StatusOr<Suggestion> suggestion = SuggestProgression(policy, {});

  EXPECT_THAT(suggestion,
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("policy.drop_percent")));
}

}  // namespace
}  // namespace therapy::homework::clinical
