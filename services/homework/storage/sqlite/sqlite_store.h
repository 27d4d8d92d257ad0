#ifndef SERVICES_HOMEWORK_STORAGE_SQLITE_SQLITE_STORE_H_
#define SERVICES_HOMEWORK_STORAGE_SQLITE_SQLITE_STORE_H_

// Design notes. SqliteStore keeps each resource as its serialized proto in a BLOB beside the
// columns its queries filter and sort on (resource_rows.h derives them), so the proto stays the
// one definition of a resource and a new field needs no migration. The schema is created and
// evolved only by the numbered scripts in sqlite/migrations/, embedded at build time and applied
// at Open (migrations.h). The file is opened in WAL mode with synchronous=FULL, so a Commit that
// returned is on disk; foreign_keys is on and a busy timeout absorbs other processes (the
// operator tool) holding the lock briefly. One writer, behind its own mutex, runs the Commits
// in shared BEGIN IMMEDIATE transactions (group commit); a pool of readers lets reads proceed
// while a commit waits for the disk (WAL readers see the last committed state), and the log is
// copied into the file on a thread of its own, not inside a commit (ADR 0027). The audit
// records of reads and refusals go to a second file with its own writer (ADR 0017), written
// ahead to a journal beside it and committed in the background (ADR 0031). Lists are
// keyset-paged along indexes in their sort order (never OFFSET), so a page costs the same at
// any depth. The event log is a table appended inside the Commit transaction; its
// AUTOINCREMENT sequence follows commit order (writers hold SQLite's write lock) and is never
// reused. All SQL is named constants at the top of sqlite_store.cc, run as prepared
// statements with bound parameters; errors name the statement's purpose, never SQL or data.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "services/homework/storage/store.h"

namespace therapy::homework {

namespace sqlite {
class AuditJournal;
class Checkpointer;
class Connection;
template <typename Outcome>
class GroupCommit;
class ReaderPool;
}  // namespace sqlite

struct SqliteStoreOptions {
  std::string path;  // the database file, created when missing; its directory must exist
  // The audit database of reads and refusals (ADR 0017), created when missing; empty: the
  // database file's path followed by "-audit".
  std::string audit_path;
  absl::Duration busy_timeout = absl::Seconds(5);  // how long to wait for another writer
  int readers = 4;  // reading connections (1-64): concurrent reads run side by side
  // How often the audit records of reads, committed to the audit database without waiting for
  // an fsync, are synced to disk at the latest (every data write and its own audit record are
  // durable before the write is acknowledged). Zero: read audit records are durable at once too.
  absl::Duration audit_sync_interval = absl::Milliseconds(100);
  // When set, hears how many writes each shared transaction carried (group commit; metrics).
  std::function<void(size_t)> on_write_batch;
  // When set, hears the file name of each schema migration Open is about to apply, to the store
  // or to its audit database (ApplyMigrations), before it runs.
  std::function<void(absl::string_view file_name)> on_migration;
  // Holds an exclusive lock (flock) on the file's path followed by ".lock" while open, so that
  // no other store opened with this option, in this process or another, writes the file
  // meanwhile: what a cache of its rows needs (CachedStore). Such an open is FAILED_PRECONDITION.
  // It also lets reads' audit records be written ahead to a journal that is this store's alone
  // (ADR 0031), `<audit_path>-journal-0` and `-1`.
  bool only_writer = false;
};

// The settings in force on the writing connection, for operators and tests.
struct SqliteSettings {
  std::string journal_mode;  // "wal"
  int synchronous = 0;       // 2: FULL
  bool foreign_keys = false;
  int64_t schema_version = 0;  // the last migration applied
};

// How SQLite runs one of the store's lookups (EXPLAIN QUERY PLAN), for tests and operators.
struct QueryPlan {
  std::string purpose;             // the statement's purpose and its file: "read client (store)"
  std::vector<std::string> steps;  // the plan's lines: "SEARCH clients USING INDEX ... (name=?)"
};

// A Store in one SQLite file, with the audit records of reads and refusals in a second one (the
// audit database, ADR 0017), so that reads do not grow the file its readers map. Thread-safe.
// Several processes may open the same files (unless `only_writer`); writes are serialised by
// SQLite's lock and wait up
// to the busy timeout (then UNAVAILABLE). Within a process, concurrent writes share
// transactions and so share fsyncs (sqlite/group_commit.h): Commits on the store's file, each
// with its own audit record, and AppendAudits on the audit database, each on its own writer.
// Reads use a pool of connections (sqlite/reader_pool.h). Audit records of reads (AppendAudit)
// are in the audit journal (with `only_writer`; ADR 0031) or the audit database's WAL when the
// call returns, so they survive a crash of the process, and on disk within `audit_sync_interval`.
class SqliteStore final : public Store {
 public:
  // Opens or creates the database and brings its schema up to date. UNAVAILABLE when the file
  // cannot be opened or is locked past the busy timeout, FAILED_PRECONDITION when the database
  // was migrated by a newer binary, INTERNAL when it is not a database this store can use.
  static absl::StatusOr<std::unique_ptr<SqliteStore>> Open(const SqliteStoreOptions& options);

  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;
  ~SqliteStore() override;

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
  void CommitThen(Mutation mutation, CommitDone done) override;

  absl::StatusOr<std::vector<EventRecord>> ListEvents(const EventQuery& query) override;
  absl::StatusOr<int64_t> LatestEventSequence() override;

  absl::Status AppendAudit(const AuditRecord& record) override;
  // With a nonzero `audit_sync_interval` and `only_writer`: written ahead to the audit journal
  // and committed to the audit database in the background, in id order (ADR 0031); then
  // AppendsAuditsAtOnce is true.
  absl::Status AppendAudits(absl::Span<const AuditRecord> records) override;
  bool AppendsAuditsAtOnce() const override { return audit_journal_ != nullptr; }
  // Reads' audit records written ahead and not yet committed to the audit database that make a
  // new append wait: beyond them, appends are refused (the audit database is failing), and reads
  // fail closed, as they did when each waited for its commit.
  static constexpr size_t kMaxJournaledAudits = 100'000;
  // How long written-ahead records wait to be committed together, unless this many are queued
  // or a ListAudit waits for them: one commit then takes many reads' records, instead of one
  // commit (and two threads woken) for every few reads.
  static constexpr absl::Duration kJournaledAuditsGather = absl::Milliseconds(20);
  static constexpr size_t kJournaledAuditsBatch = 2048;

  absl::StatusOr<std::vector<AuditRecord>> ListAudit(absl::string_view resource_prefix,
                                                     int limit) override;

  absl::StatusOr<SqliteSettings> Settings();

  // The plan of every statement that looks rows up, on the store's file and on the audit
  // database.
  absl::StatusOr<std::vector<QueryPlan>> QueryPlans();

  // Indexes by resource the audit records not yet indexed, of the store's file and of the
  // audit database, at most kAuditIndexBulk of each, read on a reader and written in writes of
  // at most kAuditIndexChunk records (ADR 0026). The store does this every kAuditIndexInterval;
  // ListAudit finds every record once either way.
  absl::Status IndexAudit();
  static constexpr absl::Duration kAuditIndexInterval = absl::Seconds(1);
  static constexpr int64_t kAuditIndexBulk = 100'000;
  static constexpr size_t kAuditIndexChunk = 1'000;

  // Where the audit database of `options` is.
  static std::string AuditPath(const SqliteStoreOptions& options);

 private:
  SqliteStore(std::unique_ptr<sqlite::Connection> writer,
              std::vector<std::unique_ptr<sqlite::Connection>> readers,
              std::unique_ptr<sqlite::Connection> audit_writer,
              std::unique_ptr<sqlite::Connection> audit_reader, int audit_wal_fd,
              std::unique_ptr<sqlite::AuditJournal> audit_journal, int64_t next_audit_id,
              absl::Duration audit_sync_interval, std::function<void(size_t)> on_write_batch);

  struct PreparedMutation;
  static absl::StatusOr<PreparedMutation> PrepareMutation(const Mutation& mutation);
  // Commit's statements, in the writer's transaction.
  absl::StatusOr<CommitOutcome> WriteMutation(sqlite::Connection& db, const Mutation& mutation,
                                              const PreparedMutation& prepared);

  // Until closed: syncs audit records committed without fsync every `sync_interval` (when the
  // audit database waits for a sync), with the journal, and releases what the journal holds of
  // them; and indexes new records every kAuditIndexInterval.
  void KeepAuditUp(absl::Duration sync_interval);
  // The journal's records, committed to the audit database in id order, until the store closes
  // (what is left then stays in the journal for the next Open).
  void CommitJournaledAudits();

  absl::Mutex write_mu_;
  const std::unique_ptr<sqlite::Connection> writer_ ABSL_PT_GUARDED_BY(write_mu_);
  // Runs every Commit on writer_, under write_mu_, always durable (synchronous=FULL).
  const std::unique_ptr<sqlite::GroupCommit<CommitOutcome>> writes_;
  const std::unique_ptr<sqlite::ReaderPool> readers_;
  // Copies writer_'s log into the file on a thread of its own (set by Open).
  std::unique_ptr<sqlite::Checkpointer> checkpoints_;

  absl::Mutex audit_write_mu_;
  const std::unique_ptr<sqlite::Connection> audit_writer_ ABSL_PT_GUARDED_BY(audit_write_mu_);
  // Runs every AppendAudit on audit_writer_, under audit_write_mu_.
  const std::unique_ptr<sqlite::GroupCommit<CommitOutcome>> audit_writes_;
  absl::Mutex audit_read_mu_;
  const std::unique_ptr<sqlite::Connection> audit_reader_ ABSL_PT_GUARDED_BY(audit_read_mu_);
  std::unique_ptr<sqlite::Checkpointer> audit_checkpoints_;
  // The audit database's WAL file, opened to fsync it (-1 when its records are durable at once).
  const int audit_wal_fd_;
  // The locked ".lock" file of `only_writer` (-1 without it); closing it releases the lock.
  int only_writer_fd_ = -1;
  // The id of the next audit record, in either file: one order across both for ListAudit.
  std::atomic<int64_t> next_audit_id_;
  // Reads' audit records written ahead (ADR 0031; null when they are durable at once). Ids are
  // drawn and records appended and queued under audit_journal_mu_, so that the queue, and the
  // audit database after it, holds them in id order, as the bulk index needs (ADR 0026).
  const std::unique_ptr<sqlite::AuditJournal> audit_journal_ ABSL_PT_GUARDED_BY(audit_journal_mu_);
  absl::Mutex audit_journal_mu_;
  std::vector<std::pair<int64_t, AuditRecord>> journaled_ ABSL_GUARDED_BY(audit_journal_mu_);
  int64_t last_journaled_ ABSL_GUARDED_BY(audit_journal_mu_) = 0;
  int64_t committed_through_ ABSL_GUARDED_BY(audit_journal_mu_) = 0;
  bool stopping_commits_ ABSL_GUARDED_BY(audit_journal_mu_) = false;
  // ListAudit calls waiting for what is queued: the committer commits it without gathering more.
  int audit_listers_waiting_ ABSL_GUARDED_BY(audit_journal_mu_) = 0;
  absl::Notification closing_;
  std::thread audit_committer_;
  std::thread audit_upkeep_;
};

}  // namespace therapy::homework

#endif  // SERVICES_HOMEWORK_STORAGE_SQLITE_SQLITE_STORE_H_
