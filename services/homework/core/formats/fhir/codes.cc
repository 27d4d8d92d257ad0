#include "services/homework/core/formats/fhir/codes.h"

#include <cstdlib>

namespace therapy::homework::fhir {
namespace {

constexpr Concept kConcepts[] = {
    // Exercise kinds (Task.code).
    {"thought-record", "Thought record"},
    {"mood-monitoring", "Mood monitoring"},
    {"behavioral-tracking", "Behavioural tracking (activity log)"},
    {"cognitive-restructuring", "Cognitive restructuring"},
    {"behavioral-experiment", "Behavioural experiment"},
    {"exposure-practice", "Exposure practice"},
    {"skills-practice", "Skills practice"},
    {"self-care", "Self-care"},
    {"coping-card", "Coping card"},
    {"relapse-prevention-plan", "Relapse-prevention plan"},
    {"custom", "Custom practice"},
    {"outcome-measure", "Outcome measure"},
    {"safety-plan", "Safety plan (Stanley-Brown)"},
    // Task.input and Task.output types.
    {"schedule", "Practice schedule"},
    {"questionnaire", "Form to complete"},
    {"instructions", "Instructions"},
    {"rationale", "Rationale"},
    {"treatment-phase", "Phase of treatment"},
    {"minimum-version", "Two-minute minimum version"},
    {"environmental-cue", "Environmental cue"},
    {"habit-anchor", "Habit anchor in the client's words"},
    {"preferred-local-time", "Preferred local time of day"},
    {"focus", "Moment to catch"},
    {"target-emotion", "Emotion to watch for"},
    {"emotion-to-rate", "Emotion to rate"},
    {"activity", "Activity to log"},
    {"rate-mastery-and-pleasure", "Rate mastery and pleasure"},
    {"target-belief", "Belief to work on"},
    {"question", "Question to ask oneself"},
    {"prediction", "Prediction to test"},
    {"experiment-plan", "Plan of the experiment"},
    {"exposure-situation", "Situation to approach"},
    {"expected-suds", "Expected SUDS"},
    {"stay-until-drop-percent", "Stay until distress falls by (percent)"},
    {"track-expectancy", "Rate expectancy before and after"},
    {"safety-behavior-to-drop", "Safety behaviour to drop"},
    {"hierarchy-step", "Step of the exposure hierarchy"},
    {"skill", "Skill"},
    {"self-care-domain", "Self-care domain"},
    {"self-care-target", "Target amount per practice"},
    {"clinical-function", "Clinical function"},
    {"coping-situation", "When to use the coping card"},
    {"coping-statement", "Coping statement"},
    {"warning-sign", "Early warning sign"},
    {"coping-strategy", "Coping strategy"},
    {"safe-environment-step", "Making the environment safe"},
    {"reason-for-living", "Reason for living"},
    {"custom-description", "What to do"},
    {"completion", "Recorded completion"},
    // Values of Task inputs.
    {"phase-awareness", "Awareness (early)"},
    {"phase-practice", "Practice (middle)"},
    {"phase-consolidation", "Consolidation (late)"},
    {"skill-breathing", "Paced breathing"},
    {"skill-grounding", "Grounding"},
    {"skill-relaxation", "Relaxation"},
    {"skill-mindfulness", "Mindfulness"},
    {"skill-other", "Other skill"},
    {"domain-sleep", "Sleep"},
    {"domain-exercise", "Physical exercise"},
    {"domain-nutrition", "Nutrition"},
    {"domain-social-connection", "Social connection"},
    // Completion status (QuestionnaireResponse answer).
    {"status-done", "Done as planned"},
    {"status-partial", "Partial"},
    {"status-minimum-version", "Minimum version only"},
    {"status-skipped", "Skipped"},
    // Observation codes and components.
    {"suds", "Subjective Units of Distress (SUDS)"},
    {"suds-before", "SUDS before"},
    {"suds-peak", "SUDS peak"},
    {"suds-after", "SUDS after"},
    {"expectancy", "Expectancy of the feared outcome"},
    {"expectancy-before", "Expectancy before"},
    {"expectancy-after", "Expectancy after"},
    {"feared-outcome-occurred", "Feared outcome occurred"},
    {"mood", "Overall mood (0-10)"},
    {"minutes", "Minutes practised"},
    {"quality-rating", "Quality of the homework (therapist's rating 1-5)"},
    // Observation.interpretation.
    {"severity-minimal", "Minimal"},
    {"severity-mild", "Mild"},
    {"severity-moderate", "Moderate"},
    {"severity-moderately-severe", "Moderately severe"},
    {"severity-severe", "Severe"},
    {"urgent", "Urgent: thoughts of self-harm reported (PHQ-9 item 9 above zero)"},
    // Observation.interpretation of a PHQ-9 / GAD-7 total: reliable change since the baseline
    // (Jacobson & Truax with the practice's fixed thresholds) and recovery.
    {"reliable-improvement", "Reliable improvement since baseline"},
    {"no-reliable-change", "No reliable change since baseline"},
    {"reliable-deterioration", "Reliable deterioration since baseline"},
    {"recovered", "Recovered: at caseness at baseline, below it now"},
    {"reliable-recovery", "Reliable recovery: recovered with a reliable improvement"},
    {"not-recovered", "Not recovered: at caseness at baseline and now"},
    // Observation.component of a PHQ-9 / GAD-7 total.
    {"baseline-total", "Baseline total (the first total of this measure)"},
    {"change-from-baseline", "Change from baseline (points)"},
    {"change-from-previous", "Change from the previous total (points)"},
    {"reliable-change-threshold", "Reliable change threshold applied (points)"},
    {"caseness-threshold", "Caseness cut-off applied (total)"},
};

bool IsBeforeMealOrMeal(v1::EventTiming when) {
  switch (when) {
    case v1::EVENT_TIMING_MEAL:
    case v1::EVENT_TIMING_BREAKFAST:
    case v1::EVENT_TIMING_LUNCH:
    case v1::EVENT_TIMING_DINNER:
    case v1::EVENT_TIMING_BEFORE_MEAL:
      return true;
    default:
      return false;
  }
}

// An anchor at a meal itself (C, CM, CD, CV): R4's tim-9 forbids an offset with these codes.
bool IsAtMeal(v1::EventTiming when) {
  return when != v1::EVENT_TIMING_BEFORE_MEAL && IsBeforeMealOrMeal(when);
}

// The after-meal code of a meal routine: C -> PC, CM -> PCM, CD -> PCD, CV -> PCV.
absl::string_view AfterMealCode(v1::EventTiming when) {
  switch (when) {
    case v1::EVENT_TIMING_BREAKFAST:
      return "PCM";
    case v1::EVENT_TIMING_LUNCH:
      return "PCD";
    case v1::EVENT_TIMING_DINNER:
      return "PCV";
    default:
      return "PC";
  }
}

// The before-meal code of a meal routine: C and AC -> AC, CM -> ACM, CD -> ACD, CV -> ACV.
absl::string_view BeforeMealCode(v1::EventTiming when) {
  switch (when) {
    case v1::EVENT_TIMING_BREAKFAST:
      return "ACM";
    case v1::EVENT_TIMING_LUNCH:
      return "ACD";
    case v1::EVENT_TIMING_DINNER:
      return "ACV";
    default:
      return "AC";
  }
}

}  // namespace

absl::Span<const Concept> HomeworkConcepts() { return kConcepts; }

absl::string_view HomeworkDisplay(absl::string_view code) {
  for (const Concept& concept_entry : kConcepts) {
    if (concept_entry.code == code) return concept_entry.display;
  }
  return {};
}

absl::string_view ExerciseKindCode(v1::ExerciseKind kind) {
  switch (kind) {
    case v1::EXERCISE_KIND_THOUGHT_RECORD:
      return "thought-record";
    case v1::EXERCISE_KIND_MOOD_MONITORING:
      return "mood-monitoring";
    case v1::EXERCISE_KIND_BEHAVIORAL_TRACKING:
      return "behavioral-tracking";
    case v1::EXERCISE_KIND_COGNITIVE_RESTRUCTURING:
      return "cognitive-restructuring";
    case v1::EXERCISE_KIND_BEHAVIORAL_EXPERIMENT:
      return "behavioral-experiment";
    case v1::EXERCISE_KIND_EXPOSURE_PRACTICE:
      return "exposure-practice";
    case v1::EXERCISE_KIND_SKILLS_PRACTICE:
      return "skills-practice";
    case v1::EXERCISE_KIND_SELF_CARE:
      return "self-care";
    case v1::EXERCISE_KIND_COPING_CARD:
      return "coping-card";
    case v1::EXERCISE_KIND_RELAPSE_PREVENTION_PLAN:
      return "relapse-prevention-plan";
    case v1::EXERCISE_KIND_OUTCOME_MEASURE:
      return "outcome-measure";
    case v1::EXERCISE_KIND_SAFETY_PLAN:
      return "safety-plan";
    default:
      return "custom";
  }
}

absl::string_view TaskStatus(v1::Assignment::State state) {
  switch (state) {
    case v1::Assignment::STATE_ACTIVE:
      return "in-progress";
    case v1::Assignment::STATE_COMPLETED:
      return "completed";
    case v1::Assignment::STATE_CANCELLED:
      return "cancelled";
    default:
      return "draft";
  }
}

absl::string_view CompletionStatusCode(v1::Completion::Status status) {
  switch (status) {
    case v1::Completion::STATUS_PARTIAL:
      return "status-partial";
    case v1::Completion::STATUS_MINIMUM_VERSION:
      return "status-minimum-version";
    case v1::Completion::STATUS_SKIPPED:
      return "status-skipped";
    default:
      return "status-done";
  }
}

absl::string_view SeverityCode(v1::MeasureResponse::Severity severity) {
  switch (severity) {
    case v1::MeasureResponse::SEVERITY_MINIMAL:
      return "severity-minimal";
    case v1::MeasureResponse::SEVERITY_MILD:
      return "severity-mild";
    case v1::MeasureResponse::SEVERITY_MODERATE:
      return "severity-moderate";
    case v1::MeasureResponse::SEVERITY_MODERATELY_SEVERE:
      return "severity-moderately-severe";
    case v1::MeasureResponse::SEVERITY_SEVERE:
      return "severity-severe";
    default:
      return {};
  }
}

absl::string_view EventTimingCodeOf(v1::EventTiming when) {
  switch (when) {
    case v1::EVENT_TIMING_WAKE:
      return "WAKE";
    case v1::EVENT_TIMING_MORNING:
      return "MORN";
    case v1::EVENT_TIMING_NOON:
      return "NOON";
    case v1::EVENT_TIMING_AFTERNOON:
      return "AFT";
    case v1::EVENT_TIMING_EVENING:
      return "EVE";
    case v1::EVENT_TIMING_NIGHT:
      return "NIGHT";
    case v1::EVENT_TIMING_BEFORE_SLEEP:
      return "HS";
    case v1::EVENT_TIMING_AFTER_SLEEP:
      return "PHS";
    case v1::EVENT_TIMING_MEAL:
      return "C";
    case v1::EVENT_TIMING_BREAKFAST:
      return "CM";
    case v1::EVENT_TIMING_LUNCH:
      return "CD";
    case v1::EVENT_TIMING_DINNER:
      return "CV";
    case v1::EVENT_TIMING_BEFORE_MEAL:
      return "AC";
    case v1::EVENT_TIMING_AFTER_MEAL:
      return "PC";
    case v1::EVENT_TIMING_AFTER_BREAKFAST:
      return "PCM";
    case v1::EVENT_TIMING_AFTER_LUNCH:
      return "PCD";
    case v1::EVENT_TIMING_AFTER_DINNER:
      return "PCV";
    default:
      return {};
  }
}

EventTimingCode MapHabitAnchor(v1::EventTiming when, int offset_minutes) {
  EventTimingCode mapped;
  const absl::string_view code = EventTimingCodeOf(when);
  if (code.empty()) return mapped;
  mapped.when = std::string(code);
  if (offset_minutes == 0) return mapped;
  const bool before_code =
      when == v1::EVENT_TIMING_BEFORE_MEAL || when == v1::EVENT_TIMING_BEFORE_SLEEP;
  if (offset_minutes > 0) {
    if (before_code) {
      mapped.signed_offset = offset_minutes;
    } else if (IsAtMeal(when)) {
      mapped.when = std::string(AfterMealCode(when));
      mapped.offset = offset_minutes;
    } else {
      mapped.offset = offset_minutes;
    }
    return mapped;
  }
  if (IsBeforeMealOrMeal(when)) {
    mapped.when = std::string(BeforeMealCode(when));
    mapped.offset = std::abs(offset_minutes);
  } else if (when == v1::EVENT_TIMING_BEFORE_SLEEP) {
    mapped.offset = std::abs(offset_minutes);
  } else {
    mapped.signed_offset = offset_minutes;
  }
  return mapped;
}

}  // namespace therapy::homework::fhir
