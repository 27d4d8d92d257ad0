#include "services/homework/logging/json_log.h"

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"

namespace therapy::homework {
namespace {

const char* LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarning:
      return "warning";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

}  // namespace

JsonLog::JsonLog(std::FILE* out, LogLevel min_level) : out_(out), min_level_(min_level) {}

void JsonLog::Write(LogLevel level, absl::string_view event, absl::Span<const LogField> fields) {
  if (level < min_level_) return;
  nlohmann::json line = {
      {"time", absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", absl::Now(), absl::UTCTimeZone())},
      {"level", LevelName(level)},
      {"event", std::string(event)},
  };
  for (const LogField& field : fields) {
    std::visit([&](const auto& value) { line[field.name] = value; }, field.value);
  }
  // Replace invalid UTF-8 rather than throw: a log line must never take the server down.
  const std::string text =
      line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  absl::MutexLock lock(&mutex_);
  std::fwrite(text.data(), 1, text.size(), out_);
  std::fflush(out_);
}

}  // namespace therapy::homework
