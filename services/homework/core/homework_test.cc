#include "services/homework/core/homework.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/homework/core/model/proto_time.h"
#include "services/homework/core/rules/validation.h"
#include "services/homework/storage/memory/memory_store.h"
#include "testing/status_matchers.h"

namespace therapy::homework {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;
using ::therapy::homework::testing::IsOk;
using ::therapy::homework::testing::StatusIs;

const absl::Time kNow =
    absl::FromCivil(absl::CivilSecond(2026, 11, 26, 9, 0, 0), absl::UTCTimeZone());

Caller Service() { return {"platform-backend", "sunrise", Role::kService, "call-1"}; }
Caller Therapist(std::string subject = "dr-lee") {
  return {std::move(subject), "sunrise", Role::kTherapist, "call-2"};
}
Caller ClientCaller(std::string subject = "ana") {
  return {std::move(subject), "sunrise", Role::kClient, "call-3"};
}

// The field names of an INVALID_ARGUMENT status's BadRequest payload.
std::vector<std::string> BadFields(const absl::Status& status) {
  std::vector<std::string> fields;
  if (auto request = BadRequestOf(status)) {
    for (const auto& violation : request->field_violations()) fields.push_back(violation.field());
  }
  return fields;
}

class HomeworkTest : public ::testing::Test {
 protected:
  HomeworkTest()
      : homework_(store_,
                  HomeworkOptions{.now = [] { return kNow; },
                                  .new_id = [this] { return absl::StrCat("id", ++ids_); }}) {}

  v1::Client CreateClient(std::string id = "ana", std::vector<std::string> care_team = {"dr-lee"}) {
    v1::CreateClientRequest request;
    request.set_parent("practices/sunrise");
    request.set_client_id(id);
    request.mutable_client()->set_display_name("Ana");
    request.mutable_client()->set_time_zone("Europe/Berlin");
    for (auto& member : care_team) request.mutable_client()->add_care_team(member);
    auto client = homework_.CreateClient(Service(), request);
    EXPECT_THAT(client, IsOk());
    return client.value_or(v1::Client());
  }

  static v1::Assignment ExposureAssignment() {
    v1::Assignment assignment;
    assignment.set_title("Say hello to a cashier");
    assignment.set_rationale("Each hello teaches your body the alarm is false.");
    assignment.set_phase(v1::TREATMENT_PHASE_PRACTICE);
    auto* exercise = assignment.mutable_exercise();
    exercise->set_kind(v1::EXERCISE_KIND_EXPOSURE_PRACTICE);
    exercise->mutable_exposure_practice()->set_situation("Say hello to a cashier");
    exercise->mutable_exposure_practice()->set_expected_suds(45);
    auto* schedule = assignment.mutable_schedule();
    schedule->set_target_count(5);
    schedule->set_period(v1::Schedule::PERIOD_WEEK);
    schedule->set_minutes_per_practice(5);
    schedule->set_start_date("2026-11-26");
    schedule->set_preferred_local_time("10:30");
    schedule->mutable_habit_anchor()->set_when(v1::EVENT_TIMING_AFTER_BREAKFAST);
    schedule->mutable_habit_anchor()->set_client_words("after my morning coffee");
    schedule->set_environmental_cue("shopping list on the fridge");
    schedule->set_minimum_version("Make eye contact with the cashier and nod");
    return assignment;
  }

  v1::Assignment CreateAssignment(v1::Assignment assignment = ExposureAssignment()) {
    v1::CreateAssignmentRequest request;
    request.set_parent("practices/sunrise/clients/ana");
    *request.mutable_assignment() = std::move(assignment);
    auto created = homework_.CreateAssignment(Therapist(), request);
    EXPECT_THAT(created, IsOk());
    return created.value_or(v1::Assignment());
  }

  v1::Assignment Activate(const v1::Assignment& assignment) {
    v1::ActivateAssignmentRequest request;
    request.set_name(assignment.name());
    auto active = homework_.ActivateAssignment(Therapist(), request);
    EXPECT_THAT(active, IsOk());
    return active.value_or(v1::Assignment());
  }

  static v1::Completion ExposureCompletion(int before, int peak, int after) {
    v1::Completion completion;
    *completion.mutable_occur_time() = ToProtoTime(kNow - absl::Hours(2));
    completion.set_occur_time_zone("Europe/Berlin");
    completion.set_status(v1::Completion::STATUS_DONE);
    completion.set_minutes(10);
    completion.mutable_suds()->set_before(before);
    completion.mutable_suds()->set_peak(peak);
    completion.mutable_suds()->set_after(after);
    return completion;
  }

  absl::StatusOr<v1::Completion> Record(const v1::Assignment& assignment, v1::Completion completion,
                                        std::string request_id = "") {
    v1::CreateCompletionRequest request;
    request.set_parent(assignment.name());
    *request.mutable_completion() = std::move(completion);
    request.set_request_id(std::move(request_id));
    return homework_.CreateCompletion(ClientCaller(), request);
  }

  int ids_ = 0;
  MemoryStore store_;
  Homework homework_;
};

TEST_F(HomeworkTest, GetCallerDescribesTheVerifiedCaller) {
  auto client = homework_.GetCaller(ClientCaller("ana"), v1::GetCallerRequest());
  ASSERT_THAT(client, IsOk());
  EXPECT_EQ(client->subject(), "ana");
  EXPECT_EQ(client->role(), v1::CallerIdentity::ROLE_CLIENT);
  EXPECT_EQ(client->practice(), "practices/sunrise");
  EXPECT_EQ(client->client(), "practices/sunrise/clients/ana");

  auto therapist = homework_.GetCaller(Therapist("dr-lee"), v1::GetCallerRequest());
  ASSERT_THAT(therapist, IsOk());
  EXPECT_EQ(therapist->role(), v1::CallerIdentity::ROLE_THERAPIST);
  EXPECT_EQ(therapist->client(), "");
}

TEST_F(HomeworkTest, ServiceCreatesClientUnderTheGivenId) {
  v1::Client client = CreateClient();
  EXPECT_EQ(client.name(), "practices/sunrise/clients/ana");
  EXPECT_EQ(client.time_zone(), "Europe/Berlin");
  EXPECT_THAT(client.care_team(), ElementsAre("dr-lee"));
  EXPECT_FALSE(client.etag().empty());
  EXPECT_EQ(FromProtoTime(client.create_time()), kNow);
}

TEST_F(HomeworkTest, CreatingAnExistingClientIdIsAlreadyExists) {
  CreateClient();
  v1::CreateClientRequest request;
  request.set_parent("practices/sunrise");
  request.set_client_id("ana");
  request.mutable_client()->set_display_name("Ana again");
  request.mutable_client()->set_time_zone("UTC");
  EXPECT_THAT(homework_.CreateClient(Service(), request),
              StatusIs(absl::StatusCode::kAlreadyExists));
}

TEST_F(HomeworkTest, ReplayedRequestIdReturnsTheFirstAssignment) {
  CreateClient();
  v1::CreateAssignmentRequest request;
  request.set_parent("practices/sunrise/clients/ana");
  *request.mutable_assignment() = ExposureAssignment();
  request.set_request_id("2b6f0cc9-1d5e-4f0b-8f3e-0a0c8f1f1a11");
  auto first = homework_.CreateAssignment(Therapist(), request);
  auto second = homework_.CreateAssignment(Therapist(), request);
  ASSERT_THAT(first, IsOk());
  ASSERT_THAT(second, IsOk());
  EXPECT_EQ(second->name(), first->name());
  EXPECT_EQ(second->etag(), first->etag());

  v1::ListAssignmentsRequest list;
  list.set_parent("practices/sunrise/clients/ana");
  auto listed = homework_.ListAssignments(Therapist(), list);
  ASSERT_THAT(listed, IsOk());
  EXPECT_THAT(listed->assignments(), SizeIs(1));
}

TEST_F(HomeworkTest, InvalidClientNamesEveryBadField) {
  v1::CreateClientRequest request;
  request.set_parent("practices/sunrise");
  request.mutable_client()->set_time_zone("Mars/Olympus");
  request.mutable_client()->add_care_team("dr lee");
  absl::Status status = homework_.CreateClient(Service(), request).status();
  EXPECT_THAT(status,
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("client.display_name")));
  EXPECT_THAT(BadFields(status),
              ElementsAre("client.display_name", "client.time_zone", "client.care_team[0]"));
}

TEST_F(HomeworkTest, TherapistMayNotCreateClients) {
  v1::CreateClientRequest request;
  request.set_parent("practices/sunrise");
  request.mutable_client()->set_display_name("Ana");
  request.mutable_client()->set_time_zone("UTC");
  EXPECT_THAT(homework_.CreateClient(Therapist(), request),
              StatusIs(absl::StatusCode::kPermissionDenied));
}

TEST_F(HomeworkTest, TherapistOffTheCareTeamIsDeniedWhetherOrNotTheClientExists) {
  CreateClient();
  v1::GetClientRequest existing;
  existing.set_name("practices/sunrise/clients/ana");
  v1::GetClientRequest missing;
  missing.set_name("practices/sunrise/clients/nobody");
  absl::Status on_existing = homework_.GetClient(Therapist("dr-other"), existing).status();
  absl::Status on_missing = homework_.GetClient(Therapist("dr-other"), missing).status();
  EXPECT_THAT(on_existing, StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(on_missing, StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_EQ(on_existing.message(), absl::StrReplaceAll(on_missing.message(), {{"nobody", "ana"}}));
}

TEST_F(HomeworkTest, CallerFromAnotherPracticeIsDenied) {
  CreateClient();
  v1::GetClientRequest request;
  request.set_name("practices/sunrise/clients/ana");
  Caller outsider{"dr-lee", "moonrise", Role::kTherapist, "call-9"};
  EXPECT_THAT(homework_.GetClient(outsider, request),
              StatusIs(absl::StatusCode::kPermissionDenied));
  Caller admin{"admin-1", "moonrise", Role::kAdmin, "call-9"};
  EXPECT_THAT(homework_.GetClient(admin, request), StatusIs(absl::StatusCode::kPermissionDenied));
}

TEST_F(HomeworkTest, ClientReadsItsOwnAssignmentsButNotAnotherClients) {
  CreateClient("ana");
  CreateClient("ben");
  v1::Assignment assignment = CreateAssignment();
  v1::GetAssignmentRequest request;
  request.set_name(assignment.name());
  EXPECT_THAT(homework_.GetAssignment(ClientCaller("ana"), request), IsOk());
  EXPECT_THAT(homework_.GetAssignment(ClientCaller("ben"), request),
              StatusIs(absl::StatusCode::kPermissionDenied));
}

TEST_F(HomeworkTest, ClientMayNotCreateOrChangeAssignments) {
  CreateClient();
  v1::CreateAssignmentRequest create;
  create.set_parent("practices/sunrise/clients/ana");
  *create.mutable_assignment() = ExposureAssignment();
  EXPECT_THAT(homework_.CreateAssignment(ClientCaller(), create),
              StatusIs(absl::StatusCode::kPermissionDenied));

  v1::Assignment assignment = CreateAssignment();
  v1::ActivateAssignmentRequest activate;
  activate.set_name(assignment.name());
  EXPECT_THAT(homework_.ActivateAssignment(ClientCaller(), activate),
              StatusIs(absl::StatusCode::kPermissionDenied));
}

TEST_F(HomeworkTest, NewAssignmentIsADraftAssignedByTheTherapist) {
  CreateClient();
  v1::Assignment assignment = CreateAssignment();
  EXPECT_EQ(assignment.state(), v1::Assignment::STATE_DRAFT);
  EXPECT_EQ(assignment.assigned_by(), "dr-lee");
  EXPECT_EQ(assignment.schedule().habit_anchor().client_words(), "after my morning coffee");
  EXPECT_THAT(assignment.name(), HasSubstr("practices/sunrise/clients/ana/assignments/"));
}

TEST_F(HomeworkTest, ActivatingWithoutAMinimumVersionFailsPrecondition) {
  CreateClient();
  v1::Assignment draft = ExposureAssignment();
  draft.mutable_schedule()->clear_minimum_version();
  v1::Assignment assignment = CreateAssignment(draft);
  v1::ActivateAssignmentRequest request;
  request.set_name(assignment.name());
  absl::Status status = homework_.ActivateAssignment(Therapist(), request).status();
  EXPECT_THAT(status,
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("minimum_version")));
}

TEST_F(HomeworkTest, ActivatingTwiceFailsPrecondition) {
  CreateClient();
  v1::Assignment active = Activate(CreateAssignment());
  EXPECT_EQ(active.state(), v1::Assignment::STATE_ACTIVE);
  EXPECT_EQ(FromProtoTime(active.activate_time()), kNow);
  v1::ActivateAssignmentRequest request;
  request.set_name(active.name());
  EXPECT_THAT(homework_.ActivateAssignment(Therapist(), request),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_F(HomeworkTest, UpdateWithAStaleEtagIsAborted) {
  CreateClient();
  v1::Assignment assignment = CreateAssignment();
  v1::UpdateAssignmentRequest request;
  *request.mutable_assignment() = assignment;
  request.mutable_assignment()->set_title("Say hello twice");
  request.mutable_update_mask()->add_paths("title");
  auto updated = homework_.UpdateAssignment(Therapist(), request);
  ASSERT_THAT(updated, IsOk());
  EXPECT_EQ(updated->title(), "Say hello twice");
  EXPECT_NE(updated->etag(), assignment.etag());

  // The same request again carries the etag read before the first update.
  EXPECT_THAT(homework_.UpdateAssignment(Therapist(), request),
              StatusIs(absl::StatusCode::kAborted));
}

TEST_F(HomeworkTest, UpdateChangesOnlyTheMaskedFields) {
  CreateClient();
  v1::Assignment assignment = CreateAssignment();
  v1::UpdateAssignmentRequest request;
  request.mutable_assignment()->set_name(assignment.name());
  request.mutable_assignment()->mutable_schedule()->set_minimum_version("Just nod");
  request.mutable_assignment()->set_title("ignored: not in the mask");
  request.mutable_update_mask()->add_paths("schedule.minimum_version");
  auto updated = homework_.UpdateAssignment(Therapist(), request);
  ASSERT_THAT(updated, IsOk());
  EXPECT_EQ(updated->schedule().minimum_version(), "Just nod");
  EXPECT_EQ(updated->schedule().target_count(), 5);
  EXPECT_EQ(updated->title(), assignment.title());
}

TEST_F(HomeworkTest, UpdateCannotChangeTheState) {
  CreateClient();
  v1::Assignment assignment = CreateAssignment();
  v1::UpdateAssignmentRequest request;
  request.mutable_assignment()->set_name(assignment.name());
  request.mutable_assignment()->set_state(v1::Assignment::STATE_ACTIVE);
  request.mutable_update_mask()->add_paths("state");
  absl::Status status = homework_.UpdateAssignment(Therapist(), request).status();
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(BadFields(status), ElementsAre("update_mask"));
}

TEST_F(HomeworkTest, AMaskPathInsideAnUpdatableFieldThatDoesNotExistSaysWhere) {
  CreateClient();
  v1::Assignment assignment = CreateAssignment();
  v1::UpdateAssignmentRequest request;
  request.mutable_assignment()->set_name(assignment.name());
  request.mutable_update_mask()->add_paths("schedule.habit_anchor.nope");
  absl::Status status = homework_.UpdateAssignment(Therapist(), request).status();
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument,
                               HasSubstr("\"schedule.habit_anchor.nope\": schedule has "
                                         "no such field inside it")));
  EXPECT_THAT(BadFields(status), ElementsAre("update_mask"));
  // A path outside every updatable field still lists them.
  request.mutable_update_mask()->set_paths(0, "owner.name");
  EXPECT_THAT(homework_.UpdateAssignment(Therapist(), request),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("cannot be updated; updatable: title, exercise")));
}

TEST_F(HomeworkTest, RecordingACompletionOfACancelledAssignmentFailsPrecondition) {
  CreateClient();
  v1::Assignment assignment = Activate(CreateAssignment());
  v1::CancelAssignmentRequest cancel;
  cancel.set_name(assignment.name());
  cancel.set_reason("replaced by an easier step");
  auto cancelled = homework_.CancelAssignment(Therapist(), cancel);
  ASSERT_THAT(cancelled, IsOk());
  EXPECT_EQ(cancelled->state(), v1::Assignment::STATE_CANCELLED);
  EXPECT_THAT(Record(assignment, ExposureCompletion(50, 70, 30)),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  // A cancelled assignment cannot come back.
  v1::ActivateAssignmentRequest activate;
  activate.set_name(assignment.name());
  EXPECT_THAT(homework_.ActivateAssignment(Therapist(), activate),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_F(HomeworkTest, RecordingACompletionOfADraftFailsPrecondition) {
  CreateClient();
  v1::Assignment draft = CreateAssignment();
  EXPECT_THAT(Record(draft, ExposureCompletion(50, 70, 30)),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_F(HomeworkTest, ClientRecordsAnExposurePracticeAndTheTherapistReviewsIt) {
  CreateClient();
  v1::Assignment assignment = Activate(CreateAssignment());
  auto completion = Record(assignment, ExposureCompletion(55, 70, 30));
  ASSERT_THAT(completion, IsOk());
  EXPECT_EQ(completion->suds().peak(), 70);
  EXPECT_EQ(FromProtoTime(completion->record_time()), kNow);

  v1::ReviewCompletionRequest review;
  review.set_name(completion->name());
  review.mutable_review()->set_quality_rating(4);
  review.mutable_review()->set_feedback("You stayed until it dropped. Well done.");
  auto reviewed = homework_.ReviewCompletion(Therapist(), review);
  ASSERT_THAT(reviewed, IsOk());
  EXPECT_EQ(reviewed->review().quality_rating(), 4);
  EXPECT_EQ(reviewed->review().reviewer(), "dr-lee");
  EXPECT_EQ(reviewed->suds().after(), 30);

  EXPECT_THAT(homework_.ReviewCompletion(ClientCaller(), review),
              StatusIs(absl::StatusCode::kPermissionDenied));
}

TEST_F(HomeworkTest, SudsOutsideZeroToHundredNamesTheField) {
  CreateClient();
  v1::Assignment assignment = Activate(CreateAssignment());
  absl::Status status = Record(assignment, ExposureCompletion(-1, 70, 101)).status();
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(BadFields(status), ElementsAre("completion.suds.before", "completion.suds.after"));
}

TEST_F(HomeworkTest, BlankThoughtRecordIsNotACompletion) {
  CreateClient();
  v1::Assignment thought_record;
  thought_record.set_title("Catch one worry thought a day");
  thought_record.mutable_exercise()->set_kind(v1::EXERCISE_KIND_THOUGHT_RECORD);
  *thought_record.mutable_schedule() = ExposureAssignment().schedule();
  v1::Assignment assignment = Activate(CreateAssignment(thought_record));

  v1::Completion blank = ExposureCompletion(10, 10, 10);
  blank.clear_suds();
  absl::Status status = Record(assignment, blank).status();
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(BadFields(status), ElementsAre("completion.thought_record"));

  v1::Completion partial = blank;
  partial.mutable_thought_record()->set_situation("Meeting at work");
  status = Record(assignment, partial).status();
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(BadFields(status), ElementsAre("completion.thought_record.automatic_thought",
                                             "completion.thought_record.automatic_thought_belief",
                                             "completion.thought_record.emotions",
                                             "completion.thought_record.balanced_thought",
                                             "completion.thought_record.balanced_thought_belief"));

  v1::Completion full = partial;
  auto* record = full.mutable_thought_record();
  record->set_automatic_thought("They think I am incompetent");
  record->set_automatic_thought_belief(80);
  auto* emotion = record->add_emotions();
  emotion->set_emotion("anxious");
  emotion->set_intensity(70);
  record->set_evidence_against("My manager thanked me last week");
  record->set_balanced_thought("One quiet meeting says little about my work");
  record->set_balanced_thought_belief(60);
  EXPECT_THAT(Record(assignment, full), IsOk());
}

TEST_F(HomeworkTest, SkippingNeedsAReasonAndTheMinimumVersionCounts) {
  CreateClient();
  v1::Assignment assignment = Activate(CreateAssignment());
  v1::Completion skipped = ExposureCompletion(0, 0, 0);
  skipped.clear_suds();
  skipped.set_status(v1::Completion::STATUS_SKIPPED);
  EXPECT_THAT(BadFields(Record(assignment, skipped).status()),
              ElementsAre("completion.skip_reason"));
  skipped.set_skip_reason("felt overwhelmed");
  EXPECT_THAT(Record(assignment, skipped), IsOk());

  v1::Completion minimum = ExposureCompletion(40, 45, 35);
  minimum.set_status(v1::Completion::STATUS_MINIMUM_VERSION);
  auto recorded = Record(assignment, minimum);
  ASSERT_THAT(recorded, IsOk());
  EXPECT_EQ(recorded->status(), v1::Completion::STATUS_MINIMUM_VERSION);
}

TEST_F(HomeworkTest, CompletionInTheFutureIsRejected) {
  CreateClient();
  v1::Assignment assignment = Activate(CreateAssignment());
  v1::Completion completion = ExposureCompletion(50, 60, 20);
  *completion.mutable_occur_time() = ToProtoTime(kNow + absl::Hours(1));
  EXPECT_THAT(BadFields(Record(assignment, completion).status()),
              ElementsAre("completion.occur_time"));
}

TEST_F(HomeworkTest, ReplayedCompletionIsStoredOnce) {
  CreateClient();
  v1::Assignment assignment = Activate(CreateAssignment());
  auto first = Record(assignment, ExposureCompletion(50, 60, 20), "offline-42");
  auto again = Record(assignment, ExposureCompletion(50, 60, 20), "offline-42");
  ASSERT_THAT(first, IsOk());
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(first->name(), again->name());
  v1::ListCompletionsRequest list;
  list.set_parent(assignment.name());
  auto listed = homework_.ListCompletions(ClientCaller(), list);
  ASSERT_THAT(listed, IsOk());
  EXPECT_THAT(listed->completions(), SizeIs(1));
}

TEST_F(HomeworkTest, ListCompletionsAcrossAssignmentsIsNewestFirstWithinTheWindow) {
  CreateClient();
  v1::Assignment first = Activate(CreateAssignment());
  v1::Assignment second = Activate(CreateAssignment());
  for (int hours_ago : {30, 5, 50}) {
    v1::Completion completion = ExposureCompletion(50, 60, 20);
    *completion.mutable_occur_time() = ToProtoTime(kNow - absl::Hours(hours_ago));
    ASSERT_THAT(Record(hours_ago == 5 ? second : first, completion), IsOk());
  }
  v1::ListCompletionsRequest request;
  request.set_parent("practices/sunrise/clients/ana/assignments/-");
  *request.mutable_start_time() = ToProtoTime(kNow - absl::Hours(40));
  auto listed = homework_.ListCompletions(Therapist(), request);
  ASSERT_THAT(listed, IsOk());
  ASSERT_THAT(listed->completions(), SizeIs(2));
  EXPECT_EQ(FromProtoTime(listed->completions(0).occur_time()), kNow - absl::Hours(5));
  EXPECT_EQ(FromProtoTime(listed->completions(1).occur_time()), kNow - absl::Hours(30));
}

TEST_F(HomeworkTest, TherapistListsOnlyTheirOwnClients) {
  CreateClient("ana", {"dr-lee"});
  CreateClient("ben", {"dr-other"});
  CreateClient("cho", {"dr-other", "dr-lee"});
  v1::ListClientsRequest request;
  request.set_parent("practices/sunrise");
  auto listed = homework_.ListClients(Therapist(), request);
  ASSERT_THAT(listed, IsOk());
  ASSERT_THAT(listed->clients(), SizeIs(2));
  EXPECT_EQ(listed->clients(0).name(), "practices/sunrise/clients/ana");
  EXPECT_EQ(listed->clients(1).name(), "practices/sunrise/clients/cho");
  EXPECT_THAT(homework_.ListClients(ClientCaller(), request),
              StatusIs(absl::StatusCode::kPermissionDenied));
}

TEST_F(HomeworkTest, EveryReadWriteAndRefusalIsAudited) {
  CreateClient();
  v1::Assignment assignment = CreateAssignment();
  v1::GetAssignmentRequest get;
  get.set_name(assignment.name());
  ASSERT_THAT(homework_.GetAssignment(ClientCaller(), get), IsOk());
  ASSERT_FALSE(homework_.GetAssignment(ClientCaller("ben"), get).ok());

  auto audit = store_.ListAudit("practices/sunrise/clients/", 100);
  ASSERT_THAT(audit, IsOk());
  std::vector<std::string> lines;
  for (const AuditRecord& record : *audit) {
    lines.push_back(
        absl::StrCat(record.action, " ", record.actor, " ", record.role, " ", record.outcome));
  }
  EXPECT_THAT(lines,
              ElementsAre("CreateClient platform-backend service OK",
                          "CreateAssignment dr-lee therapist OK", "GetAssignment ana client OK",
                          "GetAssignment ben client PERMISSION_DENIED"));
  EXPECT_EQ((*audit)[2].resource, assignment.name());
  EXPECT_EQ((*audit)[2].call_id, "call-3");
  EXPECT_EQ((*audit)[2].time, kNow);
}

TEST_F(HomeworkTest, ReviewSummaryCoversTheActiveAssignmentsForTheCareTeamOnly) {
  CreateClient("ana");
  CreateClient("ben");
  v1::Assignment assignment = Activate(CreateAssignment());
  CreateAssignment();  // a draft: not in the review
  ASSERT_THAT(Record(assignment, ExposureCompletion(55, 70, 30)), IsOk());
  v1::GetReviewSummaryRequest request;
  request.set_client("practices/sunrise/clients/ana");
  auto summary = homework_.GetReviewSummary(Therapist(), request);
  ASSERT_THAT(summary, IsOk());
  ASSERT_THAT(summary->assignments(), SizeIs(1));
  EXPECT_EQ(summary->assignments(0).assignment().name(), assignment.name());
  ASSERT_THAT(summary->assignments(0).suds_series(), SizeIs(1));
  EXPECT_EQ(summary->assignments(0).suds_series(0).peak(), 70);
  EXPECT_EQ(summary->unreviewed_count(), 1);

  EXPECT_THAT(homework_.GetReviewSummary(Therapist("dr-other"), request),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(homework_.GetReviewSummary(ClientCaller("ben"), request),
              StatusIs(absl::StatusCode::kPermissionDenied));
  request.mutable_since_time()->set_seconds(absl::ToUnixSeconds(kNow + absl::Hours(1)));
  EXPECT_THAT(BadFields(homework_.GetReviewSummary(Therapist(), request).status()),
              ElementsAre("since_time"));
}

// ---------------------------------------------------------------------------------------------
// Outcome measures

v1::Assignment Phq9Assignment() {
  v1::Assignment assignment;
  assignment.set_title("Mood questionnaire (PHQ-9)");
  assignment.mutable_exercise()->set_kind(v1::EXERCISE_KIND_OUTCOME_MEASURE);
  assignment.mutable_exercise()->mutable_outcome_measure()->set_measure(v1::MEASURE_PHQ9);
  auto* schedule = assignment.mutable_schedule();
  schedule->set_target_count(1);
  schedule->set_period(v1::Schedule::PERIOD_WEEK);
  schedule->set_start_date("2026-11-23");
  schedule->set_minimum_version("Answer the nine questions quickly");
  return assignment;
}

v1::Completion Phq9Answers(std::vector<int> items) {
  v1::Completion completion;
  *completion.mutable_occur_time() = ToProtoTime(kNow - absl::Hours(1));
  completion.set_occur_time_zone("Europe/Berlin");
  completion.set_status(v1::Completion::STATUS_DONE);
  for (int item : items) completion.mutable_measure()->add_item_scores(item);
  return completion;
}

TEST_F(HomeworkTest, ReviewReadsTheMeasureBaselineAndTheCalendarsPracticeBeforeThePeriod) {
  CreateClient();
  v1::Assignment weekly = Phq9Assignment();
  weekly.mutable_schedule()->set_start_date("2026-09-01");
  v1::Assignment phq9 = Activate(CreateAssignment(weekly));
  auto answers_at = [&](std::vector<int> items, absl::Duration ago) {
    v1::Completion answers = Phq9Answers(std::move(items));
    *answers.mutable_occur_time() = ToProtoTime(kNow - ago);
    return Record(phq9, answers);
  };
  auto baseline = answers_at({3, 3, 3, 3, 2, 2, 2, 2, 0}, absl::Hours(24 * 60));  // 20
  auto earlier = answers_at({2, 2, 2, 2, 2, 2, 2, 1, 0}, absl::Hours(24 * 10));   // 15, Mon 16
  auto latest = answers_at({1, 1, 1, 1, 1, 1, 1, 1, 0}, absl::Hours(1));          // 8
  ASSERT_THAT(baseline, IsOk());
  ASSERT_THAT(earlier, IsOk());
  ASSERT_THAT(latest, IsOk());

  v1::GetReviewSummaryRequest review;
  review.set_client("practices/sunrise/clients/ana");
  auto summary = homework_.GetReviewSummary(Therapist(), review);

  ASSERT_THAT(summary, IsOk());
  // The period (the last 7 days) holds the latest answers; their change counts from the first
  // total ever, 60 days back, and from the one before it, 10 days back.
  ASSERT_THAT(summary->measure_trend(), SizeIs(1));
  const v1::MeasurePoint& point = summary->measure_trend(0);
  EXPECT_EQ(point.completion(), latest->name());
  EXPECT_EQ(point.change().baseline_completion(), baseline->name());
  EXPECT_EQ(point.change().baseline_total(), 20);
  EXPECT_EQ(point.change().change_from_previous(), 8 - 15);
  ASSERT_THAT(summary->earlier_measures(), SizeIs(2));
  EXPECT_EQ(summary->earlier_measures(1).completion(), earlier->name());
  // The calendar reaches before the period: the week of the answers 10 days back is met.
  ASSERT_THAT(summary->assignments(), SizeIs(1));
  std::vector<std::string> met_weeks;
  for (const v1::PracticePeriod& week : summary->assignments(0).adherence().calendar()) {
    if (week.state() == v1::PracticePeriod::STATE_MET) met_weeks.push_back(week.first_day());
  }
  EXPECT_THAT(met_weeks, ElementsAre("2026-11-16", "2026-11-23"));
}

TEST_F(HomeworkTest, ClientCompletesAPhq9AndTheServiceScoresIt) {
  CreateClient();
  v1::Assignment phq9 = Activate(CreateAssignment(Phq9Assignment()));
  v1::Completion answers = Phq9Answers({1, 2, 1, 2, 1, 1, 0, 0, 2});
  // Output-only fields sent by the caller are overwritten by the service's score.
  answers.mutable_measure()->set_total(0);
  answers.mutable_measure()->set_loinc("made-up");
  answers.mutable_measure()->set_urgent(false);
  auto recorded = Record(phq9, answers);
  ASSERT_THAT(recorded, IsOk());

  v1::GetCompletionRequest get;
  get.set_name(recorded->name());
  auto stored = homework_.GetCompletion(Therapist(), get);
  ASSERT_THAT(stored, IsOk());
  const v1::MeasureResponse& measure = stored->measure();
  EXPECT_EQ(measure.measure(), v1::MEASURE_PHQ9);
  EXPECT_EQ(measure.total(), 10);
  EXPECT_EQ(measure.severity(), v1::MeasureResponse::SEVERITY_MODERATE);
  EXPECT_EQ(measure.loinc(), "44261-6");
  EXPECT_TRUE(measure.urgent());
  EXPECT_THAT(measure.item_scores(), ElementsAre(1, 2, 1, 2, 1, 1, 0, 0, 2));

  v1::GetReviewSummaryRequest review;
  review.set_client("practices/sunrise/clients/ana");
  auto summary = homework_.GetReviewSummary(Therapist(), review);
  ASSERT_THAT(summary, IsOk());
  ASSERT_THAT(summary->urgent_flags(), SizeIs(1));
  EXPECT_EQ(summary->urgent_flags(0).completion(), recorded->name());
}

TEST_F(HomeworkTest, Phq9WithoutThoughtsOfSelfHarmIsNotUrgent) {
  CreateClient();
  v1::Assignment phq9 = Activate(CreateAssignment(Phq9Assignment()));
  auto recorded = Record(phq9, Phq9Answers({0, 1, 0, 1, 0, 0, 0, 0, 0}));
  ASSERT_THAT(recorded, IsOk());
  EXPECT_EQ(recorded->measure().total(), 2);
  EXPECT_EQ(recorded->measure().severity(), v1::MeasureResponse::SEVERITY_MINIMAL);
  EXPECT_FALSE(recorded->measure().urgent());
}

TEST_F(HomeworkTest, Phq9WithEightAnswersIsInvalidAndNothingIsStored) {
  CreateClient();
  v1::Assignment phq9 = Activate(CreateAssignment(Phq9Assignment()));
  absl::Status status = Record(phq9, Phq9Answers({1, 2, 1, 2, 1, 1, 0, 0})).status();
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument,
                               HasSubstr("completion.measure.item_scores")));
  EXPECT_THAT(BadFields(status), ElementsAre("completion.measure.item_scores"));
  EXPECT_THAT(BadFields(Record(phq9, Phq9Answers({1, 2, 1, 2, 1, 1, 0, 0, 4})).status()),
              ElementsAre("completion.measure.item_scores[8]"));

  v1::ListCompletionsRequest list;
  list.set_parent(phq9.name());
  auto listed = homework_.ListCompletions(Therapist(), list);
  ASSERT_THAT(listed, IsOk());
  EXPECT_THAT(listed->completions(), SizeIs(0));
}

}  // namespace
}  // namespace therapy::homework
