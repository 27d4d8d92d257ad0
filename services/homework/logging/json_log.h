#ifndef SERVICES_HOMEWORK_LOGGING_JSON_LOG_H_
#define SERVICES_HOMEWORK_LOGGING_JSON_LOG_H_

#include <concepts>
#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <string>
#include <utility>
#include <variant>

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
// Thread-safe; each line is written whole.
class JsonLog {
 public:
  // Writes to `out` (not owned; stderr in the server) lines at `min_level` and above.
  explicit JsonLog(std::FILE* out, LogLevel min_level = LogLevel::kInfo);

  // A line of `event` with `fields` (a later field of the same name wins); the JSON keys are in
  // name order.
  void Write(LogLevel level, absl::string_view event, absl::Span<const LogField> fields);
  void Write(LogLevel level, absl::string_view event, std::initializer_list<LogField> fields = {}) {
    Write(level, event, absl::Span<const LogField>(fields.begin(), fields.size()));
  }

 private:
  std::FILE* out_;
  LogLevel min_level_;
  absl::Mutex mutex_;
};

}  // namespace therapy::homework

#endif  // SERVICES_HOMEWORK_LOGGING_JSON_LOG_H_
