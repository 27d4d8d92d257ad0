#ifndef SERVICES_HOMEWORK_STORAGE_MEMORY_MEMORY_STORE_H_
#define SERVICES_HOMEWORK_STORAGE_MEMORY_MEMORY_STORE_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "services/homework/storage/resource_rows.h"
#include "services/homework/storage/store.h"

namespace therapy::homework {

// A Store that keeps everything in memory, for tests of the core and for `--store=memory:`.
// Same semantics as the durable backends (it passes the contract suite) except durability:
// everything is lost with the object. Thread-safe: one mutex guards all state. Lists scan every
// row of their kind, which is fine for the small data sets it is meant for.
class MemoryStore final : public Store {
 public:
  MemoryStore() = default;
  MemoryStore(const MemoryStore&) = delete;
  MemoryStore& operator=(const MemoryStore&) = delete;

  absl::StatusOr<std::optional<v1::Client>> GetClient(absl::string_view name) override;
  absl::StatusOr<std::optional<v1::Assignment>> GetAssignment(absl::string_view name) override;
  absl::StatusOr<std::optional<v1::Completion>> GetCompletion(absl::string_view name) override;
  absl::StatusOr<std::optional<v1::Hierarchy>> GetHierarchy(absl::string_view name) override;
  absl::StatusOr<std::optional<v1::Template>> GetTemplate(absl::string_view name) override;

  absl::StatusOr<Page<v1::Client>> ListClients(const ClientQuery& query) override;
  absl::StatusOr<Page<v1::Assignment>> ListAssignments(const AssignmentQuery& query) override;
  absl::StatusOr<Page<v1::Completion>> ListCompletions(const CompletionQuery& query) override;
  absl::StatusOr<Page<v1::Hierarchy>> ListHierarchies(const HierarchyQuery& query) override;
  absl::StatusOr<Page<v1::Template>> ListTemplates(const TemplateQuery& query) override;

  absl::StatusOr<std::optional<v1::SafetyFlag>> GetSafetyFlag(absl::string_view name) override;
  absl::StatusOr<Page<v1::SafetyFlag>> ListSafetyFlags(const SafetyFlagQuery& query) override;
  absl::StatusOr<std::vector<v1::SafetyFlag>> ListSafetyFlagsToEscalate(absl::Time due_by,
                                                                        int limit) override;

  absl::StatusOr<std::optional<v1::Session>> GetSession(absl::string_view name) override;
  absl::StatusOr<Page<v1::Session>> ListSessions(const SessionQuery& query) override;

  absl::StatusOr<Caseload> ReadCaseload(const CaseloadQuery& query) override;

  absl::StatusOr<std::optional<IdempotentResult>> FindIdempotentResult(
      const IdempotencyKey& key) override;

  absl::StatusOr<CommitOutcome> Commit(const Mutation& mutation) override;

  absl::StatusOr<std::vector<EventRecord>> ListEvents(const EventQuery& query) override;
  absl::StatusOr<int64_t> LatestEventSequence() override;

  absl::Status AppendAudit(const AuditRecord& record) override;

  absl::StatusOr<std::vector<AuditRecord>> ListAudit(absl::string_view resource_prefix,
                                                     int limit) override;

 private:
  // A resource with the columns a SQL backend would index.
  template <typename Resource, typename Row>
  struct Stored {
    Resource resource;
    Row row;
  };
  using StoredClient = Stored<v1::Client, ClientRow>;
  using StoredAssignment = Stored<v1::Assignment, AssignmentRow>;
  using StoredCompletion = Stored<v1::Completion, CompletionRow>;
  using StoredHierarchy = Stored<v1::Hierarchy, HierarchyRow>;
  using StoredTemplate = Stored<v1::Template, TemplateRow>;
  using StoredSafetyFlag = Stored<v1::SafetyFlag, SafetyFlagRow>;
  using StoredSession = Stored<v1::Session, SessionRow>;
  using IdempotencyTuple = std::tuple<std::string, std::string, std::string>;

  absl::Mutex mu_;
  std::map<std::string, StoredClient, std::less<>> clients_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, StoredAssignment, std::less<>> assignments_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, StoredCompletion, std::less<>> completions_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, StoredHierarchy, std::less<>> hierarchies_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, StoredTemplate, std::less<>> templates_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, StoredSafetyFlag, std::less<>> safety_flags_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, StoredSession, std::less<>> sessions_ ABSL_GUARDED_BY(mu_);
  std::map<IdempotencyTuple, IdempotentResult> idempotent_results_ ABSL_GUARDED_BY(mu_);
  std::vector<AuditRecord> audit_log_ ABSL_GUARDED_BY(mu_);
  // In sequence order; the last sequence handed out is `last_event_sequence_`.
  std::vector<EventRecord> events_ ABSL_GUARDED_BY(mu_);
  int64_t last_event_sequence_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace therapy::homework

#endif  // SERVICES_HOMEWORK_STORAGE_MEMORY_MEMORY_STORE_H_
