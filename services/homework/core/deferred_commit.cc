#include "services/homework/core/deferred_commit.h"

#include <utility>

namespace therapy::homework {
namespace {

thread_local DeferredCommit* active = nullptr;

}  // namespace

DeferredCommit::DeferredCommit() { active = this; }

DeferredCommit::~DeferredCommit() { active = nullptr; }

DeferredCommit* DeferredCommit::Active() { return active; }

absl::StatusOr<CommitOutcome> DeferredCommit::Hold(const Mutation& mutation) {
  if (held_.has_value() || refused_) {
    refused_ = true;
    return absl::FailedPreconditionError("a second commit in a call whose commit was deferred");
  }
  held_ = mutation;
  return CommitOutcome::kCommitted;
}

std::optional<Mutation> DeferredCommit::Take() { return std::exchange(held_, std::nullopt); }

}  // namespace therapy::homework
