#ifndef SERVICES_HOMEWORK_CLIENT_METHODS_H_
#define SERVICES_HOMEWORK_CLIENT_METHODS_H_

// The methods of therapy.homework.v1.HomeworkService as a caller sees them (homework-ctl, the
// Janus plugin): found by name in the generated descriptor pool, with requests read from and
// responses written as protobuf JSON (lowerCamelCase names). Nothing here knows a particular
// method, so a new RPC needs no change.

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace therapy::homework::client {

inline constexpr absl::string_view kServiceName = "therapy.homework.v1.HomeworkService";

// The unary method `name` of HomeworkService: "CreateClient", or fully qualified
// "therapy.homework.v1.HomeworkService.CreateClient", or the path
// "/therapy.homework.v1.HomeworkService/CreateClient". NOT_FOUND lists the methods there are;
// INVALID_ARGUMENT for a streaming method.
absl::StatusOr<const google::protobuf::MethodDescriptor*> FindMethod(absl::string_view name);

// The HTTP/2 path gRPC calls `method` by: "/therapy.homework.v1.HomeworkService/CreateClient".
std::string MethodPath(const google::protobuf::MethodDescriptor& method);

// `method`'s request parsed from protobuf JSON. Empty or all-whitespace input is the empty
// request. INVALID_ARGUMENT naming the request type and the parser's reason (unknown field,
// wrong type, bad syntax, ...).
absl::StatusOr<std::unique_ptr<google::protobuf::Message>> RequestFromJson(
    const google::protobuf::MethodDescriptor& method, absl::string_view json);

// How ResponseToJson lays its text out: on one line (for a program), or indented by two spaces
// and ending in a newline (for a person at a terminal).
enum class JsonLayout { kCompact, kIndented };

// `method`'s response, given as serialized bytes, as protobuf JSON. INTERNAL when the bytes are
// not a valid response.
absl::StatusOr<std::string> ResponseToJson(const google::protobuf::MethodDescriptor& method,
                                           absl::string_view serialized, JsonLayout layout);

}  // namespace therapy::homework::client

#endif  // SERVICES_HOMEWORK_CLIENT_METHODS_H_
