#include "services/homework/logging/call_log.h"

#include <utility>

#include "absl/strings/match.h"
#include "nlohmann/json.hpp"

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
  nlohmann::json fields = {{"method", std::string(line.method)}};
  if (!line.protocol.empty()) fields["protocol"] = std::string(line.protocol);
  fields["code"] = absl::StatusCodeToString(status.code());
  fields["latency_ms"] = absl::ToDoubleMilliseconds(line.latency);
  fields["call_id"] = std::string(line.call_id);
  if (line.http_get) fields["http_method"] = "GET";
  if (caller.ok()) {
    fields["role"] = std::string(RoleName(caller->role));
    fields["practice"] = caller->practice;
  }
  const bool server_fault = IsServerFault(status);
  if (server_fault) fields["message"] = std::string(status.message());
  log.Write(server_fault ? LogLevel::kError : LogLevel::kInfo, "rpc", std::move(fields));
}

}  // namespace therapy::homework
