#ifndef SERVICES_HOMEWORK_STORAGE_STORE_H_
#define SERVICES_HOMEWORK_STORAGE_STORE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "therapy/homework/v1/assignment.pb.h"
#include "therapy/homework/v1/client.pb.h"
#include "therapy/homework/v1/completion.pb.h"
#include "therapy/homework/v1/event.pb.h"
#include "therapy/homework/v1/hierarchy.pb.h"
#include "therapy/homework/v1/safety_flag.pb.h"
#include "therapy/homework/v1/session.pb.h"
#include "therapy/homework/v1/template.pb.h"

namespace therapy::homework {

// One entry of the audit log: who did what to which resource, and how it ended. Carries no
// clinical content: the resource is named, never copied.
struct AuditRecord {
  std::string actor;     // the caller's subject
  std::string role;      // the caller's role name
  std::string practice;  // the caller's practice id
  std::string action;    // the RPC method, for example "CreateCompletion"
  std::string resource;  // the resource name acted on (or the parent, for create and list)
  std::string call_id;   // the per-call request id
  absl::Time time;
  std::string outcome;  // "OK" or the canonical code name, for example "PERMISSION_DENIED"

  friend bool operator==(const AuditRecord&, const AuditRecord&) = default;
};

// One entry of the durable event log: which resource of which client changed, how, by whom. The
// store gives each committed event the next `sequence` of the whole log, strictly increasing in
// the order events become visible to readers of the log (an event committed after a read never
// gets a sequence at or below one that read returned), so a watcher resumes after the last
// sequence it saw and misses nothing. A write's events keep their order.
struct EventRecord {
  int64_t sequence = 0;  // assigned by the store once committed; ignored on input
  std::string practice;  // practice id
  std::string client;    // "practices/{p}/clients/{c}"
  v1::Event::Type type = v1::Event::TYPE_UNSPECIFIED;
  std::string resource;  // the resource name
  std::string actor;     // the caller's subject
  absl::Time time;

  friend bool operator==(const EventRecord&, const EventRecord&) = default;
};

// Whether a Put creates a row or replaces one.
enum class WriteMode {
  kInsert,  // the name must be new, otherwise ALREADY_EXISTS
  kUpdate,  // the row must exist (NOT_FOUND) with etag `expected_etag` (ABORTED)
};

// One resource row to write. The resource carries its new etag already.
template <typename Resource>
struct Put {
  WriteMode mode = WriteMode::kInsert;
  Resource resource;
  std::string expected_etag;  // kUpdate only: the etag the stored row must still have
};

// The scope of an idempotent create: the same caller retrying the same method with the same
// request id gets the first result.
struct IdempotencyKey {
  std::string actor;       // the caller's subject
  std::string method;      // for example "CreateCompletion"
  std::string request_id;  // from the request

  friend bool operator==(const IdempotencyKey&, const IdempotencyKey&) = default;
};

// What an idempotent create recorded: the resource it produced, and the fingerprint of the
// request that asked for it (empty for keys recorded before fingerprints were kept).
struct IdempotentResult {
  std::string name;
  std::string request_fingerprint;
};

// A resource as a use case read it before deciding its write: its name and etag then.
struct ReadVersion {
  std::string name;
  std::string etag;

  friend bool operator==(const ReadVersion&, const ReadVersion&) = default;
};

// Everything one use case writes, applied atomically by Store::Commit: at most one resource of
// each kind, the idempotency record of a create, and the audit record. Either all of it is
// durable when Commit returns kCommitted, or none of it is stored.
struct Mutation {
  std::optional<Put<v1::Client>> client;
  std::optional<Put<v1::Assignment>> assignment;
  std::optional<Put<v1::Completion>> completion;
  std::optional<Put<v1::Hierarchy>> hierarchy;
  std::optional<Put<v1::Template>> practice_template;  // a practice's own template
  std::optional<Put<v1::SafetyFlag>> safety_flag;
  std::optional<Put<v1::Session>> session;  // a live session (`practices/{p}/sessions/{s}`)
  // Events to append to the log with the write (sequence assigned in this order).
  std::vector<EventRecord> events;
  // When set, records that `idempotency` produced `idempotent_result` (a resource name), asked
  // by the request whose fingerprint is `request_fingerprint`.
  std::optional<IdempotencyKey> idempotency;
  std::string idempotent_result;
  std::string request_fingerprint;
  AuditRecord audit;
  // The assignment the write was decided on (a completion is recorded only for an active one),
  // as it was read: Commit writes nothing and returns ReadChanged() unless the stored assignment
  // still has this etag. The read and the write are not one transaction; this makes the
  // decision hold at the commit, and lets a cache answer the read with a version another replica
  // may have replaced (CheckedReadScope; ADR 0034).
  std::optional<ReadVersion> assignment_read;
};

// What Commit returns when a Mutation's `assignment_read` no longer holds (the assignment was
// changed or is gone): ABORTED, marked so that IsReadChanged tells it from an update's etag
// mismatch. The use case decides again on what is stored now.
inline absl::Status ReadChanged(absl::string_view name) {
  absl::Status status = absl::AbortedError(
      absl::StrCat("assignment \"", name, "\" changed after it was read; retry the request"));
  status.SetPayload("therapy.homework/read-changed", absl::Cord());
  return status;
}
inline bool IsReadChanged(const absl::Status& status) {
  return status.GetPayload("therapy.homework/read-changed").has_value();
}

// While one is alive on a thread, a use case on that thread reads the assignment it decides a
// write on, and names what it read in Mutation::assignment_read, which the commit checks. So a
// cache whose entries other processes may have replaced (CachedStore in front of PostgreSQL,
// whose replicas write the same rows) may answer GetAssignment from memory in this scope when
// `from_memory`, and in no other. `answered_from_memory()` says whether it did: a use case that
// refused on such an answer (an assignment no longer active) runs again on a scope without it,
// since a refusal reaches no commit to check it. Not nestable.
class CheckedReadScope {
 public:
  explicit CheckedReadScope(bool from_memory) : from_memory_(from_memory) { current_ = this; }
  ~CheckedReadScope() { current_ = nullptr; }
  CheckedReadScope(const CheckedReadScope&) = delete;
  CheckedReadScope& operator=(const CheckedReadScope&) = delete;

  // The scope alive on this thread, or null.
  static CheckedReadScope* Current() { return current_; }

  bool from_memory() const { return from_memory_; }
  bool answered_from_memory() const { return answered_from_memory_; }
  void AnsweredFromMemory() { answered_from_memory_ = true; }

 private:
  static inline thread_local CheckedReadScope* current_ = nullptr;
  const bool from_memory_;
  bool answered_from_memory_ = false;
};

enum class CommitOutcome {
  kCommitted,
  // The idempotency key was recorded by an earlier commit (a concurrent retry won); nothing of
  // this mutation was written. The caller looks the key up and replays the first result.
  kDuplicateRequest,
};

// Which part of a list to return. Tokens are opaque to callers; each store makes and reads its
// own (see page_token.h), and an unreadable token is INVALID_ARGUMENT naming `page_token`.
struct PageRequest {
  int page_size = 100;  // already validated by the core: 1-1000
  std::string page_token;
};

template <typename T>
struct Page {
  std::vector<T> items;
  std::string next_page_token;  // empty on the last page
};

// Clients of one practice in name order.
struct ClientQuery {
  std::string practice_name;                    // "practices/{practice}"
  std::optional<std::string> care_team_member;  // only clients whose care team names this subject
  PageRequest page;
};

// Assignments of one client, or of a whole practice, newest create_time first (ties: name
// descending). Exactly one of `client_name` and `practice_name` is set (otherwise
// INVALID_ARGUMENT naming `client_name`).
struct AssignmentQuery {
  std::string client_name;                    // "practices/{p}/clients/{c}"
  std::string practice_name;                  // "practices/{p}": every client's assignments
  std::vector<v1::Assignment::State> states;  // empty: every state
  PageRequest page;
};

// Completions of one client, newest occur_time first (ties: name descending).
struct CompletionQuery {
  std::string client_name;                     // "practices/{p}/clients/{c}"
  std::optional<std::string> assignment_name;  // only this assignment's; nullopt: all
  std::optional<absl::Time> start_time;        // occur_time >= start_time
  std::optional<absl::Time> end_time;          // occur_time < end_time
  // Only completions that carry an outcome-measure response (`measure` set): a client's measure
  // history without reading its practice. A store that keeps rows written before it recorded the
  // kind (SQLite before migration 0008, PostgreSQL before 0004) returns those too: callers keep
  // `has_measure()`. Not with `assignment_name` (INVALID_ARGUMENT naming `measures_only`).
  bool measures_only = false;
  PageRequest page;
};

// Exposure hierarchies of one client, newest create_time first (ties: name descending).
struct HierarchyQuery {
  std::string client_name;  // "practices/{p}/clients/{c}"
  PageRequest page;
};

// A practice's own templates (`practices/{p}/templates/{t}`) in name order.
struct TemplateQuery {
  std::string practice_name;  // "practices/{p}"
  PageRequest page;
};

// Urgent flags of one client, newest raise_time first (ties: name descending).
struct SafetyFlagQuery {
  std::string client_name;                    // "practices/{p}/clients/{c}"
  std::vector<v1::SafetyFlag::State> states;  // empty: every state
  PageRequest page;
};

// Live sessions of one practice, newest start_time first (ties: name descending), optionally
// only those with one client.
struct SessionQuery {
  std::string practice_name;               // "practices/{p}"
  std::optional<std::string> client_name;  // "practices/{p}/clients/{c}"; nullopt: every client
  PageRequest page;
};

// What the attention list (core/rules/attention.h) reads of one therapist's caseload: one query per
// kind of resource over the whole caseload, never a loop over its clients. The caseload is the
// clients of `practice_name` whose care team names `care_team_member` (as ClientQuery).
struct CaseloadQuery {
  std::string practice_name;                             // "practices/{p}"
  std::string care_team_member;                          // a therapist's subject id
  std::vector<v1::Assignment::State> assignment_states;  // empty: every state
  std::vector<v1::SafetyFlag::State> flag_states;        // empty: every state
  // Completions of every kind with occur_time in [recent_start, recent_end); before
  // recent_start, only those that carry an outcome-measure response (`measure` set): the
  // baselines. A recent_end not after recent_start is INVALID_ARGUMENT naming `recent_end`.
  absl::Time recent_start;
  absl::Time recent_end;
};

// The caseload of a CaseloadQuery. Not paged: a therapist's caseload bounds it, and the recent
// window is the caller's.
struct Caseload {
  std::vector<v1::Client> clients;           // in name order
  std::vector<v1::Assignment> assignments;   // of those clients, in the states asked; any order
  std::vector<v1::Completion> completions;   // of those clients, as CaseloadQuery; any order
  std::vector<v1::SafetyFlag> safety_flags;  // of those clients, in the states asked; any order
};

// Events after a sequence, oldest first: the whole practice's, or one client's. `practice` is
// an id (unlike AssignmentQuery's name); a client of another practice matches nothing. A
// `limit` outside 1-1000 or a malformed `practice` is INVALID_ARGUMENT naming it.
struct EventQuery {
  std::string practice;                    // practice id
  std::optional<std::string> client_name;  // only this client's events
  int64_t after_sequence = 0;              // events with a larger sequence
  int limit = 100;                         // at most this many, 1-1000
};

// The storage seam: every backend (in-memory, SQLite, PostgreSQL) implements this interface and
// passes the shared contract suite (storage/store_contract_test.h). Methods are thread-safe.
// Errors: UNAVAILABLE for transient failures (safe to retry), INTERNAL for corrupt data,
// INVALID_ARGUMENT naming `name` for a malformed resource name; messages carry no clinical
// content and no SQL. Times are stored, compared and sorted at microsecond precision. The store
// does not check that a parent exists: the core loads the parent before it writes a child.
class Store {
 public:
  virtual ~Store() = default;

  // Point reads: nullopt when there is no such resource.
  virtual absl::StatusOr<std::optional<v1::Client>> GetClient(absl::string_view name) = 0;
  virtual absl::StatusOr<std::optional<v1::Assignment>> GetAssignment(absl::string_view name) = 0;
  virtual absl::StatusOr<std::optional<v1::Completion>> GetCompletion(absl::string_view name) = 0;
  virtual absl::StatusOr<std::optional<v1::Hierarchy>> GetHierarchy(absl::string_view name) = 0;
  virtual absl::StatusOr<std::optional<v1::Template>> GetTemplate(absl::string_view name) = 0;

  virtual absl::StatusOr<Page<v1::Client>> ListClients(const ClientQuery& query) = 0;
  virtual absl::StatusOr<Page<v1::Assignment>> ListAssignments(const AssignmentQuery& query) = 0;
  virtual absl::StatusOr<Page<v1::Completion>> ListCompletions(const CompletionQuery& query) = 0;
  virtual absl::StatusOr<Page<v1::Hierarchy>> ListHierarchies(const HierarchyQuery& query) = 0;
  virtual absl::StatusOr<Page<v1::Template>> ListTemplates(const TemplateQuery& query) = 0;

  // Urgent flags (see SafetyFlagQuery). A state that is not a SafetyFlag.State is
  // INVALID_ARGUMENT naming `states`.
  virtual absl::StatusOr<std::optional<v1::SafetyFlag>> GetSafetyFlag(absl::string_view name) = 0;
  virtual absl::StatusOr<Page<v1::SafetyFlag>> ListSafetyFlags(const SafetyFlagQuery& query) = 0;
  // Flags of every practice that are STATE_OPEN, have no escalate_time, and whose
  // escalation_due_time is at or before `due_by`: earliest due first (ties: name ascending), at
  // most `limit` (1-1000, otherwise INVALID_ARGUMENT naming `limit`).
  virtual absl::StatusOr<std::vector<v1::SafetyFlag>> ListSafetyFlagsToEscalate(absl::Time due_by,
                                                                                int limit) = 0;

  // Live sessions (see SessionQuery).
  virtual absl::StatusOr<std::optional<v1::Session>> GetSession(absl::string_view name) = 0;
  virtual absl::StatusOr<Page<v1::Session>> ListSessions(const SessionQuery& query) = 0;

  // One therapist's caseload for the attention list (see CaseloadQuery), each kind of resource
  // read by one query. States outside their enum are INVALID_ARGUMENT naming `states`.
  virtual absl::StatusOr<Caseload> ReadCaseload(const CaseloadQuery& query) = 0;

  // What an earlier create with this key recorded, or nullopt.
  virtual absl::StatusOr<std::optional<IdempotentResult>> FindIdempotentResult(
      const IdempotencyKey& key) = 0;

  // Applies the mutation atomically and durably (see Mutation). A recorded idempotency key is
  // checked first and wins over every error below (kDuplicateRequest). Errors: ReadChanged()
  // when the mutation's `assignment_read` no longer holds, ALREADY_EXISTS for an insert of an
  // existing name, NOT_FOUND for an update of a missing row, ABORTED when an update's expected
  // etag no longer matches; on any error nothing was written.
  virtual absl::StatusOr<CommitOutcome> Commit(const Mutation& mutation) = 0;

  // What a CommitThen's caller hears: what Commit would have returned.
  using CommitDone = absl::AnyInvocable<void(absl::StatusOr<CommitOutcome>) &&>;
  // Commit without waiting for it, for callers on threads that must not block (gRPC's): applies
  // `mutation` as Commit does and calls `done` with the outcome once, when it is known. A store
  // that commits on a thread of its own (SQLite's group commit) calls `done` there, so `done`
  // must be short (hand an answer over; anything that waits goes to another thread); by default
  // Commit runs here and `done` is called before this returns.
  virtual void CommitThen(Mutation mutation, CommitDone done) { std::move(done)(Commit(mutation)); }

  // The event log (see EventRecord).
  virtual absl::StatusOr<std::vector<EventRecord>> ListEvents(const EventQuery& query) = 0;
  // The sequence of the newest event in the whole log; 0 when it is empty.
  virtual absl::StatusOr<int64_t> LatestEventSequence() = 0;

  // Appends an audit record on its own, for reads and refused calls.
  virtual absl::Status AppendAudit(const AuditRecord& record) = 0;

  // Appends the audit records of reads and refused calls of several calls at once (the batches
  // of runtime/audit_batcher.h): in one write where the store can (SQLite: one transaction), by
  // default one after the other. Not OK: none of them counts as written.
  virtual absl::Status AppendAudits(absl::Span<const AuditRecord> records) {
    for (const AuditRecord& record : records) {
      if (absl::Status status = AppendAudit(record); !status.ok()) return status;
    }
    return absl::OkStatus();
  }

  // Whether AppendAudit(s) returns without waiting for a commit, once the records would survive
  // a crash of the process (SQLite's audit journal, ADR 0031): a thread that must not block may
  // then append itself instead of handing its records to a thread that waits
  // (runtime/audit_batcher.h).
  virtual bool AppendsAuditsAtOnce() const { return false; }

  // Audit records whose resource starts with `resource_prefix`, oldest first, at most `limit`.
  virtual absl::StatusOr<std::vector<AuditRecord>> ListAudit(absl::string_view resource_prefix,
                                                             int limit) = 0;
};

}  // namespace therapy::homework

#endif  // SERVICES_HOMEWORK_STORAGE_STORE_H_
