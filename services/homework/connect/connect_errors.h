#ifndef SERVICES_HOMEWORK_CONNECT_CONNECT_ERRORS_H_
#define SERVICES_HOMEWORK_CONNECT_CONNECT_ERRORS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

namespace therapy::homework {

// The Connect protocol's name of a canonical code: "invalid_argument", "not_found", ...
// (connectrpc.com/docs/protocol, "Error Codes"). OK has no Connect name and gives "unknown".
absl::string_view ConnectCodeName(absl::StatusCode code);

// The HTTP status a unary Connect error carries for `code` (400, 401, 403, 404, 409, ...).
int ConnectHttpStatus(absl::StatusCode code);

// The one conversion from a failed absl::Status to a Connect error object, for every
// browser-facing path (the Connect listener, and the Janus plugin's error events, so a page has
// one decoder): {"code": "...", "message": "...", "details": [...]}. A google.rpc.BadRequest
// payload (core/model/bad_request.h) becomes the detail {"type": "google.rpc.BadRequest", "value":
// <standard base64, unpadded, of the serialized message>, "debug": <the message as proto JSON>}.
// `status` must not be OK.
nlohmann::json ConnectErrorObject(const absl::Status& status);

// A unary error response: the HTTP status and the JSON body (content type application/json).
struct ConnectErrorResponse {
  int http_status = 500;
  std::string body;
};
ConnectErrorResponse ToConnectError(const absl::Status& status);

// The same status as gRPC-Web trailers (the payload of the 0x80 frame): "grpc-status: N",
// "grpc-message: <percent-encoded>" and, for a field violation, "grpc-status-details-bin:
// <base64 google.rpc.Status holding the google.rpc.BadRequest>", each ending in CRLF. OK gives
// just "grpc-status: 0".
std::string GrpcWebTrailers(const absl::Status& status);

}  // namespace therapy::homework

#endif  // SERVICES_HOMEWORK_CONNECT_CONNECT_ERRORS_H_
