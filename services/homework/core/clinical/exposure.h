#ifndef SERVICES_HOMEWORK_CORE_CLINICAL_EXPOSURE_H_
#define SERVICES_HOMEWORK_CORE_CLINICAL_EXPOSURE_H_

// When to suggest moving along a graduated exposure hierarchy.
//
// The function only SUGGESTS: the therapist decides, and the caller records that decision with
// its reason. Progression is adjusted to the person, so every threshold is a policy field the
// therapist can change per hierarchy.
//
// Pure function: no I/O, safe to call from any thread. The reason text and the evidence are
// clinical content: show them to the care team, never log them.

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "therapy/homework/v1/completion.pb.h"

namespace therapy::homework::clinical {

// Which practices the rules look at:
// - "practices": completions with status DONE, PARTIAL or MINIMUM_VERSION.
// - "full practices": status DONE only. A partial practice (often left at high distress) or the
//   two-minute minimum version is too short to show habituation or to test an expectancy, so
//   only full practices can earn an advance. A full practice lacking the ratings a rule needs
//   is passed over by that rule (neither for nor against).
//
// Step back (checked first, in both modes: tolerability comes before progress, so it wins when
// an advance rule holds too) when either
//   (a) the last `overwhelm_consecutive` practices that recorded a SUDS peak all peaked at
//       `overwhelm_peak` or above ("the peak stays at 90 or above across practices"), or
//   (b) the client skipped citing overwhelm: a STATUS_SKIPPED completion whose skip_reason
//       contains one of `overwhelm_words` (ASCII case-insensitive substring; the default
//       "overwhelm" matches "Overwhelmed", "overwhelming") with no full practice after it.
//
// Advance, kHabituation mode [Foa et al., Prolonged Exposure], when either
//   (a) each of the last `consecutive` full practices with SUDS peak and after recorded shows a
//       peak-to-end drop of at least `drop_percent`: (peak - after) / peak; a peak of 0 shows
//       no drop, or
//   (b) any practice started at SUDS `start_at_or_below` or lower ("at least once").
//
// Advance, kExpectancy mode (inhibitory learning [Craske 2008, 2014]: fear reduction within a
// session does not predict outcome; what is learned is that the feared outcome did not come),
// when either
//   (a) expectancy violation: each of the last `consecutive` full practices with expectancy
//       before and feared_outcome_occurred recorded had expectancy before at least
//       `expectancy_at_least` and the feared outcome did not occur, or
//   (b) little left to violate: the latest such practice had expectancy before at or below
//       `expectancy_exhausted_at_or_below` and the feared outcome did not occur.
// SUDS drops play no part in this mode. When the feared outcome occurred on the latest such
// practice, the suggestion is to repeat and the reason asks the therapist to review it.
//
// Otherwise repeat the step.
struct ProgressionPolicy {
  enum class Mode { kHabituation, kExpectancy };
  Mode mode = Mode::kHabituation;
  // kHabituation: peak-to-end drop, 1-100 percent, on `consecutive` full practices.
  int drop_percent = 50;
  // Both modes: how many recent full practices an advance rule needs, 1-20.
  int consecutive = 2;
  // kHabituation: a starting SUDS at or below this, 0-100, once; -1 turns the rule off.
  int start_at_or_below = 40;
  // Both modes: a peak at or above this, 0-100, on the last `overwhelm_consecutive` practices
  // with a peak suggests stepping back.
  int overwhelm_peak = 90;
  // 1-20.
  int overwhelm_consecutive = 2;
  // Words in a skip reason that mean overwhelm; empty turns the rule off.
  std::vector<std::string> overwhelm_words = {"overwhelm"};
  // kExpectancy: expectancy before, 0-100 percent, that makes a non-occurrence a violation.
  int expectancy_at_least = 50;
  // kExpectancy: expectancy before, 0-100, at or below which the step has little left to
  // teach; -1 turns the rule off.
  int expectancy_exhausted_at_or_below = 20;
};

// The ratings of one completion a suggestion rests on, for the therapist to see.
struct PracticeEvidence {
  std::string completion_name;
  absl::Time occur_time;
  v1::Completion::Status status = v1::Completion::STATUS_UNSPECIFIED;
  std::optional<int> suds_before;
  std::optional<int> suds_peak;
  std::optional<int> suds_after;
  std::optional<int> expectancy_before;
  std::optional<bool> feared_outcome_occurred;
  // Set for skipped completions.
  std::string skip_reason;
};

struct Suggestion {
  enum class Kind { kAdvance, kRepeat, kStepBack };
  Kind kind = Kind::kRepeat;
  // One or two sentences for the therapist: the rule that fired and the numbers behind it.
  std::string reason;
  // The completions the deciding rule looked at, oldest first (for kRepeat: the most recent
  // practices with ratings, up to `consecutive`).
  std::vector<PracticeEvidence> evidence;
};

// Suggests advancing, repeating or stepping back on one hierarchy step, from that step's
// completions in any order (they are taken in occur_time order). No completions: repeat.
// Errors: INVALID_ARGUMENT naming the policy field that is out of range.
absl::StatusOr<Suggestion> SuggestProgression(const ProgressionPolicy& policy,
                                              absl::Span<const v1::Completion> completions);

}  // namespace therapy::homework::clinical

#endif  // SERVICES_HOMEWORK_CORE_CLINICAL_EXPOSURE_H_
