#include "services/homework/core/read_all.h"

#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/homework/storage/memory/memory_store.h"
#include "testing/status_matchers.h"

namespace therapy::homework {
namespace {

using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::therapy::homework::testing::IsOk;
using ::therapy::homework::testing::StatusIs;

// More clients than one page of ReadAll holds, so reading them takes three pages.
constexpr int kClients = 2 * kReadAllPageSize + 1;

// "practices/sunrise/clients/c0000" ..., in name order.
std::string ClientName(int i) { return absl::StrFormat("practices/sunrise/clients/c%04d", i); }

class ReadAllTest : public ::testing::Test {
 protected:
  // kClients clients of practice sunrise; dr-lee is on the care team of all but every third
  // (more than one page of them).
  ReadAllTest() {
    for (int i = 0; i < kClients; ++i) {
      v1::Client client;
      client.set_name(ClientName(i));
      client.set_display_name("Client");
      client.set_time_zone("Europe/Berlin");
      if (i % 3 != 0) client.add_care_team("dr-lee");
      client.set_etag("e");
      EXPECT_TRUE(store_
                      .Commit(Mutation{.client = Put<v1::Client>{WriteMode::kInsert, client, ""},
                                       .audit = AuditRecord{.actor = "test",
                                                            .resource = client.name(),
                                                            .outcome = "OK"}})
                      .ok());
    }
  }

  static std::vector<std::string> Names(const std::vector<v1::Client>& clients) {
    std::vector<std::string> names;
    for (const v1::Client& client : clients) names.push_back(client.name());
    return names;
  }

  MemoryStore store_;
};

TEST_F(ReadAllTest, ReadsEveryPageInTheStoresOrder) {
  absl::StatusOr<std::vector<v1::Client>> all =
      ReadAll(store_, &Store::ListClients, {.practice_name = "practices/sunrise"});
  ASSERT_THAT(all, IsOk());
  std::vector<std::string> expected;
  for (int i = 0; i < kClients; ++i) expected.push_back(ClientName(i));
  EXPECT_THAT(Names(*all), ElementsAreArray(expected));
}

TEST_F(ReadAllTest, EveryPageIsReadWithTheQuerysFilter) {
  absl::StatusOr<std::vector<v1::Client>> mine =
      ReadAll(store_, &Store::ListClients,
              {.practice_name = "practices/sunrise", .care_team_member = std::string("dr-lee")});
  ASSERT_THAT(mine, IsOk());
  std::vector<std::string> expected;
  for (int i = 0; i < kClients; ++i) {
    if (i % 3 != 0) expected.push_back(ClientName(i));
  }
  ASSERT_GT(expected.size(), static_cast<size_t>(kReadAllPageSize));
  EXPECT_THAT(Names(*mine), ElementsAreArray(expected));
}

TEST_F(ReadAllTest, StartsFromTheFirstPageWhateverTheQueryPageSays) {
  absl::StatusOr<std::vector<v1::Client>> all =
      ReadAll(store_, &Store::ListClients,
              {.practice_name = "practices/sunrise",
               .page = {.page_size = 1, .page_token = "not-a-token"}});
  ASSERT_THAT(all, IsOk());
  EXPECT_EQ(all->size(), static_cast<size_t>(kClients));
}

TEST_F(ReadAllTest, AFailedReadIsTheAnswer) {
  // Neither a client nor a practice: the store refuses the query.
  absl::StatusOr<std::vector<v1::Assignment>> none = ReadAll(store_, &Store::ListAssignments, {});
  EXPECT_THAT(none, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("client_name")));
}

TEST_F(ReadAllTest, NothingMatchedIsAnEmptyList) {
  absl::StatusOr<std::vector<v1::Client>> none =
      ReadAll(store_, &Store::ListClients, {.practice_name = "practices/elsewhere"});
  ASSERT_THAT(none, IsOk());
  EXPECT_TRUE(none->empty());
}

}  // namespace
}  // namespace therapy::homework
