#include "services/homework/storage/sqlite/wal_write_buffer.h"

#include <sys/resource.h>

#include <csignal>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>

#include "absl/cleanup/cleanup.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "services/homework/storage/sqlite/connection.h"
#include "testing/scratch_dir.h"
#include "testing/status_matchers.h"

namespace therapy::homework::sqlite {
namespace {

using ::therapy::homework::testing::IsOk;

constexpr Sql kCreate{"create table", "CREATE TABLE IF NOT EXISTS rows (label TEXT, bytes BLOB)"};
// A row of a little less than a page of random bytes: each fills a page of its own.
constexpr Sql kInsert{"insert row",
                      "INSERT INTO rows (label, bytes) VALUES (:label, randomblob(4000))"};
constexpr Sql kCount{"count rows", "SELECT COUNT(*) FROM rows WHERE label = :label"};
constexpr Sql kCheck{"check integrity", "PRAGMA integrity_check"};

// The write calls this process has made so far (/proc/self/io's syscw).
int64_t WriteCalls() {
  std::ifstream io("/proc/self/io");
  std::string key;
  int64_t value = 0;
  while (io >> key >> value) {
    if (key == "syscw:") return value;
  }
  return -1;
}

class WalWriteBufferTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<testing::ScratchDir> folder = testing::ScratchDir::Make("wal-write-buffer");
    ASSERT_THAT(folder, IsOk());
    folder_.emplace(*std::move(folder));
  }

  // A connection to a fresh database in WAL mode with `synchronous`, its log written `how`.
  std::unique_ptr<Connection> OpenWriter(const std::string& name, Connection::LogWrites how,
                                         const char* synchronous = "FULL") {
    absl::StatusOr<std::unique_ptr<Connection>> writer =
        Connection::Open(Path(name), absl::Seconds(5), how);
    EXPECT_THAT(writer, IsOk());
    if (!writer.ok()) return nullptr;
    const std::string pragmas =
        absl::StrCat("PRAGMA journal_mode = WAL; PRAGMA synchronous = ", synchronous, ";");
    EXPECT_THAT((*writer)->ExecuteScript("set up", pragmas.c_str()), IsOk());
    EXPECT_THAT((*writer)->ExecuteScript(kCreate.purpose, kCreate.text), IsOk());
    return *std::move(writer);
  }

  // A connection of SQLite's own, reading through file descriptors of its own.
  std::unique_ptr<Connection> OpenReader(const std::string& name) {
    absl::StatusOr<std::unique_ptr<Connection>> reader =
        Connection::Open(Path(name), absl::Seconds(5));
    EXPECT_THAT(reader, IsOk());
    return reader.ok() ? *std::move(reader) : nullptr;
  }

  // Inserts `rows` rows labelled `label` in one transaction; its commit's status.
  static absl::Status CommitRows(Connection& writer, const std::string& label, int rows) {
    absl::StatusOr<Transaction> transaction = Transaction::BeginImmediate(writer);
    if (!transaction.ok()) return transaction.status();
    for (int i = 0; i < rows; ++i) {
      absl::StatusOr<Statement> insert = writer.Prepare(kInsert);
      if (!insert.ok()) return insert.status();
      insert->BindText(":label", label);
      if (absl::Status status = insert->Run(); !status.ok()) return status;
    }
    return transaction->Commit();
  }

  static int64_t Count(Connection& reader, const std::string& label) {
    absl::StatusOr<Statement> count = reader.Prepare(kCount);
    EXPECT_THAT(count, IsOk());
    if (!count.ok()) return -1;
    count->BindText(":label", label);
    absl::StatusOr<bool> row = count->Step();
    EXPECT_THAT(row, IsOk());
    return row.ok() && *row ? count->ColumnInt64(0) : -1;
  }

  static std::string Integrity(Connection& reader) {
    absl::StatusOr<Statement> check = reader.Prepare(kCheck);
    EXPECT_THAT(check, IsOk());
    if (!check.ok()) return "";
    absl::StatusOr<bool> row = check->Step();
    return row.ok() && *row ? std::string(check->ColumnText(0)) : "";
  }

  std::string Path(const std::string& name) const { return folder_->path() + "/" + name; }

  // Copies database `from` and its log, not the shared-memory index, to `to`: opening the copy
  // recovers the log from the file, as after a crash.
  void CopyAsACrashLeavesThem(const std::string& from, const std::string& to) const {
    for (const char* suffix : {"", "-wal"}) {
      std::ifstream in(Path(absl::StrCat(from, suffix)), std::ios::binary);
      std::ofstream out(Path(absl::StrCat(to, suffix)), std::ios::binary);
      out << in.rdbuf();
    }
  }

  std::optional<testing::ScratchDir> folder_;
};

TEST_F(WalWriteBufferTest, ACommitsFramesReachTheLogInAFewWriteCalls) {
  std::unique_ptr<Connection> direct = OpenWriter("direct.db", Connection::LogWrites::kDirect);
  std::unique_ptr<Connection> buffered =
      OpenWriter("buffered.db", Connection::LogWrites::kBuffered);
  ASSERT_NE(direct, nullptr);
  ASSERT_NE(buffered, nullptr);
  ASSERT_GE(WriteCalls(), 0) << "/proc/self/io is not readable here";

  // 100 pages of rows and a few of the table's tree: about 410 KB of log.
  const int64_t before_direct = WriteCalls();
  ASSERT_THAT(CommitRows(*direct, "a", 100), IsOk());
  const int64_t direct_calls = WriteCalls() - before_direct;
  const int64_t before_buffered = WriteCalls();
  ASSERT_THAT(CommitRows(*buffered, "a", 100), IsOk());
  const int64_t buffered_calls = WriteCalls() - before_buffered;

  EXPECT_GE(direct_calls, 200) << "SQLite's own way: a header and a page per frame";
  // Four writes of at most 124 KiB, and none for the sync.
  EXPECT_LE(buffered_calls, 6);
}

TEST_F(WalWriteBufferTest, EveryCommitIsReadByOtherConnectionsAtOnceWhateverItsSize) {
  for (const char* synchronous : {"FULL", "NORMAL"}) {
    SCOPED_TRACE(synchronous);
    const std::string name = absl::StrCat(synchronous, ".db");
    std::unique_ptr<Connection> writer =
        OpenWriter(name, Connection::LogWrites::kBuffered, synchronous);
    std::unique_ptr<Connection> reader = OpenReader(name);
    ASSERT_NE(writer, nullptr);
    ASSERT_NE(reader, nullptr);
    // One page, a commit just past one write call's limit, and one past the buffer's: 2.4 MiB
    // written in pieces before the commit's end.
    for (int rows : {1, 40, 600}) {
      const std::string label = absl::StrCat("rows-", rows);
      ASSERT_THAT(CommitRows(*writer, label, rows), IsOk());
      EXPECT_EQ(Count(*reader, label), rows);
    }
    EXPECT_EQ(Integrity(*reader), "ok");
  }
}

// A write the disk refuses (here: past the process's file size limit) fails the transaction
// that wrote it, and only that one: the log has no gap, the next commit lands.
TEST_F(WalWriteBufferTest, AFailedWriteLosesItsTransactionAndNothingElse) {
  std::unique_ptr<Connection> writer = OpenWriter("full.db", Connection::LogWrites::kBuffered);
  std::unique_ptr<Connection> reader = OpenReader("full.db");
  ASSERT_NE(writer, nullptr);
  ASSERT_NE(reader, nullptr);
  ASSERT_THAT(CommitRows(*writer, "before", 3), IsOk());

  // 100 rows fail at the commit's sync; 1,000 (4 MB) when the buffer is first written, with
  // more of the transaction's frames written after that.
  for (int rows : {100, 1000}) {
    SCOPED_TRACE(rows);
    {
      struct rlimit original {};
      ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &original), 0);
      const auto previous_handler = std::signal(SIGXFSZ, SIG_IGN);
      struct rlimit limited = original;
      limited.rlim_cur =
          static_cast<rlim_t>(std::filesystem::file_size(Path("full.db-wal")) + (64 << 10));
      ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &limited), 0);
      absl::Cleanup restore = [&] {
        ::setrlimit(RLIMIT_FSIZE, &original);
        std::signal(SIGXFSZ, previous_handler);
      };
      EXPECT_FALSE(CommitRows(*writer, "lost", rows).ok());
    }
    EXPECT_FALSE(writer->InTransaction());
    const std::string label = absl::StrCat("after-", rows);
    ASSERT_THAT(CommitRows(*writer, label, 5), IsOk());
    EXPECT_EQ(Count(*reader, label), 5);
  }
  EXPECT_EQ(Count(*reader, "before"), 3);
  EXPECT_EQ(Count(*reader, "lost"), 0);
  EXPECT_EQ(Integrity(*reader), "ok");

  // The files as a crash would leave them, opened anew: SQLite recovers the log frame by frame
  // and stops at the first gap, so the later commits are there only if there is none.
  CopyAsACrashLeavesThem("full.db", "crashed.db");
  std::unique_ptr<Connection> recovered = OpenReader("crashed.db");
  ASSERT_NE(recovered, nullptr);
  EXPECT_EQ(Count(*recovered, "before"), 3);
  EXPECT_EQ(Count(*recovered, "after-100"), 5);
  EXPECT_EQ(Count(*recovered, "after-1000"), 5);
  EXPECT_EQ(Count(*recovered, "lost"), 0);
  EXPECT_EQ(Integrity(*recovered), "ok");
}

// Random transactions against a model, with a page cache of 20 pages so that SQLite writes
// frames in the middle of transactions, rewrites them in place when a page changes again, and
// moves back over them after ROLLBACK TO: every path by which a log write does not continue the
// one before. After each transaction a connection of SQLite's own reads exactly the model, and
// at the end the files, opened anew, recover to it.
TEST_F(WalWriteBufferTest, RandomTransactionsWithSpillsAndRollbacksReadBackExactly) {
  constexpr Sql kKeyValues{"create key values",
                           "CREATE TABLE IF NOT EXISTS kv (k INTEGER PRIMARY KEY, v BLOB)"};
  constexpr Sql kPut{"put", "INSERT OR REPLACE INTO kv (k, v) VALUES (:k, :v)"};
  constexpr Sql kDelete{"delete", "DELETE FROM kv WHERE k = :k"};
  constexpr Sql kAll{"read all", "SELECT k, v FROM kv ORDER BY k"};
  std::unique_ptr<Connection> writer = OpenWriter("random.db", Connection::LogWrites::kBuffered);
  std::unique_ptr<Connection> reader = OpenReader("random.db");
  ASSERT_NE(writer, nullptr);
  ASSERT_NE(reader, nullptr);
  ASSERT_THAT(writer->ExecuteScript("small cache", "PRAGMA cache_size = 20"), IsOk());
  ASSERT_THAT(writer->ExecuteScript(kKeyValues.purpose, kKeyValues.text), IsOk());

  using Rows = std::map<int64_t, std::string>;
  const auto read_all = [&](Connection& connection) {
    Rows rows;
    absl::StatusOr<Statement> all = connection.Prepare(kAll);
    EXPECT_THAT(all, IsOk());
    while (all.ok()) {
      absl::StatusOr<bool> row = all->Step();
      EXPECT_THAT(row, IsOk());
      if (!row.ok() || !*row) break;
      rows[all->ColumnInt64(0)] = std::string(all->ColumnBlob(1));
    }
    return rows;
  };
  std::mt19937 random(20261206);
  const auto pick = [&](int below) { return static_cast<int>(random() % below); };
  Rows committed;
  for (int round = 0; round < 150; ++round) {
    SCOPED_TRACE(absl::StrCat("transaction ", round));
    Rows working = committed;
    std::optional<Rows> at_savepoint;
    ASSERT_THAT(writer->ExecuteScript("begin", "BEGIN IMMEDIATE"), IsOk());
    const int operations = 1 + pick(120);
    for (int i = 0; i < operations; ++i) {
      const int64_t key = pick(400);
      if (pick(5) == 0) {
        absl::StatusOr<Statement> remove = writer->Prepare(kDelete);
        ASSERT_THAT(remove, IsOk());
        remove->BindInt64(":k", key);
        ASSERT_THAT(remove->Run(), IsOk());
        working.erase(key);
      } else {
        std::string value(static_cast<size_t>(1 + pick(3000)), static_cast<char>('a' + pick(26)));
        value[0] = static_cast<char>(round);  // a value differs from the last one at that key
        absl::StatusOr<Statement> put = writer->Prepare(kPut);
        ASSERT_THAT(put, IsOk());
        put->BindInt64(":k", key).BindBlob(":v", value);
        ASSERT_THAT(put->Run(), IsOk());
        working[key] = std::move(value);
      }
      if (!at_savepoint && pick(30) == 0) {
        ASSERT_THAT(writer->ExecuteScript("savepoint", "SAVEPOINT s"), IsOk());
        at_savepoint = working;
      } else if (at_savepoint && pick(20) == 0) {
        const bool undo = pick(2) == 0;
        ASSERT_THAT(
            writer->ExecuteScript("end savepoint", undo ? "ROLLBACK TO s; RELEASE s" : "RELEASE s"),
            IsOk());
        if (undo) working = *at_savepoint;
        at_savepoint.reset();
      }
    }
    if (pick(6) == 0) {
      ASSERT_THAT(writer->ExecuteScript("rollback", "ROLLBACK"), IsOk());
    } else {
      ASSERT_THAT(writer->ExecuteScript("commit", "COMMIT"), IsOk());
      committed = std::move(working);
    }
    ASSERT_EQ(read_all(*reader), committed);
  }
  EXPECT_EQ(Integrity(*reader), "ok");

  CopyAsACrashLeavesThem("random.db", "random-crashed.db");
  std::unique_ptr<Connection> recovered = OpenReader("random-crashed.db");
  ASSERT_NE(recovered, nullptr);
  EXPECT_EQ(read_all(*recovered), committed);
  EXPECT_EQ(Integrity(*recovered), "ok");
}

}  // namespace
}  // namespace therapy::homework::sqlite
