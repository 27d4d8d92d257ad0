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

// For tests of what waits for audit records (runtime/audit_batcher.h and the RPC glue over it)
// and for commits (the RPC glue's deferred commits). A memory store whose audit appends can be
// held until released, or failed, and which notes how many records each append carried and
// counts its client reads; and whose commits without waiting (CommitThen) can be held, as they
// wait for SQLite's writer thread, then committed and answered by ReleaseCommits, and whose next
// commits of either kind can be failed.
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

  absl::StatusOr<CommitOutcome> Commit(const Mutation& mutation) override {
    {
      absl::MutexLock lock(&mu_);
      if (commit_failures_ > 0) {
        --commit_failures_;
        return commit_failure_;
      }
    }
    return ForwardingStore::Commit(mutation);
  }
  void CommitThen(Mutation mutation, CommitDone done) override {
    {
      absl::MutexLock lock(&mu_);
      ++commits_then_;
      if (commits_held_) {
        held_commits_.push_back({std::move(mutation), std::move(done)});
        return;
      }
    }
    std::move(done)(Commit(mutation));
  }

  // CommitThen keeps its mutations, uncommitted, until ReleaseCommits.
  void HoldCommits() {
    absl::MutexLock lock(&mu_);
    commits_held_ = true;
  }
  // Commits the held mutations in order, on this thread, answering each; holds no more.
  void ReleaseCommits() {
    std::vector<HeldCommit> held;
    {
      absl::MutexLock lock(&mu_);
      commits_held_ = false;
      held.swap(held_commits_);
    }
    for (HeldCommit& commit : held) std::move(commit.done)(Commit(commit.mutation));
  }
  size_t held_commits() {
    absl::MutexLock lock(&mu_);
    return held_commits_.size();
  }
  // How many commits went through CommitThen.
  int commits_then() {
    absl::MutexLock lock(&mu_);
    return commits_then_;
  }
  // The next `count` commits (Commit, or CommitThen when answered) fail with `failure`.
  void FailCommits(int count, absl::Status failure) {
    absl::MutexLock lock(&mu_);
    commit_failures_ = count;
    commit_failure_ = std::move(failure);
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
  struct HeldCommit {
    Mutation mutation;
    CommitDone done;
  };
  bool commits_held_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<HeldCommit> held_commits_ ABSL_GUARDED_BY(mu_);
  int commits_then_ ABSL_GUARDED_BY(mu_) = 0;
  int commit_failures_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Status commit_failure_ ABSL_GUARDED_BY(mu_);
};

}  // namespace therapy::homework

#endif  // SERVICES_HOMEWORK_STORAGE_MEMORY_AUDIT_GATE_STORE_H_
