#include "services/homework/core/clinical/reliable_change.h"

#include <algorithm>

namespace therapy::homework::clinical {

absl::string_view ReliableChangeName(ReliableChange change) {
  switch (change) {
    case ReliableChange::kReliableImprovement:
      return "reliable improvement";
    case ReliableChange::kNoReliableChange:
      return "no reliable change";
    case ReliableChange::kReliableDeterioration:
      return "reliable deterioration";
  }
  return "no reliable change";
}

absl::string_view RecoveryName(Recovery recovery) {
  switch (recovery) {
    case Recovery::kNotAtCaseness:
      return "not at caseness at baseline";
    case Recovery::kNotRecovered:
      return "not recovered";
    case Recovery::kRecovered:
      return "recovered";
    case Recovery::kReliableRecovery:
      return "reliably recovered";
  }
  return "not recovered";
}

ReliableChange ClassifyChange(const ChangeThresholds& thresholds, int from, int to) {
  const int threshold = std::max(1, thresholds.reliable_change);
  if (from - to >= threshold) return ReliableChange::kReliableImprovement;
  if (to - from >= threshold) return ReliableChange::kReliableDeterioration;
  return ReliableChange::kNoReliableChange;
}

Recovery ClassifyRecovery(const ChangeThresholds& thresholds, int baseline, int current) {
  if (baseline < thresholds.caseness) return Recovery::kNotAtCaseness;
  if (current >= thresholds.caseness) return Recovery::kNotRecovered;
  return ClassifyChange(thresholds, baseline, current) == ReliableChange::kReliableImprovement
             ? Recovery::kReliableRecovery
             : Recovery::kRecovered;
}

MeasureChange AssessChange(const ChangeThresholds& thresholds, int baseline,
                           std::optional<int> previous, int current) {
  MeasureChange change{
      .baseline = baseline,
      .from_baseline = current - baseline,
      .since_baseline = ClassifyChange(thresholds, baseline, current),
      .recovery = ClassifyRecovery(thresholds, baseline, current),
  };
  if (previous) {
    change.from_previous = current - *previous;
    change.since_previous = ClassifyChange(thresholds, *previous, current);
  }
  return change;
}

}  // namespace therapy::homework::clinical
