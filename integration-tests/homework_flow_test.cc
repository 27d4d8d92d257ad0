// The homework flow over real gRPC against the real homework-server binary: a platform creates a
// client, a therapist assigns and activates exposure practice, the client records completions,
// the therapist reviews one; plus the error contract (codes and details), authorisation across
// clients, care teams and practices, tokens, and durability across SIGKILL and SIGTERM.

#include <gmock/gmock.h>
#include <google/protobuf/util/message_differencer.h>
#include <google/protobuf/util/time_util.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

#include "integration-tests/rpc_test_support.h"
#include "integration-tests/server_process.h"
#include "testing/status_matchers.h"

namespace therapy::homework::testing {
namespace {

using ::google::protobuf::util::MessageDifferencer;
using ::google::protobuf::util::TimeUtil;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::therapy::homework::testing::IsOk;

constexpr char kPractice[] = "clinic-a";
constexpr char kPracticeName[] = "practices/clinic-a";
constexpr char kZone[] = "Europe/Berlin";

// One step of a fear-of-lifts hierarchy, with every schedule field a therapist would set.
v1::Assignment LiftExposure() {
  v1::Assignment assignment;
  assignment.set_title("Ride the office lift to the 4th floor");
  assignment.set_rationale("Staying until the fear falls shows me the lift is safe enough.");
  assignment.set_phase(v1::TREATMENT_PHASE_PRACTICE);
  assignment.set_session_id("session-0007");

  v1::Exercise* exercise = assignment.mutable_exercise();
  exercise->set_kind(v1::EXERCISE_KIND_EXPOSURE_PRACTICE);
  exercise->set_instructions("Ride up and down until your distress has dropped by half.");
  v1::ExposurePracticeInstructions* exposure = exercise->mutable_exposure_practice();
  exposure->set_situation("Office lift, ground floor to 4th floor, alone");
  exposure->set_expected_suds(70);
  exposure->set_stay_until_drop_percent(50);
  exposure->set_track_expectancy(true);
  exposure->add_safety_behaviors_to_drop("holding the handrail");

  v1::Schedule* schedule = assignment.mutable_schedule();
  schedule->set_target_count(1);
  schedule->set_period(v1::Schedule::PERIOD_DAY);
  schedule->set_minutes_per_practice(20);
  schedule->set_start_date(DayIn(kZone, -1));
  schedule->set_end_date(DayIn(kZone, 27));
  schedule->set_preferred_local_time("08:45");
  schedule->mutable_habit_anchor()->set_when(v1::EVENT_TIMING_BREAKFAST);
  schedule->mutable_habit_anchor()->set_offset_minutes(30);
  schedule->mutable_habit_anchor()->set_client_words("after my first coffee at work");
  schedule->set_environmental_cue("lift pass clipped to my keys");
  schedule->set_minimum_version("Stand in the open lift for two minutes");
  return assignment;
}

// A done exposure practice `minutes_ago`, with SUDS before, peak and after.
v1::Completion LiftPractice(int minutes_ago, int suds_before, int suds_peak, int suds_after) {
  v1::Completion completion;
  *completion.mutable_occur_time() =
      TimeUtil::SecondsToTimestamp(absl::ToUnixSeconds(absl::Now() - absl::Minutes(minutes_ago)));
  completion.set_occur_time_zone(kZone);
  completion.set_status(v1::Completion::STATUS_DONE);
  completion.set_minutes(25);
  completion.mutable_suds()->set_before(suds_before);
  completion.mutable_suds()->set_peak(suds_peak);
  completion.mutable_suds()->set_after(suds_after);
  completion.mutable_expectancy()->set_before(80);
  completion.mutable_expectancy()->set_after(30);
  completion.mutable_expectancy()->set_feared_outcome_occurred(false);
  completion.set_client_note("Went up four times; the third was much easier.");
  return completion;
}

class HomeworkFlowTest : public ::testing::Test {
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

  // After a restart the port differs.
  void Reconnect() { stub_ = server_->NewStub(); }

  // The platform creates client `id` with the given care team.
  grpc::Status CreateClient(const std::string& id, const std::vector<std::string>& care_team,
                            v1::Client* client) {
    v1::CreateClientRequest request;
    request.set_parent(kPracticeName);
    request.set_client_id(id);
    request.mutable_client()->set_display_name("Client " + id);
    request.mutable_client()->set_time_zone(kZone);
    for (const std::string& member : care_team) request.mutable_client()->add_care_team(member);
    return Call(*stub_, &Stub::CreateClient, platform_, request, client);
  }

  // Dr Ada creates the lift exposure for `client_name` and activates it.
  grpc::Status CreateActiveLiftExposure(const std::string& client_name,
                                        v1::Assignment* assignment) {
    v1::CreateAssignmentRequest create;
    create.set_parent(client_name);
    *create.mutable_assignment() = LiftExposure();
    v1::Assignment draft;
    grpc::Status status = Call(*stub_, &Stub::CreateAssignment, dr_ada_, create, &draft);
    if (!status.ok()) return status;
    v1::ActivateAssignmentRequest activate;
    activate.set_name(draft.name());
    activate.set_etag(draft.etag());
    return Call(*stub_, &Stub::ActivateAssignment, dr_ada_, activate, assignment);
  }

  // Alex (or `token`) records `completion` against `assignment_name`.
  grpc::Status RecordCompletion(const std::string& token, const std::string& assignment_name,
                                const v1::Completion& completion, v1::Completion* recorded,
                                const std::string& request_id = "") {
    v1::CreateCompletionRequest request;
    request.set_parent(assignment_name);
    *request.mutable_completion() = completion;
    request.set_request_id(request_id);
    return Call(*stub_, &Stub::CreateCompletion, token, request, recorded);
  }

  grpc::Status GetAssignment(const std::string& token, const std::string& name,
                             v1::Assignment* assignment) {
    v1::GetAssignmentRequest request;
    request.set_name(name);
    return Call(*stub_, &Stub::GetAssignment, token, request, assignment);
  }

  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<Stub> stub_;
  std::string platform_;  // service caller of clinic-a
  std::string dr_ada_;    // therapist of clinic-a, on Alex's care team
  std::string alex_;      // the client "alex" of clinic-a
};

TEST_F(HomeworkFlowTest, TherapistAssignsExposureClientRecordsCompletionsTherapistReviews) {
  v1::Client alex;
  ASSERT_RPC_OK(CreateClient("alex", {"dr-ada"}, &alex));
  EXPECT_EQ(alex.name(), "practices/clinic-a/clients/alex");
  EXPECT_THAT(alex.care_team(), ElementsAre("dr-ada"));
  EXPECT_EQ(alex.time_zone(), kZone);
  EXPECT_FALSE(alex.etag().empty());

  // Dr Ada creates the assignment: it starts as a draft holding exactly what was sent.
  v1::CreateAssignmentRequest create;
  create.set_parent(alex.name());
  *create.mutable_assignment() = LiftExposure();
  v1::Assignment draft;
  ASSERT_RPC_OK(Call(*stub_, &Stub::CreateAssignment, dr_ada_, create, &draft));
  EXPECT_THAT(draft.name(), ::testing::StartsWith("practices/clinic-a/clients/alex/assignments/"));
  EXPECT_EQ(draft.state(), v1::Assignment::STATE_DRAFT);
  EXPECT_EQ(draft.assigned_by(), "dr-ada");
  EXPECT_TRUE(draft.has_create_time());
  EXPECT_TRUE(MessageDifferencer::Equals(draft.exercise(), LiftExposure().exercise()))
      << draft.exercise().DebugString();
  EXPECT_TRUE(MessageDifferencer::Equals(draft.schedule(), LiftExposure().schedule()))
      << draft.schedule().DebugString();
  EXPECT_EQ(draft.rationale(), LiftExposure().rationale());

  v1::ActivateAssignmentRequest activate;
  activate.set_name(draft.name());
  activate.set_etag(draft.etag());
  v1::Assignment active;
  ASSERT_RPC_OK(Call(*stub_, &Stub::ActivateAssignment, dr_ada_, activate, &active));
  EXPECT_EQ(active.state(), v1::Assignment::STATE_ACTIVE);
  EXPECT_TRUE(active.has_activate_time());
  EXPECT_NE(active.etag(), draft.etag());

  // Alex sees it among the active assignments.
  v1::ListAssignmentsRequest list_active;
  list_active.set_parent(alex.name());
  list_active.add_states(v1::Assignment::STATE_ACTIVE);
  v1::ListAssignmentsResponse active_list;
  ASSERT_RPC_OK(Call(*stub_, &Stub::ListAssignments, alex_, list_active, &active_list));
  ASSERT_EQ(active_list.assignments_size(), 1);
  EXPECT_EQ(active_list.assignments(0).name(), active.name());
  EXPECT_EQ(active_list.assignments(0).schedule().minimum_version(),
            "Stand in the open lift for two minutes");
  EXPECT_EQ(active_list.next_page_token(), "");

  // Alex practises twice; distress falls.
  v1::Completion first;
  ASSERT_RPC_OK(RecordCompletion(alex_, active.name(), LiftPractice(90, 70, 85, 40), &first));
  v1::Completion second;
  ASSERT_RPC_OK(RecordCompletion(alex_, active.name(), LiftPractice(10, 60, 65, 25), &second));
  EXPECT_THAT(first.name(), ::testing::StartsWith(active.name() + "/completions/"));
  EXPECT_EQ(first.suds().before(), 70);
  EXPECT_EQ(first.suds().peak(), 85);
  EXPECT_EQ(first.suds().after(), 40);
  EXPECT_TRUE(first.has_record_time());
  EXPECT_FALSE(first.has_review());

  // Dr Ada lists them, newest occur_time first.
  v1::ListCompletionsRequest list_completions;
  list_completions.set_parent(active.name());
  v1::ListCompletionsResponse completions;
  ASSERT_RPC_OK(Call(*stub_, &Stub::ListCompletions, dr_ada_, list_completions, &completions));
  ASSERT_EQ(completions.completions_size(), 2);
  EXPECT_EQ(completions.completions(0).name(), second.name());
  EXPECT_EQ(completions.completions(0).suds().after(), 25);
  EXPECT_EQ(completions.completions(1).name(), first.name());
  EXPECT_EQ(completions.completions(1).expectancy().before(), 80);
  EXPECT_EQ(completions.completions(1).client_note(),
            "Went up four times; the third was much easier.");

  // ... and reviews the first.
  v1::ReviewCompletionRequest review;
  review.set_name(first.name());
  review.set_etag(first.etag());
  review.mutable_review()->set_quality_rating(4);
  review.mutable_review()->set_feedback("You stayed until it dropped by half. Well done.");
  v1::Completion reviewed;
  ASSERT_RPC_OK(Call(*stub_, &Stub::ReviewCompletion, dr_ada_, review, &reviewed));
  EXPECT_EQ(reviewed.review().quality_rating(), 4);
  EXPECT_EQ(reviewed.review().feedback(), "You stayed until it dropped by half. Well done.");
  EXPECT_EQ(reviewed.review().reviewer(), "dr-ada");
  EXPECT_TRUE(reviewed.review().has_review_time());
  EXPECT_NE(reviewed.etag(), first.etag());

  // Alex reads the feedback.
  v1::GetCompletionRequest get;
  get.set_name(first.name());
  v1::Completion seen_by_alex;
  ASSERT_RPC_OK(Call(*stub_, &Stub::GetCompletion, alex_, get, &seen_by_alex));
  EXPECT_EQ(seen_by_alex.review().quality_rating(), 4);
  EXPECT_EQ(seen_by_alex.review().feedback(), "You stayed until it dropped by half. Well done.");
}

TEST_F(HomeworkFlowTest, ReplayedRequestIdReturnsTheFirstCompletionAndStoresOne) {
  v1::Client alex;
  ASSERT_RPC_OK(CreateClient("alex", {"dr-ada"}, &alex));
  v1::Assignment active;
  ASSERT_RPC_OK(CreateActiveLiftExposure(alex.name(), &active));

  // A phone that queued the completion offline sends it twice with the same request id.
  // The same request both times (made again a second later, its occur time would differ).
  const std::string request_id = "6f1c2a9e-5b7d-4c1e-9a0f-1d2b3c4d5e6f";
  const v1::Completion practice = LiftPractice(30, 50, 70, 20);
  v1::Completion first;
  ASSERT_RPC_OK(RecordCompletion(alex_, active.name(), practice, &first, request_id));
  v1::Completion replayed;
  ASSERT_RPC_OK(RecordCompletion(alex_, active.name(), practice, &replayed, request_id));

  EXPECT_EQ(replayed.name(), first.name());
  EXPECT_TRUE(MessageDifferencer::Equals(replayed, first)) << "first:\n"
                                                           << first.DebugString() << "replayed:\n"
                                                           << replayed.DebugString();

  v1::ListCompletionsRequest list;
  list.set_parent(active.name());
  v1::ListCompletionsResponse stored;
  ASSERT_RPC_OK(Call(*stub_, &Stub::ListCompletions, alex_, list, &stored));
  ASSERT_EQ(stored.completions_size(), 1);
  EXPECT_EQ(stored.completions(0).name(), first.name());
}

// The same request sent by several callers at once (a phone retrying while its first send is
// still in flight): the twins share commits, the first key recorded wins, and every twin is
// answered with that one completion (ADR 0029: a twin's deferred commit finds the key and the
// call runs again, replaying it). One completion is stored.
TEST_F(HomeworkFlowTest, TwinsWithOneRequestIdSentAtOnceAreAnsweredWithOneCompletion) {
  v1::Client alex;
  ASSERT_RPC_OK(CreateClient("alex", {"dr-ada"}, &alex));
  v1::Assignment active;
  ASSERT_RPC_OK(CreateActiveLiftExposure(alex.name(), &active));
  v1::Completion warm_up;  // puts the assignment in the server's cache
  ASSERT_RPC_OK(RecordCompletion(alex_, active.name(), LiftPractice(30, 50, 70, 20), &warm_up));

  constexpr int kTwins = 8;
  constexpr int kRequests = 5;
  for (int request = 0; request < kRequests; ++request) {
    const std::string request_id = absl::StrCat("twin-request-", request);
    // Made once: twins are the same request, occur time included (one made a second later
    // would be a different request under the same id, which is refused).
    const v1::Completion practice = LiftPractice(30, 50, 70, 20);
    std::vector<v1::Completion> answers(kTwins);
    std::vector<grpc::Status> statuses(kTwins);
    std::atomic<int> ready{0};
    std::vector<std::thread> twins;
    for (int twin = 0; twin < kTwins; ++twin) {
      twins.emplace_back([&, twin] {
        ++ready;
        while (ready.load() < kTwins) std::this_thread::yield();
        statuses[twin] =
            RecordCompletion(alex_, active.name(), practice, &answers[twin], request_id);
      });
    }
    for (std::thread& twin : twins) twin.join();
    for (int twin = 0; twin < kTwins; ++twin) {
      ASSERT_TRUE(statuses[twin].ok())
          << request_id << " twin " << twin << ": " << statuses[twin].error_message();
      EXPECT_TRUE(MessageDifferencer::Equals(answers[twin], answers[0]))
          << request_id << " twin " << twin;
    }
  }

  v1::ListCompletionsRequest list;
  list.set_parent(active.name());
  v1::ListCompletionsResponse stored;
  ASSERT_RPC_OK(Call(*stub_, &Stub::ListCompletions, alex_, list, &stored));
  EXPECT_EQ(stored.completions_size(), 1 + kRequests);
}

TEST_F(HomeworkFlowTest, UpdateAssignmentWithStaleEtagIsAborted) {
  v1::Client alex;
  ASSERT_RPC_OK(CreateClient("alex", {"dr-ada"}, &alex));
  v1::CreateAssignmentRequest create;
  create.set_parent(alex.name());
  *create.mutable_assignment() = LiftExposure();
  v1::Assignment draft;
  ASSERT_RPC_OK(Call(*stub_, &Stub::CreateAssignment, dr_ada_, create, &draft));

  v1::UpdateAssignmentRequest update;
  *update.mutable_assignment() = draft;
  update.mutable_assignment()->set_title("Ride the lift to the 6th floor");
  update.mutable_update_mask()->add_paths("title");
  v1::Assignment updated;
  ASSERT_RPC_OK(Call(*stub_, &Stub::UpdateAssignment, dr_ada_, update, &updated));
  EXPECT_EQ(updated.title(), "Ride the lift to the 6th floor");
  ASSERT_NE(updated.etag(), draft.etag());

  // A second editor still holds the first etag.
  update.mutable_assignment()->set_title("Ride the lift to the 8th floor");
  v1::Assignment ignored;
  grpc::Status stale = Call(*stub_, &Stub::UpdateAssignment, dr_ada_, update, &ignored);
  EXPECT_EQ(stale.error_code(), grpc::StatusCode::ABORTED) << Describe(stale);

  v1::Assignment current;
  ASSERT_RPC_OK(GetAssignment(dr_ada_, draft.name(), &current));
  EXPECT_EQ(current.title(), "Ride the lift to the 6th floor");
  EXPECT_EQ(current.etag(), updated.etag());
}

TEST_F(HomeworkFlowTest, ActivatingCancelledAssignmentFailsPrecondition) {
  v1::Client alex;
  ASSERT_RPC_OK(CreateClient("alex", {"dr-ada"}, &alex));
  v1::CreateAssignmentRequest create;
  create.set_parent(alex.name());
  *create.mutable_assignment() = LiftExposure();
  v1::Assignment draft;
  ASSERT_RPC_OK(Call(*stub_, &Stub::CreateAssignment, dr_ada_, create, &draft));

  v1::CancelAssignmentRequest cancel;
  cancel.set_name(draft.name());
  cancel.set_reason("Replaced by a smaller step");
  v1::Assignment cancelled;
  ASSERT_RPC_OK(Call(*stub_, &Stub::CancelAssignment, dr_ada_, cancel, &cancelled));
  EXPECT_EQ(cancelled.state(), v1::Assignment::STATE_CANCELLED);
  EXPECT_EQ(cancelled.cancel_reason(), "Replaced by a smaller step");

  v1::ActivateAssignmentRequest activate;
  activate.set_name(draft.name());
  v1::Assignment ignored;
  grpc::Status status = Call(*stub_, &Stub::ActivateAssignment, dr_ada_, activate, &ignored);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << Describe(status);

  v1::Assignment current;
  ASSERT_RPC_OK(GetAssignment(dr_ada_, draft.name(), &current));
  EXPECT_EQ(current.state(), v1::Assignment::STATE_CANCELLED);
}

TEST_F(HomeworkFlowTest, SudsOutOfRangeIsInvalidArgumentWithBadRequestNamingTheField) {
  v1::Client alex;
  ASSERT_RPC_OK(CreateClient("alex", {"dr-ada"}, &alex));
  v1::Assignment active;
  ASSERT_RPC_OK(CreateActiveLiftExposure(alex.name(), &active));

  v1::Completion out_of_range = LiftPractice(5, 150, 150, 20);  // SUDS is 0-100
  v1::Completion ignored;
  grpc::Status status = RecordCompletion(alex_, active.name(), out_of_range, &ignored);

  ASSERT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << Describe(status);
  EXPECT_THAT(status.error_message(), ::testing::HasSubstr("completion.suds.before"));
  EXPECT_THAT(BadRequestFields(status), Contains("completion.suds.before"));

  v1::ListCompletionsRequest list;
  list.set_parent(active.name());
  v1::ListCompletionsResponse stored;
  ASSERT_RPC_OK(Call(*stub_, &Stub::ListCompletions, alex_, list, &stored));
  EXPECT_EQ(stored.completions_size(), 0);
}

TEST_F(HomeworkFlowTest, ClientReadingAnotherClientsAssignmentIsPermissionDenied) {
  v1::Client alex;
  ASSERT_RPC_OK(CreateClient("alex", {"dr-ada"}, &alex));
  v1::Client sam;
  ASSERT_RPC_OK(CreateClient("sam", {"dr-ada"}, &sam));
  v1::Assignment alex_assignment;
  ASSERT_RPC_OK(CreateActiveLiftExposure(alex.name(), &alex_assignment));

  const std::string sam_token = server_->Token("sam", "client", kPractice);
  v1::Assignment ignored;
  grpc::Status read = GetAssignment(sam_token, alex_assignment.name(), &ignored);
  EXPECT_EQ(read.error_code(), grpc::StatusCode::PERMISSION_DENIED) << Describe(read);

  // Recording against someone else's homework is refused the same way.
  v1::Completion not_recorded;
  grpc::Status write = RecordCompletion(sam_token, alex_assignment.name(),
                                        LiftPractice(5, 40, 50, 20), &not_recorded);
  EXPECT_EQ(write.error_code(), grpc::StatusCode::PERMISSION_DENIED) << Describe(write);
}

TEST_F(HomeworkFlowTest, TherapistNotOnCareTeamIsPermissionDenied) {
  v1::Client alex;
  ASSERT_RPC_OK(CreateClient("alex", {"dr-ada"}, &alex));
  v1::Assignment alex_assignment;
  ASSERT_RPC_OK(CreateActiveLiftExposure(alex.name(), &alex_assignment));
  const std::string dr_bob = server_->Token("dr-bob", "therapist", kPractice);

  v1::GetClientRequest get_client;
  get_client.set_name(alex.name());
  v1::Client ignored_client;
  grpc::Status read_client = Call(*stub_, &Stub::GetClient, dr_bob, get_client, &ignored_client);
  EXPECT_EQ(read_client.error_code(), grpc::StatusCode::PERMISSION_DENIED) << Describe(read_client);

  v1::Assignment ignored;
  grpc::Status read = GetAssignment(dr_bob, alex_assignment.name(), &ignored);
  EXPECT_EQ(read.error_code(), grpc::StatusCode::PERMISSION_DENIED) << Describe(read);

  v1::CreateAssignmentRequest create;
  create.set_parent(alex.name());
  *create.mutable_assignment() = LiftExposure();
  grpc::Status assign = Call(*stub_, &Stub::CreateAssignment, dr_bob, create, &ignored);
  EXPECT_EQ(assign.error_code(), grpc::StatusCode::PERMISSION_DENIED) << Describe(assign);
}

// The server answers point reads of clients and assignments from its cache (ADR 0022): a
// care-team change must still take effect at the next call.
TEST_F(HomeworkFlowTest, ATherapistTakenOffTheCareTeamIsDeniedAtTheNextCall) {
  v1::Client alex;
  ASSERT_RPC_OK(CreateClient("alex", {"dr-ada"}, &alex));
  v1::Assignment assignment;
  ASSERT_RPC_OK(CreateActiveLiftExposure(alex.name(), &assignment));
  v1::Assignment read;
  for (int i = 0; i < 3; ++i) ASSERT_RPC_OK(GetAssignment(dr_ada_, assignment.name(), &read));

  v1::UpdateClientRequest update;
  *update.mutable_client() = alex;
  update.mutable_client()->clear_care_team();
  update.mutable_client()->add_care_team("dr-bob");
  update.mutable_update_mask()->add_paths("care_team");
  v1::Client updated;
  ASSERT_RPC_OK(Call(*stub_, &Stub::UpdateClient, platform_, update, &updated));

  grpc::Status denied = GetAssignment(dr_ada_, assignment.name(), &read);
  EXPECT_EQ(denied.error_code(), grpc::StatusCode::PERMISSION_DENIED) << Describe(denied);
  ASSERT_RPC_OK(
      GetAssignment(server_->Token("dr-bob", "therapist", kPractice), assignment.name(), &read));
}

// One process serves a SQLite file: a second server on the same file stops at start-up and
// says why, and the first keeps serving.
TEST_F(HomeworkFlowTest, ASecondServerOnTheSameSqliteFileIsRefused) {
  absl::StatusOr<std::unique_ptr<ServerProcess>> second =
      ServerProcess::Start({.store = "sqlite:" + server_->data_dir() + "/homework.db",
                            .start_timeout = absl::Seconds(10)});

  EXPECT_FALSE(second.ok());
  EXPECT_THAT(second.status().message(), HasSubstr("already served by another"));
  v1::Client alex;
  ASSERT_RPC_OK(CreateClient("alex", {"dr-ada"}, &alex));
}

TEST_F(HomeworkFlowTest, CallerFromAnotherPracticeIsPermissionDeniedWhetherOrNotNameExists) {
  v1::Client alex;
  ASSERT_RPC_OK(CreateClient("alex", {"dr-ada"}, &alex));
  v1::Assignment alex_assignment;
  ASSERT_RPC_OK(CreateActiveLiftExposure(alex.name(), &alex_assignment));

  // An administrator of clinic-b, and a therapist of clinic-b who happens to share Ada's id.
  for (const std::string& outsider : {server_->Token("admin-b", "admin", "clinic-b"),
                                      server_->Token("dr-ada", "therapist", "clinic-b")}) {
    v1::Assignment ignored;
    grpc::Status existing = GetAssignment(outsider, alex_assignment.name(), &ignored);
    EXPECT_EQ(existing.error_code(), grpc::StatusCode::PERMISSION_DENIED) << Describe(existing);
    grpc::Status missing =
        GetAssignment(outsider, "practices/clinic-a/clients/alex/assignments/no-such", &ignored);
    EXPECT_EQ(missing.error_code(), grpc::StatusCode::PERMISSION_DENIED) << Describe(missing);
  }
}

TEST_F(HomeworkFlowTest, CallWithoutTokenIsUnauthenticated) {
  v1::GetClientRequest request;
  request.set_name("practices/clinic-a/clients/alex");
  v1::Client ignored;
  grpc::Status status = Call(*stub_, &Stub::GetClient, /*token=*/"", request, &ignored);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << Describe(status);
}

TEST_F(HomeworkFlowTest, GarbageTokenIsUnauthenticated) {
  v1::GetClientRequest request;
  request.set_name("practices/clinic-a/clients/alex");
  v1::Client ignored;
  for (const std::string& garbage : {std::string("not-a-jwt"), std::string("a.b.c"),
                                     alex_.substr(0, alex_.size() - 4) + "AAAA"}) {
    grpc::Status status = Call(*stub_, &Stub::GetClient, garbage, request, &ignored);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED)
        << "token " << garbage << ": " << Describe(status);
  }
}

TEST_F(HomeworkFlowTest, ExpiredTokenIsUnauthenticated) {
  v1::Client alex;
  ASSERT_RPC_OK(CreateClient("alex", {"dr-ada"}, &alex));
  TokenClaims claims;
  claims.subject = "alex";
  claims.role = "client";
  claims.practice = kPractice;
  claims.ttl = absl::Hours(1);
  const std::string expired = server_->Token(claims, absl::Now() - absl::Hours(2));

  v1::GetClientRequest request;
  request.set_name(alex.name());
  v1::Client ignored;
  grpc::Status status = Call(*stub_, &Stub::GetClient, expired, request, &ignored);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << Describe(status);
}

TEST_F(HomeworkFlowTest, TokenSignedByUnknownKeyIsUnauthenticated) {
  absl::StatusOr<SigningKey> stranger = GenerateSigningKey("not-in-the-jwks");
  ASSERT_THAT(stranger, IsOk());
  TokenClaims claims;
  claims.subject = "platform-backend";
  claims.role = "service";
  claims.practice = kPractice;
  absl::StatusOr<std::string> token = MintToken(*stranger, claims, absl::Now());
  ASSERT_THAT(token, IsOk());

  v1::ListClientsRequest request;
  request.set_parent(kPracticeName);
  v1::ListClientsResponse ignored;
  grpc::Status status = Call(*stub_, &Stub::ListClients, *token, request, &ignored);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << Describe(status);
}

TEST_F(HomeworkFlowTest, CompletionAcknowledgedBeforeSigkillIsKeptAfterRestart) {
  v1::Client alex;
  ASSERT_RPC_OK(CreateClient("alex", {"dr-ada"}, &alex));
  v1::Assignment active;
  ASSERT_RPC_OK(CreateActiveLiftExposure(alex.name(), &active));
  v1::Completion acknowledged;
  ASSERT_RPC_OK(
      RecordCompletion(alex_, active.name(), LiftPractice(15, 65, 80, 30), &acknowledged));

  ASSERT_THAT(server_->Kill(SIGKILL), IsOk());
  absl::Status restarted = server_->Restart();
  ASSERT_THAT(restarted, IsOk());
  Reconnect();

  v1::GetCompletionRequest get;
  get.set_name(acknowledged.name());
  v1::Completion after_restart;
  ASSERT_RPC_OK(Call(*stub_, &Stub::GetCompletion, alex_, get, &after_restart));
  EXPECT_TRUE(MessageDifferencer::Equals(after_restart, acknowledged))
      << "acknowledged:\n"
      << acknowledged.DebugString() << "after restart:\n"
      << after_restart.DebugString();
}

// The same under load: many completions in flight in shared commits (group commit, each
// commit's log frames written in one call; ADR 0028) when the server is killed. Every one that
// was answered OK is there after the restart.
TEST_F(HomeworkFlowTest, CompletionsAcknowledgedWhileASigkillLandsAreAllKeptAfterRestart) {
  v1::Client alex;
  ASSERT_RPC_OK(CreateClient("alex", {"dr-ada"}, &alex));
  v1::Assignment active;
  ASSERT_RPC_OK(CreateActiveLiftExposure(alex.name(), &active));

  absl::Mutex mutex;
  std::vector<std::string> acknowledged;  // guarded by mutex
  std::atomic<bool> stop{false};
  std::vector<std::thread> callers;
  for (int i = 0; i < 8; ++i) {
    callers.emplace_back([&, i] {
      while (!stop.load()) {
        v1::Completion recorded;
        const grpc::Status status =
            RecordCompletion(alex_, active.name(), LiftPractice(30 + i, 50, 70, 20), &recorded);
        if (!status.ok()) continue;  // in flight when the server died: not acknowledged
        absl::MutexLock lock(&mutex);
        acknowledged.push_back(recorded.name());
      }
    });
  }
  // Kill it while the callers are still sending, once a few hundred were answered.
  for (int waited = 0; waited < 600; ++waited) {
    {
      absl::MutexLock lock(&mutex);
      if (acknowledged.size() >= 300) break;
    }
    absl::SleepFor(absl::Milliseconds(50));
  }
  ASSERT_THAT(server_->Kill(SIGKILL), IsOk());
  stop = true;
  for (std::thread& caller : callers) caller.join();
  ASSERT_GE(acknowledged.size(), 300u);

  ASSERT_THAT(server_->Restart(), IsOk());
  Reconnect();
  int missing = 0;
  for (const std::string& name : acknowledged) {
    v1::GetCompletionRequest get;
    get.set_name(name);
    v1::Completion after_restart;
    if (!Call(*stub_, &Stub::GetCompletion, alex_, get, &after_restart).ok()) ++missing;
  }
  EXPECT_EQ(missing, 0) << "of " << acknowledged.size() << " acknowledged completions";
}

// Reads are answered once their audit records are in the audit journal (ADR 0031), before they
// reach the audit database. Here the audit database is locked by another process, so that no
// record of the reads reaches it, and the server is killed: after a restart (which commits what
// the journal held) and a clean stop, the audit database names every answered read's request id.
TEST_F(HomeworkFlowTest, ReadsAnsweredBeforeASigkillAreAllAuditedAfterRestart) {
  v1::Client alex;
  ASSERT_RPC_OK(CreateClient("alex", {"dr-ada"}, &alex));
  const std::string audit_path = server_->data_dir() + "/homework.db-audit";
  sqlite3* lock = nullptr;
  ASSERT_EQ(sqlite3_open(audit_path.c_str(), &lock), SQLITE_OK);
  sqlite3_busy_timeout(lock, 10'000);
  ASSERT_EQ(sqlite3_exec(lock, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);

  std::vector<std::string> answered;  // request ids
  v1::GetClientRequest get;
  get.set_name(alex.name());
  for (int n = 0; n < 200; ++n) {
    const std::string request_id = absl::StrCat("read-", n);
    std::unique_ptr<grpc::ClientContext> context = ContextWithToken(dr_ada_);
    context->AddMetadata("x-request-id", request_id);
    v1::Client read;
    const grpc::Status status = stub_->GetClient(context.get(), get, &read);
    ASSERT_TRUE(status.ok()) << n << ": " << Describe(status);
    answered.push_back(request_id);
  }
  ASSERT_THAT(server_->Kill(SIGKILL), IsOk());
  ASSERT_EQ(sqlite3_exec(lock, "ROLLBACK", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(lock);

  ASSERT_THAT(server_->Restart(), IsOk());
  ASSERT_THAT(server_->Stop(), IsOk());
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(audit_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  std::set<std::string> audited;
  sqlite3_stmt* select = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT call_id FROM audit_log WHERE action = 'GetClient'", -1,
                               &select, nullptr),
            SQLITE_OK);
  while (sqlite3_step(select) == SQLITE_ROW) {
    audited.insert(reinterpret_cast<const char*>(sqlite3_column_text(select, 0)));
  }
  sqlite3_finalize(select);
  sqlite3_close(db);
  int missing = 0;
  for (const std::string& request_id : answered) missing += audited.count(request_id) == 0;
  EXPECT_EQ(missing, 0) << "of " << answered.size() << " answered reads have no audit record";
}

TEST_F(HomeworkFlowTest, SigtermExitsZeroAndKeepsData) {
  v1::Client alex;
  ASSERT_RPC_OK(CreateClient("alex", {"dr-ada"}, &alex));
  v1::Assignment active;
  ASSERT_RPC_OK(CreateActiveLiftExposure(alex.name(), &active));

  absl::Status stopped = server_->Stop();
  ASSERT_THAT(stopped, IsOk());
  absl::Status restarted = server_->Restart();
  ASSERT_THAT(restarted, IsOk());
  Reconnect();

  v1::Assignment after_restart;
  ASSERT_RPC_OK(GetAssignment(alex_, active.name(), &after_restart));
  EXPECT_TRUE(MessageDifferencer::Equals(after_restart, active))
      << "before:\n"
      << active.DebugString() << "after restart:\n"
      << after_restart.DebugString();
  v1::GetClientRequest get_client;
  get_client.set_name(alex.name());
  v1::Client client_after_restart;
  ASSERT_RPC_OK(Call(*stub_, &Stub::GetClient, platform_, get_client, &client_after_restart));
  EXPECT_EQ(client_after_restart.etag(), alex.etag());
}

// A live session over real gRPC: the platform opens it, the care team and the client join (an
// interpreter with a therapist token outside the care team gets nothing), the therapist shapes a
// draft in it, the client changes only its own plan while the session is live, and the summary
// written at the end keeps the draft open for next time.
TEST_F(HomeworkFlowTest, InALiveSessionTheClientShapesOnlyItsOwnPlanUntilItEnds) {
  v1::Client alex;
  ASSERT_RPC_OK(CreateClient("alex", {"dr-ada"}, &alex));
  const std::string interpreter = server_->Token("interpreter-1", "therapist", kPractice);
  const std::string bo = server_->Token("bo", "client", kPractice);

  v1::CreateSessionRequest create_session;
  create_session.set_parent(kPracticeName);
  create_session.set_session_id("call-0815");
  create_session.mutable_session()->set_client(alex.name());
  create_session.mutable_session()->set_external_id("room-0815");
  v1::Session session;
  ASSERT_RPC_OK(Call(*stub_, &Stub::CreateSession, platform_, create_session, &session));
  EXPECT_EQ(session.name(), "practices/clinic-a/sessions/call-0815");
  EXPECT_EQ(session.state(), v1::Session::STATE_LIVE);
  // The therapist's panel opening it again gets the same session.
  v1::Session reopened;
  ASSERT_RPC_OK(Call(*stub_, &Stub::CreateSession, dr_ada_, create_session, &reopened));
  EXPECT_EQ(reopened.etag(), session.etag());

  v1::JoinSessionRequest join;
  join.set_name(session.name());
  v1::Session joined;
  ASSERT_RPC_OK(Call(*stub_, &Stub::JoinSession, dr_ada_, join, &joined));
  ASSERT_RPC_OK(Call(*stub_, &Stub::JoinSession, alex_, join, &joined));
  EXPECT_THAT(joined.care_team_present(), ElementsAre("dr-ada"));
  EXPECT_TRUE(joined.client_present());
  for (const std::string& outsider : {interpreter, bo}) {
    v1::Session ignored;
    grpc::Status refused = Call(*stub_, &Stub::JoinSession, outsider, join, &ignored);
    EXPECT_EQ(refused.error_code(), grpc::StatusCode::PERMISSION_DENIED) << Describe(refused);
    v1::GetSessionRequest get;
    get.set_name(session.name());
    refused = Call(*stub_, &Stub::GetSession, outsider, get, &ignored);
    EXPECT_EQ(refused.error_code(), grpc::StatusCode::PERMISSION_DENIED) << Describe(refused);
  }

  v1::CreateAssignmentRequest create;
  create.set_parent(alex.name());
  *create.mutable_assignment() = LiftExposure();
  create.mutable_assignment()->set_session(session.name());
  v1::Assignment draft;
  ASSERT_RPC_OK(Call(*stub_, &Stub::CreateAssignment, dr_ada_, create, &draft));
  EXPECT_EQ(draft.session(), session.name());

  v1::UpdateAssignmentRequest anchor;
  anchor.mutable_assignment()->set_name(draft.name());
  anchor.mutable_assignment()->mutable_schedule()->mutable_habit_anchor()->set_client_words(
      "when I badge in");
  anchor.mutable_update_mask()->add_paths("schedule.habit_anchor");
  v1::Assignment shaped;
  ASSERT_RPC_OK(Call(*stub_, &Stub::UpdateAssignment, alex_, anchor, &shaped));
  EXPECT_EQ(shaped.schedule().habit_anchor().client_words(), "when I badge in");
  EXPECT_EQ(shaped.schedule().environmental_cue(), "lift pass clipped to my keys");

  v1::UpdateAssignmentRequest title = anchor;
  title.mutable_assignment()->set_title("Take the stairs instead");
  title.mutable_update_mask()->add_paths("title");
  v1::Assignment ignored;
  grpc::Status refused = Call(*stub_, &Stub::UpdateAssignment, alex_, title, &ignored);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::PERMISSION_DENIED) << Describe(refused);
  EXPECT_THAT(refused.error_message(), ::testing::HasSubstr("update_mask.paths[1]"));

  v1::EndSessionRequest end;
  end.set_name(session.name());
  end.set_discussed("Lift practice before work; the two-minute version in the open lift.");
  v1::Session ended;
  refused = Call(*stub_, &Stub::EndSession, alex_, end, &ended);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::PERMISSION_DENIED) << Describe(refused);
  ASSERT_RPC_OK(Call(*stub_, &Stub::EndSession, dr_ada_, end, &ended));
  EXPECT_EQ(ended.state(), v1::Session::STATE_ENDED);
  EXPECT_THAT(ended.summary().drafts_open(), ElementsAre(draft.name()));
  EXPECT_EQ(ended.summary().discussed(), end.discussed());

  // After the session the draft is the care team's alone, and it is still a draft.
  refused = Call(*stub_, &Stub::UpdateAssignment, alex_, anchor, &ignored);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::PERMISSION_DENIED) << Describe(refused);
  refused = Call(*stub_, &Stub::JoinSession, alex_, join, &joined);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << Describe(refused);
  v1::Assignment kept;
  ASSERT_RPC_OK(GetAssignment(alex_, draft.name(), &kept));
  EXPECT_EQ(kept.state(), v1::Assignment::STATE_DRAFT);
  EXPECT_EQ(kept.schedule().habit_anchor().client_words(), "when I badge in");

  v1::ListSessionsRequest list;
  list.set_parent(kPracticeName);
  list.set_client(alex.name());
  v1::ListSessionsResponse listed;
  ASSERT_RPC_OK(Call(*stub_, &Stub::ListSessions, alex_, list, &listed));
  ASSERT_EQ(listed.sessions_size(), 1);
  EXPECT_EQ(listed.sessions(0).summary().drafts_open_size(), 1);
}

// The therapist and the client change different fields of the same draft at the same moment,
// over and over: every round, both changes are there.
TEST_F(HomeworkFlowTest, ConcurrentChangesOfDifferentFieldsOfADraftBothLand) {
  v1::Client alex;
  ASSERT_RPC_OK(CreateClient("alex", {"dr-ada"}, &alex));
  v1::CreateSessionRequest create_session;
  create_session.set_parent(kPracticeName);
  create_session.mutable_session()->set_client(alex.name());
  v1::Session session;
  ASSERT_RPC_OK(Call(*stub_, &Stub::CreateSession, platform_, create_session, &session));
  v1::CreateAssignmentRequest create;
  create.set_parent(alex.name());
  *create.mutable_assignment() = LiftExposure();
  create.mutable_assignment()->set_session(session.name());
  v1::Assignment draft;
  ASSERT_RPC_OK(Call(*stub_, &Stub::CreateAssignment, dr_ada_, create, &draft));

  for (int round = 0; round < 20; ++round) {
    const std::string words = absl::StrCat("after coffee number ", round);
    const std::string minimum = absl::StrCat("Stand in the lift for ", round, " minutes");
    grpc::Status client_status, therapist_status;
    std::thread client([&] {
      auto stub = server_->NewStub();
      v1::UpdateAssignmentRequest update;
      update.mutable_assignment()->set_name(draft.name());
      update.mutable_assignment()->mutable_schedule()->mutable_habit_anchor()->set_client_words(
          words);
      update.mutable_update_mask()->add_paths("schedule.habit_anchor");
      v1::Assignment ignored;
      client_status = Call(*stub, &Stub::UpdateAssignment, alex_, update, &ignored);
    });
    std::thread therapist([&] {
      auto stub = server_->NewStub();
      v1::UpdateAssignmentRequest update;
      update.mutable_assignment()->set_name(draft.name());
      update.mutable_assignment()->mutable_schedule()->set_minimum_version(minimum);
      update.mutable_update_mask()->add_paths("schedule.minimum_version");
      v1::Assignment ignored;
      therapist_status = Call(*stub, &Stub::UpdateAssignment, dr_ada_, update, &ignored);
    });
    client.join();
    therapist.join();
    ASSERT_RPC_OK(client_status);
    ASSERT_RPC_OK(therapist_status);
    v1::Assignment current;
    ASSERT_RPC_OK(GetAssignment(dr_ada_, draft.name(), &current));
    ASSERT_EQ(current.schedule().habit_anchor().client_words(), words) << "round " << round;
    ASSERT_EQ(current.schedule().minimum_version(), minimum) << "round " << round;
  }
}

}  // namespace
}  // namespace therapy::homework::testing
