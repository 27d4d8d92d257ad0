#ifndef SERVICES_HOMEWORK_CONNECT_CONNECT_ROUTES_H_
#define SERVICES_HOMEWORK_CONNECT_CONNECT_ROUTES_H_

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

namespace therapy::homework {

// How messages travel: proto JSON (application/json, application/connect+json) or the binary
// wire format (application/proto, application/connect+proto).
enum class ConnectCodec { kJson, kProto };

// One incoming Connect call, already taken apart by the HTTP listener.
struct ConnectCall {
  std::string method;  // "CreateClient", from POST /therapy.homework.v1.HomeworkService/<method>
  ConnectCodec codec = ConnectCodec::kJson;
  std::string body;           // unary: the bare message; streaming: the one enveloped message
  std::string authorization;  // the Authorization header; empty when absent
  std::string request_id;     // the X-Request-Id header; empty when absent
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
  std::string client;         // "practices/{practice}/clients/{client}", from the path
  std::string authorization;  // the Authorization header; empty when absent
  std::string access_token;   // the access_token query parameter (RFC 6750 2.3); empty when absent
  std::string request_id;     // the X-Request-Id header; empty when absent
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

// Envelope flags of the Connect streaming framing.
inline constexpr std::uint8_t kConnectEndStreamFlag = 0x02;
inline constexpr std::uint8_t kConnectCompressedFlag = 0x01;

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
  ConnectRoutes(Homework& homework, const TokenVerifier& verifier, JsonLog& log);

  bool IsUnary(absl::string_view method) const;
  bool IsServerStreaming(absl::string_view method) const;

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

  // Runs WatchEvents (the one server-streaming method). `started` gets the cursor the stream
  // continues after once the core has fixed it (not called when the call fails first). Each
  // event goes to `write_frame` as a whole frame; the stream ends when `write_frame` returns
  // false, `cancelled` returns true, or the core ends it (StopWatching); a Connect-Timeout-Ms
  // ends it at its deadline with `deadline_exceeded` in the end-stream frame. Returns the
  // mandatory end-stream frame to send last (`{}` or `{"error": {...}}`). Blocks the calling
  // thread for the life of the stream.
  std::string Watch(const ConnectCall& call,
                    const std::function<void(const std::string& cursor)>& started,
                    const std::function<bool(const std::string& frame)>& write_frame,
                    const std::function<bool()>& cancelled) const;

 private:
  using UnaryHandler =
      std::function<absl::StatusOr<std::string>(const Caller&, const ConnectCall&)>;

  absl::StatusOr<Caller> Authenticate(absl::string_view authorization, absl::Time now) const;
  void LogCall(absl::string_view method, const std::string& call_id, absl::Time start,
               const absl::StatusOr<Caller>& caller, const absl::Status& status) const;

  Homework& homework_;
  const TokenVerifier& verifier_;
  JsonLog& log_;
  absl::flat_hash_map<std::string, UnaryHandler> unary_;
};

}  // namespace therapy::homework

#endif  // SERVICES_HOMEWORK_CONNECT_CONNECT_ROUTES_H_
