#include "services/homework/rpc/homework_rpc.h"

#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "absl/time/clock.h"
#include "services/homework/rpc/caller_from_metadata.h"
#include "services/homework/rpc/status_conversion.h"

namespace therapy::homework {

HomeworkRpc::HomeworkRpc(Homework& homework, EventHub& hub, const TokenVerifier& verifier,
                         JsonLog& log)
    : homework_(homework), hub_(hub), verifier_(verifier), log_(log) {}

template <typename Response, typename UseCase>
grpc::Status HomeworkRpc::Handle(grpc::ServerContext& context, absl::string_view method,
                                 UseCase use_case, Response& response) {
  const absl::Time start = absl::Now();
  const std::string call_id = CallIdFromMetadata(context);
  absl::StatusOr<Caller> caller = CallerFromMetadata(context, verifier_, start);
  absl::Status status = caller.status();
  if (caller.ok()) {
    caller->call_id = call_id;
    absl::StatusOr<Response> result = use_case(*caller);
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
                            status.code() == absl::StatusCode::kUnknown;
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
               const v1::WatchEventsRequest& request)
      : rpc_(rpc), start_(absl::Now()), call_id_(CallIdFromMetadata(context)),
        caller_(CallerFromMetadata(context, rpc.verifier_, start_)) {
    if (caller_.ok()) caller_->call_id = call_id_;
    absl::StatusOr<Homework::WatchStart> start =
        caller_.ok() ? rpc_.homework_.StartWatch(*caller_, request)
                     : absl::StatusOr<Homework::WatchStart>(caller_.status());
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

grpc::ServerWriteReactor<v1::Event>* HomeworkRpc::WatchEvents(
    grpc::CallbackServerContext* context, const v1::WatchEventsRequest* request) {
  return new WatchReactor(*this, *context, *request);
}

#define HOMEWORK_RPC(Method, Request, Response)                                              \
  grpc::Status HomeworkRpc::Method(grpc::ServerContext* context, const v1::Request* request, \
                                   v1::Response* response) {                                 \
    return Handle(                                                                           \
        *context, #Method,                                                                   \
        [&](const Caller& caller) { return homework_.Method(caller, *request); }, *response); \
  }

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

#undef HOMEWORK_RPC

}  // namespace therapy::homework
