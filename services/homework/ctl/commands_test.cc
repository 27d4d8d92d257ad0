#include "services/homework/ctl/commands.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/support/status.h"
#include "gtest/gtest.h"
#include "services/homework/auth/token_verifier.h"
#include "services/homework/client/rpc_status.h"
#include "testing/status_matchers.h"

namespace therapy::homework::ctl {
namespace {

using ::testing::HasSubstr;
using ::therapy::homework::testing::IsOk;
using ::therapy::homework::testing::StatusIs;

TEST(DescribeRpcErrorTest, PrintsCodeMessageAndFieldViolations) {
  google::rpc::BadRequest bad_request;
  auto* violation = bad_request.add_field_violations();
  violation->set_field("client.display_name");
  violation->set_description("must not be empty");
  google::rpc::Status details;
  details.set_code(3);
  details.set_message("invalid client");
  details.add_details()->PackFrom(bad_request);

  const std::string text = DescribeRpcError(client::FromGrpcStatus(grpc::Status(
      grpc::StatusCode::INVALID_ARGUMENT, "invalid client", details.SerializeAsString())));

  EXPECT_EQ(text,
            "error: INVALID_ARGUMENT: invalid client\n"
            "  client.display_name: must not be empty\n");
}

TEST(DescribeRpcErrorTest, WithoutDetailsPrintsOneLine) {
  EXPECT_EQ(DescribeRpcError(absl::UnauthenticatedError("token expired")),
            "error: UNAUTHENTICATED: token expired\n");
}

TEST(CallTest, UnknownMethodFailsBeforeConnecting) {
  CallOptions options;
  options.method = "NoSuchMethod";
  options.address = "127.0.0.1:1";
  const auto result = Call(options);
  ASSERT_THAT(result, StatusIs(absl::StatusCode::kNotFound));
}

TEST(CallTest, BadJsonFailsBeforeConnecting) {
  CallOptions options;
  options.method = "GetClient";
  options.address = "127.0.0.1:1";
  options.request_json = "{not json";
  const auto result = Call(options);
  ASSERT_THAT(result, StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(CallTest, UnreachableServerIsUnavailable) {
  CallOptions options;
  options.method = "GetClient";
  options.address = "127.0.0.1:1";
  options.deadline = absl::Seconds(2);
  const auto result = Call(options);
  ASSERT_THAT(result, IsOk());
  EXPECT_THAT(result->status.code(), ::testing::AnyOf(absl::StatusCode::kUnavailable,
                                                      absl::StatusCode::kDeadlineExceeded));
}

TEST(KeygenTest, WritesPrivateKeyOnlyForOwnerAndJwksThatVerifiesTokens) {
  const std::string dir = ::testing::TempDir() + "/keygen-test";
  std::filesystem::remove_all(dir);
  const auto report = Keygen({.out_dir = dir, .kid = "dev-9"});
  ASSERT_THAT(report, IsOk());
  EXPECT_THAT(*report, HasSubstr(dir + "/signing-key.pem"));

  struct stat key_stat {};
  ASSERT_EQ(::stat((dir + "/signing-key.pem").c_str(), &key_stat), 0);
  EXPECT_EQ(key_stat.st_mode & 0777, 0600u);

  const absl::Time now = absl::FromUnixSeconds(1'700'000'000);
  TokenOptions token_options;
  token_options.key_path = dir + "/signing-key.pem";
  token_options.kid = "dev-9";
  token_options.claims = {.subject = "svc", .practice = "acme", .role = "service"};
  const auto token = Token(token_options, now);
  ASSERT_THAT(token, IsOk());

  const auto verifier = TokenVerifier::Create(
      {.jwks_path = dir + "/jwks.json", .issuer = "homework-dev", .audience = "therapy-homework"});
  ASSERT_THAT(verifier, IsOk());
  const auto caller = (*verifier)->Verify(token->substr(0, token->size() - 1), now);
  ASSERT_THAT(caller, IsOk());
  EXPECT_EQ(caller->role, Role::kService);
}

TEST(KeygenTest, RefusesToOverwriteAnExistingKey) {
  const std::string dir = ::testing::TempDir() + "/keygen-twice";
  std::filesystem::remove_all(dir);
  ASSERT_THAT(Keygen({.out_dir = dir, .kid = "dev-1"}), IsOk());
  const auto again = Keygen({.out_dir = dir, .kid = "dev-1"});
  ASSERT_THAT(again, StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_THAT(again.status().ToString(), HasSubstr("already exists"));
}

TEST(ExportTest, PrettyJsonKeepsTheServersKeyOrder) {
  const absl::StatusOr<std::string> pretty =
      PrettyJson(R"({"resourceType":"Bundle","type":"collection","entry":[]})");
  ASSERT_THAT(pretty, IsOk());
  EXPECT_EQ(*pretty,
            "{\n  \"resourceType\": \"Bundle\",\n  \"type\": \"collection\",\n"
            "  \"entry\": []\n}\n");
  EXPECT_THAT(PrettyJson("{not json"), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(ExportTest, DescribesCountsOneTypePerLineInNameOrder) {
  EXPECT_EQ(DescribeResourceCounts({{"Task", 3}, {"CarePlan", 1}}), "CarePlan 1\nTask 3\n");
}

TEST(ExportTest, ExportFileIsReadableByTheOwnerOnlyEvenWhenReplaced) {
  const std::string path =
      (std::filesystem::path(::testing::TempDir()) / "export-mode-test.json").string();
  std::filesystem::remove(path);
  {
    std::ofstream loose(path);
    loose << "old";
  }
  std::filesystem::permissions(path, std::filesystem::perms::all);
  ASSERT_THAT(WriteExportFile(path, "{}\n"), IsOk());
  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  std::ifstream in(path);
  std::string contents((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(contents, "{}\n");
  std::filesystem::remove(path);
}

TEST(ExportTest, ExportWithoutClientFailsBeforeConnecting) {
  ExportOptions options;
  options.address = "127.0.0.1:1";
  EXPECT_THAT(ExportFhir(options), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace therapy::homework::ctl
