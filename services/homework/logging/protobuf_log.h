#ifndef SERVICES_HOMEWORK_LOGGING_PROTOBUF_LOG_H_
#define SERVICES_HOMEWORK_LOGGING_PROTOBUF_LOG_H_

#include <string>

#include "absl/strings/string_view.h"
#include "services/homework/logging/json_log.h"

namespace therapy::homework {

// While alive, libprotobuf's own log lines (for example "String field '...' contains invalid
// UTF-8 data when parsing a protocol buffer") go to `log` as JSON lines with event "protobuf"
// instead of raw text on stderr, so the log stays one JSON object per line. Their text keeps
// only what names code: a quoted part is kept when it is an identifier such as a field's full
// name, and replaced by "<value>" otherwise. One at a time per process; `log` must outlive it.
class ProtobufLogRoute {
 public:
  explicit ProtobufLogRoute(JsonLog& log);
  ~ProtobufLogRoute();
  ProtobufLogRoute(const ProtobufLogRoute&) = delete;
  ProtobufLogRoute& operator=(const ProtobufLogRoute&) = delete;
};

// The text of a protobuf log message as ProtobufLogRoute writes it.
std::string WithoutValues(absl::string_view message);

}  // namespace therapy::homework

#endif  // SERVICES_HOMEWORK_LOGGING_PROTOBUF_LOG_H_
