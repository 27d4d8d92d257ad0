#include "services/homework/rpc/homework_rpc.h"

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "grpc/byte_buffer.h"
#include "grpc/byte_buffer_reader.h"
#include "grpcpp/impl/codegen/proto_utils.h"
#include "grpcpp/impl/codegen/server_callback_handlers.h"
#include "grpcpp/support/method_handler.h"
#include "services/homework/core/request_checks.h"
#include "services/homework/rpc/caller_from_metadata.h"
#include "services/homework/rpc/status_conversion.h"
#include "therapy/homework/v1/homework_service.pb.h"

namespace therapy::homework {
namespace {

// The store's own RESOURCE_EXHAUSTED (a full disk), which an operator must act on.
bool IsStoreFull(const absl::Status& status) {
  return status.code() == absl::StatusCode::kResourceExhausted &&
         absl::StartsWith(status.message(), "the store's disk is full");
}

absl::Status ShuttingDown() {
  return absl::UnavailableError("the server is shutting down: retry on another replica");
}

// The bytes of a received message; takes ownership of `body` (may be null: no message).
std::string TakeBytes(grpc_byte_buffer* body) {
  if (body == nullptr) return {};
  grpc_byte_buffer_reader reader;
  std::string bytes;
  if (grpc_byte_buffer_reader_init(&reader, body)) {
    grpc_slice all = grpc_byte_buffer_reader_readall(&reader);
    bytes.assign(reinterpret_cast<const char*>(GRPC_SLICE_START_PTR(all)), GRPC_SLICE_LENGTH(all));
    grpc_slice_unref(all);
    grpc_byte_buffer_reader_destroy(&reader);
  }
  grpc_byte_buffer_destroy(body);
  return bytes;
}

template <typename Request>
absl::StatusOr<Request> Parse(absl::string_view bytes) {
  Request request;
  absl::Status status = ParseRequest(bytes, request);
  if (!status.ok()) return status;
  return request;
}

}  // namespace

// A unary method on gRPC's synchronous API whose request this glue parses (see the class
// comment). Deserialize never fails: a request that does not parse reaches RunHandler as an
// error, so the call is logged like any other.
template <typename Request, typename Response>
class HomeworkRpc::UnaryHandler final : public grpc::internal::MethodHandler {
 public:
  using Run = std::function<grpc::Status(grpc::ServerContext&, const absl::StatusOr<Request>&,
                                         Response&)>;
  explicit UnaryHandler(Run run) : run_(std::move(run)) {}

  void* Deserialize(grpc_call* /*call*/, grpc_byte_buffer* body, grpc::Status* status,
                    void** /*handler_data*/) override {
    *status = grpc::Status::OK;
    return new absl::StatusOr<Request>(Parse<Request>(TakeBytes(body)));
  }

  void RunHandler(const HandlerParameter& param) override {
    std::unique_ptr<absl::StatusOr<Request>> request(
        static_cast<absl::StatusOr<Request>*>(param.request));
    Response response;
    grpc::Status status = param.status;
    if (status.ok()) {
      status = run_(*static_cast<grpc::ServerContext*>(param.server_context), *request, response);
    }
    grpc::internal::UnaryRunHandlerHelper(param, &response, status);
  }

 private:
  Run run_;
};

template <typename Request, typename Response, typename UseCase>
grpc::Status HomeworkRpc::Handle(grpc::ServerContext& context, absl::string_view method,
                                 const absl::StatusOr<Request>& request, UseCase use_case,
                                 Response& response) {
  const absl::Time start = absl::Now();
  const std::string call_id = CallIdFromMetadata(context);
  absl::StatusOr<Caller> caller = CallerFromMetadata(context, verifier_, start);
  absl::Status status = draining_.load()  ? ShuttingDown()
                        : caller.ok()     ? request.status()
                                          : caller.status();
  if (status.ok()) {
    caller->call_id = call_id;
    absl::StatusOr<Response> result = use_case(*caller, *request);
    status = result.status();
    if (result.ok()) response = *std::move(result);
  }
  LogCall(method, call_id, start, caller, status);
  return ToGrpcStatus(status);
}

void HomeworkRpc::LogCall(absl::string_view method, const std::string& call_id, absl::Time start,
                          const absl::StatusOr<Caller>& caller, const absl::Status& status) {
  nlohmann::json fields = {
      {"method", std::string(method)},
      {"code", absl::StatusCodeToString(status.code())},
      {"latency_ms", absl::ToDoubleMilliseconds(absl::Now() - start)},
      {"call_id", call_id},
  };
  if (caller.ok()) {
    fields["role"] = std::string(RoleName(caller->role));
    fields["practice"] = caller->practice;
  }
  // Messages name fields and resource ids only (never clinical content), so they are logged
  // for server-side failures, where an operator needs them.
  const bool server_fault = status.code() == absl::StatusCode::kInternal ||
                            status.code() == absl::StatusCode::kUnavailable ||
                            status.code() == absl::StatusCode::kUnknown ||
                            IsStoreFull(status);
  if (server_fault) fields["message"] = std::string(status.message());
  log_.Write(server_fault ? LogLevel::kError : LogLevel::kInfo, "rpc", std::move(fields));
}

// One WatchEvents stream. The use case checks the call and fixes its start
// (Homework::StartWatch); the hub then offers it events on its reader thread, which this queues
// (at most kMaxQueued) and writes one at a time. Deletes itself when
// gRPC is done with the call; logs the call then.
class HomeworkRpc::WatchReactor final : public grpc::ServerWriteReactor<v1::Event>,
                                        public WatchListener {
 public:
  WatchReactor(HomeworkRpc& rpc, grpc::CallbackServerContext& context,
               const absl::StatusOr<v1::WatchEventsRequest>& request)
      : rpc_(rpc), start_(absl::Now()), call_id_(CallIdFromMetadata(context)),
        caller_(CallerFromMetadata(context, rpc.verifier_, start_)) {
    if (caller_.ok()) caller_->call_id = call_id_;
    absl::StatusOr<Homework::WatchStart> start =
        rpc_.draining_.load() ? absl::StatusOr<Homework::WatchStart>(ShuttingDown())
        : !caller_.ok()       ? absl::StatusOr<Homework::WatchStart>(caller_.status())
        : !request.ok() ? absl::StatusOr<Homework::WatchStart>(request.status())
                        : rpc_.homework_.StartWatch(*caller_, *request);
    if (!start.ok()) {
      std::lock_guard<std::mutex> lock(mutex_);
      FinishLocked(start.status());
      return;
    }
    // Initial metadata tells the watcher it is live, and from which cursor.
    context.AddInitialMetadata("x-watch-cursor", EventCursor(start->after_sequence));
    StartSendInitialMetadata();
    subscription_ = rpc_.hub_.Subscribe(std::move(start->scope), start->after_sequence, *this);
  }

  bool Offer(std::shared_ptr<const v1::Event> event) override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (finishing_) return true;  // nobody is listening any more: drop it
    if (queue_.size() >= kMaxQueued) {
      refused_ = true;
      return false;
    }
    queue_.push_back(std::move(event));
    if (queue_.size() == 1) StartWrite(queue_.front().get());
    return true;
  }

  void End(const absl::Status& status) override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (finishing_) return;
    if (queue_.empty()) {
      FinishLocked(status);
    } else {
      end_ = status;  // after the queued events
    }
  }

  void OnWriteDone(bool ok) override {
    bool wake = false;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      queue_.pop_front();
      if (!ok) {
        // The stream broke: gRPC cancels the call; OnCancel or OnDone follow.
        FinishLocked(absl::CancelledError("the watcher went away"));
        return;
      }
      if (!queue_.empty()) {
        StartWrite(queue_.front().get());
      } else if (end_) {
        FinishLocked(*end_);
      } else if (refused_) {
        refused_ = false;
        wake = true;
      }
    }
    if (wake) rpc_.hub_.Wake();  // room again: the hub re-reads the log from where it stopped
  }

  void OnCancel() override {
    std::lock_guard<std::mutex> lock(mutex_);
    FinishLocked(absl::CancelledError("the watcher cancelled the call"));
  }

  void OnDone() override {
    rpc_.hub_.Unsubscribe(subscription_);
    rpc_.LogCall("WatchEvents", call_id_, start_, caller_, status_);
    delete this;
  }

 private:
  static constexpr size_t kMaxQueued = 256;

  // Needs `mutex_` held.
  void FinishLocked(const absl::Status& status) {
    if (finishing_) return;
    finishing_ = true;
    status_ = status;
    Finish(ToGrpcStatus(status));
  }

  HomeworkRpc& rpc_;
  const absl::Time start_;
  const std::string call_id_;
  absl::StatusOr<Caller> caller_;
  uint64_t subscription_ = 0;  // 0: never subscribed

  // A std::mutex: taken under the hub's per-watcher lock (see event_hub.cc). Guards the rest.
  std::mutex mutex_;
  std::deque<std::shared_ptr<const v1::Event>> queue_;  // front: being written
  std::optional<absl::Status> end_;
  bool refused_ = false;
  bool finishing_ = false;
  absl::Status status_;  // how the call ended, for the log; set once, before Finish
};

namespace {

// One handler factory per unary method: the use case of Homework with the same name.
using HandlerFactory = std::function<grpc::internal::MethodHandler*()>;

}  // namespace

HomeworkRpc::HomeworkRpc(Homework& homework, EventHub& hub, const TokenVerifier& verifier,
                         JsonLog& log)
    : homework_(homework), hub_(hub), verifier_(verifier), log_(log) {
  std::map<std::string, HandlerFactory, std::less<>> unary;
#define HOMEWORK_RPC(Method, Request, Response)                                                \
  unary[#Method] = [this]() -> grpc::internal::MethodHandler* {                                \
    return new UnaryHandler<v1::Request, v1::Response>(                                        \
        [this](grpc::ServerContext& context, const absl::StatusOr<v1::Request>& request,      \
               v1::Response& response) {                                                       \
          return Handle(                                                                       \
              context, #Method, request,                                                       \
              [this](const Caller& caller, const v1::Request& parsed) {                        \
                return homework_.Method(caller, parsed);                                       \
              },                                                                               \
              response);                                                                       \
        });                                                                                    \
  };
  HOMEWORK_RPC(CreateClient, CreateClientRequest, Client)
  HOMEWORK_RPC(GetClient, GetClientRequest, Client)
  HOMEWORK_RPC(UpdateClient, UpdateClientRequest, Client)
  HOMEWORK_RPC(ListClients, ListClientsRequest, ListClientsResponse)
  HOMEWORK_RPC(CreateAssignment, CreateAssignmentRequest, Assignment)
  HOMEWORK_RPC(GetAssignment, GetAssignmentRequest, Assignment)
  HOMEWORK_RPC(ListAssignments, ListAssignmentsRequest, ListAssignmentsResponse)
  HOMEWORK_RPC(UpdateAssignment, UpdateAssignmentRequest, Assignment)
  HOMEWORK_RPC(ActivateAssignment, ActivateAssignmentRequest, Assignment)
  HOMEWORK_RPC(CancelAssignment, CancelAssignmentRequest, Assignment)
  HOMEWORK_RPC(CompleteAssignment, CompleteAssignmentRequest, Assignment)
  HOMEWORK_RPC(CreateCompletion, CreateCompletionRequest, Completion)
  HOMEWORK_RPC(GetCompletion, GetCompletionRequest, Completion)
  HOMEWORK_RPC(ListCompletions, ListCompletionsRequest, ListCompletionsResponse)
  HOMEWORK_RPC(ReviewCompletion, ReviewCompletionRequest, Completion)
  HOMEWORK_RPC(GetReviewSummary, GetReviewSummaryRequest, ReviewSummary)
  HOMEWORK_RPC(ListTemplates, ListTemplatesRequest, ListTemplatesResponse)
  HOMEWORK_RPC(GetTemplate, GetTemplateRequest, Template)
  HOMEWORK_RPC(CreateTemplate, CreateTemplateRequest, Template)
  HOMEWORK_RPC(UpdateTemplate, UpdateTemplateRequest, Template)
  HOMEWORK_RPC(CreateHierarchy, CreateHierarchyRequest, Hierarchy)
  HOMEWORK_RPC(GetHierarchy, GetHierarchyRequest, Hierarchy)
  HOMEWORK_RPC(ListHierarchies, ListHierarchiesRequest, ListHierarchiesResponse)
  HOMEWORK_RPC(UpdateHierarchy, UpdateHierarchyRequest, Hierarchy)
  HOMEWORK_RPC(AdvanceHierarchy, AdvanceHierarchyRequest, Hierarchy)
  HOMEWORK_RPC(StepBackHierarchy, StepBackHierarchyRequest, Hierarchy)
  HOMEWORK_RPC(ListDueReminders, ListDueRemindersRequest, ListDueRemindersResponse)
  HOMEWORK_RPC(ExportClientRecord, ExportClientRecordRequest, ExportClientRecordResponse)
  HOMEWORK_RPC(GetCaller, GetCallerRequest, CallerIdentity)
  HOMEWORK_RPC(GetPracticeCalendar, GetPracticeCalendarRequest, PracticeCalendar)
  HOMEWORK_RPC(RaiseSafetyFlag, RaiseSafetyFlagRequest, SafetyFlag)
  HOMEWORK_RPC(GetSafetyFlag, GetSafetyFlagRequest, SafetyFlag)
  HOMEWORK_RPC(ListSafetyFlags, ListSafetyFlagsRequest, ListSafetyFlagsResponse)
  HOMEWORK_RPC(AcknowledgeSafetyFlag, AcknowledgeSafetyFlagRequest, SafetyFlag)
  HOMEWORK_RPC(ResolveSafetyFlag, ResolveSafetyFlagRequest, SafetyFlag)
  HOMEWORK_RPC(ListAttentionItems, ListAttentionItemsRequest, ListAttentionItemsResponse)
  HOMEWORK_RPC(CreateSession, CreateSessionRequest, Session)
  HOMEWORK_RPC(GetSession, GetSessionRequest, Session)
  HOMEWORK_RPC(ListSessions, ListSessionsRequest, ListSessionsResponse)
  HOMEWORK_RPC(JoinSession, JoinSessionRequest, Session)
  HOMEWORK_RPC(EndSession, EndSessionRequest, Session)
#undef HOMEWORK_RPC

  const google::protobuf::ServiceDescriptor& service =
      *v1::GetCallerRequest::descriptor()->file()->FindServiceByName("HomeworkService");
  int added = 0;  // gRPC's index of the next method added
  for (int i = 0; i < service.method_count(); ++i) {
    const google::protobuf::MethodDescriptor& method = *service.method(i);
    const std::string& path = paths_.emplace_back(
        absl::StrCat("/", service.full_name(), "/", method.name()));
    if (method.name() == "WatchEvents") {
      AddMethod(new grpc::internal::RpcServiceMethod(
          path.c_str(), grpc::internal::RpcMethod::SERVER_STREAMING, nullptr));
      MarkMethodRawCallback(
          added++, new grpc::internal::CallbackServerStreamingHandler<grpc::ByteBuffer, v1::Event>(
                 [this](grpc::CallbackServerContext* context, const grpc::ByteBuffer* body) {
                   std::vector<grpc::Slice> slices;
                   std::string bytes;
                   if (body->Dump(&slices).ok()) {
                     for (const grpc::Slice& slice : slices) {
                       bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
                     }
                   }
                   return new WatchReactor(*this, *context,
                                           Parse<v1::WatchEventsRequest>(bytes));
                 }));
      continue;
    }
    auto factory = unary.find(method.name());
    // A method without its line above is left out, and callers get UNIMPLEMENTED.
    if (factory == unary.end()) continue;
    AddMethod(new grpc::internal::RpcServiceMethod(
        path.c_str(), grpc::internal::RpcMethod::NORMAL_RPC, factory->second()));
    ++added;
  }
}

}  // namespace therapy::homework
