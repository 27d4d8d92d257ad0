#include "services/homework/core/formats/fhir/bundle.h"

#include <algorithm>
#include <exception>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "services/homework/core/clinical/measures.h"
#include "services/homework/core/formats/fhir/codes.h"
#include "services/homework/core/formats/fhir/json.h"
#include "services/homework/core/formats/fhir/questionnaires.h"
#include "services/homework/core/formats/fhir/resource_ids.h"
#include "services/homework/core/formats/fhir/timing.h"
#include "services/homework/core/model/calendar_text.h"

namespace therapy::homework::fhir {
namespace {

using google::protobuf::Timestamp;

constexpr absl::string_view kUrnUuid = "urn:uuid:";

// ---------------------------------------------------------------------------------------------
// Data types

Json Coding(absl::string_view system, absl::string_view code, absl::string_view display = {}) {
  Json coding = {{"system", system}, {"code", code}};
  if (!display.empty()) coding["display"] = display;
  return coding;
}

Json HomeworkConcept(absl::string_view code, absl::string_view text = {}) {
  Json concept_json = {
      {"coding", Json::array({Coding(kHomeworkSystem, code, HomeworkDisplay(code))})}};
  if (!text.empty()) concept_json["text"] = text;
  return concept_json;
}

Json Category(absl::string_view code, absl::string_view display) {
  return Json::array(
      {{{"coding", Json::array({Coding(kObservationCategorySystem, code, display)})}}});
}

// A Quantity in UCUM: "{score}" for ratings, "%" and "min".
Json UcumQuantity(int value, absl::string_view unit) {
  return {{"value", value}, {"unit", unit}, {"system", kUcumSystem}, {"code", unit}};
}

Json DisplayReference(absl::string_view display) { return {{"display", display}}; }

absl::Time TimeOf(const Timestamp& timestamp) {
  return absl::FromUnixSeconds(timestamp.seconds()) + absl::Nanoseconds(timestamp.nanos());
}

// Every time of day in the bundle (instant and dateTime alike) has exactly three fractional
// digits, milliseconds, truncated: one fixed width for an EHR to store and compare, whatever
// precision the stored Timestamp has (docs/fhir-mapping.md, "Times").
constexpr char kSecondsWithMillis[] = "%Y-%m-%d%ET%H:%M:%E3S";

// A FHIR instant (or dateTime) in UTC, "2026-01-05T19:10:00.000Z".
std::string Instant(const Timestamp& timestamp) {
  return absl::FormatTime(absl::StrCat(kSecondsWithMillis, "Z"), TimeOf(timestamp),
                          absl::UTCTimeZone());
}

// A dateTime in the IANA zone `zone_name` with its offset, "2026-01-05T20:10:00.000+01:00", and
// the tz-code extension naming the zone (a primitive's `_element`); UTC and no extension for an
// unknown zone.
struct LocalDateTime {
  std::string value;
  std::optional<Json> extension;
};
LocalDateTime Local(const Timestamp& timestamp, const std::string& zone_name) {
  absl::TimeZone zone;
  if (zone_name.empty() || !absl::LoadTimeZone(zone_name, &zone)) return {Instant(timestamp), {}};
  return {
      absl::FormatTime(absl::StrCat(kSecondsWithMillis, "%Ez"), TimeOf(timestamp), zone),
      Json{{"extension", Json::array({{{"url", kTzCodeExtension}, {"valueCode", zone_name}}})}}};
}

void SetLocal(Json& resource, absl::string_view element, const Timestamp& timestamp,
              const std::string& zone_name) {
  LocalDateTime local = Local(timestamp, zone_name);
  resource[std::string(element)] = local.value;
  if (local.extension) resource[absl::StrCat("_", element)] = *std::move(local.extension);
}

std::string LocalDate(const Timestamp& timestamp, const std::string& zone_name) {
  absl::TimeZone zone = absl::UTCTimeZone();
  if (!zone_name.empty()) absl::LoadTimeZone(zone_name, &zone);
  return DayText(absl::ToCivilDay(TimeOf(timestamp), zone));
}

// The assignment a completion belongs to: its name up to "/completions/".
std::string AssignmentOf(const std::string& completion_name) {
  const size_t at = completion_name.rfind("/completions/");
  return at == std::string::npos ? std::string() : completion_name.substr(0, at);
}

// ---------------------------------------------------------------------------------------------
// Task inputs

Json Input(absl::string_view type, absl::string_view value_element, Json value) {
  return {{"type", HomeworkConcept(type)}, {std::string(value_element), std::move(value)}};
}

void AddStringInput(Json& inputs, absl::string_view type, const std::string& value) {
  if (!value.empty()) inputs.push_back(Input(type, "valueString", value));
}

void AddStringInputs(Json& inputs, absl::string_view type,
                     const google::protobuf::RepeatedPtrField<std::string>& values) {
  for (const std::string& value : values) AddStringInput(inputs, type, value);
}

absl::string_view PhaseCode(v1::TreatmentPhase phase) {
  switch (phase) {
    case v1::TREATMENT_PHASE_AWARENESS:
      return "phase-awareness";
    case v1::TREATMENT_PHASE_PRACTICE:
      return "phase-practice";
    case v1::TREATMENT_PHASE_CONSOLIDATION:
      return "phase-consolidation";
    default:
      return {};
  }
}

absl::string_view SkillCode(v1::SkillsPracticeInstructions::Skill skill) {
  switch (skill) {
    case v1::SkillsPracticeInstructions::SKILL_BREATHING:
      return "skill-breathing";
    case v1::SkillsPracticeInstructions::SKILL_GROUNDING:
      return "skill-grounding";
    case v1::SkillsPracticeInstructions::SKILL_RELAXATION:
      return "skill-relaxation";
    case v1::SkillsPracticeInstructions::SKILL_MINDFULNESS:
      return "skill-mindfulness";
    case v1::SkillsPracticeInstructions::SKILL_OTHER:
      return "skill-other";
    default:
      return {};
  }
}

absl::string_view DomainCode(v1::SelfCareInstructions::Domain domain) {
  switch (domain) {
    case v1::SelfCareInstructions::DOMAIN_SLEEP:
      return "domain-sleep";
    case v1::SelfCareInstructions::DOMAIN_EXERCISE:
      return "domain-exercise";
    case v1::SelfCareInstructions::DOMAIN_NUTRITION:
      return "domain-nutrition";
    case v1::SelfCareInstructions::DOMAIN_SOCIAL_CONNECTION:
      return "domain-social-connection";
    default:
      return {};
  }
}

// The structured instructions of the exercise kind. Support contacts of a relapse-prevention
// plan and the contacts of a safety plan name third persons and stay out
// (docs/fhir-mapping.md, "Not exported").
void AddExerciseDetailInputs(const v1::Exercise& exercise, Json& inputs) {
  switch (exercise.details_case()) {
    case v1::Exercise::kThoughtRecord:
      AddStringInput(inputs, "focus", exercise.thought_record().focus());
      AddStringInputs(inputs, "target-emotion", exercise.thought_record().target_emotions());
      break;
    case v1::Exercise::kMoodMonitoring:
      AddStringInputs(inputs, "emotion-to-rate", exercise.mood_monitoring().emotions());
      break;
    case v1::Exercise::kBehavioralTracking:
      AddStringInputs(inputs, "activity", exercise.behavioral_tracking().activities());
      if (exercise.behavioral_tracking().rate_mastery_and_pleasure()) {
        inputs.push_back(Input("rate-mastery-and-pleasure", "valueBoolean", true));
      }
      break;
    case v1::Exercise::kCognitiveRestructuring:
      AddStringInput(inputs, "target-belief", exercise.cognitive_restructuring().target_belief());
      AddStringInputs(inputs, "question", exercise.cognitive_restructuring().questions());
      break;
    case v1::Exercise::kBehavioralExperiment:
      AddStringInput(inputs, "prediction", exercise.behavioral_experiment().prediction());
      AddStringInput(inputs, "experiment-plan", exercise.behavioral_experiment().plan());
      break;
    case v1::Exercise::kExposurePractice: {
      const v1::ExposurePracticeInstructions& exposure = exercise.exposure_practice();
      AddStringInput(inputs, "exposure-situation", exposure.situation());
      if (exposure.expected_suds() > 0) {
        inputs.push_back(Input("expected-suds", "valueInteger", exposure.expected_suds()));
      }
      if (exposure.stay_until_drop_percent() > 0) {
        inputs.push_back(
            Input("stay-until-drop-percent", "valueInteger", exposure.stay_until_drop_percent()));
      }
      if (exposure.track_expectancy()) {
        inputs.push_back(Input("track-expectancy", "valueBoolean", true));
      }
      AddStringInputs(inputs, "safety-behavior-to-drop", exposure.safety_behaviors_to_drop());
      if (!exposure.hierarchy().empty()) {
        inputs.push_back(Input("hierarchy-step", "valueInteger", exposure.hierarchy_step() + 1));
      }
      break;
    }
    case v1::Exercise::kSkillsPractice: {
      const v1::SkillsPracticeInstructions& skills = exercise.skills_practice();
      const absl::string_view code = SkillCode(skills.skill());
      if (!code.empty()) {
        inputs.push_back(
            Input("skill", "valueCodeableConcept", HomeworkConcept(code, skills.skill_name())));
      } else if (!skills.skill_name().empty()) {
        inputs.push_back(Input("skill", "valueCodeableConcept", {{"text", skills.skill_name()}}));
      }
      break;
    }
    case v1::Exercise::kSelfCare: {
      const v1::SelfCareInstructions& self_care = exercise.self_care();
      const absl::string_view code = DomainCode(self_care.domain());
      if (!code.empty()) {
        inputs.push_back(Input("self-care-domain", "valueCodeableConcept", HomeworkConcept(code)));
      }
      if (self_care.target_amount() > 0) {
        Json amount = {{"value", self_care.target_amount()}};
        if (!self_care.unit().empty()) amount["unit"] = self_care.unit();
        inputs.push_back(Input("self-care-target", "valueQuantity", std::move(amount)));
      }
      AddStringInput(inputs, "clinical-function", self_care.function());
      break;
    }
    case v1::Exercise::kCopingCard:
      AddStringInput(inputs, "coping-situation", exercise.coping_card().situation());
      AddStringInputs(inputs, "coping-statement", exercise.coping_card().statements());
      break;
    case v1::Exercise::kRelapsePrevention:
      AddStringInputs(inputs, "warning-sign", exercise.relapse_prevention().warning_signs());
      AddStringInputs(inputs, "coping-strategy", exercise.relapse_prevention().coping_strategies());
      break;
    case v1::Exercise::kCustom:
      AddStringInput(inputs, "custom-description", exercise.custom().description());
      break;
    case v1::Exercise::kSafetyPlan: {
      const v1::SafetyPlan& plan = exercise.safety_plan();
      AddStringInputs(inputs, "warning-sign", plan.warning_signs());
      AddStringInputs(inputs, "coping-strategy", plan.coping_strategies());
      AddStringInputs(inputs, "safe-environment-step", plan.environment_steps());
      AddStringInputs(inputs, "reason-for-living", plan.reasons_for_living());
      break;
    }
    default:
      break;
  }
}

// ---------------------------------------------------------------------------------------------
// The bundle

class BundleBuilder {
 public:
  explicit BundleBuilder(const ClientRecord& record) : record_(record) {}

  Bundle Build() {
    Index();
    AddPatient();
    AddCarePlan();
    for (const v1::Hierarchy* hierarchy : hierarchies_) AddGoal(*hierarchy);
    for (const v1::Assignment* assignment : assignments_) AddTask(*assignment);
    for (const auto& [id, form] : forms_used_) AddQuestionnaire(*form);
    for (const v1::Completion* completion : completions_) AddCompletion(*completion);

    Json bundle = {{"resourceType", "Bundle"}, {"type", "collection"}};
    bundle["entry"] = std::move(entries_);
    Bundle result;
    result.json = bundle.dump(-1, ' ', false, Json::error_handler_t::replace);
    result.resource_counts = std::move(counts_);
    return result;
  }

 private:
  static std::string Ref(absl::string_view key) { return absl::StrCat(kUrnUuid, ResourceId(key)); }
  static Json Reference(absl::string_view key) { return {{"reference", Ref(key)}}; }

  static Json NewResource(absl::string_view type, absl::string_view key) {
    return {{"resourceType", type}, {"id", ResourceId(key)}};
  }

  void Add(Json resource) {
    const std::string type = resource["resourceType"].get<std::string>();
    const std::string id = resource["id"].get<std::string>();
    ++counts_[type];
    entries_.push_back(
        {{"fullUrl", absl::StrCat(kUrnUuid, id)}, {"resource", std::move(resource)}});
  }

  std::string PatientKey() const { return absl::StrCat(record_.client.name(), "#Patient"); }
  std::string CarePlanKey() const { return absl::StrCat(record_.client.name(), "#CarePlan"); }
  static std::string GoalKey(const std::string& hierarchy) {
    return absl::StrCat(hierarchy, "#Goal");
  }
  static std::string TaskKey(const std::string& assignment) {
    return absl::StrCat(assignment, "#Task");
  }
  static std::string ResponseKey(const std::string& completion) {
    return absl::StrCat(completion, "#QuestionnaireResponse");
  }
  static std::string ObservationKey(const std::string& completion, absl::string_view part) {
    return absl::StrCat(completion, "#Observation/", part);
  }
  static std::string QuestionnaireKey(const Form& form) {
    return absl::StrCat("Questionnaire/", form.id, "|", kFormVersion);
  }

  // Sorts the record and finds the forms, links and Goals the resources refer to.
  void Index() {
    for (const v1::Assignment& assignment : record_.assignments) {
      assignments_.push_back(&assignment);
    }
    std::sort(
        assignments_.begin(), assignments_.end(),
        [](const v1::Assignment* a, const v1::Assignment* b) { return a->name() < b->name(); });
    for (const v1::Hierarchy& hierarchy : record_.hierarchies) hierarchies_.push_back(&hierarchy);
    std::sort(hierarchies_.begin(), hierarchies_.end(),
              [](const v1::Hierarchy* a, const v1::Hierarchy* b) { return a->name() < b->name(); });
    for (const v1::Completion& completion : record_.completions) {
      completions_.push_back(&completion);
    }
    std::sort(completions_.begin(), completions_.end(),
              [](const v1::Completion* a, const v1::Completion* b) {
                return std::make_tuple(a->occur_time().seconds(), a->occur_time().nanos(),
                                       std::cref(a->name())) <
                       std::make_tuple(b->occur_time().seconds(), b->occur_time().nanos(),
                                       std::cref(b->name()));
              });

    for (const v1::Hierarchy* hierarchy : hierarchies_) goals_[hierarchy->name()] = hierarchy;
    for (const v1::Assignment* assignment : assignments_) {
      const Form& form = FormFor(assignment->exercise());
      assignment_forms_[assignment->name()] = &form;
      forms_used_[form.id] = &form;
    }
    for (const v1::Completion* completion : completions_) {
      const std::string assignment = AssignmentOf(completion->name());
      const auto found = assignment_forms_.find(assignment);
      const Form& form = FormForCompletion(
          found == assignment_forms_.end() ? nullptr : found->second, *completion);
      completion_forms_[completion->name()] = &form;
      forms_used_[form.id] = &form;
      if (found != assignment_forms_.end()) {
        outputs_[assignment].push_back(completion->name());
      }
    }
  }

  void AddPatient() {
    // Only the id and the name the care team knows the client by: the EHR matches the Patient by
    // id (docs/fhir-mapping.md, "Patient").
    Json patient = NewResource("Patient", PatientKey());
    if (!record_.client.display_name().empty()) {
      patient["name"] = Json::array({{{"text", record_.client.display_name()}}});
    }
    Add(std::move(patient));
  }

  void AddCarePlan() {
    Json plan = NewResource("CarePlan", CarePlanKey());
    plan["status"] = "active";
    plan["intent"] = "plan";
    plan["title"] = "Therapy homework";
    plan["description"] =
        "Practice between therapy sessions: each activity is an assignment (Task) with its "
        "schedule; each exposure hierarchy is a Goal.";
    plan["subject"] = Reference(PatientKey());
    if (!hierarchies_.empty()) {
      Json goals = Json::array();
      for (const v1::Hierarchy* hierarchy : hierarchies_) {
        goals.push_back(Reference(GoalKey(hierarchy->name())));
      }
      plan["goal"] = std::move(goals);
    }
    if (!assignments_.empty()) {
      Json activities = Json::array();
      for (const v1::Assignment* assignment : assignments_) {
        activities.push_back({{"reference", Reference(TaskKey(assignment->name()))}});
      }
      plan["activity"] = std::move(activities);
    }
    Add(std::move(plan));
  }

  void AddGoal(const v1::Hierarchy& hierarchy) {
    Json goal = NewResource("Goal", GoalKey(hierarchy.name()));
    goal["identifier"] =
        Json::array({{{"system", kResourceNameSystem}, {"value", hierarchy.name()}}});
    goal["lifecycleStatus"] = "active";
    goal["description"] = {{"text", hierarchy.target()}};
    goal["subject"] = Reference(PatientKey());
    if (hierarchy.has_create_time()) {
      goal["startDate"] = LocalDate(hierarchy.create_time(), record_.client.time_zone());
    }
    if (!hierarchy.created_by().empty()) {
      goal["expressedBy"] = DisplayReference(hierarchy.created_by());
    }
    Json notes = Json::array();
    const v1::SudsAnchors& anchors = hierarchy.anchors();
    if (!anchors.calm().empty() || !anchors.moderate().empty() || !anchors.worst().empty()) {
      std::string text = "SUDS anchors in the client's words:";
      if (!anchors.calm().empty()) absl::StrAppend(&text, " 0 = \"", anchors.calm(), "\";");
      if (!anchors.moderate().empty()) {
        absl::StrAppend(&text, " 50 = \"", anchors.moderate(), "\";");
      }
      if (!anchors.worst().empty()) absl::StrAppend(&text, " 100 = \"", anchors.worst(), "\";");
      text.pop_back();
      notes.push_back({{"text", text}});
    }
    const int steps = hierarchy.steps_size();
    for (int i = 0; i < steps; ++i) {
      const v1::HierarchyStep& step = hierarchy.steps(i);
      std::string text = absl::StrCat("Step ", i + 1, " of ", steps, " (expected SUDS ",
                                      step.expected_suds(), "): ", step.situation());
      if (!step.prescription().empty()) absl::StrAppend(&text, ". ", step.prescription());
      if (i == hierarchy.current_step()) absl::StrAppend(&text, ". Current step.");
      notes.push_back({{"text", text}});
    }
    for (const v1::ProgressionDecision& decision : hierarchy.decisions()) {
      Json note = Json::object();
      if (!decision.decided_by().empty()) {
        note["authorReference"] = DisplayReference(decision.decided_by());
      }
      if (decision.has_decide_time()) note["time"] = Instant(decision.decide_time());
      std::string text = absl::StrCat(
          decision.kind() == v1::ProgressionDecision::KIND_STEP_BACK ? "Stepped back" : "Advanced",
          " from step ", decision.from_step() + 1, " to step ", decision.to_step() + 1);
      if (!decision.reason().empty()) absl::StrAppend(&text, ": ", decision.reason());
      note["text"] = text;
      notes.push_back(std::move(note));
    }
    if (!notes.empty()) goal["note"] = std::move(notes);
    Add(std::move(goal));
  }

  void AddTask(const v1::Assignment& assignment) {
    Json task = NewResource("Task", TaskKey(assignment.name()));
    task["identifier"] =
        Json::array({{{"system", kResourceNameSystem}, {"value", assignment.name()}}});
    task["basedOn"] = Json::array({Reference(CarePlanKey())});
    task["status"] = TaskStatus(assignment.state());
    if (assignment.state() == v1::Assignment::STATE_CANCELLED &&
        !assignment.cancel_reason().empty()) {
      task["statusReason"] = {{"text", assignment.cancel_reason()}};
    }
    task["intent"] = "plan";
    const absl::string_view kind = ExerciseKindCode(assignment.exercise().kind());
    task["code"] = HomeworkConcept(kind);
    if (!assignment.title().empty()) task["description"] = assignment.title();
    task["for"] = Reference(PatientKey());
    Json execution = Json::object();
    if (assignment.has_activate_time()) execution["start"] = Instant(assignment.activate_time());
    if (assignment.state() == v1::Assignment::STATE_CANCELLED && assignment.has_cancel_time()) {
      execution["end"] = Instant(assignment.cancel_time());
    }
    if (!execution.empty()) task["executionPeriod"] = std::move(execution);
    if (assignment.has_create_time()) task["authoredOn"] = Instant(assignment.create_time());
    if (assignment.has_update_time()) task["lastModified"] = Instant(assignment.update_time());
    if (!assignment.assigned_by().empty()) {
      task["requester"] = DisplayReference(assignment.assigned_by());
    }
    task["owner"] = Reference(PatientKey());
    if (assignment.exercise().has_exposure_practice()) {
      const std::string& hierarchy = assignment.exercise().exposure_practice().hierarchy();
      if (goals_.count(hierarchy) > 0) task["reasonReference"] = Reference(GoalKey(hierarchy));
    }
    const v1::Schedule& schedule = assignment.schedule();
    Json restriction_period = Json::object();
    if (!schedule.start_date().empty()) restriction_period["start"] = schedule.start_date();
    if (!schedule.end_date().empty()) restriction_period["end"] = schedule.end_date();
    if (!restriction_period.empty()) task["restriction"] = {{"period", restriction_period}};

    Json inputs = Json::array();
    const Form& form = *assignment_forms_.at(assignment.name());
    inputs.push_back(Input("questionnaire", "valueCanonical", FormCanonical(form)));
    ScheduleTiming timing = TimingOf(schedule, record_.client.time_zone());
    if (!timing.timing.empty()) {
      inputs.push_back(Input("schedule", "valueTiming", std::move(timing.timing)));
    }
    if (!timing.displaced_time_of_day.empty()) {
      inputs.push_back(Input("preferred-local-time", "valueTime", timing.displaced_time_of_day));
    }
    AddStringInput(inputs, "habit-anchor", schedule.habit_anchor().client_words());
    AddStringInput(inputs, "environmental-cue", schedule.environmental_cue());
    AddStringInput(inputs, "minimum-version", schedule.minimum_version());
    AddStringInput(inputs, "instructions", assignment.exercise().instructions());
    AddStringInput(inputs, "rationale", assignment.rationale());
    const absl::string_view phase = PhaseCode(assignment.phase());
    if (!phase.empty()) {
      inputs.push_back(Input("treatment-phase", "valueCodeableConcept", HomeworkConcept(phase)));
    }
    AddExerciseDetailInputs(assignment.exercise(), inputs);
    task["input"] = std::move(inputs);

    const auto outputs = outputs_.find(assignment.name());
    if (outputs != outputs_.end()) {
      Json list = Json::array();
      for (const std::string& completion : outputs->second) {
        list.push_back({{"type", HomeworkConcept("completion")},
                        {"valueReference", Reference(ResponseKey(completion))}});
      }
      task["output"] = std::move(list);
    }
    Add(std::move(task));
  }

  void AddQuestionnaire(const Form& form) {
    Json questionnaire = NewResource("Questionnaire", QuestionnaireKey(form));
    FillQuestionnaire(form, questionnaire);
    Add(std::move(questionnaire));
  }

  void AddCompletion(const v1::Completion& completion) {
    const Form& form = *completion_forms_.at(completion.name());
    const std::string response_key = ResponseKey(completion.name());
    Json response = NewResource("QuestionnaireResponse", response_key);
    response["identifier"] = {{"system", kResourceNameSystem}, {"value", completion.name()}};
    response["basedOn"] = Json::array({Reference(CarePlanKey())});
    response["questionnaire"] = FormCanonical(form);
    response["status"] = "completed";
    response["subject"] = Reference(PatientKey());
    SetLocal(response, "authored", completion.occur_time(), ZoneOf(completion));
    response["author"] = Reference(PatientKey());
    response["source"] = Reference(PatientKey());
    response["item"] = ResponseItems(form, completion);
    Add(std::move(response));

    if (completion.has_measure()) AddMeasureObservation(completion, response_key);
    if (completion.has_suds()) AddSudsObservation(completion, response_key);
    if (completion.has_expectancy()) AddExpectancyObservation(completion, response_key);
    if (completion.has_mood()) {
      Json mood = SelfReport(completion, "mood", HomeworkConcept("mood"));
      mood["valueQuantity"] = UcumQuantity(completion.mood(), "{score}");
      FinishObservation(mood, response_key);
    }
    if (completion.minutes() > 0) {
      Json minutes = SelfReport(completion, "minutes", HomeworkConcept("minutes"));
      minutes["valueQuantity"] = UcumQuantity(completion.minutes(), "min");
      FinishObservation(minutes, response_key);
    }
    if (completion.has_review() && completion.review().quality_rating() > 0) {
      AddReviewObservation(completion, response_key);
    }
  }

  std::string ZoneOf(const v1::Completion& completion) const {
    return completion.occur_time_zone().empty() ? record_.client.time_zone()
                                                : completion.occur_time_zone();
  }

  // What the client reported about one practice: status final, category survey, the patient as
  // subject and performer, effective at the local time of practice, issued when recorded.
  Json SelfReport(const v1::Completion& completion, absl::string_view part, Json code) {
    Json observation = NewResource("Observation", ObservationKey(completion.name(), part));
    observation["basedOn"] = Json::array({Reference(CarePlanKey())});
    observation["status"] = "final";
    observation["category"] = Category("survey", "Survey");
    observation["code"] = std::move(code);
    observation["subject"] = Reference(PatientKey());
    SetLocal(observation, "effectiveDateTime", completion.occur_time(), ZoneOf(completion));
    if (completion.has_record_time()) observation["issued"] = Instant(completion.record_time());
    observation["performer"] = Json::array({Reference(PatientKey())});
    return observation;
  }

  void FinishObservation(Json& observation, const std::string& response_key) {
    observation["derivedFrom"] = Json::array({Reference(response_key)});
    Add(std::move(observation));
  }

  void AddMeasureObservation(const v1::Completion& completion, const std::string& response_key) {
    const v1::MeasureResponse& measure = completion.measure();
    absl::string_view loinc;
    absl::string_view display;
    if (measure.measure() == v1::MEASURE_PHQ9) {
      loinc = clinical::kPhq9TotalLoinc;
      display = "Patient Health Questionnaire 9 item (PHQ-9) total score [Reported]";
    } else if (measure.measure() == v1::MEASURE_GAD7) {
      loinc = clinical::kGad7TotalLoinc;
      display = "Generalized anxiety disorder 7 item (GAD-7) total score [Reported.PHQ]";
    } else {
      return;
    }
    Json code = {{"coding", Json::array({Coding(kLoincSystem, loinc, display)})},
                 {"text", measure.measure() == v1::MEASURE_PHQ9 ? "PHQ-9 total score"
                                                                : "GAD-7 total score"}};
    Json observation = SelfReport(completion, "measure", std::move(code));
    observation["valueQuantity"] = UcumQuantity(measure.total(), "{score}");
    Json interpretation = Json::array();
    const absl::string_view severity = SeverityCode(measure.severity());
    if (!severity.empty()) interpretation.push_back(HomeworkConcept(severity));
    if (measure.urgent()) interpretation.push_back(HomeworkConcept("urgent"));
    const auto change = record_.measure_changes.find(completion.name());
    if (change != record_.measure_changes.end()) {
      AddReliableChange(change->second, interpretation, observation);
    }
    if (!interpretation.empty()) observation["interpretation"] = std::move(interpretation);
    if (observation.contains("component")) {
      FinishObservationWithComponents(observation, response_key);
    } else {
      FinishObservation(observation, response_key);
    }
  }

  // A total's reliable change since the baseline as an interpretation (v3 `B` better / `W` worse
  // beside the homework code; no v3 code says "no reliable change"), its recovery when it was
  // at caseness at baseline, and the numbers as components (docs/fhir-mapping.md).
  static void AddReliableChange(const v1::MeasureChange& change, Json& interpretation,
                                Json& observation) {
    switch (change.since_baseline()) {
      case v1::MeasureChange::RELIABLE_CHANGE_IMPROVEMENT: {
        Json concept_json = HomeworkConcept("reliable-improvement");
        concept_json["coding"].insert(concept_json["coding"].begin(),
                                      Coding(kObservationInterpretationSystem, "B", "Better"));
        interpretation.push_back(std::move(concept_json));
        break;
      }
      case v1::MeasureChange::RELIABLE_CHANGE_DETERIORATION: {
        Json concept_json = HomeworkConcept("reliable-deterioration");
        concept_json["coding"].insert(concept_json["coding"].begin(),
                                      Coding(kObservationInterpretationSystem, "W", "Worse"));
        interpretation.push_back(std::move(concept_json));
        break;
      }
      case v1::MeasureChange::RELIABLE_CHANGE_NONE:
        interpretation.push_back(HomeworkConcept("no-reliable-change"));
        break;
      default:
        break;
    }
    switch (change.recovery()) {
      case v1::MeasureChange::RECOVERY_RECOVERED:
        interpretation.push_back(HomeworkConcept("recovered"));
        break;
      case v1::MeasureChange::RECOVERY_RELIABLE_RECOVERY:
        interpretation.push_back(HomeworkConcept("reliable-recovery"));
        break;
      case v1::MeasureChange::RECOVERY_NOT_RECOVERED:
        interpretation.push_back(HomeworkConcept("not-recovered"));
        break;
      default:
        break;
    }
    Json components = Json::array();
    auto points = [&](absl::string_view code, int value, absl::string_view unit) {
      components.push_back(Component(code, {{"valueQuantity", UcumQuantity(value, unit)}}));
    };
    points("baseline-total", change.baseline_total(), "{score}");
    points("change-from-baseline", change.change_from_baseline(), "{score}");
    if (change.has_change_from_previous()) {
      points("change-from-previous", change.change_from_previous(), "{score}");
    }
    points("reliable-change-threshold", change.reliable_change_threshold(), "{score}");
    points("caseness-threshold", change.caseness_threshold(), "{score}");
    observation["component"] = std::move(components);
  }

  static Json Component(absl::string_view code, Json value_element) {
    Json component = {{"code", HomeworkConcept(code)}};
    component.update(value_element);
    return component;
  }

  void AddSudsObservation(const v1::Completion& completion, const std::string& response_key) {
    const v1::SudsRatings& suds = completion.suds();
    Json components = Json::array();
    if (suds.has_before()) {
      components.push_back(
          Component("suds-before", {{"valueQuantity", UcumQuantity(suds.before(), "{score}")}}));
    }
    if (suds.has_peak()) {
      components.push_back(
          Component("suds-peak", {{"valueQuantity", UcumQuantity(suds.peak(), "{score}")}}));
    }
    if (suds.has_after()) {
      components.push_back(
          Component("suds-after", {{"valueQuantity", UcumQuantity(suds.after(), "{score}")}}));
    }
    if (components.empty()) return;
    Json observation = SelfReport(completion, "suds", HomeworkConcept("suds"));
    observation["component"] = std::move(components);
    FinishObservationWithComponents(observation, response_key);
  }

  void AddExpectancyObservation(const v1::Completion& completion, const std::string& response_key) {
    const v1::Expectancy& expectancy = completion.expectancy();
    Json components = Json::array();
    if (expectancy.has_before()) {
      components.push_back(Component("expectancy-before",
                                     {{"valueQuantity", UcumQuantity(expectancy.before(), "%")}}));
    }
    if (expectancy.has_after()) {
      components.push_back(Component("expectancy-after",
                                     {{"valueQuantity", UcumQuantity(expectancy.after(), "%")}}));
    }
    if (expectancy.has_feared_outcome_occurred()) {
      components.push_back(Component("feared-outcome-occurred",
                                     {{"valueBoolean", expectancy.feared_outcome_occurred()}}));
    }
    if (components.empty()) return;
    Json observation = SelfReport(completion, "expectancy", HomeworkConcept("expectancy"));
    observation["component"] = std::move(components);
    FinishObservationWithComponents(observation, response_key);
  }

  // derivedFrom goes before component in the R4 element order.
  void FinishObservationWithComponents(Json& observation, const std::string& response_key) {
    Json components = std::move(observation["component"]);
    observation.erase("component");
    observation["derivedFrom"] = Json::array({Reference(response_key)});
    observation["component"] = std::move(components);
    Add(std::move(observation));
  }

  // The therapist's review: an Observation about the response (focus) whose value is the quality
  // rating and whose note is the feedback, authored by the reviewer.
  void AddReviewObservation(const v1::Completion& completion, const std::string& response_key) {
    const v1::Review& review = completion.review();
    Json observation = NewResource("Observation", ObservationKey(completion.name(), "review"));
    observation["basedOn"] = Json::array({Reference(CarePlanKey())});
    observation["status"] = "final";
    observation["category"] = Category("therapy", "Therapy");
    observation["code"] = HomeworkConcept("quality-rating");
    observation["subject"] = Reference(PatientKey());
    observation["focus"] = Json::array({Reference(response_key)});
    if (review.has_review_time()) observation["effectiveDateTime"] = Instant(review.review_time());
    if (!review.reviewer().empty()) {
      observation["performer"] = Json::array({DisplayReference(review.reviewer())});
    }
    observation["valueInteger"] = review.quality_rating();
    Json note = Json::object();
    if (!review.reviewer().empty()) note["authorReference"] = DisplayReference(review.reviewer());
    if (review.has_review_time()) note["time"] = Instant(review.review_time());
    note["text"] = review.feedback().empty()
                       ? absl::StrCat("Quality rating ", review.quality_rating(), " of 5.")
                       : review.feedback();
    observation["note"] = Json::array({std::move(note)});
    FinishObservation(observation, response_key);
  }

  const ClientRecord& record_;
  std::vector<const v1::Assignment*> assignments_;
  std::vector<const v1::Hierarchy*> hierarchies_;
  std::vector<const v1::Completion*> completions_;
  std::map<std::string, const v1::Hierarchy*> goals_;
  std::map<std::string, const Form*> assignment_forms_;
  std::map<std::string, const Form*> completion_forms_;
  std::map<absl::string_view, const Form*> forms_used_;  // by form id: Questionnaires in id order
  std::map<std::string, std::vector<std::string>> outputs_;  // assignment -> completions
  Json entries_ = Json::array();
  std::map<std::string, int> counts_;
};

}  // namespace

absl::StatusOr<Bundle> BuildBundle(const ClientRecord& record) {
  if (record.client.name().empty()) {
    return absl::InvalidArgumentError("the client record has no client name");
  }
  // nlohmann reports misuse with exceptions; none may leave the core.
  try {
    return BundleBuilder(record).Build();
  } catch (const std::exception& error) {
    return absl::InternalError(absl::StrCat("building the FHIR bundle failed: ", error.what()));
  }
}

}  // namespace therapy::homework::fhir
