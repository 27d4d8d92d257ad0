#ifndef BENCHMARKS_BENCH_PROCESS_STATS_H_
#define BENCHMARKS_BENCH_PROCESS_STATS_H_

// What a benchmark reads of a running process (its own child, the server under load) from /proc
// and the file system. The process itself is started by testing/child_process.h.

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace therapy::bench {

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
  uint64_t write_calls = 0;       // syscw: write-type system calls (write, pwrite, ...)
  uint64_t bytes_passed = 0;      // wchar: bytes handed to those calls, page cache or not
  uint64_t bytes_to_storage = 0;  // write_bytes: bytes the process caused to go to the disk
};
absl::StatusOr<ProcessWrites> ReadProcessWrites(pid_t pid);

// CPU time a process has used so far (user + system, all its threads), from /proc/<pid>/stat.
absl::StatusOr<absl::Duration> ReadProcessCpu(pid_t pid);

// The total size of the regular files directly in `folder` (a SQLite store's file, its -wal and
// -shm, and any database beside it); 0 when it cannot be listed.
uint64_t FolderBytes(const std::string& folder);

// Resets the process's VmHWM to its current VmRSS (writes 5 to /proc/<pid>/clear_refs), so the
// next reading is the peak of what follows. Needs the right to write there (own child, or root).
absl::Status ResetPeakRss(pid_t pid);

}  // namespace therapy::bench

#endif  // BENCHMARKS_BENCH_PROCESS_STATS_H_
