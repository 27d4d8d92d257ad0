#include "benchmarks/bench/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <utility>

#include "absl/functional/function_ref.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

extern char** environ;

namespace therapy::bench {
namespace {

int ExitCodeOf(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return -1;
}

// "NAME=value" -> "NAME".
std::string NameOf(const std::string& entry) { return entry.substr(0, entry.find('=')); }

}  // namespace

absl::StatusOr<ChildProcess> ChildProcess::Spawn(const std::vector<std::string>& argv,
                                                 const std::vector<std::string>& extra_env,
                                                 const std::string& output_path) {
  if (argv.empty()) return absl::InvalidArgumentError("Spawn: empty argv");
  const int output = ::open(output_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (output < 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot open ", output_path, ": ", std::strerror(errno)));
  }
  // Everything the child needs is built before fork: after it, in a process with threads, only
  // async-signal-safe calls are allowed until exec.
  std::vector<std::string> env;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string text(*entry);
    bool overridden = false;
    for (const std::string& extra : extra_env) overridden |= NameOf(extra) == NameOf(text);
    if (!overridden) env.push_back(text);
  }
  env.insert(env.end(), extra_env.begin(), extra_env.end());
  std::vector<char*> argv_pointers;
  for (const std::string& word : argv) argv_pointers.push_back(const_cast<char*>(word.c_str()));
  argv_pointers.push_back(nullptr);
  std::vector<char*> env_pointers;
  for (const std::string& entry : env) env_pointers.push_back(const_cast<char*>(entry.c_str()));
  env_pointers.push_back(nullptr);
  const pid_t parent = ::getpid();

  const pid_t pid = ::fork();
  if (pid < 0) {
    const int error = errno;
    ::close(output);
    return absl::ResourceExhaustedError(absl::StrCat("fork: ", std::strerror(error)));
  }
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(126);  // the bench died between fork and prctl
    ::dup2(output, STDOUT_FILENO);
    ::dup2(output, STDERR_FILENO);
    int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, STDIN_FILENO);
    // The child gets the signals the bench blocks or ignores back to their defaults.
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execve(argv_pointers[0], argv_pointers.data(), env_pointers.data());
    ::_exit(127);
  }
  ::close(output);
  return ChildProcess(pid);
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)) {}

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

absl::StatusOr<int> ChildProcess::Exited() {
  if (!running()) return absl::FailedPreconditionError("no child process");
  int wait_status = 0;
  const pid_t reaped = ::waitpid(pid_, &wait_status, WNOHANG);
  if (reaped == 0) return absl::NotFoundError("still running");
  if (reaped < 0) return absl::InternalError(absl::StrCat("waitpid: ", std::strerror(errno)));
  pid_ = -1;
  return ExitCodeOf(wait_status);
}

absl::StatusOr<int> ChildProcess::Stop(absl::Duration grace) {
  if (!running()) return absl::FailedPreconditionError("no child process");
  ::kill(pid_, SIGTERM);
  const absl::Time deadline = absl::Now() + grace;
  while (absl::Now() < deadline) {
    absl::StatusOr<int> code = Exited();
    if (code.ok() || !absl::IsNotFound(code.status())) return code;
    absl::SleepFor(absl::Milliseconds(20));
  }
  ::kill(pid_, SIGKILL);
  int wait_status = 0;
  ::waitpid(pid_, &wait_status, 0);
  pid_ = -1;
  return ExitCodeOf(wait_status);
}

namespace {

// Calls `field(name, value)` for each "name: value" line of /proc/<pid>/<file>, the value
// without surrounding blanks and a trailing " kB".
absl::Status ReadProcFields(
    pid_t pid, absl::string_view file,
    absl::FunctionRef<void(absl::string_view name, absl::string_view value)> field) {
  const std::string path = absl::StrCat("/proc/", pid, "/", file);
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::string line;
  while (std::getline(in, line)) {
    std::pair<absl::string_view, absl::string_view> parts =
        absl::StrSplit(line, absl::MaxSplits(':', 1));
    field(parts.first, absl::StripSuffix(absl::StripAsciiWhitespace(parts.second), " kB"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ProcessStatus> ReadProcessStatus(pid_t pid) {
  ProcessStatus status;
  absl::Status read = ReadProcFields(pid, "status", [&](absl::string_view name,
                                                         absl::string_view value) {
    if (name == "VmRSS") {
      (void)absl::SimpleAtoi(value, &status.rss_kib);
    } else if (name == "VmHWM") {
      (void)absl::SimpleAtoi(value, &status.peak_rss_kib);
    } else if (name == "Threads") {
      (void)absl::SimpleAtoi(value, &status.threads);
    }
  });
  if (!read.ok()) return read;
  return status;
}

absl::StatusOr<ProcessWrites> ReadProcessWrites(pid_t pid) {
  ProcessWrites writes;
  absl::Status read =
      ReadProcFields(pid, "io", [&](absl::string_view name, absl::string_view value) {
        if (name == "syscw") {
          (void)absl::SimpleAtoi(value, &writes.write_calls);
        } else if (name == "wchar") {
          (void)absl::SimpleAtoi(value, &writes.bytes_passed);
        } else if (name == "write_bytes") {
          (void)absl::SimpleAtoi(value, &writes.bytes_to_storage);
        }
      });
  if (!read.ok()) return read;
  return writes;
}

uint64_t FolderBytes(const std::string& folder) {
  uint64_t total = 0;
  std::error_code error;
  for (const std::filesystem::directory_entry& entry :
       std::filesystem::directory_iterator(folder, error)) {
    std::error_code failed;
    if (!entry.is_regular_file(failed)) continue;
    const uintmax_t size = entry.file_size(failed);
    if (!failed) total += size;
  }
  return total;
}

absl::Status ResetPeakRss(pid_t pid) {
  const std::string path = absl::StrCat("/proc/", pid, "/clear_refs");
  std::ofstream out(path);
  out << "5";
  out.close();
  if (!out) return absl::PermissionDeniedError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

}  // namespace therapy::bench
