#include "integration-tests/subprocess.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"

extern char** environ;

namespace therapy::homework::testing {
namespace {

// The environment for a child: ours, with `extra` replacing same-named entries.
std::vector<std::string> ChildEnvironment(const std::vector<std::string>& extra) {
  std::vector<std::string> env;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    absl::string_view current(*entry);
    absl::string_view name = current.substr(0, current.find('='));
    bool overridden = false;
    for (const std::string& replacement : extra) {
      if (absl::string_view(replacement).substr(0, replacement.find('=')) == name) {
        overridden = true;
      }
    }
    if (!overridden) env.emplace_back(current);
  }
  env.insert(env.end(), extra.begin(), extra.end());
  return env;
}

// argv/envp arrays for posix_spawn; they point into `strings`, which must outlive them.
std::vector<char*> CStrings(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  pointers.reserve(strings.size() + 1);
  for (std::string& s : strings) pointers.push_back(s.data());
  pointers.push_back(nullptr);
  return pointers;
}

}  // namespace

absl::StatusOr<pid_t> Spawn(const std::vector<std::string>& argv, const OutputFiles& output,
                            const std::vector<std::string>& extra_env) {
  if (argv.empty()) return absl::InvalidArgumentError("Spawn: empty argv");
  if (access(argv[0].c_str(), X_OK) != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot execute ", argv[0], ": ", std::strerror(errno)));
  }

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, output.stdout_path.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, output.stderr_path.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);

  std::vector<std::string> args = argv;
  std::vector<std::string> env = ChildEnvironment(extra_env);
  std::vector<char*> c_args = CStrings(args);
  std::vector<char*> c_env = CStrings(env);

  pid_t pid = 0;
  int error = posix_spawn(&pid, argv[0].c_str(), &actions, nullptr, c_args.data(), c_env.data());
  posix_spawn_file_actions_destroy(&actions);
  if (error != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("posix_spawn ", argv[0], ": ", std::strerror(error)));
  }
  return pid;
}

absl::StatusOr<int> WaitForExit(pid_t pid, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    int status = 0;
    pid_t result = waitpid(pid, &status, WNOHANG);
    if (result == pid) {
      if (WIFEXITED(status)) return WEXITSTATUS(status);
      if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
      continue;  // stopped or continued: keep waiting for the end
    }
    if (result < 0 && errno != EINTR) {
      return absl::InternalError(absl::StrCat("waitpid ", pid, ": ", std::strerror(errno)));
    }
    if (absl::Now() >= deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("process ", pid, " still running after ", absl::FormatDuration(timeout)));
    }
    absl::SleepFor(absl::Milliseconds(5));
  }
}

absl::StatusOr<CommandResult> RunCommand(const std::vector<std::string>& argv,
                                         const std::string& scratch_dir, absl::Duration timeout,
                                         const std::vector<std::string>& extra_env) {
  static std::atomic<int> counter{0};
  const std::string stem = absl::StrCat(scratch_dir, "/command-", getpid(), "-", counter++);
  const OutputFiles output{.stdout_path = stem + ".out", .stderr_path = stem + ".err"};

  absl::StatusOr<pid_t> pid = Spawn(argv, output, extra_env);
  if (!pid.ok()) return pid.status();
  absl::StatusOr<int> exit_code = WaitForExit(*pid, timeout);
  if (!exit_code.ok()) {
    kill(*pid, SIGKILL);
    (void)WaitForExit(*pid, absl::Seconds(5));
    return absl::DeadlineExceededError(absl::StrCat(
        argv[0], " did not finish within ", absl::FormatDuration(timeout),
        "; its stderr ends with:\n", FileTail(output.stderr_path)));
  }
  CommandResult result{.exit_code = *exit_code,
                       .stdout_text = ReadFileOrEmpty(output.stdout_path),
                       .stderr_text = ReadFileOrEmpty(output.stderr_path)};
  unlink(output.stdout_path.c_str());
  unlink(output.stderr_path.c_str());
  return result;
}

absl::StatusOr<ScratchDir> ScratchDir::Make(const std::string& prefix) {
  const char* base = getenv("TEST_TMPDIR");
  std::string pattern = absl::StrCat(
      base != nullptr && *base != '\0' ? std::string(base)
                                       : std::filesystem::temp_directory_path().string(),
      "/", prefix, "-XXXXXX");
  if (mkdtemp(pattern.data()) == nullptr) {
    return absl::InternalError(absl::StrCat("mkdtemp ", pattern, ": ", std::strerror(errno)));
  }
  return ScratchDir(std::move(pattern));
}

ScratchDir::~ScratchDir() {
  if (path_.empty()) return;
  if (::testing::Test::HasFailure()) {
    std::cerr << "[ScratchDir] test failed: keeping " << path_ << "\n";
    return;
  }
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::string ReadFileOrEmpty(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

std::string FileTail(const std::string& path, int max_lines) {
  std::vector<std::string> lines = absl::StrSplit(ReadFileOrEmpty(path), '\n');
  if (!lines.empty() && lines.back().empty()) lines.pop_back();
  const size_t first = lines.size() > static_cast<size_t>(max_lines)
                           ? lines.size() - static_cast<size_t>(max_lines)
                           : 0;
  std::string tail;
  for (size_t i = first; i < lines.size(); ++i) absl::StrAppend(&tail, "  | ", lines[i], "\n");
  return tail.empty() ? "  | (nothing)\n" : tail;
}

}  // namespace therapy::homework::testing
