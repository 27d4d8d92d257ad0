#include "services/homework/client/methods.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "therapy/homework/v1/homework_service.pb.h"

namespace therapy::homework::client {
namespace {

using ::testing::HasSubstr;

TEST(FindMethodTest, FindsMethodByShortName) {
  const auto method = FindMethod("CreateClient");
  ASSERT_TRUE(method.ok()) << method.status();
  EXPECT_EQ((*method)->input_type()->full_name(), "therapy.homework.v1.CreateClientRequest");
  EXPECT_EQ(MethodPath(**method), "/therapy.homework.v1.HomeworkService/CreateClient");
}

TEST(FindMethodTest, FindsMethodByFullNameAndPath) {
  const auto by_full_name = FindMethod("therapy.homework.v1.HomeworkService.GetClient");
  const auto by_path = FindMethod("/therapy.homework.v1.HomeworkService/GetClient");
  ASSERT_TRUE(by_full_name.ok()) << by_full_name.status();
  ASSERT_TRUE(by_path.ok()) << by_path.status();
  EXPECT_EQ(*by_full_name, *by_path);
}

TEST(FindMethodTest, UnknownMethodIsNotFoundAndListsMethods) {
  const auto method = FindMethod("DeleteEverything");
  ASSERT_FALSE(method.ok());
  EXPECT_EQ(method.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(method.status().ToString(), HasSubstr("unknown method \"DeleteEverything\""));
  EXPECT_THAT(method.status().ToString(), HasSubstr("CreateClient, GetClient"));
}

TEST(FindMethodTest, MethodNamesAreCaseSensitive) {
  EXPECT_EQ(FindMethod("createclient").status().code(), absl::StatusCode::kNotFound);
}

TEST(RequestFromJsonTest, ParsesLowerCamelAndProtoFieldNames) {
  const auto method = FindMethod("CreateClient");
  ASSERT_TRUE(method.ok());
  const auto request = RequestFromJson(
      **method,
      R"({"parent": "practices/acme", "client_id": "c-1", "client": {"displayName": "A. Client"}})");
  ASSERT_TRUE(request.ok()) << request.status();
  const auto* typed = dynamic_cast<const v1::CreateClientRequest*>(request->get());
  ASSERT_NE(typed, nullptr);
  EXPECT_EQ(typed->parent(), "practices/acme");
  EXPECT_EQ(typed->client_id(), "c-1");
  EXPECT_EQ(typed->client().display_name(), "A. Client");
}

TEST(RequestFromJsonTest, EmptyInputIsEmptyRequest) {
  const auto method = FindMethod("ListClients");
  ASSERT_TRUE(method.ok());
  const auto request = RequestFromJson(**method, "  \n");
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ((*request)->ByteSizeLong(), 0u);
}

TEST(RequestFromJsonTest, UnknownFieldIsRejectedNamingIt) {
  const auto method = FindMethod("GetClient");
  ASSERT_TRUE(method.ok());
  const auto request = RequestFromJson(**method, R"({"nmae": "practices/acme/clients/c-1"})");
  ASSERT_FALSE(request.ok());
  EXPECT_EQ(request.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(request.status().ToString(),
              HasSubstr("request JSON is not a valid therapy.homework.v1.GetClientRequest"));
  EXPECT_THAT(request.status().ToString(), HasSubstr("nmae"));
}

TEST(RequestFromJsonTest, SyntaxErrorIsRejected) {
  const auto method = FindMethod("GetClient");
  ASSERT_TRUE(method.ok());
  const auto request = RequestFromJson(**method, R"({"name": )");
  ASSERT_FALSE(request.ok());
  EXPECT_EQ(request.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(request.status().ToString(), HasSubstr("GetClientRequest"));
}

TEST(RequestFromJsonTest, WrongTypeIsRejected) {
  const auto method = FindMethod("ListClients");
  ASSERT_TRUE(method.ok());
  const auto request = RequestFromJson(**method, R"({"pageSize": "many"})");
  ASSERT_FALSE(request.ok());
  EXPECT_EQ(request.status().code(), absl::StatusCode::kInvalidArgument);
}

v1::Client AClient() {
  v1::Client client;
  client.set_name("practices/acme/clients/c-1");
  client.set_display_name("A. Client");
  return client;
}

TEST(ResponseToJsonTest, PrintsLowerCamelJson) {
  const auto method = FindMethod("GetClient");
  ASSERT_TRUE(method.ok());
  const auto json = ResponseToJson(**method, AClient().SerializeAsString(), JsonLayout::kIndented);
  ASSERT_TRUE(json.ok()) << json.status();
  EXPECT_THAT(*json, HasSubstr(R"("displayName": "A. Client")"));
  EXPECT_THAT(*json, HasSubstr(R"("name": "practices/acme/clients/c-1")"));
  EXPECT_TRUE(absl::EndsWith(*json, "}\n"));
}

TEST(ResponseToJsonTest, CompactIsOneLine) {
  const auto method = FindMethod("GetClient");
  ASSERT_TRUE(method.ok());
  const auto json = ResponseToJson(**method, AClient().SerializeAsString(), JsonLayout::kCompact);
  ASSERT_TRUE(json.ok()) << json.status();
  EXPECT_EQ(*json, R"({"name":"practices/acme/clients/c-1","displayName":"A. Client"})");
}

TEST(FindMethodTest, StreamingMethodIsInvalidArgument) {
  EXPECT_EQ(FindMethod("WatchEvents").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ResponseToJsonTest, GarbageBytesAreInternal) {
  const auto method = FindMethod("GetClient");
  ASSERT_TRUE(method.ok());
  EXPECT_EQ(ResponseToJson(**method, "\xff\xff\xff", JsonLayout::kCompact).status().code(),
            absl::StatusCode::kInternal);
}

}  // namespace
}  // namespace therapy::homework::client
