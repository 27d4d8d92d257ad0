#include "services/homework/metrics/metered_store.h"

#include "absl/strings/match.h"
#include "absl/time/clock.h"

namespace therapy::homework {

absl::StatusOr<CommitOutcome> MeteredStore::Commit(const Mutation& mutation) {
  ++commits_in_flight_;
  const absl::Time start = absl::Now();
  absl::StatusOr<CommitOutcome> outcome = store_.Commit(mutation);
  metrics_.RecordCommit(absl::Now() - start, mutation.events.size());
  --commits_in_flight_;
  NoteWrite(outcome.status());
  return outcome;
}

void MeteredStore::NoteWrite(const absl::Status& status) {
  const bool full = status.code() == absl::StatusCode::kResourceExhausted &&
                    absl::StrContains(status.message(), "disk is full");
  if (!status.ok() && !full) return;  // another failure says nothing about the disk
  if (disk_full_.exchange(full) != full && on_disk_full_change_) on_disk_full_change_(full);
}

absl::Status MeteredStore::AppendAudit(const AuditRecord& record) {
  ++audits_in_flight_;
  absl::Status status = store_.AppendAudit(record);
  --audits_in_flight_;
  if (!status.ok()) NoteWrite(status);  // an audit that got through may not have synced yet
  return status;
}

absl::StatusOr<std::optional<v1::Client>> MeteredStore::GetClient(absl::string_view name) {
  return store_.GetClient(name);
}
absl::StatusOr<std::optional<v1::Assignment>> MeteredStore::GetAssignment(absl::string_view name) {
  return store_.GetAssignment(name);
}
absl::StatusOr<std::optional<v1::Completion>> MeteredStore::GetCompletion(absl::string_view name) {
  return store_.GetCompletion(name);
}
absl::StatusOr<std::optional<v1::Hierarchy>> MeteredStore::GetHierarchy(absl::string_view name) {
  return store_.GetHierarchy(name);
}
absl::StatusOr<std::optional<v1::Template>> MeteredStore::GetTemplate(absl::string_view name) {
  return store_.GetTemplate(name);
}
absl::StatusOr<Page<v1::Client>> MeteredStore::ListClients(const ClientQuery& query) {
  return store_.ListClients(query);
}
absl::StatusOr<Page<v1::Assignment>> MeteredStore::ListAssignments(const AssignmentQuery& query) {
  return store_.ListAssignments(query);
}
absl::StatusOr<Page<v1::Completion>> MeteredStore::ListCompletions(const CompletionQuery& query) {
  return store_.ListCompletions(query);
}
absl::StatusOr<Page<v1::Hierarchy>> MeteredStore::ListHierarchies(const HierarchyQuery& query) {
  return store_.ListHierarchies(query);
}
absl::StatusOr<Page<v1::Template>> MeteredStore::ListTemplates(const TemplateQuery& query) {
  return store_.ListTemplates(query);
}
absl::StatusOr<std::optional<v1::SafetyFlag>> MeteredStore::GetSafetyFlag(absl::string_view name) {
  return store_.GetSafetyFlag(name);
}
absl::StatusOr<Page<v1::SafetyFlag>> MeteredStore::ListSafetyFlags(const SafetyFlagQuery& query) {
  return store_.ListSafetyFlags(query);
}
absl::StatusOr<Caseload> MeteredStore::ReadCaseload(const CaseloadQuery& query) {
  return store_.ReadCaseload(query);
}
absl::StatusOr<std::optional<v1::Session>> MeteredStore::GetSession(absl::string_view name) {
  return store_.GetSession(name);
}
absl::StatusOr<Page<v1::Session>> MeteredStore::ListSessions(const SessionQuery& query) {
  return store_.ListSessions(query);
}
absl::StatusOr<std::vector<v1::SafetyFlag>> MeteredStore::ListSafetyFlagsToEscalate(
    absl::Time due_by, int limit) {
  return store_.ListSafetyFlagsToEscalate(due_by, limit);
}
auto MeteredStore::FindIdempotentResult(const IdempotencyKey& key)
    -> decltype(std::declval<Store&>().FindIdempotentResult(key)) {
  return store_.FindIdempotentResult(key);
}
absl::StatusOr<std::vector<EventRecord>> MeteredStore::ListEvents(const EventQuery& query) {
  return store_.ListEvents(query);
}
absl::StatusOr<int64_t> MeteredStore::LatestEventSequence() { return store_.LatestEventSequence(); }
absl::StatusOr<std::vector<AuditRecord>> MeteredStore::ListAudit(absl::string_view resource_prefix,
                                                                 int limit) {
  return store_.ListAudit(resource_prefix, limit);
}

}  // namespace therapy::homework
