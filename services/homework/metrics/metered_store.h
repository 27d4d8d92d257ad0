#ifndef SERVICES_HOMEWORK_METRICS_METERED_STORE_H_
#define SERVICES_HOMEWORK_METRICS_METERED_STORE_H_

#include <atomic>
#include <cstddef>
#include <functional>
#include <utility>

#include "absl/time/time.h"
#include "services/homework/metrics/metrics.h"
#include "services/homework/storage/forwarding_store.h"

namespace therapy::homework {

// A Store that times every Commit (latency, events appended) and counts the commits and audit
// appends in flight (what waits in the group commit's queue), then passes the call through.
class MeteredStore final : public ForwardingStore {
 public:
  // Both must outlive this store.
  MeteredStore(Store& store, Metrics& metrics) : ForwardingStore(store), metrics_(metrics) {}

  int64_t commits_in_flight() const { return commits_in_flight_.load(); }
  // Whether the last write (a commit or an audit append) found the store's disk full (the
  // stores' RESOURCE_EXHAUSTED). A later successful commit clears it.
  bool disk_full() const { return disk_full_.load(); }
  // Called with the new value each time disk_full() changes, on the thread of the write that
  // changed it (so once per episode, not once per refused call). Set before the store is used.
  void OnDiskFullChange(std::function<void(bool)> callback) {
    on_disk_full_change_ = std::move(callback);
  }
  int64_t audits_in_flight() const { return audits_in_flight_.load(); }

  absl::StatusOr<CommitOutcome> Commit(const Mutation& mutation) override;
  void CommitThen(Mutation mutation, CommitDone done) override;
  absl::Status AppendAudit(const AuditRecord& record) override;
  absl::Status AppendAudits(absl::Span<const AuditRecord> records) override;

 private:
  Metrics& metrics_;
  // Notes whether a write's answer says the disk is full (or, when OK, that it is not).
  void NoteWrite(const absl::Status& status);
  // What Commit and CommitThen note of each commit once it is over.
  void NoteCommit(absl::Time start, size_t events, const absl::Status& status);

  std::atomic<int64_t> commits_in_flight_{0};
  std::atomic<bool> disk_full_{false};
  std::function<void(bool)> on_disk_full_change_;
  std::atomic<int64_t> audits_in_flight_{0};
};

}  // namespace therapy::homework

#endif  // SERVICES_HOMEWORK_METRICS_METERED_STORE_H_
