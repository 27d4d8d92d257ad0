#ifndef SERVICES_HOMEWORK_CONNECT_HTTP_LISTENER_H_
#define SERVICES_HOMEWORK_CONNECT_HTTP_LISTENER_H_

#include <cstddef>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/homework/connect/http_exchange.h"

namespace therapy::homework {

struct HttpListenerOptions {
  std::string host = "127.0.0.1";
  int port = 0;  // 0: any free port; HttpListener::port() tells which
  // Both set: HTTPS (TLS 1.2+) with this PEM certificate chain and key; both empty: plain HTTP.
  std::string tls_cert_path;
  std::string tls_key_path;
  // Threads running the event loop: every connection, read and write. They never block.
  int io_threads = 2;
  // Threads running HttpHandler::Handle (the core's blocking calls), and how many requests may
  // wait for one before new ones are refused with 503 `unavailable`.
  int blocking_threads = 8;
  std::size_t max_queued_requests = 4096;
  // I/O threads that may run a request HttpHandler::RunsInline accepts at the same time,
  // instead of handing it to the blocking pool; the other io_threads - inline_threads keep
  // serving every connection meanwhile. Capped at io_threads - 1 (so 0 with one I/O thread).
  int inline_threads = 1;
  // Open connections at most; a new one over the cap closes the connection idle the longest,
  // or, with none idle, is answered 503 and closed.
  std::size_t max_connections = 20000;
  std::size_t max_header_bytes = 16 * 1024;  // request line and headers; over: 431, closed
  std::size_t max_body_bytes = 1024 * 1024;  // over: 413 `resource_exhausted`, closed
  // From a request's first byte to the end of its headers, then to the end of its body.
  absl::Duration header_timeout = absl::Seconds(10);
  absl::Duration body_timeout = absl::Seconds(30);
  // A kept-alive connection waiting for the first byte of its next request.
  absl::Duration idle_timeout = absl::Seconds(60);
  // Writing one answer, or one chunk of a stream.
  absl::Duration write_timeout = absl::Seconds(30);
};

// An event-driven HTTP/1.1 server (Boost.Beast on Asio): a fixed pool of I/O threads serves
// every connection, each on its own strand, with the limits above; requests are read whole and
// handed to `handler` on a bounded pool of blocking threads (or run on the I/O thread that
// read them, for the short requests the handler names, within `inline_threads`); answers are
// written in request order (keep-alive, pipelining-safe: the next request is read only once
// the previous answer is written). Streamed answers keep a read pending, so a closed peer is
// noticed at once. A WebSocket handshake the handler accepts turns its connection into a
// WebSocket (text messages in order, a bounded write queue, pings at half the idle timeout).
class HttpListener {
 public:
  // UNAVAILABLE when the address cannot be bound, INVALID_ARGUMENT for unusable TLS files.
  // `handler` must outlive the listener.
  static absl::StatusOr<std::unique_ptr<HttpListener>> Start(const HttpListenerOptions& options,
                                                             HttpHandler& handler);
  ~HttpListener();

  int port() const;
  std::size_t open_connections() const;
  std::size_t open_streams() const;
  std::size_t open_sockets() const;  // accepted WebSockets

  // Stops accepting and closes the connections that wait for a request; the others close once
  // their current answer is written. Streams must be ended by the application (Finish).
  void StopAccepting();
  // Waits up to `grace` for the open connections to finish, then closes the rest and joins
  // every thread. Safe to call more than once.
  void Shutdown(absl::Duration grace);

 public:
  class Impl;  // the Beast side, in http_listener.cc only

 private:
  explicit HttpListener(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace therapy::homework

#endif  // SERVICES_HOMEWORK_CONNECT_HTTP_LISTENER_H_
