#ifndef SERVICES_HOMEWORK_CORE_FORMATS_JSON_PROTO_JSON_H_
#define SERVICES_HOMEWORK_CORE_FORMATS_JSON_PROTO_JSON_H_

#include <string>

#include "absl/status/statusor.h"
#include "google/protobuf/message.h"

namespace therapy::homework {

// The proto3 JSON of `message` as the browser protocols send it: byte for byte what protobuf's
// MessageToJsonString prints with default JsonPrintOptions (lowerCamelCase names, enums by
// name, int64 as strings, fields at their default left out, the same string escapes), but
// written by PrintJsonMessage. protobuf 3.21's printer serializes the message, converts every
// descriptor on the way into a google.protobuf.Type, and re-reads the bytes: about ten times the
// cost, which made Connect JSON slower than gRPC on the same read
// (docs/decisions/0012-event-driven-http-edge.md, "JSON printing").
//
// Messages holding a type this printer does not write itself (Any, Struct, Value, the wrappers,
// Duration, FieldMask, NullValue) or a filled map, text that is not valid UTF-8, and values
// protobuf refuses (a Timestamp out of 0001..9999, nesting deeper than 64) are handed to
// MessageToJsonString whole, so its output and its errors stay the one reference
// (proto_json_test.cc compares the two on generated messages of every type of the service).
absl::StatusOr<std::string> MessageToJson(const google::protobuf::Message& message);

// MessageToJson's own printer, without protobuf's behind it: writes `message` into `json` and
// says true, or says false when protobuf's printer must print it (the cases above). It
// serializes the message with its generated code and walks the bytes with a table per type
// made once per thread: reflection's per-field look-ups were half of its cost.
bool PrintJsonMessage(const google::protobuf::Message& message, std::string& json);

}  // namespace therapy::homework

#endif  // SERVICES_HOMEWORK_CORE_FORMATS_JSON_PROTO_JSON_H_
