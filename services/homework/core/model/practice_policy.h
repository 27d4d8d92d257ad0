#ifndef SERVICES_HOMEWORK_CORE_MODEL_PRACTICE_POLICY_H_
#define SERVICES_HOMEWORK_CORE_MODEL_PRACTICE_POLICY_H_

// The clinical choices a practice may set for itself. Every default is the clinical model's
// (../shared clinical model: measurement-based care and safety); the composition root decides
// where a practice's own values come from and hands them to Homework through HomeworkOptions.

#include "absl/time/time.h"
#include "services/homework/core/clinical/reliable_change.h"
#include "services/homework/core/rules/attention.h"

namespace therapy::homework {

struct PracticePolicy {
  // Reliable change thresholds and caseness cut-offs of PHQ-9 and GAD-7.
  clinical::MeasureThresholds measures;
  // An urgent flag not acknowledged within this time escalates to the platform's on-call route.
  absl::Duration flag_escalation_after = absl::Minutes(60);
  // The attention list's rules (attention.h).
  AttentionThresholds attention;
};

}  // namespace therapy::homework

#endif  // SERVICES_HOMEWORK_CORE_MODEL_PRACTICE_POLICY_H_
