#ifndef SERVICES_HOMEWORK_STORAGE_SQLITE_GROUP_COMMIT_H_
#define SERVICES_HOMEWORK_STORAGE_SQLITE_GROUP_COMMIT_H_

#include <cstddef>
#include <functional>
#include <memory>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "services/homework/storage/sqlite/connection.h"

namespace therapy::homework::sqlite {

// Group commit: concurrent writes share one transaction, so they share one fsync.
//
// A durable commit costs an fdatasync (100-200 us here), which caps one-commit-per-write at a
// few thousand writes a second however many callers wait. With GroupCommit, a writer thread of
// its own takes every write queued so far, runs them one after the other inside one BEGIN
// IMMEDIATE ... COMMIT, and then wakes their callers; writes that arrive meanwhile queue for the
// next batch, which it starts as soon as this one is over. A caller learns its result only after
// the COMMIT has returned, so an acknowledged write is on disk when the connection is at
// synchronous=FULL.
//
// (Until 2026-12-06 the first caller to find no batch running led it on its own thread and
// handed the lead to the next caller queued: no thread of its own, but a wake-up between every
// two batches, during which nothing was written, on a thread whose caches were cold. With the
// writer's own thread, durable completions at 64 in flight went from about 9,000 to 11,000 a
// second at a fifth less CPU each; a write alone waits for the writer's wake-up, a few tens of
// microseconds.)
//
// Each write is still atomic and isolated on its own: a write that fails or declines (returns
// anything but `committed`) leaves nothing behind and the others go on. The batch first runs
// every write plainly, one transaction and nothing else (no savepoints: most batches have no
// failure, and a savepoint per write costs statements and journal pages); only if some write
// fails or declines is the transaction rolled back and the batch run again with each write in
// its own SAVEPOINT, rolled back to it on failure. A write must therefore be a function of the
// database alone: it may run twice, and only the last run's result counts.
//
// The connection's synchronous setting is the store's choice, fixed when it is opened; a batch
// never switches it. A GroupCommit on a connection at synchronous=NORMAL (Durability::kAtNextSync,
// the audit database) commits without waiting for an fsync: each write is in the WAL when its
// caller hears back, so it survives a crash of the process, and Sync() (called periodically by
// its owner) puts it on disk, as PostgreSQL's asynchronous commit does.
//
// A caller that must not wait (a thread of an event-driven edge) Submits its write instead, with
// what to do once the batch is over. A second thread of the GroupCommit's own, the answering
// thread, runs that after the batch has committed or failed, in the order of the writes, while
// the writer's thread goes on with the next batch; so it must be short (hand an answer over, not
// write again), or it holds up the answers of the batches after it. (On the writer's thread, the
// answers of durable completions took a fifth of its samples, and it is the one thread every write
// goes through.) A Submit is refused at once when `max_queued` writes wait already: its caller
// goes the waiting way instead, on a thread that may block, so the queue stays bounded by the
// threads.
//
// If the transaction itself fails (BEGIN, a savepoint, or COMMIT, or SQLite rolls the whole
// transaction back after an I/O error), every write of the batch gets that error: none of them
// was committed, and a retry is safe.
enum class Durability {
  kDurable,     // the connection is at synchronous=FULL: on disk before Run returns
  kAtNextSync,  // synchronous=NORMAL: in the WAL before Run returns; on disk after Sync
};

template <typename Outcome>
class GroupCommit {
 public:
  // A write: runs statements on the connection and says whether to keep them (`committed`).
  // It may be run twice in one batch (see above).
  using Write = absl::FunctionRef<absl::StatusOr<Outcome>(Connection&)>;
  // A write that Submit keeps until its batch runs, and what its caller hears afterwards.
  using OwnedWrite = absl::AnyInvocable<absl::StatusOr<Outcome>(Connection&) const>;
  using Done = absl::AnyInvocable<void(absl::StatusOr<Outcome>) &&>;

  // `connection` is used only under `connection_mu`, which other users of the connection
  // (migrations, settings) also take; `durability` says how the store opened it. At most
  // `max_batch` writes share a transaction. `on_batch`, when set, hears how many writes each
  // transaction carried (for metrics), on the writer's thread. A Submit that finds `max_queued`
  // writes waiting is refused. Starts the writer's and the answering thread.
  GroupCommit(Connection& connection, absl::Mutex& connection_mu, Outcome committed,
              Durability durability, size_t max_batch = 256,
              std::function<void(size_t)> on_batch = nullptr, size_t max_queued = 4096)
      : connection_(connection),
        connection_mu_(connection_mu),
        committed_(committed),
        durability_(durability),
        max_batch_(max_batch),
        max_queued_(max_queued),
        on_batch_(std::move(on_batch)) {
    writer_ = std::thread([this] { WriteBatches(); });
    answerer_ = std::thread([this] { AnswerBatches(); });
  }

  GroupCommit(const GroupCommit&) = delete;
  GroupCommit& operator=(const GroupCommit&) = delete;

  // Runs `write` in the next batch and returns once that batch has committed or failed.
  absl::StatusOr<Outcome> Run(Write write) {
    Pending pending(write);
    absl::MutexLock lock(&queue_mu_);
    queue_.push_back(&pending);
    queue_mu_.Await(absl::Condition(&pending.done));
    return pending.result;
  }

  // Queues `write` for the next batch and returns at once. `done` hears the write's result as
  // Run would return it, on the answering thread after the batch; it must be short. When
  // `max_queued` writes wait already, `done` hears UNAVAILABLE at once, on this thread, and the
  // write never runs.
  void Submit(OwnedWrite write, Done done) {
    auto owned = std::make_unique<OwnedWrite>(std::move(write));
    auto pending = std::make_unique<Pending>(*owned);
    pending->owned = std::move(owned);
    pending->callback = std::move(done);
    {
      absl::MutexLock lock(&queue_mu_);
      if (queue_.size() < max_queued_ && !stopping_) {
        queue_.push_back(pending.release());  // the answering thread deletes it after `done`
        return;
      }
    }
    std::move(pending->callback)(
        absl::UnavailableError("the store's write queue is full; wait for a commit"));
  }

  // Writes the batches still queued, then stops the writer's thread. No Run may start after it
  // began.
  ~GroupCommit() {
    {
      absl::MutexLock lock(&queue_mu_);
      stopping_ = true;
    }
    writer_.join();
    {
      absl::MutexLock lock(&answers_mu_);
      answers_stopping_ = true;
    }
    answerer_.join();
  }

  // How many writes wait for a batch (for tests and metrics).
  size_t Waiting() {
    absl::MutexLock lock(&queue_mu_);
    return queue_.size();
  }

  // Makes every write committed so far durable: when a batch was committed since the last
  // Sync on a kAtNextSync connection, calls `flush` (which fsyncs the WAL file). Not under the
  // connection's lock, so that batches go on committing while the disk syncs: every batch
  // committed before the flag is cleared has written its WAL frames, and the fsync that follows
  // covers them; a batch committed meanwhile sets the flag again for the next Sync.
  absl::Status Sync(absl::FunctionRef<absl::Status()> flush) {
    {
      absl::MutexLock lock(&connection_mu_);
      if (!unsynced_) return absl::OkStatus();
      unsynced_ = false;
    }
    absl::Status status = flush();
    if (!status.ok()) {
      absl::MutexLock lock(&connection_mu_);
      unsynced_ = true;
    }
    return status;
  }

 private:
  struct Pending {
    explicit Pending(Write run) : write(run) {}
    Write write;  // Run's, or Submit's `owned`
    absl::StatusOr<Outcome> result = absl::UnknownError("write did not run");
    bool ran = false;   // its own result is in `result`
    bool done = false;  // the batch is over: Run's caller may read `result`
    // Submit's: the write kept, and what its caller hears (empty for Run's).
    std::unique_ptr<OwnedWrite> owned;
    Done callback;
  };

  // The writer's thread: a batch of every write queued (at most max_batch_) whenever there is
  // one, until the destructor asks it to stop and the queue is empty.
  void WriteBatches() {
    queue_mu_.Lock();
    while (true) {
      queue_mu_.Await(absl::Condition(
          +[](GroupCommit* self) { return !self->queue_.empty() || self->stopping_; }, this));
      if (queue_.empty()) break;
      const size_t size = queue_.size() < max_batch_ ? queue_.size() : max_batch_;
      std::vector<Pending*> batch(queue_.begin(), queue_.begin() + static_cast<long>(size));
      queue_.erase(queue_.begin(), queue_.begin() + static_cast<long>(size));
      queue_mu_.Unlock();
      RunBatch(batch);
      // Run's callers are woken (and their Pendings, on their stacks, are theirs again); Submit's
      // writes go to the answering thread, which tells their callers while this one writes on.
      std::vector<std::unique_ptr<Pending>> submitted;
      queue_mu_.Lock();
      for (Pending* done : batch) {
        if (done->callback) {
          submitted.emplace_back(done);
        } else {
          done->done = true;
        }
      }
      queue_mu_.Unlock();
      if (!submitted.empty()) {
        absl::MutexLock lock(&answers_mu_);
        for (std::unique_ptr<Pending>& done : submitted) answers_.push_back(std::move(done));
      }
      queue_mu_.Lock();
    }
    queue_mu_.Unlock();
  }

  // The answering thread: runs the callbacks of Submit's writes, batch after batch, until the
  // destructor asks it to stop and none is left.
  void AnswerBatches() {
    answers_mu_.Lock();
    while (true) {
      answers_mu_.Await(absl::Condition(
          +[](GroupCommit* self) { return !self->answers_.empty() || self->answers_stopping_; },
          this));
      if (answers_.empty()) break;
      std::vector<std::unique_ptr<Pending>> answering;
      answering.swap(answers_);
      answers_mu_.Unlock();
      for (const std::unique_ptr<Pending>& done : answering) {
        std::move(done->callback)(std::move(done->result));
      }
      answering.clear();
      answers_mu_.Lock();
    }
    answers_mu_.Unlock();
  }

  static constexpr Sql kSavepoint{"begin write", "SAVEPOINT write"};
  static constexpr Sql kRollbackTo{"undo write", "ROLLBACK TO write"};
  static constexpr Sql kRelease{"end write", "RELEASE write"};

  enum class Pass {
    kPlain,       // every write straight into the transaction
    kSavepoints,  // each write in its own savepoint, undone alone when it fails
  };
  enum class BatchResult {
    kCommitted,
    kFailed,         // the transaction failed: every write has its error
    kWriteDeclined,  // (plain pass only) a write failed or declined; the transaction is undone
  };

  void RunBatch(const std::vector<Pending*>& batch) {
    if (on_batch_) on_batch_(batch.size());
    absl::MutexLock lock(&connection_mu_);
    BatchResult result = CommitBatch(batch, Pass::kPlain);
    if (result == BatchResult::kWriteDeclined) result = CommitBatch(batch, Pass::kSavepoints);
    if (result == BatchResult::kCommitted && durability_ == Durability::kAtNextSync) {
      unsynced_ = true;
    }
  }

  BatchResult CommitBatch(const std::vector<Pending*>& batch, Pass pass) {
    // Nothing of the batch is committed: every write gets `status`, but for those that had
    // already failed on their own.
    const auto fail_all = [&](const absl::Status& status) {
      for (Pending* pending : batch) {
        if (!pending->ran || pending->result.ok()) pending->result = status;
      }
      return BatchResult::kFailed;  // ~Transaction rolls back what is left
    };
    for (Pending* pending : batch) pending->ran = false;
    absl::StatusOr<Transaction> transaction = Transaction::BeginImmediate(connection_);
    if (!transaction.ok()) return fail_all(transaction.status());
    // A write alone needs no savepoint even when it fails: the transaction is its own.
    const bool alone = batch.size() == 1;
    for (Pending* pending : batch) {
      const bool savepoint = pass == Pass::kSavepoints && !alone;
      if (savepoint) {
        if (absl::Status status = Step(kSavepoint); !status.ok()) return fail_all(status);
      }
      pending->result = pending->write(connection_);
      pending->ran = true;
      if (!connection_.InTransaction()) {
        // SQLite rolled the whole transaction back (I/O error, disk full): the batch is lost.
        return fail_all(absl::UnavailableError(
            "SQLite rolled back a shared write transaction after an error; retry"));
      }
      const bool keep = pending->result.ok() && *pending->result == committed_;
      if (!keep && alone) return BatchResult::kFailed;  // ~Transaction undoes it; its own result
      if (!keep && !savepoint) return BatchResult::kWriteDeclined;  // ~Transaction undoes all
      if (!keep) {
        if (absl::Status status = Step(kRollbackTo); !status.ok()) return fail_all(status);
      }
      if (savepoint) {
        if (absl::Status status = Step(kRelease); !status.ok()) return fail_all(status);
      }
    }
    if (absl::Status status = transaction->Commit(); !status.ok()) return fail_all(status);
    return BatchResult::kCommitted;
  }

  absl::Status Step(const Sql& sql) {
    absl::StatusOr<Statement> statement = connection_.Prepare(sql);
    if (!statement.ok()) return statement.status();
    return statement->Run();
  }

  Connection& connection_;
  absl::Mutex& connection_mu_;
  const Outcome committed_;
  const Durability durability_;
  const size_t max_batch_;
  const size_t max_queued_;
  const std::function<void(size_t)> on_batch_;
  // Whether a batch was committed without fsync since the last Sync. Used under connection_mu_.
  bool unsynced_ = false;

  absl::Mutex queue_mu_;
  std::vector<Pending*> queue_ ABSL_GUARDED_BY(queue_mu_);
  bool stopping_ ABSL_GUARDED_BY(queue_mu_) = false;
  std::thread writer_;

  absl::Mutex answers_mu_;
  std::vector<std::unique_ptr<Pending>> answers_ ABSL_GUARDED_BY(answers_mu_);
  bool answers_stopping_ ABSL_GUARDED_BY(answers_mu_) = false;
  std::thread answerer_;
};

}  // namespace therapy::homework::sqlite

#endif  // SERVICES_HOMEWORK_STORAGE_SQLITE_GROUP_COMMIT_H_
