#ifndef INTEGRATION_TESTS_SUBPROCESS_H_
#define INTEGRATION_TESTS_SUBPROCESS_H_

#include <sys/types.h>

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace therapy::homework::testing {

// Where a child's stdout and stderr go: files, appended to, so a restarted server keeps one log.
struct OutputFiles {
  std::string stdout_path;
  std::string stderr_path;
};

// Starts `argv[0]` (a path) with `argv` and this process's environment plus `extra_env`
// ("NAME=value" entries override inherited ones of the same name), via posix_spawn.
// Returns the child's pid; a binary that cannot be started is FAILED_PRECONDITION naming it.
absl::StatusOr<pid_t> Spawn(const std::vector<std::string>& argv, const OutputFiles& output,
                            const std::vector<std::string>& extra_env = {});

// Waits up to `timeout` for `pid` to end and reaps it. Returns the exit code, or 128 + signal
// for a child ended by a signal. DEADLINE_EXCEEDED when it is still running (it is left running).
absl::StatusOr<int> WaitForExit(pid_t pid, absl::Duration timeout);

// What a finished command left behind.
struct CommandResult {
  int exit_code = -1;  // 128 + signal when ended by a signal
  std::string stdout_text;
  std::string stderr_text;
};

// Runs a command to completion with its output captured (through files in `scratch_dir`) and
// kills it with SIGKILL after `timeout`, which is DEADLINE_EXCEEDED.
absl::StatusOr<CommandResult> RunCommand(const std::vector<std::string>& argv,
                                         const std::string& scratch_dir,
                                         absl::Duration timeout = absl::Seconds(20),
                                         const std::vector<std::string>& extra_env = {});

// A fresh folder under $TEST_TMPDIR (or the system temp folder), removed with everything in it
// when this object goes away, unless the current test failed: then it is kept, and its path
// printed, for a look at what the binaries left there.
class ScratchDir {
 public:
  // `prefix` starts the folder's name, for example "homework-it".
  static absl::StatusOr<ScratchDir> Make(const std::string& prefix);

  ScratchDir(ScratchDir&& other) noexcept : path_(std::move(other.path_)) { other.path_.clear(); }
  ScratchDir& operator=(ScratchDir&&) = delete;
  ScratchDir(const ScratchDir&) = delete;
  ~ScratchDir();

  const std::string& path() const { return path_; }

 private:
  explicit ScratchDir(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

// The whole file as a string; empty when it cannot be read.
std::string ReadFileOrEmpty(const std::string& path);

// The last `max_lines` lines of a file, for failure messages.
std::string FileTail(const std::string& path, int max_lines = 30);

}  // namespace therapy::homework::testing

#endif  // INTEGRATION_TESTS_SUBPROCESS_H_
