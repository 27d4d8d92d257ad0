#include "services/homework/rpc/status_conversion.h"

#include <string>

#include "google/rpc/status.pb.h"
#include "services/homework/core/rules/validation.h"

namespace therapy::homework {

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  const auto code = static_cast<grpc::StatusCode>(status.code());
  const std::string message(status.message());
  std::optional<google::rpc::BadRequest> bad_request = BadRequestOf(status);
  if (!bad_request) return grpc::Status(code, message);

  google::rpc::Status details;
  details.set_code(static_cast<int>(status.code()));
  details.set_message(message);
  details.add_details()->PackFrom(*bad_request);
  return grpc::Status(code, message, details.SerializeAsString());
}

}  // namespace therapy::homework
