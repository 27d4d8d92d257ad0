#ifndef SERVICES_HOMEWORK_STORAGE_FORWARDING_STORE_H_
#define SERVICES_HOMEWORK_STORAGE_FORWARDING_STORE_H_

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "services/homework/storage/store.h"

namespace therapy::homework {

// A Store that passes every call to another one: the base of the decorators (MeteredStore,
// CachedStore), which override only what they change. The inner store must outlive this one.
class ForwardingStore : public Store {
 public:
  explicit ForwardingStore(Store& inner) : inner_(inner) {}

  absl::StatusOr<std::optional<v1::Client>> GetClient(absl::string_view name) override {
    return inner_.GetClient(name);
  }
  absl::StatusOr<std::optional<v1::Assignment>> GetAssignment(absl::string_view name) override {
    return inner_.GetAssignment(name);
  }
  absl::StatusOr<std::optional<v1::Completion>> GetCompletion(absl::string_view name) override {
    return inner_.GetCompletion(name);
  }
  absl::StatusOr<std::optional<v1::Hierarchy>> GetHierarchy(absl::string_view name) override {
    return inner_.GetHierarchy(name);
  }
  absl::StatusOr<std::optional<v1::Template>> GetTemplate(absl::string_view name) override {
    return inner_.GetTemplate(name);
  }
  absl::StatusOr<Page<v1::Client>> ListClients(const ClientQuery& query) override {
    return inner_.ListClients(query);
  }
  absl::StatusOr<Page<v1::Assignment>> ListAssignments(const AssignmentQuery& query) override {
    return inner_.ListAssignments(query);
  }
  absl::StatusOr<Page<v1::Completion>> ListCompletions(const CompletionQuery& query) override {
    return inner_.ListCompletions(query);
  }
  absl::StatusOr<Page<v1::Hierarchy>> ListHierarchies(const HierarchyQuery& query) override {
    return inner_.ListHierarchies(query);
  }
  absl::StatusOr<Page<v1::Template>> ListTemplates(const TemplateQuery& query) override {
    return inner_.ListTemplates(query);
  }
  absl::StatusOr<std::optional<v1::SafetyFlag>> GetSafetyFlag(absl::string_view name) override {
    return inner_.GetSafetyFlag(name);
  }
  absl::StatusOr<Page<v1::SafetyFlag>> ListSafetyFlags(const SafetyFlagQuery& query) override {
    return inner_.ListSafetyFlags(query);
  }
  absl::StatusOr<std::vector<v1::SafetyFlag>> ListSafetyFlagsToEscalate(absl::Time due_by,
                                                                        int limit) override {
    return inner_.ListSafetyFlagsToEscalate(due_by, limit);
  }
  absl::StatusOr<std::optional<v1::Session>> GetSession(absl::string_view name) override {
    return inner_.GetSession(name);
  }
  absl::StatusOr<Page<v1::Session>> ListSessions(const SessionQuery& query) override {
    return inner_.ListSessions(query);
  }
  absl::StatusOr<Caseload> ReadCaseload(const CaseloadQuery& query) override {
    return inner_.ReadCaseload(query);
  }
  absl::StatusOr<std::optional<IdempotentResult>> FindIdempotentResult(
      const IdempotencyKey& key) override {
    return inner_.FindIdempotentResult(key);
  }
  absl::StatusOr<CommitOutcome> Commit(const Mutation& mutation) override {
    return inner_.Commit(mutation);
  }
  void CommitThen(Mutation mutation, CommitDone done) override {
    inner_.CommitThen(std::move(mutation), std::move(done));
  }
  absl::StatusOr<std::vector<EventRecord>> ListEvents(const EventQuery& query) override {
    return inner_.ListEvents(query);
  }
  absl::StatusOr<int64_t> LatestEventSequence() override { return inner_.LatestEventSequence(); }
  absl::Status AppendAudit(const AuditRecord& record) override {
    return inner_.AppendAudit(record);
  }
  absl::Status AppendAudits(absl::Span<const AuditRecord> records) override {
    return inner_.AppendAudits(records);
  }
  bool AppendsAuditsAtOnce() const override { return inner_.AppendsAuditsAtOnce(); }
  absl::StatusOr<std::vector<AuditRecord>> ListAudit(absl::string_view resource_prefix,
                                                     int limit) override {
    return inner_.ListAudit(resource_prefix, limit);
  }

 protected:
  Store& inner() { return inner_; }

 private:
  Store& inner_;
};

}  // namespace therapy::homework

#endif  // SERVICES_HOMEWORK_STORAGE_FORWARDING_STORE_H_
