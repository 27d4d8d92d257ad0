// The safety plan exercise kind (Stanley & Brown): field checks with lengths in code points and
// messages naming the field, the activation rule (someone to contact), the built-in template,
// and who may raise an urgent flag ("I need help now" is the client's own).

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/homework/core/homework.h"
#include "services/homework/core/rules/validation.h"
#include "services/homework/core/templates.h"
#include "services/homework/storage/memory/memory_store.h"
#include "testing/status_matchers.h"
#include "therapy/homework/v1/homework_service.pb.h"

namespace therapy::homework {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::therapy::homework::testing::IsOk;
using ::therapy::homework::testing::StatusIs;

std::vector<std::string> Fields(const Violations& violations) {
  std::vector<std::string> fields;
  if (auto request = BadRequestOf(violations.ToStatus())) {
    for (const auto& violation : request->field_violations()) fields.push_back(violation.field());
  }
  return fields;
}

// `n` copies of a character of `bytes` UTF-8 bytes (1: "a", 2: "é", 3: "語", 4: "😀").
std::string CodePoints(int n, int bytes = 2) {
  const char* unit = bytes == 1   ? "a"
                     : bytes == 2 ? "\xC3\xA9"
                     : bytes == 3 ? "\xE8\xAA\x9E"
                                  : "\xF0\x9F\x98\x80";
  std::string text;
  for (int i = 0; i < n; ++i) text += unit;
  return text;
}

v1::SafetyPlanContact Contact(std::string name, std::string phone = "", std::string note = "") {
  v1::SafetyPlanContact contact;
  contact.set_name(std::move(name));
  contact.set_phone(std::move(phone));
  contact.set_note(std::move(note));
  return contact;
}

// A plan as a client and therapist might write it in session.
v1::Assignment SafetyPlanAssignment() {
  v1::Assignment assignment;
  assignment.set_title("My safety plan");
  v1::Exercise& exercise = *assignment.mutable_exercise();
  exercise.set_kind(v1::EXERCISE_KIND_SAFETY_PLAN);
  v1::SafetyPlan& plan = *exercise.mutable_safety_plan();
  plan.add_warning_signs("I stop answering messages");
  plan.add_warning_signs("Thinking \"nobody would notice\"");
  plan.add_coping_strategies("Cold water on my face, then a walk round the block");
  *plan.add_social_distractions() = Contact("The climbing gym");
  *plan.add_help_contacts() = Contact("Sam (sister)", "+49 151 2345 6789", "text first");
  *plan.add_professional_contacts() = Contact("Dr Ada Lovelace", "(030) 555-0100");
  *plan.add_professional_contacts() = Contact("988 Suicide & Crisis Lifeline", "988");
  plan.add_environment_steps("Pills stay with Sam");
  plan.add_reasons_for_living("My niece's laugh");
  v1::Schedule& schedule = *assignment.mutable_schedule();
  schedule.set_target_count(1);
  schedule.set_period(v1::Schedule::PERIOD_WEEK);
  schedule.set_start_date("2026-12-01");
  schedule.set_minimum_version("Read your reasons for living once.");
  return assignment;
}

std::vector<std::string> Check(const v1::Assignment& assignment) {
  Violations violations;
  ValidateAssignment(assignment, "assignment", violations);
  return Fields(violations);
}

TEST(SafetyPlanValidationTest, AWholePlanIsValid) {
  EXPECT_THAT(Check(SafetyPlanAssignment()), IsEmpty());
}

TEST(SafetyPlanValidationTest, TheKindNeedsThePlanAndThePlanNeedsTheKind) {
  v1::Assignment assignment = SafetyPlanAssignment();
  assignment.mutable_exercise()->clear_safety_plan();
  EXPECT_THAT(Check(assignment), ElementsAre("assignment.exercise.safety_plan"));

  // An empty plan is a start (built step by step in session); the kind is what matters.
  assignment.mutable_exercise()->mutable_safety_plan();
  EXPECT_THAT(Check(assignment), IsEmpty());

  assignment = SafetyPlanAssignment();
  assignment.mutable_exercise()->set_kind(v1::EXERCISE_KIND_COPING_CARD);
  EXPECT_THAT(Check(assignment), ElementsAre("assignment.exercise"));
}

TEST(SafetyPlanValidationTest, TextLimitsCountCodePointsAndNameTheField) {
  for (int bytes : {1, 2, 3, 4}) {
    v1::Assignment assignment = SafetyPlanAssignment();
    v1::SafetyPlan& plan = *assignment.mutable_exercise()->mutable_safety_plan();
    plan.set_warning_signs(0, CodePoints(300, bytes));
    plan.set_coping_strategies(0, CodePoints(300, bytes));
    plan.set_environment_steps(0, CodePoints(300, bytes));
    plan.set_reasons_for_living(0, CodePoints(300, bytes));
    plan.mutable_help_contacts(0)->set_name(CodePoints(200, bytes));
    plan.mutable_help_contacts(0)->set_note(CodePoints(200, bytes));
    EXPECT_THAT(Check(assignment), IsEmpty()) << bytes << "-byte characters at the limits";

    plan.set_warning_signs(1, CodePoints(301, bytes));
    plan.set_coping_strategies(0, CodePoints(301, bytes));
    plan.set_environment_steps(0, CodePoints(301, bytes));
    plan.set_reasons_for_living(0, CodePoints(301, bytes));
    plan.mutable_help_contacts(0)->set_name(CodePoints(201, bytes));
    plan.mutable_help_contacts(0)->set_note(CodePoints(201, bytes));
    plan.mutable_social_distractions(0)->set_name(CodePoints(201, bytes));
    plan.mutable_professional_contacts(1)->set_note(CodePoints(201, bytes));
    EXPECT_THAT(Check(assignment),
                ElementsAre("assignment.exercise.safety_plan.warning_signs[1]",
                            "assignment.exercise.safety_plan.coping_strategies[0]",
                            "assignment.exercise.safety_plan.social_distractions[0].name",
                            "assignment.exercise.safety_plan.help_contacts[0].name",
                            "assignment.exercise.safety_plan.help_contacts[0].note",
                            "assignment.exercise.safety_plan.professional_contacts[1].note",
                            "assignment.exercise.safety_plan.environment_steps[0]",
                            "assignment.exercise.safety_plan.reasons_for_living[0]"))
        << bytes << "-byte characters one over";
  }
}

TEST(SafetyPlanValidationTest, BlankEntriesAndNamelessContactsAreRefused) {
  v1::Assignment assignment = SafetyPlanAssignment();
  v1::SafetyPlan& plan = *assignment.mutable_exercise()->mutable_safety_plan();
  plan.set_warning_signs(0, " \t ");
  plan.set_reasons_for_living(0, "\xE2\x80\x8B");  // a zero-width space alone
  plan.mutable_help_contacts(0)->set_name("");
  EXPECT_THAT(Check(assignment),
              ElementsAre("assignment.exercise.safety_plan.warning_signs[0]",
                          "assignment.exercise.safety_plan.help_contacts[0].name",
                          "assignment.exercise.safety_plan.reasons_for_living[0]"));
}

TEST(SafetyPlanValidationTest, AtMostTwentyEntriesPerStep) {
  v1::Assignment assignment = SafetyPlanAssignment();
  v1::SafetyPlan& plan = *assignment.mutable_exercise()->mutable_safety_plan();
  while (plan.warning_signs_size() < 20) plan.add_warning_signs("sign");
  while (plan.help_contacts_size() < 20) *plan.add_help_contacts() = Contact("friend");
  EXPECT_THAT(Check(assignment), IsEmpty());
  plan.add_warning_signs("one too many");
  *plan.add_help_contacts() = Contact("one too many");
  Violations violations;
  ValidateAssignment(assignment, "assignment", violations);
  EXPECT_THAT(Fields(violations), ElementsAre("assignment.exercise.safety_plan.warning_signs",
                                              "assignment.exercise.safety_plan.help_contacts"));
  EXPECT_THAT(violations.ToStatus().message(), HasSubstr("at most 20 items, got 21"));
}

TEST(SafetyPlanValidationTest, PhoneNumbersAsPeopleWriteThemAndNothingElse) {
  for (const std::string& phone :
       std::vector<std::string>{"988", "+1 (800) 273-8255", "030.555.0100", "116 123"}) {
    v1::Assignment assignment = SafetyPlanAssignment();
    assignment.mutable_exercise()->mutable_safety_plan()->mutable_help_contacts(0)->set_phone(
        phone);
    EXPECT_THAT(Check(assignment), IsEmpty()) << phone;
  }
  for (const std::string& phone : std::vector<std::string>{
           "call me", "+-()", "988; drop table", "tel:988", "٩٨٨", std::string(33, '1')}) {
    v1::Assignment assignment = SafetyPlanAssignment();
    assignment.mutable_exercise()->mutable_safety_plan()->mutable_help_contacts(0)->set_phone(
        phone);
    Violations violations;
    ValidateAssignment(assignment, "assignment", violations);
    EXPECT_THAT(Fields(violations),
                ElementsAre("assignment.exercise.safety_plan.help_contacts[0].phone"))
        << phone;
    // The message names the field and the rule, never the text.
    EXPECT_THAT(violations.ToStatus().message(), ::testing::Not(HasSubstr(phone))) << phone;
  }
}

TEST(SafetyPlanTemplateTest, TheLibraryHasASafetyPlanThatValidates) {
  const v1::Template* found = nullptr;
  for (const v1::Template& t : BuiltInTemplates()) {
    if (t.exercise().kind() == v1::EXERCISE_KIND_SAFETY_PLAN) found = &t;
  }
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(found->name(), "templates/safety-plan");
  EXPECT_TRUE(found->exercise().has_safety_plan());
  v1::Assignment assignment;
  assignment.set_title(found->title());
  *assignment.mutable_exercise() = found->exercise();
  *assignment.mutable_schedule() = found->schedule();
  assignment.mutable_schedule()->set_start_date("2026-12-01");
  EXPECT_THAT(Check(assignment), IsEmpty());
}

Caller Therapist() { return {"dr-lee", "sunrise", Role::kTherapist, "call-1"}; }
Caller ClientCaller(std::string subject = "ana") {
  return {std::move(subject), "sunrise", Role::kClient, "call-2"};
}
Caller Service() { return {"platform-backend", "sunrise", Role::kService, "call-3"}; }
constexpr char kAna[] = "practices/sunrise/clients/ana";

class SafetyPlanUseCaseTest : public ::testing::Test {
 protected:
  SafetyPlanUseCaseTest() {
    v1::CreateClientRequest request;
    request.set_parent("practices/sunrise");
    request.set_client_id("ana");
    request.mutable_client()->set_display_name("Ana");
    request.mutable_client()->set_time_zone("Europe/Berlin");
    request.mutable_client()->add_care_team("dr-lee");
    EXPECT_THAT(homework_.CreateClient(Service(), request), IsOk());
  }

  absl::Status CreateAndActivate(const v1::Assignment& assignment) {
    v1::CreateAssignmentRequest create;
    create.set_parent(kAna);
    *create.mutable_assignment() = assignment;
    absl::StatusOr<v1::Assignment> created = homework_.CreateAssignment(Therapist(), create);
    if (!created.ok()) return created.status();
    v1::ActivateAssignmentRequest activate;
    activate.set_name(created->name());
    return homework_.ActivateAssignment(Therapist(), activate).status();
  }

  MemoryStore store_;
  Homework homework_{store_, HomeworkOptions{}};
};

TEST_F(SafetyPlanUseCaseTest, APlanWithSomeoneToContactActivates) {
  EXPECT_THAT(CreateAndActivate(SafetyPlanAssignment()), IsOk());
}

TEST_F(SafetyPlanUseCaseTest, APlanWithNoOneToContactIsStoredButDoesNotActivate) {
  v1::Assignment assignment = SafetyPlanAssignment();
  assignment.mutable_exercise()->mutable_safety_plan()->clear_help_contacts();
  assignment.mutable_exercise()->mutable_safety_plan()->clear_professional_contacts();
  const absl::Status status = CreateAndActivate(assignment);
  EXPECT_THAT(status,
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("exercise.safety_plan")));

  // One professional (a crisis line) is enough.
  *assignment.mutable_exercise()->mutable_safety_plan()->add_professional_contacts() =
      Contact("988 Suicide & Crisis Lifeline", "988");
  EXPECT_THAT(CreateAndActivate(assignment), IsOk());
}

TEST_F(SafetyPlanUseCaseTest, OnlyTheClientItselfOrTheServiceRaisesAFlag) {
  v1::RaiseSafetyFlagRequest request;
  request.set_parent(kAna);
  absl::StatusOr<v1::SafetyFlag> own = homework_.RaiseSafetyFlag(ClientCaller(), request);
  ASSERT_THAT(own, IsOk());
  EXPECT_EQ(own->source(), v1::SafetyFlag::SOURCE_CLIENT_REQUEST);
  EXPECT_EQ(own->raised_by(), "ana");
  EXPECT_EQ(own->reason(), "The client asked for help now");

  EXPECT_THAT(homework_.RaiseSafetyFlag(ClientCaller("someone-else"), request),
              StatusIs(absl::StatusCode::kPermissionDenied));
  // The therapist answers flags; a flag is the client's (or the platform's) call for help.
  EXPECT_THAT(homework_.RaiseSafetyFlag(Therapist(), request),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(homework_.RaiseSafetyFlag(Service(), request), IsOk());
}

}  // namespace
}  // namespace therapy::homework
