#include "plugin/janus/service_bridge.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/util/json_util.h>

#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "plugin/janus/wire.h"

namespace therapy::homework::janus_plugin {
namespace {

using ::google::protobuf::Message;
using ::google::protobuf::MethodDescriptor;

constexpr char kServiceName[] = "therapy.homework.v1.HomeworkService";

// HomeworkService's descriptor; null only if the generated code were not linked in.
const google::protobuf::ServiceDescriptor* Service() {
  static const google::protobuf::ServiceDescriptor* service =
      google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(kServiceName);
  return service;
}

void Authorize(grpc::ClientContext& context, const std::string& token) {
  context.AddMetadata("authorization", absl::StrCat("Bearer ", token));
}

// The unary method called `name`, or INVALID_ARGUMENT naming `method`.
absl::StatusOr<const MethodDescriptor*> UnaryMethod(const std::string& name) {
  if (Service() == nullptr) {
    return absl::InternalError(absl::StrCat(kServiceName, " is not in the descriptor pool"));
  }
  const MethodDescriptor* method = Service()->FindMethodByName(name);
  if (method == nullptr) {
    return absl::InvalidArgumentError("method: HomeworkService has no such method");
  }
  if (method->server_streaming() || method->client_streaming()) {
    return absl::InvalidArgumentError(
        absl::StrCat("method: ", name, " streams; the plugin relays events itself (`event`)"));
  }
  return method;
}

}  // namespace

bool IsCallableMethod(const std::string& name) { return UnaryMethod(name).ok(); }

absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  return StatusWithRpcDetails(static_cast<absl::StatusCode>(status.error_code()),
                              status.error_message(), status.error_details());
}

ServiceBridge::ServiceBridge(std::shared_ptr<grpc::Channel> channel, absl::Duration deadline)
    : channel_(std::move(channel)),
      stub_(std::make_unique<grpc::GenericStub>(channel_)),
      deadline_(deadline) {}

absl::StatusOr<std::unique_ptr<ServiceBridge>> ServiceBridge::Open(const PluginOptions& options) {
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  if (options.tls) {
    grpc::SslCredentialsOptions ssl;
    if (!options.ca_file.empty()) {
      std::ifstream file(options.ca_file);
      std::stringstream pem;
      pem << file.rdbuf();
      if (!file || pem.str().empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat("general.ca_file: cannot read \"", options.ca_file, "\""));
      }
      ssl.pem_root_certs = pem.str();
    }
    credentials = grpc::SslCredentials(ssl);
  } else {
    credentials = grpc::InsecureChannelCredentials();
  }
  std::shared_ptr<grpc::Channel> channel =
      grpc::CreateChannel(options.service_address, credentials);
  return std::unique_ptr<ServiceBridge>(
      new ServiceBridge(std::move(channel), options.call_deadline));
}

absl::Status ServiceBridge::Call(const std::string& method, const Message& request,
                                 Message* response, const std::string& token) const {
  std::string serialized;
  if (!request.SerializeToString(&serialized)) {
    return absl::InternalError(absl::StrCat("cannot serialize the ", method, " request"));
  }
  grpc::Slice slice(serialized);
  grpc::ByteBuffer request_buffer(&slice, 1);
  grpc::ByteBuffer response_buffer;
  grpc::ClientContext context;
  Authorize(context, token);
  context.set_deadline(absl::ToChronoTime(absl::Now() + deadline_));

  absl::Notification done;
  grpc::Status result;
  stub_->UnaryCall(&context, absl::StrCat("/", kServiceName, "/", method), grpc::StubOptions(),
                   &request_buffer, &response_buffer, [&](grpc::Status status) {
                     result = std::move(status);
                     done.Notify();
                   });
  done.WaitForNotification();
  if (!result.ok()) return FromGrpcStatus(result);

  std::vector<grpc::Slice> slices;
  if (!response_buffer.Dump(&slices).ok()) {
    return absl::InternalError(absl::StrCat("cannot read the ", method, " response"));
  }
  std::string bytes;
  for (const grpc::Slice& s : slices) {
    bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  if (!response->ParseFromString(bytes)) {
    return absl::InternalError(absl::StrCat("cannot parse the ", method, " response"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ServiceBridge::CallJson(const std::string& method_name,
                                                    const std::string& request_json,
                                                    const std::string& token) const {
  absl::StatusOr<const MethodDescriptor*> method = UnaryMethod(method_name);
  if (!method.ok()) return method.status();
  google::protobuf::MessageFactory* factory = google::protobuf::MessageFactory::generated_factory();
  std::unique_ptr<Message> request(factory->GetPrototype((*method)->input_type())->New());
  std::unique_ptr<Message> response(factory->GetPrototype((*method)->output_type())->New());

  const auto parsed = google::protobuf::util::JsonStringToMessage(request_json, request.get());
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("body: not a ", (*method)->input_type()->name(),
                                                   ": ", parsed.message().ToString()));
  }
  if (absl::Status called = Call(method_name, *request, response.get(), token); !called.ok()) {
    return called;
  }
  std::string json;
  const auto printed = google::protobuf::util::MessageToJsonString(*response, &json);
  if (!printed.ok()) {
    return absl::InternalError(absl::StrCat("cannot print the ", method_name, " response"));
  }
  return json;
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
    Authorize(context, token_);
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
