#ifndef SERVICES_HOMEWORK_LOGGING_CALL_LOG_H_
#define SERVICES_HOMEWORK_LOGGING_CALL_LOG_H_

// The one log line per call, for every edge (the gRPC server and the browser listener): method,
// code, latency, call id, and the caller's role and practice once authenticated; never clinical
// content. A status message is logged only for a server-side fault (INTERNAL, UNAVAILABLE,
// UNKNOWN, or the store's full disk), where an operator needs it: messages name fields and
// resource ids only.

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/homework/core/model/caller.h"
#include "services/homework/logging/json_log.h"

namespace therapy::homework {

struct CallLine {
  absl::string_view method;    // "GetClient"
  absl::string_view protocol;  // the browser protocol ("connect", "grpc-web"); empty for gRPC
  bool http_get = false;       // a Connect GET
  absl::string_view call_id;
  absl::Duration latency;
};

// Writes `line` with the outcome: at error level for a server-side fault, info otherwise.
void LogCall(JsonLog& log, const CallLine& line, const absl::StatusOr<Caller>& caller,
             const absl::Status& status);

}  // namespace therapy::homework

#endif  // SERVICES_HOMEWORK_LOGGING_CALL_LOG_H_
