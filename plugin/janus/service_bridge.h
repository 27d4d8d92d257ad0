#ifndef PLUGIN_JANUS_SERVICE_BRIDGE_H_
#define PLUGIN_JANUS_SERVICE_BRIDGE_H_

// The Janus plugin's way to the homework service (session_service.h over gRPC): calls, each with
// the participant's own bearer token and the configured deadline, and WatchEvents relays.
// Blocking: callers are the engine's workers, never Janus's threads.

#include <google/protobuf/message.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "plugin/janus/plugin_options.h"
#include "plugin/session/session_service.h"
#include "therapy/homework/v1/homework_service.grpc.pb.h"

namespace therapy::homework::janus_plugin {

using live_session::EventWatch;
using live_session::SessionService;

class ServiceBridge final : public SessionService {
 public:
  // A channel to `options.service_address` (TLS when asked; a CA file that cannot be read is
  // INVALID_ARGUMENT naming `general.ca_file`). Connects lazily.
  static absl::StatusOr<std::unique_ptr<ServiceBridge>> Open(const PluginOptions& options);

  // One call over the channel with the participant's token and the deadline; the service's
  // errors keep their details (client/rpc_status.h), which ErrorEvent (wire.h) shows.
  absl::StatusOr<std::string> CallBytes(const google::protobuf::MethodDescriptor& method,
                                        std::string request,
                                        const std::string& token) const override;

  // An EventRelay (below) on this bridge's channel.
  std::unique_ptr<EventWatch> Watch(therapy::homework::v1::WatchEventsRequest request,
                                    std::string token, EventCallback on_event) override;

 private:
  ServiceBridge(std::shared_ptr<grpc::Channel> channel, absl::Duration deadline);

  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<grpc::GenericStub> stub_;
  absl::Duration deadline_;
};

// One participant's WatchEvents stream, opened with its own token and relayed event by event
// to `on_event` (on the relay's own thread). Reconnects after a failure, resuming from the last
// cursor, with a growing pause (200 ms to 10 s); stops for good when the service refuses the
// token or the access (UNAUTHENTICATED, PERMISSION_DENIED, INVALID_ARGUMENT, NOT_FOUND). The
// destructor cancels the stream and joins the thread.
class EventRelay final : public EventWatch {
 public:
  using EventCallback = std::function<void(const therapy::homework::v1::Event&)>;

  EventRelay(std::shared_ptr<grpc::Channel> channel,
             therapy::homework::v1::WatchEventsRequest request, std::string token,
             EventCallback on_event);
  EventRelay(const EventRelay&) = delete;
  EventRelay& operator=(const EventRelay&) = delete;
  ~EventRelay() override;

  // Waits until the service says the stream is live (every event written after that is
  // relayed); false when it did not within `timeout`.
  bool WaitUntilLive(absl::Duration timeout) override;

  // The cursor to resume after: the last relayed event's, or the stream's start.
  std::string cursor() const override;

 private:
  void Run();

  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<therapy::homework::v1::HomeworkService::Stub> stub_;
  therapy::homework::v1::WatchEventsRequest request_;
  std::string token_;
  EventCallback on_event_;
  absl::Notification live_;
  mutable absl::Mutex mutex_;
  bool stopping_ ABSL_GUARDED_BY(mutex_) = false;
  grpc::ClientContext* context_ ABSL_GUARDED_BY(mutex_) = nullptr;
  std::string cursor_ ABSL_GUARDED_BY(mutex_);
  std::thread thread_;
};

}  // namespace therapy::homework::janus_plugin

#endif  // PLUGIN_JANUS_SERVICE_BRIDGE_H_
