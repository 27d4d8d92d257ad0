#ifndef SERVICES_HOMEWORK_STORAGE_POSTGRES_POSTGRES_STORE_H_
#define SERVICES_HOMEWORK_STORAGE_POSTGRES_POSTGRES_STORE_H_

// Design notes. PostgresStore is the backend for several replicas of the service sharing one
// PostgreSQL database. Like the SQLite store it keeps each resource as its serialized proto
// (bytea) beside the columns its queries filter and sort on (resource_rows.h derives them), and
// pages lists by key along indexes in their sort order, with the same page tokens
// (page_token.h), so a token issued by one replica is read by any other. Text columns that sort
// use COLLATE "C" (byte order, whatever the cluster's locale).
//
// Schema: the numbered scripts in postgres/migrations/, embedded at build time and applied at
// Open in one transaction under a transaction-level advisory lock (migrations.h), so replicas
// starting together migrate once.
//
// Commit runs one READ COMMITTED transaction: the idempotency key first (an INSERT: a key
// another transaction holds makes this one wait for it, and a key already committed is a unique
// violation, kDuplicateRequest, rolled back); inserts (a unique violation is
// ALREADY_EXISTS); updates as `UPDATE ... WHERE name = $n AND etag = $m` (READ COMMITTED
// re-checks the etag against a concurrent writer's committed row, so of two updates from one
// etag exactly one matches; 0 rows is NOT_FOUND or ABORTED, told apart by one more read); the
// audit record; then the events. No SERIALIZABLE is needed: every check is on the row written.
// BEGIN and all those statements go to the server in one round trip (libpq's pipeline mode,
// Connection::ExecutePipeline), their results are then read in the same order and decide as
// the statements one at a time would have (only an update that matched nothing costs one more
// read). A write without updates sends COMMIT in the same round trip (each of its other
// outcomes is a failed statement, after which PostgreSQL skips COMMIT); one with an update
// sends it as a second round trip.
//
// Events are inserted without a sequence and numbered after they commit (migration 0006): a
// sequence drawn at insert could commit out of order, and a watcher reading `sequence > last`
// would skip the smaller one committed later. ListEvents and LatestEventSequence first number
// every committed event that has none (homework_number_events: under a transaction-level
// advisory lock, kPostgresEventLogLockKey, held through its own short COMMIT, the next
// sequences in arrival order), then read. Each pass sees only committed rows, numbers above
// every earlier pass, and becomes visible whole before the next starts (PostgreSQL makes a
// commit visible before it releases the transaction's locks), so a reader never sees a number
// that an earlier one could still fill. Commits with events take no lock and share WAL flushes
// like any other; the price is one short numbering transaction per read of the log that finds
// new events.
//
// CommitThen (the writes of callers that must not wait: gRPC's threads, the pool's deferred
// commits) groups writes (ADR 0035): `commit_writers` threads of the store's own each take every
// write queued so far (at most `max_group`) and send them as one transaction, BEGIN, every write's
// statements in their order and COMMIT, in one round trip; each caller hears kCommitted once that
// COMMIT has returned. Only writes without an update are grouped (an update's result is read
// before COMMIT); and when the group does not commit (any write's check fails, a deadlock, a
// connection broken before COMMIT was sent), nothing of it was written and each of its writes is
// committed on its own, exactly as Commit would, so each caller hears its own outcome. A group
// whose connection broke after COMMIT was sent is UNAVAILABLE for each of its writes, as one
// write is. A lone write is taken as soon as a writer is free, so grouping costs a write nothing
// when there is no other to share with. At most `max_queued` writes wait; CommitThen refuses the
// next at once (UNAVAILABLE, nothing written).
//
// Connections come from a bounded pool (connection_pool.h). Transient failures are UNAVAILABLE:
// connection loss, the server shutting down or starting, serialization failure or deadlock
// after retries, lock and statement timeouts, and no connection free within the acquire
// timeout. A connection that broke is dropped with every idle one (a restart ends every
// session) and the work runs once more on a new connection, when that is safe: always for
// reads; for Commit when the transaction ended before COMMIT was sent (nothing was written). A
// Commit whose connection is lost after COMMIT was sent is UNAVAILABLE without a retry (it may
// have been written; the core's idempotency keys and etags make the caller's retry safe).
// Deadlocks and serialization failures roll the transaction back whole and are retried up to
// three attempts. All SQL is named constants at the top of postgres_store.cc, run as prepared
// statements with binary parameters; errors name the statement's purpose, never SQL or data.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/homework/storage/store.h"

namespace therapy::homework {

namespace postgres {
class ConnectionPool;
}  // namespace postgres

// The transaction-level advisory lock (pg_advisory_xact_lock) a pass numbering the committed
// events holds until it ends ("hw-event" in ASCII). Anything else that sets `events.sequence`
// must take it too, or watchers may skip events. Appending takes no lock: leave `sequence` empty.
inline constexpr int64_t kPostgresEventLogLockKey = 0x68772d6576656e74;

struct PostgresStoreOptions {
  // A libpq connection URI, "postgresql://[user[:password]@]host[:port]/database[?param=value]"
  // (or a key=value conninfo string).
  std::string conninfo;
  int pool_size = 8;                                    // connections at most, 1 or more
  absl::Duration acquire_timeout = absl::Seconds(5);    // waiting for a free connection
  absl::Duration statement_timeout = absl::Seconds(5);  // per statement, lock waits included
  absl::Duration connect_timeout = absl::Seconds(5);    // whole seconds, at least 2
  // Threads that send CommitThen's writes in groups; 0: CommitThen commits each write alone on
  // its caller's thread, as Commit does.
  int commit_writers = 2;
  int max_group = 64;  // writes in one group at most, 1 or more
  // Writes queued for the writers at most (1 or more): beyond it CommitThen answers UNAVAILABLE
  // at once, and its caller commits the waiting way, on a thread that may block (as SQLite's
  // group commit does), so the queue stays bounded by the threads.
  int max_queued = 4096;
  // When set, hears how many writes each group about to be sent carries (metrics), on the writer
  // thread before it sends them (so a test that blocks in it holds the group back while more
  // writes queue).
  std::function<void(size_t)> on_write_batch;
};

// A Store in a PostgreSQL database, shared by any number of replicas. Thread-safe.
class PostgresStore final : public Store {
 public:
  // Connects, and brings the database's schema up to date. INVALID_ARGUMENT for an empty
  // conninfo or a pool size below 1; UNAVAILABLE when the database cannot be reached;
  // FAILED_PRECONDITION when the database was migrated by a newer binary; INTERNAL when it
  // holds a schema this store cannot use.
  static absl::StatusOr<std::unique_ptr<PostgresStore>> Open(const PostgresStoreOptions& options);

  PostgresStore(const PostgresStore&) = delete;
  PostgresStore& operator=(const PostgresStore&) = delete;
  ~PostgresStore() override;

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
  absl::StatusOr<std::optional<v1::Session>> GetSession(absl::string_view name) override;
  absl::StatusOr<Page<v1::Session>> ListSessions(const SessionQuery& query) override;
  absl::StatusOr<std::vector<v1::SafetyFlag>> ListSafetyFlagsToEscalate(absl::Time due_by,
                                                                        int limit) override;

  absl::StatusOr<Caseload> ReadCaseload(const CaseloadQuery& query) override;
  absl::StatusOr<std::optional<IdempotentResult>> FindIdempotentResult(
      const IdempotencyKey& key) override;

  absl::StatusOr<CommitOutcome> Commit(const Mutation& mutation) override;
  // Queues the write for a writer thread, which sends it with the others queued (see above).
  void CommitThen(Mutation mutation, CommitDone done) override;

  absl::StatusOr<std::vector<EventRecord>> ListEvents(const EventQuery& query) override;
  absl::StatusOr<int64_t> LatestEventSequence() override;

  absl::Status AppendAudit(const AuditRecord& record) override;
  // In one transaction sent in one round trip.
  absl::Status AppendAudits(absl::Span<const AuditRecord> records) override;

  absl::StatusOr<std::vector<AuditRecord>> ListAudit(absl::string_view resource_prefix,
                                                     int limit) override;

  // The version of the last migration applied to the database, for operators and tests.
  absl::StatusOr<int64_t> SchemaVersion();

 private:
  // A write CommitThen queued: the mutation, what its statements borrow, and its caller's done.
  struct QueuedWrite;

  PostgresStore(std::unique_ptr<postgres::ConnectionPool> pool,
                const PostgresStoreOptions& options);
  // A writer thread: takes the writes queued, sends them together, answers each; until the
  // store is destroyed and nothing is queued.
  void WriteGroups();
  void CommitGroup(std::vector<std::unique_ptr<QueuedWrite>>& group);

  const std::unique_ptr<postgres::ConnectionPool> pool_;
  const size_t max_group_;
  const size_t max_queued_;
  const std::function<void(size_t)> on_write_batch_;
  absl::Mutex queue_mutex_;
  std::deque<std::unique_ptr<QueuedWrite>> queue_ ABSL_GUARDED_BY(queue_mutex_);
  bool stopping_ ABSL_GUARDED_BY(queue_mutex_) = false;
  std::vector<std::thread> writers_;  // last: started once everything above is
};

}  // namespace therapy::homework

#endif  // SERVICES_HOMEWORK_STORAGE_POSTGRES_POSTGRES_STORE_H_
