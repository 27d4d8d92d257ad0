#ifndef SERVICES_HOMEWORK_CORE_HOMEWORK_H_
#define SERVICES_HOMEWORK_CORE_HOMEWORK_H_

#include <functional>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/homework/core/events.h"
#include "services/homework/core/model/caller.h"
#include "services/homework/core/model/practice_policy.h"
#include "services/homework/core/model/resource_names.h"
#include "services/homework/core/rules/authorization.h"
#include "services/homework/storage/store.h"
#include "therapy/homework/v1/homework_service.pb.h"

namespace therapy::homework {

struct HomeworkOptions {
  // The clock; tests pin it.
  std::function<absl::Time()> now = [] { return absl::Now(); };
  // New resource ids and etags: unique, 1-63 characters of [a-z0-9].
  std::function<std::string()> new_id;  // empty: NewResourceId (time-ordered)
  // Each practice's clinical thresholds, by practice id; the clinical model's defaults unless
  // the composition root knows better.
  std::function<PracticePolicy(absl::string_view practice)> practice_policy =
      [](absl::string_view) { return PracticePolicy{}; };
  // Called after each commit that appended events, on the writing thread: the composition root
  // wakes this process's event hub with it (event_hub.h), so its watchers get the change at once
  // rather than at the next poll. Empty: nothing.
  std::function<void()> events_committed;
};

// The use cases of the homework service. Each one reads in the order a reviewer checks it:
// validate, authorise (before any lookup), load, check state and etag, write once through the
// store together with its audit record, return. Every read and write of clinical data is
// audited, refusals included; invalid requests touch nothing and are not.
//
// Errors are canonical codes: INVALID_ARGUMENT (with a google.rpc.BadRequest payload, see
// validation.h), PERMISSION_DENIED, NOT_FOUND, ALREADY_EXISTS, ABORTED (stale etag),
// FAILED_PRECONDITION (illegal state change), UNAVAILABLE (storage, retry).
//
// Thread-safe; holds no state of its own beyond the store.
// How a write ended: committed now, or the replay of an earlier create with the same request id.
template <typename Resource>
struct Written {
  Resource resource;
  bool replayed = false;
};

class Homework {
 public:
  Homework(Store& store, HomeworkOptions options);

  // The answer to a read whose audit record could not be written: nothing of the read is
  // returned. Also what a transport answers when the records of a DeferredAudit could not be
  // appended (deferred_audit.h).
  static absl::Status AuditUnavailable();

  // Whether `method`'s use case may run under a DeferredCommit (deferred_commit.h): its Commit
  // is the last thing it does with an effect.
  static bool CommitsLast(absl::string_view method);
  // Commits a mutation a DeferredCommit held, without waiting (Store::CommitThen): `done` hears
  // the outcome where the store decides it (it must be short), after options_.events_committed
  // when events were appended, as Commit does.
  void CommitThen(Mutation mutation, Store::CommitDone done);

  absl::StatusOr<v1::Client> CreateClient(const Caller& caller,
                                          const v1::CreateClientRequest& request);
  absl::StatusOr<v1::Client> GetClient(const Caller& caller, const v1::GetClientRequest& request);
  absl::StatusOr<v1::Client> UpdateClient(const Caller& caller,
                                          const v1::UpdateClientRequest& request);
  absl::StatusOr<v1::ListClientsResponse> ListClients(const Caller& caller,
                                                      const v1::ListClientsRequest& request);

  absl::StatusOr<v1::Assignment> CreateAssignment(const Caller& caller,
                                                  const v1::CreateAssignmentRequest& request);
  absl::StatusOr<v1::Assignment> GetAssignment(const Caller& caller,
                                               const v1::GetAssignmentRequest& request);
  absl::StatusOr<v1::ListAssignmentsResponse> ListAssignments(
      const Caller& caller, const v1::ListAssignmentsRequest& request);
  absl::StatusOr<v1::Assignment> UpdateAssignment(const Caller& caller,
                                                  const v1::UpdateAssignmentRequest& request);
  absl::StatusOr<v1::Assignment> ActivateAssignment(const Caller& caller,
                                                    const v1::ActivateAssignmentRequest& request);
  absl::StatusOr<v1::Assignment> CancelAssignment(const Caller& caller,
                                                  const v1::CancelAssignmentRequest& request);
  absl::StatusOr<v1::Assignment> CompleteAssignment(const Caller& caller,
                                                    const v1::CompleteAssignmentRequest& request);

  absl::StatusOr<v1::Completion> CreateCompletion(const Caller& caller,
                                                  const v1::CreateCompletionRequest& request);
  absl::StatusOr<v1::Completion> GetCompletion(const Caller& caller,
                                               const v1::GetCompletionRequest& request);
  absl::StatusOr<v1::ListCompletionsResponse> ListCompletions(
      const Caller& caller, const v1::ListCompletionsRequest& request);
  absl::StatusOr<v1::Completion> ReviewCompletion(const Caller& caller,
                                                  const v1::ReviewCompletionRequest& request);

  absl::StatusOr<v1::ReviewSummary> GetReviewSummary(const Caller& caller,
                                                     const v1::GetReviewSummaryRequest& request);

  // Practices due in a window and not yet done, with reminder text (reminders.cc).
  absl::StatusOr<v1::ListDueRemindersResponse> ListDueReminders(
      const Caller& caller, const v1::ListDueRemindersRequest& request);

  // The start of a WatchEvents stream (events.cc): validates and authorises the request,
  // audits the watch, and fixes where it starts. Both listeners then feed the stream from the
  // process's event hub (event_hub.h), which re-checks access for every batch it delivers.
  // Errors: INVALID_ARGUMENT, PERMISSION_DENIED, UNAVAILABLE.
  struct WatchStart {
    WatchScope scope;
    int64_t after_sequence = 0;  // the stream continues after this event of the log
  };
  absl::StatusOr<WatchStart> StartWatch(const Caller& caller,
                                        const v1::WatchEventsRequest& request);

  // The client's record as a FHIR R4 Bundle (export.cc; the mapping is fhir/bundle.h).
  absl::StatusOr<v1::ExportClientRecordResponse> ExportClientRecord(
      const Caller& caller, const v1::ExportClientRecordRequest& request);

  // The client's active assignments as an iCalendar feed (calendar.cc; the mapping is
  // calendar.h). Callers: as ListAssignments; audited.
  absl::StatusOr<v1::PracticeCalendar> GetPracticeCalendar(
      const Caller& caller, const v1::GetPracticeCalendarRequest& request);

  // The caller as its verified token describes it. Reads no clinical data, so not audited.
  absl::StatusOr<v1::CallerIdentity> GetCaller(const Caller& caller,
                                               const v1::GetCallerRequest& request);

  // The template library (templates.cc).
  absl::StatusOr<v1::ListTemplatesResponse> ListTemplates(const Caller& caller,
                                                          const v1::ListTemplatesRequest& request);
  absl::StatusOr<v1::Template> GetTemplate(const Caller& caller,
                                           const v1::GetTemplateRequest& request);
  absl::StatusOr<v1::Template> CreateTemplate(const Caller& caller,
                                              const v1::CreateTemplateRequest& request);
  absl::StatusOr<v1::Template> UpdateTemplate(const Caller& caller,
                                              const v1::UpdateTemplateRequest& request);

  // Exposure hierarchies (hierarchies.cc).
  absl::StatusOr<v1::Hierarchy> CreateHierarchy(const Caller& caller,
                                                const v1::CreateHierarchyRequest& request);
  absl::StatusOr<v1::Hierarchy> GetHierarchy(const Caller& caller,
                                             const v1::GetHierarchyRequest& request);
  absl::StatusOr<v1::ListHierarchiesResponse> ListHierarchies(
      const Caller& caller, const v1::ListHierarchiesRequest& request);
  absl::StatusOr<v1::Hierarchy> UpdateHierarchy(const Caller& caller,
                                                const v1::UpdateHierarchyRequest& request);
  absl::StatusOr<v1::Hierarchy> AdvanceHierarchy(const Caller& caller,
                                                 const v1::AdvanceHierarchyRequest& request);
  absl::StatusOr<v1::Hierarchy> StepBackHierarchy(const Caller& caller,
                                                  const v1::StepBackHierarchyRequest& request);

  // Urgent flags (safety_flags.cc, safety_flag.proto). A PHQ-9 answer with item 9 above zero
  // raises one in CreateCompletion's commit.
  absl::StatusOr<v1::SafetyFlag> RaiseSafetyFlag(const Caller& caller,
                                                 const v1::RaiseSafetyFlagRequest& request);
  absl::StatusOr<v1::SafetyFlag> GetSafetyFlag(const Caller& caller,
                                               const v1::GetSafetyFlagRequest& request);
  absl::StatusOr<v1::ListSafetyFlagsResponse> ListSafetyFlags(
      const Caller& caller, const v1::ListSafetyFlagsRequest& request);
  absl::StatusOr<v1::SafetyFlag> AcknowledgeSafetyFlag(
      const Caller& caller, const v1::AcknowledgeSafetyFlagRequest& request);
  absl::StatusOr<v1::SafetyFlag> ResolveSafetyFlag(const Caller& caller,
                                                   const v1::ResolveSafetyFlagRequest& request);

  // Live sessions (sessions.cc, session.proto): drafts shaped in one name it
  // (Assignment.session), and while it is live their client may change their plan fields.
  absl::StatusOr<v1::Session> CreateSession(const Caller& caller,
                                            const v1::CreateSessionRequest& request);
  absl::StatusOr<v1::Session> GetSession(const Caller& caller,
                                         const v1::GetSessionRequest& request);
  absl::StatusOr<v1::ListSessionsResponse> ListSessions(const Caller& caller,
                                                        const v1::ListSessionsRequest& request);
  absl::StatusOr<v1::Session> JoinSession(const Caller& caller,
                                          const v1::JoinSessionRequest& request);
  absl::StatusOr<v1::Session> EndSession(const Caller& caller,
                                         const v1::EndSessionRequest& request);

  // The subject escalations are audited and announced under.
  static constexpr absl::string_view kEscalationActor = "homework-service";
  // Escalates every open flag of every practice whose escalation_due_time has passed by the
  // clock of HomeworkOptions: marks escalate_time and appends TYPE_SAFETY_FLAG_ESCALATED, audited
  // as EscalateSafetyFlag by kEscalationActor. Safe to run on every replica at once (a flag
  // changed meanwhile is left alone). Returns how many this call escalated. Errors: UNAVAILABLE.
  absl::StatusOr<int> EscalateDueSafetyFlags();

  // The clients of a therapist's caseload who need attention now (attention_list.cc, the rules
  // in attention.h), under the practice's thresholds.
  absl::StatusOr<v1::ListAttentionItemsResponse> ListAttentionItems(
      const Caller& caller, const v1::ListAttentionItemsRequest& request);

 private:
  // Both halves of authorisation for an action on one client; refusals are audited.
  absl::Status AuthorizeClient(const Caller& caller, Action action, const ClientName& target,
                               absl::string_view method);
  // Authorisation for an action on a whole practice (Authorize); a refusal is audited under
  // `method` and `resource` (the name the caller asked about) and returned.
  absl::Status AuthorizePractice(const Caller& caller, Action action, const PracticeName& target,
                                 absl::string_view method, absl::string_view resource);
  // Appends the audit record of a read, or of a call that ended in an error (a successful
  // write's record is committed with the write). A read whose audit cannot be written fails.
  // With a DeferredAudit alive on this thread, adds the record to it instead (its maker appends
  // it before answering).
  absl::Status Audit(const Caller& caller, absl::string_view method, absl::string_view resource,
                     const absl::Status& outcome);
  AuditRecord MakeAudit(const Caller& caller, absl::string_view method, absl::string_view resource,
                        const absl::Status& outcome) const;
  // A state change of one assignment through one verb (Activate, Cancel, Complete).
  absl::StatusOr<v1::Assignment> Transition(
      const Caller& caller, absl::string_view method, absl::string_view name_field,
      absl::string_view name, absl::string_view etag,
      const std::function<absl::Status(v1::Assignment&)>& change);
  // Audits the end of a write: a committed write was audited in its commit; a replayed create
  // and a failure are audited here.
  template <typename Resource>
  absl::StatusOr<Resource> FinishWrite(const Caller& caller, absl::string_view method,
                                       absl::string_view target,
                                       absl::StatusOr<Written<Resource>> written);
  // A practice's own template for an assignment in `practice`: INVALID_ARGUMENT naming `field`
  // for a malformed name or another practice's template, NOT_FOUND when it does not exist.
  absl::StatusOr<v1::Template> FindPracticeTemplate(absl::string_view field, absl::string_view name,
                                                    absl::string_view practice);
  // An exposure practice may point at a step of one of the same client's hierarchies:
  // INVALID_ARGUMENT naming the field when it points elsewhere or past the last step, NOT_FOUND
  // when the hierarchy does not exist.
  absl::Status CheckExposureStep(const v1::Assignment& assignment, const ClientName& client);
  // Moves a hierarchy's current step by `delta` (+1 or -1) and records the decision.
  absl::StatusOr<v1::Hierarchy> MoveHierarchy(const Caller& caller, absl::string_view method,
                                              absl::string_view name, absl::string_view etag,
                                              absl::string_view reason, int delta);
  // Authorises `action` on a session for `caller` (its client's care team, the client itself,
  // as the action allows) and returns it: the practice and role first, then the session is
  // loaded to learn its client. A session that does not exist is NOT_FOUND for service and
  // admin and refused like another client's for everyone else, so existence never leaks.
  // Refusals are audited under `method`.
  absl::StatusOr<v1::Session> AuthorizeSession(const Caller& caller, Action action,
                                               const SessionName& name, absl::string_view method);
  // A session an assignment of `client` may name in `field` (Assignment.session): same practice
  // and client (INVALID_ARGUMENT naming `field`), existing (NOT_FOUND) and live
  // (FAILED_PRECONDITION).
  absl::Status CheckDraftSession(absl::string_view field, absl::string_view session,
                                 const ClientName& client);
  // Whether the client `caller` may change its plan fields of `draft` (of `client`) now: a
  // draft shaped in a session with it that is still live; PERMISSION_DENIED otherwise.
  absl::Status ClientMayShape(const Caller& caller, const v1::Assignment& draft,
                              const ClientName& client);
  // Writes a changed session (a new etag) with its TYPE_SESSION_UPDATED event and audit record,
  // if the stored one still has `expected_etag` (ABORTED otherwise).
  absl::StatusOr<Written<v1::Session>> WriteSession(const Caller& caller, absl::string_view method,
                                                    v1::Session session,
                                                    const std::string& expected_etag);
  // The summary of a session ending now: its drafts' fate and the client's completions reviewed
  // while it was live.
  absl::StatusOr<v1::SessionSummary> SummarizeSession(const v1::Session& session, absl::Time end);
  // A new open flag on `client`, due to escalate after the practice's time, with `reason` as
  // its code and as the English text of the deprecated `reason` field.
  v1::SafetyFlag NewSafetyFlag(const ClientName& client, v1::SafetyFlag::Source source,
                               const v1::FlagReason& reason, absl::string_view raised_by,
                               absl::Time now) const;
  // Acknowledges or resolves a flag (`to`) with a note.
  absl::StatusOr<v1::SafetyFlag> MoveSafetyFlag(const Caller& caller, absl::string_view method,
                                                Action action, absl::string_view name,
                                                absl::string_view etag, absl::string_view note,
                                                v1::SafetyFlag::State to);
  // An event of this caller's write, to commit with it.
  EventRecord MakeEvent(const Caller& caller, v1::Event::Type type, absl::string_view client,
                        absl::string_view resource) const;
  // Store::Commit, then options_.events_committed when it appended events. Under a
  // DeferredCommit: held there, kCommitted.
  absl::StatusOr<CommitOutcome> Commit(const Mutation& mutation);
  // What Commit and CommitThen do once a commit is over: options_.events_committed, when it
  // committed and appended `events`.
  void Committed(const absl::StatusOr<CommitOutcome>& outcome, bool events);
  std::string NewId() const;

  Store& store_;
  HomeworkOptions options_;
};

}  // namespace therapy::homework

#endif  // SERVICES_HOMEWORK_CORE_HOMEWORK_H_
