#ifndef PLUGIN_JANUS_HOMEWORK_PLUGIN_H_
#define PLUGIN_JANUS_HOMEWORK_PLUGIN_H_

// The plugin's logic behind the C ABI (janus_abi.cc): requests of docs/janus-plugin-protocol.md
// in, events out through an EventSink. Janus-free, so it can run and be tested without Janus.
// A thin adapter: it bridges each participant's token and calls to the homework service and
// relays the service's events; the session, its drafts and its summary are the service's.

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "plugin/janus/plugin_options.h"
#include "plugin/janus/service_bridge.h"
#include "plugin/janus/session_registry.h"
#include "plugin/janus/wire.h"
#include "plugin/janus/worker_pool.h"

namespace therapy::homework::janus_plugin {

// Where the plugin's events go: one JSON body to one handle. Called from worker and relay
// threads at once; a handle that is gone is ignored.
class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual void Push(HandleId handle, const std::string& json) = 0;
};

// One line for the log. Never given clinical content: request kinds, handles and codes only.
using LogFunction = std::function<void(absl::string_view line)>;

class HomeworkPlugin {
 public:
  // `sink` must outlive the plugin.
  HomeworkPlugin(const PluginOptions& options, std::unique_ptr<ServiceBridge> service,
                 EventSink* sink, LogFunction log);
  HomeworkPlugin(const HomeworkPlugin&) = delete;
  HomeworkPlugin& operator=(const HomeworkPlugin&) = delete;
  // Finishes the queued work, then cancels every event relay.
  ~HomeworkPlugin();

  // Queues a message body from `handle`; returns at once. The answer is an event.
  void HandleMessage(HandleId handle, std::string body);

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

  PluginOptions options_;
  std::unique_ptr<ServiceBridge> service_;
  EventSink* sink_;
  LogFunction log_;
  SessionRegistry registry_;
  absl::Mutex relays_mutex_;
  struct RelayEntry {
    std::string practice;
    std::unique_ptr<EventRelay> relay;
  };
  std::map<HandleId, RelayEntry> relays_ ABSL_GUARDED_BY(relays_mutex_);
  std::unique_ptr<WorkerPool> workers_;  // last: stopped first
};

}  // namespace therapy::homework::janus_plugin

#endif  // PLUGIN_JANUS_HOMEWORK_PLUGIN_H_
