#ifndef SERVICES_HOMEWORK_CORE_MODEL_BAD_REQUEST_H_
#define SERVICES_HOMEWORK_CORE_MODEL_BAD_REQUEST_H_

// How a status says which request fields were invalid, everywhere in the process: a
// google.rpc.BadRequest kept as the status's payload under its type URL. The core sets it
// (validation.h), the RPC layer sends it as a gRPC error detail, the browser edge as a Connect
// error detail (connect/connect_errors.h), and the caller's side reads it back from a gRPC
// answer (client/rpc_status.h). Header only: the Janus plugin uses it without the core.

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/cord.h"
#include "absl/strings/string_view.h"
#include "absl/types/optional.h"
#include "google/rpc/error_details.pb.h"

namespace therapy::homework {

// The type URL under which a status carries its google.rpc.BadRequest payload.
inline constexpr absl::string_view kBadRequestTypeUrl = "type.googleapis.com/google.rpc.BadRequest";

// The BadRequest payload of a status, if it has one that decodes.
inline std::optional<google::rpc::BadRequest> BadRequestOf(const absl::Status& status) {
  const absl::optional<absl::Cord> payload = status.GetPayload(kBadRequestTypeUrl);
  google::rpc::BadRequest request;
  if (!payload.has_value() || !request.ParseFromString(std::string(*payload))) return std::nullopt;
  return request;
}

// Keeps `request` in `status` as its BadRequest payload (replacing one it had).
inline void SetBadRequest(absl::Status& status, const google::rpc::BadRequest& request) {
  status.SetPayload(kBadRequestTypeUrl, absl::Cord(request.SerializeAsString()));
}

}  // namespace therapy::homework

#endif  // SERVICES_HOMEWORK_CORE_MODEL_BAD_REQUEST_H_
