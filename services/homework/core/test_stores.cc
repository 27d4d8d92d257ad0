#include "services/homework/core/test_stores.h"

#include <stdlib.h>

#include <filesystem>
#include <utility>

#include "absl/strings/str_cat.h"
#include "services/homework/storage/memory/memory_store.h"
#include "services/homework/storage/postgres/postgres_store.h"
#include "services/homework/storage/postgres/test_cluster.h"
#include "services/homework/storage/sqlite/sqlite_store.h"

namespace therapy::homework {
namespace {

// A folder for the SQLite files of this process, removed at exit.
class SqliteFolder {
 public:
  SqliteFolder() {
    std::string pattern = testing::TempDir() + "core_test_stores.XXXXXX";
    if (mkdtemp(pattern.data()) != nullptr) path_ = std::move(pattern);
  }
  ~SqliteFolder() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  std::string NewPath() { return absl::StrCat(path_, "/store-", ++files_, ".db"); }

 private:
  std::string path_;
  int files_ = 0;
};

}  // namespace

std::unique_ptr<Store> NewStore(StoreKind kind) {
  switch (kind) {
    case StoreKind::kMemory:
      return std::make_unique<MemoryStore>();
    case StoreKind::kSqlite: {
      static SqliteFolder folder;
      absl::StatusOr<std::unique_ptr<SqliteStore>> store =
          SqliteStore::Open({.path = folder.NewPath(), .only_writer = true});
      EXPECT_TRUE(store.ok()) << store.status();
      return store.ok() ? *std::move(store) : nullptr;
    }
    case StoreKind::kPostgres: {
      static absl::StatusOr<std::unique_ptr<postgres::TestCluster>> cluster =
          postgres::TestCluster::Create({.parent_dir = testing::TempDir()});
      EXPECT_TRUE(cluster.ok()) << cluster.status();
      if (!cluster.ok()) return nullptr;
      absl::StatusOr<std::string> database = (*cluster)->CreateDatabase();
      EXPECT_TRUE(database.ok()) << database.status();
      if (!database.ok()) return nullptr;
      absl::StatusOr<std::unique_ptr<PostgresStore>> store =
          PostgresStore::Open({.conninfo = (*cluster)->Uri(*database)});
      EXPECT_TRUE(store.ok()) << store.status();
      return store.ok() ? *std::move(store) : nullptr;
    }
  }
  return nullptr;
}

std::string StoreKindName(const ::testing::TestParamInfo<StoreKind>& info) {
  switch (info.param) {
    case StoreKind::kMemory:
      return "Memory";
    case StoreKind::kSqlite:
      return "Sqlite";
    case StoreKind::kPostgres:
      return "Postgres";
  }
  return "Unknown";
}

}  // namespace therapy::homework
