#ifndef SERVICES_HOMEWORK_CONNECT_CONNECT_SERVER_H_
#define SERVICES_HOMEWORK_CONNECT_CONNECT_SERVER_H_

#include <atomic>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/homework/auth/token_verifier.h"
#include "services/homework/connect/connect_routes.h"
#include "services/homework/connect/http_exchange.h"
#include "services/homework/connect/http_listener.h"
#include "services/homework/connect/live_socket.h"
#include "services/homework/core/homework.h"
#include "services/homework/logging/json_log.h"
#include "services/homework/metrics/metrics.h"
#include "services/homework/runtime/event_hub.h"

namespace therapy::homework {

struct ConnectServerOptions {
  // Address, TLS, threads and per-connection limits of the HTTP listener.
  HttpListenerOptions http;
  // Origins (scheme://host[:port], exact match) whose browsers may call; others get no CORS
  // headers, so their pages cannot read the answers.
  std::vector<std::string> allowed_origins;
  // Answer GET /metrics on this listener.
  bool serve_metrics = true;
};

// The browser-facing listener (docs/connect-api.md): HomeworkService over Connect (POST unary
// and streaming, GET for side-effect-free methods) and gRPC-Web, the live session's WebSocket
// (/live/v1, live_socket.h), the calendar feed, and /metrics, on the event-driven HTTP listener
// (http_listener.h), calling the same core as the gRPC listener. WatchEvents streams are fed by the
// process's EventHub, like the gRPC ones. Start() fails with a message naming the option at fault.
// Everything passed in must outlive it.
class ConnectServer final : public HttpHandler {
 public:
  static absl::StatusOr<std::unique_ptr<ConnectServer>> Start(const ConnectServerOptions& options,
                                                              Homework& homework, EventHub& hub,
                                                              const TokenVerifier& verifier,
                                                              JsonLog& log, Metrics& metrics);
  ~ConnectServer() override;

  int port() const { return listener_->port(); }
  std::size_t open_connections() const { return listener_->open_connections(); }
  std::size_t open_streams() const { return listener_->open_streams(); }

  // The server is stopping: every call from now on is answered `unavailable`.
  void Drain() { draining_.store(true); }
  // Stops accepting, gives open connections up to `grace` to finish (streams are ended by the
  // hub's Close first), then closes the rest. Safe to call more than once.
  void Shutdown(absl::Duration grace);

  HttpAnswer Handle(HttpRequest request) override;
  HttpResponse Refuse(int http_status, const absl::Status& status) override;
  // True for a POST or GET of a unary method marked NO_SIDE_EFFECTS (the reads): those may run
  // on an I/O thread (HttpListenerOptions::inline_threads).
  bool RunsInline(const HttpRequest& request) const override;

 private:
  ConnectServer(const ConnectServerOptions& options, Homework& homework, EventHub& hub,
                const TokenVerifier& verifier, JsonLog& log, Metrics& metrics);

  HttpAnswer HandleRpc(const HttpRequest& request, const std::string& method);
  HttpAnswer HandleConnectGet(const HttpRequest& request, const std::string& method);
  HttpAnswer Stream(ConnectCall call, int framing);
  HttpResponse Preflight(const HttpRequest& request);
  HttpResponse CalendarFeed(const HttpRequest& request, const std::string& client);
  // GET /live/v1: the live session's WebSocket (live_socket.h), from an allowed Origin.
  HttpAnswer OpenLiveSocket(const HttpRequest& request);
  // Adds the CORS headers for an allowed Origin.
  void AddCors(const HttpRequest& request, HttpResponse& response) const;

  ConnectServerOptions options_;
  EventHub& hub_;
  Metrics& metrics_;
  ConnectRoutes routes_;
  // The unary methods marked NO_SIDE_EFFECTS, by name (RunsInline).
  absl::flat_hash_set<std::string> reads_;
  std::atomic<bool> draining_{false};
  LiveSockets live_;  // after routes_, before listener_: its sockets end first
  std::unique_ptr<HttpListener> listener_;
};

// GET /metrics alone, for --metrics_listen: operators' scrapes off the browsers' address.
class MetricsServer final : public HttpHandler {
 public:
  static absl::StatusOr<std::unique_ptr<MetricsServer>> Start(const HttpListenerOptions& options,
                                                              Metrics& metrics);
  int port() const { return listener_->port(); }
  void Shutdown() { listener_->Shutdown(absl::ZeroDuration()); }

  HttpAnswer Handle(HttpRequest request) override;
  HttpResponse Refuse(int http_status, const absl::Status& status) override;

 private:
  explicit MetricsServer(Metrics& metrics) : metrics_(metrics) {}
  Metrics& metrics_;
  std::unique_ptr<HttpListener> listener_;
};

}  // namespace therapy::homework

#endif  // SERVICES_HOMEWORK_CONNECT_CONNECT_SERVER_H_
