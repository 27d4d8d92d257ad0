// The real server on a disk that fills up: a tmpfs of 4 MiB in a private mount namespace (the
// test process unshares its mounts, so nothing outside it sees the tmpfs; needs root, as the
// session tests do, and is skipped with a message otherwise). Writes fill it until the store
// answers RESOURCE_EXHAUSTED with a message naming the disk; reads then fail closed (their audit
// cannot be written); freeing space brings both back; every acknowledged write is still there.

#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "integration-tests/rpc_test_support.h"
#include "integration-tests/server_process.h"
#include "testing/status_matchers.h"

namespace therapy::homework::testing {
namespace {

using ::therapy::homework::testing::IsOk;

constexpr int kTmpfsMiB = 4;
constexpr char kPractice[] = "sunrise";

class FullDiskTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to mount a tmpfs in a mount namespace";
    if (::unshare(CLONE_NEWNS) != 0 ||
        ::mount("none", "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
      GTEST_SKIP() << "cannot make a private mount namespace here";
    }
    disk_ = ::testing::TempDir() + "/full-disk-" + std::to_string(::getpid());
    std::filesystem::create_directories(disk_);
    const std::string size = absl::StrCat("size=", kTmpfsMiB, "m");
    ASSERT_EQ(::mount("tmpfs", disk_.c_str(), "tmpfs", 0, size.c_str()), 0)
        << "mount tmpfs: " << std::strerror(errno);
    mounted_ = true;
  }

  void TearDown() override {
    server_.reset();
    if (mounted_) ::umount2(disk_.c_str(), MNT_DETACH);
  }

  v1::Completion Practice() {
    v1::Completion completion;
    completion.mutable_occur_time()->set_seconds(absl::ToUnixSeconds(absl::Now()) - 60);
    completion.set_occur_time_zone("Europe/Berlin");
    completion.set_status(v1::Completion::STATUS_DONE);
    completion.set_minutes(10);
    // A long note, so the disk fills in a few hundred writes.
    completion.set_client_note(std::string(3000, 'n'));
    return completion;
  }

  std::string disk_;
  bool mounted_ = false;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(FullDiskTest, WritesAndReadsAnswerResourceExhaustedAndRecoverWhenSpaceIsFreed) {
  ServerOptions options;
  options.store = absl::StrCat("sqlite:", disk_, "/homework.db");
  absl::StatusOr<std::unique_ptr<ServerProcess>> started = ServerProcess::Start(options);
  ASSERT_THAT(started, IsOk());
  server_ = *std::move(started);
  std::unique_ptr<Stub> stub = server_->NewStub();
  const std::string service = server_->Token("backend", "service", kPractice);
  const std::string therapist = server_->Token("dr-lee", "therapist", kPractice);
  const std::string client = server_->Token("ana", "client", kPractice);

  v1::CreateClientRequest create_client;
  create_client.set_parent(absl::StrCat("practices/", kPractice));
  create_client.set_client_id("ana");
  create_client.mutable_client()->set_display_name("Ana");
  create_client.mutable_client()->set_time_zone("Europe/Berlin");
  create_client.mutable_client()->add_care_team("dr-lee");
  v1::Client ana;
  ASSERT_RPC_OK(Call(*stub, &Stub::CreateClient, service, create_client, &ana));
  v1::CreateAssignmentRequest create;
  create.set_parent(ana.name());
  create.mutable_assignment()->set_title("Breathing");
  create.mutable_assignment()->mutable_exercise()->set_kind(v1::EXERCISE_KIND_SKILLS_PRACTICE);
  create.mutable_assignment()->mutable_exercise()->mutable_skills_practice()->set_skill(
      v1::SkillsPracticeInstructions::SKILL_BREATHING);
  auto* schedule = create.mutable_assignment()->mutable_schedule();
  schedule->set_target_count(1);
  schedule->set_period(v1::Schedule::PERIOD_DAY);
  schedule->set_start_date("2026-01-05");
  schedule->set_minimum_version("Three breaths");
  v1::Assignment assignment;
  ASSERT_RPC_OK(Call(*stub, &Stub::CreateAssignment, therapist, create, &assignment));
  v1::ActivateAssignmentRequest activate;
  activate.set_name(assignment.name());
  ASSERT_RPC_OK(Call(*stub, &Stub::ActivateAssignment, therapist, activate, &assignment));

  // Fill the disk: first with a file of our own (so there is something to free later), then
  // with writes until the store refuses one.
  {
    std::ofstream filler(disk_ + "/filler", std::ios::binary);
    filler << std::string(static_cast<size_t>(kTmpfsMiB - 1) * 1024 * 1024, 'f');
  }
  std::vector<std::string> acknowledged;
  grpc::Status refused;
  for (int i = 0; i < 2000 && refused.ok(); ++i) {
    v1::CreateCompletionRequest record;
    record.set_parent(assignment.name());
    *record.mutable_completion() = Practice();
    v1::Completion stored;
    grpc::Status status = Call(*stub, &Stub::CreateCompletion, client, record, &stored);
    if (status.ok()) {
      acknowledged.push_back(stored.name());
    } else {
      refused = status;
    }
  }
  ASSERT_FALSE(refused.ok()) << "the disk never filled";
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << Describe(refused);
  EXPECT_NE(refused.error_message().find("disk is full"), std::string::npos) << Describe(refused);

  // A refused write can leave a few free blocks behind (it needed more than were left; an audit
  // row needs less): take whatever is left, so the audit of the read below cannot be written.
  {
    std::ofstream top_off(disk_ + "/top-off", std::ios::binary);
    const std::string block(4096, 't');
    for (int i = 0; i < 4096 && top_off.write(block.data(), block.size()).flush(); ++i) {
    }
  }

  // Health names the store NOT_SERVING; reads fail closed while their audit cannot be written.
  EXPECT_EQ(HealthStatus(server_->NewChannel(), "homework.store"), 2);
  v1::GetClientRequest get;
  get.set_name(ana.name());
  v1::Client read;
  // The store may still have room inside its files (a write-ahead log reused from its start) for
  // a few audit rows, smaller than the refused write: those reads are answered, each audited.
  // Once an audit row cannot be written either, the read fails closed.
  grpc::Status read_status;
  int answered_reads = 0;
  for (; answered_reads < 5000; ++answered_reads) {
    read_status = Call(*stub, &Stub::GetClient, therapist, get, &read);
    if (!read_status.ok()) break;
  }
  ASSERT_FALSE(read_status.ok()) << "5000 reads were answered on a full disk";
  EXPECT_EQ(read_status.error_code(), grpc::StatusCode::UNAVAILABLE) << Describe(read_status);
  EXPECT_NE(read_status.error_message().find("audit"), std::string::npos) << Describe(read_status);
  std::cerr << answered_reads << " reads answered (each audited) before one failed closed\n";

  // Room again: writes and reads work, and every acknowledged write is there.
  std::filesystem::remove(disk_ + "/filler");
  std::filesystem::remove(disk_ + "/top-off");
  v1::CreateCompletionRequest record;
  record.set_parent(assignment.name());
  *record.mutable_completion() = Practice();
  v1::Completion after;
  ASSERT_RPC_OK(Call(*stub, &Stub::CreateCompletion, client, record, &after));
  ASSERT_RPC_OK(Call(*stub, &Stub::GetClient, therapist, get, &read));
  for (const std::string& name : acknowledged) {
    v1::GetCompletionRequest get_completion;
    get_completion.set_name(name);
    v1::Completion found;
    ASSERT_RPC_OK(Call(*stub, &Stub::GetCompletion, therapist, get_completion, &found));
  }

  // Health named the store SERVING again now that a write got through, and the server as a
  // whole stayed SERVING throughout.
  EXPECT_EQ(HealthStatus(server_->NewChannel(), "homework.store"), 1);
  EXPECT_EQ(HealthStatus(server_->NewChannel(), ""), 1);

  // The server said so in its log, once, as a JSON line naming the disk.
  std::ifstream log(server_->stderr_path());
  int full_lines = 0;
  for (std::string line; std::getline(log, line);) {
    if (line.find("\"store_disk_full\"") != std::string::npos) ++full_lines;
  }
  EXPECT_EQ(full_lines, 1);
}

}  // namespace
}  // namespace therapy::homework::testing
