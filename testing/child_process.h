#ifndef TESTING_CHILD_PROCESS_H_
#define TESTING_CHILD_PROCESS_H_

// The one process launcher of the integration tests and the benchmarks: a child that cannot
// outlive its parent, with its output appended to files.

#include <sys/types.h>

#include <csignal>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace therapy::homework::testing {

// Where a child's stdout and stderr go: files, appended to (created when missing), so a
// restarted server keeps one log. Both may name the same file.
struct OutputFiles {
  std::string stdout_path;
  std::string stderr_path;
};

// A user and group to run a child as.
struct RunAs {
  uid_t uid = 0;
  gid_t gid = 0;
};

struct ChildOptions {
  // Required. argv[0] is the program's path (no search of PATH).
  std::vector<std::string> argv;
  // Required.
  OutputFiles output;
  // Optional. "NAME=value" entries added to this process's environment, replacing inherited
  // ones of the same name.
  std::vector<std::string> extra_env;
  // Optional. The child's working folder; empty: this process's.
  std::string working_dir;
  // Optional. Runs the child as this user and group with no supplementary groups (this process
  // must be root), for tools that refuse to run as root, such as PostgreSQL's. The output files
  // are opened before the switch, by this process.
  std::optional<RunAs> run_as;
};

// A program run as a child of this process, stdin from /dev/null. It gets SIGKILL when the
// thread that started it ends (PR_SET_PDEATHSIG; in tests and benchmarks that is the main
// thread, so when the process dies), so an interrupted run leaves no server behind. The
// destructor stops a child still running (SIGTERM, then SIGKILL after 5 s). Movable; not
// thread-safe.
class ChildProcess {
 public:
  // Starts the child. FAILED_PRECONDITION naming the program when it cannot be executed or an
  // output file cannot be opened; RESOURCE_EXHAUSTED when fork fails. A child that cannot take
  // `working_dir` or `run_as` exits with code 126, one whose exec fails with 127.
  static absl::StatusOr<ChildProcess> Start(const ChildOptions& options);

  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess();

  pid_t pid() const { return pid_; }
  // Started and not yet reaped.
  bool running() const { return pid_ > 0; }

  // Waits up to `timeout` (zero: only looks) for the child to end and reaps it. Returns its
  // exit code, or 128 + signal for a child ended by a signal. DEADLINE_EXCEEDED while it still
  // runs (it is left running); FAILED_PRECONDITION when there is no child (already reaped).
  absl::StatusOr<int> WaitForExit(absl::Duration timeout);

  // Sends `signal` and waits up to `grace` for the end; a child still running then gets
  // SIGKILL and is reaped, and the answer is DEADLINE_EXCEEDED. Otherwise its exit code as
  // WaitForExit. FAILED_PRECONDITION when there is no child.
  absl::StatusOr<int> Stop(absl::Duration grace, int signal = SIGTERM);

 private:
  explicit ChildProcess(pid_t pid) : pid_(pid) {}
  pid_t pid_ = -1;
};

// What a finished command left behind.
struct CommandResult {
  int exit_code = -1;  // 128 + signal when ended by a signal
  std::string stdout_text;
  std::string stderr_text;
};

// Runs a command to completion with its output captured (through files in `scratch_dir`,
// removed after) and kills it with SIGKILL after `timeout`, which is DEADLINE_EXCEEDED with the
// end of its stderr. A program that cannot be executed is FAILED_PRECONDITION.
absl::StatusOr<CommandResult> RunCommand(const std::vector<std::string>& argv,
                                         const std::string& scratch_dir,
                                         absl::Duration timeout = absl::Seconds(20),
                                         const std::vector<std::string>& extra_env = {});

// The whole file as a string; empty when it cannot be read.
std::string ReadFileOrEmpty(const std::string& path);

// The last `max_lines` lines of a file, each after "  | ", for failure messages.
std::string FileTail(const std::string& path, int max_lines = 30);

}  // namespace therapy::homework::testing

#endif  // TESTING_CHILD_PROCESS_H_
