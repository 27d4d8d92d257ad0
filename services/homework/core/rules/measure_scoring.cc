#include "services/homework/core/rules/measure_scoring.h"

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "services/homework/core/clinical/measures.h"

namespace therapy::homework {
namespace {

v1::MeasureResponse::Severity ToProto(clinical::Severity band) {
  switch (band) {
    case clinical::Severity::kMinimal:
      return v1::MeasureResponse::SEVERITY_MINIMAL;
    case clinical::Severity::kMild:
      return v1::MeasureResponse::SEVERITY_MILD;
    case clinical::Severity::kModerate:
      return v1::MeasureResponse::SEVERITY_MODERATE;
    case clinical::Severity::kModeratelySevere:
      return v1::MeasureResponse::SEVERITY_MODERATELY_SEVERE;
    case clinical::Severity::kSevere:
      return v1::MeasureResponse::SEVERITY_SEVERE;
  }
  return v1::MeasureResponse::SEVERITY_UNSPECIFIED;
}

}  // namespace

int MeasureItemCount(v1::Measure measure) {
  switch (measure) {
    case v1::MEASURE_PHQ9:
      return static_cast<int>(clinical::kPhq9Items.size());
    case v1::MEASURE_GAD7:
      return static_cast<int>(clinical::kGad7Items.size());
    default:
      return 0;
  }
}

std::string MeasureDisplayName(v1::Measure measure) {
  switch (measure) {
    case v1::MEASURE_PHQ9:
      return "PHQ-9";
    case v1::MEASURE_GAD7:
      return "GAD-7";
    default:
      return v1::Measure_Name(measure);
  }
}

absl::Status ScoreMeasureResponse(v1::Measure measure, v1::MeasureResponse& response) {
  const absl::Span<const int> items(response.item_scores().data(),
                                    static_cast<size_t>(response.item_scores_size()));
  absl::StatusOr<clinical::MeasureScore> score;
  switch (measure) {
    case v1::MEASURE_PHQ9:
      score = clinical::ScorePhq9(items);
      break;
    case v1::MEASURE_GAD7:
      score = clinical::ScoreGad7(items);
      break;
    default:
      return absl::FailedPreconditionError(absl::StrCat(
          "the assignment names no known outcome measure (", v1::Measure_Name(measure), ")"));
  }
  if (!score.ok()) return score.status();
  response.set_measure(measure);
  response.set_total(score->total);
  response.set_severity(ToProto(score->band));
  response.set_loinc(score->loinc);
  response.set_urgent(score->urgent);
  return absl::OkStatus();
}

}  // namespace therapy::homework
