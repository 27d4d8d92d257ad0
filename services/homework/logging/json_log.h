#ifndef SERVICES_HOMEWORK_LOGGING_JSON_LOG_H_
#define SERVICES_HOMEWORK_LOGGING_JSON_LOG_H_

#include <cstdio>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "nlohmann/json.hpp"

namespace therapy::homework {

enum class LogLevel { kDebug, kInfo, kWarning, kError };

// Structured logs, one JSON object per line: {"time","level","event", ...fields}. Callers pass
// identifiers, codes and durations only: never clinical content, tokens or resource payloads.
// Thread-safe; each line is written whole.
class JsonLog {
 public:
  // Writes to `out` (not owned; stderr in the server) lines at `min_level` and above.
  explicit JsonLog(std::FILE* out, LogLevel min_level = LogLevel::kInfo);

  void Write(LogLevel level, absl::string_view event, nlohmann::json fields = nlohmann::json::object());

 private:
  std::FILE* out_;
  LogLevel min_level_;
  absl::Mutex mutex_;
};

}  // namespace therapy::homework

#endif  // SERVICES_HOMEWORK_LOGGING_JSON_LOG_H_
