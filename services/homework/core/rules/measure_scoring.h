#ifndef SERVICES_HOMEWORK_CORE_RULES_MEASURE_SCORING_H_
#define SERVICES_HOMEWORK_CORE_RULES_MEASURE_SCORING_H_

// Outcome measure answers (PHQ-9, GAD-7) as the API carries them, scored with the clinical
// rules of clinical/measures.h. Pure functions, safe from any thread. Scores are clinical
// content: show them to the care team, never log them.

#include <string>

#include "absl/status/status.h"
#include "therapy/homework/v1/assignment.pb.h"
#include "therapy/homework/v1/completion.pb.h"

namespace therapy::homework {

// How many items a measure has: 9 for PHQ-9, 7 for GAD-7, 0 for an unknown measure.
int MeasureItemCount(v1::Measure measure);

// "PHQ-9", "GAD-7", or the enum name for anything else.
std::string MeasureDisplayName(v1::Measure measure);

// Fills the output-only fields of `response` (measure, total, severity, loinc, urgent) from its
// `item_scores`, overwriting whatever was there. Errors: FAILED_PRECONDITION for an unknown
// measure (the assignment names none); INVALID_ARGUMENT when the answers do not fit the
// measure (validation catches this first). On error `response` is left unchanged.
absl::Status ScoreMeasureResponse(v1::Measure measure, v1::MeasureResponse& response);

}  // namespace therapy::homework

#endif  // SERVICES_HOMEWORK_CORE_RULES_MEASURE_SCORING_H_
