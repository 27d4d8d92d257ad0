#ifndef SERVICES_HOMEWORK_CORE_RULES_REQUEST_CHECKS_H_
#define SERVICES_HOMEWORK_CORE_RULES_REQUEST_CHECKS_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"

namespace therapy::homework {

// The checks every request passes before a use case sees it, the same on every listener (gRPC,
// the browser protocols): what a message's type promises but its parser does not enforce, or
// enforces without saying where.

// Parses protobuf binary `bytes` into `request`. INVALID_ARGUMENT with a BadRequest naming the
// field when a string field is not valid UTF-8 ("completion.thought_record.situation"), else
// naming "request" when the bytes are not a message of that type. Then CheckRequest.
absl::Status ParseRequest(absl::string_view bytes, google::protobuf::Message& request);

// Parses `json` (the Connect / proto3 JSON mapping: camelCase or proto field names, unknown
// fields refused) into `request`. Text that is not UTF-8 is INVALID_ARGUMENT naming the field
// whose string holds it (`client.display_name`); any other parse failure names "request" with
// the parser's reason, without the body's text. Then CheckRequest. Plain bodies are read by
// ReadJsonMessage (proto_json_reader.h), everything else by protobuf's JsonStringToMessage: the
// same message or the same error either way.
absl::Status ParseJsonRequest(absl::string_view json, google::protobuf::Message& request);

// A parsed request: every string field valid UTF-8 (a JSON parser may let broken text through)
// and every google.protobuf.Timestamp within 0001-01-01T00:00:00Z..9999-12-31T23:59:59.999999999Z
// with nanos 0-999,999,999, as the Timestamp type defines. INVALID_ARGUMENT naming each field
// at fault (all of them, in the BadRequest).
absl::Status CheckRequest(const google::protobuf::Message& request);

}  // namespace therapy::homework

#endif  // SERVICES_HOMEWORK_CORE_RULES_REQUEST_CHECKS_H_
