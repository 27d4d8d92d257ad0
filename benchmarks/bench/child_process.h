#ifndef BENCHMARKS_BENCH_CHILD_PROCESS_H_
#define BENCHMARKS_BENCH_CHILD_PROCESS_H_

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace therapy::bench {

// A program run as a child of the bench, with stdout and stderr appended to one file. The child
// gets SIGKILL if the bench dies first (PR_SET_PDEATHSIG), so an interrupted run leaves no server
// behind. The destructor stops a child still running (SIGTERM, then SIGKILL after 5 s).
// Not thread-safe.
class ChildProcess {
 public:
  // Forks and executes `argv[0]` (a path) with `argv`, this process's environment plus
  // `extra_env` ("NAME=value"). FAILED_PRECONDITION when the output file cannot be opened;
  // a program that cannot be executed exits with code 127 (seen by Exited()).
  static absl::StatusOr<ChildProcess> Spawn(const std::vector<std::string>& argv,
                                            const std::vector<std::string>& extra_env,
                                            const std::string& output_path);

  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess();

  pid_t pid() const { return pid_; }
  bool running() const { return pid_ > 0; }

  // Reaps the child if it has ended: its exit code (128 + signal when killed); NOT_FOUND while it
  // runs.
  absl::StatusOr<int> Exited();

  // SIGTERM, then waits up to `grace` and sends SIGKILL. Returns the exit code (128 + signal).
  absl::StatusOr<int> Stop(absl::Duration grace);

 private:
  explicit ChildProcess(pid_t pid) : pid_(pid) {}
  pid_t pid_ = -1;
};

// Memory and threads of a running process, from /proc/<pid>/status.
struct ProcessStatus {
  int64_t rss_kib = 0;       // VmRSS: resident now
  int64_t peak_rss_kib = 0;  // VmHWM: the peak resident size since start or the last reset
  int threads = 0;           // Threads
};
absl::StatusOr<ProcessStatus> ReadProcessStatus(pid_t pid);

// What a process has written so far, from /proc/<pid>/io (needs the right to read it: own
// child, or root).
struct ProcessWrites {
  uint64_t write_calls = 0;   // syscw: write-type system calls (write, pwrite, ...)
  uint64_t bytes_passed = 0;  // wchar: bytes handed to those calls, page cache or not
  uint64_t bytes_to_storage = 0;  // write_bytes: bytes the process caused to go to the disk
};
absl::StatusOr<ProcessWrites> ReadProcessWrites(pid_t pid);

// The total size of the regular files directly in `folder` (a SQLite store's file, its -wal and
// -shm, and any database beside it); 0 when it cannot be listed.
uint64_t FolderBytes(const std::string& folder);

// Resets the process's VmHWM to its current VmRSS (writes 5 to /proc/<pid>/clear_refs), so the
// next reading is the peak of what follows. Needs the right to write there (own child, or root).
absl::Status ResetPeakRss(pid_t pid);

}  // namespace therapy::bench

#endif  // BENCHMARKS_BENCH_CHILD_PROCESS_H_
