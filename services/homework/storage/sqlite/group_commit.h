#ifndef SERVICES_HOMEWORK_STORAGE_SQLITE_GROUP_COMMIT_H_
#define SERVICES_HOMEWORK_STORAGE_SQLITE_GROUP_COMMIT_H_

#include <cstddef>
#include <functional>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "services/homework/storage/sqlite/connection.h"

namespace therapy::homework::sqlite {

// Group commit: concurrent writes share one transaction, so they share one fsync.
//
// A durable commit costs an fdatasync (100-200 us here), which caps one-commit-per-write at a
// few thousand writes a second however many callers wait. With GroupCommit, whoever finds no
// batch running becomes the leader: it takes every write queued so far, runs them one after the
// other inside BEGIN IMMEDIATE ... COMMIT, each in its own SAVEPOINT, and then wakes their
// callers. Writes that arrive meanwhile queue for the next batch. Each write is still atomic
// and isolated on its own: a write that fails or declines (returns anything but kCommitted) is
// rolled back to its savepoint and the others go on. A caller learns its result only after the
// COMMIT has returned, so an acknowledged write is on disk (with synchronous=FULL).
//
// A write may ask for less: kAtNextSync commits without waiting for the fsync (SQLite's
// synchronous=NORMAL for that batch). It is in the WAL when the caller hears back, so it
// survives a crash of the process; an operating-system crash or power cut can lose it until
// the next durable commit or Sync() (which the store calls every 100 milliseconds),
// as PostgreSQL's asynchronous commit does. The store uses it only for the audit records of
// reads; every change to the data is durable before it is acknowledged.
//
// If the transaction itself fails (BEGIN, a savepoint, or COMMIT, or SQLite rolls the whole
// transaction back after an I/O error), every write of the batch gets that error: none of them
// was committed, and a retry is safe.
enum class Durability {
  kDurable,     // on disk before Run returns
  kAtNextSync,  // in the WAL before Run returns; on disk at the next durable commit or Sync
};

template <typename Outcome>
class GroupCommit {
 public:
  // A write: runs statements on the connection and says whether to keep them (`committed`).
  using Write = absl::FunctionRef<absl::StatusOr<Outcome>(Connection&)>;

  // `connection` is used only under `connection_mu`, which other users of the connection
  // (migrations, settings) also take. At most `max_batch` writes share a transaction.
  // `on_batch`, when set, hears how many writes each transaction carried (for metrics).
  GroupCommit(Connection& connection, absl::Mutex& connection_mu, Outcome committed,
              size_t max_batch = 256, std::function<void(size_t)> on_batch = nullptr)
      : connection_(connection),
        connection_mu_(connection_mu),
        committed_(committed),
        max_batch_(max_batch),
        on_batch_(std::move(on_batch)) {}

  GroupCommit(const GroupCommit&) = delete;
  GroupCommit& operator=(const GroupCommit&) = delete;

  // Runs `write` in the next batch and returns once that batch has committed or failed.
  absl::StatusOr<Outcome> Run(Write write, Durability durability = Durability::kDurable) {
    Pending pending{write, durability};
    queue_mu_.Lock();
    queue_.push_back(&pending);
    while (!pending.done) {
      if (leader_active_) {
        wake_.Wait(&queue_mu_);
        continue;
      }
      leader_active_ = true;
      const size_t size = queue_.size() < max_batch_ ? queue_.size() : max_batch_;
      std::vector<Pending*> batch(queue_.begin(), queue_.begin() + static_cast<long>(size));
      queue_.erase(queue_.begin(), queue_.begin() + static_cast<long>(size));
      queue_mu_.Unlock();
      RunBatch(batch);
      queue_mu_.Lock();
      for (Pending* done : batch) done->done = true;
      leader_active_ = false;
      wake_.SignalAll();
    }
    queue_mu_.Unlock();
    return pending.result;
  }

  // Makes every write committed so far durable: when a batch was committed without fsync since
  // the last durable commit, calls `flush` (which fsyncs the WAL file) under the connection's
  // lock.
  absl::Status Sync(absl::FunctionRef<absl::Status()> flush) {
    absl::MutexLock lock(&connection_mu_);
    if (!unsynced_) return absl::OkStatus();
    absl::Status status = flush();
    if (status.ok()) unsynced_ = false;
    return status;
  }

 private:
  struct Pending {
    Write write;
    Durability durability;
    absl::StatusOr<Outcome> result = absl::UnknownError("write did not run");
    bool ran = false;   // its own result is in `result`
    bool done = false;  // the batch is over: the caller may read `result`
  };

  static constexpr Sql kSavepoint{"begin write", "SAVEPOINT write"};
  static constexpr Sql kRollbackTo{"undo write", "ROLLBACK TO write"};
  static constexpr Sql kRelease{"end write", "RELEASE write"};
  static constexpr Sql kSyncNormal{"commit without fsync", "PRAGMA synchronous = NORMAL"};
  static constexpr Sql kSyncFull{"commit with fsync", "PRAGMA synchronous = FULL"};

  void RunBatch(const std::vector<Pending*>& batch) {
    if (on_batch_) on_batch_(batch.size());
    absl::MutexLock lock(&connection_mu_);
    // Nothing of the batch is committed: every write gets `status`, but for those that had
    // already failed on their own.
    const auto fail_all = [&](const absl::Status& status) {
      for (Pending* pending : batch) {
        if (!pending->ran || pending->result.ok()) pending->result = status;
      }
    };
    bool durable = false;
    for (const Pending* pending : batch) durable |= pending->durability == Durability::kDurable;
    if (!durable) {
      if (absl::Status status = Step(kSyncNormal); !status.ok()) return fail_all(status);
      synchronous_full_ = false;
    } else if (!synchronous_full_) {
      if (absl::Status status = Step(kSyncFull); !status.ok()) return fail_all(status);
      synchronous_full_ = true;
    }
    const bool committed = CommitBatch(batch, fail_all);
    if (!durable) {
      unsynced_ |= committed;
      // Back to FULL for every other batch. Should even that fail, the durable batch would
      // commit without fsync, so the next durable batch sets FULL again before it begins.
      synchronous_full_ = Step(kSyncFull).ok();
    } else if (committed) {
      unsynced_ = false;  // the fsync of this COMMIT covered every earlier frame of the WAL
    }
  }

  // One transaction for the batch; true when it committed.
  template <typename FailAll>
  bool CommitBatch(const std::vector<Pending*>& batch, const FailAll& fail_all) {
    absl::StatusOr<Transaction> transaction = Transaction::BeginImmediate(connection_);
    if (!transaction.ok()) {
      fail_all(transaction.status());
      return false;
    }
    const auto fail = [&](const absl::Status& status) {
      fail_all(status);
      return false;  // ~Transaction rolls back what is left
    };
    for (Pending* pending : batch) {
      if (absl::Status status = Step(kSavepoint); !status.ok()) return fail(status);
      pending->result = pending->write(connection_);
      pending->ran = true;
      if (!connection_.InTransaction()) {
        // SQLite rolled the whole transaction back (I/O error, disk full): the batch is lost.
        return fail(absl::UnavailableError(
            "SQLite rolled back a shared write transaction after an error; retry"));
      }
      if (!pending->result.ok() || *pending->result != committed_) {
        if (absl::Status status = Step(kRollbackTo); !status.ok()) return fail(status);
      }
      if (absl::Status status = Step(kRelease); !status.ok()) return fail(status);
    }
    if (absl::Status status = transaction->Commit(); !status.ok()) return fail(status);
    return true;
  }

  absl::Status Step(const Sql& sql) {
    absl::StatusOr<Statement> statement = connection_.Prepare(sql);
    if (!statement.ok()) return statement.status();
    return statement->Run();
  }

  Connection& connection_;
  absl::Mutex& connection_mu_;
  const Outcome committed_;
  const size_t max_batch_;
  const std::function<void(size_t)> on_batch_;
  // Whether a batch was committed without fsync since the last durable commit or Sync. Used
  // under connection_mu_.
  bool unsynced_ = false;
  // Whether the connection is at synchronous=FULL, as the store opened it. Under connection_mu_.
  bool synchronous_full_ = true;

  absl::Mutex queue_mu_;
  absl::CondVar wake_;
  std::vector<Pending*> queue_ ABSL_GUARDED_BY(queue_mu_);
  bool leader_active_ ABSL_GUARDED_BY(queue_mu_) = false;
};

}  // namespace therapy::homework::sqlite

#endif  // SERVICES_HOMEWORK_STORAGE_SQLITE_GROUP_COMMIT_H_
