#include "services/homework/storage/sqlite/checkpointer.h"

#include <fcntl.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace therapy::homework::sqlite {

absl::StatusOr<std::unique_ptr<Checkpointer>> Checkpointer::Start(const std::string& path,
                                                                  Connection& writer,
                                                                  absl::Mutex& writer_mu,
                                                                  int pages) {
  if (pages < 1) return absl::InvalidArgumentError("SQLite checkpointer: pages must be positive");
  // The busy timeout bounds how long a restart keeps the writer waiting for readers to leave
  // the log (their transactions take milliseconds); the connection needs no cache.
  absl::StatusOr<std::unique_ptr<Connection>> connection = Connection::Open(path, kRestartWait);
  if (!connection.ok()) return connection.status();
  if (absl::Status status =
          (*connection)
              ->ExecuteScript("configure checkpoint connection", "PRAGMA cache_size = -256");
      !status.ok()) {
    return status;
  }
  // Opened to sync the pages a pass beside the writer copied (Checkpoint below).
  const int file = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (file < 0) {
    return absl::UnavailableError(
        absl::StrCat("SQLite checkpointer: cannot open the database file \"", path, "\""));
  }
  return std::unique_ptr<Checkpointer>(
      new Checkpointer(*std::move(connection), file, writer, writer_mu, pages));
}

Checkpointer::Checkpointer(std::unique_ptr<Connection> connection, int file, Connection& writer,
                           absl::Mutex& writer_mu, int pages)
    : connection_(std::move(connection)),
      file_(file),
      writer_(writer),
      writer_mu_(writer_mu),
      pages_(pages) {
  {
    absl::MutexLock lock(&writer_mu_);
    writer_.SetWalHook([this](int wal_frames) { OnCommit(wal_frames); });
  }
  thread_ = std::thread([this] { Run(); });
}

Checkpointer::~Checkpointer() {
  {
    absl::MutexLock lock(&writer_mu_);
    writer_.SetWalHook(nullptr);
  }
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  thread_.join();
  ::close(file_);
}

int64_t Checkpointer::Checkpoints() {
  absl::MutexLock lock(&mu_);
  return checkpoints_;
}

int64_t Checkpointer::Restarts() {
  absl::MutexLock lock(&mu_);
  return restarts_;
}

void Checkpointer::OnCommit(int wal_frames) {
  absl::MutexLock lock(&mu_);
  if (wal_frames < attempted_frames_) attempted_frames_ = 0;  // the log started again
  wal_frames_ = wal_frames;
  if (wal_frames - attempted_frames_ >= pages_) due_ = true;
}

void Checkpointer::Run() {
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](Checkpointer* self)
               ABSL_SHARED_LOCKS_REQUIRED(self->mu_) { return self->due_ || self->stopping_; },
          this));
      if (stopping_) return;
      due_ = false;
      // Whatever this attempt achieves, the next waits for `pages` more frames: a reader that
      // holds the log back (a long export) or a failing disk then costs the writer a wait at
      // most once per `pages` frames, not at every commit.
      attempted_frames_ = wal_frames_;
    }
    Checkpoint().IgnoreError();
  }
}

absl::Status Checkpointer::Checkpoint() {
  absl::StatusOr<Connection::WalCheckpoint> wal = CopyBesideTheWriter();
  if (!wal.ok()) return wal.status();
  if (wal->wal_frames >= 2 * pages_) {
    // The log did not start again since the last pass: the writer kept it busy. Passes beside
    // it first copy what it wrote during the last one, each shorter than the one before, until
    // few frames are left; those are copied with the writer waiting, which also waits for
    // readers to leave the log, so that the next commit starts it again.
    for (int pass = 1; pass < kPassesBeforeRestart && Uncopied(*wal) > kFramesLeftToRestart;
         ++pass) {
      wal = CopyBesideTheWriter();
      if (!wal.ok()) return wal.status();
    }
    {
      absl::MutexLock lock(&mu_);
      ++restarts_;
    }
    absl::MutexLock lock(&writer_mu_);
    wal = connection_->Checkpoint(Connection::CheckpointMode::kRestart);
    if (!wal.ok()) return wal.status();
  }
  if (wal->checkpointed_frames > 0) {
    absl::MutexLock lock(&mu_);
    ++checkpoints_;
  }
  return absl::OkStatus();
}

absl::StatusOr<Connection::WalCheckpoint> Checkpointer::CopyBesideTheWriter() {
  absl::StatusOr<Connection::WalCheckpoint> wal =
      connection_->Checkpoint(Connection::CheckpointMode::kPassive);
  if (!wal.ok()) return wal.status();
  // SQLite syncs the file after a checkpoint only when it copied the whole log, which a pass
  // beside a busy writer never does: every page copied stayed unsynced until the RESTART
  // synced them all with the writer waiting (13-19 ms a time at 9,000 completions a second).
  // Synced here, they leave it only its own pages. SQLite still syncs the file itself before
  // the log starts again; nothing else depends on this sync.
  if (wal->checkpointed_frames > 0 && ::fdatasync(file_) != 0) {
    return absl::UnavailableError("SQLite checkpointer: syncing the database file failed");
  }
  return wal;
}

int Checkpointer::Uncopied(const Connection::WalCheckpoint& last_pass) {
  absl::MutexLock lock(&mu_);
  return wal_frames_ - last_pass.checkpointed_frames;
}

}  // namespace therapy::homework::sqlite
