#include "benchmarks/bench/process_stats.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace therapy::bench {
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
  absl::Status read =
      ReadProcFields(pid, "status", [&](absl::string_view name, absl::string_view value) {
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

absl::StatusOr<absl::Duration> ReadProcessCpu(pid_t pid) {
  const std::string path = absl::StrCat("/proc/", pid, "/stat");
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line))
    return absl::NotFoundError(absl::StrCat("cannot read ", path));
  // The command name (field 2) is in parentheses and may hold blanks: count after its ')'.
  const size_t name_end = line.rfind(')');
  if (name_end == std::string::npos) return absl::DataLossError(absl::StrCat("no ')' in ", path));
  const std::vector<absl::string_view> fields =
      absl::StrSplit(absl::string_view(line).substr(name_end + 1), ' ', absl::SkipEmpty());
  // fields[0] is field 3 (state): utime and stime are fields 14 and 15.
  uint64_t user_ticks = 0;
  uint64_t system_ticks = 0;
  if (fields.size() < 13 || !absl::SimpleAtoi(fields[11], &user_ticks) ||
      !absl::SimpleAtoi(fields[12], &system_ticks)) {
    return absl::DataLossError(absl::StrCat("no utime and stime in ", path));
  }
  const long ticks_per_second = sysconf(_SC_CLK_TCK);
  if (ticks_per_second <= 0) return absl::InternalError("sysconf(_SC_CLK_TCK) failed");
  return absl::Seconds(static_cast<double>(user_ticks + system_ticks) /
                       static_cast<double>(ticks_per_second));
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
