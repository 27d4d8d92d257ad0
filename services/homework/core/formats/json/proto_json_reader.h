#ifndef SERVICES_HOMEWORK_CORE_FORMATS_JSON_PROTO_JSON_READER_H_
#define SERVICES_HOMEWORK_CORE_FORMATS_JSON_PROTO_JSON_READER_H_

#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"

namespace therapy::homework {

// Reads `json` into `message` (which must be empty) when the body is a plain proto3 JSON object
// this reader reads exactly as protobuf's JsonStringToMessage would (unknown fields refused):
// keys by JSON or proto name, strings (escapes included; valid UTF-8 only), integers as JSON
// integers or quoted decimal digits within their type's range, enums by name, true/false,
// nested messages and repeated fields. Anything else, valid or not (doubles, bytes, null,
// enum numbers, maps, google.protobuf.* types such as Timestamp and FieldMask, a key given
// twice, two members of one oneof, escapes in keys, nesting past 32, trailing text, any JSON
// error), returns false and leaves `message` in an unspecified state: the caller clears it and
// hands the body to protobuf's parser, so protobuf's result and its errors stay the reference
// (ParseJsonRequest in request_checks.h; proto_json_test.cc compares the two on random and
// broken bodies of every request type). Exists because protobuf 3.21's parser converts the
// descriptors into google.protobuf.Type on every call: most of a small request's cost.
bool ReadJsonMessage(absl::string_view json, google::protobuf::Message& message);

}  // namespace therapy::homework

#endif  // SERVICES_HOMEWORK_CORE_FORMATS_JSON_PROTO_JSON_READER_H_
