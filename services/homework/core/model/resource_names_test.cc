#include "services/homework/core/model/resource_names.h"

#include <set>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/homework/core/model/resource_ids.h"
#include "services/homework/core/rules/validation.h"
#include "testing/status_matchers.h"

namespace therapy::homework {
namespace {

using ::testing::HasSubstr;
using ::therapy::homework::testing::IsOk;
using ::therapy::homework::testing::StatusIs;

TEST(ResourceNamesTest, CompletionNameRoundTrips) {
  const std::string text = "practices/sunrise/clients/ana/assignments/a1b2/completions/c3d4";
  auto name = ParseCompletionName("name", text);
  ASSERT_THAT(name, IsOk());
  EXPECT_EQ(name->assignment.client.practice, "sunrise");
  EXPECT_EQ(name->assignment.client.client, "ana");
  EXPECT_EQ(name->assignment.assignment, "a1b2");
  EXPECT_EQ(name->completion, "c3d4");
  EXPECT_EQ(name->Format(), text);
}

TEST(ResourceNamesTest, MalformedNamesAreInvalidArgumentNamingTheField) {
  for (const char* bad :
       {"", "practices/sunrise", "practices/sunrise/clients/", "practices/sunrise/patients/ana",
        "practices/Sunrise/clients/ana", "practices/sunrise/clients/ana/extra",
        "practices/-x/clients/ana", "practices/sunrise/clients/a_b"}) {
    absl::Status status = ParseClientName("parent", bad).status();
    EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument)) << bad;
    EXPECT_THAT(status.message(), HasSubstr("parent")) << bad;
    ASSERT_TRUE(BadRequestOf(status).has_value()) << bad;
    EXPECT_EQ(BadRequestOf(status)->field_violations(0).field(), "parent");
  }
}

TEST(ResourceNamesTest, WildcardAssignmentOnlyWhereAccepted) {
  const char* text = "practices/sunrise/clients/ana/assignments/-";
  EXPECT_FALSE(ParseAssignmentName("name", text).ok());
  auto name = ParseAssignmentName("parent", text, Wildcard::kAccepted);
  ASSERT_THAT(name, IsOk());
  EXPECT_EQ(name->assignment, "-");
}

TEST(ResourceNamesTest, ResourceIdsAreShortLowercase) {
  EXPECT_TRUE(IsValidResourceId("ana-2"));
  EXPECT_TRUE(IsValidResourceId(std::string(63, 'a')));
  EXPECT_FALSE(IsValidResourceId(std::string(64, 'a')));
  EXPECT_FALSE(IsValidResourceId("Ana"));
  EXPECT_FALSE(IsValidResourceId("-ana"));
  EXPECT_FALSE(IsValidResourceId(""));
}

// Ids made later sort after ids made earlier, so new rows land at the end of the indexes; ids
// made in the same millisecond differ; every id is a valid resource id of 20 characters.
TEST(ResourceNamesTest, NewResourceIdsSortByTimeAndAreValidIds) {
  const absl::Time start = absl::FromUnixMillis(1'764'806'400'000);  // 2025-12-04
  std::string previous;
  for (int step = 0; step < 1000; ++step) {
    const std::string id = NewResourceId(start + absl::Milliseconds(step * 37));
    EXPECT_EQ(id.size(), 20u) << id;
    EXPECT_TRUE(IsValidResourceId(id)) << id;
    EXPECT_LT(previous, id) << "step " << step;
    previous = id;
  }
  // The random half: a thousand ids of one millisecond are all different.
  std::set<std::string> same_millisecond;
  for (int i = 0; i < 1000; ++i) same_millisecond.insert(NewResourceId(start));
  EXPECT_EQ(same_millisecond.size(), 1000u);
  // The time half is the milliseconds in base 32: a millisecond later is one digit later.
  EXPECT_EQ(NewResourceId(absl::FromUnixMillis(0)).substr(0, 10), "0000000000");
  EXPECT_EQ(NewResourceId(absl::FromUnixMillis(33)).substr(0, 10), "0000000011");
  EXPECT_EQ(NewResourceId(absl::FromUnixMillis(31)).substr(0, 10), "000000000z");
}

TEST(ResourceNamesTest, AClientChildNameHasItsCollectionAndRoundTrips) {
  const char* text = "practices/sunrise/clients/ana/safetyFlags/f1";
  auto name = ParseClientChildName("name", text, "safetyFlags");
  ASSERT_THAT(name, IsOk());
  EXPECT_EQ(name->client.Format(), "practices/sunrise/clients/ana");
  EXPECT_EQ(name->id, "f1");
  EXPECT_EQ(name->Format(), text);
  EXPECT_FALSE(ParseClientChildName("name", text, "hierarchies").ok());
  EXPECT_FALSE(
      ParseClientChildName("name", "practices/sunrise/clients/ana/safetyFlags/F1", "safetyFlags")
          .ok());
  EXPECT_FALSE(
      ParseClientChildName("name", "practices/sunrise/clients/ana/safetyFlags/f1/x", "safetyFlags")
          .ok());
}

}  // namespace
}  // namespace therapy::homework
