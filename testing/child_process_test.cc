#include "testing/child_process.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "testing/scratch_dir.h"
#include "testing/status_matchers.h"

namespace therapy::homework::testing {
namespace {

using ::testing::HasSubstr;

constexpr char kShell[] = "/bin/sh";

// True once `pid` is gone or a zombie: a process that has ended.
bool Ended(pid_t pid) {
  std::ifstream stat(absl::StrCat("/proc/", pid, "/stat"));
  std::string line;
  if (!std::getline(stat, line)) return true;
  // "pid (comm) S ...": the state follows the last ')'.
  const size_t close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() && line[close + 2] == 'Z';
}

bool EndsWithin(pid_t pid, absl::Duration timeout) {
  for (const absl::Time deadline = absl::Now() + timeout; absl::Now() < deadline;) {
    if (Ended(pid)) return true;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return Ended(pid);
}

class ChildProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<ScratchDir> dir = ScratchDir::Make("child-process-test");
    ASSERT_THAT(dir, IsOk());
    dir_ = std::make_unique<ScratchDir>(*std::move(dir));
  }
  std::string Path(const std::string& name) const { return dir_->path() + "/" + name; }

  std::unique_ptr<ScratchDir> dir_;
};

TEST_F(ChildProcessTest, RunCommandCapturesOutputAndExitCode) {
  absl::StatusOr<CommandResult> result =
      RunCommand({kShell, "-c", "echo out; echo err >&2; exit 3"}, dir_->path());
  ASSERT_THAT(result, IsOk());
  EXPECT_EQ(result->exit_code, 3);
  EXPECT_EQ(result->stdout_text, "out\n");
  EXPECT_EQ(result->stderr_text, "err\n");
}

TEST_F(ChildProcessTest, RunCommandGivesTheChildTheExtraEnvironmentOverInheritedNames) {
  absl::StatusOr<CommandResult> result =
      RunCommand({kShell, "-c", "echo \"$HOME $CHILD_PROCESS_TEST\""}, dir_->path(),
                 absl::Seconds(20), {"HOME=/nowhere", "CHILD_PROCESS_TEST=yes"});
  ASSERT_THAT(result, IsOk());
  EXPECT_EQ(result->stdout_text, "/nowhere yes\n");
}

TEST_F(ChildProcessTest, RunCommandKillsACommandPastItsTimeout) {
  const absl::Time start = absl::Now();
  EXPECT_THAT(RunCommand({kShell, "-c", "echo waiting >&2; exec sleep 30"}, dir_->path(),
                         absl::Milliseconds(300)),
              StatusIs(absl::StatusCode::kDeadlineExceeded, HasSubstr("waiting")));
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
}

TEST_F(ChildProcessTest, AProgramThatCannotBeExecutedFailsPrecondition) {
  EXPECT_THAT(
      ChildProcess::Start({.argv = {Path("missing-binary")},
                           .output = {.stdout_path = Path("out"), .stderr_path = Path("out")}}),
      StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("missing-binary")));
}

TEST_F(ChildProcessTest, OutputIsAppendedSoARestartKeepsOneLog) {
  const OutputFiles log{.stdout_path = Path("log"), .stderr_path = Path("log")};
  for (const char* word : {"first", "second"}) {
    absl::StatusOr<ChildProcess> child = ChildProcess::Start(
        {.argv = {kShell, "-c", absl::StrCat("echo ", word, "; echo ", word, "-err >&2")},
         .output = log});
    ASSERT_THAT(child, IsOk());
    EXPECT_THAT(child->WaitForExit(absl::Seconds(10)), IsOkAndHolds(0));
    EXPECT_FALSE(child->running());
  }
  EXPECT_EQ(ReadFileOrEmpty(Path("log")), "first\nfirst-err\nsecond\nsecond-err\n");
  EXPECT_EQ(FileTail(Path("log"), 2), "  | second\n  | second-err\n");
}

TEST_F(ChildProcessTest, WaitForExitLeavesARunningChildRunning) {
  absl::StatusOr<ChildProcess> child =
      ChildProcess::Start({.argv = {kShell, "-c", "exec sleep 30"},
                           .output = {.stdout_path = Path("out"), .stderr_path = Path("err")}});
  ASSERT_THAT(child, IsOk());
  EXPECT_THAT(child->WaitForExit(absl::ZeroDuration()),
              StatusIs(absl::StatusCode::kDeadlineExceeded));
  EXPECT_TRUE(child->running());
  EXPECT_THAT(child->Stop(absl::Seconds(10)), IsOkAndHolds(128 + SIGTERM));
  EXPECT_FALSE(child->running());
  EXPECT_THAT(child->Stop(absl::Seconds(1)), StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_F(ChildProcessTest, StopKillsAChildThatIgnoresTheSignal) {
  absl::StatusOr<ChildProcess> child = ChildProcess::Start(
      {.argv = {kShell, "-c", "trap '' TERM; echo ready; while :; do sleep 1; done"},
       .output = {.stdout_path = Path("out"), .stderr_path = Path("err")}});
  ASSERT_THAT(child, IsOk());
  // The trap is set once the shell has written "ready".
  for (const absl::Time deadline = absl::Now() + absl::Seconds(10);
       ReadFileOrEmpty(Path("out")).empty() && absl::Now() < deadline;) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  const pid_t pid = child->pid();
  EXPECT_THAT(child->Stop(absl::Milliseconds(300)),
              StatusIs(absl::StatusCode::kDeadlineExceeded, HasSubstr("killed")));
  EXPECT_FALSE(child->running());
  EXPECT_TRUE(Ended(pid));
}

TEST_F(ChildProcessTest, TheDestructorStopsTheChild) {
  pid_t pid = 0;
  {
    absl::StatusOr<ChildProcess> child =
        ChildProcess::Start({.argv = {kShell, "-c", "exec sleep 30"},
                             .output = {.stdout_path = Path("out"), .stderr_path = Path("err")}});
    ASSERT_THAT(child, IsOk());
    pid = child->pid();
    EXPECT_FALSE(Ended(pid));
  }
  EXPECT_TRUE(Ended(pid));
}

// Not a test of its own: run as a child of AChildDiesWithItsParent, it starts a sleeping
// child, prints its pid and exits at once, without stopping it.
TEST(ChildProcessParentRole, StartsAChildAndDiesWithoutStoppingIt) {
  const char* out = std::getenv("CHILD_PROCESS_TEST_PARENT_OUTPUT");
  if (out == nullptr) GTEST_SKIP() << "run by AChildDiesWithItsParent only";
  absl::StatusOr<ChildProcess> child =
      ChildProcess::Start({.argv = {kShell, "-c", "exec sleep 30"},
                           .output = {.stdout_path = out, .stderr_path = out}});
  std::cout << "child-pid=" << (child.ok() ? child->pid() : 0) << std::endl;
  std::_Exit(0);  // no destructors
}

TEST_F(ChildProcessTest, AChildDiesWithItsParent) {
  absl::StatusOr<CommandResult> parent =
      RunCommand({"/proc/self/exe", "--gtest_filter=ChildProcessParentRole.*"}, dir_->path(),
                 absl::Seconds(20), {"CHILD_PROCESS_TEST_PARENT_OUTPUT=" + Path("out")});
  ASSERT_THAT(parent, IsOk());
  const size_t at = parent->stdout_text.find("child-pid=");
  ASSERT_NE(at, std::string::npos) << parent->stdout_text;
  int child_pid = 0;
  ASSERT_TRUE(absl::SimpleAtoi(absl::StripAsciiWhitespace(parent->stdout_text.substr(at + 10, 12)),
                               &child_pid))
      << parent->stdout_text;
  ASSERT_GT(child_pid, 0);
  EXPECT_TRUE(EndsWithin(child_pid, absl::Seconds(10)))
      << "the child outlived the process that started it";
}

TEST_F(ChildProcessTest, AChildOutlivesTheThreadThatStartedIt) {
  // PR_SET_PDEATHSIG follows the forking thread: a server started from a short-lived thread
  // (as replica_set_test does with std::async) must keep running.
  std::optional<absl::StatusOr<ChildProcess>> child;
  std::thread([&] {
    child =
        ChildProcess::Start({.argv = {kShell, "-c", "echo ready; exec sleep 30"},
                             .output = {.stdout_path = Path("out"), .stderr_path = Path("out")}});
    // The thread ends only once the child runs the shell, long after its prctl.
    for (const absl::Time deadline = absl::Now() + absl::Seconds(10);
         ReadFileOrEmpty(Path("out")).empty() && absl::Now() < deadline;) {
      absl::SleepFor(absl::Milliseconds(10));
    }
  }).join();
  ASSERT_THAT(*child, IsOk());
  EXPECT_THAT((*child)->WaitForExit(absl::Milliseconds(300)),
              StatusIs(absl::StatusCode::kDeadlineExceeded));
  EXPECT_TRUE((*child)->running());
}

}  // namespace
}  // namespace therapy::homework::testing
