#include "services/homework/core/templates.h"

#include <algorithm>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "gtest/gtest.h"
#include "services/homework/core/homework.h"
#include "services/homework/core/model/resource_names.h"
#include "services/homework/core/rules/validation.h"
#include "services/homework/storage/memory/memory_store.h"
#include "testing/status_matchers.h"

namespace therapy::homework {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using ::therapy::homework::testing::IsOk;
using ::therapy::homework::testing::StatusIs;

const absl::Time kNow =
    absl::FromCivil(absl::CivilSecond(2026, 11, 26, 9, 0, 0), absl::UTCTimeZone());

std::vector<std::string> BadFields(const absl::Status& status) {
  std::vector<std::string> fields;
  if (auto request = BadRequestOf(status)) {
    for (const auto& violation : request->field_violations()) fields.push_back(violation.field());
  }
  return fields;
}

std::vector<std::string> Names(const std::vector<v1::Template>& templates) {
  std::vector<std::string> names;
  for (const v1::Template& t : templates) names.push_back(t.name());
  return names;
}

TEST(BuiltInTemplatesTest, EveryExerciseKindHasATemplate) {
  std::set<int> covered;
  for (const v1::Template& t : BuiltInTemplates()) covered.insert(t.exercise().kind());
  const google::protobuf::EnumDescriptor* kinds = v1::ExerciseKind_descriptor();
  for (int i = 0; i < kinds->value_count(); ++i) {
    const int kind = kinds->value(i)->number();
    if (kind == v1::EXERCISE_KIND_UNSPECIFIED) continue;
    EXPECT_TRUE(covered.count(kind)) << "no template for " << kinds->value(i)->name();
  }
}

TEST(BuiltInTemplatesTest, TheLibraryHasTheClinicalModelsExercises) {
  const std::vector<std::string> names = Names(BuiltInTemplates());
  for (absl::string_view id :
       {"thought-record", "mood-monitoring", "activity-log", "cognitive-restructuring",
        "behavioral-experiment", "exposure-practice", "paced-breathing", "grounding-5-4-3-2-1",
        "sleep-routine", "physical-activity", "social-connection", "coping-card",
        "relapse-prevention-plan", "your-own-practice", "phq-9", "gad-7"}) {
    EXPECT_TRUE(FindBuiltInTemplate(absl::StrCat("templates/", id)) != nullptr) << id;
  }
  EXPECT_EQ(FindBuiltInTemplate("templates/nope"), nullptr);
  EXPECT_EQ(FindBuiltInTemplate("thought-record"), nullptr);
}

TEST(BuiltInTemplatesTest, NamesAreUniqueAndInOrder) {
  const std::vector<std::string> names = Names(BuiltInTemplates());
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  EXPECT_EQ(std::set<std::string>(names.begin(), names.end()).size(), names.size());
  for (const std::string& name : names) {
    ASSERT_TRUE(absl::StartsWith(name, "templates/")) << name;
    EXPECT_TRUE(IsValidResourceId(absl::string_view(name).substr(10))) << name;
  }
}

TEST(BuiltInTemplatesTest, EveryTemplateIsCompleteAndValidOnceItHasAStartDate) {
  for (const v1::Template& t : BuiltInTemplates()) {
    SCOPED_TRACE(t.name());
    EXPECT_FALSE(t.title().empty());
    EXPECT_FALSE(t.description().empty());
    EXPECT_FALSE(t.exercise().instructions().empty());
    EXPECT_NE(t.exercise().details_case(), v1::Exercise::DETAILS_NOT_SET);
    EXPECT_FALSE(t.rationale().empty());
    const v1::Schedule& schedule = t.schedule();
    EXPECT_TRUE(schedule.start_date().empty());
    EXPECT_FALSE(schedule.minimum_version().empty());
    EXPECT_NE(schedule.habit_anchor().when(), v1::EVENT_TIMING_UNSPECIFIED);
    EXPECT_FALSE(schedule.habit_anchor().client_words().empty());
    EXPECT_FALSE(schedule.environmental_cue().empty());

    v1::Assignment personalisation;
    personalisation.mutable_schedule()->set_start_date("2026-11-26");
    auto assignment = AssignmentFromTemplate("template", t.name(), personalisation);
    ASSERT_THAT(assignment, IsOk());
    Violations violations;
    ValidateAssignment(*assignment, "assignment", violations);
    EXPECT_TRUE(violations.empty()) << violations.ToStatus();
  }
}

// What a developer's note looks like inside text a clinician or a client reads: a proto field
// path or identifier (exercise.custom.description, target_belief), an instruction to replace
// something, a to-do, or a limitation of the software ("cannot ... yet").
std::vector<std::string> DeveloperMarkers(const std::string& text) {
  static const std::regex kMarkers(
      R"re(\b[a-z]+(_[a-z0-9]+)+\b|\b[a-z_]+\.[a-z_]+\b|\.[a-z_]+\b|\bReplace\b|\bTODO\b|\bFIXME\b|\bXXX\b|\bTBD\b|[Ll]orem|[Pp]laceholder|\bcannot\b[^.]*\byet\b)re");
  std::vector<std::string> found;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), kMarkers);
       it != std::sregex_iterator(); ++it) {
    found.push_back(it->str());
  }
  return found;
}

TEST(BuiltInTemplatesTest, DeveloperMarkersAreRecognised) {
  EXPECT_THAT(DeveloperMarkers("Replace exercise.custom.description with what to do"),
              ElementsAre("Replace", "exercise.custom", ".description"));
  EXPECT_THAT(DeveloperMarkers("set it to the client's target_belief"),
              ElementsAre("target_belief"));
  EXPECT_THAT(DeveloperMarkers("weekly: the schedule cannot say fortnightly yet"), SizeIs(1));
  EXPECT_THAT(DeveloperMarkers("Rate your mood from 0 to 10 after lunch. In for 4, out for 6."),
              IsEmpty());
}

TEST(BuiltInTemplatesTest, TextsForCliniciansAndClientsCarryNoDeveloperNotes) {
  for (const v1::Template& t : BuiltInTemplates()) {
    SCOPED_TRACE(t.name());
    EXPECT_FALSE(t.description().empty());
    EXPECT_FALSE(t.rationale().empty());
    const v1::Schedule& schedule = t.schedule();
    for (const std::string& text :
         {t.title(), t.description(), t.rationale(), t.exercise().instructions(),
          schedule.minimum_version(), schedule.environmental_cue(),
          schedule.habit_anchor().client_words()}) {
      EXPECT_THAT(DeveloperMarkers(text), IsEmpty()) << text;
    }
  }
  const v1::Hierarchy* ladder =
      BuiltInHierarchyTemplate("hierarchyTemplates/social-anxiety-ladder");
  ASSERT_NE(ladder, nullptr);
  EXPECT_THAT(DeveloperMarkers(ladder->target()), IsEmpty());
  for (const v1::HierarchyStep& step : ladder->steps()) {
    for (const std::string& text : {step.situation(), step.prescription()}) {
      EXPECT_THAT(DeveloperMarkers(text), IsEmpty()) << text;
    }
  }
}

TEST(BuiltInTemplatesTest, MeasureTemplatesNameTheirMeasure) {
  const v1::Template* phq9 = FindBuiltInTemplate("templates/phq-9");
  const v1::Template* gad7 = FindBuiltInTemplate("templates/gad-7");
  ASSERT_NE(phq9, nullptr);
  ASSERT_NE(gad7, nullptr);
  EXPECT_EQ(phq9->exercise().outcome_measure().measure(), v1::MEASURE_PHQ9);
  EXPECT_EQ(gad7->exercise().outcome_measure().measure(), v1::MEASURE_GAD7);
  EXPECT_THAT(phq9->description(), HasSubstr("44261-6"));
  EXPECT_THAT(gad7->description(), HasSubstr("70274-6"));
}

TEST(BuiltInTemplatesTest, PersonalisationMergesOverTheTemplate) {
  v1::Assignment personalisation;
  personalisation.set_title("Evening breathing");
  personalisation.mutable_schedule()->set_start_date("2026-11-26");
  personalisation.mutable_schedule()->mutable_habit_anchor()->set_client_words(
      "after I brush my teeth");
  auto assignment =
      AssignmentFromTemplate("template", "templates/paced-breathing", personalisation);
  ASSERT_THAT(assignment, IsOk());
  EXPECT_EQ(assignment->title(), "Evening breathing");
  EXPECT_EQ(assignment->exercise().skills_practice().skill(),
            v1::SkillsPracticeInstructions::SKILL_BREATHING);
  EXPECT_EQ(assignment->phase(), v1::TREATMENT_PHASE_PRACTICE);
  EXPECT_EQ(assignment->schedule().start_date(), "2026-11-26");
  EXPECT_EQ(assignment->schedule().habit_anchor().when(), v1::EVENT_TIMING_BEFORE_SLEEP);
  EXPECT_EQ(assignment->schedule().habit_anchor().client_words(), "after I brush my teeth");
  EXPECT_EQ(assignment->schedule().minimum_version(),
            "Take five slow breaths: in for 4, out for 6.");
}

TEST(BuiltInTemplatesTest, UnknownTemplateIsNotFoundAndAMalformedNameIsInvalid) {
  absl::Status unknown = AssignmentFromTemplate("template", "templates/x", {}).status();
  EXPECT_THAT(unknown, StatusIs(absl::StatusCode::kNotFound, "template templates/x not found"));
  absl::Status malformed = AssignmentFromTemplate("template", "paced-breathing", {}).status();
  EXPECT_THAT(BadFields(malformed), ElementsAre("template"));
}

TEST(BuiltInHierarchyTemplateTest, SocialAnxietyLadderIsTheSeedsFiveSteps) {
  const v1::Hierarchy* ladder =
      BuiltInHierarchyTemplate("hierarchyTemplates/social-anxiety-ladder");
  ASSERT_NE(ladder, nullptr);
  EXPECT_EQ(ladder->target(), "Social anxiety");
  EXPECT_FALSE(ladder->has_policy());
  std::vector<std::string> steps;
  for (const v1::HierarchyStep& step : ladder->steps()) {
    steps.push_back(
        absl::StrCat(step.expected_suds(), " ", step.situation(), " | ", step.prescription()));
  }
  EXPECT_THAT(
      steps,
      ElementsAre(
          "30 Make brief eye contact with a stranger | Practice 3 times daily for one week",
          "40 Say hello to a cashier | Complete 5 interactions over the week",
          "50 Ask a question in a store | Engage in 3 conversations with brief questions",
          "65 Have a short conversation with an acquaintance | Initiate 2 brief conversations "
          "per day",
          "80 Attend a small social event | Attend one event and stay for 30 minutes"));
  EXPECT_EQ(BuiltInHierarchyTemplate("hierarchyTemplates/spiders"), nullptr);
  EXPECT_EQ(BuiltInHierarchyTemplate("social-anxiety-ladder"), nullptr);
}

// ListTemplates and CreateAssignment from a template, through the use cases.
class TemplateUseCaseTest : public ::testing::Test {
 protected:
  TemplateUseCaseTest()
      : homework_(store_,
                  HomeworkOptions{.now = [] { return kNow; },
                                  .new_id = [this] { return absl::StrCat("id", ++ids_); }}) {}

  static Caller Therapist() { return {"dr-lee", "sunrise", Role::kTherapist, "call-2"}; }
  static Caller ClientCaller() { return {"ana", "sunrise", Role::kClient, "call-3"}; }

  void CreateAna() {
    v1::CreateClientRequest request;
    request.set_parent("practices/sunrise");
    request.set_client_id("ana");
    request.mutable_client()->set_display_name("Ana");
    request.mutable_client()->set_time_zone("Europe/Berlin");
    request.mutable_client()->add_care_team("dr-lee");
    ASSERT_THAT(homework_.CreateClient({"backend", "sunrise", Role::kService, "call-1"}, request),
                IsOk());
  }

  int ids_ = 0;
  MemoryStore store_;
  Homework homework_;
};

TEST_F(TemplateUseCaseTest, ListTemplatesPagesThroughTheWholeLibraryInNameOrder) {
  v1::ListTemplatesRequest request;
  request.set_parent("practices/sunrise");
  request.set_page_size(5);
  std::vector<std::string> listed;
  int pages = 0;
  do {
    auto page = homework_.ListTemplates(ClientCaller(), request);
    ASSERT_THAT(page, IsOk());
    EXPECT_LE(page->templates_size(), 5);
    for (const v1::Template& t : page->templates()) listed.push_back(t.name());
    request.set_page_token(page->next_page_token());
    ASSERT_LT(++pages, 100);
  } while (!request.page_token().empty());
  EXPECT_EQ(listed, Names(BuiltInTemplates()));
  EXPECT_EQ(pages, (static_cast<int>(BuiltInTemplates().size()) + 4) / 5);
}

TEST_F(TemplateUseCaseTest, ListTemplatesFiltersByKind) {
  v1::ListTemplatesRequest request;
  request.set_parent("practices/sunrise");
  request.set_kind(v1::EXERCISE_KIND_SKILLS_PRACTICE);
  auto page = homework_.ListTemplates(Therapist(), request);
  ASSERT_THAT(page, IsOk());
  std::vector<std::string> names;
  for (const v1::Template& t : page->templates()) names.push_back(t.name());
  EXPECT_THAT(names, ElementsAre("templates/grounding-5-4-3-2-1", "templates/paced-breathing"));
  EXPECT_TRUE(page->next_page_token().empty());
}

TEST_F(TemplateUseCaseTest, ListTemplatesNamesEachBadField) {
  v1::ListTemplatesRequest request;
  request.set_parent("practices/sunrise");
  request.set_page_token("not a token!");
  EXPECT_THAT(BadFields(homework_.ListTemplates(Therapist(), request).status()),
              ElementsAre("page_token"));
  request.set_page_token("dGhyb3VnaA");  // web-safe base64 of a name outside the library
  EXPECT_THAT(BadFields(homework_.ListTemplates(Therapist(), request).status()),
              ElementsAre("page_token"));
  // A token of the skills list does not page the whole library (storage/page_token.h).
  v1::ListTemplatesRequest skills;
  skills.set_parent("practices/sunrise");
  skills.set_kind(v1::EXERCISE_KIND_SKILLS_PRACTICE);
  skills.set_page_size(1);
  auto first = homework_.ListTemplates(Therapist(), skills);
  ASSERT_THAT(first, IsOk());
  ASSERT_FALSE(first->next_page_token().empty());
  skills.set_page_token(first->next_page_token());
  EXPECT_THAT(homework_.ListTemplates(Therapist(), skills), IsOk());
  request.set_page_token(first->next_page_token());
  EXPECT_THAT(BadFields(homework_.ListTemplates(Therapist(), request).status()),
              ElementsAre("page_token"));
  request.clear_page_token();
  request.set_kind(static_cast<v1::ExerciseKind>(99));
  EXPECT_THAT(BadFields(homework_.ListTemplates(Therapist(), request).status()),
              ElementsAre("kind"));
  request.set_kind(v1::EXERCISE_KIND_UNSPECIFIED);
  request.set_page_size(1001);
  EXPECT_THAT(BadFields(homework_.ListTemplates(Therapist(), request).status()),
              ElementsAre("page_size"));
  request.set_page_size(0);
  request.set_parent("sunrise");
  EXPECT_THAT(BadFields(homework_.ListTemplates(Therapist(), request).status()),
              ElementsAre("parent"));
}

TEST_F(TemplateUseCaseTest, AnotherPracticeIsDeniedAndTheRefusalIsAudited) {
  v1::ListTemplatesRequest request;
  request.set_parent("practices/sunrise");
  ASSERT_THAT(homework_.ListTemplates(Therapist(), request), IsOk());
  Caller outsider{"dr-lee", "moonrise", Role::kTherapist, "call-9"};
  EXPECT_THAT(homework_.ListTemplates(outsider, request),
              StatusIs(absl::StatusCode::kPermissionDenied));
  auto audit = store_.ListAudit("practices/sunrise", 100);
  ASSERT_THAT(audit, IsOk());
  ASSERT_THAT(*audit, SizeIs(1));  // the successful read of the library is not clinical data
  EXPECT_EQ((*audit)[0].action, "ListTemplates");
  EXPECT_EQ((*audit)[0].outcome, "PERMISSION_DENIED");
}

TEST_F(TemplateUseCaseTest, CreateAssignmentFromATemplateKeepsTheTemplatesPlan) {
  CreateAna();
  v1::CreateAssignmentRequest request;
  request.set_parent("practices/sunrise/clients/ana");
  request.set_template_("templates/grounding-5-4-3-2-1");
  request.mutable_assignment()->mutable_schedule()->set_start_date("2026-11-26");
  request.mutable_assignment()->mutable_schedule()->mutable_habit_anchor()->set_client_words(
      "when I sit down at my desk");
  auto created = homework_.CreateAssignment(Therapist(), request);
  ASSERT_THAT(created, IsOk());
  EXPECT_EQ(created->title(), "5-4-3-2-1 grounding");
  EXPECT_EQ(created->exercise().skills_practice().skill(),
            v1::SkillsPracticeInstructions::SKILL_GROUNDING);
  EXPECT_EQ(created->schedule().start_date(), "2026-11-26");
  EXPECT_EQ(created->schedule().habit_anchor().client_words(), "when I sit down at my desk");
  EXPECT_EQ(created->schedule().habit_anchor().when(), v1::EVENT_TIMING_AFTER_LUNCH);
  EXPECT_FALSE(created->schedule().minimum_version().empty());
  EXPECT_EQ(created->state(), v1::Assignment::STATE_DRAFT);
  EXPECT_EQ(created->assigned_by(), "dr-lee");
}

TEST_F(TemplateUseCaseTest, CreateAssignmentValidatesTheMergedAssignment) {
  CreateAna();
  v1::CreateAssignmentRequest request;
  request.set_parent("practices/sunrise/clients/ana");
  request.set_template_("templates/phq-9");
  absl::Status no_start = homework_.CreateAssignment(Therapist(), request).status();
  EXPECT_THAT(BadFields(no_start), ElementsAre("assignment.schedule.start_date"));

  request.mutable_assignment()->mutable_schedule()->set_start_date("2026-11-26");
  request.mutable_assignment()->mutable_exercise()->set_kind(v1::EXERCISE_KIND_MOOD_MONITORING);
  absl::Status other_kind = homework_.CreateAssignment(Therapist(), request).status();
  EXPECT_THAT(BadFields(other_kind), ElementsAre("assignment.exercise"));
}

TEST_F(TemplateUseCaseTest, CreateAssignmentFromAnUnknownTemplateIsNotFound) {
  CreateAna();
  v1::CreateAssignmentRequest request;
  request.set_parent("practices/sunrise/clients/ana");
  request.set_template_("templates/x");
  request.mutable_assignment()->mutable_schedule()->set_start_date("2026-11-26");
  absl::Status status = homework_.CreateAssignment(Therapist(), request).status();
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kNotFound, "template templates/x not found"));
  auto listed = homework_.ListAssignments(Therapist(), [] {
    v1::ListAssignmentsRequest list;
    list.set_parent("practices/sunrise/clients/ana");
    return list;
  }());
  ASSERT_THAT(listed, IsOk());
  EXPECT_THAT(listed->assignments(), IsEmpty());
}

}  // namespace
}  // namespace therapy::homework

namespace therapy::homework {
namespace {

class PracticeTemplatesTest : public ::testing::Test {
 protected:
  PracticeTemplatesTest() : homework_(store_, HomeworkOptions{}) {}

  static v1::Template WorryTime() {
    v1::Template t;
    t.set_title("Worry time");
    t.set_description("Postponing worry to a daily 15-minute slot; middle phase, GAD.");
    t.mutable_exercise()->set_kind(v1::EXERCISE_KIND_CUSTOM);
    t.mutable_exercise()->mutable_custom()->set_description(
        "Note each worry on the card; think about them only at your worry time.");
    t.set_phase(v1::TREATMENT_PHASE_PRACTICE);
    t.mutable_schedule()->set_target_count(1);
    t.mutable_schedule()->set_period(v1::Schedule::PERIOD_DAY);
    t.mutable_schedule()->set_minutes_per_practice(15);
    t.mutable_schedule()->set_minimum_version("Write one worry down and close the notebook");
    return t;
  }

  absl::StatusOr<v1::Template> Create(const Caller& caller, v1::Template t = WorryTime()) {
    v1::CreateTemplateRequest request;
    request.set_parent("practices/sunrise");
    request.set_template_id("worry-time");
    *request.mutable_template_() = std::move(t);
    return homework_.CreateTemplate(caller, request);
  }

  const Caller therapist_{"dr-lee", "sunrise", Role::kTherapist, "call"};
  MemoryStore store_;
  Homework homework_;
};

TEST_F(PracticeTemplatesTest, APracticeAddsItsOwnTemplateAndListsItWithTheBuiltInOnes) {
  auto created = Create(therapist_);
  ASSERT_THAT(created, IsOk());
  EXPECT_EQ(created->name(), "practices/sunrise/templates/worry-time");
  EXPECT_EQ(created->created_by(), "dr-lee");

  v1::ListTemplatesRequest list;
  list.set_parent("practices/sunrise");
  list.set_page_size(1000);
  auto listed = homework_.ListTemplates(therapist_, list);
  ASSERT_THAT(listed, IsOk());
  ASSERT_EQ(listed->templates_size(), static_cast<int>(BuiltInTemplates().size()) + 1);
  EXPECT_EQ(listed->templates(0).name(), "practices/sunrise/templates/worry-time");

  const Caller other{"dr-kim", "moonrise", Role::kTherapist, "call"};
  list.set_parent("practices/moonrise");
  auto theirs = homework_.ListTemplates(other, list);
  ASSERT_THAT(theirs, IsOk());
  EXPECT_EQ(theirs->templates_size(), static_cast<int>(BuiltInTemplates().size()));
}

TEST_F(PracticeTemplatesTest, ClientsCannotChangeTheLibraryAndBuiltInsCannotChange) {
  const Caller client{"ana", "sunrise", Role::kClient, "call"};
  EXPECT_THAT(Create(client), StatusIs(absl::StatusCode::kPermissionDenied));
  v1::UpdateTemplateRequest update;
  *update.mutable_template_() = *FindBuiltInTemplate("templates/paced-breathing");
  update.mutable_update_mask()->add_paths("title");
  EXPECT_THAT(homework_.UpdateTemplate(therapist_, update),
              StatusIs(absl::StatusCode::kPermissionDenied));
}

TEST_F(PracticeTemplatesTest, ATemplateNeedsATwoMinuteVersion) {
  v1::Template t = WorryTime();
  t.mutable_schedule()->clear_minimum_version();
  absl::Status status = Create(therapist_, t).status();
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(BadFields(status), ElementsAre("template.schedule.minimum_version"));
}

TEST_F(PracticeTemplatesTest, UpdateWithAStaleEtagIsAborted) {
  auto created = Create(therapist_);
  ASSERT_THAT(created, IsOk());
  v1::UpdateTemplateRequest update;
  *update.mutable_template_() = *created;
  update.mutable_template_()->set_title("Worry window");
  update.mutable_update_mask()->add_paths("title");
  auto updated = homework_.UpdateTemplate(therapist_, update);
  ASSERT_THAT(updated, IsOk());
  EXPECT_EQ(updated->title(), "Worry window");
  EXPECT_THAT(homework_.UpdateTemplate(therapist_, update), StatusIs(absl::StatusCode::kAborted));
}

TEST_F(PracticeTemplatesTest, AnAssignmentStartsFromThePracticesOwnTemplate) {
  ASSERT_THAT(Create(therapist_), IsOk());
  v1::CreateClientRequest client;
  client.set_parent("practices/sunrise");
  client.set_client_id("ana");
  client.mutable_client()->set_display_name("Ana");
  client.mutable_client()->set_time_zone("UTC");
  client.mutable_client()->add_care_team("dr-lee");
  ASSERT_THAT(homework_.CreateClient({"backend", "sunrise", Role::kService, "call"}, client),
              IsOk());

  v1::CreateAssignmentRequest request;
  request.set_parent("practices/sunrise/clients/ana");
  request.set_template_("practices/sunrise/templates/worry-time");
  request.mutable_assignment()->mutable_schedule()->set_start_date("2026-11-26");
  auto assignment = homework_.CreateAssignment(therapist_, request);
  ASSERT_THAT(assignment, IsOk());
  EXPECT_EQ(assignment->title(), "Worry time");
  EXPECT_EQ(assignment->schedule().minutes_per_practice(), 15);

  request.set_template_("practices/moonrise/templates/worry-time");
  EXPECT_THAT(BadFields(homework_.CreateAssignment(therapist_, request).status()),
              ElementsAre("template"));
  request.set_template_("practices/sunrise/templates/nothing-here");
  EXPECT_THAT(homework_.CreateAssignment(therapist_, request),
              StatusIs(absl::StatusCode::kNotFound));
}

}  // namespace
}  // namespace therapy::homework
