#include "testing/child_process.h"

#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <thread>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

extern char** environ;

namespace therapy::homework::testing {
namespace {

int ExitCodeOf(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return -1;
}

// "NAME=value" -> "NAME".
absl::string_view NameOf(absl::string_view entry) { return entry.substr(0, entry.find('=')); }

// The environment for a child: ours, with `extra` replacing same-named entries.
std::vector<std::string> ChildEnvironment(const std::vector<std::string>& extra) {
  std::vector<std::string> env;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const absl::string_view current(*entry);
    bool overridden = false;
    for (const std::string& replacement : extra) {
      overridden |= NameOf(replacement) == NameOf(current);
    }
    if (!overridden) env.emplace_back(current);
  }
  env.insert(env.end(), extra.begin(), extra.end());
  return env;
}

// A null-terminated array of pointers into `strings`, which must outlive it.
std::vector<char*> CStrings(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  pointers.reserve(strings.size() + 1);
  for (std::string& s : strings) pointers.push_back(s.data());
  pointers.push_back(nullptr);
  return pointers;
}

absl::StatusOr<int> OpenForAppend(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot open ", path, ": ", std::strerror(errno)));
  }
  return fd;
}

// PR_SET_PDEATHSIG fires when the *thread* that forked ends, not the process. Every child is
// forked by this one thread, which lives as long as the process, so a server started from a
// short-lived thread (std::async in a test) is not killed when that thread returns.
class LauncherThread {
 public:
  static LauncherThread& Get() {
    static LauncherThread* const thread = new LauncherThread();  // never destroyed
    return *thread;
  }

  // Runs `fork_child` (which forks and returns the pid, or -errno) on the launcher thread.
  pid_t Run(const std::function<pid_t()>& fork_child) {
    absl::MutexLock one_at_a_time(&callers_);
    absl::MutexLock lock(&mutex_);
    work_ = &fork_child;
    result_.reset();
    mutex_.Await(absl::Condition(this, &LauncherThread::HasResult));
    work_ = nullptr;
    return *result_;
  }

 private:
  LauncherThread() {
    std::thread([this] { Loop(); }).detach();
  }

  void Loop() {
    while (true) {
      absl::MutexLock lock(&mutex_);
      mutex_.Await(absl::Condition(this, &LauncherThread::HasWork));
      result_ = (*work_)();
    }
  }
  bool HasWork() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
    return work_ != nullptr && !result_.has_value();
  }
  bool HasResult() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) { return result_.has_value(); }

  absl::Mutex callers_;
  absl::Mutex mutex_;
  const std::function<pid_t()>* work_ ABSL_GUARDED_BY(mutex_) = nullptr;
  std::optional<pid_t> result_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace

absl::StatusOr<ChildProcess> ChildProcess::Start(const ChildOptions& options) {
  if (options.argv.empty()) return absl::InvalidArgumentError("ChildProcess: empty argv");
  const std::string& program = options.argv.front();
  if (::access(program.c_str(), X_OK) != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot execute ", program, ": ", std::strerror(errno)));
  }
  absl::StatusOr<int> out = OpenForAppend(options.output.stdout_path);
  if (!out.ok()) return out.status();
  absl::StatusOr<int> err = options.output.stderr_path == options.output.stdout_path
                                ? absl::StatusOr<int>(*out)
                                : OpenForAppend(options.output.stderr_path);
  if (!err.ok()) {
    ::close(*out);
    return err.status();
  }
  const int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);

  // Everything the child needs is built before fork: after it, in a process with threads, only
  // async-signal-safe calls are allowed until exec.
  std::vector<std::string> args = options.argv;
  std::vector<std::string> env = ChildEnvironment(options.extra_env);
  std::vector<char*> c_args = CStrings(args);
  std::vector<char*> c_env = CStrings(env);
  const pid_t parent = ::getpid();
  const int out_fd = *out;
  const int err_fd = *err;
  const std::optional<RunAs>& run_as = options.run_as;
  const std::string& working_dir = options.working_dir;

  const pid_t pid = LauncherThread::Get().Run([&]() -> pid_t {
    const pid_t forked = ::fork();
    if (forked != 0) return forked < 0 ? -errno : forked;
    // Before the death signal: the kernel clears it when the user changes.
    if (run_as.has_value() && (::setgroups(0, nullptr) != 0 || ::setgid(run_as->gid) != 0 ||
                               ::setuid(run_as->uid) != 0)) {
      ::_exit(126);
    }
    if (!working_dir.empty() && ::chdir(working_dir.c_str()) != 0) ::_exit(126);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(126);  // the parent died between fork and prctl
    // dup2 clears O_CLOEXEC on the copies; the originals close at exec.
    if (::dup2(out_fd, STDOUT_FILENO) < 0 || ::dup2(err_fd, STDERR_FILENO) < 0) ::_exit(126);
    if (devnull >= 0) ::dup2(devnull, STDIN_FILENO);
    // The signals this process blocks go back to unblocked in the child.
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execve(c_args[0], c_args.data(), c_env.data());
    ::_exit(127);
  });
  ::close(out_fd);
  if (err_fd != out_fd) ::close(err_fd);
  if (devnull >= 0) ::close(devnull);
  if (pid < 0) {
    return absl::ResourceExhaustedError(absl::StrCat("fork: ", std::strerror(-pid)));
  }
  return ChildProcess(pid);
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept : pid_(std::exchange(other.pid_, -1)) {}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    if (running()) (void)Stop(absl::Seconds(5));
    pid_ = std::exchange(other.pid_, -1);
  }
  return *this;
}

ChildProcess::~ChildProcess() {
  if (running()) (void)Stop(absl::Seconds(5));
}

absl::StatusOr<int> ChildProcess::WaitForExit(absl::Duration timeout) {
  if (!running()) return absl::FailedPreconditionError("no child process");
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    int wait_status = 0;
    const pid_t reaped = ::waitpid(pid_, &wait_status, WNOHANG);
    if (reaped == pid_) {
      if (WIFEXITED(wait_status) || WIFSIGNALED(wait_status)) {
        pid_ = -1;
        return ExitCodeOf(wait_status);
      }
      continue;  // stopped or continued: keep waiting for the end
    }
    if (reaped < 0 && errno != EINTR) {
      return absl::InternalError(absl::StrCat("waitpid ", pid_, ": ", std::strerror(errno)));
    }
    if (absl::Now() >= deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("process ", pid_, " still running after ", absl::FormatDuration(timeout)));
    }
    absl::SleepFor(absl::Milliseconds(5));
  }
}

absl::StatusOr<int> ChildProcess::Stop(absl::Duration grace, int signal) {
  if (!running()) return absl::FailedPreconditionError("no child process");
  const pid_t pid = pid_;
  ::kill(pid, signal);
  absl::StatusOr<int> code = WaitForExit(grace);
  if (!absl::IsDeadlineExceeded(code.status())) return code;
  ::kill(pid, SIGKILL);
  int wait_status = 0;
  while (::waitpid(pid, &wait_status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
  return absl::DeadlineExceededError(absl::StrCat("process ", pid, " did not exit within ",
                                                  absl::FormatDuration(grace), " of signal ",
                                                  signal, "; killed"));
}

absl::StatusOr<CommandResult> RunCommand(const std::vector<std::string>& argv,
                                         const std::string& scratch_dir, absl::Duration timeout,
                                         const std::vector<std::string>& extra_env) {
  static std::atomic<int> counter{0};
  const std::string stem = absl::StrCat(scratch_dir, "/command-", ::getpid(), "-", counter++);
  const OutputFiles output{.stdout_path = stem + ".out", .stderr_path = stem + ".err"};

  absl::StatusOr<ChildProcess> child =
      ChildProcess::Start({.argv = argv, .output = output, .extra_env = extra_env});
  if (!child.ok()) return child.status();
  absl::StatusOr<int> exit_code = child->WaitForExit(timeout);
  if (!exit_code.ok()) {
    (void)child->Stop(absl::ZeroDuration(), SIGKILL);
    return absl::DeadlineExceededError(
        absl::StrCat(argv[0], " did not finish within ", absl::FormatDuration(timeout),
                     "; its stderr ends with:\n", FileTail(output.stderr_path)));
  }
  CommandResult result{.exit_code = *exit_code,
                       .stdout_text = ReadFileOrEmpty(output.stdout_path),
                       .stderr_text = ReadFileOrEmpty(output.stderr_path)};
  ::unlink(output.stdout_path.c_str());
  ::unlink(output.stderr_path.c_str());
  return result;
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
