#include "services/homework/client/methods.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/status_matchers.h"
#include "therapy/homework/v1/homework_service.pb.h"

namespace therapy::homework::client {
namespace {

using ::testing::HasSubstr;
using ::therapy::homework::testing::IsOk;
using ::therapy::homework::testing::StatusIs;

TEST(FindMethodTest, FindsMethodByShortName) {
  const auto method = FindMethod("CreateClient");
  ASSERT_THAT(method, IsOk());
  EXPECT_EQ((*method)->input_type()->full_name(), "therapy.homework.v1.CreateClientRequest");
  EXPECT_EQ(MethodPath(**method), "/therapy.homework.v1.HomeworkService/CreateClient");
}

TEST(FindMethodTest, FindsMethodByFullNameAndPath) {
  const auto by_full_name = FindMethod("therapy.homework.v1.HomeworkService.GetClient");
  const auto by_path = FindMethod("/therapy.homework.v1.HomeworkService/GetClient");
  ASSERT_THAT(by_full_name, IsOk());
  ASSERT_THAT(by_path, IsOk());
  EXPECT_EQ(*by_full_name, *by_path);
}

TEST(FindMethodTest, UnknownMethodIsNotFoundAndListsMethods) {
  const auto method = FindMethod("DeleteEverything");
  ASSERT_THAT(method, StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(method.status().ToString(), HasSubstr("unknown method \"DeleteEverything\""));
  EXPECT_THAT(method.status().ToString(), HasSubstr("CreateClient, GetClient"));
}

TEST(FindMethodTest, MethodNamesAreCaseSensitive) {
  EXPECT_THAT(FindMethod("createclient"), StatusIs(absl::StatusCode::kNotFound));
}

TEST(RequestFromJsonTest, ParsesLowerCamelAndProtoFieldNames) {
  const auto method = FindMethod("CreateClient");
  ASSERT_THAT(method, IsOk());
  const auto request = RequestFromJson(
      **method,
      R"({"parent": "practices/acme", "client_id": "c-1", "client": {"displayName": "A. Client"}})");
  ASSERT_THAT(request, IsOk());
  const auto* typed = dynamic_cast<const v1::CreateClientRequest*>(request->get());
  ASSERT_NE(typed, nullptr);
  EXPECT_EQ(typed->parent(), "practices/acme");
  EXPECT_EQ(typed->client_id(), "c-1");
  EXPECT_EQ(typed->client().display_name(), "A. Client");
}

TEST(RequestFromJsonTest, EmptyInputIsEmptyRequest) {
  const auto method = FindMethod("ListClients");
  ASSERT_THAT(method, IsOk());
  const auto request = RequestFromJson(**method, "  \n");
  ASSERT_THAT(request, IsOk());
  EXPECT_EQ((*request)->ByteSizeLong(), 0u);
}

TEST(RequestFromJsonTest, UnknownFieldIsRejectedNamingIt) {
  const auto method = FindMethod("GetClient");
  ASSERT_THAT(method, IsOk());
  const auto request = RequestFromJson(**method, R"({"nmae": "practices/acme/clients/c-1"})");
  ASSERT_THAT(request, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(request.status().ToString(),
              HasSubstr("request JSON is not a valid therapy.homework.v1.GetClientRequest"));
  EXPECT_THAT(request.status().ToString(), HasSubstr("nmae"));
}

TEST(RequestFromJsonTest, SyntaxErrorIsRejected) {
  const auto method = FindMethod("GetClient");
  ASSERT_THAT(method, IsOk());
  const auto request = RequestFromJson(**method, R"({"name": )");
  ASSERT_THAT(request, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(request.status().ToString(), HasSubstr("GetClientRequest"));
}

TEST(RequestFromJsonTest, WrongTypeIsRejected) {
  const auto method = FindMethod("ListClients");
  ASSERT_THAT(method, IsOk());
  const auto request = RequestFromJson(**method, R"({"pageSize": "many"})");
  ASSERT_THAT(request, StatusIs(absl::StatusCode::kInvalidArgument));
}

v1::Client AClient() {
  v1::Client client;
  client.set_name("practices/acme/clients/c-1");
  client.set_display_name("A. Client");
  return client;
}

TEST(ResponseToJsonTest, PrintsLowerCamelJson) {
  const auto method = FindMethod("GetClient");
  ASSERT_THAT(method, IsOk());
  const auto json = ResponseToJson(**method, AClient().SerializeAsString(), JsonLayout::kIndented);
  ASSERT_THAT(json, IsOk());
  EXPECT_THAT(*json, HasSubstr(R"("displayName": "A. Client")"));
  EXPECT_THAT(*json, HasSubstr(R"("name": "practices/acme/clients/c-1")"));
  EXPECT_TRUE(absl::EndsWith(*json, "}\n"));
}

TEST(ResponseToJsonTest, CompactIsOneLine) {
  const auto method = FindMethod("GetClient");
  ASSERT_THAT(method, IsOk());
  const auto json = ResponseToJson(**method, AClient().SerializeAsString(), JsonLayout::kCompact);
  ASSERT_THAT(json, IsOk());
  EXPECT_EQ(*json, R"({"name":"practices/acme/clients/c-1","displayName":"A. Client"})");
}

TEST(FindMethodTest, StreamingMethodIsInvalidArgument) {
  EXPECT_THAT(FindMethod("WatchEvents"), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(ResponseToJsonTest, GarbageBytesAreInternal) {
  const auto method = FindMethod("GetClient");
  ASSERT_THAT(method, IsOk());
  EXPECT_THAT(ResponseToJson(**method, "\xff\xff\xff", JsonLayout::kCompact),
              StatusIs(absl::StatusCode::kInternal));
}

}  // namespace
}  // namespace therapy::homework::client
