#include "services/homework/core/rules/validation.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "google/protobuf/util/time_util.h"
#include "services/homework/core/model/calendar_text.h"
#include "services/homework/core/model/resource_names.h"
#include "services/homework/core/model/text.h"
#include "services/homework/core/model/time_zone.h"
#include "services/homework/core/rules/measure_scoring.h"

namespace therapy::homework {
namespace {

using google::protobuf::util::TimeUtil;

std::string Path(absl::string_view prefix, absl::string_view field) {
  return prefix.empty() ? std::string(field) : absl::StrCat(prefix, ".", field);
}

// Which oneof case of Exercise.details belongs to each kind.
v1::Exercise::DetailsCase DetailsFor(v1::ExerciseKind kind) {
  using v1::Exercise;
  switch (kind) {
    case v1::EXERCISE_KIND_THOUGHT_RECORD:
      return Exercise::kThoughtRecord;
    case v1::EXERCISE_KIND_MOOD_MONITORING:
      return Exercise::kMoodMonitoring;
    case v1::EXERCISE_KIND_BEHAVIORAL_TRACKING:
      return Exercise::kBehavioralTracking;
    case v1::EXERCISE_KIND_COGNITIVE_RESTRUCTURING:
      return Exercise::kCognitiveRestructuring;
    case v1::EXERCISE_KIND_BEHAVIORAL_EXPERIMENT:
      return Exercise::kBehavioralExperiment;
    case v1::EXERCISE_KIND_EXPOSURE_PRACTICE:
      return Exercise::kExposurePractice;
    case v1::EXERCISE_KIND_SKILLS_PRACTICE:
      return Exercise::kSkillsPractice;
    case v1::EXERCISE_KIND_SELF_CARE:
      return Exercise::kSelfCare;
    case v1::EXERCISE_KIND_COPING_CARD:
      return Exercise::kCopingCard;
    case v1::EXERCISE_KIND_RELAPSE_PREVENTION_PLAN:
      return Exercise::kRelapsePrevention;
    case v1::EXERCISE_KIND_CUSTOM:
      return Exercise::kCustom;
    case v1::EXERCISE_KIND_OUTCOME_MEASURE:
      return Exercise::kOutcomeMeasure;
    case v1::EXERCISE_KIND_SAFETY_PLAN:
      return Exercise::kSafetyPlan;
    default:
      return Exercise::DETAILS_NOT_SET;
  }
}

// Which oneof case of Completion.record each kind may carry (DONE records of thought records
// and experiments must carry it).
v1::Completion::RecordCase RecordFor(v1::ExerciseKind kind) {
  using v1::Completion;
  switch (kind) {
    case v1::EXERCISE_KIND_THOUGHT_RECORD:
    case v1::EXERCISE_KIND_COGNITIVE_RESTRUCTURING:
      return Completion::kThoughtRecord;
    case v1::EXERCISE_KIND_BEHAVIORAL_EXPERIMENT:
      return Completion::kExperiment;
    case v1::EXERCISE_KIND_BEHAVIORAL_TRACKING:
      return Completion::kActivity;
    case v1::EXERCISE_KIND_SELF_CARE:
      return Completion::kSelfCare;
    case v1::EXERCISE_KIND_OUTCOME_MEASURE:
      return Completion::kMeasure;
    default:
      return Completion::RECORD_NOT_SET;
  }
}

// A phone number as people write it: digits, spaces and `+-().`, at least one digit.
bool IsPhoneText(absl::string_view text) {
  bool digit = false;
  for (const char c : text) {
    if (absl::ascii_isdigit(static_cast<unsigned char>(c))) {
      digit = true;
    } else if (absl::string_view(" +-().").find(c) == absl::string_view::npos) {
      return false;
    }
  }
  return digit;
}

constexpr int kSafetyPlanItems = 20;

void ValidateSafetyPlanContacts(
    const google::protobuf::RepeatedPtrField<v1::SafetyPlanContact>& contacts,
    absl::string_view field, Violations& v) {
  if (contacts.size() > kSafetyPlanItems) {
    v.Add(std::string(field),
          absl::StrCat("at most ", kSafetyPlanItems, " items, got ", contacts.size()));
    return;
  }
  for (int i = 0; i < contacts.size(); ++i) {
    const std::string p = absl::StrCat(field, "[", i, "]");
    v.Length(Path(p, "name"), contacts[i].name(), 1, 200);
    v.Length(Path(p, "phone"), contacts[i].phone(), 0, 32);
    if (!contacts[i].phone().empty() && !IsPhoneText(contacts[i].phone())) {
      v.Add(Path(p, "phone"),
            "must be a phone number: digits with spaces, plus, hyphens, "
            "parentheses or dots");
    }
    v.Length(Path(p, "note"), contacts[i].note(), 0, 200);
  }
}

void ValidateSafetyPlan(const v1::SafetyPlan& d, absl::string_view p, Violations& v) {
  v.List(Path(p, "warning_signs"), d.warning_signs(), kSafetyPlanItems, 300);
  v.List(Path(p, "coping_strategies"), d.coping_strategies(), kSafetyPlanItems, 300);
  ValidateSafetyPlanContacts(d.social_distractions(), Path(p, "social_distractions"), v);
  ValidateSafetyPlanContacts(d.help_contacts(), Path(p, "help_contacts"), v);
  ValidateSafetyPlanContacts(d.professional_contacts(), Path(p, "professional_contacts"), v);
  v.List(Path(p, "environment_steps"), d.environment_steps(), kSafetyPlanItems, 300);
  v.List(Path(p, "reasons_for_living"), d.reasons_for_living(), kSafetyPlanItems, 300);
}

void ValidateExerciseDetails(const v1::Exercise& exercise, absl::string_view prefix,
                             Violations& v) {
  switch (exercise.details_case()) {
    case v1::Exercise::kThoughtRecord: {
      const auto& d = exercise.thought_record();
      const std::string p = Path(prefix, "thought_record");
      v.Length(Path(p, "focus"), d.focus(), 0, 500);
      v.List(Path(p, "target_emotions"), d.target_emotions(), 10, 60);
      break;
    }
    case v1::Exercise::kMoodMonitoring:
      v.List(Path(Path(prefix, "mood_monitoring"), "emotions"),
             exercise.mood_monitoring().emotions(), 10, 60);
      break;
    case v1::Exercise::kBehavioralTracking:
      v.List(Path(Path(prefix, "behavioral_tracking"), "activities"),
             exercise.behavioral_tracking().activities(), 20, 100);
      break;
    case v1::Exercise::kCognitiveRestructuring: {
      const auto& d = exercise.cognitive_restructuring();
      const std::string p = Path(prefix, "cognitive_restructuring");
      v.Length(Path(p, "target_belief"), d.target_belief(), 0, 500);
      v.List(Path(p, "questions"), d.questions(), 10, 300);
      break;
    }
    case v1::Exercise::kBehavioralExperiment: {
      const auto& d = exercise.behavioral_experiment();
      const std::string p = Path(prefix, "behavioral_experiment");
      v.Length(Path(p, "prediction"), d.prediction(), 0, 500);
      v.Length(Path(p, "plan"), d.plan(), 0, 1000);
      break;
    }
    case v1::Exercise::kExposurePractice: {
      const auto& d = exercise.exposure_practice();
      const std::string p = Path(prefix, "exposure_practice");
      v.Length(Path(p, "situation"), d.situation(), 1, 500);
      v.Range(Path(p, "expected_suds"), d.expected_suds(), 0, 100);
      v.Range(Path(p, "stay_until_drop_percent"), d.stay_until_drop_percent(), 0, 100);
      v.List(Path(p, "safety_behaviors_to_drop"), d.safety_behaviors_to_drop(), 10, 200);
      break;
    }
    case v1::Exercise::kSkillsPractice: {
      const auto& d = exercise.skills_practice();
      const std::string p = Path(prefix, "skills_practice");
      if (!v1::SkillsPracticeInstructions::Skill_IsValid(d.skill())) {
        v.Add(Path(p, "skill"), absl::StrCat("unknown skill ", d.skill()));
      }
      v.Length(Path(p, "skill_name"), d.skill_name(),
               d.skill() == v1::SkillsPracticeInstructions::SKILL_OTHER ? 1 : 0, 100);
      break;
    }
    case v1::Exercise::kSelfCare: {
      const auto& d = exercise.self_care();
      const std::string p = Path(prefix, "self_care");
      if (d.domain() == v1::SelfCareInstructions::DOMAIN_UNSPECIFIED ||
          !v1::SelfCareInstructions::Domain_IsValid(d.domain())) {
        v.Add(Path(p, "domain"), "required: sleep, exercise, nutrition or social connection");
      }
      v.RangeReal(Path(p, "target_amount"), d.target_amount(), 0.0, 1000.0);
      v.Length(Path(p, "unit"), d.unit(), 0, 30);
      v.Length(Path(p, "function"), d.function(), 0, 500);
      break;
    }
    case v1::Exercise::kCopingCard: {
      const auto& d = exercise.coping_card();
      const std::string p = Path(prefix, "coping_card");
      v.Length(Path(p, "situation"), d.situation(), 0, 500);
      v.List(Path(p, "statements"), d.statements(), 10, 300);
      break;
    }
    case v1::Exercise::kRelapsePrevention: {
      const auto& d = exercise.relapse_prevention();
      const std::string p = Path(prefix, "relapse_prevention");
      v.List(Path(p, "warning_signs"), d.warning_signs(), 20, 300);
      v.List(Path(p, "coping_strategies"), d.coping_strategies(), 20, 300);
      v.List(Path(p, "support_contacts"), d.support_contacts(), 10, 200);
      break;
    }
    case v1::Exercise::kCustom:
      v.Length(Path(Path(prefix, "custom"), "description"), exercise.custom().description(), 1,
               4000);
      break;
    case v1::Exercise::kOutcomeMeasure:
      if (MeasureItemCount(exercise.outcome_measure().measure()) == 0) {
        v.Add(Path(Path(prefix, "outcome_measure"), "measure"),
              absl::StrCat("required: MEASURE_PHQ9 or MEASURE_GAD7, got ",
                           exercise.outcome_measure().measure()));
      }
      break;
    case v1::Exercise::kSafetyPlan:
      ValidateSafetyPlan(exercise.safety_plan(), Path(prefix, "safety_plan"), v);
      break;
    case v1::Exercise::DETAILS_NOT_SET:
      break;
  }
}

void ValidateExercise(const v1::Exercise& exercise, absl::string_view prefix, Violations& v) {
  if (exercise.kind() == v1::EXERCISE_KIND_UNSPECIFIED ||
      !v1::ExerciseKind_IsValid(exercise.kind())) {
    v.Add(Path(prefix, "kind"), "required: one of the EXERCISE_KIND_ values");
    return;
  }
  if (exercise.kind() == v1::EXERCISE_KIND_CUSTOM &&
      exercise.details_case() != v1::Exercise::kCustom) {
    v.Add(Path(prefix, "custom"), "required for EXERCISE_KIND_CUSTOM: describe the exercise");
  }
  if (exercise.kind() == v1::EXERCISE_KIND_EXPOSURE_PRACTICE &&
      exercise.details_case() != v1::Exercise::kExposurePractice) {
    v.Add(Path(prefix, "exposure_practice"),
          "required for EXERCISE_KIND_EXPOSURE_PRACTICE: name the situation to approach");
  }
  if (exercise.kind() == v1::EXERCISE_KIND_OUTCOME_MEASURE &&
      exercise.details_case() != v1::Exercise::kOutcomeMeasure) {
    v.Add(Path(prefix, "outcome_measure"),
          "required for EXERCISE_KIND_OUTCOME_MEASURE: name the measure (PHQ-9 or GAD-7)");
  }
  if (exercise.kind() == v1::EXERCISE_KIND_SAFETY_PLAN &&
      exercise.details_case() != v1::Exercise::kSafetyPlan) {
    v.Add(Path(prefix, "safety_plan"),
          "required for EXERCISE_KIND_SAFETY_PLAN: the plan's steps (may start empty)");
  }
  if (exercise.details_case() != v1::Exercise::DETAILS_NOT_SET &&
      exercise.details_case() != DetailsFor(exercise.kind())) {
    v.Add(std::string(prefix),
          absl::StrCat("instructions do not match kind ", v1::ExerciseKind_Name(exercise.kind())));
    return;
  }
  v.Length(Path(prefix, "instructions"), exercise.instructions(), 0, 4000);
  ValidateExerciseDetails(exercise, prefix, v);
}

void ValidateSchedule(const v1::Schedule& schedule, absl::string_view prefix, Violations& v) {
  v.Range(Path(prefix, "target_count"), schedule.target_count(), 1, 20);
  if (schedule.period() == v1::Schedule::PERIOD_UNSPECIFIED ||
      !v1::Schedule::Period_IsValid(schedule.period())) {
    v.Add(Path(prefix, "period"), "required: PERIOD_DAY or PERIOD_WEEK");
  }
  if (schedule.interval() < 0 || schedule.interval() > 52) {
    v.Add(Path(prefix, "interval"),
          absl::StrCat("must be 1-52 periods (0 means 1), got ", schedule.interval()));
  }
  if (schedule.has_measure_cadence()) {
    const v1::MeasureCadence& cadence = schedule.measure_cadence();
    const std::string p = Path(prefix, "measure_cadence");
    if (!v1::MeasureCadence::Trigger_IsValid(cadence.trigger())) {
      v.Add(Path(p, "trigger"), absl::StrCat("unknown MeasureCadence.Trigger ", cadence.trigger()));
    }
    v.Range(Path(p, "before_session_hours"), cadence.before_session_hours(), 0, 168);
    v.Range(Path(p, "overdue_after_hours"), cadence.overdue_after_hours(), 0, 720);
    v.Range(Path(p, "expire_after_hours"), cadence.expire_after_hours(), 0, 2160);
  }
  v.Range(Path(prefix, "minutes_per_practice"), schedule.minutes_per_practice(), 0, 480);
  absl::CivilDay start;
  const bool start_ok = ParseDay(schedule.start_date(), start);
  if (!start_ok) {
    v.Add(Path(prefix, "start_date"), "required: a calendar day as YYYY-MM-DD, years 1900-9999");
  }
  if (!schedule.end_date().empty()) {
    absl::CivilDay end;
    if (!ParseDay(schedule.end_date(), end)) {
      v.Add(Path(prefix, "end_date"), "must be a calendar day as YYYY-MM-DD, years 1900-9999");
    } else if (start_ok && end < start) {
      v.Add(Path(prefix, "end_date"), "must not be before start_date");
    }
  }
  if (!schedule.preferred_local_time().empty() &&
      !ParseMinuteOfDay(schedule.preferred_local_time())) {
    v.Add(Path(prefix, "preferred_local_time"), "must be a time of day as HH:MM (00:00-23:59)");
  }
  if (schedule.has_habit_anchor()) {
    const auto& anchor = schedule.habit_anchor();
    const std::string p = Path(prefix, "habit_anchor");
    if (!v1::EventTiming_IsValid(anchor.when())) {
      v.Add(Path(p, "when"), absl::StrCat("unknown EventTiming ", anchor.when()));
    }
    v.Range(Path(p, "offset_minutes"), anchor.offset_minutes(), -720, 720);
    v.Length(Path(p, "client_words"), anchor.client_words(), 0, 200);
  }
  v.Length(Path(prefix, "environmental_cue"), schedule.environmental_cue(), 0, 500);
  v.Length(Path(prefix, "minimum_version"), schedule.minimum_version(), 0, 500);
  if (schedule.has_if_then_plan()) {
    // Both parts or neither: a plan with both parts blank is no plan (a cleared form).
    const v1::IfThenPlan& plan = schedule.if_then_plan();
    const std::string p = Path(prefix, "if_then_plan");
    const bool neither = IsBlank(plan.situation()) && IsBlank(plan.action());
    v.Length(Path(p, "situation"), plan.situation(), neither ? 0 : 1, 200);
    v.Length(Path(p, "action"), plan.action(), neither ? 0 : 1, 200);
  }
}

void ValidateEmotions(const google::protobuf::RepeatedPtrField<v1::EmotionRating>& emotions,
                      absl::string_view field, Violations& v) {
  if (emotions.size() > 10) v.Add(std::string(field), "at most 10 emotions");
  for (int i = 0; i < emotions.size() && i < 10; ++i) {
    const std::string p = absl::StrCat(field, "[", i, "]");
    v.Length(Path(p, "emotion"), emotions[i].emotion(), 1, 60);
    v.Range(Path(p, "intensity"), emotions[i].intensity(), 0, 100);
  }
}

// Whether a record's required fields apply: they do for STATUS_DONE; partial work and the
// two-minute version keep whatever the client wrote, checked only for limits.
enum class Completeness { kRequired, kAsFarAsWritten };

Completeness CompletenessOf(v1::Completion::Status status) {
  return status == v1::Completion::STATUS_DONE ? Completeness::kRequired
                                               : Completeness::kAsFarAsWritten;
}

// Text of `max` characters, required when `completeness` says so.
void Text(absl::string_view field, absl::string_view value, Completeness completeness, size_t max,
          Violations& v) {
  v.Length(field, value, completeness == Completeness::kRequired ? 1 : 0, max);
}

void Percent(absl::string_view field, bool present, int value, Completeness completeness,
             Violations& v) {
  if (present) {
    v.Range(field, value, 0, 100);
  } else if (completeness == Completeness::kRequired) {
    v.Add(std::string(field), "required: 0-100");
  }
}

void ValidateThoughtRecord(const v1::ThoughtRecord& r, Completeness c, absl::string_view p,
                           Violations& v) {
  Text(Path(p, "situation"), r.situation(), c, 2000, v);
  Text(Path(p, "automatic_thought"), r.automatic_thought(), c, 1000, v);
  Percent(Path(p, "automatic_thought_belief"), r.has_automatic_thought_belief(),
          r.automatic_thought_belief(), c, v);
  if (c == Completeness::kRequired && r.emotions().empty()) {
    v.Add(Path(p, "emotions"), "required: at least one emotion");
  }
  ValidateEmotions(r.emotions(), Path(p, "emotions"), v);
  v.Length(Path(p, "evidence_for"), r.evidence_for(), 0, 2000);
  v.Length(Path(p, "evidence_against"), r.evidence_against(), 0, 2000);
  Text(Path(p, "balanced_thought"), r.balanced_thought(), c, 1000, v);
  Percent(Path(p, "balanced_thought_belief"), r.has_balanced_thought_belief(),
          r.balanced_thought_belief(), c, v);
  ValidateEmotions(r.emotions_rerated(), Path(p, "emotions_rerated"), v);
}

void ValidateExperiment(const v1::ExperimentRecord& r, Completeness c, absl::string_view p,
                        Violations& v) {
  Text(Path(p, "prediction"), r.prediction(), c, 1000, v);
  Percent(Path(p, "belief_before"), r.has_belief_before(), r.belief_before(), c, v);
  Text(Path(p, "experiment"), r.experiment(), c, 2000, v);
  Text(Path(p, "outcome"), r.outcome(), c, 2000, v);
  Percent(Path(p, "belief_after"), r.has_belief_after(), r.belief_after(), c, v);
  v.Length(Path(p, "learning"), r.learning(), 0, 2000);
}

// The answers to an outcome measure: one per item of `measure`, each 0-3. The output-only
// fields are not checked: CreateCompletion scores the answers and overwrites them.
void ValidateMeasureResponse(const v1::MeasureResponse& r, v1::Measure measure, absl::string_view p,
                             Violations& v) {
  const int expected = MeasureItemCount(measure);
  // An assignment without a known measure fails validation itself; scoring reports it.
  if (expected == 0) return;
  const std::string items = Path(p, "item_scores");
  if (r.item_scores_size() != expected) {
    v.Add(items, absl::StrCat(MeasureDisplayName(measure), " needs ", expected,
                              " answers (one per item, each 0-3), got ", r.item_scores_size()));
    return;
  }
  for (int i = 0; i < r.item_scores_size(); ++i) {
    v.Range(absl::StrCat(items, "[", i, "]"), r.item_scores(i), 0, 3);
  }
}

void ValidateRecord(const v1::Completion& c, const v1::Exercise& exercise, absl::string_view prefix,
                    Violations& v) {
  const v1::ExerciseKind kind = exercise.kind();
  const v1::Completion::RecordCase expected = RecordFor(kind);
  if (c.record_case() != v1::Completion::RECORD_NOT_SET && c.record_case() != expected) {
    v.Add(std::string(prefix), absl::StrCat("the record does not match the assignment's kind ",
                                            v1::ExerciseKind_Name(kind)));
    return;
  }
  // An outcome measure that was not skipped is its answers: without them there is nothing.
  if (expected == v1::Completion::kMeasure && c.record_case() == v1::Completion::RECORD_NOT_SET) {
    v.Add(Path(prefix, "measure"),
          "required unless status is STATUS_SKIPPED: one answer 0-3 per item of the measure");
    return;
  }
  // A blank thought record or experiment is not a completion.
  const bool needs_record =
      c.status() == v1::Completion::STATUS_DONE &&
      (expected == v1::Completion::kThoughtRecord || expected == v1::Completion::kExperiment);
  if (needs_record && c.record_case() == v1::Completion::RECORD_NOT_SET) {
    v.Add(
        Path(prefix, expected == v1::Completion::kThoughtRecord ? "thought_record" : "experiment"),
        "required when status is STATUS_DONE: fill in the record");
    return;
  }
  const Completeness completeness = CompletenessOf(c.status());
  switch (c.record_case()) {
    case v1::Completion::kThoughtRecord:
      ValidateThoughtRecord(c.thought_record(), completeness, Path(prefix, "thought_record"), v);
      break;
    case v1::Completion::kExperiment:
      ValidateExperiment(c.experiment(), completeness, Path(prefix, "experiment"), v);
      break;
    case v1::Completion::kActivity: {
      const std::string p = Path(prefix, "activity");
      Text(Path(p, "activity"), c.activity().activity(), completeness, 200, v);
      if (c.activity().has_mastery()) v.Range(Path(p, "mastery"), c.activity().mastery(), 0, 10);
      if (c.activity().has_pleasure()) {
        v.Range(Path(p, "pleasure"), c.activity().pleasure(), 0, 10);
      }
      break;
    }
    case v1::Completion::kSelfCare:
      v.RangeReal(Path(Path(prefix, "self_care"), "amount"), c.self_care().amount(), 0.0, 1000.0);
      break;
    case v1::Completion::kMeasure:
      ValidateMeasureResponse(c.measure(), exercise.outcome_measure().measure(),
                              Path(prefix, "measure"), v);
      break;
    case v1::Completion::RECORD_NOT_SET:
      break;
  }
}

}  // namespace

absl::Status InvalidField(absl::string_view field, absl::string_view description) {
  Violations violations;
  violations.Add(std::string(field), std::string(description));
  return violations.ToStatus();
}

void Violations::Add(std::string field, std::string description) {
  auto* violation = request_.add_field_violations();
  violation->set_field(std::move(field));
  violation->set_description(std::move(description));
}

void Violations::Length(absl::string_view field, absl::string_view value, size_t min, size_t max) {
  const std::optional<size_t> characters = CodePointCount(value);
  if (!characters) {
    Add(std::string(field), "must be valid UTF-8 text");
  } else if (min > 0 && value.empty()) {
    Add(std::string(field), min == 1 ? "required" : absl::StrCat("at least ", min, " characters"));
  } else if (min > 0 && IsBlank(value)) {
    Add(std::string(field), "required: white space alone says nothing");
  } else if (*characters < min) {
    Add(std::string(field), absl::StrCat("at least ", min, " characters"));
  } else if (*characters > max) {
    Add(std::string(field), absl::StrCat("at most ", max, " characters, got ", *characters));
  }
}

void Violations::Range(absl::string_view field, int64_t value, int64_t min, int64_t max) {
  if (value < min || value > max) {
    Add(std::string(field), absl::StrCat("must be ", min, "-", max, ", got ", value));
  }
}

void Violations::RangeReal(absl::string_view field, double value, double min, double max) {
  if (!(value >= min && value <= max)) {  // also rejects NaN
    Add(std::string(field), absl::StrCat("must be ", min, "-", max, ", got ", value));
  }
}

void Violations::TimeZone(absl::string_view field, absl::string_view zone) {
  if (zone.empty()) {
    Add(std::string(field), "required: an IANA time zone such as Europe/Berlin");
  } else if (!LoadIanaTimeZone(zone)) {
    Add(std::string(field),
        "must be a time zone name of the IANA tz database, such as Europe/Berlin "
        "(not a file path or a POSIX TZ string)");
  }
}

void Violations::List(absl::string_view field,
                      const google::protobuf::RepeatedPtrField<std::string>& items, int max_items,
                      size_t max_length) {
  if (items.size() > max_items) {
    Add(std::string(field), absl::StrCat("at most ", max_items, " items, got ", items.size()));
    return;
  }
  for (int i = 0; i < items.size(); ++i) {
    Length(absl::StrCat(field, "[", i, "]"), items[i], 1, max_length);
  }
}

absl::Status Violations::ToStatus() const {
  if (empty()) return absl::OkStatus();
  const auto& first = request_.field_violations(0);
  std::string message = absl::StrCat(first.field(), ": ", first.description());
  if (request_.field_violations_size() > 1) {
    absl::StrAppend(&message, " (and ", request_.field_violations_size() - 1,
                    " more invalid fields)");
  }
  absl::Status status = absl::InvalidArgumentError(message);
  SetBadRequest(status, request_);
  return status;
}

void ValidateClient(const v1::Client& client, absl::Time now, absl::string_view prefix,
                    Violations& v) {
  v.Length(Path(prefix, "display_name"), client.display_name(), 1, 200);
  if (client.has_last_session_time()) {
    const auto& last = client.last_session_time();
    const std::string field = Path(prefix, "last_session_time");
    if (last.seconds() < 0 || last.seconds() > TimeUtil::kTimestampMaxSeconds || last.nanos() < 0 ||
        last.nanos() > 999999999) {
      v.Add(field, "not a valid timestamp after 1970");
    } else if (absl::FromUnixSeconds(last.seconds()) > now + absl::Minutes(10)) {
      v.Add(field, "must not be in the future: a session that has taken place");
    }
  }
  if (client.has_next_session_time()) {
    const auto& next = client.next_session_time();
    const std::string field = Path(prefix, "next_session_time");
    if (next.seconds() < 0 || next.seconds() > TimeUtil::kTimestampMaxSeconds || next.nanos() < 0 ||
        next.nanos() > 999999999) {
      v.Add(field, "not a valid timestamp after 1970");
    } else if (absl::FromUnixSeconds(next.seconds()) > now + absl::Hours(24 * 400)) {
      v.Add(field, "must be at most 400 days from now");
    }
  }
  v.TimeZone(Path(prefix, "time_zone"), client.time_zone());
  const std::string care_team = Path(prefix, "care_team");
  if (client.care_team_size() > 20) {
    v.Add(care_team, absl::StrCat("at most 20 members, got ", client.care_team_size()));
    return;
  }
  for (int i = 0; i < client.care_team_size(); ++i) {
    const std::string& member = client.care_team(i);
    const bool ok = !member.empty() && member.size() <= 128 &&
                    std::all_of(member.begin(), member.end(), [](char c) {
                      return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' ||
                             c == '_' || c == '@' || c == '-';
                    });
    if (!ok) {
      v.Add(absl::StrCat(care_team, "[", i, "]"),
            "must be a subject id of 1-128 characters of [A-Za-z0-9._@-]");
    }
  }
}

void ValidateAssignment(const v1::Assignment& a, absl::string_view prefix, Violations& v) {
  v.Length(Path(prefix, "title"), a.title(), 1, 200);
  if (!a.has_exercise()) {
    v.Add(Path(prefix, "exercise"), "required: the exercise kind and its instructions");
  } else {
    ValidateExercise(a.exercise(), Path(prefix, "exercise"), v);
  }
  v.Length(Path(prefix, "rationale"), a.rationale(), 0, 2000);
  if (!v1::TreatmentPhase_IsValid(a.phase())) {
    v.Add(Path(prefix, "phase"), absl::StrCat("unknown TreatmentPhase ", a.phase()));
  }
  if (!a.has_schedule()) {
    v.Add(Path(prefix, "schedule"), "required: how often and when to practise");
  } else {
    ValidateSchedule(a.schedule(), Path(prefix, "schedule"), v);
    if (a.schedule().has_measure_cadence() &&
        a.exercise().kind() != v1::EXERCISE_KIND_OUTCOME_MEASURE) {
      v.Add(Path(prefix, "schedule.measure_cadence"),
            "only for EXERCISE_KIND_OUTCOME_MEASURE assignments");
    }
  }
  v.Length(Path(prefix, "session_id"), a.session_id(), 0, 128);
  if (!a.session().empty() && !ParseSessionName(Path(prefix, "session"), a.session()).ok()) {
    v.Add(Path(prefix, "session"),
          "not a resource name of the form practices/{practice}/sessions/{session}");
  }
}

void ValidateCompletion(const v1::Completion& c, const v1::Exercise& exercise, absl::Time now,
                        absl::string_view prefix, Violations& v) {
  const std::string occur = Path(prefix, "occur_time");
  if (!c.has_occur_time()) {
    v.Add(occur, "required: when the practice happened");
  } else if (c.occur_time().seconds() < TimeUtil::kTimestampMinSeconds ||
             c.occur_time().seconds() > TimeUtil::kTimestampMaxSeconds ||
             c.occur_time().nanos() < 0 || c.occur_time().nanos() > 999999999) {
    v.Add(occur, "not a valid timestamp");
  } else if (absl::FromUnixSeconds(c.occur_time().seconds()) > now + absl::Minutes(10)) {
    v.Add(occur, "must not be in the future");
  }
  v.TimeZone(Path(prefix, "occur_time_zone"), c.occur_time_zone());
  if (c.status() == v1::Completion::STATUS_UNSPECIFIED ||
      !v1::Completion::Status_IsValid(c.status())) {
    v.Add(Path(prefix, "status"),
          "required: STATUS_DONE, STATUS_PARTIAL, STATUS_MINIMUM_VERSION or STATUS_SKIPPED");
  }
  if (c.status() == v1::Completion::STATUS_SKIPPED) {
    v.Length(Path(prefix, "skip_reason"), c.skip_reason(), 1, 500);
  } else if (!c.skip_reason().empty()) {
    v.Add(Path(prefix, "skip_reason"), "only for STATUS_SKIPPED");
  }
  v.Range(Path(prefix, "minutes"), c.minutes(), 0, 1440);
  // An exposure done or partly done is its SUDS: all three ratings, as the client's form asks.
  // The two-minute version and a skip may go without.
  if (exercise.kind() == v1::EXERCISE_KIND_EXPOSURE_PRACTICE &&
      (c.status() == v1::Completion::STATUS_DONE || c.status() == v1::Completion::STATUS_PARTIAL)) {
    const std::string p = Path(prefix, "suds");
    const char* const kRequired = "required for an exposure done or partly done: rate it 0-100";
    if (!c.suds().has_before()) v.Add(Path(p, "before"), kRequired);
    if (!c.suds().has_peak()) v.Add(Path(p, "peak"), kRequired);
    if (!c.suds().has_after()) v.Add(Path(p, "after"), kRequired);
  }
  if (c.has_suds()) {
    const std::string p = Path(prefix, "suds");
    const auto& s = c.suds();
    const size_t before_checks = v.size();
    if (s.has_before()) v.Range(Path(p, "before"), s.before(), 0, 100);
    if (s.has_peak()) v.Range(Path(p, "peak"), s.peak(), 0, 100);
    if (s.has_after()) v.Range(Path(p, "after"), s.after(), 0, 100);
    const bool in_range = v.size() == before_checks;
    if (in_range && s.has_peak() &&
        ((s.has_before() && s.peak() < s.before()) || (s.has_after() && s.peak() < s.after()))) {
      v.Add(Path(p, "peak"), "must not be below before or after");
    }
  }
  if (c.has_expectancy()) {
    const std::string p = Path(prefix, "expectancy");
    if (c.expectancy().has_before()) v.Range(Path(p, "before"), c.expectancy().before(), 0, 100);
    if (c.expectancy().has_after()) v.Range(Path(p, "after"), c.expectancy().after(), 0, 100);
  }
  if (c.has_mood()) v.Range(Path(prefix, "mood"), c.mood(), 0, 10);
  ValidateEmotions(c.emotions(), Path(prefix, "emotions"), v);
  if (c.has_engagement()) v.Range(Path(prefix, "engagement"), c.engagement(), 0, 10);
  if (c.status() != v1::Completion::STATUS_SKIPPED) {
    ValidateRecord(c, exercise, prefix, v);
  } else if (c.has_measure()) {
    // A skipped measure has no answers; storing some would put a score in the trend.
    v.Add(Path(prefix, "measure"), "must be empty when status is STATUS_SKIPPED");
  }
  v.Length(Path(prefix, "client_note"), c.client_note(), 0, 4000);
}

void ValidateReview(const v1::Review& review, absl::string_view prefix, Violations& v) {
  v.Range(Path(prefix, "quality_rating"), review.quality_rating(), 1, 5);
  v.Length(Path(prefix, "feedback"), review.feedback(), 0, 2000);
}

absl::StatusOr<int> ValidatePageSize(int page_size) {
  if (page_size == 0) return 100;
  if (page_size < 0 || page_size > 1000) {
    return InvalidField("page_size", absl::StrCat("must be 1-1000 (0 for 100), got ", page_size));
  }
  return page_size;
}

void ValidateRequestId(absl::string_view request_id, Violations& v) {
  const bool ok =
      request_id.size() <= 64 && std::all_of(request_id.begin(), request_id.end(), [](char c) {
        return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
      });
  if (!ok)
    v.Add("request_id", "must be at most 64 characters of [A-Za-z0-9_-], a UUID for example");
}

std::optional<ClientName> ValidateNewSession(const v1::CreateSessionRequest& request,
                                             const PracticeName& parent, Violations& v) {
  constexpr int kMaxExternalId = 128;
  if (!request.session_id().empty() && !IsValidSessionId(request.session_id())) {
    v.Add("session_id", "must be 1-63 characters of [a-z0-9-], starting with a letter");
  }
  if (!request.has_session()) {
    v.Add("session", "required: the session's client");
    return std::nullopt;
  }
  std::optional<ClientName> client;
  if (request.session().client().empty()) {
    v.Add("session.client", "required: practices/{practice}/clients/{client}");
  } else if (absl::StatusOr<ClientName> parsed =
                 ParseClientName("session.client", request.session().client());
             !parsed.ok()) {
    v.Add("session.client",
          "not a resource name of the form practices/{practice}/clients/{client}");
  } else if (parsed->practice != parent.practice) {
    v.Add("session.client", "must be a client of the parent practice");
  } else {
    client = *std::move(parsed);
  }
  v.Length("session.external_id", request.session().external_id(), 0, kMaxExternalId);
  return client;
}

}  // namespace therapy::homework
