#include "services/homework/core/resource_names.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/homework/core/validation.h"

namespace therapy::homework {
namespace {

using ::testing::HasSubstr;

TEST(ResourceNamesTest, CompletionNameRoundTrips) {
  const std::string text =
      "practices/sunrise/clients/ana/assignments/a1b2/completions/c3d4";
  auto name = ParseCompletionName("name", text);
  ASSERT_TRUE(name.ok()) << name.status();
  EXPECT_EQ(name->assignment.client.practice, "sunrise");
  EXPECT_EQ(name->assignment.client.client, "ana");
  EXPECT_EQ(name->assignment.assignment, "a1b2");
  EXPECT_EQ(name->completion, "c3d4");
  EXPECT_EQ(name->Format(), text);
}

TEST(ResourceNamesTest, MalformedNamesAreInvalidArgumentNamingTheField) {
  for (const char* bad : {"", "practices/sunrise", "practices/sunrise/clients/",
                          "practices/sunrise/patients/ana", "practices/Sunrise/clients/ana",
                          "practices/sunrise/clients/ana/extra", "practices/-x/clients/ana",
                          "practices/sunrise/clients/a_b"}) {
    absl::Status status = ParseClientName("parent", bad).status();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(status.message(), HasSubstr("parent")) << bad;
    ASSERT_TRUE(BadRequestOf(status).has_value()) << bad;
    EXPECT_EQ(BadRequestOf(status)->field_violations(0).field(), "parent");
  }
}

TEST(ResourceNamesTest, WildcardAssignmentOnlyWhereAccepted) {
  const char* text = "practices/sunrise/clients/ana/assignments/-";
  EXPECT_FALSE(ParseAssignmentName("name", text).ok());
  auto name = ParseAssignmentName("parent", text, Wildcard::kAccepted);
  ASSERT_TRUE(name.ok());
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

TEST(ResourceNamesTest, AClientChildNameHasItsCollectionAndRoundTrips) {
  const char* text = "practices/sunrise/clients/ana/safetyFlags/f1";
  auto name = ParseClientChildName("name", text, "safetyFlags");
  ASSERT_TRUE(name.ok()) << name.status();
  EXPECT_EQ(name->client.Format(), "practices/sunrise/clients/ana");
  EXPECT_EQ(name->id, "f1");
  EXPECT_EQ(name->Format(), text);
  EXPECT_FALSE(ParseClientChildName("name", text, "hierarchies").ok());
  EXPECT_FALSE(
      ParseClientChildName("name", "practices/sunrise/clients/ana/safetyFlags/F1", "safetyFlags")
          .ok());
  EXPECT_FALSE(ParseClientChildName("name", "practices/sunrise/clients/ana/safetyFlags/f1/x",
                                    "safetyFlags")
                   .ok());
}

}  // namespace
}  // namespace therapy::homework
