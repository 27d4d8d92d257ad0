#ifndef SERVICES_HOMEWORK_STORAGE_SQLITE_CHECKPOINTER_H_
#define SERVICES_HOMEWORK_STORAGE_SQLITE_CHECKPOINTER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/homework/storage/sqlite/connection.h"

namespace therapy::homework::sqlite {

// Checkpoints a database's write-ahead log on a thread of its own (docs/decisions/0027).
//
// SQLite's automatic checkpoint runs inside the commit that takes the log past its mark: on the
// writer's thread, under the writer's lock, so every write queued behind that commit waits for
// the copy of thousands of pages and two fsyncs. A Checkpointer takes that work off the commit:
// the writer's WAL hook only tells it how long the log has grown, and when a commit leaves
// `pages` frames or more beyond its length when the last checkpoint began, its thread copies
// them into the database file with a PASSIVE checkpoint on its own connection, while the writer
// goes on committing, and then syncs the file (SQLite syncs it only after a checkpoint that
// copied the whole log, which a pass beside a busy writer never does).
//
// SQLite starts the log again from its beginning only at a commit that finds every frame copied
// and no reader reading from the log; with a writer that never pauses, the pass beside it always
// ends a few frames short. So when the log has reached twice `pages`, more passes beside the
// writer copy what it wrote during the one before (each shorter than the last) until few frames
// are left, and then the Checkpointer copies those with the writer's lock held, so that only
// their pages are left to sync, and waits up to kRestartWait for readers to leave the log (a
// RESTART checkpoint); the next commit then starts the log again. If readers stay longer, what
// could be copied was, and the next attempt comes `pages` frames later (as after any failure).
class Checkpointer {
 public:
  // Takes the checkpoints of `writer`, the connection to `path` that commits, used under
  // `writer_mu`, which must both outlive the Checkpointer. Opens a connection of its own, and the
  // file read-only to sync it.
  static absl::StatusOr<std::unique_ptr<Checkpointer>> Start(const std::string& path,
                                                             Connection& writer,
                                                             absl::Mutex& writer_mu, int pages);

  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;
  // Stops, and unhooks `writer`: its commits checkpoint nothing after that (SQLite checkpoints
  // the log when the last connection to the database closes).
  ~Checkpointer();

  // Checkpoints that copied frames so far, and second passes (the writer waiting) begun; for
  // tests.
  int64_t Checkpoints();
  int64_t Restarts();

  static constexpr absl::Duration kRestartWait = absl::Milliseconds(100);

 private:
  Checkpointer(std::unique_ptr<Connection> connection, int file, Connection& writer,
               absl::Mutex& writer_mu, int pages);

  // Called by the writer after each commit.
  void OnCommit(int wal_frames);
  // Until the destructor: waits for a commit to ask, then checkpoints.
  void Run();
  absl::Status Checkpoint();
  // A PASSIVE checkpoint, then a sync of the pages it copied.
  absl::StatusOr<Connection::WalCheckpoint> CopyBesideTheWriter();
  // Frames of the log as the writer left it that `last_pass` had not copied.
  int Uncopied(const Connection::WalCheckpoint& last_pass);

  // Before a RESTART, passes beside the writer copy the log until at most kFramesLeftToRestart
  // frames are left, kPassesBeforeRestart passes at most.
  static constexpr int kPassesBeforeRestart = 4;
  static constexpr int kFramesLeftToRestart = 256;

  const std::unique_ptr<Connection> connection_;  // used on the thread only
  const int file_;                                // the database file, read-only, to sync it
  Connection& writer_;
  absl::Mutex& writer_mu_;
  const int pages_;

  absl::Mutex mu_;
  bool due_ ABSL_GUARDED_BY(mu_) = false;
  // The log's length after the last commit, and at the start of the last checkpoint (0 once the
  // log starts again): the next is due `pages_` frames after that, whatever the last achieved.
  int wal_frames_ ABSL_GUARDED_BY(mu_) = 0;
  int attempted_frames_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  int64_t checkpoints_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t restarts_ ABSL_GUARDED_BY(mu_) = 0;
  std::thread thread_;
};

}  // namespace therapy::homework::sqlite

#endif  // SERVICES_HOMEWORK_STORAGE_SQLITE_CHECKPOINTER_H_
