#include "services/homework/core/clinical/measures.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace therapy::homework::clinical {
namespace {

// The sum of `expected` answers, each 0-3.
absl::StatusOr<int> Total(absl::Span<const int> items, size_t expected) {
  if (items.size() != expected) {
    return absl::InvalidArgumentError(
        absl::StrCat("items must have ", expected, " answers, got ", items.size()));
  }
  int total = 0;
  for (size_t i = 0; i < items.size(); ++i) {
    if (items[i] < 0 || items[i] > 3) {
      return absl::InvalidArgumentError(absl::StrCat("items[", i, "] must be 0-3, got ", items[i]));
    }
    total += items[i];
  }
  return total;
}

}  // namespace

absl::string_view SeverityName(Severity severity) {
  switch (severity) {
    case Severity::kMinimal:
      return "minimal";
    case Severity::kMild:
      return "mild";
    case Severity::kModerate:
      return "moderate";
    case Severity::kModeratelySevere:
      return "moderately severe";
    case Severity::kSevere:
      return "severe";
  }
  return "unknown";
}

absl::StatusOr<MeasureScore> ScorePhq9(absl::Span<const int> items) {
  absl::StatusOr<int> total = Total(items, kPhq9Items.size());
  if (!total.ok()) return total.status();
  MeasureScore score;
  score.total = *total;
  score.loinc = std::string(kPhq9TotalLoinc);
  if (*total >= 20) {
    score.band = Severity::kSevere;
  } else if (*total >= 15) {
    score.band = Severity::kModeratelySevere;
  } else if (*total >= 10) {
    score.band = Severity::kModerate;
  } else if (*total >= 5) {
    score.band = Severity::kMild;
  } else {
    score.band = Severity::kMinimal;
  }
  score.urgent = items[kPhq9RiskItem - 1] > kPhq9RiskAnswerAbove;
  return score;
}

absl::StatusOr<MeasureScore> ScoreGad7(absl::Span<const int> items) {
  absl::StatusOr<int> total = Total(items, kGad7Items.size());
  if (!total.ok()) return total.status();
  MeasureScore score;
  score.total = *total;
  score.loinc = std::string(kGad7TotalLoinc);
  if (*total >= 15) {
    score.band = Severity::kSevere;
  } else if (*total >= 10) {
    score.band = Severity::kModerate;
  } else if (*total >= 5) {
    score.band = Severity::kMild;
  } else {
    score.band = Severity::kMinimal;
  }
  return score;
}

}  // namespace therapy::homework::clinical
