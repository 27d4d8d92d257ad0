#include "services/homework/connect/connect_routes.h"

#include <algorithm>
#include <utility>

#include "absl/random/random.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor.pb.h"
#include "services/homework/connect/connect_errors.h"
#include "services/homework/core/events.h"
#include "services/homework/core/formats/json/proto_json.h"
#include "services/homework/core/rules/request_checks.h"
#include "services/homework/core/unary_methods.h"
#include "services/homework/logging/call_log.h"
#include "therapy/homework/v1/homework_service.pb.h"

namespace therapy::homework {
namespace {

constexpr absl::string_view kJsonContentType = "application/json";
constexpr absl::string_view kProtoContentType = "application/proto";

// The one request parser of both listeners (core/rules/request_checks.h): a broken body is
// INVALID_ARGUMENT naming the field, never quoting the body.
template <typename Message>
absl::StatusOr<Message> Parse(ConnectCodec codec, absl::string_view body) {
  Message message;
  absl::Status parsed =
      codec == ConnectCodec::kProto ? ParseRequest(body, message) : ParseJsonRequest(body, message);
  if (!parsed.ok()) return parsed;
  return message;
}

absl::StatusOr<std::string> Serialize(ConnectCodec codec,
                                      const google::protobuf::Message& message) {
  if (codec == ConnectCodec::kProto) return message.SerializeAsString();
  return MessageToJson(message);
}

// A handler for one unary use case: parse the request, call the core, serialize the answer.
template <typename Request, typename Response>
auto Unary(Homework& homework,
           absl::StatusOr<Response> (Homework::*use_case)(const Caller&, const Request&)) {
  return [&homework, use_case](const Caller& caller,
                               const ConnectCall& call) -> absl::StatusOr<std::string> {
    absl::StatusOr<Request> request = Parse<Request>(call.codec, call.body);
    if (!request.ok()) return request.status();
    absl::StatusOr<Response> response = (homework.*use_case)(caller, *request);
    if (!response.ok()) return response.status();
    return Serialize(call.codec, *response);
  };
}

// UNIMPLEMENTED naming the header for a compressed request body: gzip and friends are taken
// care of by the HTTP listener before this point (ConnectCall::content_encoding).
absl::Status CheckEncoding(const ConnectCall& call, bool streaming) {
  if (call.content_encoding.empty() || call.content_encoding == "identity") {
    return absl::OkStatus();
  }
  return absl::UnimplementedError(
      absl::StrCat(streaming ? "Connect-Content-Encoding" : "Content-Encoding", " \"",
                   call.content_encoding.substr(0, 32), "\" is not supported; send ",
                   streaming ? "identity" : "identity, gzip, deflate or br"));
}

absl::Status DeadlineExceeded(const ConnectCall& call) {
  return absl::DeadlineExceededError(
      absl::StrCat("Connect-Timeout-Ms ", call.timeout_ms, " passed before the call finished"));
}

absl::string_view ProtocolName(BrowserProtocol protocol) {
  switch (protocol) {
    case BrowserProtocol::kGrpcWeb:
      return "grpc_web";
    case BrowserProtocol::kWebSocket:
      return "websocket";
    case BrowserProtocol::kConnect:
      break;
  }
  return "connect";
}

}  // namespace

std::string ConnectEndStreamFrame(const absl::Status& status) {
  nlohmann::json end = nlohmann::json::object();
  if (!status.ok()) end["error"] = ConnectErrorObject(status);
  return ConnectEnvelope(kConnectEndStreamFlag,
                         end.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

absl::StatusOr<std::string> GrpcTimeoutAsMilliseconds(absl::string_view grpc_timeout) {
  if (grpc_timeout.empty()) return std::string();
  const absl::string_view digits = grpc_timeout.substr(0, grpc_timeout.size() - 1);
  int64_t amount = 0;
  const bool valid = !digits.empty() && digits.size() <= 8 &&
                     std::all_of(digits.begin(), digits.end(), absl::ascii_isdigit) &&
                     absl::SimpleAtoi(digits, &amount);
  int64_t milliseconds = -1;
  if (valid) {
    switch (grpc_timeout.back()) {
      case 'H':
        milliseconds = amount * 3600 * 1000;
        break;
      case 'M':
        milliseconds = amount * 60 * 1000;
        break;
      case 'S':
        milliseconds = amount * 1000;
        break;
      case 'm':
        milliseconds = amount;
        break;
      case 'u':
        milliseconds = (amount + 999) / 1000;
        break;
      case 'n':
        milliseconds = (amount + 999999) / 1000000;
        break;
      default:
        break;
    }
  }
  if (milliseconds < 0) {
    return absl::InvalidArgumentError(absl::StrCat("grpc-timeout \"", grpc_timeout.substr(0, 16),
                                                   "\" is not 1-8 digits and a unit (HMSmun)"));
  }
  return absl::StrCat(std::min<int64_t>(milliseconds, 9999999999));
}

std::string ConnectEnvelope(std::uint8_t flags, absl::string_view payload) {
  const auto size = static_cast<std::uint32_t>(payload.size());
  std::string frame;
  frame.reserve(5 + payload.size());
  frame.push_back(static_cast<char>(flags));
  for (int shift = 24; shift >= 0; shift -= 8) {
    frame.push_back(static_cast<char>((size >> shift) & 0xff));
  }
  frame.append(payload.data(), payload.size());
  return frame;
}

absl::StatusOr<std::optional<absl::Time>> ConnectDeadline(absl::string_view timeout_ms,
                                                          absl::Time start) {
  if (timeout_ms.empty()) return std::nullopt;
  int64_t milliseconds = 0;
  const bool digits = timeout_ms.size() <= 10 &&
                      std::all_of(timeout_ms.begin(), timeout_ms.end(), absl::ascii_isdigit);
  if (!digits || !absl::SimpleAtoi(timeout_ms, &milliseconds)) {
    return absl::InvalidArgumentError(absl::StrCat("Connect-Timeout-Ms \"",
                                                   timeout_ms.substr(0, 16),
                                                   "\" is not 1-10 digits of milliseconds"));
  }
  return start + absl::Milliseconds(milliseconds);
}

absl::StatusOr<std::string> ConnectUnenvelope(absl::string_view body) {
  if (body.size() < 5) {
    return absl::InvalidArgumentError("streaming request body is shorter than a frame header");
  }
  const auto flags = static_cast<std::uint8_t>(body[0]);
  std::uint32_t size = 0;
  for (int i = 1; i <= 4; ++i) size = (size << 8) | static_cast<unsigned char>(body[i]);
  if ((flags & kConnectCompressedFlag) != 0) {
    return absl::UnimplementedError("compressed frames are not supported (send identity)");
  }
  if (size != body.size() - 5) {
    return absl::InvalidArgumentError(
        absl::StrCat("streaming request must hold exactly one frame: "
                     "frame length ",
                     size, ", body carries ", body.size() - 5));
  }
  return std::string(body.substr(5));
}

ConnectRoutes::ConnectRoutes(Homework& homework, const TokenVerifier& verifier, JsonLog& log,
                             Metrics* metrics)
    : homework_(homework), verifier_(verifier), log_(log), metrics_(metrics) {
  // One route per unary method (core/unary_methods.h): the use case of Homework with its name.
#define HOMEWORK_CONNECT_UNARY(Method, Request, Response) \
  unary_[#Method] = Unary(homework_, &Homework::Method);
  HOMEWORK_UNARY_METHODS(HOMEWORK_CONNECT_UNARY)
#undef HOMEWORK_CONNECT_UNARY
}

bool ConnectRoutes::IsUnary(absl::string_view method) const { return unary_.contains(method); }

bool ConnectRoutes::IsServerStreaming(absl::string_view method) const {
  return method == "WatchEvents";
}

bool ConnectRoutes::IsSideEffectFree(absl::string_view method) {
  const google::protobuf::ServiceDescriptor* service =
      v1::GetCallerRequest::descriptor()->file()->FindServiceByName("HomeworkService");
  const google::protobuf::MethodDescriptor* found =
      service == nullptr ? nullptr : service->FindMethodByName(std::string(method));
  return found != nullptr &&
         found->options().idempotency_level() == google::protobuf::MethodOptions::NO_SIDE_EFFECTS;
}

absl::StatusOr<Caller> ConnectRoutes::Authenticate(const std::vector<std::string>& authorization,
                                                   absl::Time now) const {
  const std::vector<absl::string_view> values(authorization.begin(), authorization.end());
  return AuthenticateBearer(values, kHttpHeader, verifier_, now);
}

ConnectRoutes::UnaryOutcome ConnectRoutes::RunUnary(const ConnectCall& call) const {
  const absl::Time start = absl::Now();
  const std::string call_id = CallIdOr(call.request_id);
  absl::StatusOr<Caller> caller = Authenticate(call.authorization, start);
  absl::StatusOr<std::optional<absl::Time>> deadline = ConnectDeadline(call.timeout_ms, start);
  absl::Status status = caller.status();
  if (status.ok()) status = deadline.status();
  if (status.ok()) status = CheckEncoding(call, /*streaming=*/false);
  if (status.ok() && *deadline && **deadline <= start) status = DeadlineExceeded(call);
  UnaryOutcome outcome;
  if (status.ok()) {
    caller->call_id = call_id;
    auto handler = unary_.find(call.method);
    if (handler == unary_.end()) {
      status = absl::UnimplementedError(absl::StrCat("no unary method ", call.method));
    } else {
      absl::StatusOr<std::string> body = handler->second(*caller, call);
      status = body.status();
      if (status.ok() && *deadline && absl::Now() > **deadline) status = DeadlineExceeded(call);
      if (status.ok()) outcome.message = *std::move(body);
    }
  }
  LogCall(call.protocol, call.method, call_id, start, caller, status, call.http_get);
  outcome.status = status;
  return outcome;
}

ConnectReply ConnectRoutes::CallUnary(const ConnectCall& call) const {
  UnaryOutcome outcome = RunUnary(call);
  ConnectReply reply;
  if (outcome.status.ok()) {
    reply.content_type =
        std::string(call.codec == ConnectCodec::kProto ? kProtoContentType : kJsonContentType);
    reply.body = std::move(outcome.message);
    return reply;
  }
  ConnectErrorResponse error = ToConnectError(outcome.status);
  reply.http_status = error.http_status;
  reply.content_type = std::string(kJsonContentType);
  reply.body = std::move(error.body);
  return reply;
}

ConnectRoutes::WatchOpening ConnectRoutes::OpenWatch(const ConnectCall& call) const {
  WatchOpening opening{.start = absl::Now(), .call_id = CallIdOr(call.request_id)};
  opening.caller = Authenticate(call.authorization, opening.start);
  absl::StatusOr<std::optional<absl::Time>> deadline =
      ConnectDeadline(call.timeout_ms, opening.start);
  absl::Status status = opening.caller.status();
  if (status.ok()) status = deadline.status();
  if (status.ok()) status = CheckEncoding(call, /*streaming=*/true);
  if (status.ok()) {
    opening.caller->call_id = opening.call_id;
    opening.deadline = *deadline;
    absl::StatusOr<std::string> payload = ConnectUnenvelope(call.body);
    absl::StatusOr<v1::WatchEventsRequest> request =
        payload.ok() ? Parse<v1::WatchEventsRequest>(call.codec, *payload)
                     : absl::StatusOr<v1::WatchEventsRequest>(payload.status());
    status = request.status();
    if (request.ok()) {
      absl::StatusOr<Homework::WatchStart> started =
          homework_.StartWatch(*opening.caller, *request);
      status = started.status();
      if (started.ok()) {
        opening.watch = *std::move(started);
        opening.cursor = EventCursor(opening.watch.after_sequence);
      }
    }
  }
  opening.status = status;
  return opening;
}

absl::StatusOr<std::string> ConnectRoutes::EventMessage(ConnectCodec codec,
                                                        const v1::Event& event) {
  return Serialize(codec, event);
}

void ConnectRoutes::EndWatch(const ConnectCall& call, const WatchOpening& opening,
                             const absl::Status& status) const {
  LogCall(call.protocol, call.method, opening.call_id, opening.start, opening.caller, status);
}

ConnectReply ConnectRoutes::GetCalendarFeed(const CalendarFeedCall& call) const {
  constexpr absl::string_view kMethod = "GetPracticeCalendar";
  const absl::Time start = absl::Now();
  const std::string call_id = CallIdOr(call.request_id);
  absl::StatusOr<Caller> caller = absl::UnauthenticatedError(
      "missing token: send \"Authorization: Bearer <JWT>\" or ?access_token=<JWT>");
  if (call.authorization.size() > 1) {
    caller = Authenticate(call.authorization, start);
  } else if (!call.authorization.empty() && !call.access_token.empty()) {
    caller = absl::InvalidArgumentError(
        "send the token once: Authorization header or access_token parameter, not both");
  } else if (!call.access_token.empty()) {
    caller = verifier_.Verify(call.access_token, start);
  } else if (!call.authorization.empty()) {
    caller = Authenticate(call.authorization, start);
  }
  absl::Status status = caller.status();
  ConnectReply reply;
  if (caller.ok()) {
    caller->call_id = call_id;
    v1::GetPracticeCalendarRequest request;
    request.set_client(call.client);
    absl::StatusOr<v1::PracticeCalendar> calendar = homework_.GetPracticeCalendar(*caller, request);
    status = calendar.status();
    if (calendar.ok()) {
      reply.content_type = "text/calendar; charset=utf-8";
      reply.body = std::move(*calendar->mutable_ics());
      // RFC 6750 2.3: an answer to a URL holding a token must not be kept by shared caches.
      reply.headers.emplace_back("Cache-Control", "private, no-store");
    }
  }
  LogCall(BrowserProtocol::kConnect, kMethod, call_id, start, caller, status);
  if (!status.ok()) {
    ConnectErrorResponse error = ToConnectError(status);
    reply.http_status = error.http_status;
    reply.content_type = std::string(kJsonContentType);
    reply.body = std::move(error.body);
    if (absl::IsUnauthenticated(status)) {
      reply.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"homework\"");
    }
  }
  return reply;
}

void ConnectRoutes::LogCall(BrowserProtocol protocol, absl::string_view method,
                            const std::string& call_id, absl::Time start,
                            const absl::StatusOr<Caller>& caller, const absl::Status& status,
                            bool http_get) const {
  const absl::Duration latency = absl::Now() - start;
  if (metrics_ != nullptr) {
    metrics_->RecordCall(ProtocolName(protocol), method, status.code(), latency);
  }
  homework::LogCall(log_,
                    {.method = method,
                     .protocol = ProtocolName(protocol),
                     .http_get = http_get,
                     .call_id = call_id,
                     .latency = latency},
                    caller, status);
}

}  // namespace therapy::homework
