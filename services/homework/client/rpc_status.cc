#include "services/homework/client/rpc_status.h"

#include <optional>

#include "absl/strings/str_cat.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "services/homework/core/model/bad_request.h"

namespace therapy::homework::client {

absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  absl::Status converted(static_cast<absl::StatusCode>(status.error_code()),
                         status.error_message());
  google::rpc::Status details;
  if (status.error_details().empty() || !details.ParseFromString(status.error_details())) {
    return converted;
  }
  google::rpc::BadRequest fields;
  bool any = false;
  for (const google::protobuf::Any& detail : details.details()) {
    google::rpc::BadRequest bad_request;
    if (!detail.Is<google::rpc::BadRequest>() || !detail.UnpackTo(&bad_request)) continue;
    fields.MergeFrom(bad_request);
    any = true;
  }
  if (any) SetBadRequest(converted, fields);
  return converted;
}

absl::Status FromGrpcStatus(const grpc::Status& status, absl::string_view doing) {
  absl::Status converted = FromGrpcStatus(status);
  if (converted.ok()) return converted;
  absl::Status led(converted.code(), absl::StrCat(doing, ": ", converted.message()));
  converted.ForEachPayload(
      [&led](absl::string_view url, const absl::Cord& payload) { led.SetPayload(url, payload); });
  return led;
}

std::vector<FieldViolation> FieldViolations(const absl::Status& status) {
  std::vector<FieldViolation> violations;
  const std::optional<google::rpc::BadRequest> bad_request = BadRequestOf(status);
  if (!bad_request.has_value()) return violations;
  for (const google::rpc::BadRequest::FieldViolation& violation : bad_request->field_violations()) {
    violations.push_back({violation.field(), violation.description()});
  }
  return violations;
}

std::string Describe(const absl::Status& status) {
  std::string text = std::string(absl::StatusCodeToString(status.code()));
  if (!status.message().empty()) absl::StrAppend(&text, ": ", status.message());
  for (const FieldViolation& violation : FieldViolations(status)) {
    absl::StrAppend(&text, "\n  ", violation.field, ": ", violation.description);
  }
  return text;
}

}  // namespace therapy::homework::client
