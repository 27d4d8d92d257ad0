#include "services/homework/core/clinical/reliable_change.h"

#include <vector>

#include "gtest/gtest.h"

namespace therapy::homework::clinical {
namespace {

struct ChangeCase {
  int from;
  int to;
  ReliableChange expected;
};

// PHQ-9: 6 points is reliable, 5 is not, in both directions.
TEST(ReliableChangeTest, Phq9ChangeOfSixIsReliableAndFiveIsNot) {
  const std::vector<ChangeCase> cases = {
      {18, 12, ReliableChange::kReliableImprovement},    // -6: at the threshold
      {18, 11, ReliableChange::kReliableImprovement},    // -7
      {18, 13, ReliableChange::kNoReliableChange},       // -5: just below
      {18, 18, ReliableChange::kNoReliableChange},       //  0
      {10, 15, ReliableChange::kNoReliableChange},       // +5
      {10, 16, ReliableChange::kReliableDeterioration},  // +6
      {0, 27, ReliableChange::kReliableDeterioration},   // the whole range
  };
  for (const ChangeCase& c : cases) {
    EXPECT_EQ(ClassifyChange(kPhq9ChangeDefaults, c.from, c.to), c.expected)
        << c.from << " -> " << c.to;
  }
}

// GAD-7: 4 points is reliable, 3 is not.
TEST(ReliableChangeTest, Gad7ChangeOfFourIsReliableAndThreeIsNot) {
  const std::vector<ChangeCase> cases = {
      {15, 11, ReliableChange::kReliableImprovement},   // -4
      {15, 12, ReliableChange::kNoReliableChange},      // -3
      {6, 9, ReliableChange::kNoReliableChange},        // +3
      {6, 10, ReliableChange::kReliableDeterioration},  // +4
  };
  for (const ChangeCase& c : cases) {
    EXPECT_EQ(ClassifyChange(kGad7ChangeDefaults, c.from, c.to), c.expected)
        << c.from << " -> " << c.to;
  }
}

TEST(ReliableChangeTest, APracticeThresholdReplacesTheDefault) {
  const ChangeThresholds stricter{.reliable_change = 8, .caseness = 10};

  EXPECT_EQ(ClassifyChange(stricter, 18, 11), ReliableChange::kNoReliableChange);     // -7
  EXPECT_EQ(ClassifyChange(stricter, 18, 10), ReliableChange::kReliableImprovement);  // -8
}

TEST(ReliableChangeTest, AThresholdBelowOneCountsAsOne) {
  const ChangeThresholds broken{.reliable_change = 0, .caseness = 10};

  EXPECT_EQ(ClassifyChange(broken, 10, 10), ReliableChange::kNoReliableChange);
  EXPECT_EQ(ClassifyChange(broken, 10, 9), ReliableChange::kReliableImprovement);
}

struct RecoveryCase {
  int baseline;
  int current;
  Recovery expected;
};

TEST(ReliableChangeTest, Phq9RecoveryNeedsCasenessAtBaselineAndBelowItNow) {
  const std::vector<RecoveryCase> cases = {
      {9, 2, Recovery::kNotAtCaseness},      // baseline just below caseness 10
      {10, 10, Recovery::kNotRecovered},     // still at the cut-off
      {10, 9, Recovery::kRecovered},         // below it, 1-point change: not reliable
      {14, 9, Recovery::kRecovered},         // -5: not reliable
      {15, 9, Recovery::kReliableRecovery},  // -6 and below caseness
      {20, 11, Recovery::kNotRecovered},     // reliable improvement but still at caseness
  };
  for (const RecoveryCase& c : cases) {
    EXPECT_EQ(ClassifyRecovery(kPhq9ChangeDefaults, c.baseline, c.current), c.expected)
        << c.baseline << " -> " << c.current;
  }
}

TEST(ReliableChangeTest, Gad7RecoveryUsesCasenessEight) {
  const std::vector<RecoveryCase> cases = {
      {7, 0, Recovery::kNotAtCaseness}, {8, 8, Recovery::kNotRecovered},
      {8, 7, Recovery::kRecovered},     {11, 7, Recovery::kReliableRecovery},  // -4 and below 8
      {10, 7, Recovery::kRecovered},                                           // -3
  };
  for (const RecoveryCase& c : cases) {
    EXPECT_EQ(ClassifyRecovery(kGad7ChangeDefaults, c.baseline, c.current), c.expected)
        << c.baseline << " -> " << c.current;
  }
}

TEST(ReliableChangeTest, AssessChangeComparesWithBaselineAndPrevious) {
  // PHQ-9 18 at baseline, 14 last time, 11 now: -7 from baseline is reliable; -3 from the
  // previous is not; still at caseness.
  const MeasureChange change = AssessChange(kPhq9ChangeDefaults, 18, 14, 11);

  EXPECT_EQ(change.baseline, 18);
  EXPECT_EQ(change.from_baseline, -7);
  EXPECT_EQ(change.since_baseline, ReliableChange::kReliableImprovement);
  ASSERT_TRUE(change.from_previous.has_value());
  EXPECT_EQ(*change.from_previous, -3);
  EXPECT_EQ(change.since_previous, ReliableChange::kNoReliableChange);
  EXPECT_EQ(change.recovery, Recovery::kNotRecovered);
}

TEST(ReliableChangeTest, TheFirstScoreHasNoPreviousAndNoChange) {
  const MeasureChange change = AssessChange(kGad7ChangeDefaults, 12, std::nullopt, 12);

  EXPECT_EQ(change.from_baseline, 0);
  EXPECT_EQ(change.since_baseline, ReliableChange::kNoReliableChange);
  EXPECT_FALSE(change.from_previous.has_value());
  EXPECT_FALSE(change.since_previous.has_value());
  EXPECT_EQ(change.recovery, Recovery::kNotRecovered);
}

TEST(ReliableChangeTest, NamesAreThePlainWordsTheTherapistReads) {
  EXPECT_EQ(ReliableChangeName(ReliableChange::kReliableDeterioration), "reliable deterioration");
  EXPECT_EQ(RecoveryName(Recovery::kReliableRecovery), "reliably recovered");
}

}  // namespace
}  // namespace therapy::homework::clinical
