#ifndef SERVICES_HOMEWORK_LOGGING_JSON_LOG_H_
#define SERVICES_HOMEWORK_LOGGING_JSON_LOG_H_

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <string>
#include <thread>
#include <utility>
#include <variant>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/span.h"

namespace therapy::homework {

enum class LogLevel { kDebug, kInfo, kWarning, kError };

// One field of a log line: a name and a text, integer, number or boolean value.
struct LogField {
  LogField(absl::string_view field_name, absl::string_view field_value)
      : name(field_name), value(std::string(field_value)) {}
  LogField(absl::string_view field_name, const char* field_value)
      : name(field_name), value(std::string(field_value)) {}
  LogField(absl::string_view field_name, std::string field_value)
      : name(field_name), value(std::move(field_value)) {}
  template <std::integral Integer>
  requires(!std::same_as<Integer, bool>) LogField(absl::string_view field_name, Integer field_value)
      : name(field_name), value(static_cast<int64_t>(field_value)) {}
  LogField(absl::string_view field_name, double field_value)
      : name(field_name), value(field_value) {}
  LogField(absl::string_view field_name, bool field_value) : name(field_name), value(field_value) {}

  std::string name;
  std::variant<std::string, int64_t, double, bool> value;
};

// One log line without its newline: {"event","level","time", ...fields} with the keys in name
// order and a later field of a name replacing an earlier one (the first three included), strings
// escaped as JSON and invalid UTF-8 replaced by U+FFFD; `time` to the microsecond in UTC.
// Exposed for its test.
std::string FormatLogLine(absl::Time time, LogLevel level, absl::string_view event,
                          absl::Span<const LogField> fields);

// Structured logs, one JSON object per line: {"time","level","event", ...fields}. Callers pass
// identifiers, codes and durations only: never clinical content, tokens or resource payloads.
// Thread-safe; each line is written whole, and lines reach `out` in the order they were written.
class JsonLog {
 public:
  // Writes to `out` (not owned; stderr in the server) lines at `min_level` and above, each at
  // once (one write of its own) until BufferBelowWarning.
  explicit JsonLog(std::FILE* out, LogLevel min_level = LogLevel::kInfo);
  // Writes what is kept in memory.
  ~JsonLog();
  JsonLog(const JsonLog&) = delete;
  JsonLog& operator=(const JsonLog&) = delete;

  // A line of `event` with `fields` (a later field of the same name wins); the JSON keys are in
  // name order.
  void Write(LogLevel level, absl::string_view event, absl::Span<const LogField> fields);
  void Write(LogLevel level, absl::string_view event, std::initializer_list<LogField> fields = {}) {
    Write(level, event, absl::Span<const LogField>(fields.begin(), fields.size()));
  }

  // From now on debug and info lines (a loaded server's one line per call) are kept in memory
  // and written many in one write, at most `every` after the first of them was kept (or at once
  // when kBufferedBytes are kept); a warning or an error line writes what is kept, then itself,
  // before Write returns, so a line that needs an operator is never held back and the order
  // stays. A process killed outright loses at most the info lines of its last `every`. Starts a
  // thread of its own, which takes the calling thread's signal mask: call it once the process's
  // mask is set. Not called, or with a zero `every`: every line is written at once. Once only.
  void BufferBelowWarning(absl::Duration every);

  // What the kept lines may reach before a Write writes them itself.
  static constexpr std::size_t kBufferedBytes = 64 << 10;

 private:
  // Writes what is kept in memory now.
  void Flush();
  void FlushKept() ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mutex_);
  void Flusher();
  // The flusher's conditions: it stops, or a line is kept; it stops, or the kept lines fill half
  // of kBufferedBytes.
  bool KeepsLines() const ABSL_SHARED_LOCKS_REQUIRED(mutex_);
  bool KeepsHalfFull() const ABSL_SHARED_LOCKS_REQUIRED(mutex_);

  std::FILE* const out_;
  const LogLevel min_level_;
  // Held while writing to `out_`, before `mutex_` when both are.
  absl::Mutex write_mutex_;
  absl::Mutex mutex_;
  std::string kept_ ABSL_GUARDED_BY(mutex_);
  std::string writing_ ABSL_GUARDED_BY(write_mutex_);
  absl::Duration every_ ABSL_GUARDED_BY(mutex_) = absl::ZeroDuration();
  bool stopping_ ABSL_GUARDED_BY(mutex_) = false;
  std::thread flusher_;
};

}  // namespace therapy::homework

#endif  // SERVICES_HOMEWORK_LOGGING_JSON_LOG_H_
