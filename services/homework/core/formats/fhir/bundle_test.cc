#include "services/homework/core/formats/fhir/bundle.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "services/homework/core/formats/fhir/codes.h"
#include "services/homework/core/formats/fhir/resource_ids.h"
#include "services/homework/core/formats/fhir/timing.h"
#include "testing/status_matchers.h"

namespace therapy::homework::fhir {
namespace {

using ::therapy::homework::testing::IsOk;
using ::therapy::homework::testing::StatusIs;

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;

constexpr char kClient[] = "practices/clinic-a/clients/alex";
constexpr char kHierarchy[] = "practices/clinic-a/clients/alex/hierarchies/h1";
constexpr char kExposure[] = "practices/clinic-a/clients/alex/assignments/a1-exposure";
constexpr char kThought[] = "practices/clinic-a/clients/alex/assignments/a2-thought";
constexpr char kPhq9[] = "practices/clinic-a/clients/alex/assignments/a3-phq9";
constexpr char kGad7[] = "practices/clinic-a/clients/alex/assignments/a4-gad7";
constexpr char kMoodDraft[] = "practices/clinic-a/clients/alex/assignments/a5-mood";
constexpr char kCopingCancelled[] = "practices/clinic-a/clients/alex/assignments/a6-coping";
constexpr char kHomework[] = "https://therapy-homework.example/fhir/CodeSystem/homework";

google::protobuf::Timestamp At(int64_t unix_seconds) {
  google::protobuf::Timestamp t;
  t.set_seconds(unix_seconds);
  return t;
}

// 2026-01-05T19:00:00Z is 20:00 in Berlin.
constexpr int64_t kMonday = 1767639600;

v1::Assignment MakeAssignment(const std::string& name, v1::ExerciseKind kind,
                              v1::Assignment::State state) {
  v1::Assignment a;
  a.set_name(name);
  a.set_title("Title of " + name.substr(name.rfind('/') + 1));
  a.mutable_exercise()->set_kind(kind);
  a.set_state(state);
  a.set_assigned_by("dr-ada");
  *a.mutable_create_time() = At(kMonday - 86400);
  *a.mutable_update_time() = At(kMonday - 3600);
  v1::Schedule& s = *a.mutable_schedule();
  s.set_target_count(1);
  s.set_period(v1::Schedule::PERIOD_DAY);
  s.set_start_date("2026-01-05");
  s.set_minimum_version("Two minutes of it");
  return a;
}

ClientRecord SampleRecord() {
  ClientRecord record;
  record.client.set_name(kClient);
  record.client.set_display_name("Alex");
  record.client.set_time_zone("Europe/Berlin");
  record.client.add_care_team("dr-ada");
  *record.client.mutable_create_time() = At(kMonday - 7 * 86400);

  v1::Hierarchy& h = record.hierarchies.emplace_back();
  h.set_name(kHierarchy);
  h.set_target("Social anxiety: talking to people I don't know");
  h.mutable_anchors()->set_calm("Sunday morning reading");
  h.mutable_anchors()->set_worst("Giving a speech");
  for (auto [situation, suds] : {std::pair{"Eye contact", 30}, {"Say hello", 40}, {"Ask", 50}}) {
    v1::HierarchyStep& step = *h.add_steps();
    step.set_situation(situation);
    step.set_expected_suds(suds);
    step.set_prescription("Practise 3 times daily for one week");
  }
  h.set_current_step(1);
  v1::ProgressionDecision& d = *h.add_decisions();
  d.set_kind(v1::ProgressionDecision::KIND_ADVANCE);
  d.set_from_step(0);
  d.set_to_step(1);
  d.set_reason("Two practices with SUDS halving");
  d.set_decided_by("dr-ada");
  *d.mutable_decide_time() = At(kMonday - 1800);
  *h.mutable_create_time() = At(kMonday - 2 * 86400);
  h.set_created_by("dr-ada");

  v1::Assignment exposure =
      MakeAssignment(kExposure, v1::EXERCISE_KIND_EXPOSURE_PRACTICE, v1::Assignment::STATE_ACTIVE);
  exposure.mutable_exercise()->mutable_exposure_practice()->set_situation("Say hello");
  exposure.mutable_exercise()->mutable_exposure_practice()->set_hierarchy(kHierarchy);
  exposure.mutable_exercise()->mutable_exposure_practice()->set_hierarchy_step(1);
  exposure.mutable_schedule()->set_target_count(4);
  exposure.mutable_schedule()->set_period(v1::Schedule::PERIOD_WEEK);
  exposure.mutable_schedule()->set_end_date("2026-02-01");
  exposure.mutable_schedule()->set_minutes_per_practice(30);
  exposure.mutable_schedule()->set_preferred_local_time("13:30");
  exposure.mutable_schedule()->mutable_habit_anchor()->set_when(v1::EVENT_TIMING_AFTER_LUNCH);
  exposure.mutable_schedule()->mutable_habit_anchor()->set_client_words("after lunch");
  *exposure.mutable_activate_time() = At(kMonday - 3600);

  v1::Assignment thought =
      MakeAssignment(kThought, v1::EXERCISE_KIND_THOUGHT_RECORD, v1::Assignment::STATE_ACTIVE);
  thought.mutable_schedule()->mutable_habit_anchor()->set_when(v1::EVENT_TIMING_DINNER);
  thought.mutable_schedule()->mutable_habit_anchor()->set_offset_minutes(-30);

  v1::Assignment phq9 =
      MakeAssignment(kPhq9, v1::EXERCISE_KIND_OUTCOME_MEASURE, v1::Assignment::STATE_ACTIVE);
  phq9.mutable_exercise()->mutable_outcome_measure()->set_measure(v1::MEASURE_PHQ9);
  phq9.mutable_schedule()->mutable_habit_anchor()->set_when(v1::EVENT_TIMING_NOON);
  phq9.mutable_schedule()->mutable_habit_anchor()->set_offset_minutes(-15);

  v1::Assignment gad7 =
      MakeAssignment(kGad7, v1::EXERCISE_KIND_OUTCOME_MEASURE, v1::Assignment::STATE_COMPLETED);
  gad7.mutable_exercise()->mutable_outcome_measure()->set_measure(v1::MEASURE_GAD7);
  gad7.mutable_schedule()->set_preferred_local_time("09:15");

  v1::Assignment mood =
      MakeAssignment(kMoodDraft, v1::EXERCISE_KIND_MOOD_MONITORING, v1::Assignment::STATE_DRAFT);
  v1::Assignment coping = MakeAssignment(kCopingCancelled, v1::EXERCISE_KIND_COPING_CARD,
                                         v1::Assignment::STATE_CANCELLED);
  coping.set_cancel_reason("Replaced by exposure");
  coping.mutable_exercise()->mutable_relapse_prevention();  // wrong details stay harmless
  coping.mutable_exercise()->mutable_coping_card()->add_statements("I can ride this out");
  record.assignments = {mood, gad7, exposure, coping, phq9, thought};

  v1::Completion practice;
  practice.set_name(std::string(kExposure) + "/completions/c1");
  *practice.mutable_occur_time() = At(kMonday);
  practice.set_occur_time_zone("Europe/Berlin");
  *practice.mutable_record_time() = At(kMonday + 600);
  practice.set_status(v1::Completion::STATUS_DONE);
  practice.set_minutes(25);
  practice.mutable_suds()->set_before(60);
  practice.mutable_suds()->set_peak(80);
  practice.mutable_suds()->set_after(30);
  practice.mutable_expectancy()->set_before(70);
  practice.mutable_expectancy()->set_after(20);
  practice.mutable_expectancy()->set_feared_outcome_occurred(false);
  practice.mutable_review()->set_quality_rating(4);
  practice.mutable_review()->set_feedback("Well done staying until it dropped.");
  practice.mutable_review()->set_reviewer("dr-ada");
  *practice.mutable_review()->mutable_review_time() = At(kMonday + 86400);

  v1::Completion later_practice;
  later_practice.set_name(std::string(kExposure) + "/completions/c5");
  *later_practice.mutable_occur_time() = At(kMonday + 2 * 86400);
  later_practice.set_occur_time_zone("Europe/Berlin");
  later_practice.set_status(v1::Completion::STATUS_SKIPPED);
  later_practice.set_skip_reason("Felt overwhelmed");
  later_practice.set_mood(6);

  v1::Completion thought_record;
  thought_record.set_name(std::string(kThought) + "/completions/c2");
  *thought_record.mutable_occur_time() = At(kMonday + 3600);
  thought_record.set_occur_time_zone("Europe/Berlin");
  thought_record.set_status(v1::Completion::STATUS_DONE);
  v1::ThoughtRecord& tr = *thought_record.mutable_thought_record();
  tr.set_situation("Meeting at work");
  tr.set_automatic_thought("They think I'm boring");
  tr.set_automatic_thought_belief(80);
  v1::EmotionRating& anxious = *tr.add_emotions();
  anxious.set_emotion("anxious");
  anxious.set_intensity(70);
  tr.set_balanced_thought("Some listened closely");
  tr.set_balanced_thought_belief(60);

  v1::Completion phq9_answers;
  phq9_answers.set_name(std::string(kPhq9) + "/completions/c3");
  *phq9_answers.mutable_occur_time() = At(kMonday + 7200);
  phq9_answers.set_occur_time_zone("Europe/Berlin");
  phq9_answers.set_status(v1::Completion::STATUS_DONE);
  v1::MeasureResponse& phq = *phq9_answers.mutable_measure();
  for (int score : {1, 2, 1, 0, 1, 0, 1, 0, 1}) phq.add_item_scores(score);
  phq.set_measure(v1::MEASURE_PHQ9);
  phq.set_total(7);
  phq.set_severity(v1::MeasureResponse::SEVERITY_MILD);
  phq.set_loinc("44261-6");
  phq.set_urgent(true);

  v1::Completion gad7_answers;
  gad7_answers.set_name(std::string(kGad7) + "/completions/c4");
  *gad7_answers.mutable_occur_time() = At(kMonday + 7200);
  gad7_answers.set_occur_time_zone("Europe/Berlin");
  gad7_answers.set_status(v1::Completion::STATUS_DONE);
  v1::MeasureResponse& gad = *gad7_answers.mutable_measure();
  for (int score : {3, 2, 1, 1, 0, 0, 0}) gad.add_item_scores(score);
  gad.set_measure(v1::MEASURE_GAD7);
  gad.set_total(7);
  gad.set_severity(v1::MeasureResponse::SEVERITY_MILD);
  gad.set_loinc("70274-6");

  record.completions = {later_practice, gad7_answers, thought_record, practice, phq9_answers};
  return record;
}

json Build(const ClientRecord& record) {
  absl::StatusOr<Bundle> bundle = BuildBundle(record);
  EXPECT_THAT(bundle, IsOk());
  if (!bundle.ok()) return json::object();
  return json::parse(bundle->json);
}

std::vector<json> ResourcesOf(const json& bundle, const std::string& type) {
  std::vector<json> found;
  for (const json& entry : bundle["entry"]) {
    if (entry["resource"]["resourceType"] == type) found.push_back(entry["resource"]);
  }
  return found;
}

// The resource whose fullUrl is `reference`.
json Resolve(const json& bundle, const json& reference) {
  for (const json& entry : bundle["entry"]) {
    if (entry["fullUrl"] == reference["reference"]) return entry["resource"];
  }
  return json();
}

json OneWithIdentifier(const json& bundle, const std::string& type, const std::string& name) {
  for (const json& resource : ResourcesOf(bundle, type)) {
    const json& identifier = resource.value("identifier", json());
    if (identifier.is_object() && identifier["value"] == name) return resource;
    if (identifier.is_array() && !identifier.empty() && identifier[0]["value"] == name) {
      return resource;
    }
  }
  ADD_FAILURE() << "no " << type << " with identifier " << name;
  return json::object();
}

json ObservationWithCode(const json& bundle, const std::string& system, const std::string& code,
                         const json& response) {
  const std::string response_url = "urn:uuid:" + response["id"].get<std::string>();
  for (const json& observation : ResourcesOf(bundle, "Observation")) {
    const json& coding = observation["code"]["coding"][0];
    if (coding["system"] == system && coding["code"] == code &&
        observation["derivedFrom"][0]["reference"] == response_url) {
      return observation;
    }
  }
  ADD_FAILURE() << "no Observation " << code << " derived from " << response_url;
  return json::object();
}

// Every value under key `key` anywhere in `value`.
void Collect(const json& value, const std::string& key, std::vector<json>& out) {
  if (value.is_object()) {
    for (auto it = value.begin(); it != value.end(); ++it) {
      if (it.key() == key) out.push_back(it.value());
      Collect(it.value(), key, out);
    }
  } else if (value.is_array()) {
    for (const json& element : value) Collect(element, key, out);
  }
}

std::set<std::string> LinkIds(const json& items) {
  std::set<std::string> ids;
  std::vector<json> found;
  Collect(items, "linkId", found);
  for (const json& id : found) ids.insert(id.get<std::string>());
  return ids;
}

TEST(BuildBundleTest, CountsOneResourcePerRecordAndForm) {
  absl::StatusOr<Bundle> bundle = BuildBundle(SampleRecord());
  ASSERT_THAT(bundle, IsOk());
  // Observations: exposure c1 SUDS, expectancy, minutes, review; c5 mood; PHQ-9 and GAD-7
  // totals. Questionnaires: the six kinds used, the two measures apart.
  EXPECT_EQ(bundle->resource_counts, (std::map<std::string, int>{{"CarePlan", 1},
                                                                 {"Goal", 1},
                                                                 {"Observation", 7},
                                                                 {"Patient", 1},
                                                                 {"Questionnaire", 6},
                                                                 {"QuestionnaireResponse", 5},
                                                                 {"Task", 6}}));
  const json parsed = json::parse(bundle->json);
  EXPECT_EQ(parsed["resourceType"], "Bundle");
  EXPECT_EQ(parsed["type"], "collection");
  std::map<std::string, int> counted;
  for (const json& entry : parsed["entry"]) ++counted[entry["resource"]["resourceType"]];
  EXPECT_EQ(counted, bundle->resource_counts);
  EXPECT_FALSE(parsed.contains("timestamp")) << "no time of export in the bundle";
}

TEST(BuildBundleTest, RepeatedBuildsAreByteIdenticalWhateverTheInputOrder) {
  const ClientRecord record = SampleRecord();
  ClientRecord reversed = record;
  std::reverse(reversed.assignments.begin(), reversed.assignments.end());
  std::reverse(reversed.completions.begin(), reversed.completions.end());
  absl::StatusOr<Bundle> first = BuildBundle(record);
  absl::StatusOr<Bundle> second = BuildBundle(record);
  absl::StatusOr<Bundle> third = BuildBundle(reversed);
  ASSERT_THAT(first, IsOk());
  ASSERT_THAT(second, IsOk());
  ASSERT_THAT(third, IsOk());
  EXPECT_EQ(first->json, second->json);
  EXPECT_EQ(first->json, third->json);
}

TEST(BuildBundleTest, IdsAreStableUuidsAndEveryReferenceResolvesInsideTheBundle) {
  const json bundle = Build(SampleRecord());
  const std::regex uuid("[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  std::set<std::string> full_urls;
  for (const json& entry : bundle["entry"]) {
    const std::string id = entry["resource"]["id"];
    EXPECT_TRUE(std::regex_match(id, uuid)) << id;
    EXPECT_EQ(entry["fullUrl"], "urn:uuid:" + id);
    EXPECT_TRUE(full_urls.insert(entry["fullUrl"]).second) << "duplicate " << entry["fullUrl"];
  }
  std::vector<json> references;
  Collect(bundle, "reference", references);
  int checked = 0;
  for (const json& reference : references) {
    if (!reference.is_string()) continue;  // CarePlan.activity.reference is itself a Reference
    ++checked;
    EXPECT_EQ(full_urls.count(reference.get<std::string>()), 1u) << reference;
  }
  EXPECT_GT(checked, 40);
  // The Patient's id is the documented v5 UUID of its key.
  const json patient = ResourcesOf(bundle, "Patient").at(0);
  EXPECT_EQ(patient["id"], ResourceId(std::string(kClient) + "#Patient"));
}

TEST(BuildBundleTest, NameBasedUuidIsRfcVersion5) {
  // Python: uuid.uuid5(uuid.NAMESPACE_DNS, "python.org").
  EXPECT_EQ(NameBasedUuid("6ba7b810-9dad-11d1-80b4-00c04fd430c8", "python.org"),
            "886313e1-3b8a-5372-9b90-0c9aee199e5d");
  // uuid.uuid5(uuid.NAMESPACE_URL,
  //            "https://therapy-homework.example/fhir/practices/p/clients/c#Patient").
  EXPECT_EQ(ResourceId("practices/p/clients/c#Patient"), "f7f5e298-00f0-5374-86a1-3ae9ede67ee6");
}

TEST(BuildBundleTest, PatientCarriesOnlyIdAndDisplayName) {
  const json bundle = Build(SampleRecord());
  const std::vector<json> patients = ResourcesOf(bundle, "Patient");
  ASSERT_EQ(patients.size(), 1u);
  std::vector<std::string> keys;
  for (auto it = patients[0].begin(); it != patients[0].end(); ++it) keys.push_back(it.key());
  EXPECT_THAT(keys, UnorderedElementsAre("resourceType", "id", "name"));
  EXPECT_EQ(patients[0]["name"], json::parse(R"([{"text": "Alex"}])"));
}

TEST(BuildBundleTest, CarePlanLinksPatientGoalsAndEveryTask) {
  const json bundle = Build(SampleRecord());
  const json plan = ResourcesOf(bundle, "CarePlan").at(0);
  EXPECT_EQ(plan["status"], "active");
  EXPECT_EQ(plan["intent"], "plan");
  EXPECT_EQ(Resolve(bundle, plan["subject"])["resourceType"], "Patient");
  ASSERT_EQ(plan["goal"].size(), 1u);
  EXPECT_EQ(Resolve(bundle, plan["goal"][0])["description"]["text"],
            "Social anxiety: talking to people I don't know");
  ASSERT_EQ(plan["activity"].size(), 6u);
  for (const json& activity : plan["activity"]) {
    EXPECT_EQ(Resolve(bundle, activity["reference"])["resourceType"], "Task");
  }
  const json goal = ResourcesOf(bundle, "Goal").at(0);
  EXPECT_EQ(goal["lifecycleStatus"], "active");
  EXPECT_EQ(goal["startDate"], "2026-01-03");
  std::vector<std::string> notes;
  for (const json& note : goal["note"]) notes.push_back(note["text"]);
  EXPECT_THAT(notes,
              ElementsAre("SUDS anchors in the client's words: 0 = \"Sunday morning reading\"; "
                          "100 = \"Giving a speech\"",
                          "Step 1 of 3 (expected SUDS 30): Eye contact. Practise 3 times daily "
                          "for one week",
                          "Step 2 of 3 (expected SUDS 40): Say hello. Practise 3 times daily for "
                          "one week. Current step.",
                          "Step 3 of 3 (expected SUDS 50): Ask. Practise 3 times daily for one "
                          "week",
                          "Advanced from step 1 to step 2: Two practices with SUDS halving"));
}

TEST(BuildBundleTest, TasksMapStateScheduleAndLinks) {
  const json bundle = Build(SampleRecord());
  EXPECT_EQ(OneWithIdentifier(bundle, "Task", kMoodDraft)["status"], "draft");
  EXPECT_EQ(OneWithIdentifier(bundle, "Task", kGad7)["status"], "completed");
  const json cancelled = OneWithIdentifier(bundle, "Task", kCopingCancelled);
  EXPECT_EQ(cancelled["status"], "cancelled");
  EXPECT_EQ(cancelled["statusReason"]["text"], "Replaced by exposure");

  const json task = OneWithIdentifier(bundle, "Task", kExposure);
  EXPECT_EQ(task["status"], "in-progress");
  EXPECT_EQ(task["intent"], "plan");
  EXPECT_EQ(task["description"], "Title of a1-exposure");
  EXPECT_EQ(task["code"]["coding"][0]["system"], kHomework);
  EXPECT_EQ(task["code"]["coding"][0]["code"], "exposure-practice");
  EXPECT_EQ(Resolve(bundle, task["for"])["resourceType"], "Patient");
  EXPECT_EQ(Resolve(bundle, task["owner"])["resourceType"], "Patient");
  EXPECT_EQ(Resolve(bundle, task["basedOn"][0])["resourceType"], "CarePlan");
  EXPECT_EQ(Resolve(bundle, task["reasonReference"])["resourceType"], "Goal");
  EXPECT_EQ(task["requester"]["display"], "dr-ada");
  EXPECT_EQ(task["restriction"]["period"],
            json::parse(R"({"start": "2026-01-05", "end": "2026-02-01"})"));
  std::map<std::string, json> inputs;
  for (const json& input : task["input"]) inputs[input["type"]["coding"][0]["code"]] = input;
  EXPECT_EQ(inputs["questionnaire"]["valueCanonical"],
            "https://therapy-homework.example/fhir/Questionnaire/exposure-practice|1");
  // The anchor takes Timing.repeat.when, so the preferred time travels beside it (tim-10).
  EXPECT_EQ(inputs["schedule"]["valueTiming"], json::parse(R"({"repeat": {
      "boundsPeriod": {"start": "2026-01-05", "_start": {"extension": [{
          "url": "http://hl7.org/fhir/StructureDefinition/tz-code", "valueCode": "Europe/Berlin"}]},
        "end": "2026-02-01"},
      "duration": 30, "durationUnit": "min", "frequency": 4, "period": 1, "periodUnit": "wk",
      "when": ["PCD"]}})"));
  EXPECT_EQ(inputs["preferred-local-time"]["valueTime"], "13:30:00");
  EXPECT_EQ(inputs["habit-anchor"]["valueString"], "after lunch");
  EXPECT_EQ(inputs["minimum-version"]["valueString"], "Two minutes of it");
  EXPECT_EQ(inputs["hierarchy-step"]["valueInteger"], 2);
  // Its two completions in the export are its outputs, in time order.
  ASSERT_EQ(task["output"].size(), 2u);
  EXPECT_EQ(Resolve(bundle, task["output"][0]["valueReference"])["identifier"]["value"],
            std::string(kExposure) + "/completions/c1");
  EXPECT_EQ(Resolve(bundle, task["output"][1]["valueReference"])["identifier"]["value"],
            std::string(kExposure) + "/completions/c5");

  const json gad = OneWithIdentifier(bundle, "Task", kGad7);
  EXPECT_EQ(gad["input"][1]["valueTiming"]["repeat"]["timeOfDay"], json::array({"09:15:00"}));
  EXPECT_FALSE(gad["input"][1]["valueTiming"]["repeat"].contains("when"));
}

// A safety plan exports the client's own steps as Task inputs; the people and places on it are
// third persons and stay out (docs/fhir-mapping.md, "Not exported").
TEST(BuildBundleTest, ASafetyPlanExportsItsStepsButNotItsContacts) {
  constexpr char kPlan[] = "practices/clinic-a/clients/alex/assignments/a7-safety-plan";
  ClientRecord record = SampleRecord();
  v1::Assignment plan =
      MakeAssignment(kPlan, v1::EXERCISE_KIND_SAFETY_PLAN, v1::Assignment::STATE_ACTIVE);
  v1::SafetyPlan& steps = *plan.mutable_exercise()->mutable_safety_plan();
  steps.add_warning_signs("I stop answering messages");
  steps.add_coping_strategies("A walk round the block");
  steps.add_social_distractions()->set_name("The climbing gym");
  v1::SafetyPlanContact& sam = *steps.add_help_contacts();
  sam.set_name("Sam (sister)");
  sam.set_phone("+49 151 2345 6789");
  steps.add_professional_contacts()->set_name("Dr Ada");
  steps.add_environment_steps("Pills stay with Sam");
  steps.add_reasons_for_living("My niece's laugh");
  record.assignments.push_back(plan);

  absl::StatusOr<Bundle> built = BuildBundle(record);
  ASSERT_THAT(built, IsOk());
  const json bundle = json::parse(built->json);
  const json task = OneWithIdentifier(bundle, "Task", kPlan);
  EXPECT_EQ(task["code"]["coding"][0]["code"], "safety-plan");
  std::multimap<std::string, std::string> inputs;
  for (const json& input : task["input"]) {
    if (input.contains("valueString")) {
      inputs.emplace(input["type"]["coding"][0]["code"], input["valueString"]);
    }
  }
  EXPECT_EQ(inputs.find("warning-sign")->second, "I stop answering messages");
  EXPECT_EQ(inputs.find("coping-strategy")->second, "A walk round the block");
  EXPECT_EQ(inputs.find("safe-environment-step")->second, "Pills stay with Sam");
  EXPECT_EQ(inputs.find("reason-for-living")->second, "My niece's laugh");
  EXPECT_EQ(built->json.find("Sam (sister)"), std::string::npos);
  EXPECT_EQ(built->json.find("2345 6789"), std::string::npos);
  EXPECT_EQ(built->json.find("climbing gym"), std::string::npos);
}

TEST(BuildBundleTest, HabitAnchorsBecomeEventTimingWithUnsignedOffsets) {
  const json bundle = Build(SampleRecord());
  // Dinner - 30 min: ACV ("before dinner") with offset 30.
  const json thought = OneWithIdentifier(bundle, "Task", kThought)["input"][1]["valueTiming"];
  EXPECT_EQ(thought["repeat"]["when"], json::array({"ACV"}));
  EXPECT_EQ(thought["repeat"]["offset"], 30);
  // Noon - 15 min: no before-noon code, so no offset and the signed value in the extension.
  const json phq = OneWithIdentifier(bundle, "Task", kPhq9)["input"][1]["valueTiming"];
  EXPECT_EQ(phq["repeat"]["when"], json::array({"NOON"}));
  EXPECT_FALSE(phq["repeat"].contains("offset"));
  EXPECT_EQ(phq["repeat"]["extension"], json::parse(R"([{
      "url": "https://therapy-homework.example/fhir/StructureDefinition/habit-anchor-offset",
      "valueInteger": -15}])"));
}

TEST(EventTimingTest, EveryRoutineHasItsFhirCode) {
  const std::vector<std::pair<v1::EventTiming, std::string>> expected = {
      {v1::EVENT_TIMING_WAKE, "WAKE"},
      {v1::EVENT_TIMING_MORNING, "MORN"},
      {v1::EVENT_TIMING_NOON, "NOON"},
      {v1::EVENT_TIMING_AFTERNOON, "AFT"},
      {v1::EVENT_TIMING_EVENING, "EVE"},
      {v1::EVENT_TIMING_NIGHT, "NIGHT"},
      {v1::EVENT_TIMING_BEFORE_SLEEP, "HS"},
      {v1::EVENT_TIMING_AFTER_SLEEP, "PHS"},
      {v1::EVENT_TIMING_MEAL, "C"},
      {v1::EVENT_TIMING_BREAKFAST, "CM"},
      {v1::EVENT_TIMING_LUNCH, "CD"},
      {v1::EVENT_TIMING_DINNER, "CV"},
      {v1::EVENT_TIMING_BEFORE_MEAL, "AC"},
      {v1::EVENT_TIMING_AFTER_MEAL, "PC"},
      {v1::EVENT_TIMING_AFTER_BREAKFAST, "PCM"},
      {v1::EVENT_TIMING_AFTER_LUNCH, "PCD"},
      {v1::EVENT_TIMING_AFTER_DINNER, "PCV"},
  };
  for (const auto& [when, code] : expected) {
    const EventTimingCode mapped = MapHabitAnchor(when, 0);
    EXPECT_EQ(mapped.when, code);
    EXPECT_FALSE(mapped.offset.has_value());
    EXPECT_FALSE(mapped.signed_offset.has_value());
    // After the routine: the code with the minutes as its offset, unless the code means before
    // (AC, HS: the extension) or at a meal (C*: the after-meal code, tim-9).
    const EventTimingCode after = MapHabitAnchor(when, 20);
    if (code == "AC" || code == "HS") {
      EXPECT_EQ(after.when, code);
      EXPECT_FALSE(after.offset.has_value()) << code;
      EXPECT_EQ(after.signed_offset, 20) << code;
    } else if (code == "C" || code == "CM" || code == "CD" || code == "CV") {
      EXPECT_EQ(after.when, "P" + code) << code;
      EXPECT_EQ(after.offset, 20) << code;
      EXPECT_FALSE(after.signed_offset.has_value()) << code;
    } else {
      EXPECT_EQ(after.when, code);
      EXPECT_EQ(after.offset, 20) << code;
      EXPECT_FALSE(after.signed_offset.has_value()) << code;
    }
  }
  EXPECT_EQ(MapHabitAnchor(v1::EVENT_TIMING_UNSPECIFIED, 10).when, "");
}

TEST(EventTimingTest, MinutesBeforeAMealOrSleepUseTheBeforeCodes) {
  struct Case {
    v1::EventTiming when;
    std::string code;
  };
  for (const Case& c :
       {Case{v1::EVENT_TIMING_MEAL, "AC"}, Case{v1::EVENT_TIMING_BREAKFAST, "ACM"},
        Case{v1::EVENT_TIMING_LUNCH, "ACD"}, Case{v1::EVENT_TIMING_DINNER, "ACV"},
        Case{v1::EVENT_TIMING_BEFORE_MEAL, "AC"}, Case{v1::EVENT_TIMING_BEFORE_SLEEP, "HS"}}) {
    const EventTimingCode mapped = MapHabitAnchor(c.when, -30);
    EXPECT_EQ(mapped.when, c.code);
    EXPECT_EQ(mapped.offset, 30) << c.code;
    EXPECT_FALSE(mapped.signed_offset.has_value()) << c.code;
  }
  for (v1::EventTiming when : {v1::EVENT_TIMING_WAKE, v1::EVENT_TIMING_EVENING,
                               v1::EVENT_TIMING_AFTER_DINNER, v1::EVENT_TIMING_AFTER_SLEEP}) {
    const EventTimingCode mapped = MapHabitAnchor(when, -45);
    EXPECT_EQ(mapped.when, EventTimingCodeOf(when));
    EXPECT_FALSE(mapped.offset.has_value());
    EXPECT_EQ(mapped.signed_offset, -45);
  }
}

// Every anchor x every offset sign (and the limits), through the Timing JSON the export writes:
// R4's tim-9 ("offset.exists() implies (when.exists() and (when in ('C' | 'CM' | 'CD' |
// 'CV')).not())") holds, the code is in the R4 EventTiming value set, and `when` + the unsigned
// `offset` (or else the signed extension) say the same signed minutes as the anchor: a before-code
// (AC, ACM, ACD, ACV, HS) with an offset means minutes before, any other code minutes after.
TEST(EventTimingTest, EveryAnchorAndOffsetSignSatisfiesTim9AndKeepsItsMinutes) {
  const std::set<std::string> r4_event_timing = {
      "MORN", "MORN.early", "MORN.late", "NOON",  "AFT", "AFT.early", "AFT.late",
      "EVE",  "EVE.early",  "EVE.late",  "NIGHT", "PHS", "HS",        "WAKE",
      "C",    "CM",         "CD",        "CV",    "AC",  "ACM",       "ACD",
      "ACV",  "PC",         "PCM",       "PCD",   "PCV"};
  const std::set<std::string> at_meal = {"C", "CM", "CD", "CV"};
  const std::set<std::string> before_codes = {"AC", "ACM", "ACD", "ACV", "HS"};
  const std::map<std::string, std::pair<std::string, std::string>> meal_before_after = {
      {"C", {"AC", "PC"}}, {"CM", {"ACM", "PCM"}}, {"CD", {"ACD", "PCD"}}, {"CV", {"ACV", "PCV"}}};
  const google::protobuf::EnumDescriptor* anchors = v1::EventTiming_descriptor();
  int cases = 0;
  for (int i = 0; i < anchors->value_count(); ++i) {
    const auto when = static_cast<v1::EventTiming>(anchors->value(i)->number());
    if (when == v1::EVENT_TIMING_UNSPECIFIED) continue;
    const std::string own_code(EventTimingCodeOf(when));
    for (int minutes : {-720, -90, -1, 0, 1, 10, 720}) {
      ++cases;
      v1::Schedule schedule;
      schedule.mutable_habit_anchor()->set_when(when);
      schedule.mutable_habit_anchor()->set_offset_minutes(minutes);
      const Json repeat = TimingOf(schedule, "Europe/Berlin").timing.at("repeat");
      const std::string label = own_code + " " + std::to_string(minutes);
      ASSERT_EQ(repeat.at("when").size(), 1u) << label;
      const std::string code = repeat.at("when").at(0);
      EXPECT_TRUE(r4_event_timing.count(code)) << label << " -> " << code;
      // tim-9.
      if (repeat.contains("offset")) {
        EXPECT_FALSE(at_meal.count(code)) << label << " -> " << repeat.dump();
        EXPECT_GE(repeat.at("offset").get<int>(), 0) << label;
      }
      // The minutes, signed, as a reader of `when` + `offset` + the extension gets them.
      int said = 0;
      if (repeat.contains("offset")) {
        const int offset = repeat.at("offset");
        said = before_codes.count(code) ? -offset : offset;
        EXPECT_FALSE(repeat.contains("extension")) << label;
      } else if (repeat.contains("extension")) {
        said = repeat.at("extension").at(0).at("valueInteger");
        EXPECT_EQ(repeat.at("extension").at(0).at("url").get<std::string>(), kAnchorOffsetExtension)
            << label;
      }
      EXPECT_EQ(said, minutes) << label << " -> " << repeat.dump();
      if (minutes == 0) {
        EXPECT_EQ(code, own_code) << label;
      }
      // A meal anchor takes the after- or before-meal code by the offset's sign.
      if (const auto meal = meal_before_after.find(own_code); meal != meal_before_after.end()) {
        const std::string expected = minutes < 0   ? meal->second.first
                                     : minutes > 0 ? meal->second.second
                                                   : own_code;
        EXPECT_EQ(code, expected) << label;
        if (minutes != 0) {
          EXPECT_EQ(repeat.value("offset", -1), std::abs(minutes)) << label;
        }
      }
    }
  }
  EXPECT_EQ(cases, 17 * 7);
}

TEST(BuildBundleTest, MeasureTotalsAreLoincObservationsWithSeverity) {
  const json bundle = Build(SampleRecord());
  const json phq_response =
      OneWithIdentifier(bundle, "QuestionnaireResponse", std::string(kPhq9) + "/completions/c3");
  const json phq = ObservationWithCode(bundle, "http://loinc.org", "44261-6", phq_response);
  EXPECT_EQ(phq["status"], "final");
  EXPECT_EQ(phq["category"][0]["coding"][0]["code"], "survey");
  EXPECT_EQ(phq["valueQuantity"], json::parse(R"({"value": 7, "unit": "{score}",
      "system": "http://unitsofmeasure.org", "code": "{score}"})"));
  ASSERT_EQ(phq["interpretation"].size(), 2u);
  EXPECT_EQ(phq["interpretation"][0]["coding"][0]["code"], "severity-mild");
  EXPECT_EQ(phq["interpretation"][1]["coding"][0]["code"], "urgent");
  EXPECT_EQ(phq["effectiveDateTime"], "2026-01-05T22:00:00.000+01:00");
  EXPECT_EQ(Resolve(bundle, phq["subject"])["resourceType"], "Patient");

  const json gad_response =
      OneWithIdentifier(bundle, "QuestionnaireResponse", std::string(kGad7) + "/completions/c4");
  const json gad = ObservationWithCode(bundle, "http://loinc.org", "70274-6", gad_response);
  EXPECT_EQ(gad["valueQuantity"]["value"], 7);
  ASSERT_EQ(gad["interpretation"].size(), 1u);

  // The responses answer each item with its LOINC code and answer code.
  EXPECT_EQ(phq_response["questionnaire"],
            "https://therapy-homework.example/fhir/Questionnaire/phq-9|1");
  std::map<std::string, json> answers;
  for (const json& item : phq_response["item"]) answers[item["linkId"]] = item["answer"][0];
  EXPECT_EQ(answers["44250-9"]["valueCoding"]["code"], "LA6569-3");
  EXPECT_EQ(answers["44255-8"]["valueCoding"]["code"], "LA6570-1");
  EXPECT_EQ(answers["44260-8"]["valueCoding"]["code"], "LA6569-3");
  EXPECT_EQ(answers["44261-6"]["valueInteger"], 7);
}

TEST(BuildBundleTest, MeasureTotalsCarryTheirReliableChangeAsInterpretationAndComponents) {
  // The sample's PHQ-9 (7 now) against three baselines, with the practice's thresholds (6 points,
  // caseness 10): 13 -> 7 improved reliably and recovered, 9 -> 7 no reliable change, 1 -> 7
  // deteriorated reliably.
  struct Case {
    int baseline;
    v1::MeasureChange::ReliableChange since_baseline;
    v1::MeasureChange::Recovery recovery;
    std::vector<std::string> codings;  // the interpretation after the band and `urgent`
    std::string recovery_code;         // empty: none
  };
  const Case cases[] = {
      {13,
       v1::MeasureChange::RELIABLE_CHANGE_IMPROVEMENT,
       v1::MeasureChange::RECOVERY_RELIABLE_RECOVERY,
       {"B", "reliable-improvement"},
       "reliable-recovery"},
      {9,
       v1::MeasureChange::RELIABLE_CHANGE_NONE,
       v1::MeasureChange::RECOVERY_NOT_AT_CASENESS,
       {"no-reliable-change"},
       ""},
      {1,
       v1::MeasureChange::RELIABLE_CHANGE_DETERIORATION,
       v1::MeasureChange::RECOVERY_NOT_AT_CASENESS,
       {"W", "reliable-deterioration"},
       ""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.baseline);
    ClientRecord record = SampleRecord();
    v1::MeasureChange change;
    change.set_baseline_completion(std::string(kPhq9) + "/completions/c0");
    change.set_baseline_total(c.baseline);
    change.set_change_from_baseline(7 - c.baseline);
    change.set_since_baseline(c.since_baseline);
    change.set_change_from_previous(-1);
    change.set_recovery(c.recovery);
    change.set_reliable_change_threshold(6);
    change.set_caseness_threshold(10);
    record.measure_changes[std::string(kPhq9) + "/completions/c3"] = change;
    const json bundle = Build(record);
    const json phq = ObservationWithCode(
        bundle, "http://loinc.org", "44261-6",
        OneWithIdentifier(bundle, "QuestionnaireResponse", std::string(kPhq9) + "/completions/c3"));
    const json& interpretation = phq["interpretation"];
    ASSERT_EQ(interpretation.size(), c.recovery_code.empty() ? 3u : 4u);
    std::vector<std::string> codings;
    for (const json& coding : interpretation[2]["coding"]) codings.push_back(coding["code"]);
    EXPECT_EQ(codings, c.codings);
    if (c.codings.size() == 2) {
      EXPECT_EQ(interpretation[2]["coding"][0]["system"],
                "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation");
    }
    if (!c.recovery_code.empty()) {
      EXPECT_EQ(interpretation[3]["coding"][0]["code"], c.recovery_code);
    }
    std::map<std::string, json> components;
    for (const json& component : phq["component"]) {
      components[component["code"]["coding"][0]["code"]] = component["valueQuantity"]["value"];
    }
    EXPECT_EQ(components["baseline-total"], c.baseline);
    EXPECT_EQ(components["change-from-baseline"], 7 - c.baseline);
    EXPECT_EQ(components["change-from-previous"], -1);
    EXPECT_EQ(components["reliable-change-threshold"], 6);
    EXPECT_EQ(components["caseness-threshold"], 10);
  }
  // The GAD-7 without an entry has neither.
  const json bundle = Build(SampleRecord());
  const json gad = ObservationWithCode(
      bundle, "http://loinc.org", "70274-6",
      OneWithIdentifier(bundle, "QuestionnaireResponse", std::string(kGad7) + "/completions/c4"));
  EXPECT_FALSE(gad.contains("component"));
}

TEST(BuildBundleTest, SudsIsOneObservationWithBeforePeakAndAfterComponents) {
  const json bundle = Build(SampleRecord());
  const json response = OneWithIdentifier(bundle, "QuestionnaireResponse",
                                          std::string(kExposure) + "/completions/c1");
  const json suds = ObservationWithCode(bundle, kHomework, "suds", response);
  EXPECT_FALSE(suds.contains("valueQuantity"));
  ASSERT_EQ(suds["component"].size(), 3u);
  const std::vector<std::pair<std::string, int>> expected = {
      {"suds-before", 60}, {"suds-peak", 80}, {"suds-after", 30}};
  for (size_t i = 0; i < expected.size(); ++i) {
    const json& component = suds["component"][i];
    EXPECT_EQ(component["code"]["coding"][0]["system"], kHomework);
    EXPECT_EQ(component["code"]["coding"][0]["code"], expected[i].first);
    EXPECT_EQ(component["valueQuantity"]["value"], expected[i].second);
    EXPECT_EQ(component["valueQuantity"]["code"], "{score}");
    EXPECT_EQ(component["valueQuantity"]["system"], "http://unitsofmeasure.org");
  }
  const json minutes = ObservationWithCode(bundle, kHomework, "minutes", response);
  EXPECT_EQ(minutes["valueQuantity"], json::parse(R"({"value": 25, "unit": "min",
      "system": "http://unitsofmeasure.org", "code": "min"})"));
  EXPECT_EQ(minutes["issued"], "2026-01-05T19:10:00.000Z");
  const json expectancy = ObservationWithCode(bundle, kHomework, "expectancy", response);
  ASSERT_EQ(expectancy["component"].size(), 3u);
  EXPECT_EQ(expectancy["component"][0]["valueQuantity"]["code"], "%");
  EXPECT_EQ(expectancy["component"][2]["valueBoolean"], false);

  const json skipped = OneWithIdentifier(bundle, "QuestionnaireResponse",
                                         std::string(kExposure) + "/completions/c5");
  const json mood = ObservationWithCode(bundle, kHomework, "mood", skipped);
  EXPECT_EQ(mood["valueQuantity"]["value"], 6);
}

// Observation.issued is a FHIR instant; it and every dateTime with a time have exactly three
// fractional digits (milliseconds, truncated), whatever precision the stored Timestamp has.
TEST(BuildBundleTest, TimesHaveExactlyMillisecondPrecision) {
  ClientRecord record = SampleRecord();
  for (v1::Completion& completion : record.completions) {
    completion.mutable_record_time()->set_nanos(123'456'789);
    completion.mutable_occur_time()->set_nanos(9'999'999);
  }
  const json bundle = Build(record);
  const json response = OneWithIdentifier(bundle, "QuestionnaireResponse",
                                          std::string(kExposure) + "/completions/c1");
  EXPECT_EQ(response["authored"], "2026-01-05T20:00:00.009+01:00");
  const json minutes = ObservationWithCode(bundle, kHomework, "minutes", response);
  EXPECT_EQ(minutes["issued"], "2026-01-05T19:10:00.123Z");
  EXPECT_EQ(minutes["effectiveDateTime"], "2026-01-05T20:00:00.009+01:00");
  // Every time of day anywhere in the bundle: seconds and three digits, then Z or an offset.
  const std::regex with_millis(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}(Z|[+-]\d{2}:\d{2}))");
  const std::regex any_time(R"(\d{4}-\d{2}-\d{2}T.*)");
  int times = 0;
  std::function<void(const json&)> visit = [&](const json& value) {
    if (value.is_string() && std::regex_match(value.get<std::string>(), any_time)) {
      ++times;
      EXPECT_TRUE(std::regex_match(value.get<std::string>(), with_millis)) << value;
    }
    if (value.is_structured()) {
      for (const json& child : value) visit(child);
    }
  };
  visit(bundle);
  EXPECT_GT(times, 20);
}

TEST(BuildBundleTest, ReviewIsAnObservationAboutTheResponseWithTheFeedbackAsNote) {
  const json bundle = Build(SampleRecord());
  const json response = OneWithIdentifier(bundle, "QuestionnaireResponse",
                                          std::string(kExposure) + "/completions/c1");
  const json review = ObservationWithCode(bundle, kHomework, "quality-rating", response);
  EXPECT_EQ(review["valueInteger"], 4);
  EXPECT_EQ(review["category"][0]["coding"][0]["code"], "therapy");
  EXPECT_EQ(Resolve(bundle, review["focus"][0])["id"], response["id"]);
  EXPECT_EQ(review["note"], json::parse(R"([{"authorReference": {"display": "dr-ada"},
      "time": "2026-01-06T19:00:00.000Z", "text": "Well done staying until it dropped."}])"));
}

TEST(BuildBundleTest, ResponsesAnswerOnlyItemsOfTheirQuestionnaire) {
  const json bundle = Build(SampleRecord());
  std::map<std::string, json> forms;
  for (const json& questionnaire : ResourcesOf(bundle, "Questionnaire")) {
    forms[questionnaire["url"].get<std::string>() + "|" +
          questionnaire["version"].get<std::string>()] = questionnaire;
  }
  const std::vector<json> responses = ResourcesOf(bundle, "QuestionnaireResponse");
  ASSERT_EQ(responses.size(), 5u);
  for (const json& response : responses) {
    EXPECT_EQ(response["status"], "completed");
    ASSERT_EQ(forms.count(response["questionnaire"]), 1u) << response["questionnaire"];
    const std::set<std::string> form_ids = LinkIds(forms[response["questionnaire"]]["item"]);
    for (const std::string& id : LinkIds(response["item"])) {
      EXPECT_EQ(form_ids.count(id), 1u) << id << " not in " << response["questionnaire"];
    }
  }
  const json thought =
      OneWithIdentifier(bundle, "QuestionnaireResponse", std::string(kThought) + "/completions/c2");
  EXPECT_EQ(thought["authored"], "2026-01-05T21:00:00.000+01:00");
  EXPECT_EQ(thought["_authored"]["extension"][0]["valueCode"], "Europe/Berlin");
  EXPECT_EQ(thought["item"][0]["answer"][0]["valueCoding"]["code"], "status-done");
  const json& record = thought["item"][1];
  EXPECT_EQ(record["linkId"], "thought-record");
  EXPECT_EQ(record["item"][0]["answer"][0]["valueString"], "Meeting at work");

  // The measure forms carry their 9 and 7 LOINC-coded items.
  int phq_items = 0;
  int gad_items = 0;
  for (const json& item :
       forms["https://therapy-homework.example/fhir/Questionnaire/phq-9|1"]["item"]) {
    if (item["type"] == "choice" && item.contains("code") &&
        item["code"][0]["system"] == "http://loinc.org")
      ++phq_items;
  }
  for (const json& item :
       forms["https://therapy-homework.example/fhir/Questionnaire/gad-7|1"]["item"]) {
    if (item["type"] == "choice" && item.contains("code") &&
        item["code"][0]["system"] == "http://loinc.org")
      ++gad_items;
  }
  EXPECT_EQ(phq_items, 9);
  EXPECT_EQ(gad_items, 7);
}

TEST(BuildBundleTest, EveryProjectCodeIsDefinedWithItsDisplay) {
  const json bundle = Build(SampleRecord());
  std::vector<json> codings;
  Collect(bundle, "coding", codings);
  std::vector<json> answer_codings;
  Collect(bundle, "valueCoding", answer_codings);
  int checked = 0;
  auto check = [&](const json& coding) {
    if (coding.value("system", "") != kHomework) return;
    ++checked;
    const std::string code = coding["code"];
    EXPECT_FALSE(HomeworkDisplay(code).empty()) << code;
    EXPECT_EQ(coding.value("display", ""), std::string(HomeworkDisplay(code))) << code;
  };
  for (const json& list : codings) {
    for (const json& coding : list) check(coding);
  }
  for (const json& coding : answer_codings) check(coding);
  EXPECT_GT(checked, 30);
  std::set<std::string> codes;
  for (const Concept& c : HomeworkConcepts()) {
    EXPECT_TRUE(codes.insert(std::string(c.code)).second) << "duplicate " << c.code;
  }
}

TEST(BuildBundleTest, ACompletionWhoseAssignmentIsMissingStillGetsAConformingForm) {
  ClientRecord record = SampleRecord();
  record.assignments.clear();
  const json bundle = Build(record);
  const json response =
      OneWithIdentifier(bundle, "QuestionnaireResponse", std::string(kThought) + "/completions/c2");
  EXPECT_EQ(response["questionnaire"],
            "https://therapy-homework.example/fhir/Questionnaire/thought-record|1");
  EXPECT_TRUE(ResourcesOf(bundle, "Task").empty());
  EXPECT_FALSE(ResourcesOf(bundle, "CarePlan").at(0).contains("activity"));
}

TEST(BuildBundleTest, ARecordWithoutAClientNameIsInvalid) {
  EXPECT_THAT(BuildBundle(ClientRecord{}), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace therapy::homework::fhir
