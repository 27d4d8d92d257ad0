#ifndef SERVICES_HOMEWORK_CONNECT_LIVE_SOCKET_H_
#define SERVICES_HOMEWORK_CONNECT_LIVE_SOCKET_H_

// The live session over a WebSocket on the browser listener (`GET /live/v1`), for hosts without
// Janus: the same protocol as the Janus plugin (docs/janus-plugin-protocol.md: join, token, call,
// leave; joined, ack, result, error, presence, event), run by the same engine
// (plugin/session/session_engine.h), with the service reached in process instead of over gRPC.
// One hop each way over a socket the page keeps open, where a Connect call costs a fetch
// (benchmarks/README.md, "What a hop through a server costs, by browser transport").
//
// Every call still runs as the participant, with its own token, through ConnectRoutes (the same
// authentication, authorisation, audit, log line and metrics as a Connect call, protocol
// "websocket"); each participant's events come from its own watch on the EventHub.

#include <atomic>
#include <cstddef>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "plugin/session/session_engine.h"
#include "plugin/session/session_service.h"
#include "services/homework/connect/connect_routes.h"
#include "services/homework/connect/http_exchange.h"
#include "services/homework/logging/json_log.h"
#include "services/homework/runtime/event_hub.h"

namespace therapy::homework {

// The service as the engine sees it, in process: calls through `routes` (with the participant's
// token as a bearer Authorization), watches on `hub`. Everything passed in must outlive it.
class InProcessSessionService final : public live_session::SessionService {
 public:
  InProcessSessionService(const ConnectRoutes& routes, EventHub& hub, absl::Duration deadline)
      : routes_(routes), hub_(hub), deadline_(deadline) {}

  // One call through ConnectRoutes::RunUnary (binary), as a Connect call of protocol "websocket".
  absl::StatusOr<std::string> CallBytes(const google::protobuf::MethodDescriptor& method,
                                        std::string request,
                                        const std::string& token) const override;
  std::unique_ptr<live_session::EventWatch> Watch(v1::WatchEventsRequest request, std::string token,
                                                  EventCallback on_event) override;

 private:
  const ConnectRoutes& routes_;
  EventHub& hub_;
  const absl::Duration deadline_;
};

struct LiveSocketOptions {
  // Threads that run the participants' requests (one participant's in order), 1-64.
  int workers = 4;
  // The deadline of each call, as the Janus plugin's call_deadline_ms.
  absl::Duration call_deadline = absl::Seconds(5);
  // A larger message closes the socket (1009).
  std::size_t max_message_bytes = 64 * 1024;
  // Requests of one socket not answered yet; one more closes the socket (1008).
  int max_pending_requests = 32;
};

// The sockets of `GET /live/v1` and the engine behind them: each accepted socket is a handle of
// the engine; what the engine pushes to a handle is sent on its socket. Thread-safe.
class LiveSockets final : public live_session::EventSink {
 public:
  LiveSockets(const LiveSocketOptions& options, const ConnectRoutes& routes, EventHub& hub,
              JsonLog& log);
  // Finishes the requests under way, then closes every participant's watch.
  ~LiveSockets() override;

  // The answer to an accepted handshake: a new participant's socket.
  HttpSocketAnswer Accept();

  void Push(live_session::HandleId handle, const std::string& json) override;

  // Sockets open now.
  std::size_t open() const;

 private:
  class Socket;

  const LiveSocketOptions options_;
  std::atomic<live_session::HandleId> next_handle_{1};
  mutable absl::Mutex mutex_;
  absl::flat_hash_map<live_session::HandleId, std::shared_ptr<HttpSocketSink>> sinks_
      ABSL_GUARDED_BY(mutex_);
  std::unique_ptr<live_session::SessionEngine> engine_;  // last: stopped first
};

}  // namespace therapy::homework

#endif  // SERVICES_HOMEWORK_CONNECT_LIVE_SOCKET_H_
