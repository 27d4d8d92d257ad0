#include "plugin/janus/service_bridge.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "services/homework/client/call.h"

namespace therapy::homework::janus_plugin {
namespace {

using ::google::protobuf::MethodDescriptor;

}  // namespace

ServiceBridge::ServiceBridge(std::shared_ptr<grpc::Channel> channel, absl::Duration deadline)
    : channel_(std::move(channel)),
      stub_(std::make_unique<grpc::GenericStub>(channel_)),
      deadline_(deadline) {}

absl::StatusOr<std::unique_ptr<ServiceBridge>> ServiceBridge::Open(const PluginOptions& options) {
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = client::OpenChannel(
      options.service_address, {.tls = options.tls, .ca_file = options.ca_file});
  if (!channel.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("general.ca_file: ", channel.status().message()));
  }
  return std::unique_ptr<ServiceBridge>(
      new ServiceBridge(*std::move(channel), options.call_deadline));
}

absl::StatusOr<std::string> ServiceBridge::CallBytes(const MethodDescriptor& method,
                                                     std::string request,
                                                     const std::string& token) const {
  grpc::ClientContext context;
  client::SetBearer(context, token);
  context.set_deadline(client::DeadlineAfter(deadline_));
  return client::CallUnary(*stub_, context, method, request);
}

std::unique_ptr<EventWatch> ServiceBridge::Watch(therapy::homework::v1::WatchEventsRequest request,
                                                 std::string token, EventCallback on_event) {
  return std::make_unique<EventRelay>(channel_, std::move(request), std::move(token),
                                      std::move(on_event));
}

EventRelay::EventRelay(std::shared_ptr<grpc::Channel> channel,
                       therapy::homework::v1::WatchEventsRequest request, std::string token,
                       EventCallback on_event)
    : channel_(std::move(channel)),
      stub_(therapy::homework::v1::HomeworkService::NewStub(channel_)),
      request_(std::move(request)),
      token_(std::move(token)),
      on_event_(std::move(on_event)),
      cursor_(request_.after_cursor()) {
  thread_ = std::thread([this] { Run(); });
}

EventRelay::~EventRelay() {
  {
    absl::MutexLock lock(&mutex_);
    stopping_ = true;
    if (context_ != nullptr) context_->TryCancel();
  }
  thread_.join();
}

bool EventRelay::WaitUntilLive(absl::Duration timeout) {
  return live_.WaitForNotificationWithTimeout(timeout);
}

std::string EventRelay::cursor() const {
  absl::MutexLock lock(&mutex_);
  return cursor_;
}

void EventRelay::Run() {
  absl::Duration backoff = absl::Milliseconds(200);
  while (true) {
    grpc::ClientContext context;
    client::SetBearer(context, token_);
    therapy::homework::v1::WatchEventsRequest request = request_;
    {
      absl::MutexLock lock(&mutex_);
      if (stopping_) return;
      context_ = &context;
      request.set_after_cursor(cursor_);
    }
    std::unique_ptr<grpc::ClientReader<therapy::homework::v1::Event>> reader =
        stub_->WatchEvents(&context, request);
    reader->WaitForInitialMetadata();
    const auto& metadata = context.GetServerInitialMetadata();
    if (auto start = metadata.find("x-watch-cursor"); start != metadata.end()) {
      absl::MutexLock lock(&mutex_);
      if (cursor_.empty()) cursor_ = std::string(start->second.data(), start->second.size());
      if (!live_.HasBeenNotified()) live_.Notify();
      backoff = absl::Milliseconds(200);
    }
    therapy::homework::v1::Event event;
    while (reader->Read(&event)) {
      {
        absl::MutexLock lock(&mutex_);
        cursor_ = event.cursor();
      }
      on_event_(event);
    }
    const grpc::Status ended = reader->Finish();
    absl::MutexLock lock(&mutex_);
    context_ = nullptr;
    // Retrying cannot help these: the participant's token or rights changed. A `token` request
    // starts a new relay.
    switch (ended.error_code()) {
      case grpc::StatusCode::UNAUTHENTICATED:
      case grpc::StatusCode::PERMISSION_DENIED:
      case grpc::StatusCode::INVALID_ARGUMENT:
      case grpc::StatusCode::NOT_FOUND:
        return;
      default:
        break;
    }
    // Wait before reconnecting, unless told to stop meanwhile.
    auto stopping = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) { return stopping_; };
    if (mutex_.AwaitWithTimeout(absl::Condition(&stopping), backoff)) return;
    backoff = std::min(backoff * 2, absl::Seconds(10));
  }
}

}  // namespace therapy::homework::janus_plugin
