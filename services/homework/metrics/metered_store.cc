#include "services/homework/metrics/metered_store.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/time/clock.h"

namespace therapy::homework {

absl::StatusOr<CommitOutcome> MeteredStore::Commit(const Mutation& mutation) {
  ++commits_in_flight_;
  const absl::Time start = absl::Now();
  absl::StatusOr<CommitOutcome> outcome = inner().Commit(mutation);
  NoteCommit(start, mutation.events.size(), outcome.status());
  return outcome;
}

void MeteredStore::CommitThen(Mutation mutation, CommitDone done) {
  ++commits_in_flight_;
  const absl::Time start = absl::Now();
  const size_t events = mutation.events.size();
  inner().CommitThen(std::move(mutation), [this, start, events, done = std::move(done)](
                                              absl::StatusOr<CommitOutcome> outcome) mutable {
    NoteCommit(start, events, outcome.status());
    std::move(done)(std::move(outcome));
  });
}

void MeteredStore::NoteCommit(absl::Time start, size_t events, const absl::Status& status) {
  metrics_.RecordCommit(absl::Now() - start, events);
  --commits_in_flight_;
  NoteWrite(status);
}

void MeteredStore::NoteWrite(const absl::Status& status) {
  const bool full = status.code() == absl::StatusCode::kResourceExhausted &&
                    absl::StrContains(status.message(), "disk is full");
  if (!status.ok() && !full) return;  // another failure says nothing about the disk
  if (disk_full_.exchange(full) != full && on_disk_full_change_) on_disk_full_change_(full);
}

absl::Status MeteredStore::AppendAudit(const AuditRecord& record) {
  return AppendAudits({&record, 1});
}

absl::Status MeteredStore::AppendAudits(absl::Span<const AuditRecord> records) {
  ++audits_in_flight_;
  absl::Status status =
      records.size() == 1 ? inner().AppendAudit(records.front()) : inner().AppendAudits(records);
  --audits_in_flight_;
  if (!status.ok()) NoteWrite(status);  // an audit that got through may not have synced yet
  return status;
}

}  // namespace therapy::homework
