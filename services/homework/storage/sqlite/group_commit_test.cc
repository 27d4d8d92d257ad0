#include "services/homework/storage/sqlite/group_commit.h"

#include <unistd.h>

#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "services/homework/storage/sqlite/connection.h"
#include "testing/status_matchers.h"

namespace therapy::homework::sqlite {
namespace {

using ::therapy::homework::testing::IsOk;
using ::therapy::homework::testing::StatusIs;

enum class Outcome { kKept, kDeclined };

constexpr Sql kCreate{"create table", "CREATE TABLE IF NOT EXISTS rows (name TEXT PRIMARY KEY)"};
constexpr Sql kInsert{"insert row", "INSERT INTO rows (name) VALUES (:name)"};
constexpr Sql kCount{"count rows", "SELECT COUNT(*) FROM rows WHERE name = :name"};

class GroupCommitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "group_commit_test.XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    folder_ = pattern;
    absl::StatusOr<std::unique_ptr<Connection>> connection =
        Connection::Open(folder_ + "/test.db", absl::Seconds(5));
    ASSERT_THAT(connection, IsOk());
    connection_ = *std::move(connection);
    ASSERT_THAT(connection_->ExecuteScript("set up", "PRAGMA journal_mode = WAL"), IsOk());
    ASSERT_THAT(connection_->ExecuteScript(kCreate.purpose, kCreate.text), IsOk());
  }
  void TearDown() override {
    connection_.reset();
    std::string command = absl::StrCat("rm -rf '", folder_, "'");
    (void)std::system(command.c_str());
  }

  // Inserts `name`: ALREADY_EXISTS when it is there.
  static absl::StatusOr<Outcome> Insert(Connection& db, const std::string& name) {
    absl::StatusOr<Statement> insert = db.Prepare(kInsert);
    if (!insert.ok()) return insert.status();
    insert->BindText(":name", name);
    absl::StatusOr<InsertResult> inserted = insert->Insert();
    if (!inserted.ok()) return inserted.status();
    if (*inserted == InsertResult::kDuplicateKey) return absl::AlreadyExistsError(name);
    return Outcome::kKept;
  }

  bool Stored(const std::string& name) {
    absl::MutexLock lock(&mu_);
    absl::StatusOr<Statement> count = connection_->Prepare(kCount);
    EXPECT_THAT(count, IsOk());
    count->BindText(":name", name);
    absl::StatusOr<bool> row = count->Step();
    EXPECT_TRUE(row.ok() && *row);
    return count->ColumnInt64(0) == 1;
  }

  // The sizes of the batches begun so far, as GroupCommit reports them.
  std::function<void(size_t)> RecordBatches() {
    return [this](size_t size) {
      absl::MutexLock lock(&batches_mu_);
      batches_.push_back(size);
    };
  }
  std::vector<size_t> Batches() {
    absl::MutexLock lock(&batches_mu_);
    return batches_;
  }
  // Holds the connection's lock, so that the first write's batch waits for it while the
  // others queue behind it.
  template <typename Outcome_>
  void HoldFirstBatch(GroupCommit<Outcome_>& writes, std::vector<std::thread>& threads,
                      absl::StatusOr<Outcome_>& first) {
    mu_.Lock();
    threads.emplace_back(
        [&] { first = writes.Run([&](Connection& db) { return Insert(db, "first"); }); });
    while (Batches().empty()) absl::SleepFor(absl::Milliseconds(1));
  }

  std::string folder_;
  absl::Mutex batches_mu_;
  std::vector<size_t> batches_;
  absl::Mutex mu_;
  std::unique_ptr<Connection> connection_;
};

// Four writes forced into one batch (the connection is held while they queue): one succeeds,
// one fails after writing a row, one declines after writing a row, one succeeds. The failed and
// the declined leave nothing behind; the others are committed and told so; each caller gets its
// own result.
TEST_F(GroupCommitTest, AWriteThatFailsOrDeclinesInABatchLeavesTheOthersCommitted) {
  GroupCommit<Outcome> writes(*connection_, mu_, Outcome::kKept, Durability::kDurable, 256,
                              RecordBatches());
  absl::StatusOr<Outcome> first = absl::UnknownError("not run");
  absl::StatusOr<Outcome> good = absl::UnknownError("not run");
  absl::StatusOr<Outcome> failing = absl::UnknownError("not run");
  absl::StatusOr<Outcome> declining = absl::UnknownError("not run");
  absl::StatusOr<Outcome> last = absl::UnknownError("not run");
  std::vector<std::thread> threads;
  HoldFirstBatch(writes, threads, first);
  threads.emplace_back(
      [&] { good = writes.Run([&](Connection& db) { return Insert(db, "good"); }); });
  while (writes.Waiting() < 1) absl::SleepFor(absl::Milliseconds(1));
  threads.emplace_back([&] {
    failing = writes.Run([&](Connection& db) -> absl::StatusOr<Outcome> {
      absl::StatusOr<Outcome> inserted = Insert(db, "failing");
      if (!inserted.ok()) return inserted;
      return absl::InvalidArgumentError("a later statement of this write failed");
    });
  });
  while (writes.Waiting() < 2) absl::SleepFor(absl::Milliseconds(1));
  threads.emplace_back([&] {
    declining = writes.Run([&](Connection& db) -> absl::StatusOr<Outcome> {
      absl::StatusOr<Outcome> inserted = Insert(db, "declining");
      if (!inserted.ok()) return inserted;
      return Outcome::kDeclined;
    });
  });
  while (writes.Waiting() < 3) absl::SleepFor(absl::Milliseconds(1));
  threads.emplace_back(
      [&] { last = writes.Run([&](Connection& db) { return Insert(db, "last"); }); });
  while (writes.Waiting() < 4) absl::SleepFor(absl::Milliseconds(1));
  mu_.Unlock();
  for (std::thread& thread : threads) thread.join();

  ASSERT_EQ(Batches(), (std::vector<size_t>{1, 4}));  // the four did share one batch
  ASSERT_THAT(first, IsOk());
  ASSERT_THAT(good, IsOk());
  EXPECT_EQ(*good, Outcome::kKept);
  EXPECT_THAT(failing, StatusIs(absl::StatusCode::kInvalidArgument));
  ASSERT_THAT(declining, IsOk());
  EXPECT_EQ(*declining, Outcome::kDeclined);
  ASSERT_THAT(last, IsOk());
  EXPECT_EQ(*last, Outcome::kKept);
  EXPECT_TRUE(Stored("first"));
  EXPECT_TRUE(Stored("good"));
  EXPECT_FALSE(Stored("failing"));
  EXPECT_FALSE(Stored("declining"));
  EXPECT_TRUE(Stored("last"));
}

// A write that collides with one before it in the same batch fails on its own, whether the
// batch runs plainly or again with savepoints, and the one it collided with is kept.
TEST_F(GroupCommitTest, TwoWritesOfOneKeyInABatchKeepTheFirst) {
  GroupCommit<Outcome> writes(*connection_, mu_, Outcome::kKept, Durability::kDurable, 256,
                              RecordBatches());
  constexpr int kWriters = 6;
  std::vector<absl::StatusOr<Outcome>> results(kWriters, absl::UnknownError("not run"));
  std::vector<std::thread> threads;
  HoldFirstBatch(writes, threads, results[0]);
  for (int i = 1; i < kWriters; ++i) {
    // w1, same, w3, same, w5: the second "same" collides with the first.
    const std::string name = i % 2 == 0 ? "same" : absl::StrCat("w", i);
    threads.emplace_back([&, i, name] {
      results[static_cast<size_t>(i)] =
          writes.Run([&](Connection& db) { return Insert(db, name); });
    });
    while (writes.Waiting() < static_cast<size_t>(i)) absl::SleepFor(absl::Milliseconds(1));
  }
  mu_.Unlock();
  for (std::thread& thread : threads) thread.join();

  ASSERT_EQ(Batches(), (std::vector<size_t>{1, 5}));
  EXPECT_THAT(results[1], IsOk());
  EXPECT_THAT(results[2], IsOk());
  EXPECT_THAT(results[3], IsOk());
  EXPECT_THAT(results[4], StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_THAT(results[5], IsOk());
  EXPECT_TRUE(Stored("same"));
  EXPECT_TRUE(Stored("w5"));
}

// A write Submitted shares the batch of the writes whose callers wait in Run, and hears its own
// result after the batch has committed, on another thread: by then another connection reads
// what it wrote, or, for a write that collided, the write it lost to.
TEST_F(GroupCommitTest, ASubmittedWriteHearsItsOwnResultOnlyOnceItsBatchHasCommitted) {
  absl::StatusOr<std::unique_ptr<Connection>> reader =
      Connection::Open(folder_ + "/test.db", absl::Seconds(5));
  ASSERT_THAT(reader, IsOk());
  const auto visible = [&](const std::string& name) {
    absl::StatusOr<Statement> count = (*reader)->Prepare(kCount);
    EXPECT_THAT(count, IsOk());
    count->BindText(":name", name);
    absl::StatusOr<bool> row = count->Step();
    return row.ok() && *row && count->ColumnInt64(0) == 1;
  };
  struct Heard {
    absl::StatusOr<Outcome> result = absl::UnknownError("not heard");
    bool visible = false;
    std::thread::id thread;
    absl::Notification done;
  };
  Heard submitted, colliding;
  const auto hear = [&](Heard& heard, const std::string& name) {
    return [&heard, &visible, name](absl::StatusOr<Outcome> result) {
      heard.result = std::move(result);
      heard.visible = visible(name);
      heard.thread = std::this_thread::get_id();
      heard.done.Notify();
    };
  };
  {
    GroupCommit<Outcome> writes(*connection_, mu_, Outcome::kKept, Durability::kDurable, 256,
                                RecordBatches());
    absl::StatusOr<Outcome> first = absl::UnknownError("not run");
    absl::StatusOr<Outcome> waited = absl::UnknownError("not run");
    std::vector<std::thread> threads;
    HoldFirstBatch(writes, threads, first);
    writes.Submit([](Connection& db) { return Insert(db, "submitted"); },
                  hear(submitted, "submitted"));
    threads.emplace_back(
        [&] { waited = writes.Run([&](Connection& db) { return Insert(db, "waited"); }); });
    while (writes.Waiting() < 2) absl::SleepFor(absl::Milliseconds(1));
    // Collides with "waited", queued before it: fails alone.
    writes.Submit([](Connection& db) { return Insert(db, "waited"); }, hear(colliding, "waited"));
    EXPECT_FALSE(submitted.done.HasBeenNotified());
    mu_.Unlock();
    for (std::thread& thread : threads) thread.join();
    ASSERT_TRUE(submitted.done.WaitForNotificationWithTimeout(absl::Seconds(10)));
    ASSERT_TRUE(colliding.done.WaitForNotificationWithTimeout(absl::Seconds(10)));
    ASSERT_EQ(Batches(), (std::vector<size_t>{1, 3}));
    EXPECT_THAT(waited, IsOk());
  }
  ASSERT_THAT(submitted.result, IsOk());
  EXPECT_EQ(*submitted.result, Outcome::kKept);
  EXPECT_TRUE(submitted.visible);
  EXPECT_NE(submitted.thread, std::this_thread::get_id());
  EXPECT_THAT(colliding.result, StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_TRUE(colliding.visible);  // the write it lost to is in when it hears
  EXPECT_TRUE(Stored("waited"));
}

// At most `max_queued` writes wait: a Submit beyond that hears UNAVAILABLE at once, on its own
// thread, and its write never runs; those queued are still written when the GroupCommit is
// destroyed right after.
TEST_F(GroupCommitTest, ASubmitBeyondTheQueuesBoundIsRefusedAtOnceAndNeverRuns) {
  std::vector<absl::StatusOr<Outcome>> heard(3, absl::UnknownError("not heard"));
  std::vector<std::thread::id> threads_heard(3);
  {
    GroupCommit<Outcome> writes(*connection_, mu_, Outcome::kKept, Durability::kDurable, 256,
                                RecordBatches(), /*max_queued=*/2);
    absl::StatusOr<Outcome> first = absl::UnknownError("not run");
    std::vector<std::thread> threads;
    HoldFirstBatch(writes, threads, first);
    for (size_t i = 0; i < 3; ++i) {
      const std::string name = absl::StrCat("s", i);
      writes.Submit([name](Connection& db) { return Insert(db, name); },
                    [&, i](absl::StatusOr<Outcome> result) {
                      heard[i] = std::move(result);
                      threads_heard[i] = std::this_thread::get_id();
                    });
    }
    EXPECT_THAT(heard[2], StatusIs(absl::StatusCode::kUnavailable));
    EXPECT_EQ(threads_heard[2], std::this_thread::get_id());
    EXPECT_THAT(heard[0], StatusIs(absl::StatusCode::kUnknown));  // still queued
    mu_.Unlock();
    for (std::thread& thread : threads) thread.join();
  }
  EXPECT_THAT(heard[0], IsOk());
  EXPECT_THAT(heard[1], IsOk());
  EXPECT_TRUE(Stored("s0"));
  EXPECT_TRUE(Stored("s1"));
  EXPECT_FALSE(Stored("s2"));
}

}  // namespace
}  // namespace therapy::homework::sqlite
