#include "services/homework/logging/call_log.h"

#include <utility>
#include <vector>

#include "absl/strings/match.h"

namespace therapy::homework {
namespace {

// A fault an operator must act on. The store's RESOURCE_EXHAUSTED is its full disk.
bool IsServerFault(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kUnknown:
      return true;
    case absl::StatusCode::kResourceExhausted:
      return absl::StartsWith(status.message(), "the store's disk is full");
    default:
      return false;
  }
}

}  // namespace

void LogCall(JsonLog& log, const CallLine& line, const absl::StatusOr<Caller>& caller,
             const absl::Status& status) {
  std::vector<LogField> fields = {{"method", line.method},
                                  {"code", absl::StatusCodeToString(status.code())},
                                  {"latency_ms", absl::ToDoubleMilliseconds(line.latency)},
                                  {"call_id", line.call_id}};
  if (!line.protocol.empty()) fields.emplace_back("protocol", line.protocol);
  if (line.http_get) fields.emplace_back("http_method", "GET");
  if (caller.ok()) {
    fields.emplace_back("role", RoleName(caller->role));
    fields.emplace_back("practice", caller->practice);
  }
  const bool server_fault = IsServerFault(status);
  if (server_fault) fields.emplace_back("message", status.message());
  log.Write(server_fault ? LogLevel::kError : LogLevel::kInfo, "rpc", fields);
}

}  // namespace therapy::homework
