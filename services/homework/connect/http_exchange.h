#ifndef SERVICES_HOMEWORK_CONNECT_HTTP_EXCHANGE_H_
#define SERVICES_HOMEWORK_CONNECT_HTTP_EXCHANGE_H_

// What the event-driven HTTP listener (http_listener.h) and the protocols on it
// (connect_server.h) exchange, without any HTTP library in sight: the listener is the only
// translation unit that sees Boost.Beast (docs/decisions/0012-event-driven-http-edge.md).

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace therapy::homework {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

// One request, read whole (headers within the header limits, body within the body limit).
struct HttpRequest {
  std::string method;   // "GET", "POST", "OPTIONS", ...
  std::string target;   // path and query, as sent
  HttpHeaders headers;  // every header line in order, names as sent
  std::string body;
  // A WebSocket opening handshake (RFC 6455 4.2.1): the handler may answer it with an
  // HttpSocketAnswer.
  bool websocket_upgrade = false;

  // The first value of header `name` (case-insensitive); empty when absent.
  std::string Header(absl::string_view name) const;
  // Every value of header `name`, in order (case-insensitive).
  std::vector<std::string> Headers(absl::string_view name) const;
  // The path without the query.
  absl::string_view Path() const;
  // The value of query parameter `name`, percent-decoded; nullopt when absent.
  std::optional<std::string> Query(absl::string_view name) const;
};

// A whole answer.
struct HttpResponse {
  int status = 200;
  HttpHeaders headers;
  std::string body;
};

// The sending end of a streamed (chunked) answer; the listener implements it. Thread-safe:
// any thread may call it; the writes happen on the connection's I/O strand, in order.
class HttpStreamSink {
 public:
  virtual ~HttpStreamSink() = default;
  // Queues one chunk. False (and nothing queued) when the stream is over (peer gone, finished)
  // or when too many chunks wait; in the latter case `on_room`, if set, runs once the queue has
  // drained.
  virtual bool Write(std::string chunk) = 0;
  // Queues `last` (may be empty) and ends the answer; the connection then closes. Later calls
  // do nothing.
  virtual void Finish(std::string last) = 0;
  // Runs (on the I/O strand) after a refused Write once the queue is empty again.
  virtual void SetOnRoom(std::function<void()> on_room) = 0;
};

// The application's side of an open stream. The listener calls Closed exactly once, when the
// stream is over for whatever reason (finished, peer gone, write failed or timed out, server
// stopping), and Expired when the stream's deadline passes first. Both run on the I/O strand
// and must not block.
class HttpStream {
 public:
  virtual ~HttpStream() = default;
  virtual void Expired() = 0;
  virtual void Closed() = 0;
};

// A streamed answer: the head (status, headers; no body) goes out at once, then `start` runs
// on the I/O strand with the sink and returns the application's stream.
struct HttpStreamAnswer {
  HttpResponse head;
  std::optional<absl::Time> deadline;  // Expired() is called then
  std::function<std::shared_ptr<HttpStream>(std::shared_ptr<HttpStreamSink>)> start;
};

// The sending end of a WebSocket the listener accepted. Thread-safe: any thread may call it; the
// writes happen on the connection's I/O strand, in order.
class HttpSocketSink {
 public:
  virtual ~HttpSocketSink() = default;
  // Queues one text message. False (and nothing queued) when the socket is closed, or when too
  // many messages wait: a peer that does not read then loses its socket (closed with 1008,
  // "too slow"), not the server its memory.
  virtual bool Send(std::string text) = 0;
  // Sends what is queued, then closes with `code` (RFC 6455 7.4.1) and `reason` (at most 123
  // bytes, never clinical content). Later calls do nothing.
  virtual void Close(int code, std::string reason) = 0;
};

// The application's side of an accepted WebSocket. The listener calls Received with each text
// message, in order, and the next message is read only once it returns; then Closed exactly once,
// when the socket is over for whatever reason (closed by either side, a message over the limit
// or not text, the peer silent past the idle timeout, the server stopping). Both run on the I/O
// strand and must not block.
class HttpSocket {
 public:
  virtual ~HttpSocket() = default;
  virtual void Received(std::string text) = 0;
  virtual void Closed() = 0;
};

// The answer to a WebSocket upgrade request: the listener completes the handshake (101), then
// `start` runs on the I/O strand with the sink and returns the application's side. Only for
// requests with `websocket_upgrade`; the listener answers any other with 400.
struct HttpSocketAnswer {
  // Larger messages close the socket with 1009.
  std::size_t max_message_bytes = 64 * 1024;
  std::function<std::shared_ptr<HttpSocket>(std::shared_ptr<HttpSocketSink>)> start;
};

using HttpAnswer = std::variant<HttpResponse, HttpStreamAnswer, HttpSocketAnswer>;

// The protocols served by a listener. Handle runs on the listener's bounded pool of blocking
// threads, so it may call the core; or, for a request RunsInline says yes to, on the I/O
// thread that read it, when fewer than HttpListenerOptions::inline_threads I/O threads are
// running such a request already (so the others keep serving every connection). Refuse and
// RunsInline run on an I/O thread and must be quick: Refuse shapes the listener's own
// refusals (body too large, overloaded, ...).
class HttpHandler {
 public:
  virtual ~HttpHandler() = default;
  virtual HttpAnswer Handle(HttpRequest request) = 0;
  virtual HttpResponse Refuse(int http_status, const absl::Status& status) = 0;
  // True for a request whose Handle is short and answers whole (no stream): it may then skip
  // the two thread hand-offs of the blocking pool (docs/decisions/0012-event-driven-http-edge.md,
  // "Short reads on the I/O threads").
  virtual bool RunsInline(const HttpRequest& request) const {
    (void)request;
    return false;
  }
};

}  // namespace therapy::homework

#endif  // SERVICES_HOMEWORK_CONNECT_HTTP_EXCHANGE_H_
