// The example a platform team copies first (examples/backend-client), run as built against the
// real server: it must show the seeded homework and report errors by their status code.

#include <gmock/gmock.h>
#include <google/protobuf/util/time_util.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "integration-tests/rpc_test_support.h"
#include "integration-tests/server_process.h"
#include "testing/child_process.h"
#include "testing/status_matchers.h"

#ifndef HOMEWORK_BACKEND_CLIENT_PATH
#error "HOMEWORK_BACKEND_CLIENT_PATH must name the example binary (set by CMake)"
#endif

namespace therapy::homework::testing {
namespace {

using ::google::protobuf::util::TimeUtil;
using ::testing::HasSubstr;
using ::therapy::homework::testing::IsOk;

class BackendClientExampleTest : public ::testing::Test {
 protected:
  // Seeds clinic-a: client "robin" (care team dr-ada), one active breathing assignment and one
  // completion recorded by Robin an hour ago.
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<ServerProcess>> started = ServerProcess::Start();
    ASSERT_THAT(started, IsOk());
    server_ = *std::move(started);
    std::unique_ptr<Stub> stub = server_->NewStub();
    dr_ada_ = server_->Token("dr-ada", "therapist", "clinic-a");

    v1::CreateClientRequest create_client;
    create_client.set_parent("practices/clinic-a");
    create_client.set_client_id("robin");
    create_client.mutable_client()->set_display_name("Robin");
    create_client.mutable_client()->set_time_zone("America/Chicago");
    create_client.mutable_client()->add_care_team("dr-ada");
    v1::Client robin;
    ASSERT_RPC_OK(Call(*stub, &Stub::CreateClient,
                       server_->Token("platform-backend", "service", "clinic-a"), create_client,
                       &robin));

    v1::CreateAssignmentRequest create;
    create.set_parent(robin.name());
    v1::Assignment* assignment = create.mutable_assignment();
    assignment->set_title("Paced breathing before the commute");
    assignment->mutable_exercise()->set_kind(v1::EXERCISE_KIND_SKILLS_PRACTICE);
    assignment->mutable_exercise()->mutable_skills_practice()->set_skill(
        v1::SkillsPracticeInstructions::SKILL_BREATHING);
    v1::Schedule* schedule = assignment->mutable_schedule();
    schedule->set_target_count(2);
    schedule->set_period(v1::Schedule::PERIOD_DAY);
    schedule->set_minutes_per_practice(5);
    schedule->set_start_date(DayIn("America/Chicago", -3));
    schedule->mutable_habit_anchor()->set_when(v1::EVENT_TIMING_BREAKFAST);
    schedule->set_minimum_version("Three slow breaths at the front door");
    v1::Assignment draft;
    ASSERT_RPC_OK(Call(*stub, &Stub::CreateAssignment, dr_ada_, create, &draft));
    v1::ActivateAssignmentRequest activate;
    activate.set_name(draft.name());
    ASSERT_RPC_OK(Call(*stub, &Stub::ActivateAssignment, dr_ada_, activate, &assignment_));

    v1::CreateCompletionRequest record;
    record.set_parent(assignment_.name());
    v1::Completion* completion = record.mutable_completion();
    *completion->mutable_occur_time() =
        TimeUtil::SecondsToTimestamp(absl::ToUnixSeconds(absl::Now() - absl::Hours(1)));
    completion->set_occur_time_zone("America/Chicago");
    completion->set_status(v1::Completion::STATUS_MINIMUM_VERSION);
    completion->set_minutes(2);
    completion->mutable_suds()->set_before(45);
    completion->mutable_suds()->set_after(30);
    ASSERT_RPC_OK(Call(*stub, &Stub::CreateCompletion,
                       server_->Token("robin", "client", "clinic-a"), record, &completion_));
  }

  // Runs the example with `args` after --address, optionally with HOMEWORK_TOKEN set.
  CommandResult RunExample(const std::vector<std::string>& args,
                           const std::vector<std::string>& env = {}) {
    std::vector<std::string> argv = {HOMEWORK_BACKEND_CLIENT_PATH,
                                     "--address=" + server_->address()};
    argv.insert(argv.end(), args.begin(), args.end());
    absl::StatusOr<CommandResult> result =
        RunCommand(argv, server_->work_dir(), absl::Seconds(20), env);
    if (!result.ok()) {
      ADD_FAILURE() << result.status();
      return {};
    }
    return *result;
  }

  std::unique_ptr<ServerProcess> server_;
  std::string dr_ada_;
  v1::Assignment assignment_;
  v1::Completion completion_;
};

TEST_F(BackendClientExampleTest, ListsTheSeededActiveAssignmentAndRecentCompletion) {
  CommandResult run =
      RunExample({"--token=" + dr_ada_, "--client=practices/clinic-a/clients/robin"});

  ASSERT_EQ(run.exit_code, 0) << "stdout:\n" << run.stdout_text << "stderr:\n" << run.stderr_text;
  EXPECT_THAT(run.stdout_text, HasSubstr("Paced breathing before the commute"));
  EXPECT_THAT(run.stdout_text, HasSubstr(assignment_.name()));
  EXPECT_THAT(run.stdout_text, HasSubstr("Three slow breaths at the front door"));
  EXPECT_THAT(run.stdout_text, HasSubstr(completion_.name()));
  EXPECT_THAT(run.stdout_text, HasSubstr("minimum version"));
}

TEST_F(BackendClientExampleTest, PagesThroughMoreCompletionsThanFitOnOnePage) {
  // The example asks for 50 per page; with the seeded one, 61 completions take two pages.
  std::unique_ptr<Stub> stub = server_->NewStub();
  const std::string robin = server_->Token("robin", "client", "clinic-a");
  for (int i = 1; i <= 60; ++i) {
    v1::CreateCompletionRequest record;
    record.set_parent(assignment_.name());
    *record.mutable_completion()->mutable_occur_time() =
        TimeUtil::SecondsToTimestamp(absl::ToUnixSeconds(absl::Now() - absl::Minutes(i)));
    record.mutable_completion()->set_occur_time_zone("America/Chicago");
    record.mutable_completion()->set_status(v1::Completion::STATUS_DONE);
    v1::Completion recorded;
    ASSERT_RPC_OK(Call(*stub, &Stub::CreateCompletion, robin, record, &recorded));
  }

  CommandResult run =
      RunExample({"--token=" + dr_ada_, "--client=practices/clinic-a/clients/robin"});

  ASSERT_EQ(run.exit_code, 0) << "stdout:\n" << run.stdout_text << "stderr:\n" << run.stderr_text;
  EXPECT_THAT(run.stdout_text, ::testing::ContainsRegex("Completions since [0-9-]+: 61\n"));
  EXPECT_THAT(run.stdout_text, HasSubstr(completion_.name()));  // the oldest, on page two
}

TEST_F(BackendClientExampleTest, TakesTheTokenFromHomeworkTokenEnvironmentVariable) {
  CommandResult run =
      RunExample({"--client=practices/clinic-a/clients/robin"}, {"HOMEWORK_TOKEN=" + dr_ada_});

  ASSERT_EQ(run.exit_code, 0) << "stdout:\n" << run.stdout_text << "stderr:\n" << run.stderr_text;
  EXPECT_THAT(run.stdout_text, HasSubstr("Paced breathing before the commute"));
}

TEST_F(BackendClientExampleTest, ReportsPermissionDeniedForTherapistOffTheCareTeam) {
  const std::string dr_bob = server_->Token("dr-bob", "therapist", "clinic-a");
  CommandResult run =
      RunExample({"--token=" + dr_bob, "--client=practices/clinic-a/clients/robin"});

  EXPECT_NE(run.exit_code, 0);
  EXPECT_THAT(run.stderr_text, HasSubstr("PERMISSION_DENIED"));
  EXPECT_THAT(run.stdout_text, ::testing::Not(HasSubstr("Paced breathing")));
}

}  // namespace
}  // namespace therapy::homework::testing
