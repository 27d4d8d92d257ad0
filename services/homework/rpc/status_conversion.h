#ifndef SERVICES_HOMEWORK_RPC_STATUS_CONVERSION_H_
#define SERVICES_HOMEWORK_RPC_STATUS_CONVERSION_H_

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace therapy::homework {

// The one conversion from absl::Status to grpc::Status: same canonical code and message; a
// google.rpc.BadRequest payload (see core/rules/validation.h) travels as a google.rpc.Status in the
// error details (the `grpc-status-details-bin` trailer).
grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace therapy::homework

#endif  // SERVICES_HOMEWORK_RPC_STATUS_CONVERSION_H_
