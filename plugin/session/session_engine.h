#ifndef PLUGIN_SESSION_SESSION_ENGINE_H_
#define PLUGIN_SESSION_SESSION_ENGINE_H_

// The live-session protocol (docs/janus-plugin-protocol.md): requests in, answers and events out
// through an EventSink, whatever carries them: the Janus plugin's handles (plugin/janus/
// janus_abi.cc) or the service's own WebSocket (services/homework/connect/live_socket.h). A thin
// adapter: it bridges each participant's token and calls to the homework service and relays the
// service's events; the session, its drafts and its summary are the service's.

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "plugin/session/session_registry.h"
#include "plugin/session/session_service.h"
#include "plugin/session/wire.h"
#include "plugin/session/worker_pool.h"

namespace therapy::homework::live_session {

// How the engine runs.
struct EngineOptions {
  // How long a join waits for the participant's event relay to be live before answering.
  absl::Duration call_deadline = absl::Seconds(5);
  // Threads that run requests off the carrier's threads, 1-64.
  int workers = 4;
};

// Where the engine's events go: one JSON body to one handle. Called from worker and relay
// threads at once; a handle that is gone is ignored.
class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual void Push(HandleId handle, const std::string& json) = 0;
};

// One line for the log. Never given clinical content: request kinds, handles and codes only.
using LogFunction = std::function<void(absl::string_view line)>;

class SessionEngine {
 public:
  // `sink` must outlive the plugin.
  SessionEngine(const EngineOptions& options, std::unique_ptr<SessionService> service,
                EventSink* sink, LogFunction log);
  SessionEngine(const SessionEngine&) = delete;
  SessionEngine& operator=(const SessionEngine&) = delete;
  // Finishes the queued work, then cancels every event relay.
  ~SessionEngine();

  // Queues a message body from `handle`; returns at once. The answer is an event. `done`, when
  // set, runs once the request is answered (the carrier's count of requests in flight).
  void HandleMessage(HandleId handle, std::string body, std::function<void()> done = nullptr);

  // The handle is going away: leaves its session (after its queued messages). Returns at once.
  void HandleGone(HandleId handle);

 private:
  void Process(HandleId handle, const std::string& body);
  // Each answers the sender itself on success; an error is answered by Process.
  absl::Status Join(HandleId handle, const PluginRequest& request);
  absl::Status ReplaceToken(HandleId handle, const PluginRequest& request);
  absl::Status Call(HandleId handle, const PluginRequest& request);
  void Leave(HandleId handle);

  void Broadcast(const SessionMembers& members, const std::string& json);
  // Opens the participant's WatchEvents relay (replacing any), resuming after `after_cursor`.
  void StartRelay(HandleId handle, Role role, const std::string& practice,
                  const std::string& client, const std::string& token,
                  const std::string& after_cursor);
  void StopRelay(HandleId handle);

  EngineOptions options_;
  std::unique_ptr<SessionService> service_;
  EventSink* sink_;
  LogFunction log_;
  SessionRegistry registry_;
  absl::Mutex relays_mutex_;
  struct RelayEntry {
    std::string practice;
    std::unique_ptr<EventWatch> relay;
  };
  std::map<HandleId, RelayEntry> relays_ ABSL_GUARDED_BY(relays_mutex_);
  std::unique_ptr<WorkerPool> workers_;  // last: stopped first
};

}  // namespace therapy::homework::live_session

#endif  // PLUGIN_SESSION_SESSION_ENGINE_H_
