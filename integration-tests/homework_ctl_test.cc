// homework-ctl end to end, as an operator uses it: make a key pair, start the server trusting
// it, mint a token, and call the service through the CLI, reading its JSON output.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/str_split.h"
#include "integration-tests/server_process.h"
#include "testing/child_process.h"
#include "testing/scratch_dir.h"
#include "testing/status_matchers.h"

#ifndef HOMEWORK_CTL_PATH
#error "HOMEWORK_CTL_PATH must name the homework-ctl binary (set by CMake)"
#endif

namespace therapy::homework::testing {
namespace {

using ::therapy::homework::testing::IsOk;

// Runs homework-ctl with `args` and returns what it printed; a failed run fails the test.
CommandResult Ctl(const std::vector<std::string>& args, const std::string& scratch_dir) {
  std::vector<std::string> argv = {HOMEWORK_CTL_PATH};
  argv.insert(argv.end(), args.begin(), args.end());
  absl::StatusOr<CommandResult> result = RunCommand(argv, scratch_dir);
  if (!result.ok()) {
    ADD_FAILURE() << result.status();
    return {};
  }
  return *result;
}

// protobuf's JSON printer writes lowerCamelCase names unless told to keep the proto names.
std::string Field(const nlohmann::json& object, const std::string& camel,
                  const std::string& snake) {
  if (object.contains(camel)) return object[camel].get<std::string>();
  return object.value(snake, "");
}

TEST(HomeworkCtlTest, KeygenTokenAndCallCreateAndGetClientWorkEndToEnd) {
  absl::StatusOr<ScratchDir> keys = ScratchDir::Make("homework-ctl-keys");
  ASSERT_THAT(keys, IsOk());
  const std::string dir = keys->path();

  CommandResult keygen = Ctl({"keygen", "--out_dir", dir, "--kid", "ctl-test-1"}, dir);
  ASSERT_EQ(keygen.exit_code, 0) << keygen.stderr_text;
  ASSERT_TRUE(std::filesystem::exists(dir + "/signing-key.pem"));
  ASSERT_TRUE(std::filesystem::exists(dir + "/jwks.json"));
  const nlohmann::json jwks = nlohmann::json::parse(ReadFileOrEmpty(dir + "/jwks.json"), nullptr,
                                                    /*allow_exceptions=*/false);
  ASSERT_TRUE(jwks.is_object() && jwks.contains("keys")) << ReadFileOrEmpty(dir + "/jwks.json");
  ASSERT_EQ(jwks["keys"].size(), 1u);
  EXPECT_EQ(jwks["keys"][0].value("kid", ""), "ctl-test-1");
  EXPECT_FALSE(jwks["keys"][0].contains("d")) << "the published JWKS must hold no private key";

  ServerOptions trusting_ctl_key;
  trusting_ctl_key.jwks_path = dir + "/jwks.json";
  absl::StatusOr<std::unique_ptr<ServerProcess>> server = ServerProcess::Start(trusting_ctl_key);
  ASSERT_THAT(server, IsOk());
  const std::string address = (*server)->address();

  CommandResult token =
      Ctl({"token", "--key", dir + "/signing-key.pem", "--kid", "ctl-test-1", "--sub",
           "platform-backend", "--role", "service", "--practice", "clinic-a"},
          dir);
  ASSERT_EQ(token.exit_code, 0) << token.stderr_text;
  const std::string jwt(absl::StripAsciiWhitespace(token.stdout_text));
  ASSERT_EQ(std::vector<std::string>(absl::StrSplit(jwt, '.')).size(), 3u)
      << "not a compact JWS: " << jwt;

  CommandResult created =
      Ctl({"call", "CreateClient", "--address", address, "--token", jwt, "--json",
           R"({"parent": "practices/clinic-a", "clientId": "jordan",
                                   "client": {"displayName": "Jordan", "timeZone": "Europe/Lisbon",
                                              "careTeam": ["dr-ada"]}})"},
          dir);
  ASSERT_EQ(created.exit_code, 0) << created.stderr_text << "\nserver:\n"
                                  << (*server)->StderrTail();
  const nlohmann::json client =
      nlohmann::json::parse(created.stdout_text, nullptr, /*allow_exceptions=*/false);
  ASSERT_TRUE(client.is_object()) << "not JSON: " << created.stdout_text;
  EXPECT_EQ(client.value("name", ""), "practices/clinic-a/clients/jordan");
  EXPECT_EQ(Field(client, "displayName", "display_name"), "Jordan");
  EXPECT_EQ(Field(client, "timeZone", "time_zone"), "Europe/Lisbon");
  const std::string etag = client.value("etag", "");
  EXPECT_FALSE(etag.empty());

  CommandResult fetched = Ctl({"call", "GetClient", "--address", address, "--token", jwt, "--json",
                               R"({"name": "practices/clinic-a/clients/jordan"})"},
                              dir);
  ASSERT_EQ(fetched.exit_code, 0) << fetched.stderr_text;
  const nlohmann::json same =
      nlohmann::json::parse(fetched.stdout_text, nullptr, /*allow_exceptions=*/false);
  ASSERT_TRUE(same.is_object()) << "not JSON: " << fetched.stdout_text;
  EXPECT_EQ(same.value("name", ""), "practices/clinic-a/clients/jordan");
  EXPECT_EQ(same.value("etag", ""), etag);
}

TEST(HomeworkCtlTest, CallWithBadTokenExitsNonZeroAndNamesTheCode) {
  absl::StatusOr<std::unique_ptr<ServerProcess>> server = ServerProcess::Start();
  ASSERT_THAT(server, IsOk());

  CommandResult denied = Ctl({"call", "GetClient", "--address", (*server)->address(), "--token",
                              "not-a-jwt", "--json", R"({"name": "practices/clinic-a/clients/x"})"},
                             (*server)->work_dir());
  EXPECT_NE(denied.exit_code, 0);
  EXPECT_THAT(denied.stdout_text + denied.stderr_text, ::testing::HasSubstr("UNAUTHENTICATED"));
}

}  // namespace
}  // namespace therapy::homework::testing
