#include "services/homework/storage/open_store.h"

#include <stdlib.h>

#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/status_matchers.h"

namespace therapy::homework {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
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

TEST(OpenStoreTest, OneProcessServesASqliteFileAtATime) {
  std::string directory = ::testing::TempDir() + "open_store_test.XXXXXX";
  ASSERT_NE(mkdtemp(directory.data()), nullptr);
  const std::string uri = "sqlite:" + directory + "/homework.db";
  absl::StatusOr<std::unique_ptr<Store>> first = OpenStore({.uri = uri});
  ASSERT_THAT(first, IsOk());

  absl::StatusOr<std::unique_ptr<Store>> second = OpenStore({.uri = uri});

  EXPECT_THAT(second, StatusIs(absl::StatusCode::kFailedPrecondition,
                               AllOf(HasSubstr("homework.db"), HasSubstr("another"))));
  first->reset();
  EXPECT_THAT(OpenStore({.uri = uri}), IsOk());  // released with the store
  std::error_code ignored;
  std::filesystem::remove_all(directory, ignored);
}

TEST(OpenStoreTest, ACachedSqliteStoreAnswersRepeatedReadsFromTheCache) {
  std::string directory = ::testing::TempDir() + "open_store_test.XXXXXX";
  ASSERT_NE(mkdtemp(directory.data()), nullptr);
  std::vector<std::string> lookups;
  absl::StatusOr<std::unique_ptr<Store>> store =
      OpenStore({.uri = "sqlite:" + directory + "/homework.db",
                 .cache_bytes = 1 << 20,
                 .on_cache_lookup = [&](absl::string_view kind, bool hit) {
                   lookups.push_back(absl::StrCat(kind, hit ? " hit" : " miss"));
                 }});
  ASSERT_THAT(store, IsOk());
  v1::Client client;
  client.set_name("practices/p1/clients/c1");
  client.set_etag("e1");
  Mutation insert;
  insert.client = Put<v1::Client>{.resource = client};
  ASSERT_THAT((*store)->Commit(insert), IsOk());

  ASSERT_THAT((*store)->GetClient(client.name()), IsOk());
  ASSERT_THAT((*store)->GetClient(client.name()), IsOk());

  EXPECT_THAT(lookups, ElementsAre("client miss", "client hit"));
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
