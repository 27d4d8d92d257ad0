#ifndef SERVICES_HOMEWORK_STORAGE_STORE_CONTRACT_TEST_H_
#define SERVICES_HOMEWORK_STORAGE_STORE_CONTRACT_TEST_H_

// The contract suite of the Store seam: every backend must pass it. A backend's test
// instantiates it with a factory that returns a new, empty store on each call:
//
//   INSTANTIATE_TEST_SUITE_P(Sqlite, StoreContractTest,
//                            testing::Values(StoreFactory(&MakeEmptySqliteStore)));
//
// and links the target homework_store_contract_tests. The tests are in store_contract_test.cc.

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "services/homework/storage/store.h"

namespace therapy::homework {

// Returns a new, empty store; never null.
using StoreFactory = std::function<std::unique_ptr<Store>()>;

class StoreContractTest : public ::testing::TestWithParam<StoreFactory> {
 protected:
  void SetUp() override {
    store_ = GetParam()();
    ASSERT_NE(store_, nullptr);
  }

  Store& store() { return *store_; }

 private:
  std::unique_ptr<Store> store_;
};

// What the callers of Store::CommitThen heard, for a test: Done(i) is the `done` of the i-th
// write handed over, and Await waits until every one of them has been answered.
class CommitThenAnswers {
 public:
  explicit CommitThenAnswers(size_t writes) : answers_(writes) {}

  Store::CommitDone Done(size_t i) {
    return [this, i](absl::StatusOr<CommitOutcome> outcome) {
      absl::MutexLock lock(&mutex_);
      answers_[i] = std::move(outcome);
    };
  }

  // The answers in the order of the writes, once all are in, or after 30 s with the missing ones
  // DEADLINE_EXCEEDED.
  std::vector<absl::StatusOr<CommitOutcome>> Await() {
    absl::MutexLock lock(&mutex_);
    mutex_.AwaitWithTimeout(absl::Condition(this, &CommitThenAnswers::AllIn), absl::Seconds(30));
    std::vector<absl::StatusOr<CommitOutcome>> answers;
    for (const std::optional<absl::StatusOr<CommitOutcome>>& answer : answers_) {
      answers.push_back(answer.value_or(absl::DeadlineExceededError("not answered in 30 s")));
    }
    return answers;
  }

 private:
  bool AllIn() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
    for (const auto& answer : answers_) {
      if (!answer.has_value()) return false;
    }
    return true;
  }

  absl::Mutex mutex_;
  std::vector<std::optional<absl::StatusOr<CommitOutcome>>> answers_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace therapy::homework

#endif  // SERVICES_HOMEWORK_STORAGE_STORE_CONTRACT_TEST_H_
