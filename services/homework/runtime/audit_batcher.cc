#include "services/homework/runtime/audit_batcher.h"

#include <iterator>
#include <utility>

namespace therapy::homework {

AuditBatcher::AuditBatcher(Store& store, std::size_t max_records)
    : store_(store), max_records_(max_records), thread_([this] { Run(); }) {}

AuditBatcher::~AuditBatcher() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  thread_.join();
}

void AuditBatcher::Append(std::vector<AuditRecord> records, Done done) {
  if (store_.AppendsAuditsAtOnce()) {
    std::move(done)(store_.AppendAudits(records));
    return;
  }
  absl::MutexLock lock(&mu_);
  queue_.push_back({.records = std::move(records), .done = std::move(done)});
}

void AuditBatcher::Run() {
  std::vector<Pending> batch;
  std::vector<AuditRecord> records;
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](AuditBatcher* self) ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->mu_) {
            return self->stopping_ || !self->queue_.empty();
          },
          this));
      if (queue_.empty()) return;  // stopping, and nothing is left
      std::size_t count = 0;
      auto end = queue_.begin();
      while (end != queue_.end() &&
             (end == queue_.begin() || count + end->records.size() <= max_records_)) {
        count += end->records.size();
        ++end;
      }
      batch.assign(std::make_move_iterator(queue_.begin()), std::make_move_iterator(end));
      queue_.erase(queue_.begin(), end);
    }
    records.clear();
    for (Pending& pending : batch) {
      records.insert(records.end(), std::make_move_iterator(pending.records.begin()),
                     std::make_move_iterator(pending.records.end()));
    }
    const absl::Status written = store_.AppendAudits(records);
    for (Pending& pending : batch) std::move(pending.done)(written);
    batch.clear();
  }
}

}  // namespace therapy::homework
