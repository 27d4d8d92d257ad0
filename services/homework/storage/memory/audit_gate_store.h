#ifndef SERVICES_HOMEWORK_STORAGE_MEMORY_AUDIT_GATE_STORE_H_
#define SERVICES_HOMEWORK_STORAGE_MEMORY_AUDIT_GATE_STORE_H_

#include <atomic>
#include <cstddef>
#include <optional>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "services/homework/storage/forwarding_store.h"
#include "services/homework/storage/memory/memory_store.h"

namespace therapy::homework {

// For tests of what waits for audit records (runtime/audit_batcher.h and the RPC glue over it).
// A memory store whose audit appends can be held until released, or failed, and which notes how
// many records each append carried and counts its client reads.
class AuditGateStore final : public ForwardingStore {
 public:
  AuditGateStore() : ForwardingStore(memory_) {}

  absl::StatusOr<std::optional<v1::Client>> GetClient(absl::string_view name) override {
    ++client_reads;
    return ForwardingStore::GetClient(name);
  }

  absl::Status AppendAudits(absl::Span<const AuditRecord> records) override {
    {
      absl::MutexLock lock(&mu_);
      appends_.push_back(records.size());
      mu_.Await(absl::Condition(
          +[](bool* held) { return !*held; }, &held_));
      if (!failure_.ok()) return failure_;
    }
    return ForwardingStore::AppendAudits(records);
  }
  absl::Status AppendAudit(const AuditRecord& record) override {
    return AppendAudits({&record, 1});
  }

  void Hold() {
    absl::MutexLock lock(&mu_);
    held_ = true;
  }
  void Release() {
    absl::MutexLock lock(&mu_);
    held_ = false;
  }
  void Fail(absl::Status failure) {
    absl::MutexLock lock(&mu_);
    failure_ = std::move(failure);
  }
  // How many records each append carried, in order (the held one included).
  std::vector<size_t> appends() {
    absl::MutexLock lock(&mu_);
    return appends_;
  }

  std::atomic<int> client_reads = 0;

 private:
  MemoryStore memory_;  // constructed after the base, which only keeps the reference
  absl::Mutex mu_;
  bool held_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status failure_ ABSL_GUARDED_BY(mu_);
  std::vector<size_t> appends_ ABSL_GUARDED_BY(mu_);
};

}  // namespace therapy::homework

#endif  // SERVICES_HOMEWORK_STORAGE_MEMORY_AUDIT_GATE_STORE_H_
