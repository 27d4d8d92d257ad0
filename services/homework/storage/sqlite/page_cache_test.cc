#include "services/homework/storage/sqlite/page_cache.h"

#include <sqlite3.h>

#include <memory>
#include <optional>
#include <string>

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "services/homework/storage/sqlite/connection.h"
#include "testing/scratch_dir.h"
#include "testing/status_matchers.h"

namespace therapy::homework::sqlite {
namespace {

using ::therapy::homework::testing::IsOk;
using ::therapy::homework::testing::ScratchDir;

// The temporary page number a balance renumbers through, with 4 KiB pages.
constexpr unsigned kTemporary = 0x40000000 / 4096 + 1;

class PageCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<ScratchDir> folder = ScratchDir::Make("page_cache_test");
    ASSERT_THAT(folder, IsOk());
    folder_.emplace(*std::move(folder));
    // The first open installs the cache, before SQLite initialises.
    absl::StatusOr<std::unique_ptr<Connection>> connection =
        Connection::Open(folder_->path() + "/test.db", absl::Seconds(5));
    ASSERT_THAT(connection, IsOk());
    connection_ = *std::move(connection);
    ASSERT_TRUE(InstallPageCache());
  }

  std::optional<ScratchDir> folder_;
  std::unique_ptr<Connection> connection_;  // closed before the folder goes
};

// The wrapper's rule, on SQLite's own cache behind it: a truncation is skipped only when no page
// at or past its limit can be held, and a page held at the temporary number, or past the limit
// after a renumbering, is dropped as SQLite's cache drops it.
TEST_F(PageCacheTest, ATruncationIsSkippedOnlyWhenItCanDropNothing) {
  const sqlite3_pcache_methods2& methods = PageCacheMethods();
  sqlite3_pcache* cache = methods.xCreate(4096, 64, /*bPurgeable=*/1);
  ASSERT_NE(cache, nullptr);
  methods.xCachesize(cache, 100);
  const auto hold = [&](unsigned key) {
    sqlite3_pcache_page* page = methods.xFetch(cache, key, 2);
    EXPECT_NE(page, nullptr) << key;
    return page;
  };
  const auto skipped = [] { return PageCacheCountsNow().truncations_skipped; };
  for (unsigned key = 1; key <= 10; ++key) methods.xUnpin(cache, hold(key), 0);
  ASSERT_EQ(methods.xPagecount(cache), 10);

  int64_t before = skipped();
  methods.xTruncate(cache, 11);  // nothing at 11 or past it
  EXPECT_EQ(skipped(), before + 1);
  EXPECT_EQ(methods.xPagecount(cache), 10);

  before = skipped();
  methods.xTruncate(cache, 9);  // drops 9 and 10
  EXPECT_EQ(skipped(), before);
  EXPECT_EQ(methods.xPagecount(cache), 8);
  EXPECT_EQ(methods.xFetch(cache, 9, 0), nullptr);

  // A balance: 3 goes to the temporary number, 4 to 3, the temporary one to 4.
  sqlite3_pcache_page* three = hold(3);
  sqlite3_pcache_page* four = hold(4);
  methods.xRekey(cache, three, 3, kTemporary);
  methods.xRekey(cache, four, 4, 3);
  methods.xRekey(cache, three, kTemporary, 4);
  methods.xUnpin(cache, three, 0);
  methods.xUnpin(cache, four, 0);
  before = skipped();
  methods.xTruncate(cache, 9);  // the temporary number is free again: nothing to drop
  EXPECT_EQ(skipped(), before + 1);
  EXPECT_EQ(methods.xPagecount(cache), 8);

  // A page left at the temporary number is dropped by a truncation below it.
  sqlite3_pcache_page* five = hold(5);
  methods.xRekey(cache, five, 5, kTemporary);
  methods.xUnpin(cache, five, 0);
  before = skipped();
  methods.xTruncate(cache, 9);
  EXPECT_EQ(skipped(), before);
  EXPECT_EQ(methods.xPagecount(cache), 7);
  EXPECT_EQ(methods.xFetch(cache, kTemporary, 0), nullptr);

  // A page renumbered past the limit is dropped too.
  sqlite3_pcache_page* six = hold(6);
  methods.xRekey(cache, six, 6, 20);
  methods.xUnpin(cache, six, 0);
  methods.xTruncate(cache, 9);
  EXPECT_EQ(methods.xFetch(cache, 20, 0), nullptr);
  EXPECT_EQ(methods.xPagecount(cache), 6);
  methods.xDestroy(cache);
}

// What the wrapper is for: a writer whose inserts on random keys split pages (each split
// renumbers through the temporary number) finds nothing to drop at the end of nearly every
// transaction, and those truncations stop here; the data stays whole.
TEST_F(PageCacheTest, CommitsThatSplitPagesSkipTheirTruncation) {
  Connection& db = *connection_;
  ASSERT_THAT(db.ExecuteScript("set up",
                               "PRAGMA journal_mode = WAL;"
                               "CREATE TABLE rows (key BLOB PRIMARY KEY, value BLOB);"),
              IsOk());
  constexpr Sql kInsert{"insert", "INSERT INTO rows VALUES (randomblob(16), randomblob(300))"};
  const PageCacheCounts before = PageCacheCountsNow();
  constexpr int kCommits = 200;
  for (int commit = 0; commit < kCommits; ++commit) {
    ASSERT_THAT(db.ExecuteScript("begin", "BEGIN IMMEDIATE"), IsOk());
    for (int row = 0; row < 20; ++row) {
      absl::StatusOr<Statement> insert = db.Prepare(kInsert);
      ASSERT_THAT(insert, IsOk());
      ASSERT_THAT(insert->Run(), IsOk());
    }
    ASSERT_THAT(db.ExecuteScript("commit", "COMMIT"), IsOk());
  }
  const PageCacheCounts after = PageCacheCountsNow();
  const int64_t skipped = after.truncations_skipped - before.truncations_skipped;
  const int64_t forwarded = after.truncations_forwarded - before.truncations_forwarded;
  EXPECT_GE(skipped, kCommits * 9 / 10) << forwarded << " forwarded";
  constexpr Sql kCheck{"check", "PRAGMA integrity_check"};
  absl::StatusOr<Statement> check = db.Prepare(kCheck);
  ASSERT_THAT(check, IsOk());
  ASSERT_THAT(check->Step(), IsOk());
  EXPECT_EQ(check->ColumnText(0), "ok");
  constexpr Sql kCount{"count", "SELECT COUNT(*) FROM rows"};
  absl::StatusOr<Statement> count = db.Prepare(kCount);
  ASSERT_THAT(count, IsOk());
  ASSERT_THAT(count->Step(), IsOk());
  EXPECT_EQ(count->ColumnInt64(0), kCommits * 20);
}

}  // namespace
}  // namespace therapy::homework::sqlite
