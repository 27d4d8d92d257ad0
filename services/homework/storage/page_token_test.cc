#include "services/homework/storage/page_token.h"

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/status_matchers.h"

namespace therapy::homework {
namespace {

using ::testing::HasSubstr;
using ::therapy::homework::testing::IsOk;
using ::therapy::homework::testing::StatusIs;

TEST(PageTokenTest, TokenReadsBackTheCursorItWasMadeFrom) {
  const PageCursor last{.time_micros = 1'700'000'000'123'456,
                        .name = "practices/p1/clients/c1/assignments/a9"};

  const std::string token = MakePageToken(42, last);
  absl::StatusOr<std::optional<PageCursor>> read = ReadPageToken(token, 42);

  ASSERT_THAT(read, IsOk());
  EXPECT_EQ(*read, std::optional<PageCursor>(last));
  EXPECT_EQ(
      token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
      std::string::npos);
}

TEST(PageTokenTest, NegativeTimesRoundTrip) {
  const PageCursor last{.time_micros = -5, .name = "practices/p1/clients/c1"};

  absl::StatusOr<std::optional<PageCursor>> read = ReadPageToken(MakePageToken(7, last), 7);

  ASSERT_THAT(read, IsOk());
  EXPECT_EQ(*read, std::optional<PageCursor>(last));
}

TEST(PageTokenTest, EmptyTokenIsTheFirstPage) {
  absl::StatusOr<std::optional<PageCursor>> read = ReadPageToken("", 42);

  ASSERT_THAT(read, IsOk());
  EXPECT_EQ(*read, std::nullopt);
}

TEST(PageTokenTest, UnreadableTokensAreInvalidArgumentNamingPageToken) {
  const std::string valid = MakePageToken(42, {.time_micros = 1, .name = "practices/p1"});
  for (const std::string& token : {std::string("%%%"), std::string("AAAA"), valid.substr(0, 20),
                                   valid + "=", std::string("Ag") + valid.substr(2)}) {
    absl::StatusOr<std::optional<PageCursor>> read = ReadPageToken(token, 42);
    EXPECT_THAT(read, StatusIs(absl::StatusCode::kInvalidArgument)) << token;
    EXPECT_THAT(read.status().message(), HasSubstr("page_token")) << token;
  }
}

TEST(PageTokenTest, TokenOfAnotherQueryIsInvalidArgument) {
  const std::string token = MakePageToken(42, {.time_micros = 1, .name = "practices/p1"});

  absl::StatusOr<std::optional<PageCursor>> read = ReadPageToken(token, 43);

  EXPECT_THAT(read, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("page_token")));
}

TEST(PageTokenTest, FingerprintIgnoresThePageAndTheOrderOfStates) {
  const AssignmentQuery query{.client_name = "practices/p1/clients/c1",
                              .states = {v1::Assignment::STATE_ACTIVE, v1::Assignment::STATE_DRAFT},
                              .page = {.page_size = 10, .page_token = "x"}};
  const AssignmentQuery same{.client_name = "practices/p1/clients/c1",
                             .states = {v1::Assignment::STATE_DRAFT, v1::Assignment::STATE_ACTIVE,
                                        v1::Assignment::STATE_DRAFT},
                             .page = {.page_size = 50}};
  const AssignmentQuery other_states{.client_name = "practices/p1/clients/c1",
                                     .states = {v1::Assignment::STATE_DRAFT}};

  EXPECT_EQ(QueryFingerprint(query), QueryFingerprint(same));
  EXPECT_NE(QueryFingerprint(query), QueryFingerprint(other_states));
}

TEST(PageTokenTest, FingerprintTellsAbsentFieldsFromEmptyOnes) {
  const ClientQuery everyone{.practice_name = "practices/p1"};
  const ClientQuery empty_member{.practice_name = "practices/p1", .care_team_member = ""};
  const CompletionQuery all{.client_name = "practices/p1/clients/c1"};
  const CompletionQuery from_epoch{.client_name = "practices/p1/clients/c1",
                                   .start_time = absl::UnixEpoch()};
  const CompletionQuery until_epoch{.client_name = "practices/p1/clients/c1",
                                    .end_time = absl::UnixEpoch()};

  EXPECT_NE(QueryFingerprint(everyone), QueryFingerprint(empty_member));
  EXPECT_NE(QueryFingerprint(all), QueryFingerprint(from_epoch));
  EXPECT_NE(QueryFingerprint(from_epoch), QueryFingerprint(until_epoch));
}

TEST(PageTokenTest, FingerprintTellsListsOfOneClientApart) {
  const std::string client = "practices/p1/clients/c1";

  const uint64_t assignments = QueryFingerprint(AssignmentQuery{.client_name = client});
  const uint64_t completions = QueryFingerprint(CompletionQuery{.client_name = client});
  const uint64_t hierarchies = QueryFingerprint(HierarchyQuery{.client_name = client});

  EXPECT_NE(hierarchies, assignments);
  EXPECT_NE(hierarchies, completions);
  EXPECT_NE(hierarchies,
            QueryFingerprint(HierarchyQuery{.client_name = "practices/p1/clients/c2"}));
  EXPECT_EQ(hierarchies,
            QueryFingerprint(HierarchyQuery{.client_name = client, .page = {.page_size = 7}}));
}

TEST(PageTokenTest, FingerprintTellsTemplatesFromOtherListsOfOnePractice) {
  const std::string practice = "practices/p1";

  const uint64_t templates = QueryFingerprint(TemplateQuery{.practice_name = practice});

  EXPECT_NE(templates, QueryFingerprint(ClientQuery{.practice_name = practice}));
  EXPECT_NE(templates, QueryFingerprint(AssignmentQuery{.practice_name = practice}));
  EXPECT_NE(templates, QueryFingerprint(HierarchyQuery{.client_name = practice}));
  EXPECT_NE(templates, QueryFingerprint(TemplateQuery{.practice_name = "practices/p10"}));
  EXPECT_EQ(templates,
            QueryFingerprint(TemplateQuery{.practice_name = practice,
                                           .page = {.page_size = 3, .page_token = "x"}}));
}

TEST(PageTokenTest, FingerprintTellsAPracticeWideListFromAClientsList) {
  const AssignmentQuery of_practice{.practice_name = "practices/p1"};
  // The same string in the other field, and the practice's list with a state filter.
  const AssignmentQuery of_client{.client_name = "practices/p1"};
  const AssignmentQuery of_practice_active{.practice_name = "practices/p1",
                                           .states = {v1::Assignment::STATE_ACTIVE}};
  const AssignmentQuery of_other_practice{.practice_name = "practices/p10"};

  EXPECT_NE(QueryFingerprint(of_practice), QueryFingerprint(of_client));
  EXPECT_NE(QueryFingerprint(of_practice), QueryFingerprint(of_practice_active));
  EXPECT_NE(QueryFingerprint(of_practice), QueryFingerprint(of_other_practice));
  EXPECT_EQ(QueryFingerprint(of_practice),
            QueryFingerprint(AssignmentQuery{.practice_name = "practices/p1",
                                             .page = {.page_size = 3, .page_token = "x"}}));
}

TEST(PageTokenTest, FingerprintOfOneClientsAssignmentsIsStableAcrossReleases) {
  // Tokens outlive the binary that issued them (a rolling upgrade serves the next page from the
  // new binary): this value must never change. It is 64-bit FNV-1a of the encoding in
  // page_token.cc, computed independently.
  const AssignmentQuery query{
      .client_name = "practices/p1/clients/c1",
      .states = {v1::Assignment::STATE_ACTIVE, v1::Assignment::STATE_DRAFT}};

  EXPECT_EQ(QueryFingerprint(query), uint64_t{0x323e1ce1d5b6e25a});
}

}  // namespace
}  // namespace therapy::homework
