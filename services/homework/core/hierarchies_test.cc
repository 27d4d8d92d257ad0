#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/homework/core/homework.h"
#include "services/homework/core/model/proto_time.h"
#include "services/homework/core/rules/validation.h"
#include "services/homework/storage/memory/memory_store.h"
#include "testing/status_matchers.h"
#include "therapy/homework/v1/homework_service.pb.h"

namespace therapy::homework {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;
using ::therapy::homework::testing::IsOk;
using ::therapy::homework::testing::StatusIs;

const absl::Time kNow = absl::FromUnixSeconds(1'795'000'000);

Caller Service() { return {"platform-backend", "sunrise", Role::kService, "call-1"}; }
Caller Therapist(std::string subject = "dr-lee") {
  return {std::move(subject), "sunrise", Role::kTherapist, "call-2"};
}
Caller ClientCaller() { return {"ana", "sunrise", Role::kClient, "call-3"}; }

class HierarchiesTest : public ::testing::Test {
 protected:
  HierarchiesTest()
      : homework_(store_,
                  HomeworkOptions{.now = [] { return kNow; },
                                  .new_id = [this] { return "id" + std::to_string(++ids_); }}) {
    v1::CreateClientRequest request;
    request.set_parent("practices/sunrise");
    request.set_client_id("ana");
    request.mutable_client()->set_display_name("Ana");
    request.mutable_client()->set_time_zone("Europe/Berlin");
    request.mutable_client()->add_care_team("dr-lee");
    EXPECT_THAT(homework_.CreateClient(Service(), request), IsOk());
  }

  absl::StatusOr<v1::Hierarchy> FromLadder(v1::Hierarchy overrides = {}) {
    v1::CreateHierarchyRequest request;
    request.set_parent("practices/sunrise/clients/ana");
    request.set_template_("hierarchyTemplates/social-anxiety-ladder");
    *request.mutable_hierarchy() = std::move(overrides);
    return homework_.CreateHierarchy(Therapist(), request);
  }

  absl::StatusOr<v1::Hierarchy> Advance(const v1::Hierarchy& h, std::string reason,
                                        const Caller& caller = Therapist()) {
    v1::AdvanceHierarchyRequest request;
    request.set_name(h.name());
    request.set_etag(h.etag());
    request.set_reason(std::move(reason));
    return homework_.AdvanceHierarchy(caller, request);
  }

  int ids_ = 0;
  MemoryStore store_;
  Homework homework_;
};

TEST_F(HierarchiesTest, TheSeedsSocialAnxietyLadderStartsAtItsFirstStep) {
  auto ladder = FromLadder();
  ASSERT_THAT(ladder, IsOk());
  ASSERT_THAT(ladder->steps(), SizeIs(5));
  EXPECT_EQ(ladder->steps(0).situation(), "Make brief eye contact with a stranger");
  EXPECT_EQ(ladder->steps(0).prescription(), "Practice 3 times daily for one week");
  EXPECT_EQ(ladder->steps(4).prescription(), "Attend one event and stay for 30 minutes");
  EXPECT_EQ(ladder->current_step(), 0);
  EXPECT_EQ(ladder->created_by(), "dr-lee");
  EXPECT_THAT(ladder->name(), HasSubstr("practices/sunrise/clients/ana/hierarchies/"));
}

TEST_F(HierarchiesTest, TheClientsOwnAnchorsAreKeptWithTheHierarchy) {
  v1::Hierarchy overrides;
  overrides.mutable_anchors()->set_calm("Sunday morning reading in bed");
  overrides.mutable_anchors()->set_worst("Giving a toast at my brother's wedding");
  auto ladder = FromLadder(overrides);
  ASSERT_THAT(ladder, IsOk());
  EXPECT_EQ(ladder->anchors().calm(), "Sunday morning reading in bed");
  EXPECT_EQ(ladder->anchors().worst(), "Giving a toast at my brother's wedding");
  EXPECT_THAT(ladder->steps(), SizeIs(5));  // the template's steps stay
}

TEST_F(HierarchiesTest, OwnStepsReplaceTheTemplatesAndAreValidated) {
  v1::Hierarchy overrides;
  overrides.add_steps()->set_situation("Drive one block");
  overrides.mutable_steps(0)->set_expected_suds(140);
  absl::Status status = FromLadder(overrides).status();
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument));
  ASSERT_TRUE(BadRequestOf(status).has_value());
  EXPECT_EQ(BadRequestOf(status)->field_violations(0).field(), "hierarchy.steps[0].expected_suds");
}

TEST_F(HierarchiesTest, UnknownTemplateIsNotFound) {
  v1::CreateHierarchyRequest request;
  request.set_parent("practices/sunrise/clients/ana");
  request.set_template_("hierarchyTemplates/heights");
  EXPECT_THAT(homework_.CreateHierarchy(Therapist(), request),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("known: hierarchyTemplates/social-anxiety-ladder")));
}

TEST_F(HierarchiesTest, OnlyTheTherapistMovesTheCurrentStepAndEachDecisionIsKept) {
  auto ladder = FromLadder();
  ASSERT_THAT(ladder, IsOk());
  EXPECT_THAT(Advance(*ladder, "SUDS halved twice", ClientCaller()),
              StatusIs(absl::StatusCode::kPermissionDenied));

  auto advanced = Advance(*ladder, "Peak-to-end drop over 50% on two practices");
  ASSERT_THAT(advanced, IsOk());
  EXPECT_EQ(advanced->current_step(), 1);

  v1::StepBackHierarchyRequest back;
  back.set_name(advanced->name());
  back.set_reason("Skipped twice, felt overwhelmed");
  auto stepped_back = homework_.StepBackHierarchy(Therapist(), back);
  ASSERT_THAT(stepped_back, IsOk());
  EXPECT_EQ(stepped_back->current_step(), 0);
  ASSERT_THAT(stepped_back->decisions(), SizeIs(2));
  EXPECT_EQ(stepped_back->decisions(0).kind(), v1::ProgressionDecision::KIND_ADVANCE);
  EXPECT_EQ(stepped_back->decisions(0).reason(), "Peak-to-end drop over 50% on two practices");
  EXPECT_EQ(stepped_back->decisions(1).kind(), v1::ProgressionDecision::KIND_STEP_BACK);
  EXPECT_EQ(stepped_back->decisions(1).from_step(), 1);
  EXPECT_EQ(stepped_back->decisions(1).decided_by(), "dr-lee");
  EXPECT_EQ(FromProtoTime(stepped_back->decisions(1).decide_time()), kNow);
}

TEST_F(HierarchiesTest, ADecisionNeedsAReason) {
  auto ladder = FromLadder();
  ASSERT_THAT(ladder, IsOk());
  absl::Status status = Advance(*ladder, "").status();
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(BadRequestOf(status)->field_violations(0).field(), "reason");
}

TEST_F(HierarchiesTest, NoStepBeyondEitherEnd) {
  auto ladder = FromLadder();
  ASSERT_THAT(ladder, IsOk());
  v1::StepBackHierarchyRequest back;
  back.set_name(ladder->name());
  back.set_reason("too hard");
  EXPECT_THAT(homework_.StepBackHierarchy(Therapist(), back),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  v1::Hierarchy h = *ladder;
  for (int i = 0; i < 4; ++i) {
    auto next = Advance(h, "ready");
    ASSERT_THAT(next, IsOk());
    h = *next;
  }
  EXPECT_EQ(h.current_step(), 4);
  EXPECT_THAT(Advance(h, "ready"), StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_F(HierarchiesTest, AdvancingFromAStaleReadIsAborted) {
  auto ladder = FromLadder();
  ASSERT_THAT(ladder, IsOk());
  ASSERT_THAT(Advance(*ladder, "ready"), IsOk());
  EXPECT_THAT(Advance(*ladder, "ready again"), StatusIs(absl::StatusCode::kAborted));
}

TEST_F(HierarchiesTest, UpdateCannotRemoveTheStepBeingPractised) {
  auto ladder = FromLadder();
  ASSERT_THAT(ladder, IsOk());
  auto advanced = Advance(*ladder, "ready");
  ASSERT_THAT(advanced, IsOk());
  v1::UpdateHierarchyRequest update;
  *update.mutable_hierarchy() = *advanced;
  update.mutable_hierarchy()->mutable_steps()->DeleteSubrange(1, 4);
  update.mutable_update_mask()->add_paths("steps");
  EXPECT_THAT(homework_.UpdateHierarchy(Therapist(), update),
              StatusIs(absl::StatusCode::kFailedPrecondition));

  update.mutable_update_mask()->clear_paths();
  update.mutable_update_mask()->add_paths("current_step");
  EXPECT_THAT(homework_.UpdateHierarchy(Therapist(), update),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(HierarchiesTest, ListedNewestFirstForTheClientAndItsCareTeamOnly) {
  ASSERT_THAT(FromLadder(), IsOk());
  ASSERT_THAT(FromLadder(), IsOk());
  v1::ListHierarchiesRequest request;
  request.set_parent("practices/sunrise/clients/ana");
  auto listed = homework_.ListHierarchies(ClientCaller(), request);
  ASSERT_THAT(listed, IsOk());
  EXPECT_THAT(listed->hierarchies(), SizeIs(2));
  EXPECT_THAT(homework_.ListHierarchies(Therapist("dr-other"), request),
              StatusIs(absl::StatusCode::kPermissionDenied));
}

TEST_F(HierarchiesTest, ExposurePracticeOfTheCurrentStepFeedsTheReviewAndItsSuggestion) {
  auto ladder = FromLadder();
  ASSERT_THAT(ladder, IsOk());
  v1::CreateAssignmentRequest assign;
  assign.set_parent("practices/sunrise/clients/ana");
  v1::Assignment* a = assign.mutable_assignment();
  a->set_title("Eye contact");
  a->mutable_exercise()->set_kind(v1::EXERCISE_KIND_EXPOSURE_PRACTICE);
  a->mutable_exercise()->mutable_exposure_practice()->set_situation("Brief eye contact");
  a->mutable_exercise()->mutable_exposure_practice()->set_hierarchy(ladder->name());
  a->mutable_exercise()->mutable_exposure_practice()->set_hierarchy_step(7);
  a->mutable_schedule()->set_target_count(3);
  a->mutable_schedule()->set_period(v1::Schedule::PERIOD_DAY);
  a->mutable_schedule()->set_start_date("2026-11-01");
  a->mutable_schedule()->set_minimum_version("One glance");
  absl::Status status = homework_.CreateAssignment(Therapist(), assign).status();
  ASSERT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(BadRequestOf(status)->field_violations(0).field(),
            "assignment.exercise.exposure_practice.hierarchy_step");

  a->mutable_exercise()->mutable_exposure_practice()->set_hierarchy_step(0);
  auto created = homework_.CreateAssignment(Therapist(), assign);
  ASSERT_THAT(created, IsOk());
  v1::ActivateAssignmentRequest activate;
  activate.set_name(created->name());
  ASSERT_THAT(homework_.ActivateAssignment(Therapist(), activate), IsOk());
  // Two practices whose distress halves from peak to end: the rule suggests advancing.
  for (int hours_ago : {30, 6}) {
    v1::CreateCompletionRequest record;
    record.set_parent(created->name());
    v1::Completion* c = record.mutable_completion();
    *c->mutable_occur_time() = ToProtoTime(kNow - absl::Hours(hours_ago));
    c->set_occur_time_zone("Europe/Berlin");
    c->set_status(v1::Completion::STATUS_DONE);
    c->mutable_suds()->set_before(50);
    c->mutable_suds()->set_peak(70);
    c->mutable_suds()->set_after(30);
    ASSERT_THAT(homework_.CreateCompletion(ClientCaller(), record), IsOk());
  }
  v1::GetReviewSummaryRequest review;
  review.set_client("practices/sunrise/clients/ana");
  auto summary = homework_.GetReviewSummary(Therapist(), review);
  ASSERT_THAT(summary, IsOk());
  ASSERT_THAT(summary->hierarchies(), SizeIs(1));
  const v1::HierarchyReview& reviewed = summary->hierarchies(0);
  EXPECT_EQ(reviewed.hierarchy().name(), ladder->name());
  ASSERT_THAT(reviewed.current_step_series(), SizeIs(2));
  EXPECT_EQ(reviewed.current_step_series(1).after(), 30);
  EXPECT_EQ(reviewed.suggestion().kind(), v1::ProgressionSuggestion::KIND_ADVANCE);
}

TEST_F(HierarchiesTest, ExposurePracticeCannotPointAtAnotherClientsHierarchy) {
  auto ladder = FromLadder();
  ASSERT_THAT(ladder, IsOk());
  v1::CreateClientRequest ben;
  ben.set_parent("practices/sunrise");
  ben.set_client_id("ben");
  ben.mutable_client()->set_display_name("Ben");
  ben.mutable_client()->set_time_zone("UTC");
  ben.mutable_client()->add_care_team("dr-lee");
  ASSERT_THAT(homework_.CreateClient(Service(), ben), IsOk());
  v1::CreateAssignmentRequest assign;
  assign.set_parent("practices/sunrise/clients/ben");
  v1::Assignment* a = assign.mutable_assignment();
  a->set_title("Eye contact");
  a->mutable_exercise()->set_kind(v1::EXERCISE_KIND_EXPOSURE_PRACTICE);
  a->mutable_exercise()->mutable_exposure_practice()->set_situation("Brief eye contact");
  a->mutable_exercise()->mutable_exposure_practice()->set_hierarchy(ladder->name());
  a->mutable_schedule()->set_target_count(1);
  a->mutable_schedule()->set_period(v1::Schedule::PERIOD_DAY);
  a->mutable_schedule()->set_start_date("2026-11-01");
  absl::Status status = homework_.CreateAssignment(Therapist(), assign).status();
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(BadRequestOf(status)->field_violations(0).field(),
            "assignment.exercise.exposure_practice.hierarchy");
}

}  // namespace
}  // namespace therapy::homework
