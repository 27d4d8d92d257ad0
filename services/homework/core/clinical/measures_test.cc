#include "services/homework/core/clinical/measures.h"

#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/status_matchers.h"

namespace therapy::homework::clinical {
namespace {

using ::testing::HasSubstr;
using ::therapy::homework::testing::IsOk;
using ::therapy::homework::testing::StatusIs;

MeasureScore Phq9(const std::vector<int>& items) {
  absl::StatusOr<MeasureScore> score = ScorePhq9(items);
  EXPECT_THAT(score, IsOk());
  return score.ok() ? *score : MeasureScore{};
}

MeasureScore Gad7(const std::vector<int>& items) {
  absl::StatusOr<MeasureScore> score = ScoreGad7(items);
  EXPECT_THAT(score, IsOk());
  return score.ok() ? *score : MeasureScore{};
}

// --- PHQ-9 ----------------------------------------------------------------------------------

TEST(MeasuresTest, Phq9TotalIsTheSumOfTheNineAnswers) {
  const MeasureScore score = Phq9({1, 2, 0, 3, 1, 0, 2, 1, 0});

  EXPECT_EQ(score.total, 10);
  EXPECT_EQ(score.loinc, "44261-6");
}

TEST(MeasuresTest, Phq9BandsFollowTheStandardCutPoints) {
  struct Case {
    std::vector<int> items;
    int total;
    Severity band;
  };
  const std::vector<Case> cases = {
      {{0, 0, 0, 0, 0, 0, 0, 0, 0}, 0, Severity::kMinimal},
      {{1, 1, 1, 1, 0, 0, 0, 0, 0}, 4, Severity::kMinimal},
      {{1, 1, 1, 1, 1, 0, 0, 0, 0}, 5, Severity::kMild},
      {{3, 3, 3, 0, 0, 0, 0, 0, 0}, 9, Severity::kMild},
      {{3, 3, 3, 1, 0, 0, 0, 0, 0}, 10, Severity::kModerate},
      {{3, 3, 3, 3, 2, 0, 0, 0, 0}, 14, Severity::kModerate},
      {{3, 3, 3, 3, 3, 0, 0, 0, 0}, 15, Severity::kModeratelySevere},
      {{3, 3, 3, 3, 3, 3, 1, 0, 0}, 19, Severity::kModeratelySevere},
      {{3, 3, 3, 3, 3, 3, 2, 0, 0}, 20, Severity::kSevere},
      {{3, 3, 3, 3, 3, 3, 3, 3, 3}, 27, Severity::kSevere},
  };
  for (const Case& c : cases) {
    const MeasureScore score = Phq9(c.items);
    EXPECT_EQ(score.total, c.total);
    EXPECT_EQ(score.band, c.band) << "total " << c.total;
  }
}

TEST(MeasuresTest, Phq9ItemNineAboveZeroIsUrgentEvenWithAMinimalTotal) {
  const MeasureScore score = Phq9({0, 0, 0, 0, 0, 0, 0, 0, 1});

  EXPECT_EQ(score.band, Severity::kMinimal);
  EXPECT_TRUE(score.urgent);
}

TEST(MeasuresTest, Phq9ItemNineAtZeroIsNotUrgentEvenWithASevereTotal) {
  const MeasureScore score = Phq9({3, 3, 3, 3, 3, 3, 3, 3, 0});

  EXPECT_EQ(score.band, Severity::kSevere);
  EXPECT_FALSE(score.urgent);
}

TEST(MeasuresTest, Phq9WithTheWrongNumberOfAnswersIsInvalidArgument) {
  const absl::StatusOr<MeasureScore> score = ScorePhq9(std::vector<int>{0, 0, 0, 0, 0, 0, 0, 0});

  EXPECT_THAT(score, StatusIs(absl::StatusCode::kInvalidArgument,
                              HasSubstr("items must have 9 answers, got 8")));
}

TEST(MeasuresTest, Phq9AnswerOutOfRangeIsInvalidArgumentNamingTheItem) {
  const absl::StatusOr<MeasureScore> too_high =
      ScorePhq9(std::vector<int>{0, 0, 0, 4, 0, 0, 0, 0, 0});
  const absl::StatusOr<MeasureScore> negative =
      ScorePhq9(std::vector<int>{0, 0, 0, 0, 0, 0, 0, 0, -1});

  EXPECT_THAT(too_high, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("items[3]")));
  EXPECT_THAT(negative.status().message(), HasSubstr("items[8]"));
}

// --- GAD-7 ----------------------------------------------------------------------------------

TEST(MeasuresTest, Gad7BandsFollowTheStandardCutPointsWithoutAModeratelySevereBand) {
  struct Case {
    std::vector<int> items;
    int total;
    Severity band;
  };
  const std::vector<Case> cases = {
      {{0, 0, 0, 0, 0, 0, 0}, 0, Severity::kMinimal},
      {{1, 1, 1, 1, 0, 0, 0}, 4, Severity::kMinimal},
      {{1, 1, 1, 1, 1, 0, 0}, 5, Severity::kMild},
      {{3, 3, 3, 0, 0, 0, 0}, 9, Severity::kMild},
      {{3, 3, 3, 1, 0, 0, 0}, 10, Severity::kModerate},
      {{3, 3, 3, 3, 2, 0, 0}, 14, Severity::kModerate},
      {{3, 3, 3, 3, 3, 0, 0}, 15, Severity::kSevere},
      {{3, 3, 3, 3, 3, 3, 3}, 21, Severity::kSevere},
  };
  for (const Case& c : cases) {
    const MeasureScore score = Gad7(c.items);
    EXPECT_EQ(score.total, c.total);
    EXPECT_EQ(score.band, c.band) << "total " << c.total;
    EXPECT_EQ(score.loinc, "70274-6");
  }
}

TEST(MeasuresTest, Gad7IsNeverUrgent) { EXPECT_FALSE(Gad7({3, 3, 3, 3, 3, 3, 3}).urgent); }

TEST(MeasuresTest, Gad7WithTheWrongNumberOfAnswersOrAnAnswerOutOfRangeIsInvalidArgument) {
  const absl::StatusOr<MeasureScore> nine = ScoreGad7(std::vector<int>{0, 0, 0, 0, 0, 0, 0, 0, 0});
  const absl::StatusOr<MeasureScore> out_of_range =
      ScoreGad7(std::vector<int>{0, 5, 0, 0, 0, 0, 0});

  EXPECT_THAT(nine, StatusIs(absl::StatusCode::kInvalidArgument,
                             HasSubstr("items must have 7 answers, got 9")));
  EXPECT_THAT(out_of_range.status().message(), HasSubstr("items[1] must be 0-3, got 5"));
}

// --- The forms ------------------------------------------------------------------------------

TEST(MeasuresTest, FormsCarryTheStandardItemWording) {
  EXPECT_EQ(kPhq9Items.size(), 9u);
  EXPECT_EQ(kPhq9Items[0], "Little interest or pleasure in doing things");
  EXPECT_EQ(kPhq9Items[8],
            "Thoughts that you would be better off dead or of hurting yourself in some way");
  EXPECT_EQ(kGad7Items.size(), 7u);
  EXPECT_EQ(kGad7Items[1], "Not being able to stop or control worrying");
  EXPECT_EQ(kFrequencyAnswers[2], "More than half the days");
  EXPECT_EQ(SeverityName(Severity::kModeratelySevere), "moderately severe");
}

}  // namespace
}  // namespace therapy::homework::clinical
