// The Janus plugin janus.plugin.homework in the real Janus, against the real homework-server:
// participants join with real tokens from homework-ctl, the roster comes from the service,
// `call` bridges unary methods with the service's canonical errors, a shared draft is amended
// by the client within its rights and assigned by the therapist, the service's events (a
// completion recorded outside the call, a PHQ-9 urgent flag for the therapist only) reach the
// session, and `end` summarises it. Pages are played by WebSocket connections speaking the
// Janus JSON API (janus_client.h).

#include <gmock/gmock.h>
#include <google/protobuf/util/time_util.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "integration-tests/janus/janus_client.h"
#include "integration-tests/rpc_test_support.h"
#include "integration-tests/server_process.h"
#include "integration-tests/subprocess.h"
#include "nlohmann/json.hpp"

namespace therapy::homework::testing {
namespace {

using ::google::protobuf::util::TimeUtil;
using nlohmann::json;
using ::testing::HasSubstr;

constexpr char kPractice[] = "clinic-a";
constexpr char kPracticeName[] = "practices/clinic-a";
constexpr char kAlex[] = "practices/clinic-a/clients/alex";
constexpr char kZone[] = "Europe/Berlin";
constexpr char kSession[] = "tele-2041";

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

// A fear-of-lifts exposure step as the therapist drafts it, in protobuf JSON.
json LiftExposureDraft() {
  return json{{"title", "Ride the office lift to the 4th floor"},
              {"rationale", "Staying until the fear falls shows me the lift is safe enough."},
              {"phase", "TREATMENT_PHASE_PRACTICE"},
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
    ASSERT_TRUE(keys.ok()) << keys.status();
    keys_ = std::make_unique<ScratchDir>(*std::move(keys));
    CommandResult keygen = Ctl({"keygen", "--out_dir", keys_->path(), "--kid", "janus-it-1"});
    ASSERT_EQ(keygen.exit_code, 0) << keygen.stderr_text;

    absl::StatusOr<std::unique_ptr<ServerProcess>> server =
        ServerProcess::Start(ServerOptions{.jwks_path = keys_->path() + "/jwks.json"});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    stub_ = server_->NewStub();

    ASSERT_NO_FATAL_FAILURE(platform_ = Token("platform-backend", "service"));
    ASSERT_NO_FATAL_FAILURE(dr_ada_ = Token("dr-ada", "therapist"));
    ASSERT_NO_FATAL_FAILURE(alex_ = Token("alex", "client"));
    ASSERT_NO_FATAL_FAILURE(sam_ = Token("sam", "client"));
    ASSERT_NO_FATAL_FAILURE(CreateClient("alex", "Alex Brandt"));
    ASSERT_NO_FATAL_FAILURE(CreateClient("sam", "Sam Okafor"));

    absl::StatusOr<std::unique_ptr<JanusProcess>> janus =
        JanusProcess::Start(JanusPaths{.janus_binary = JANUS_BINARY,
                                       .transports_folder = JANUS_TRANSPORTS_DIR,
                                       .plugin_library = JANUS_PLUGIN_LIBRARY,
                                       .plugin_sample_config = JANUS_PLUGIN_SAMPLE_CONFIG},
                            server_->address());
    ASSERT_TRUE(janus.ok()) << janus.status();
    janus_ = *std::move(janus);
    ASSERT_NO_FATAL_FAILURE(therapist_ = Attach());
    ASSERT_NO_FATAL_FAILURE(client_ = Attach());
  }

  void TearDown() override {
    therapist_.reset();
    client_.reset();
    if (janus_) {
      absl::Status stopped = janus_->Stop();
      EXPECT_TRUE(stopped.ok()) << stopped;
      if (HasFailure()) {
        ADD_FAILURE() << "janus log:\n" << janus_->LogTail(60);
        KeepJanusLog();
      }
    }
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
    EXPECT_TRUE(result.ok()) << result.status();
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

  std::unique_ptr<JanusClient> Attach() {
    absl::StatusOr<std::unique_ptr<JanusClient>> page = JanusClient::Connect(janus_->port());
    EXPECT_TRUE(page.ok()) << page.status();
    if (!page.ok()) return nullptr;
    absl::Status attached = (*page)->CreateSessionAndAttach();
    EXPECT_TRUE(attached.ok()) << attached << "\n" << janus_->LogTail();
    return *std::move(page);
  }

  json Join(JanusClient& page, const std::string& token, const std::string& display,
            const std::string& client = kAlex) {
    std::optional<json> answer = page.Request(json{{"request", "join"},
                                                   {"session", kSession},
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

  // The therapist drafts the lift exposure; the draft as the plugin sent it.
  json CreateLiftDraft() {
    std::optional<json> ack = therapist_->Request(json{
        {"request", "draft"}, {"draft", {{"version", 0}, {"assignment", LiftExposureDraft()}}}});
    EXPECT_TRUE(ack);
    EXPECT_EQ(ack.value_or(json::object()).value("homework", ""), "ack")
        << ack.value_or(json::object()).dump();
    return ack.value_or(json::object()).value("draft", json::object());
  }

  std::unique_ptr<ScratchDir> keys_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<Stub> stub_;
  std::unique_ptr<JanusProcess> janus_;
  std::unique_ptr<JanusClient> therapist_;
  std::unique_ptr<JanusClient> client_;
  std::string platform_, dr_ada_, alex_, sam_;
};

TEST_F(JanusPluginTest, JoinTakesRolesFromTheServiceNotFromThePage) {
  // Dr Ada's page calls her "Alex": the roster still says who she is, from GetCaller.
  json ada = Join(*therapist_, dr_ada_, "Alex");
  ASSERT_EQ(ada.value("homework", ""), "joined") << ada.dump();
  EXPECT_EQ(ada["session"], kSession);
  EXPECT_EQ(ada["client"], kAlex);
  EXPECT_EQ(ada["you"]["subject"], "dr-ada");
  EXPECT_EQ(ada["you"]["role"], "therapist");

  json alex = Join(*client_, alex_, "Alex");
  ASSERT_EQ(alex.value("homework", ""), "joined") << alex.dump();
  EXPECT_EQ(alex["you"]["subject"], "alex");
  EXPECT_EQ(alex["you"]["role"], "client");
  ASSERT_EQ(alex["participants"].size(), 2u) << alex.dump();
  EXPECT_EQ(alex["participants"][0]["subject"], "dr-ada");
  EXPECT_EQ(alex["participants"][0]["role"], "therapist");

  std::optional<json> presence = therapist_->WaitFor(Kind("presence"));
  ASSERT_TRUE(presence) << "Dr Ada was not told Alex joined";
  EXPECT_EQ((*presence)["participants"].size(), 2u);

  // Sam, another client, cannot join Alex's session, whatever the page says.
  std::unique_ptr<JanusClient> sam_page = Attach();
  ASSERT_TRUE(sam_page);
  json sam = Join(*sam_page, sam_, "Alex");
  EXPECT_EQ(sam.value("homework", ""), "error") << sam.dump();
  EXPECT_EQ(sam.value("code", ""), "permission_denied") << sam.dump();

  // A bad token is the service's answer, unauthenticated.
  std::unique_ptr<JanusClient> forged_page = Attach();
  ASSERT_TRUE(forged_page);
  json forged = Join(*forged_page, dr_ada_ + "x", "Dr Ada");
  EXPECT_EQ(forged.value("code", ""), "unauthenticated") << forged.dump();

  // A fresh token for the same person is taken; one for somebody else is refused.
  std::optional<json> fresh =
      therapist_->Request(json{{"request", "token"}, {"token", Token("dr-ada", "therapist")}});
  ASSERT_TRUE(fresh);
  EXPECT_EQ(fresh->value("homework", ""), "ack") << fresh->dump();
  std::optional<json> swapped = therapist_->Request(json{{"request", "token"}, {"token", sam_}});
  ASSERT_TRUE(swapped);
  EXPECT_EQ(swapped->value("code", ""), "permission_denied") << swapped->dump();

  // Leaving tells the others.
  ASSERT_TRUE(client_->Request(json{{"request", "leave"}}));
  std::optional<json> left = therapist_->WaitFor(Kind("presence"));
  ASSERT_TRUE(left);
  EXPECT_EQ((*left)["participants"].size(), 1u) << left->dump();
}

TEST_F(JanusPluginTest, CallBridgesUnaryMethodsWithTheServicesCanonicalErrors) {
  ASSERT_NO_FATAL_FAILURE(JoinBoth());

  std::optional<json> client = client_->Request(
      json{{"request", "call"}, {"method", "GetClient"}, {"body", {{"name", kAlex}}}});
  ASSERT_TRUE(client);
  ASSERT_EQ(client->value("homework", ""), "result") << client->dump();
  EXPECT_EQ((*client)["method"], "GetClient");
  EXPECT_EQ((*client)["body"]["name"], kAlex);
  EXPECT_EQ((*client)["body"]["displayName"], "Alex Brandt");

  // Alex's token reaches only Alex: the service says so, and the plugin passes it on.
  std::optional<json> other =
      client_->Request(json{{"request", "call"},
                            {"method", "GetClient"},
                            {"body", {{"name", "practices/clinic-a/clients/sam"}}}});
  ASSERT_TRUE(other);
  EXPECT_EQ(other->value("homework", ""), "error") << other->dump();
  EXPECT_EQ(other->value("code", ""), "permission_denied") << other->dump();

  // An invalid field: INVALID_ARGUMENT with the service's BadRequest naming it.
  std::optional<json> invalid = therapist_->Request(
      json{{"request", "call"}, {"method", "GetClient"}, {"body", {{"name", "clients/x"}}}});
  ASSERT_TRUE(invalid);
  EXPECT_EQ(invalid->value("code", ""), "invalid_argument") << invalid->dump();
  ASSERT_FALSE((*invalid)["details"].empty()) << invalid->dump();
  EXPECT_EQ((*invalid)["details"][0]["@type"], "type.googleapis.com/google.rpc.BadRequest");
  EXPECT_EQ((*invalid)["details"][0]["fieldViolations"][0]["field"], "name") << invalid->dump();

  // The plugin's own checks name the field too.
  std::optional<json> unknown =
      therapist_->Request(json{{"request", "call"}, {"method", "DropTables"}, {"body", {}}});
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->value("code", ""), "invalid_argument");
  EXPECT_THAT(unknown->value("message", ""), HasSubstr("method"));
  std::optional<json> watch =
      therapist_->Request(json{{"request", "call"}, {"method", "WatchEvents"}, {"body", {}}});
  ASSERT_TRUE(watch);
  EXPECT_EQ(watch->value("code", ""), "invalid_argument");

  // Before a join there is nothing to call.
  std::unique_ptr<JanusClient> stranger = Attach();
  ASSERT_TRUE(stranger);
  std::optional<json> early = stranger->Request(
      json{{"request", "call"}, {"method", "GetClient"}, {"body", {{"name", kAlex}}}});
  ASSERT_TRUE(early);
  EXPECT_EQ(early->value("code", ""), "failed_precondition") << early->dump();
}

TEST_F(JanusPluginTest, SharedDraftIsAmendedByTheClientAndAssignedByTheTherapist) {
  ASSERT_NO_FATAL_FAILURE(JoinBoth());

  // Only the therapist drafts.
  std::optional<json> client_draft = client_->Request(
      json{{"request", "draft"}, {"draft", {{"version", 0}, {"assignment", LiftExposureDraft()}}}});
  ASSERT_TRUE(client_draft);
  EXPECT_EQ(client_draft->value("code", ""), "permission_denied") << client_draft->dump();

  json draft = CreateLiftDraft();
  ASSERT_EQ(draft.value("version", 0), 1) << draft.dump();
  const std::string draft_id = draft.value("id", "");
  std::optional<json> seen = client_->WaitFor(Kind("draft"));
  ASSERT_TRUE(seen) << "Alex did not see the draft";
  EXPECT_EQ((*seen)["draft"]["id"], draft_id);
  EXPECT_EQ((*seen)["draft"]["assignment"]["title"], "Ride the office lift to the 4th floor");
  ASSERT_TRUE(therapist_->WaitFor(Kind("draft")));

  // Alex makes the plan their own: time, anchor, minimum version.
  json amended = (*seen)["draft"]["assignment"];
  amended["schedule"]["preferredLocalTime"] = "07:30";
  amended["schedule"]["habitAnchor"] = {{"when", "EVENT_TIMING_BREAKFAST"},
                                        {"offsetMinutes", 30},
                                        {"clientWords", "after my first coffee at work"}};
  amended["schedule"]["minimumVersion"] = "Stand in the open lift for one minute";
  std::optional<json> ack = client_->Request(
      json{{"request", "draft"},
           {"draft", {{"id", draft_id}, {"version", 1}, {"assignment", amended}}}});
  ASSERT_TRUE(ack);
  ASSERT_EQ(ack->value("homework", ""), "ack") << ack->dump();
  EXPECT_EQ((*ack)["draft"]["version"], 2);
  std::optional<json> therapist_sees = therapist_->WaitFor(Kind("draft"));
  ASSERT_TRUE(therapist_sees) << "Dr Ada did not see Alex's change";
  EXPECT_EQ((*therapist_sees)["draft"]["version"], 2);
  EXPECT_EQ((*therapist_sees)["draft"]["assignment"]["schedule"]["preferredLocalTime"], "07:30");
  EXPECT_EQ((*therapist_sees)["draft"]["updatedBy"]["subject"], "alex");
  EXPECT_EQ((*therapist_sees)["draft"]["updatedBy"]["role"], "client");
  ASSERT_TRUE(client_->WaitFor(Kind("draft")));

  // Alex may not change what the therapist decides, and the refusal names the field.
  json harder = amended;
  harder["schedule"]["targetCount"] = 3;
  std::optional<json> refused = client_->Request(json{
      {"request", "draft"}, {"draft", {{"id", draft_id}, {"version", 2}, {"assignment", harder}}}});
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->value("code", ""), "permission_denied") << refused->dump();
  EXPECT_THAT(refused->value("message", ""), HasSubstr("schedule.targetCount"));

  // A stale version is aborted with the current draft.
  std::optional<json> stale = therapist_->Request(
      json{{"request", "draft"},
           {"draft", {{"id", draft_id}, {"version", 1}, {"assignment", LiftExposureDraft()}}}});
  ASSERT_TRUE(stale);
  EXPECT_EQ(stale->value("code", ""), "aborted") << stale->dump();
  EXPECT_EQ((*stale)["draft"]["version"], 2);

  // Only the therapist assigns.
  std::optional<json> client_assign =
      client_->Request(json{{"request", "assign"}, {"draft", draft_id}});
  ASSERT_TRUE(client_assign);
  EXPECT_EQ(client_assign->value("code", ""), "permission_denied") << client_assign->dump();

  std::optional<json> assigned =
      therapist_->Request(json{{"request", "assign"}, {"draft", draft_id}});
  ASSERT_TRUE(assigned);
  ASSERT_EQ(assigned->value("homework", ""), "result") << assigned->dump();
  const std::string name = (*assigned)["body"].value("name", "");
  EXPECT_THAT(name, ::testing::StartsWith(std::string(kAlex) + "/assignments/"));
  EXPECT_EQ((*assigned)["body"]["state"], "STATE_ACTIVE");
  for (JanusClient* page : {therapist_.get(), client_.get()}) {
    std::optional<json> removed = page->WaitFor(Kind("draft_removed"));
    ASSERT_TRUE(removed);
    EXPECT_EQ((*removed)["draft"], draft_id);
    EXPECT_EQ((*removed)["reason"], "assigned");
    std::optional<json> told = page->WaitFor(Kind("assigned"));
    ASSERT_TRUE(told);
    EXPECT_EQ((*told)["assignment"]["name"], name);
  }

  // The service has it, active, from this session, with Alex's plan.
  v1::GetAssignmentRequest get;
  get.set_name(name);
  v1::Assignment stored;
  ASSERT_RPC_OK(Call(*stub_, &Stub::GetAssignment, dr_ada_, get, &stored));
  EXPECT_EQ(stored.state(), v1::Assignment::STATE_ACTIVE);
  EXPECT_EQ(stored.session_id(), kSession);
  EXPECT_EQ(stored.assigned_by(), "dr-ada");
  EXPECT_EQ(stored.schedule().preferred_local_time(), "07:30");
  EXPECT_EQ(stored.schedule().habit_anchor().client_words(), "after my first coffee at work");
  EXPECT_EQ(stored.schedule().target_count(), 1);

  // Alex records a practice from the portal, straight on the service: it reaches the session.
  v1::CreateCompletionRequest record;
  record.set_parent(name);
  v1::Completion* completion = record.mutable_completion();
  *completion->mutable_occur_time() =
      TimeUtil::SecondsToTimestamp(absl::ToUnixSeconds(absl::Now() - absl::Minutes(5)));
  completion->set_occur_time_zone(kZone);
  completion->set_status(v1::Completion::STATUS_DONE);
  completion->set_minutes(20);
  completion->mutable_suds()->set_before(60);
  completion->mutable_suds()->set_peak(75);
  completion->mutable_suds()->set_after(30);
  v1::Completion recorded;
  ASSERT_RPC_OK(Call(*stub_, &Stub::CreateCompletion, alex_, record, &recorded));
  std::optional<json> relayed =
      therapist_->WaitFor(ServiceEvent("TYPE_COMPLETION_RECORDED", recorded.name()));
  ASSERT_TRUE(relayed) << "the completion did not reach Dr Ada's handle";
  EXPECT_EQ((*relayed)["event"]["client"], kAlex);
  EXPECT_EQ((*relayed)["event"]["actor"], "alex");

  // Dr Ada reviews it through the plugin; the summary counts it.
  std::optional<json> reviewed = therapist_->Request(
      json{{"request", "call"},
           {"method", "ReviewCompletion"},
           {"body",
            {{"name", recorded.name()},
             {"etag", recorded.etag()},
             {"review", {{"qualityRating", 4}, {"feedback", "Good staying power."}}}}}});
  ASSERT_TRUE(reviewed);
  EXPECT_EQ(reviewed->value("homework", ""), "result") << reviewed->dump();

  // A second draft left open is discarded at the end.
  ASSERT_EQ(CreateLiftDraft().value("version", 0), 1);
  std::optional<json> client_end = client_->Request(json{{"request", "end"}});
  ASSERT_TRUE(client_end);
  EXPECT_EQ(client_end->value("code", ""), "permission_denied") << client_end->dump();

  std::optional<json> ended = therapist_->Request(json{{"request", "end"}});
  ASSERT_TRUE(ended);
  EXPECT_EQ(ended->value("homework", ""), "ack") << ended->dump();
  for (JanusClient* page : {therapist_.get(), client_.get()}) {
    std::optional<json> summary = page->WaitFor(Kind("summary"));
    ASSERT_TRUE(summary) << "no summary";
    EXPECT_EQ((*summary)["session"], kSession);
    EXPECT_EQ((*summary)["client"], kAlex);
    ASSERT_EQ((*summary)["assigned"].size(), 1u) << summary->dump();
    EXPECT_EQ((*summary)["assigned"][0]["name"], name);
    EXPECT_EQ((*summary)["assigned"][0]["title"], "Ride the office lift to the 4th floor");
    EXPECT_EQ((*summary)["reviewed"], json::array({recorded.name()})) << summary->dump();
    EXPECT_EQ((*summary)["draftsDiscarded"], 1);
    EXPECT_FALSE((*summary).value("endTime", "").empty());
  }
  std::optional<json> after = client_->Request(
      json{{"request", "call"}, {"method", "GetClient"}, {"body", {{"name", kAlex}}}});
  ASSERT_TRUE(after);
  EXPECT_EQ(after->value("code", ""), "failed_precondition") << after->dump();
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

}  // namespace
}  // namespace therapy::homework::testing
