#include "services/homework/storage/sqlite/checkpointer.h"

#include <sys/stat.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "services/homework/storage/sqlite/connection.h"
#include "testing/scratch_dir.h"
#include "testing/status_matchers.h"

namespace therapy::homework::sqlite {
namespace {

using ::therapy::homework::testing::IsOk;

constexpr int64_t kPage = 4096;
constexpr Sql kCreate{"create table", "CREATE TABLE IF NOT EXISTS pages (bytes BLOB)"};
// A row of a little less than a page: each fills a page of its own.
constexpr Sql kInsertPage{"insert page", "INSERT INTO pages (bytes) VALUES (zeroblob(4000))"};
constexpr Sql kCountPages{"count pages", "SELECT COUNT(*) FROM pages"};

int64_t FileSize(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 ? static_cast<int64_t>(info.st_size) : 0;
}

class CheckpointerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<testing::ScratchDir> folder = testing::ScratchDir::Make("checkpointer-test");
    ASSERT_THAT(folder, IsOk());
    folder_.emplace(*std::move(folder));
    path_ = folder_->path() + "/test.db";
    absl::StatusOr<std::unique_ptr<Connection>> writer = Connection::Open(path_, absl::Seconds(5));
    ASSERT_THAT(writer, IsOk());
    writer_ = *std::move(writer);
    ASSERT_THAT(writer_->ExecuteScript("set up", "PRAGMA journal_mode = WAL"), IsOk());
    ASSERT_THAT(writer_->ExecuteScript(kCreate.purpose, kCreate.text), IsOk());
    // The table's first pages are in the file, so that its size tells what a checkpoint copied.
    ASSERT_THAT(writer_->ExecuteScript("checkpoint", "PRAGMA wal_checkpoint(TRUNCATE)"), IsOk());
    file_at_start_ = FileSize(path_);
  }

  // Commits `rows` pages in one transaction, as the store's writer does: under its lock.
  void CommitPages(int rows) {
    absl::MutexLock lock(&writer_mu_);
    absl::StatusOr<Transaction> transaction = Transaction::BeginImmediate(*writer_);
    ASSERT_THAT(transaction, IsOk());
    for (int i = 0; i < rows; ++i) {
      absl::StatusOr<Statement> insert = writer_->Prepare(kInsertPage);
      ASSERT_THAT(insert, IsOk());
      ASSERT_THAT(insert->Run(), IsOk());
    }
    ASSERT_THAT(transaction->Commit(), IsOk());
  }

  std::unique_ptr<Checkpointer> Start(int pages) {
    absl::StatusOr<std::unique_ptr<Checkpointer>> checkpointer =
        Checkpointer::Start(path_, *writer_, writer_mu_, pages);
    EXPECT_THAT(checkpointer, IsOk());
    return checkpointer.ok() ? *std::move(checkpointer) : nullptr;
  }

  std::optional<testing::ScratchDir> folder_;
  std::string path_;
  absl::Mutex writer_mu_;
  std::unique_ptr<Connection> writer_;
  int64_t file_at_start_ = 0;
};

TEST_F(CheckpointerTest, CopiesTheLogIntoTheFileOnItsOwnThreadOnceItGrewByPages) {
  std::unique_ptr<Checkpointer> checkpointer = Start(/*pages=*/50);
  ASSERT_NE(checkpointer, nullptr);
  // 200 pages in commits of 10: far below SQLite's own mark of 1,000, which would not copy them.
  for (int i = 0; i < 20; ++i) CommitPages(10);
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (FileSize(path_) < file_at_start_ + 150 * kPage && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_GE(FileSize(path_), file_at_start_ + 150 * kPage);
  EXPECT_GE(checkpointer->Checkpoints(), 1);
}

TEST_F(CheckpointerTest, TheWritersCommitsNoLongerCheckpointThemselves) {
  std::unique_ptr<Checkpointer> checkpointer = Start(/*pages=*/1'000'000);
  ASSERT_NE(checkpointer, nullptr);
  // Past SQLite's automatic mark (1,000 frames), at which a commit would copy the log itself.
  CommitPages(1'200);
  CommitPages(1);
  EXPECT_LT(FileSize(path_), file_at_start_ + 100 * kPage);
  EXPECT_GE(FileSize(path_ + "-wal"), 1'200 * kPage);
  EXPECT_EQ(checkpointer->Checkpoints(), 0);
}

TEST_F(CheckpointerTest, KeepsTheLogShortWhileTheWriterNeverStops) {
  constexpr int kPages = 100;
  std::unique_ptr<Checkpointer> checkpointer = Start(kPages);
  ASSERT_NE(checkpointer, nullptr);
  // 6,000 commits of a page each (about 18,000 frames with the table's other pages), with no
  // pause in between: a checkpoint beside the writer never copies the whole log, so the log
  // starts again only because the last frames are copied while the writer waits. Without that
  // the log holds every frame written (74 MB when tried); with it, a few marks' worth on an idle
  // machine, many more when the checkpoint's thread is slow to run beside the writer (11-15 MB
  // on 2 busy cores, 21 MB once in CI): hence the bound, half of what a log that never starts
  // again holds.
  for (int i = 0; i < 60 * kPages; ++i) CommitPages(1);
  EXPECT_LT(FileSize(path_ + "-wal"), 90 * kPages * (kPage + 24));
  EXPECT_GE(checkpointer->Checkpoints(), 10);
}

TEST_F(CheckpointerTest, AReaderHoldingTheLogCostsTheWriterAWaitOncePerMarkNotPerCommit) {
  constexpr int kPages = 1000;
  std::unique_ptr<Checkpointer> checkpointer = Start(kPages);
  ASSERT_NE(checkpointer, nullptr);
  // A reader in a transaction from before the writes (a long export): no checkpoint can copy
  // the log into the file under it, and a restart waits for it in vain.
  absl::StatusOr<std::unique_ptr<Connection>> reader = Connection::Open(path_, absl::Seconds(5));
  ASSERT_THAT(reader, IsOk());
  ASSERT_THAT((*reader)->ExecuteScript("begin read", "BEGIN"), IsOk());
  {
    absl::StatusOr<Statement> count = (*reader)->Prepare(kCountPages);
    ASSERT_THAT(count, IsOk());
    ASSERT_THAT(count->Step(), IsOk());  // the transaction now holds its snapshot until COMMIT
  }
  // About 9,000 frames, one page per commit: the log passes twice the mark at about a fifth of
  // them, and every commit after that finds it long.
  for (int i = 0; i < 3'000; ++i) CommitPages(1);
  const int64_t wal_frames = FileSize(path_ + "-wal") / (kPage + 24);
  EXPECT_GE(wal_frames, 3'000);  // the log kept every frame
  EXPECT_LE(checkpointer->Restarts(), wal_frames / kPages);
}

TEST_F(CheckpointerTest, CommitsAfterItStoppedCallNothing) {
  Start(/*pages=*/1).reset();
  CommitPages(5);
  absl::StatusOr<Statement> count = writer_->Prepare(kCountPages);
  ASSERT_THAT(count, IsOk());
  ASSERT_THAT(count->Step(), IsOk());
  EXPECT_EQ(count->ColumnInt64(0), 5);
}

}  // namespace
}  // namespace therapy::homework::sqlite
