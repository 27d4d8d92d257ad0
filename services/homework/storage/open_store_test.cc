#include "services/homework/storage/open_store.h"

#include <stdlib.h>

#include <filesystem>
#include <string>
#include <system_error>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace therapy::homework {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(OpenStoreTest, MemoryUriOpensAnEmptyStore) {
  absl::StatusOr<std::unique_ptr<Store>> store = OpenStore({.uri = "memory:"});

  ASSERT_TRUE(store.ok()) << store.status();
  absl::StatusOr<Page<v1::Client>> clients =
      (*store)->ListClients({.practice_name = "practices/p1"});
  ASSERT_TRUE(clients.ok()) << clients.status();
  EXPECT_TRUE(clients->items.empty());
}

TEST(OpenStoreTest, SqliteUriOpensTheFileAtThePath) {
  std::string directory = testing::TempDir() + "open_store_test.XXXXXX";
  ASSERT_NE(mkdtemp(directory.data()), nullptr);
  const std::string path = directory + "/homework.db";

  absl::StatusOr<std::unique_ptr<Store>> store = OpenStore({.uri = "sqlite:" + path});

  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_TRUE(std::filesystem::exists(path));
  store->reset();
  std::error_code ignored;
  std::filesystem::remove_all(directory, ignored);
}

TEST(OpenStoreTest, UnknownUriIsInvalidArgumentNamingTheFlagAndTheForms) {
  for (const char* uri :
       {"", "mysql://user:secret@db/homework", "/var/lib/homework.db", "Memory:"}) {
    absl::StatusOr<std::unique_ptr<Store>> store = OpenStore({.uri = uri});

    EXPECT_EQ(store.status().code(), absl::StatusCode::kInvalidArgument) << uri;
    EXPECT_THAT(store.status().message(), AllOf(HasSubstr("--store"), HasSubstr("memory:"),
                                                HasSubstr("sqlite:"), Not(HasSubstr("secret"))))
        << uri;
  }
}

TEST(OpenStoreTest, SqliteUriWithoutPathIsInvalidArgument) {
  absl::StatusOr<std::unique_ptr<Store>> store = OpenStore({.uri = "sqlite:"});

  EXPECT_EQ(store.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(store.status().message(), HasSubstr("--store"));
}

}  // namespace
}  // namespace therapy::homework
