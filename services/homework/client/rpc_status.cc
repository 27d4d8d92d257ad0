#include "services/homework/client/rpc_status.h"

#include <optional>

#include "absl/strings/cord.h"
#include "absl/types/optional.h"
#include "absl/strings/str_cat.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace therapy::homework::client {
namespace {

// The google.rpc.Status kept in `status`, if it has one that decodes.
std::optional<google::rpc::Status> RpcDetails(const absl::Status& status) {
  const absl::optional<absl::Cord> payload = status.GetPayload(kRpcStatusPayload);
  google::rpc::Status details;
  if (!payload.has_value() || !details.ParseFromString(std::string(*payload))) return std::nullopt;
  return details;
}

}  // namespace

absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  absl::Status converted(static_cast<absl::StatusCode>(status.error_code()),
                         status.error_message());
  if (!status.error_details().empty()) {
    converted.SetPayload(kRpcStatusPayload, absl::Cord(status.error_details()));
  }
  return converted;
}

std::vector<FieldViolation> FieldViolations(const absl::Status& status) {
  std::vector<FieldViolation> violations;
  const std::optional<google::rpc::Status> details = RpcDetails(status);
  if (!details.has_value()) return violations;
  for (const google::protobuf::Any& detail : details->details()) {
    google::rpc::BadRequest bad_request;
    if (!detail.Is<google::rpc::BadRequest>() || !detail.UnpackTo(&bad_request)) continue;
    for (const google::rpc::BadRequest::FieldViolation& violation :
         bad_request.field_violations()) {
      violations.push_back({violation.field(), violation.description()});
    }
  }
  return violations;
}

std::string Describe(const absl::Status& status) {
  std::string text = std::string(absl::StatusCodeToString(status.code()));
  if (!status.message().empty()) absl::StrAppend(&text, ": ", status.message());
  const std::optional<google::rpc::Status> details = RpcDetails(status);
  if (!details.has_value()) return text;
  for (const google::protobuf::Any& detail : details->details()) {
    if (detail.Is<google::rpc::BadRequest>()) continue;  // listed below, field by field
    absl::StrAppend(&text, "\n  (detail ", detail.type_url(), ")");
  }
  for (const FieldViolation& violation : FieldViolations(status)) {
    absl::StrAppend(&text, "\n  ", violation.field, ": ", violation.description);
  }
  return text;
}

}  // namespace therapy::homework::client
