#ifndef SERVICES_HOMEWORK_CORE_DEFERRED_COMMIT_H_
#define SERVICES_HOMEWORK_CORE_DEFERRED_COMMIT_H_

#include <optional>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/homework/storage/store.h"

namespace therapy::homework {

// A write's commit held back, so that a transport whose threads must not block can run the use
// case on one of them and hand the commit to the store without waiting for it
// (Homework::CommitThen, Store::CommitThen), answering the call when the store says how the
// commit ended (docs/decisions/0029-commits-without-a-waiting-thread.md).
//
// While a DeferredCommit is alive on a thread, Homework::Commit keeps the mutation here instead
// of committing it and answers kCommitted, so the use case runs on to the answer it gives when
// its write commits. Whoever made the DeferredCommit must then commit Take()'s mutation and send
// that answer only if the outcome is kCommitted. On any other outcome nothing of the mutation was
// written, and the call is run again without a DeferredCommit, where the use case commits and
// decides as it always does (a duplicate request replays the first one's answer, an error is
// the answer). A call whose use case returned an error holds no mutation: its answer stands.
//
// Only for use cases whose commit is the last thing they do with an effect: one Commit, and
// after it no read, only the answer built (Homework::CommitsLast lists them). A second Commit
// under one is refused (Refused() is then true, and the call must be run again without one).
//
// One per call, on the thread that runs the call's use case; not thread-safe; not nestable.
class DeferredCommit {
 public:
  DeferredCommit();
  ~DeferredCommit();
  DeferredCommit(const DeferredCommit&) = delete;
  DeferredCommit& operator=(const DeferredCommit&) = delete;

  // The one alive on this thread, or nullptr.
  static DeferredCommit* Active();

  // Homework::Commit's: keeps `mutation` and answers kCommitted; a second one is refused
  // (FAILED_PRECONDITION, and Refused()).
  absl::StatusOr<CommitOutcome> Hold(const Mutation& mutation);

  bool Refused() const { return refused_; }

  // The mutation held, if any; leaves none.
  std::optional<Mutation> Take();

 private:
  std::optional<Mutation> held_;
  bool refused_ = false;
};

}  // namespace therapy::homework

#endif  // SERVICES_HOMEWORK_CORE_DEFERRED_COMMIT_H_
