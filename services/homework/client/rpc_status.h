#ifndef SERVICES_HOMEWORK_CLIENT_RPC_STATUS_H_
#define SERVICES_HOMEWORK_CLIENT_RPC_STATUS_H_

// What a call to HomeworkService answered, on the caller's side: the one conversion of a
// grpc::Status to absl::Status, keeping the service's google.rpc.Status details (the field
// violations of a google.rpc.BadRequest), and their plain-text description for a person.

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace therapy::homework::client {

// The payload under which FromGrpcStatus keeps the serialized google.rpc.Status of the call's
// details (grpc::Status::error_details), by its type URL.
inline constexpr char kRpcStatusPayload[] = "type.googleapis.com/google.rpc.Status";

// `status` as absl::Status: the same code and message, and the details, when there are any, as
// the kRpcStatusPayload payload.
absl::Status FromGrpcStatus(const grpc::Status& status);

// One field the service refused, from a google.rpc.BadRequest detail.
struct FieldViolation {
  std::string field;        // "client.display_name"
  std::string description;  // "must not be empty"
};

// The field violations among `status`'s details (FromGrpcStatus), in the order sent; empty when
// there are none or the details do not decode.
std::vector<FieldViolation> FieldViolations(const absl::Status& status);

// "INVALID_ARGUMENT: invalid client" and then one line per field violation
// ("\n  client.display_name: must not be empty") and per detail of another type
// ("\n  (detail type.googleapis.com/...)"). No newline at the end.
std::string Describe(const absl::Status& status);

}  // namespace therapy::homework::client

#endif  // SERVICES_HOMEWORK_CLIENT_RPC_STATUS_H_
