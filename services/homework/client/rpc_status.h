#ifndef SERVICES_HOMEWORK_CLIENT_RPC_STATUS_H_
#define SERVICES_HOMEWORK_CLIENT_RPC_STATUS_H_

// What a call to HomeworkService answered, on the caller's side: the one conversion of a
// grpc::Status to absl::Status, keeping the field violations the service sent (a
// google.rpc.BadRequest detail) as the same payload the core sets (core/model/bad_request.h), and
// their plain-text description for a person.

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "grpcpp/support/status.h"

namespace therapy::homework::client {

// `status` as absl::Status: the same code and message, and the google.rpc.BadRequest among its
// details (grpc::Status::error_details, a google.rpc.Status), if any, as the BadRequest payload
// (core/model/bad_request.h). The service sends no other detail type.
absl::Status FromGrpcStatus(const grpc::Status& status);

// The same, its message led by what was being done: "seed CreateClient: <message>".
absl::Status FromGrpcStatus(const grpc::Status& status, absl::string_view doing);

// One field the service refused, from a google.rpc.BadRequest detail.
struct FieldViolation {
  std::string field;        // "client.display_name"
  std::string description;  // "must not be empty"
};

// The field violations of `status`'s BadRequest payload, in the order sent; empty when there are
// none or the payload does not decode.
std::vector<FieldViolation> FieldViolations(const absl::Status& status);

// "INVALID_ARGUMENT: invalid client" and then one line per field violation
// ("\n  client.display_name: must not be empty"). No newline at the end.
std::string Describe(const absl::Status& status);

}  // namespace therapy::homework::client

#endif  // SERVICES_HOMEWORK_CLIENT_RPC_STATUS_H_
