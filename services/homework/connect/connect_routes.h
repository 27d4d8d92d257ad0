#ifndef SERVICES_HOMEWORK_CONNECT_CONNECT_ROUTES_H_
#define SERVICES_HOMEWORK_CONNECT_CONNECT_ROUTES_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/homework/auth/token_verifier.h"
#include "services/homework/core/homework.h"
#include "services/homework/logging/json_log.h"
#include "services/homework/metrics/metrics.h"

namespace therapy::homework {

// How messages travel: proto JSON (application/json, application/connect+json) or the binary
// wire format (application/proto, application/connect+proto).
enum class ConnectCodec { kJson, kProto };

// Which protocol carried a call, for the log line and the metrics: Connect (POST or GET),
// gRPC-Web, or the live session's WebSocket (live_socket.h).
enum class BrowserProtocol { kConnect, kGrpcWeb, kWebSocket };

// One incoming Connect call, already taken apart by the HTTP listener.
struct ConnectCall {
  std::string method;  // "CreateClient", from POST /therapy.homework.v1.HomeworkService/<method>
  ConnectCodec codec = ConnectCodec::kJson;
  BrowserProtocol protocol = BrowserProtocol::kConnect;
  bool http_get = false;  // a Connect GET (logged as such)
  std::string body;       // unary: the bare message; streaming: the one enveloped message
  // Every Authorization header of the request, in order: none or several are
  // `unauthenticated`.
  std::vector<std::string> authorization;
  std::string request_id;  // the X-Request-Id header; empty when absent
  // The Connect-Timeout-Ms header, empty when absent: the call's deadline in milliseconds,
  // 1-10 digits.
  std::string timeout_ms;
  // How the request body is compressed as it reaches the routes: unary calls, the
  // Content-Encoding header; streaming calls, Connect-Content-Encoding. Empty or "identity"
  // when the body arrives uncompressed (the HTTP listener decompresses what it can itself and
  // then passes "identity"); anything else is `unimplemented`.
  std::string content_encoding;
};

// GET /calendar/v1/practices/{practice}/clients/{client}/practice.ics, taken apart.
struct CalendarFeedCall {
  std::string client;                      // "practices/{practice}/clients/{client}", from the path
  std::vector<std::string> authorization;  // every Authorization header of the request
  std::string access_token;  // the access_token query parameter (RFC 6750 2.3); empty when absent
  std::string request_id;    // the X-Request-Id header; empty when absent
};

// A unary answer: HTTP status, content type and body (the message, or a Connect error).
struct ConnectReply {
  int http_status = 200;
  std::string content_type;
  std::string body;
  // Further response headers, for example WWW-Authenticate.
  std::vector<std::pair<std::string, std::string>> headers;
};

// The deadline a Connect-Timeout-Ms header sets for a call starting at `start`: nullopt when
// the header is empty, `start` + the timeout otherwise (0 ms: already passed).
// INVALID_ARGUMENT naming the header when it is not 1-10 ASCII digits.
absl::StatusOr<std::optional<absl::Time>> ConnectDeadline(absl::string_view timeout_ms,
                                                          absl::Time start);

// Envelope flags of the Connect streaming framing, and of gRPC-Web's (same envelope; its
// trailers travel in a frame with flag 0x80).
inline constexpr std::uint8_t kConnectEndStreamFlag = 0x02;
inline constexpr std::uint8_t kConnectCompressedFlag = 0x01;
inline constexpr std::uint8_t kGrpcWebTrailersFlag = 0x80;

// The Connect-Timeout-Ms equivalent (milliseconds, as digits) of a gRPC `grpc-timeout` header
// ("100m", "5S", "1H": 1-8 digits and a unit); empty for an empty header. INVALID_ARGUMENT
// naming the header otherwise.
absl::StatusOr<std::string> GrpcTimeoutAsMilliseconds(absl::string_view grpc_timeout);

// The end-stream frame of a Connect stream: `{}` or `{"error": {...}}`.
std::string ConnectEndStreamFrame(const absl::Status& status);

// One frame: 1 flag byte, 4-byte big-endian length, payload.
std::string ConnectEnvelope(std::uint8_t flags, absl::string_view payload);

// The payload of a body holding exactly one uncompressed frame; INVALID_ARGUMENT otherwise.
absl::StatusOr<std::string> ConnectUnenvelope(absl::string_view body);

// The Connect glue of HomeworkService: method name -> handler over the core. Each call is the
// same five steps as the gRPC glue (rpc/homework_rpc.h): caller from the Authorization header
// (same TokenVerifier), parse, one core call, convert (connect_errors.h), reply; one log line
// per call (method, code, latency, call id; no clinical content). Knows no HTTP library.
// Thread-safe; the core, verifier and log must outlive it.
class ConnectRoutes {
 public:
  // `metrics` may be null.
  ConnectRoutes(Homework& homework, const TokenVerifier& verifier, JsonLog& log,
                Metrics* metrics = nullptr);

  bool IsUnary(absl::string_view method) const;
  bool IsServerStreaming(absl::string_view method) const;
  // Whether `method` is marked `option idempotency_level = NO_SIDE_EFFECTS` in
  // homework_service.proto: those, and only those, may be called with Connect GET.
  static bool IsSideEffectFree(absl::string_view method);

  // A unary call's outcome before any protocol shapes it: the status and, when OK, the
  // serialized response message in the call's codec. Logged and counted here.
  struct UnaryOutcome {
    absl::Status status;
    std::string message;
  };
  UnaryOutcome RunUnary(const ConnectCall& call) const;

  // Runs a unary method; `call.method` must satisfy IsUnary. Never fails: errors are replies.
  // A call with a Connect-Timeout-Ms whose deadline has passed when it would start, or passes
  // before it finishes, is `deadline_exceeded` (the core cannot be interrupted, so a write
  // may have been committed: as with gRPC deadlines, read before retrying).
  ConnectReply CallUnary(const ConnectCall& call) const;

  // GetPracticeCalendar for calendar apps: the feed as text/calendar with HTTP 200, or a Connect
  // JSON error with its HTTP status. The token comes from the Authorization header or the
  // access_token query parameter (exactly one; RFC 6750 2.1 and 2.3), since calendar apps that
  // subscribe to a URL cannot send headers. 401 answers carry `WWW-Authenticate: Bearer`.
  // Neither the token nor the URL holding it is ever logged.
  ConnectReply GetCalendarFeed(const CalendarFeedCall& call) const;

  // The start of a WatchEvents stream (the one server-streaming method): caller, deadline,
  // encoding, the one enveloped request, then Homework::StartWatch (validation, authorisation,
  // audit, where the stream starts). When `status` is not OK the stream ends at once with it;
  // otherwise the transport subscribes `watch` to the event hub. Either way it calls EndWatch
  // once, when the stream is over.
  struct WatchOpening {
    absl::Time start;
    std::string call_id;
    absl::StatusOr<Caller> caller = absl::UnauthenticatedError("not authenticated yet");
    absl::Status status;
    Homework::WatchStart watch;
    std::optional<absl::Time> deadline;
    std::string cursor;  // EventCursor of watch.after_sequence
  };
  WatchOpening OpenWatch(const ConnectCall& call) const;
  // One event as a message in `codec`.
  static absl::StatusOr<std::string> EventMessage(ConnectCodec codec, const v1::Event& event);
  // Logs and counts a finished stream.
  void EndWatch(const ConnectCall& call, const WatchOpening& opening,
                const absl::Status& status) const;

 private:
  using UnaryHandler =
      std::function<absl::StatusOr<std::string>(const Caller&, const ConnectCall&)>;

  absl::StatusOr<Caller> Authenticate(const std::vector<std::string>& authorization,
                                      absl::Time now) const;
  void LogCall(BrowserProtocol protocol, absl::string_view method, const std::string& call_id,
               absl::Time start, const absl::StatusOr<Caller>& caller, const absl::Status& status,
               bool http_get = false) const;

  Homework& homework_;
  const TokenVerifier& verifier_;
  JsonLog& log_;
  Metrics* metrics_;
  absl::flat_hash_map<std::string, UnaryHandler> unary_;
};

// A WatchEvents call opened through `routes` (OpenWatch), with its one log line: End writes it
// (EndWatch) the first time, whichever end of the watch comes first (the peer gone, the hub
// closed, the deadline). Used by the Connect stream and the live session's watches.
class OpenedWatch {
 public:
  OpenedWatch(const ConnectRoutes& routes, ConnectCall call)
      : routes_(routes), call_(std::move(call)), opening_(routes.OpenWatch(call_)) {}

  const ConnectCall& call() const { return call_; }
  const ConnectRoutes::WatchOpening& opening() const { return opening_; }
  // Logs and counts the finished watch with `status`; later calls do nothing.
  void End(const absl::Status& status) {
    if (!ended_.exchange(true)) routes_.EndWatch(call_, opening_, status);
  }

 private:
  const ConnectRoutes& routes_;
  const ConnectCall call_;
  const ConnectRoutes::WatchOpening opening_;
  std::atomic<bool> ended_{false};
};

}  // namespace therapy::homework

#endif  // SERVICES_HOMEWORK_CONNECT_CONNECT_ROUTES_H_
