// The Janus plugin janus.plugin.homework, a thin adapter, in the real Janus against the real
// homework-server: participants join a service Session (practices/{p}/sessions/{s}) with real
// tokens from homework-ctl; the roster comes from the service; `call` runs unary methods with
// the participant's own token and the service's canonical errors; the service's events for the
// session's client are relayed (a PHQ-9 urgent flag to the therapist only); and a draft shaped
// through `call` lives in the service, so Janus killed mid-session and started again loses
// nothing: the pages rejoin and read the draft as it was. Pages are played by WebSocket
// connections speaking the Janus JSON API (janus_client.h).

#include <gmock/gmock.h>
#include <google/protobuf/util/time_util.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "integration-tests/janus/janus_client.h"
#include "integration-tests/rpc_test_support.h"
#include "integration-tests/server_process.h"
#include "nlohmann/json.hpp"
#include "testing/child_process.h"
#include "testing/scratch_dir.h"
#include "testing/status_matchers.h"

namespace therapy::homework::testing {
namespace {

using ::google::protobuf::util::TimeUtil;
using nlohmann::json;
using ::testing::HasSubstr;
using ::therapy::homework::testing::IsOk;

constexpr char kPractice[] = "clinic-a";
constexpr char kPracticeName[] = "practices/clinic-a";
constexpr char kAlex[] = "practices/clinic-a/clients/alex";
constexpr char kSam[] = "practices/clinic-a/clients/sam";
constexpr char kZone[] = "Europe/Berlin";
constexpr char kSession[] = "practices/clinic-a/sessions/tele-2041";

// Plugin events are matched by their `homework` kind.
auto Kind(const std::string& kind) {
  return [kind](const json& event) { return event.value("homework", "") == kind; };
}

// The relayed service event of `type` about `resource`.
auto ServiceEvent(const std::string& type, const std::string& resource) {
  return [type, resource](const json& event) {
    return event.value("homework", "") == "event" && event["event"].value("type", "") == type &&
           event["event"].value("resource", "") == resource;
  };
}

// A `call` request body.
json CallBody(const std::string& method, json request) {
  return json{{"request", "call"}, {"method", method}, {"body", std::move(request)}};
}

// A fear-of-lifts exposure step as the therapist drafts it in session `session`, protobuf JSON.
json LiftExposureDraft(const std::string& session) {
  return json{{"title", "Ride the office lift to the 4th floor"},
              {"rationale", "Staying until the fear falls shows me the lift is safe enough."},
              {"phase", "TREATMENT_PHASE_PRACTICE"},
              {"session", session},
              {"exercise",
               {{"kind", "EXERCISE_KIND_EXPOSURE_PRACTICE"},
                {"instructions", "Ride up and down until your distress has dropped by half."},
                {"exposurePractice",
                 {{"situation", "Office lift, ground floor to 4th floor, alone"},
                  {"expectedSuds", 70},
                  {"stayUntilDropPercent", 50}}}}},
              {"schedule",
               {{"targetCount", 1},
                {"period", "PERIOD_DAY"},
                {"minutesPerPractice", 20},
                {"startDate", DayIn(kZone, -1)},
                {"preferredLocalTime", "08:45"},
                {"minimumVersion", "Stand in the open lift for two minutes"}}}};
}

class JanusPluginTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<ScratchDir> keys = ScratchDir::Make("janus-plugin-keys");
    ASSERT_THAT(keys, IsOk());
    keys_ = std::make_unique<ScratchDir>(*std::move(keys));
    CommandResult keygen = Ctl({"keygen", "--out_dir", keys_->path(), "--kid", "janus-it-1"});
    ASSERT_EQ(keygen.exit_code, 0) << keygen.stderr_text;

    absl::StatusOr<std::unique_ptr<ServerProcess>> server =
        ServerProcess::Start(ServerOptions{.jwks_path = keys_->path() + "/jwks.json"});
    ASSERT_THAT(server, IsOk());
    server_ = *std::move(server);
    stub_ = server_->NewStub();

    ASSERT_NO_FATAL_FAILURE(platform_ = Token("platform-backend", "service"));
    ASSERT_NO_FATAL_FAILURE(dr_ada_ = Token("dr-ada", "therapist"));
    ASSERT_NO_FATAL_FAILURE(dr_bo_ = Token("dr-bo", "therapist"));
    ASSERT_NO_FATAL_FAILURE(alex_ = Token("alex", "client"));
    ASSERT_NO_FATAL_FAILURE(sam_ = Token("sam", "client"));
    ASSERT_NO_FATAL_FAILURE(CreateClient("alex", "Alex Brandt"));
    ASSERT_NO_FATAL_FAILURE(CreateClient("sam", "Sam Okafor"));
    // The platform opens the session when the call starts.
    ASSERT_NO_FATAL_FAILURE(CreateSession("tele-2041", kAlex));

    ASSERT_NO_FATAL_FAILURE(StartJanus());
    ASSERT_NO_FATAL_FAILURE(therapist_ = Attach());
    ASSERT_NO_FATAL_FAILURE(client_ = Attach());
  }

  void TearDown() override {
    therapist_.reset();
    client_.reset();
    if (janus_) {
      absl::Status stopped = janus_->Stop();
      EXPECT_THAT(stopped, IsOk());
      if (HasFailure()) {
        ADD_FAILURE() << "janus log:\n" << janus_->LogTail(60);
        KeepJanusLog();
      }
    }
  }

  void StartJanus() {
    absl::StatusOr<std::unique_ptr<JanusProcess>> janus =
        JanusProcess::Start(JanusPaths{.janus_binary = JANUS_BINARY,
                                       .transports_folder = JANUS_TRANSPORTS_DIR,
                                       .plugin_library = JANUS_PLUGIN_LIBRARY,
                                       .plugin_sample_config = JANUS_PLUGIN_SAMPLE_CONFIG},
                            server_->address());
    ASSERT_THAT(janus, IsOk());
    janus_ = *std::move(janus);
  }

  // A failed test's Janus log, kept as <build>/test-output/janus/<test>.janus.log.
  void KeepJanusLog() {
    const ::testing::TestInfo* test = ::testing::UnitTest::GetInstance()->current_test_info();
    const std::filesystem::path folder = std::filesystem::path(HOMEWORK_TEST_OUTPUT_DIR) / "janus";
    std::error_code error;
    std::filesystem::create_directories(folder, error);
    std::ofstream(folder / absl::StrCat(test->name(), ".janus.log")) << janus_->LogTail(100000);
  }

  CommandResult Ctl(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {HOMEWORK_CTL_PATH};
    argv.insert(argv.end(), args.begin(), args.end());
    absl::StatusOr<CommandResult> result = RunCommand(argv, keys_->path());
    EXPECT_THAT(result, IsOk());
    return result.ok() ? *result : CommandResult{};
  }

  // A token from `homework-ctl token`, signed with the key the server trusts.
  std::string Token(const std::string& subject, const std::string& role) {
    CommandResult token =
        Ctl({"token", "--key", keys_->path() + "/signing-key.pem", "--kid", "janus-it-1", "--sub",
             subject, "--role", role, "--practice", kPractice});
    EXPECT_EQ(token.exit_code, 0) << token.stderr_text;
    return std::string(absl::StripAsciiWhitespace(token.stdout_text));
  }

  // A client with Dr Ada (not Dr Bo) on its care team.
  void CreateClient(const std::string& id, const std::string& display_name) {
    v1::CreateClientRequest request;
    request.set_parent(kPracticeName);
    request.set_client_id(id);
    request.mutable_client()->set_display_name(display_name);
    request.mutable_client()->set_time_zone(kZone);
    request.mutable_client()->add_care_team("dr-ada");
    v1::Client client;
    ASSERT_RPC_OK(Call(*stub_, &Stub::CreateClient, platform_, request, &client));
  }

  void CreateSession(const std::string& id, const std::string& client) {
    v1::CreateSessionRequest request;
    request.set_parent(kPracticeName);
    request.set_session_id(id);
    request.mutable_session()->set_client(client);
    v1::Session session;
    ASSERT_RPC_OK(Call(*stub_, &Stub::CreateSession, platform_, request, &session));
  }

  std::unique_ptr<JanusClient> Attach() {
    absl::StatusOr<std::unique_ptr<JanusClient>> page = JanusClient::Connect(janus_->port());
    EXPECT_THAT(page, IsOk());
    if (!page.ok()) return nullptr;
    absl::Status attached = (*page)->CreateSessionAndAttach();
    EXPECT_THAT(attached, IsOk()) << attached << "\n" << janus_->LogTail();
    return *std::move(page);
  }

  json Join(JanusClient& page, const std::string& token, const std::string& display,
            const std::string& client = kAlex, const std::string& session = kSession) {
    std::optional<json> answer = page.Request(json{{"request", "join"},
                                                   {"session", session},
                                                   {"client", client},
                                                   {"token", token},
                                                   {"display", display}});
    EXPECT_TRUE(answer) << "no answer to join\n" << janus_->LogTail();
    return answer.value_or(json::object());
  }

  // Both participants in the session: Dr Ada, then Alex.
  void JoinBoth() {
    json ada = Join(*therapist_, dr_ada_, "Dr Ada");
    ASSERT_EQ(ada.value("homework", ""), "joined") << ada.dump();
    json alex = Join(*client_, alex_, "Alex");
    ASSERT_EQ(alex.value("homework", ""), "joined") << alex.dump();
    ASSERT_TRUE(therapist_->WaitFor(Kind("presence"))) << "no presence event for Dr Ada";
  }

  // Sends a `call` from `page` and returns its `result` body (a test failure otherwise).
  json CallOk(JanusClient& page, const std::string& method, json request) {
    std::optional<json> answer = page.Request(CallBody(method, std::move(request)));
    EXPECT_TRUE(answer) << "no answer to " << method;
    if (!answer) return json::object();
    EXPECT_EQ(answer->value("homework", ""), "result") << method << ": " << answer->dump();
    EXPECT_EQ(answer->value("method", ""), method);
    return answer->value("body", json::object());
  }

  std::unique_ptr<ScratchDir> keys_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<Stub> stub_;
  std::unique_ptr<JanusProcess> janus_;
  std::unique_ptr<JanusClient> therapist_;
  std::unique_ptr<JanusClient> client_;
  std::string platform_, dr_ada_, dr_bo_, alex_, sam_;
};

TEST_F(JanusPluginTest, JoinTakesRolesFromTheServiceNotFromThePage) {
  // Dr Ada's page calls her "Alex": the roster still says who she is, from GetCaller.
  json ada = Join(*therapist_, dr_ada_, "Alex");
  ASSERT_EQ(ada.value("homework", ""), "joined") << ada.dump();
  EXPECT_EQ(ada["session"], kSession);
  EXPECT_EQ(ada["client"], kAlex);
  EXPECT_EQ(ada["you"]["subject"], "dr-ada");
  EXPECT_EQ(ada["you"]["role"], "therapist");
  EXPECT_FALSE(ada.contains("drafts")) << "drafts are the service's, read through call";

  json alex = Join(*client_, alex_, "Alex");
  ASSERT_EQ(alex.value("homework", ""), "joined") << alex.dump();
  EXPECT_EQ(alex["you"]["subject"], "alex");
  EXPECT_EQ(alex["you"]["role"], "client");
  ASSERT_EQ(alex["participants"].size(), 2u) << alex.dump();
  EXPECT_EQ(alex["participants"][0]["subject"], "dr-ada");
  EXPECT_EQ(alex["participants"][0]["role"], "therapist");
  EXPECT_EQ(alex["participants"][0]["display"], "Alex") << "the display is the page's";

  std::optional<json> presence = therapist_->WaitFor(Kind("presence"));
  ASSERT_TRUE(presence) << "Dr Ada was not told Alex joined";
  EXPECT_EQ((*presence)["participants"].size(), 2u);

  // The service recorded both as present.
  v1::GetSessionRequest get;
  get.set_name(kSession);
  v1::Session session;
  ASSERT_RPC_OK(Call(*stub_, &Stub::GetSession, dr_ada_, get, &session));
  EXPECT_THAT(session.care_team_present(), ::testing::ElementsAre("dr-ada"));
  EXPECT_TRUE(session.client_present());

  // A handle joins once.
  json twice = Join(*therapist_, dr_ada_, "Dr Ada");
  EXPECT_EQ(twice.value("code", ""), "failed_precondition") << twice.dump();

  // Leaving tells the others.
  ASSERT_TRUE(client_->Request(json{{"request", "leave"}}));
  std::optional<json> left = therapist_->WaitFor(Kind("presence"));
  ASSERT_TRUE(left);
  ASSERT_EQ((*left)["participants"].size(), 1u) << left->dump();
  EXPECT_EQ((*left)["participants"][0]["subject"], "dr-ada");
}

TEST_F(JanusPluginTest, JoinRefusesEveryoneButTheClientAndItsCareTeam) {
  auto refused = [&](const std::string& token, const std::string& client,
                     const std::string& session = kSession) {
    std::unique_ptr<JanusClient> page = Attach();
    if (!page) return std::string("no page");
    return Join(*page, token, "Somebody", client, session).value("code", "joined");
  };
  // Sam, another client, neither as Alex nor as himself in Alex's session.
  EXPECT_EQ(refused(sam_, kAlex), "permission_denied");
  EXPECT_EQ(refused(sam_, kSam), "permission_denied");
  // Dr Bo, a therapist outside Alex's care team: the service refuses her.
  EXPECT_EQ(refused(dr_bo_, kAlex), "permission_denied");
  // A token of a role that takes no part in a session (the platform's own service token).
  EXPECT_EQ(refused(platform_, kAlex), "permission_denied");
  // A token the service does not trust.
  EXPECT_EQ(refused(dr_ada_ + "x", kAlex), "unauthenticated");
  // A session that is not there (the service may keep its existence to itself: authorisation
  // comes before lookup), and a session named with another client than its own.
  EXPECT_THAT(refused(dr_ada_, kAlex, "practices/clinic-a/sessions/tele-9999"),
              ::testing::AnyOf("not_found", "permission_denied"));
  EXPECT_EQ(refused(dr_ada_, kSam), "failed_precondition");

  // None of them is in the roster.
  json ada = Join(*therapist_, dr_ada_, "Dr Ada");
  ASSERT_EQ(ada.value("homework", ""), "joined") << ada.dump();
  EXPECT_EQ(ada["participants"].size(), 1u) << ada.dump();
}

TEST_F(JanusPluginTest, TokenRefreshKeepsTheSubjectAndTheRelay) {
  // Before a join there is nothing to refresh.
  std::optional<json> early = client_->Request(json{{"request", "token"}, {"token", alex_}});
  ASSERT_TRUE(early);
  EXPECT_EQ(early->value("code", ""), "failed_precondition") << early->dump();

  ASSERT_NO_FATAL_FAILURE(JoinBoth());
  // A fresh token for the same person is taken; one for somebody else, or a bad one, is not.
  std::optional<json> fresh =
      therapist_->Request(json{{"request", "token"}, {"token", Token("dr-ada", "therapist")}});
  ASSERT_TRUE(fresh);
  EXPECT_EQ(fresh->value("homework", ""), "ack") << fresh->dump();
  std::optional<json> swapped = therapist_->Request(json{{"request", "token"}, {"token", sam_}});
  ASSERT_TRUE(swapped);
  EXPECT_EQ(swapped->value("code", ""), "permission_denied") << swapped->dump();
  std::optional<json> forged =
      therapist_->Request(json{{"request", "token"}, {"token", dr_ada_ + "x"}});
  ASSERT_TRUE(forged);
  EXPECT_EQ(forged->value("code", ""), "unauthenticated") << forged->dump();

  // Calls still run as Dr Ada, and her relay (restarted with the fresh token) still relays.
  EXPECT_EQ(CallOk(*therapist_, "GetCaller", json::object()).value("subject", ""), "dr-ada");
  json draft = CallOk(*therapist_, "CreateAssignment",
                      json{{"parent", kAlex}, {"assignment", LiftExposureDraft(kSession)}});
  const std::string name = draft.value("name", "");
  ASSERT_FALSE(name.empty()) << draft.dump();
  EXPECT_TRUE(therapist_->WaitFor(ServiceEvent("TYPE_ASSIGNMENT_CREATED", name)))
      << "the relay did not survive the token refresh";
}

TEST_F(JanusPluginTest, CallRunsWithTheParticipantsOwnTokenAndTheServicesErrors) {
  ASSERT_NO_FATAL_FAILURE(JoinBoth());

  // Each handle's calls run as its own participant.
  EXPECT_EQ(CallOk(*client_, "GetCaller", json::object()).value("subject", ""), "alex");
  EXPECT_EQ(CallOk(*therapist_, "GetCaller", json::object()).value("subject", ""), "dr-ada");

  json client = CallOk(*client_, "GetClient", json{{"name", kAlex}});
  EXPECT_EQ(client.value("name", ""), kAlex);
  EXPECT_EQ(client.value("displayName", ""), "Alex Brandt");

  // Alex's token reaches only Alex: the service says so, and the plugin passes it on.
  std::optional<json> other = client_->Request(CallBody("GetClient", json{{"name", kSam}}));
  ASSERT_TRUE(other);
  EXPECT_EQ(other->value("homework", ""), "error") << other->dump();
  EXPECT_EQ(other->value("code", ""), "permission_denied") << other->dump();

  // An invalid field: INVALID_ARGUMENT with the service's BadRequest naming it.
  std::optional<json> invalid =
      therapist_->Request(CallBody("GetClient", json{{"name", "clients/x"}}));
  ASSERT_TRUE(invalid);
  EXPECT_EQ(invalid->value("code", ""), "invalid_argument") << invalid->dump();
  ASSERT_FALSE((*invalid)["details"].empty()) << invalid->dump();
  // The Connect error object (connect/connect_errors.h): the page reads it as it reads Connect.
  EXPECT_EQ((*invalid)["details"][0]["type"], "google.rpc.BadRequest");
  EXPECT_EQ((*invalid)["details"][0]["debug"]["fieldViolations"][0]["field"], "name")
      << invalid->dump();

  // The plugin's own checks name the field too.
  std::optional<json> unknown = therapist_->Request(CallBody("DropTables", json::object()));
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->value("code", ""), "invalid_argument");
  EXPECT_THAT(unknown->value("message", ""), HasSubstr("method"));
  std::optional<json> watch = therapist_->Request(CallBody("WatchEvents", json::object()));
  ASSERT_TRUE(watch);
  EXPECT_EQ(watch->value("code", ""), "invalid_argument");
  std::optional<json> bad_body =
      therapist_->Request(CallBody("GetClient", json{{"colour", "red"}}));
  ASSERT_TRUE(bad_body);
  EXPECT_EQ(bad_body->value("code", ""), "invalid_argument");
  EXPECT_THAT(bad_body->value("message", ""), HasSubstr("body"));

  // The draft requests of the old protocol are gone: drafts are the service's.
  std::optional<json> draft = therapist_->Request(
      json{{"request", "draft"}, {"draft", {{"assignment", LiftExposureDraft(kSession)}}}});
  ASSERT_TRUE(draft);
  EXPECT_EQ(draft->value("code", ""), "invalid_argument") << draft->dump();

  // Before a join there is nothing to call.
  std::unique_ptr<JanusClient> stranger = Attach();
  ASSERT_TRUE(stranger);
  std::optional<json> early = stranger->Request(CallBody("GetClient", json{{"name", kAlex}}));
  ASSERT_TRUE(early);
  EXPECT_EQ(early->value("code", ""), "failed_precondition") << early->dump();
}

TEST_F(JanusPluginTest, DraftShapedThroughCallSurvivesJanusKilledMidSession) {
  ASSERT_NO_FATAL_FAILURE(JoinBoth());

  // Dr Ada drafts the lift exposure in this session: an Assignment in STATE_DRAFT.
  json created = CallOk(*therapist_, "CreateAssignment",
                        json{{"parent", kAlex}, {"assignment", LiftExposureDraft(kSession)}});
  const std::string name = created.value("name", "");
  ASSERT_THAT(name, ::testing::StartsWith(std::string(kAlex) + "/assignments/")) << created.dump();
  EXPECT_EQ(created.value("state", ""), "STATE_DRAFT");
  EXPECT_EQ(created.value("session", ""), kSession);
  ASSERT_TRUE(client_->WaitFor(ServiceEvent("TYPE_ASSIGNMENT_CREATED", name)))
      << "Alex's panel was not told of the draft";

  // Alex makes the plan its own: its preferred time, with its own token.
  json amended =
      CallOk(*client_, "UpdateAssignment",
             json{{"assignment", {{"name", name}, {"schedule", {{"preferredLocalTime", "07:30"}}}}},
                  {"updateMask", "schedule.preferredLocalTime"}});
  EXPECT_EQ(amended["schedule"].value("preferredLocalTime", ""), "07:30") << amended.dump();
  std::optional<json> heard = therapist_->WaitFor(ServiceEvent("TYPE_ASSIGNMENT_UPDATED", name));
  ASSERT_TRUE(heard) << "Dr Ada's panel was not told of Alex's change";
  // The relay asks for assignments: the change comes with its event, as the service stored it.
  EXPECT_EQ((*heard)["event"]["assignment"].value("name", ""), name) << heard->dump();
  EXPECT_EQ((*heard)["event"]["assignment"]["schedule"].value("preferredLocalTime", ""), "07:30")
      << heard->dump();

  // Janus dies mid-session, by the PID this test started.
  ASSERT_THAT(janus_->Kill(), IsOk());
  EXPECT_FALSE(therapist_->Request(CallBody("GetCaller", json::object()), absl::Seconds(1)))
      << "the killed Janus still answers";
  therapist_.reset();
  client_.reset();
  ASSERT_NO_FATAL_FAILURE(StartJanus());
  ASSERT_NO_FATAL_FAILURE(therapist_ = Attach());
  ASSERT_NO_FATAL_FAILURE(client_ = Attach());

  // The pages rejoin the same session and find the draft as it was.
  ASSERT_NO_FATAL_FAILURE(JoinBoth());
  for (JanusClient* page : {therapist_.get(), client_.get()}) {
    json draft = CallOk(*page, "GetAssignment", json{{"name", name}});
    EXPECT_EQ(draft.value("state", ""), "STATE_DRAFT") << draft.dump();
    EXPECT_EQ(draft.value("session", ""), kSession);
    EXPECT_EQ(draft.value("title", ""), "Ride the office lift to the 4th floor");
    EXPECT_EQ(draft["schedule"].value("preferredLocalTime", ""), "07:30");
    EXPECT_EQ(draft["schedule"].value("minimumVersion", ""),
              "Stand in the open lift for two minutes");
  }
  json listed = CallOk(*therapist_, "ListAssignments", json{{"parent", kAlex}});
  ASSERT_EQ(listed["assignments"].size(), 1u) << listed.dump();
  EXPECT_EQ(listed["assignments"][0].value("name", ""), name);

  // The relay works on the new Janus: Dr Ada assigns it, Alex's panel hears.
  json draft = CallOk(*therapist_, "GetAssignment", json{{"name", name}});
  json active = CallOk(*therapist_, "ActivateAssignment",
                       json{{"name", name}, {"etag", draft.value("etag", "")}});
  EXPECT_EQ(active.value("state", ""), "STATE_ACTIVE") << active.dump();
  ASSERT_TRUE(client_->WaitFor(ServiceEvent("TYPE_ASSIGNMENT_UPDATED", name)))
      << "Alex's relay on the restarted Janus is not live";

  // Dr Ada ends the session; its summary is the service's, and an ended session takes no joins.
  json ended = CallOk(*therapist_, "EndSession", json{{"name", kSession}});
  EXPECT_EQ(ended.value("state", ""), "STATE_ENDED") << ended.dump();
  EXPECT_EQ(ended["summary"]["assigned"], json::array({name})) << ended.dump();
  std::unique_ptr<JanusClient> late = Attach();
  ASSERT_TRUE(late);
  EXPECT_EQ(Join(*late, alex_, "Alex").value("code", ""), "failed_precondition");
}

TEST_F(JanusPluginTest, UrgentFlagReachesTheTherapistOnly) {
  ASSERT_NO_FATAL_FAILURE(JoinBoth());

  // Dr Ada assigns the PHQ-9 on the service directly.
  v1::CreateAssignmentRequest create;
  create.set_parent(kAlex);
  create.set_template_("templates/phq-9");
  create.mutable_assignment()->mutable_schedule()->set_start_date(DayIn(kZone));
  v1::Assignment draft;
  ASSERT_RPC_OK(Call(*stub_, &Stub::CreateAssignment, dr_ada_, create, &draft));
  v1::ActivateAssignmentRequest activate;
  activate.set_name(draft.name());
  activate.set_etag(draft.etag());
  v1::Assignment phq9;
  ASSERT_RPC_OK(Call(*stub_, &Stub::ActivateAssignment, dr_ada_, activate, &phq9));

  // Alex answers item 9 (thoughts of self-harm) with "several days".
  v1::CreateCompletionRequest record;
  record.set_parent(phq9.name());
  v1::Completion* answers = record.mutable_completion();
  *answers->mutable_occur_time() =
      TimeUtil::SecondsToTimestamp(absl::ToUnixSeconds(absl::Now() - absl::Minutes(1)));
  answers->set_occur_time_zone(kZone);
  answers->set_status(v1::Completion::STATUS_DONE);
  for (int answer : {2, 2, 1, 1, 2, 1, 1, 1, 1})
    answers->mutable_measure()->add_item_scores(answer);
  v1::Completion recorded;
  ASSERT_RPC_OK(Call(*stub_, &Stub::CreateCompletion, alex_, record, &recorded));

  auto urgent = [](const json& event) {
    return event.value("homework", "") == "event" &&
           event["event"].value("type", "") == "TYPE_URGENT_FLAG_RAISED";
  };
  std::optional<json> flag = therapist_->WaitFor(urgent);
  ASSERT_TRUE(flag) << "no urgent flag on Dr Ada's handle\n" << janus_->LogTail();
  EXPECT_EQ((*flag)["event"]["client"], kAlex);

  // Alex's handle gets the completion, never the flag.
  ASSERT_TRUE(client_->WaitFor(ServiceEvent("TYPE_COMPLETION_RECORDED", recorded.name())))
      << "Alex's relay is not live";
  for (const json& event : client_->Pending(absl::Seconds(1))) {
    EXPECT_FALSE(urgent(event)) << "the client was sent " << event.dump();
  }
}

TEST_F(JanusPluginTest, ThePluginLogsNoClinicalContent) {
  ASSERT_NO_FATAL_FAILURE(JoinBoth());
  json created = CallOk(*therapist_, "CreateAssignment",
                        json{{"parent", kAlex}, {"assignment", LiftExposureDraft(kSession)}});
  ASSERT_FALSE(created.value("name", "").empty());
  std::optional<json> refused = client_->Request(
      CallBody("GetClient", json{{"name", kSam}}));  // refused: logged as a code, nothing else
  ASSERT_TRUE(refused);
  ASSERT_TRUE(client_->Request(CallBody("Alex is afraid of lifts", json::object())));
  // The plugin's lines of the Janus log (Janus's own lines are Janus's business). Janus writes
  // its log from a thread of its own, so the last call's line may land after its answer: read
  // until that line is there (or 10 s have passed), then look at every line.
  std::vector<std::string> lines;
  const absl::Time give_up = absl::Now() + absl::Seconds(10);
  do {
    lines.clear();
    for (absl::string_view line : absl::StrSplit(janus_->LogTail(100000), '\n')) {
      if (absl::StrContains(line, "[janus.plugin.homework]")) lines.emplace_back(line);
    }
    if (std::any_of(lines.begin(), lines.end(), [](const std::string& line) {
          return absl::StrContains(line, "call -> INVALID_ARGUMENT");
        })) {
      break;
    }
    absl::SleepFor(absl::Milliseconds(20));
  } while (absl::Now() < give_up);
  ASSERT_THAT(lines, ::testing::Contains(HasSubstr("joined as therapist")))
      << "the plugin's log is not there";
  ASSERT_THAT(lines, ::testing::Contains(HasSubstr("call GetClient -> PERMISSION_DENIED")));
  for (const std::string& line : lines) {
    for (const char* clinical :
         {"lift", "Lift", "Alex", "afraid", "alex", "sam", "Dr Ada", "tele-2041"}) {
      EXPECT_THAT(line, ::testing::Not(HasSubstr(clinical))) << "the plugin logged " << line;
    }
  }
}

}  // namespace
}  // namespace therapy::homework::testing
