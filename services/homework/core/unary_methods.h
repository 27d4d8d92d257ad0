#ifndef SERVICES_HOMEWORK_CORE_UNARY_METHODS_H_
#define SERVICES_HOMEWORK_CORE_UNARY_METHODS_H_

// The unary methods of therapy.homework.v1.HomeworkService, written once: each is the use case
// of Homework with the same name, taking the request and returning the response named here.
// The gRPC server (rpc/homework_rpc.cc) and the browser listener (connect/connect_routes.cc) are
// both driven by this list; unary_methods_test.cc holds it to the service's descriptor (every
// unary method there, with its request and response types, and nothing else). WatchEvents, the
// one streaming method, is served by each edge itself. A new unary RPC: its line here, its use
// case in Homework.
//
// HOMEWORK_UNARY_METHODS(X) expands X(Method, Request, Response) once per method, the types
// unqualified in therapy::homework::v1.
#define HOMEWORK_UNARY_METHODS(X)                                              \
  X(CreateClient, CreateClientRequest, Client)                                 \
  X(GetClient, GetClientRequest, Client)                                       \
  X(UpdateClient, UpdateClientRequest, Client)                                 \
  X(ListClients, ListClientsRequest, ListClientsResponse)                      \
  X(CreateAssignment, CreateAssignmentRequest, Assignment)                     \
  X(GetAssignment, GetAssignmentRequest, Assignment)                           \
  X(ListAssignments, ListAssignmentsRequest, ListAssignmentsResponse)          \
  X(UpdateAssignment, UpdateAssignmentRequest, Assignment)                     \
  X(ActivateAssignment, ActivateAssignmentRequest, Assignment)                 \
  X(CancelAssignment, CancelAssignmentRequest, Assignment)                     \
  X(CompleteAssignment, CompleteAssignmentRequest, Assignment)                 \
  X(CreateCompletion, CreateCompletionRequest, Completion)                     \
  X(GetCompletion, GetCompletionRequest, Completion)                           \
  X(ListCompletions, ListCompletionsRequest, ListCompletionsResponse)          \
  X(ReviewCompletion, ReviewCompletionRequest, Completion)                     \
  X(GetReviewSummary, GetReviewSummaryRequest, ReviewSummary)                  \
  X(ListTemplates, ListTemplatesRequest, ListTemplatesResponse)                \
  X(GetTemplate, GetTemplateRequest, Template)                                 \
  X(CreateTemplate, CreateTemplateRequest, Template)                           \
  X(UpdateTemplate, UpdateTemplateRequest, Template)                           \
  X(CreateHierarchy, CreateHierarchyRequest, Hierarchy)                        \
  X(GetHierarchy, GetHierarchyRequest, Hierarchy)                              \
  X(ListHierarchies, ListHierarchiesRequest, ListHierarchiesResponse)          \
  X(UpdateHierarchy, UpdateHierarchyRequest, Hierarchy)                        \
  X(AdvanceHierarchy, AdvanceHierarchyRequest, Hierarchy)                      \
  X(StepBackHierarchy, StepBackHierarchyRequest, Hierarchy)                    \
  X(ListDueReminders, ListDueRemindersRequest, ListDueRemindersResponse)       \
  X(ExportClientRecord, ExportClientRecordRequest, ExportClientRecordResponse) \
  X(GetCaller, GetCallerRequest, CallerIdentity)                               \
  X(GetPracticeCalendar, GetPracticeCalendarRequest, PracticeCalendar)         \
  X(RaiseSafetyFlag, RaiseSafetyFlagRequest, SafetyFlag)                       \
  X(GetSafetyFlag, GetSafetyFlagRequest, SafetyFlag)                           \
  X(ListSafetyFlags, ListSafetyFlagsRequest, ListSafetyFlagsResponse)          \
  X(AcknowledgeSafetyFlag, AcknowledgeSafetyFlagRequest, SafetyFlag)           \
  X(ResolveSafetyFlag, ResolveSafetyFlagRequest, SafetyFlag)                   \
  X(ListAttentionItems, ListAttentionItemsRequest, ListAttentionItemsResponse) \
  X(CreateSession, CreateSessionRequest, Session)                              \
  X(GetSession, GetSessionRequest, Session)                                    \
  X(ListSessions, ListSessionsRequest, ListSessionsResponse)                   \
  X(JoinSession, JoinSessionRequest, Session)                                  \
  X(EndSession, EndSessionRequest, Session)

#endif  // SERVICES_HOMEWORK_CORE_UNARY_METHODS_H_
