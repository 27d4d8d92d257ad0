#include "services/homework/logging/protobuf_log.h"

#include <atomic>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/stubs/logging.h"

namespace therapy::homework {
namespace {

std::atomic<JsonLog*> route{nullptr};
google::protobuf::LogHandler* previous = nullptr;  // the handler before the route

bool IsIdentifier(absl::string_view text) {
  if (text.empty() || text.size() > 200) return false;
  for (char c : text) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.') return false;
  }
  return true;
}

void Write(google::protobuf::LogLevel level, const char* file, int line,
           const std::string& message) {
  JsonLog* log = route.load();
  if (log == nullptr) return;
  const LogLevel ours = level == google::protobuf::LOGLEVEL_INFO      ? LogLevel::kInfo
                        : level == google::protobuf::LOGLEVEL_WARNING ? LogLevel::kWarning
                                                                      : LogLevel::kError;
  log->Write(
      ours, "protobuf",
      {{"file", file == nullptr ? "" : file}, {"line", line}, {"message", WithoutValues(message)}});
}

}  // namespace

std::string WithoutValues(absl::string_view message) {
  std::string out;
  while (!message.empty()) {
    const size_t open = message.find_first_of("'\"");
    if (open == absl::string_view::npos) break;
    const size_t close = message.find(message[open], open + 1);
    if (close == absl::string_view::npos) {
      absl::StrAppend(&out, message.substr(0, open), "<value>");
      return out;
    }
    const absl::string_view quoted = message.substr(open + 1, close - open - 1);
    absl::StrAppend(&out, message.substr(0, open + 1), IsIdentifier(quoted) ? quoted : "<value>",
                    message.substr(open, 1));
    message.remove_prefix(close + 1);
  }
  absl::StrAppend(&out, message);
  return out;
}

ProtobufLogRoute::ProtobufLogRoute(JsonLog& log) {
  route.store(&log);
  previous = google::protobuf::SetLogHandler(&Write);
}

ProtobufLogRoute::~ProtobufLogRoute() {
  // Puts back what was there (nullptr: protobuf was discarding its lines, and does again).
  google::protobuf::SetLogHandler(previous);
  route.store(nullptr);
}

}  // namespace therapy::homework
