#ifndef SERVICES_HOMEWORK_CORE_CLINICAL_RELIABLE_CHANGE_H_
#define SERVICES_HOMEWORK_CORE_CLINICAL_RELIABLE_CHANGE_H_

// Reliable and clinically significant change of an outcome measure [Jacobson & Truax 1991]:
// RCI = (x2 - x1) / S_diff. Services use the fixed thresholds derived from it (NHS Talking
// Therapies): a change of 6 or more points on PHQ-9 and of 4 or more on GAD-7 is reliable.
// Caseness cut-offs: PHQ-9 >= 10, GAD-7 >= 8. Recovery: at caseness at baseline and below it
// now; reliable recovery: recovery and a reliable improvement. Both measures score higher for
// worse, so a fall is an improvement.
//
// Pure functions of their inputs, safe from any thread. The thresholds are configurable per
// practice; the defaults below are the clinical model's. The results are clinical content.

#include <optional>

#include "absl/strings/string_view.h"

namespace therapy::homework::clinical {

struct ChangeThresholds {
  // A change of at least this many points (in either direction) is reliable. At least 1.
  int reliable_change = 0;
  // A score at or above this is at caseness (the clinical cut-off).
  int caseness = 0;
};

inline constexpr ChangeThresholds kPhq9ChangeDefaults{.reliable_change = 6, .caseness = 10};
inline constexpr ChangeThresholds kGad7ChangeDefaults{.reliable_change = 4, .caseness = 8};

// A practice's thresholds for both measures.
struct MeasureThresholds {
  ChangeThresholds phq9 = kPhq9ChangeDefaults;
  ChangeThresholds gad7 = kGad7ChangeDefaults;
};

enum class ReliableChange {
  kReliableImprovement,    // fell by at least the threshold
  kNoReliableChange,       // moved less than the threshold either way
  kReliableDeterioration,  // rose by at least the threshold
};

// "reliable improvement", "no reliable change", "reliable deterioration".
absl::string_view ReliableChangeName(ReliableChange change);

enum class Recovery {
  kNotAtCaseness,     // below caseness at baseline: recovery does not apply
  kNotRecovered,      // at caseness at baseline and still at caseness
  kRecovered,         // at caseness at baseline, below it now, without a reliable improvement
  kReliableRecovery,  // at caseness at baseline, below it now, with a reliable improvement
};

// "not at caseness at baseline", "not recovered", "recovered", "reliably recovered".
absl::string_view RecoveryName(Recovery recovery);

// The class of a change from `from` to `to` under `thresholds.reliable_change`.
ReliableChange ClassifyChange(const ChangeThresholds& thresholds, int from, int to);

// Recovery status of `current` against the first score, `baseline`.
Recovery ClassifyRecovery(const ChangeThresholds& thresholds, int baseline, int current);

// A score's change from the client's first score of the same measure and from the one before.
struct MeasureChange {
  int baseline = 0;
  int from_baseline = 0;  // current - baseline (negative: improved)
  ReliableChange since_baseline = ReliableChange::kNoReliableChange;
  std::optional<int> from_previous;  // current - previous; nullopt for the first score
  std::optional<ReliableChange> since_previous;
  Recovery recovery = Recovery::kNotAtCaseness;
};

// `previous` is the score just before `current` (nullopt when `current` is the first; then
// `baseline` equals `current`).
MeasureChange AssessChange(const ChangeThresholds& thresholds, int baseline,
                           std::optional<int> previous, int current);

}  // namespace therapy::homework::clinical

#endif  // SERVICES_HOMEWORK_CORE_CLINICAL_RELIABLE_CHANGE_H_
