#include "services/homework/rpc/homework_rpc.h"

#include <string>
#include <utility>

#include "absl/time/clock.h"
#include "services/homework/rpc/caller_from_metadata.h"
#include "services/homework/rpc/status_conversion.h"

namespace therapy::homework {

HomeworkRpc::HomeworkRpc(Homework& homework, const TokenVerifier& verifier, JsonLog& log)
    : homework_(homework), verifier_(verifier), log_(log) {}

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

grpc::Status HomeworkRpc::WatchEvents(grpc::ServerContext* context,
                                      const v1::WatchEventsRequest* request,
                                      grpc::ServerWriter<v1::Event>* writer) {
  const absl::Time start = absl::Now();
  const std::string call_id = CallIdFromMetadata(*context);
  absl::StatusOr<Caller> caller = CallerFromMetadata(*context, verifier_, start);
  absl::Status status = caller.status();
  if (caller.ok()) {
    caller->call_id = call_id;
    status = homework_.WatchEvents(
        *caller, *request,
        Homework::WatchSink{
            // Initial metadata tells the watcher it is live, and from which cursor.
            .started =
                [context, writer](const std::string& cursor) {
                  context->AddInitialMetadata("x-watch-cursor", cursor);
                  writer->SendInitialMetadata();
                },
            .event = [writer](const v1::Event& event) { return writer->Write(event); },
            .cancelled = [context] { return context->IsCancelled(); }});
  }
  LogCall("WatchEvents", call_id, start, caller, status);
  return ToGrpcStatus(status);
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

#undef HOMEWORK_RPC

}  // namespace therapy::homework
