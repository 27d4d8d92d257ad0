// The input classes of the input-correctness rules on the browser listener: the real server's
// Connect endpoint over real HTTP, JSON and binary bodies, generated cases of each class. The
// gRPC side of the same classes is services/homework/rpc/input_classes_rpc_test.cc; both end in
// the same core, so the answers must agree: INVALID_ARGUMENT naming the field, or the input kept.

#include <random>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "google/protobuf/util/json_util.h"
#include "google/rpc/error_details.pb.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "integration-tests/rpc_test_support.h"
#include "integration-tests/server_process.h"
#include "nlohmann/json.hpp"
#include "testing/status_matchers.h"
#include "therapy/homework/v1/homework_service.pb.h"

namespace therapy::homework::testing {
namespace {

using ::therapy::homework::testing::IsOk;

constexpr char kPractice[] = "sunrise";
constexpr char kService[] = "/therapy.homework.v1.HomeworkService/";

struct Answer {
  int http = -1;
  std::string code;                 // the Connect code; empty on success
  std::vector<std::string> fields;  // of the google.rpc.BadRequest detail
  nlohmann::json body;
};

class ConnectInputClassesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ServerOptions options;
    options.connect = true;
    absl::StatusOr<std::unique_ptr<ServerProcess>> started = ServerProcess::Start(options);
    ASSERT_THAT(started, IsOk());
    server_ = started->release();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }

  // POSTs `body` to `method` with one Authorization header per token.
  Answer Post(const std::string& method, const std::string& body,
              const std::vector<std::string>& tokens, bool binary = false) {
    httplib::Client http("127.0.0.1", server_->connect_port());
    http.set_read_timeout(20, 0);
    httplib::Headers headers = {{"Connect-Protocol-Version", "1"}};
    for (const std::string& token : tokens) headers.emplace("Authorization", "Bearer " + token);
    auto result = http.Post(kService + method, headers, body,
                            binary ? "application/proto" : "application/json");
    Answer answer;
    if (!result) return answer;
    answer.http = result->status;
    answer.body = nlohmann::json::parse(result->body, nullptr, false);
    if (result->status != 200 && answer.body.is_object()) {
      answer.code = answer.body.value("code", "");
      for (const auto& detail : answer.body.value("details", nlohmann::json::array())) {
        std::string bytes;
        google::rpc::BadRequest request;
        if (detail.value("type", "") == "google.rpc.BadRequest" &&
            absl::Base64Unescape(detail.value("value", ""), &bytes) &&
            request.ParseFromString(bytes)) {
          for (const auto& violation : request.field_violations()) {
            answer.fields.push_back(violation.field());
          }
        }
      }
    }
    return answer;
  }

  std::string Token(const std::string& subject, const std::string& role) {
    return server_->Token(subject, role, kPractice);
  }

  // A CreateClient body as JSON with the given display name and zone (raw text, not escaped
  // by a JSON library, so broken UTF-8 reaches the server as sent).
  static std::string ClientJson(const std::string& id, const std::string& name,
                                const std::string& zone) {
    return absl::StrCat(R"({"parent":"practices/sunrise","clientId":")", id,
                        R"(","client":{"displayName":")", name, R"(","timeZone":")", zone,
                        R"(","careTeam":["dr-lee"]}})");
  }

  static bool Names(const Answer& answer, const std::string& field) {
    for (const std::string& named : answer.fields) {
      if (named == field) return true;
    }
    return false;
  }

  static ServerProcess* server_;
};

ServerProcess* ConnectInputClassesTest::server_ = nullptr;

TEST_F(ConnectInputClassesTest, WhiteSpaceAloneIsNotADisplayName) {
  int i = 0;
  for (const std::string blank :
       {" ", "\\t\\n", "\xC2\xA0", "\xE3\x80\x80", "\xE2\x80\x8B", "\\u2028\\u00a0"}) {
    Answer answer = Post("CreateClient", ClientJson(absl::StrCat("ws-", i++), blank, "UTC"),
                         {Token("backend", "service")});
    EXPECT_EQ(answer.code, "invalid_argument") << ::testing::PrintToString(blank);
    EXPECT_TRUE(Names(answer, "client.display_name")) << answer.body.dump();
  }
}

TEST_F(ConnectInputClassesTest, LimitsCountCharactersInEveryScript) {
  int i = 0;
  for (const std::string character :
       {"a", "\xC3\xA9", "\xD0\x96", "\xE4\xB8\xAD", "\xF0\x9F\x98\x9F"}) {
    std::string exactly;
    for (int n = 0; n < 200; ++n) exactly += character;
    Answer kept = Post("CreateClient", ClientJson(absl::StrCat("cp-", i), exactly, "UTC"),
                       {Token("backend", "service")});
    EXPECT_EQ(kept.http, 200) << kept.body.dump();
    EXPECT_EQ(kept.body.value("displayName", ""), exactly);
    Answer over =
        Post("CreateClient", ClientJson(absl::StrCat("cq-", i++), exactly + character, "UTC"),
             {Token("backend", "service")});
    EXPECT_TRUE(Names(over, "client.display_name")) << over.body.dump();
  }
}

TEST_F(ConnectInputClassesTest, OnlyIanaZonesAndNeverEchoed) {
  int i = 0;
  for (const std::string zone :
       {"/etc/localtime", "/usr/share/zoneinfo/Europe/Berlin", "localtime", "posix/Europe/Berlin",
        "Europe/Berlin\\u0000", "Mars/Olympus_Mons"}) {
    Answer answer = Post("CreateClient", ClientJson(absl::StrCat("tz-", i++), "Ana", zone),
                         {Token("backend", "service")});
    EXPECT_TRUE(Names(answer, "client.time_zone")) << zone << " " << answer.body.dump();
    EXPECT_EQ(answer.body.value("message", "").find(zone), std::string::npos);
  }
}

TEST_F(ConnectInputClassesTest, BrokenUtf8InBinaryAndJsonBodiesIsInvalidArgument) {
  std::mt19937 random(31);
  for (const std::string& broken : {std::string("caf\xC3"), std::string("\xED\xA0\x80"),
                                    std::string("\xFF\xFE"), std::string("a\xC0\xAF")}) {
    v1::CreateClientRequest request;
    request.set_parent("practices/sunrise");
    request.set_client_id("utf");
    request.mutable_client()->set_display_name("Ana " + broken);
    request.mutable_client()->set_time_zone("UTC");
    Answer binary =
        Post("CreateClient", request.SerializeAsString(), {Token("backend", "service")}, true);
    EXPECT_EQ(binary.code, "invalid_argument") << binary.body.dump();
    EXPECT_TRUE(Names(binary, "client.display_name")) << binary.body.dump();

    Answer json = Post("CreateClient", ClientJson("utf", "Ana " + broken, "UTC"),
                       {Token("backend", "service")});
    EXPECT_EQ(json.code, "invalid_argument") << json.body.dump();
    EXPECT_FALSE(json.fields.empty()) << json.body.dump();
  }
}

TEST_F(ConnectInputClassesTest, RandomBodiesGetAConnectErrorNamingAFieldNeverA500) {
  std::mt19937 random(37);
  std::uniform_int_distribution<int> byte(0, 255);
  const std::string token = Token("backend", "service");
  for (const char* method : {"CreateClient", "ListClients", "CreateCompletion", "GetClient",
                             "UpdateAssignment", "ListDueReminders"}) {
    for (int round = 0; round < 30; ++round) {
      std::string body(static_cast<size_t>(1 + round * 3), '\0');
      for (char& c : body) c = static_cast<char>(byte(random));
      for (bool binary : {true, false}) {
        Answer answer = Post(method, body, {token}, binary);
        ASSERT_NE(answer.http, -1) << method;
        EXPECT_LT(answer.http, 500) << method << " " << answer.body.dump();
        if (answer.http != 200) {
          EXPECT_FALSE(answer.code.empty()) << method;
        }
      }
    }
  }
}

TEST_F(ConnectInputClassesTest, TwoAuthorizationHeadersAreUnauthenticated) {
  Answer answer = Post("GetCaller", "{}", {Token("ana", "client"), Token("backend", "service")});
  EXPECT_EQ(answer.http, 401) << answer.body.dump();
  EXPECT_EQ(answer.code, "unauthenticated");
}

TEST_F(ConnectInputClassesTest, ForgedPageTokensNamePageToken) {
  std::mt19937 random(41);
  std::uniform_int_distribution<int> letter('A', 'z');
  for (int round = 0; round < 20; ++round) {
    std::string token(static_cast<size_t>(1 + round), 'x');
    for (char& c : token) c = static_cast<char>(letter(random));
    if (token.find_first_of("\\\"") != std::string::npos) continue;
    Answer answer =
        Post("ListClients",
             absl::StrCat(R"({"parent":"practices/sunrise","pageToken":")", token, R"("})"),
             {Token("backend", "service")});
    EXPECT_EQ(answer.code, "invalid_argument") << token;
    EXPECT_TRUE(Names(answer, "page_token")) << answer.body.dump();
  }
}

std::string Json(const google::protobuf::Message& message) {
  std::string json;
  EXPECT_TRUE(google::protobuf::util::MessageToJsonString(message, &json).ok());
  return json;
}

TEST_F(ConnectInputClassesTest, PartialWorkIsKeptAndRequestIdsAreOneRequest) {
  ASSERT_EQ(
      Post("CreateClient", ClientJson("pia", "Pia", "Europe/Berlin"), {Token("backend", "service")})
          .http,
      200);
  v1::CreateAssignmentRequest create;
  create.set_parent("practices/sunrise/clients/pia");
  auto* a = create.mutable_assignment();
  a->set_title("Thought record");
  a->mutable_exercise()->set_kind(v1::EXERCISE_KIND_THOUGHT_RECORD);
  a->mutable_schedule()->set_target_count(1);
  a->mutable_schedule()->set_period(v1::Schedule::PERIOD_DAY);
  a->mutable_schedule()->set_start_date("2026-01-05");
  a->mutable_schedule()->set_minimum_version("One line");
  Answer created = Post("CreateAssignment", Json(create), {Token("dr-lee", "therapist")});
  ASSERT_EQ(created.http, 200) << created.body.dump();
  const std::string assignment = created.body.value("name", "");
  Answer activated = Post("ActivateAssignment", absl::StrCat(R"({"name":")", assignment, R"("})"),
                          {Token("dr-lee", "therapist")});
  ASSERT_EQ(activated.http, 200) << activated.body.dump();

  // Every prefix of the columns is kept as partial work or the two-minute version.
  for (int filled = 0; filled <= 4; ++filled) {
    for (auto status : {v1::Completion::STATUS_PARTIAL, v1::Completion::STATUS_MINIMUM_VERSION}) {
      v1::CreateCompletionRequest record;
      record.set_parent(assignment);
      v1::Completion* c = record.mutable_completion();
      c->mutable_occur_time()->set_seconds(absl::ToUnixSeconds(absl::Now()) - 60);
      c->set_occur_time_zone("Europe/Berlin");
      c->set_status(status);
      auto* r = c->mutable_thought_record();
      if (filled > 0) r->set_situation("Встреча затянулась");
      if (filled > 1) r->set_automatic_thought("They think I'm useless");
      if (filled > 2) r->set_automatic_thought_belief(80);
      if (filled > 3) r->add_emotions()->set_emotion("anxious");
      Answer answer = Post("CreateCompletion", Json(record), {Token("pia", "client")});
      EXPECT_EQ(answer.http, 200) << filled << " " << answer.body.dump();
    }
  }

  // A request_id is one request: the replay gets the first result, another request is refused.
  v1::CreateCompletionRequest first;
  first.set_parent(assignment);
  first.set_request_id("r-1");
  v1::Completion* c = first.mutable_completion();
  c->mutable_occur_time()->set_seconds(absl::ToUnixSeconds(absl::Now()) - 60);
  c->set_occur_time_zone("Europe/Berlin");
  c->set_status(v1::Completion::STATUS_PARTIAL);
  c->mutable_thought_record()->set_situation("Bus");
  Answer stored = Post("CreateCompletion", Json(first), {Token("pia", "client")});
  Answer replayed = Post("CreateCompletion", Json(first), {Token("pia", "client")});
  ASSERT_EQ(stored.http, 200) << stored.body.dump();
  EXPECT_EQ(replayed.body.value("name", "x"), stored.body.value("name", "y"));
  v1::CreateCompletionRequest other = first;
  other.mutable_completion()->mutable_thought_record()->set_situation("Train");
  Answer refused = Post("CreateCompletion", Json(other), {Token("pia", "client")});
  EXPECT_EQ(refused.code, "invalid_argument") << refused.body.dump();
  EXPECT_TRUE(Names(refused, "request_id")) << refused.body.dump();
}

TEST_F(ConnectInputClassesTest, FutureSessionsAndYearZeroDatesAreRefused) {
  ASSERT_EQ(
      Post("CreateClient", ClientJson("quin", "Quin", "UTC"), {Token("backend", "service")}).http,
      200);
  v1::UpdateClientRequest update;
  update.mutable_client()->set_name("practices/sunrise/clients/quin");
  update.mutable_client()->mutable_last_session_time()->set_seconds(
      absl::ToUnixSeconds(absl::Now()) + 86400);
  update.mutable_update_mask()->add_paths("last_session_time");
  Answer future = Post("UpdateClient", Json(update), {Token("backend", "service")});
  EXPECT_TRUE(Names(future, "client.last_session_time")) << future.body.dump();
  for (const char* day : {"0000-01-01", "1899-12-31", "2026-02-30"}) {
    v1::CreateAssignmentRequest create;
    create.set_parent("practices/sunrise/clients/quin");
    auto* a = create.mutable_assignment();
    a->set_title("Walk");
    a->mutable_exercise()->set_kind(v1::EXERCISE_KIND_SELF_CARE);
    a->mutable_exercise()->mutable_self_care()->set_domain(
        v1::SelfCareInstructions::DOMAIN_EXERCISE);
    a->mutable_schedule()->set_target_count(1);
    a->mutable_schedule()->set_period(v1::Schedule::PERIOD_DAY);
    a->mutable_schedule()->set_start_date(day);
    Answer answer = Post("CreateAssignment", Json(create), {Token("dr-lee", "therapist")});
    EXPECT_TRUE(Names(answer, "assignment.schedule.start_date")) << day << answer.body.dump();
  }
}

TEST_F(ConnectInputClassesTest, OutOfRangeTimestampsInReadFiltersAreNamed) {
  const std::string body =
      R"({"parent":"practices/sunrise/clients/-","startTime":"0000-12-31T00:00:00Z"})";
  Answer answer = Post("ListDueReminders", body, {Token("backend", "service")});
  EXPECT_EQ(answer.code, "invalid_argument") << answer.body.dump();
}

}  // namespace
}  // namespace therapy::homework::testing
