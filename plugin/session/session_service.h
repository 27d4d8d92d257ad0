#ifndef PLUGIN_SESSION_SESSION_SERVICE_H_
#define PLUGIN_SESSION_SESSION_SERVICE_H_

// What the live-session engine (session_engine.h) needs of the homework service, whichever way it
// reaches it: over gRPC from the Janus plugin (plugin/janus/service_bridge.h), or inside the
// service itself behind its WebSocket (services/homework/connect/live_socket.h). Every call
// carries the participant's own bearer token, so the service authorises each action as that
// person.

#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "therapy/homework/v1/event.pb.h"
#include "therapy/homework/v1/homework_service.pb.h"

namespace therapy::homework::live_session {

// The unary HomeworkService method called `name`, which `call` may run; INVALID_ARGUMENT naming
// `method` otherwise (without the name the page sent unless it is a method: it may be logged).
absl::StatusOr<const google::protobuf::MethodDescriptor*> CallableMethod(const std::string& name);

// Whether `name` is a unary HomeworkService method, so `call` can run it (and a log line may
// name it: anything else the page sent is never logged).
bool IsCallableMethod(const std::string& name);

// One participant's WatchEvents, relayed event by event. Destroying it stops the relay: no
// callback runs once the destructor has returned.
class EventWatch {
 public:
  virtual ~EventWatch() = default;
  // Waits until the service says the watch is live (every event written after that is relayed);
  // false when it did not within `timeout`.
  virtual bool WaitUntilLive(absl::Duration timeout) = 0;
  // The cursor to resume after: the last relayed event's, or the watch's start.
  virtual std::string cursor() const = 0;
};

class SessionService {
 public:
  using EventCallback = std::function<void(const therapy::homework::v1::Event&)>;

  virtual ~SessionService() = default;

  // Any unary HomeworkService method by its name, request and response as protobuf JSON
  // (camelCase). An unknown method, WatchEvents, or a body that does not parse as the method's
  // request is INVALID_ARGUMENT naming `method` or `body`; the service's errors keep their code
  // and details.
  absl::StatusOr<std::string> CallJson(const std::string& method, const std::string& request_json,
                                       const std::string& token) const;

  // A unary call with typed messages; `method` is the bare name, e.g. "GetCaller".
  absl::Status Call(const std::string& method, const google::protobuf::Message& request,
                    google::protobuf::Message* response, const std::string& token) const;

  // The one call each way to the service implements: `method` (a callable one) with its request
  // serialized, as the participant with `token`; the response serialized, or the service's error.
  virtual absl::StatusOr<std::string> CallBytes(const google::protobuf::MethodDescriptor& method,
                                                std::string request,
                                                const std::string& token) const = 0;

  // Opens `request`'s watch with `token` and calls `on_event` with each event (on a thread of
  // the implementation's; it must not block). A watch the service refuses or ends (token expired,
  // care team changed) stops relaying; the page then sends a fresh token.
  virtual std::unique_ptr<EventWatch> Watch(therapy::homework::v1::WatchEventsRequest request,
                                            std::string token, EventCallback on_event) = 0;
};

}  // namespace therapy::homework::live_session

#endif  // PLUGIN_SESSION_SESSION_SERVICE_H_
