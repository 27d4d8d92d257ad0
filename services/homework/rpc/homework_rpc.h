#ifndef SERVICES_HOMEWORK_RPC_HOMEWORK_RPC_H_
#define SERVICES_HOMEWORK_RPC_HOMEWORK_RPC_H_

#include "services/homework/auth/token_verifier.h"
#include "services/homework/core/event_hub.h"
#include "services/homework/core/homework.h"
#include "services/homework/logging/json_log.h"
#include "therapy/homework/v1/homework_service.grpc.pb.h"

namespace therapy::homework {

// The gRPC glue of HomeworkService. Each handler is the same five steps: caller from metadata,
// (request already parsed by gRPC), one core call, status conversion, return; and one log line
// per call at this boundary, with the method, code, latency and call id (no clinical content).
// Keeps no state; the core, the hub and the verifier must outlive it.
//
// WatchEvents alone uses gRPC's callback API: each stream is a WatchReactor fed by the EventHub,
// so open streams hold no thread (docs/decisions/0011-watch-fan-out.md).
class HomeworkRpc final
    : public v1::HomeworkService::WithCallbackMethod_WatchEvents<v1::HomeworkService::Service> {
 public:
  HomeworkRpc(Homework& homework, EventHub& hub, const TokenVerifier& verifier, JsonLog& log);

  grpc::Status CreateClient(grpc::ServerContext* context, const v1::CreateClientRequest* request,
                            v1::Client* response) override;
  grpc::Status GetClient(grpc::ServerContext* context, const v1::GetClientRequest* request,
                         v1::Client* response) override;
  grpc::Status UpdateClient(grpc::ServerContext* context, const v1::UpdateClientRequest* request,
                            v1::Client* response) override;
  grpc::Status ListClients(grpc::ServerContext* context, const v1::ListClientsRequest* request,
                           v1::ListClientsResponse* response) override;
  grpc::Status CreateAssignment(grpc::ServerContext* context,
                                const v1::CreateAssignmentRequest* request,
                                v1::Assignment* response) override;
  grpc::Status GetAssignment(grpc::ServerContext* context, const v1::GetAssignmentRequest* request,
                             v1::Assignment* response) override;
  grpc::Status ListAssignments(grpc::ServerContext* context,
                               const v1::ListAssignmentsRequest* request,
                               v1::ListAssignmentsResponse* response) override;
  grpc::Status UpdateAssignment(grpc::ServerContext* context,
                                const v1::UpdateAssignmentRequest* request,
                                v1::Assignment* response) override;
  grpc::Status ActivateAssignment(grpc::ServerContext* context,
                                  const v1::ActivateAssignmentRequest* request,
                                  v1::Assignment* response) override;
  grpc::Status CancelAssignment(grpc::ServerContext* context,
                                const v1::CancelAssignmentRequest* request,
                                v1::Assignment* response) override;
  grpc::Status CompleteAssignment(grpc::ServerContext* context,
                                  const v1::CompleteAssignmentRequest* request,
                                  v1::Assignment* response) override;
  grpc::Status CreateCompletion(grpc::ServerContext* context,
                                const v1::CreateCompletionRequest* request,
                                v1::Completion* response) override;
  grpc::Status GetCompletion(grpc::ServerContext* context, const v1::GetCompletionRequest* request,
                             v1::Completion* response) override;
  grpc::Status ListCompletions(grpc::ServerContext* context,
                               const v1::ListCompletionsRequest* request,
                               v1::ListCompletionsResponse* response) override;
  grpc::Status ReviewCompletion(grpc::ServerContext* context,
                                const v1::ReviewCompletionRequest* request,
                                v1::Completion* response) override;
  grpc::Status GetReviewSummary(grpc::ServerContext* context,
                                const v1::GetReviewSummaryRequest* request,
                                v1::ReviewSummary* response) override;
  grpc::Status ListTemplates(grpc::ServerContext* context, const v1::ListTemplatesRequest* request,
                             v1::ListTemplatesResponse* response) override;
  grpc::Status GetTemplate(grpc::ServerContext* context, const v1::GetTemplateRequest* request,
                           v1::Template* response) override;
  grpc::Status CreateTemplate(grpc::ServerContext* context,
                              const v1::CreateTemplateRequest* request,
                              v1::Template* response) override;
  grpc::Status UpdateTemplate(grpc::ServerContext* context,
                              const v1::UpdateTemplateRequest* request,
                              v1::Template* response) override;
  grpc::Status CreateHierarchy(grpc::ServerContext* context,
                               const v1::CreateHierarchyRequest* request,
                               v1::Hierarchy* response) override;
  grpc::Status GetHierarchy(grpc::ServerContext* context, const v1::GetHierarchyRequest* request,
                            v1::Hierarchy* response) override;
  grpc::Status ListHierarchies(grpc::ServerContext* context,
                               const v1::ListHierarchiesRequest* request,
                               v1::ListHierarchiesResponse* response) override;
  grpc::Status UpdateHierarchy(grpc::ServerContext* context,
                               const v1::UpdateHierarchyRequest* request,
                               v1::Hierarchy* response) override;
  grpc::Status AdvanceHierarchy(grpc::ServerContext* context,
                                const v1::AdvanceHierarchyRequest* request,
                                v1::Hierarchy* response) override;
  grpc::Status StepBackHierarchy(grpc::ServerContext* context,
                                 const v1::StepBackHierarchyRequest* request,
                                 v1::Hierarchy* response) override;
  grpc::Status ListDueReminders(grpc::ServerContext* context,
                                const v1::ListDueRemindersRequest* request,
                                v1::ListDueRemindersResponse* response) override;
  grpc::Status ExportClientRecord(grpc::ServerContext* context,
                                  const v1::ExportClientRecordRequest* request,
                                  v1::ExportClientRecordResponse* response) override;
  grpc::Status GetCaller(grpc::ServerContext* context, const v1::GetCallerRequest* request,
                         v1::CallerIdentity* response) override;
  grpc::Status GetPracticeCalendar(grpc::ServerContext* context,
                                   const v1::GetPracticeCalendarRequest* request,
                                   v1::PracticeCalendar* response) override;
  // The synchronous WatchEvents of the base is never called (the mixin marks the method
  // callback); named here only so the override below does not hide it.
  using v1::HomeworkService::WithCallbackMethod_WatchEvents<
      v1::HomeworkService::Service>::WatchEvents;
  grpc::ServerWriteReactor<v1::Event>* WatchEvents(grpc::CallbackServerContext* context,
                                                   const v1::WatchEventsRequest* request) override;

 private:
  class WatchReactor;

  // Authenticates, runs `use_case` with the caller, moves its result into `response`, converts
  // the status and logs the call.
  template <typename Response, typename UseCase>
  grpc::Status Handle(grpc::ServerContext& context, absl::string_view method, UseCase use_case,
                      Response& response);
  // The log line of a finished call.
  void LogCall(absl::string_view method, const std::string& call_id, absl::Time start,
               const absl::StatusOr<Caller>& caller, const absl::Status& status);

  Homework& homework_;
  EventHub& hub_;
  const TokenVerifier& verifier_;
  JsonLog& log_;
};

}  // namespace therapy::homework

#endif  // SERVICES_HOMEWORK_RPC_HOMEWORK_RPC_H_
