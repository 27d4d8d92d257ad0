#include "services/homework/connect/live_socket.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace therapy::homework {
namespace {

using live_session::EventWatch;
using live_session::HandleId;

// A participant's watch on the hub: opened through ConnectRoutes::OpenWatch (the participant's
// token, the same checks, audit and log line as a Connect WatchEvents), then subscribed. Live at
// once or never: the hub is in this process.
class HubWatch final : public EventWatch, public WatchListener {
 public:
  HubWatch(const ConnectRoutes& routes, EventHub& hub, const v1::WatchEventsRequest& request,
           const std::string& token, InProcessSessionService::EventCallback on_event)
      : hub_(hub),
        watch_(routes, ConnectCall{.method = "WatchEvents",
                                   .codec = ConnectCodec::kProto,
                                   .protocol = BrowserProtocol::kWebSocket,
                                   .body = ConnectEnvelope(0, request.SerializeAsString()),
                                   .authorization = {absl::StrCat("Bearer ", token)},
                                   .content_encoding = "identity"}),
        on_event_(std::move(on_event)),
        cursor_(watch_.opening().cursor) {
    const ConnectRoutes::WatchOpening& opening = watch_.opening();
    if (!opening.status.ok()) {
      watch_.End(opening.status);
      return;
    }
    subscription_ = hub_.Subscribe(opening.watch.scope, opening.watch.after_sequence, *this);
  }

  ~HubWatch() override {
    hub_.Unsubscribe(subscription_);
    watch_.End(absl::CancelledError("the participant left"));
  }

  bool WaitUntilLive(absl::Duration) override { return watch_.opening().status.ok(); }

  std::string cursor() const override {
    absl::MutexLock lock(&mutex_);
    return cursor_;
  }

  bool Offer(std::shared_ptr<const v1::Event> event) override {
    {
      absl::MutexLock lock(&mutex_);
      cursor_ = event->cursor();
    }
    on_event_(*event);
    return true;  // the socket queues it, or closes when its peer does not read
  }

  void End(const absl::Status& status) override { watch_.End(status); }

 private:
  EventHub& hub_;
  OpenedWatch watch_;
  const InProcessSessionService::EventCallback on_event_;
  uint64_t subscription_ = 0;
  mutable absl::Mutex mutex_;
  std::string cursor_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace

absl::StatusOr<std::string> InProcessSessionService::CallBytes(
    const google::protobuf::MethodDescriptor& method, std::string request,
    const std::string& token) const {
  ConnectCall call{
      .method = method.name(),
      .codec = ConnectCodec::kProto,
      .protocol = BrowserProtocol::kWebSocket,
      .body = std::move(request),
      .authorization = {absl::StrCat("Bearer ", token)},
      .timeout_ms = absl::StrCat(absl::ToInt64Milliseconds(deadline_)),
      .content_encoding = "identity",
  };
  ConnectRoutes::UnaryOutcome outcome = routes_.RunUnary(call);
  if (!outcome.status.ok()) return outcome.status;
  return std::move(outcome.message);
}

std::unique_ptr<EventWatch> InProcessSessionService::Watch(v1::WatchEventsRequest request,
                                                           std::string token,
                                                           EventCallback on_event) {
  return std::make_unique<HubWatch>(routes_, hub_, request, token, std::move(on_event));
}

// One participant's socket: its messages go to the engine as requests of its handle.
class LiveSockets::Socket final : public HttpSocket {
 public:
  Socket(LiveSockets& sockets, HandleId handle, std::shared_ptr<HttpSocketSink> sink)
      : sockets_(sockets), handle_(handle), sink_(std::move(sink)) {}

  void Received(std::string text) override {
    if (pending_->fetch_add(1) >= sockets_.options_.max_pending_requests) {
      sink_->Close(1008, "too many requests waiting for an answer");
      return;
    }
    sockets_.engine_->HandleMessage(handle_, std::move(text),
                                    [pending = pending_] { pending->fetch_sub(1); });
  }

  void Closed() override {
    {
      absl::MutexLock lock(&sockets_.mutex_);
      sockets_.sinks_.erase(handle_);
    }
    sockets_.engine_->HandleGone(handle_);
  }

 private:
  LiveSockets& sockets_;
  const HandleId handle_;
  const std::shared_ptr<HttpSocketSink> sink_;
  // Shared with the engine's callbacks, which may outlive the socket.
  std::shared_ptr<std::atomic<int>> pending_ = std::make_shared<std::atomic<int>>(0);
};

LiveSockets::LiveSockets(const LiveSocketOptions& options, const ConnectRoutes& routes,
                         EventHub& hub, JsonLog& log)
    : options_(options),
      engine_(std::make_unique<live_session::SessionEngine>(
          live_session::EngineOptions{.call_deadline = options.call_deadline,
                                      .workers = options.workers},
          std::make_unique<InProcessSessionService>(routes, hub, options.call_deadline), this,
          [&log](absl::string_view line) {
            // Handles, request kinds, method names and codes only (session_engine.h).
            log.Write(LogLevel::kInfo, "live_session", {{"detail", line}});
          })) {}

LiveSockets::~LiveSockets() { engine_.reset(); }

HttpSocketAnswer LiveSockets::Accept() {
  return HttpSocketAnswer{
      .max_message_bytes = options_.max_message_bytes,
      .start = [this](std::shared_ptr<HttpSocketSink> sink) -> std::shared_ptr<HttpSocket> {
        const HandleId handle = next_handle_.fetch_add(1);
        {
          absl::MutexLock lock(&mutex_);
          sinks_[handle] = sink;
        }
        return std::make_shared<Socket>(*this, handle, std::move(sink));
      },
  };
}

std::size_t LiveSockets::open() const {
  absl::MutexLock lock(&mutex_);
  return sinks_.size();
}

void LiveSockets::Push(HandleId handle, const std::string& json) {
  std::shared_ptr<HttpSocketSink> sink;
  {
    absl::MutexLock lock(&mutex_);
    auto it = sinks_.find(handle);
    if (it == sinks_.end()) return;
    sink = it->second;
  }
  sink->Send(json);
}

}  // namespace therapy::homework
