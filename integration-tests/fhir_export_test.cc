// ExportClientRecord end to end: the real homework-server with a client who has done homework
// of every exercise kind (from the built-in templates), an exposure hierarchy, PHQ-9 and GAD-7,
// SUDS practices and reviews, habit anchors at meals with offsets after and before. The exported
// FHIR R4 Bundle must pass two FHIR validators under node (integration-tests/fhir/:
// validate_bundle.mjs with @medplum/core, and check_invariants.mjs evaluating every R4 invariant
// with HL7's fhirpath.js, ADR 0013), hold what was seeded, and be byte-identical when exported
// again; homework-ctl export fhir prints the same bundle.

#include <gmock/gmock.h>
#include <google/protobuf/util/time_util.h>
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "integration-tests/rpc_test_support.h"
#include "integration-tests/server_process.h"
#include "testing/child_process.h"
#include "testing/status_matchers.h"

#ifndef HOMEWORK_SOURCE_DIR
#error "HOMEWORK_SOURCE_DIR must name the repository root (set by CMake)"
#endif
#ifndef HOMEWORK_CTL_PATH
#error "HOMEWORK_CTL_PATH must name the homework-ctl binary (set by CMake)"
#endif

namespace therapy::homework::testing {
namespace {

using ::google::protobuf::util::TimeUtil;
using nlohmann::json;
using ::testing::HasSubstr;
using ::therapy::homework::testing::IsOk;

constexpr char kPractice[] = "clinic-a";
constexpr char kPracticeName[] = "practices/clinic-a";
constexpr char kZone[] = "Europe/Berlin";
constexpr char kHomework[] = "https://therapy-homework.example/fhir/CodeSystem/homework";

google::protobuf::Timestamp MinutesAgo(int minutes) {
  return TimeUtil::SecondsToTimestamp(absl::ToUnixSeconds(absl::Now() - absl::Minutes(minutes)));
}

// A completion `minutes_ago` in the client's zone with `status`.
v1::Completion Practice(int minutes_ago,
                        v1::Completion::Status status = v1::Completion::STATUS_DONE) {
  v1::Completion completion;
  *completion.mutable_occur_time() = MinutesAgo(minutes_ago);
  completion.set_occur_time_zone(kZone);
  completion.set_status(status);
  return completion;
}

v1::Completion Exposure(int minutes_ago, int minutes, int before, int peak, int after) {
  v1::Completion completion = Practice(minutes_ago);
  completion.set_minutes(minutes);
  completion.mutable_suds()->set_before(before);
  completion.mutable_suds()->set_peak(peak);
  completion.mutable_suds()->set_after(after);
  return completion;
}

v1::Completion Measure(int minutes_ago, std::initializer_list<int> items) {
  v1::Completion completion = Practice(minutes_ago);
  for (int item : items) completion.mutable_measure()->add_item_scores(item);
  return completion;
}

v1::ThoughtRecord FullThoughtRecord() {
  v1::ThoughtRecord record;
  record.set_situation("Team meeting, I was asked for an update");
  record.set_automatic_thought("Everyone can see I'm not coping");
  record.set_automatic_thought_belief(80);
  v1::EmotionRating* anxious = record.add_emotions();
  anxious->set_emotion("anxious");
  anxious->set_intensity(75);
  record.set_evidence_for("My voice shook");
  record.set_evidence_against("Two people thanked me for the update");
  record.set_balanced_thought("I was nervous and still gave a useful update");
  record.set_balanced_thought_belief(60);
  return record;
}

// Every resource of `type` in `bundle`.
std::vector<json> ResourcesOf(const json& bundle, const std::string& type) {
  std::vector<json> found;
  for (const json& entry : bundle["entry"]) {
    if (entry["resource"]["resourceType"] == type) found.push_back(entry["resource"]);
  }
  return found;
}

void CollectReferences(const json& value, std::vector<std::string>& out) {
  if (value.is_object()) {
    for (auto it = value.begin(); it != value.end(); ++it) {
      if (it.key() == "reference" && it.value().is_string()) {
        out.push_back(it.value());
      } else {
        CollectReferences(it.value(), out);
      }
    }
  } else if (value.is_array()) {
    for (const json& element : value) CollectReferences(element, out);
  }
}

// The resource with fullUrl `reference`, or null.
json Resolve(const json& bundle, const std::string& reference) {
  for (const json& entry : bundle["entry"]) {
    if (entry["fullUrl"] == reference) return entry["resource"];
  }
  return json();
}

std::string CodeOf(const json& concept_json) {
  return concept_json["coding"][0]["code"].get<std::string>();
}

class FhirExportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<ServerProcess>> started = ServerProcess::Start();
    ASSERT_THAT(started, IsOk());
    server_ = *std::move(started);
    stub_ = server_->NewStub();
    platform_ = server_->Token("platform-backend", "service", kPractice);
    dr_ada_ = server_->Token("dr-ada", "therapist", kPractice);
    alex_ = server_->Token("alex", "client", kPractice);
  }

  void CreateClient(const std::string& id, const std::string& display_name,
                    const std::string& therapist) {
    v1::CreateClientRequest request;
    request.set_parent(kPracticeName);
    request.set_client_id(id);
    request.mutable_client()->set_display_name(display_name);
    request.mutable_client()->set_time_zone(kZone);
    request.mutable_client()->add_care_team(therapist);
    v1::Client client;
    ASSERT_RPC_OK(Call(*stub_, &Stub::CreateClient, platform_, request, &client));
  }

  // Dr Ada assigns built-in template `name`, personalised with `personal`, and activates it.
  v1::Assignment Assign(const std::string& template_name, v1::Assignment personal = {}) {
    v1::CreateAssignmentRequest create;
    create.set_parent(alex_name_);
    create.set_template_(template_name);
    personal.mutable_schedule()->set_start_date(DayIn(kZone, -7));
    *create.mutable_assignment() = personal;
    v1::Assignment draft;
    grpc::Status status = Call(*stub_, &Stub::CreateAssignment, dr_ada_, create, &draft);
    EXPECT_TRUE(status.ok()) << template_name << ": " << Describe(status);
    v1::ActivateAssignmentRequest activate;
    activate.set_name(draft.name());
    activate.set_etag(draft.etag());
    v1::Assignment active;
    status = Call(*stub_, &Stub::ActivateAssignment, dr_ada_, activate, &active);
    EXPECT_TRUE(status.ok()) << template_name << ": " << Describe(status);
    assignments_.push_back(active.name());
    return active;
  }

  // Alex records `completion` against `assignment`.
  v1::Completion Record(const v1::Assignment& assignment, const v1::Completion& completion) {
    v1::CreateCompletionRequest request;
    request.set_parent(assignment.name());
    *request.mutable_completion() = completion;
    v1::Completion recorded;
    const grpc::Status status = Call(*stub_, &Stub::CreateCompletion, alex_, request, &recorded);
    EXPECT_TRUE(status.ok()) << assignment.name() << ": " << Describe(status);
    return recorded;
  }

  void Review(const v1::Completion& completion, int rating, const std::string& feedback) {
    v1::ReviewCompletionRequest request;
    request.set_name(completion.name());
    request.set_etag(completion.etag());
    request.mutable_review()->set_quality_rating(rating);
    request.mutable_review()->set_feedback(feedback);
    v1::Completion reviewed;
    ASSERT_RPC_OK(Call(*stub_, &Stub::ReviewCompletion, dr_ada_, request, &reviewed));
  }

  // The demo client Alex: a hierarchy, 13 assignments (every kind from the built-in templates,
  // two measures), 14 completions, two reviews.
  void SeedAlex() {
    CreateClient("alex", "Alex Example", "dr-ada");
    CreateClient("sam", "Sam Example", "dr-bo");

    v1::CreateHierarchyRequest ladder;
    ladder.set_parent(alex_name_);
    ladder.set_template_("hierarchyTemplates/social-anxiety-ladder");
    ladder.mutable_hierarchy()->mutable_anchors()->set_calm("Reading on a Sunday morning");
    ladder.mutable_hierarchy()->mutable_anchors()->set_worst("Giving a speech at a wedding");
    ASSERT_RPC_OK(Call(*stub_, &Stub::CreateHierarchy, dr_ada_, ladder, &hierarchy_));
    v1::AdvanceHierarchyRequest advance;
    advance.set_name(hierarchy_.name());
    advance.set_etag(hierarchy_.etag());
    advance.set_reason("Eye contact is easy now: SUDS halved twice");
    ASSERT_RPC_OK(Call(*stub_, &Stub::AdvanceHierarchy, dr_ada_, advance, &hierarchy_));

    const v1::Assignment thought = Assign("templates/thought-record");
    // Habit anchors at a meal, shifted: ten minutes after dinner (R4's tim-9 forbids an offset
    // on CV: PCV), a quarter of an hour before breakfast (ACM).
    v1::Assignment after_dinner;
    after_dinner.mutable_schedule()->mutable_habit_anchor()->set_when(v1::EVENT_TIMING_DINNER);
    after_dinner.mutable_schedule()->mutable_habit_anchor()->set_offset_minutes(10);
    const v1::Assignment mood = Assign("templates/mood-monitoring", after_dinner);
    const v1::Assignment activity = Assign("templates/activity-log");
    v1::Assignment belief;
    belief.mutable_exercise()->mutable_cognitive_restructuring()->set_target_belief(
        "I always mess things up");
    const v1::Assignment restructuring = Assign("templates/cognitive-restructuring", belief);
    const v1::Assignment experiment = Assign("templates/behavioral-experiment");
    v1::Assignment step;
    step.mutable_exercise()->mutable_exposure_practice()->set_situation("Say hello to a cashier");
    step.mutable_exercise()->mutable_exposure_practice()->set_hierarchy(hierarchy_.name());
    step.mutable_exercise()->mutable_exposure_practice()->set_hierarchy_step(1);
    exposure_ = Assign("templates/exposure-practice", step);
    v1::Assignment before_breakfast;
    before_breakfast.mutable_schedule()->mutable_habit_anchor()->set_when(
        v1::EVENT_TIMING_BREAKFAST);
    before_breakfast.mutable_schedule()->mutable_habit_anchor()->set_offset_minutes(-15);
    const v1::Assignment breathing = Assign("templates/paced-breathing", before_breakfast);
    const v1::Assignment sleep = Assign("templates/sleep-routine");
    const v1::Assignment coping = Assign("templates/coping-card");
    const v1::Assignment relapse = Assign("templates/relapse-prevention-plan");
    const v1::Assignment custom = Assign("templates/your-own-practice");
    const v1::Assignment phq9 = Assign("templates/phq-9");
    const v1::Assignment gad7 = Assign("templates/gad-7");

    v1::Completion thought_done = Practice(300);
    *thought_done.mutable_thought_record() = FullThoughtRecord();
    const v1::Completion thought_recorded = Record(thought, thought_done);

    v1::Completion mood_done = Practice(290);
    mood_done.set_mood(6);
    v1::EmotionRating* calm = mood_done.add_emotions();
    calm->set_emotion("calm");
    calm->set_intensity(40);
    Record(mood, mood_done);

    v1::Completion walk = Practice(280);
    walk.mutable_activity()->set_activity("Walk by the river");
    walk.mutable_activity()->set_mastery(6);
    walk.mutable_activity()->set_pleasure(8);
    Record(activity, walk);

    v1::Completion restructured = Practice(270);
    *restructured.mutable_thought_record() = FullThoughtRecord();
    Record(restructuring, restructured);

    v1::Completion tested = Practice(260);
    v1::ExperimentRecord& record = *tested.mutable_experiment();
    record.set_prediction("If I ask a question in the shop they will laugh");
    record.set_belief_before(70);
    record.set_experiment("Asked where the batteries are");
    record.set_outcome("The assistant walked me there and smiled");
    record.set_belief_after(20);
    record.set_learning("People are mostly helpful");
    Record(experiment, tested);

    v1::Completion first = Exposure(250, 30, 50, 70, 30);
    first.mutable_expectancy()->set_before(70);
    first.mutable_expectancy()->set_after(30);
    first.mutable_expectancy()->set_feared_outcome_occurred(false);
    exposure_first_ = Record(exposure_, first);
    Record(exposure_, Exposure(5, 25, 40, 55, 20));  // the latest completion of all

    v1::Completion breathed = Practice(240);
    breathed.set_minutes(5);
    breathed.mutable_suds()->set_before(40);
    breathed.mutable_suds()->set_after(20);
    Record(breathing, breathed);

    v1::Completion slept = Practice(230);
    slept.mutable_self_care()->set_amount(7.5);
    Record(sleep, slept);

    v1::Completion card = Practice(220, v1::Completion::STATUS_MINIMUM_VERSION);
    card.set_client_note("Read the card once on the bus");
    Record(coping, card);
    v1::Completion plan = Practice(210, v1::Completion::STATUS_PARTIAL);
    plan.set_engagement(7);
    Record(relapse, plan);
    Record(custom, Practice(200));

    Record(phq9, Measure(190, {2, 1, 1, 1, 0, 0, 1, 0, 0}));  // 6, mild
    Record(gad7, Measure(180, {2, 2, 1, 1, 1, 0, 1}));        // 8, mild

    Review(exposure_first_, 4, "You stayed until the fear halved: well done.");
    Review(thought_recorded, 5, "A thorough record, and a fair balanced thought.");
  }

  grpc::Status Export(const std::string& token, const std::string& client,
                      v1::ExportClientRecordResponse* response,
                      std::optional<absl::Time> start = std::nullopt) {
    v1::ExportClientRecordRequest request;
    request.set_client(client);
    if (start) {
      *request.mutable_start_time() = TimeUtil::SecondsToTimestamp(absl::ToUnixSeconds(*start));
    }
    return Call(*stub_, &Stub::ExportClientRecord, token, request, response);
  }

  // Runs the FHIR validator `script` (a file of integration-tests/fhir/) on `bundle_json`;
  // returns its exit code and output.
  CommandResult Validate(const std::string& bundle_json,
                         const std::string& script = "validate_bundle.mjs") {
    const std::string path = server_->work_dir() + "/bundle.json";
    {
      std::ofstream file(path, std::ios::binary | std::ios::trunc);
      file << bundle_json;
    }
    absl::StatusOr<CommandResult> run =
        RunCommand({"/usr/bin/env", "node",
                    std::string(HOMEWORK_SOURCE_DIR) + "/integration-tests/fhir/" + script, path},
                   server_->work_dir(), absl::Seconds(60));
    if (!run.ok()) {
      ADD_FAILURE() << run.status();
      return {};
    }
    return *run;
  }

  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<Stub> stub_;
  std::string platform_;
  std::string dr_ada_;
  std::string alex_;
  const std::string alex_name_ = "practices/clinic-a/clients/alex";
  v1::Hierarchy hierarchy_;
  v1::Assignment exposure_;
  v1::Completion exposure_first_;
  std::vector<std::string> assignments_;
};

TEST_F(FhirExportTest, ExportOfEveryExerciseKindIsValidFhirAndHoldsWhatWasRecorded) {
  ASSERT_NO_FATAL_FAILURE(SeedAlex());
  ASSERT_EQ(assignments_.size(), 13u);

  v1::ExportClientRecordResponse exported;
  ASSERT_RPC_OK(Export(dr_ada_, alex_name_, &exported));

  // The validator: structure, invariants, required bindings, references, forms.
  const CommandResult validation = Validate(exported.bundle_json());
  ASSERT_EQ(validation.exit_code, 0) << validation.stderr_text << validation.stdout_text;
  EXPECT_THAT(validation.stdout_text, HasSubstr("valid: 55 resources"));
  // The second validator: every R4 invariant on every element it applies to. Each of the 13
  // Timings had tim-9 evaluated on its repeat, and each of the 13 Tasks inv-1.
  const CommandResult invariants = Validate(exported.bundle_json(), "check_invariants.mjs");
  ASSERT_EQ(invariants.exit_code, 0) << invariants.stderr_text << invariants.stdout_text;
  EXPECT_THAT(invariants.stdout_text, HasSubstr("\ntim-9 13\n"));
  EXPECT_THAT(invariants.stdout_text, HasSubstr("\ninv-1 13\n"));
  EXPECT_THAT(invariants.stdout_text, HasSubstr("all hold\n"));

  // Counts: 13 Tasks and 13 forms (12 kinds, the measures apart), 14 responses; 12 Observations:
  // SUDS and minutes of both exposure practices and of breathing, the first exposure's
  // expectancy, mood, PHQ-9, GAD-7 and the 2 reviews.
  const std::map<std::string, int> expected = {{"CarePlan", 1},       {"Goal", 1},
                                               {"Observation", 12},   {"Patient", 1},
                                               {"Questionnaire", 13}, {"QuestionnaireResponse", 14},
                                               {"Task", 13}};
  const std::map<std::string, int> counts(exported.resource_counts().begin(),
                                          exported.resource_counts().end());
  EXPECT_EQ(counts, expected);
  const json bundle = json::parse(exported.bundle_json());
  std::map<std::string, int> counted;
  for (const json& entry : bundle["entry"]) ++counted[entry["resource"]["resourceType"]];
  EXPECT_EQ(counted, expected);

  // Every reference resolves inside the bundle.
  std::vector<std::string> references;
  CollectReferences(bundle, references);
  EXPECT_GT(references.size(), 150u);
  for (const std::string& reference : references) {
    EXPECT_FALSE(Resolve(bundle, reference).is_null()) << reference;
  }

  // The Patient is the id and the display name, nothing more.
  const json patient = ResourcesOf(bundle, "Patient").at(0);
  EXPECT_EQ(patient, json({{"resourceType", "Patient"},
                           {"id", patient["id"]},
                           {"name", json::array({{{"text", "Alex Example"}}})}}));

  // The plan and its goal.
  const json goal = ResourcesOf(bundle, "Goal").at(0);
  EXPECT_EQ(goal["description"]["text"], hierarchy_.target());
  EXPECT_EQ(goal["identifier"][0]["value"], hierarchy_.name());

  // Tasks: one per assignment, active, with the schedule as Timing.
  std::set<std::string> task_names;
  for (const json& task : ResourcesOf(bundle, "Task")) {
    task_names.insert(task["identifier"][0]["value"].get<std::string>());
    EXPECT_EQ(task["status"], "in-progress");
    EXPECT_EQ(task["intent"], "plan");
    EXPECT_EQ(Resolve(bundle, task["for"]["reference"])["resourceType"], "Patient");
    EXPECT_EQ(Resolve(bundle, task["basedOn"][0]["reference"])["resourceType"], "CarePlan");
    EXPECT_EQ(task["restriction"]["period"]["start"], DayIn(kZone, -7));
  }
  EXPECT_EQ(task_names, std::set<std::string>(assignments_.begin(), assignments_.end()));
  std::map<std::string, json> timing_by_kind;
  for (const json& task : ResourcesOf(bundle, "Task")) {
    for (const json& input : task["input"]) {
      if (CodeOf(input["type"]) == "schedule") timing_by_kind[CodeOf(task["code"])] = input;
    }
  }
  // exposure-practice: 4 a week after lunch; activity log: half an hour before bed (HS 30).
  const json exposure_repeat = timing_by_kind["exposure-practice"]["valueTiming"]["repeat"];
  EXPECT_EQ(exposure_repeat["when"], json::array({"PCD"}));
  EXPECT_EQ(exposure_repeat["frequency"], 4);
  EXPECT_EQ(exposure_repeat["periodUnit"], "wk");
  const json log_repeat = timing_by_kind["behavioral-tracking"]["valueTiming"]["repeat"];
  EXPECT_EQ(log_repeat["when"], json::array({"HS"}));
  EXPECT_EQ(log_repeat["offset"], 30);
  // Meal anchors with offsets take the after- and before-meal codes.
  const json mood_repeat = timing_by_kind["mood-monitoring"]["valueTiming"]["repeat"];
  EXPECT_EQ(mood_repeat["when"], json::array({"PCV"}));
  EXPECT_EQ(mood_repeat["offset"], 10);
  const json breathing_repeat = timing_by_kind["skills-practice"]["valueTiming"]["repeat"];
  EXPECT_EQ(breathing_repeat["when"], json::array({"ACM"}));
  EXPECT_EQ(breathing_repeat["offset"], 15);

  // Measures: LOINC totals with their bands.
  std::map<std::string, json> observations_by_code;
  for (const json& observation : ResourcesOf(bundle, "Observation")) {
    observations_by_code.emplace(CodeOf(observation["code"]), observation);
  }
  EXPECT_EQ(observations_by_code["44261-6"]["valueQuantity"]["value"], 6);
  EXPECT_EQ(CodeOf(observations_by_code["44261-6"]["interpretation"][0]), "severity-mild");
  // The client's only PHQ-9 is its own baseline: no reliable change, with the numbers and the
  // rule applied as components (docs/fhir-mapping.md, "Reliable change").
  EXPECT_EQ(CodeOf(observations_by_code["44261-6"]["interpretation"][1]), "no-reliable-change");
  std::map<std::string, json> phq9_components;
  for (const json& component : observations_by_code["44261-6"]["component"]) {
    phq9_components[CodeOf(component["code"])] = component["valueQuantity"]["value"];
  }
  EXPECT_EQ(phq9_components["baseline-total"], 6);
  EXPECT_EQ(phq9_components["change-from-baseline"], 0);
  EXPECT_EQ(phq9_components["reliable-change-threshold"], 6);
  EXPECT_EQ(phq9_components["caseness-threshold"], 10);
  EXPECT_EQ(observations_by_code["70274-6"]["valueQuantity"]["value"], 8);
  EXPECT_EQ(observations_by_code["70274-6"]["code"]["coding"][0]["system"], "http://loinc.org");

  // SUDS of the first exposure practice as components; its review as an Observation about it.
  const std::string first_response_id =
      [&] {
        for (const json& response : ResourcesOf(bundle, "QuestionnaireResponse")) {
          if (response["identifier"]["value"] == exposure_first_.name()) return response["id"];
        }
        return json("");
      }()
          .get<std::string>();
  ASSERT_FALSE(first_response_id.empty());
  int suds_found = 0;
  int reviews = 0;
  for (const json& observation : ResourcesOf(bundle, "Observation")) {
    const bool about_first =
        observation["derivedFrom"][0]["reference"] == "urn:uuid:" + first_response_id;
    if (about_first && CodeOf(observation["code"]) == "suds") {
      ++suds_found;
      EXPECT_EQ(observation["code"]["coding"][0]["system"], kHomework);
      ASSERT_EQ(observation["component"].size(), 3u);
      EXPECT_EQ(CodeOf(observation["component"][0]["code"]), "suds-before");
      EXPECT_EQ(observation["component"][0]["valueQuantity"]["value"], 50);
      EXPECT_EQ(CodeOf(observation["component"][1]["code"]), "suds-peak");
      EXPECT_EQ(observation["component"][1]["valueQuantity"]["value"], 70);
      EXPECT_EQ(CodeOf(observation["component"][2]["code"]), "suds-after");
      EXPECT_EQ(observation["component"][2]["valueQuantity"]["value"], 30);
    }
    if (CodeOf(observation["code"]) == "quality-rating") {
      ++reviews;
      EXPECT_EQ(observation["note"][0]["authorReference"]["display"], "dr-ada");
      if (about_first) {
        EXPECT_EQ(observation["valueInteger"], 4);
        EXPECT_EQ(observation["note"][0]["text"], "You stayed until the fear halved: well done.");
      }
    }
  }
  EXPECT_EQ(suds_found, 1);
  EXPECT_EQ(reviews, 2);

  // A second export of the same data is byte-identical.
  v1::ExportClientRecordResponse again;
  ASSERT_RPC_OK(Export(dr_ada_, alex_name_, &again));
  EXPECT_EQ(again.bundle_json(), exported.bundle_json());

  // The client may export their own record; it is the same record.
  v1::ExportClientRecordResponse own;
  ASSERT_RPC_OK(Export(alex_, alex_name_, &own));
  EXPECT_EQ(own.bundle_json(), exported.bundle_json());

  // Only completions in the range: the latest exposure practice (5 minutes ago) alone.
  v1::ExportClientRecordResponse recent;
  ASSERT_RPC_OK(Export(dr_ada_, alex_name_, &recent, absl::Now() - absl::Minutes(60)));
  EXPECT_EQ(recent.resource_counts().at("QuestionnaireResponse"), 1);
  EXPECT_EQ(recent.resource_counts().at("Observation"), 2);  // SUDS and minutes
  EXPECT_EQ(recent.resource_counts().at("Task"), 13);
  const CommandResult recent_validation = Validate(recent.bundle_json());
  EXPECT_EQ(recent_validation.exit_code, 0) << recent_validation.stderr_text;
  const CommandResult recent_invariants = Validate(recent.bundle_json(), "check_invariants.mjs");
  EXPECT_EQ(recent_invariants.exit_code, 0) << recent_invariants.stderr_text;
}

TEST_F(FhirExportTest, AClientOfAnotherCareTeamIsPermissionDenied) {
  ASSERT_NO_FATAL_FAILURE(CreateClient("sam", "Sam Example", "dr-bo"));
  v1::ExportClientRecordResponse response;
  grpc::Status status = Export(dr_ada_, "practices/clinic-a/clients/sam", &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED) << Describe(status);
  EXPECT_TRUE(response.bundle_json().empty());
  // Nor may a client export someone else's record.
  status = Export(alex_, "practices/clinic-a/clients/sam", &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED) << Describe(status);
}

TEST_F(FhirExportTest, HomeworkCtlExportFhirPrintsTheBundleAndItsCounts) {
  ASSERT_NO_FATAL_FAILURE(SeedAlex());
  v1::ExportClientRecordResponse exported;
  ASSERT_RPC_OK(Export(dr_ada_, alex_name_, &exported));

  absl::StatusOr<CommandResult> ctl =
      RunCommand({HOMEWORK_CTL_PATH, "export", "fhir", "--client", alex_name_, "--address",
                  server_->address()},
                 server_->work_dir(), absl::Seconds(30), {"HOMEWORK_TOKEN=" + dr_ada_});
  ASSERT_THAT(ctl, IsOk());
  ASSERT_EQ(ctl->exit_code, 0) << ctl->stderr_text;
  const json printed = json::parse(ctl->stdout_text, nullptr, /*allow_exceptions=*/false);
  ASSERT_FALSE(printed.is_discarded()) << ctl->stdout_text.substr(0, 500);
  EXPECT_EQ(printed, json::parse(exported.bundle_json()));
  EXPECT_THAT(ctl->stdout_text, HasSubstr("\n  \"type\": \"collection\",\n"));
  EXPECT_THAT(ctl->stderr_text, HasSubstr("Task 13\n"));
  EXPECT_THAT(ctl->stderr_text, HasSubstr("QuestionnaireResponse 14\n"));

  // Refused exports exit 1 with the status on stderr.
  absl::StatusOr<CommandResult> denied =
      RunCommand({HOMEWORK_CTL_PATH, "export", "fhir", "--client", "practices/clinic-a/clients/sam",
                  "--address", server_->address(), "--token", dr_ada_},
                 server_->work_dir(), absl::Seconds(30));
  ASSERT_THAT(denied, IsOk());
  EXPECT_EQ(denied->exit_code, 1);
  EXPECT_THAT(denied->stderr_text, HasSubstr("PERMISSION_DENIED"));
}

}  // namespace
}  // namespace therapy::homework::testing
