#ifndef SERVICES_HOMEWORK_RUNTIME_AUDIT_BATCHER_H_
#define SERVICES_HOMEWORK_RUNTIME_AUDIT_BATCHER_H_

#include <cstddef>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "services/homework/storage/store.h"

namespace therapy::homework {

// Appends the audit records of many calls' reads and refusals in one store write
// (Store::AppendAudits), on a thread of its own, and tells each call when its records are in:
// the call answers only then, so every read is still audited before it is answered
// (docs/decisions/0024-audit-batches.md).
//
// The records that arrive while a write runs make the next write, so a batch grows with the
// load and needs no timer: a read alone waits for one write, as it did when it appended its own
// record; many reads at once share one. The threads that ran the calls do not wait at all: they
// queue the records with what to do once they are in, and take the next call.
//
// A store whose appends return without waiting for a commit (Store::AppendsAuditsAtOnce:
// SQLite's audit journal, ADR 0031) is appended to at once, on the caller's thread, and `done`
// runs there before Append returns: no hand-over, and the call is answered from its own thread.
//
// Thread-safe. The store must outlive it.
class AuditBatcher {
 public:
  // What a call does once its records are in (OK) or could not be written (the store's error):
  // runs on the batcher's thread (or the caller's), so it must be short (log the call, answer it).
  using Done = absl::AnyInvocable<void(absl::Status) &&>;

  // A write carries at most `max_records` records (more when one call brings more).
  explicit AuditBatcher(Store& store, std::size_t max_records = 1024);
  // Writes what is queued and runs its Dones, then stops.
  ~AuditBatcher();
  AuditBatcher(const AuditBatcher&) = delete;
  AuditBatcher& operator=(const AuditBatcher&) = delete;

  // Queues `records` for the next write and `done` to run with its status (or appends them and
  // runs `done` at once, see above). Records of one call are always in one write.
  void Append(std::vector<AuditRecord> records, Done done);

 private:
  struct Pending {
    std::vector<AuditRecord> records;
    Done done;
  };

  void Run();

  Store& store_;
  const std::size_t max_records_;
  absl::Mutex mu_;
  std::vector<Pending> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace therapy::homework

#endif  // SERVICES_HOMEWORK_RUNTIME_AUDIT_BATCHER_H_
