#ifndef SERVICES_HOMEWORK_CORE_RULES_ATTENTION_H_
#define SERVICES_HOMEWORK_CORE_RULES_ATTENTION_H_

// Who on a therapist's caseload needs attention now, and why: the rules of the clinical model's
// "off track" list, each with the numbers behind it. It suggests; the therapist decides; nothing
// is done automatically. Pure: no I/O, no clock of its own. The reasons are clinical content.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/homework/core/clinical/reliable_change.h"
#include "therapy/homework/v1/assignment.pb.h"
#include "therapy/homework/v1/client.pb.h"
#include "therapy/homework/v1/completion.pb.h"
#include "therapy/homework/v1/safety_flag.pb.h"

namespace therapy::homework {

// The clinical model's defaults; each configurable per practice (PracticePolicy).
struct AttentionThresholds {
  // At caseness at baseline and no reliable improvement this long after the baseline.
  absl::Duration no_improvement_after = absl::Hours(24 * 7 * 6);
  // Homework below `low_adherence_ratio` of plan over the last `adherence_window`.
  absl::Duration adherence_window = absl::Hours(24 * 14);
  double low_adherence_ratio = 0.5;
  // An exposure practice not practised for this long.
  absl::Duration exposure_idle = absl::Hours(24 * 14);
  // `high_peak_count` practices with a SUDS peak at or above `high_peak` within
  // `adherence_window`.
  int high_peak = 90;
  int high_peak_count = 2;
  // The same skip reason `repeated_skip_count` times within `adherence_window`.
  int repeated_skip_count = 3;
  // Nothing recorded since the last session, once it is this long ago.
  absl::Duration quiet_after_session = absl::Hours(24 * 3);
};

// Why a client needs attention, most urgent first (the enum order is the urgency order).
enum class AttentionKind {
  kFlagEscalated,          // an urgent flag escalated and not resolved
  kFlagOpen,               // an urgent flag nobody has acknowledged yet
  kReliableDeterioration,  // the latest measure total reliably worse than the baseline
  kRepeatedHighPeak,       // SUDS peaks at or above the limit on repeated practices
  kNoReliableImprovement,  // at caseness, no reliable improvement after the practice's weeks
  kLowAdherence,           // homework below half of plan
  kExposureNotPractised,   // an exposure step not practised for two weeks
  kRepeatedSkipReason,     // the same skip reason again and again
  kNothingSinceSession,    // nothing recorded since the last session
  kMeasureOverdue,         // a PHQ-9 / GAD-7 not answered in its window
};

struct AttentionReason {
  AttentionKind kind;
  // What to look at, in plain words with the numbers.
  std::string detail;
  // The resource it concerns (flag, assignment, completion), or empty for the client as a whole.
  std::string resource;
  // The figure behind it and the threshold it was compared with (0 where none applies).
  double value = 0;
  double threshold = 0;
};

// What the rules read for one client. `completions` are the client's completions with
// occur_time in [now - lookback, now), where lookback covers every window above, plus every
// outcome-measure completion ever (the baseline); any order. `flags` are its flags that are not
// resolved. `assignments` are its active assignments.
struct AttentionInput {
  v1::Client client;
  std::vector<v1::Assignment> assignments;
  std::vector<v1::Completion> completions;
  std::vector<v1::SafetyFlag> flags;
};

// The reasons `input`'s client needs attention at `now`, most urgent first; empty when none.
// Errors: FAILED_PRECONDITION when the client's stored time zone is unusable.
// `measures` are the practice's reliable change thresholds and caseness cut-offs.
absl::StatusOr<std::vector<AttentionReason>> AttentionReasons(
    const AttentionInput& input, const clinical::MeasureThresholds& measures,
    const AttentionThresholds& limits, absl::Time now);

// How far back AttentionInput::completions must reach (besides the measures).
absl::Duration AttentionLookback(const AttentionThresholds& limits);

}  // namespace therapy::homework

#endif  // SERVICES_HOMEWORK_CORE_RULES_ATTENTION_H_
