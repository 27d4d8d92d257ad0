#include "services/homework/storage/open_store.h"

#include <stdlib.h>

#include <filesystem>
#include <string>
#include <system_error>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/status_matchers.h"

namespace therapy::homework {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
using ::therapy::homework::testing::IsOk;
using ::therapy::homework::testing::StatusIs;

TEST(OpenStoreTest, MemoryUriOpensAnEmptyStore) {
  absl::StatusOr<std::unique_ptr<Store>> store = OpenStore({.uri = "memory:"});

  ASSERT_THAT(store, IsOk());
  absl::StatusOr<Page<v1::Client>> clients =
      (*store)->ListClients({.practice_name = "practices/p1"});
  ASSERT_THAT(clients, IsOk());
  EXPECT_TRUE(clients->items.empty());
}

TEST(OpenStoreTest, SqliteUriOpensTheFileAtThePath) {
  std::string directory = ::testing::TempDir() + "open_store_test.XXXXXX";
  ASSERT_NE(mkdtemp(directory.data()), nullptr);
  const std::string path = directory + "/homework.db";

  absl::StatusOr<std::unique_ptr<Store>> store = OpenStore({.uri = "sqlite:" + path});

  ASSERT_THAT(store, IsOk());
  EXPECT_TRUE(std::filesystem::exists(path));
  store->reset();
  std::error_code ignored;
  std::filesystem::remove_all(directory, ignored);
}

TEST(OpenStoreTest, UnknownUriIsInvalidArgumentNamingTheFlagAndTheForms) {
  for (const char* uri :
       {"", "mysql://user:secret@db/homework", "/var/lib/homework.db", "Memory:"}) {
    absl::StatusOr<std::unique_ptr<Store>> store = OpenStore({.uri = uri});

    EXPECT_THAT(store, StatusIs(absl::StatusCode::kInvalidArgument)) << uri;
    EXPECT_THAT(store.status().message(), AllOf(HasSubstr("--store"), HasSubstr("memory:"),
                                                HasSubstr("sqlite:"), Not(HasSubstr("secret"))))
        << uri;
  }
}

TEST(OpenStoreTest, SqliteUriWithoutPathIsInvalidArgument) {
  absl::StatusOr<std::unique_ptr<Store>> store = OpenStore({.uri = "sqlite:"});

  EXPECT_THAT(store, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--store")));
}

}  // namespace
}  // namespace therapy::homework
