#include "services/homework/connect/connect_errors.h"

#include <optional>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "google/protobuf/util/json_util.h"
#include "google/rpc/status.pb.h"
#include "services/homework/core/model/bad_request.h"

namespace therapy::homework {

absl::string_view ConnectCodeName(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kCancelled:
      return "canceled";
    case absl::StatusCode::kInvalidArgument:
      return "invalid_argument";
    case absl::StatusCode::kDeadlineExceeded:
      return "deadline_exceeded";
    case absl::StatusCode::kNotFound:
      return "not_found";
    case absl::StatusCode::kAlreadyExists:
      return "already_exists";
    case absl::StatusCode::kPermissionDenied:
      return "permission_denied";
    case absl::StatusCode::kResourceExhausted:
      return "resource_exhausted";
    case absl::StatusCode::kFailedPrecondition:
      return "failed_precondition";
    case absl::StatusCode::kAborted:
      return "aborted";
    case absl::StatusCode::kOutOfRange:
      return "out_of_range";
    case absl::StatusCode::kUnimplemented:
      return "unimplemented";
    case absl::StatusCode::kInternal:
      return "internal";
    case absl::StatusCode::kUnavailable:
      return "unavailable";
    case absl::StatusCode::kDataLoss:
      return "data_loss";
    case absl::StatusCode::kUnauthenticated:
      return "unauthenticated";
    default:
      return "unknown";
  }
}

int ConnectHttpStatus(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kCancelled:
      return 499;
    case absl::StatusCode::kInvalidArgument:
      return 400;
    case absl::StatusCode::kDeadlineExceeded:
      return 504;
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kAlreadyExists:
      return 409;
    case absl::StatusCode::kPermissionDenied:
      return 403;
    case absl::StatusCode::kResourceExhausted:
      return 429;
    case absl::StatusCode::kFailedPrecondition:
      return 400;
    case absl::StatusCode::kAborted:
      return 409;
    case absl::StatusCode::kOutOfRange:
      return 400;
    case absl::StatusCode::kUnimplemented:
      return 501;
    case absl::StatusCode::kUnavailable:
      return 503;
    case absl::StatusCode::kUnauthenticated:
      return 401;
    default:
      return 500;  // unknown, internal, data_loss
  }
}

nlohmann::json ConnectErrorObject(const absl::Status& status) {
  nlohmann::json error = {{"code", std::string(ConnectCodeName(status.code()))}};
  if (!status.message().empty()) error["message"] = std::string(status.message());
  std::optional<google::rpc::BadRequest> bad_request = BadRequestOf(status);
  if (bad_request) {
    // Connect sends detail values as standard base64 without padding.
    std::string value = absl::Base64Escape(bad_request->SerializeAsString());
    while (!value.empty() && value.back() == '=') value.pop_back();
    nlohmann::json detail = {{"type", "google.rpc.BadRequest"}, {"value", value}};
    std::string debug;
    if (google::protobuf::util::MessageToJsonString(*bad_request, &debug).ok()) {
      nlohmann::json parsed = nlohmann::json::parse(debug, nullptr, /*allow_exceptions=*/false);
      if (!parsed.is_discarded()) detail["debug"] = std::move(parsed);
    }
    error["details"] = nlohmann::json::array({std::move(detail)});
  }
  return error;
}

ConnectErrorResponse ToConnectError(const absl::Status& status) {
  return ConnectErrorResponse{
      .http_status = ConnectHttpStatus(status.code()),
      // Replacement of invalid UTF-8 instead of an exception: messages may quote caller input.
      .body =
          ConnectErrorObject(status).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
  };
}

std::string GrpcWebTrailers(const absl::Status& status) {
  std::string trailers = absl::StrCat("grpc-status: ", static_cast<int>(status.code()), "\r\n");
  if (status.ok()) return trailers;
  // gRPC's percent-encoding of grpc-message: printable ASCII but '%' as is.
  std::string message;
  for (const char c : status.message()) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte <= 0x7e && byte != '%') {
      message.push_back(c);
    } else {
      absl::StrAppendFormat(&message, "%%%02X", byte);
    }
  }
  absl::StrAppend(&trailers, "grpc-message: ", message, "\r\n");
  std::optional<google::rpc::BadRequest> bad_request = BadRequestOf(status);
  if (bad_request) {
    google::rpc::Status details;
    details.set_code(static_cast<int>(status.code()));
    details.set_message(std::string(status.message()));
    details.add_details()->PackFrom(*bad_request);
    absl::StrAppend(&trailers,
                    "grpc-status-details-bin: ", absl::Base64Escape(details.SerializeAsString()),
                    "\r\n");
  }
  return trailers;
}

}  // namespace therapy::homework
