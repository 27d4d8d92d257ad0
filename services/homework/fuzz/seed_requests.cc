#include "services/homework/fuzz/seed_requests.h"

#include <google/protobuf/util/json_util.h>

#include <cstdint>

#include "therapy/homework/v1/homework_service.pb.h"

namespace therapy::homework::fuzz {
namespace {

// Method bytes, in the order of request_fuzz_target.cc's table.
enum MethodByte : uint8_t {
  kCreateClient = 0,
  kUpdateClient = 1,
  kCreateAssignment = 2,
  kUpdateAssignment = 3,
  kCreateCompletion = 4,
  kReviewCompletion = 5,
  kListClients = 6,
  kListAssignments = 7,
  kListCompletions = 8,
  kGetCompletion = 9,
  kCreateHierarchy = 10,
  kWatchEvents = 11,
  kExportClientRecord = 12,
  kCreateSession = 13,
  kListSessions = 14,
  kGetSession = 15,
  kJoinSession = 16,
  kEndSession = 17,
};

constexpr char kClient[] = "practices/clinic-a/clients/alex";
constexpr char kAssignment[] = "practices/clinic-a/clients/alex/assignments/a1";
// 2026-01-05T11:00:00Z, an hour before the target's fixed "now".
constexpr int64_t kOccur = 1767610800;

// Flags byte: bit 0 JSON; bits 1-4 the exercise kind a completion is checked against.
uint8_t Flags(bool json, v1::ExerciseKind kind = v1::EXERCISE_KIND_UNSPECIFIED) {
  return static_cast<uint8_t>((json ? 1 : 0) | (static_cast<int>(kind) << 1));
}

std::string Input(uint8_t method, uint8_t flags, const std::string& body) {
  std::string input;
  input.push_back(static_cast<char>(method));
  input.push_back(static_cast<char>(flags));
  return input + body;
}

std::string Json(const google::protobuf::Message& message) {
  std::string json;
  (void)google::protobuf::util::MessageToJsonString(message, &json);
  return json;
}

v1::Client Alex() {
  v1::Client client;
  client.set_display_name("Alex");
  client.set_time_zone("Europe/Berlin");
  client.add_care_team("dr-ada");
  return client;
}

v1::Assignment ThoughtRecordAssignment() {
  v1::Assignment assignment;
  assignment.set_title("Thought record after hard meetings");
  assignment.mutable_exercise()->set_kind(v1::EXERCISE_KIND_THOUGHT_RECORD);
  assignment.mutable_exercise()->set_instructions("Write the situation, thought and feelings.");
  assignment.mutable_exercise()->mutable_thought_record()->set_focus("work meetings");
  v1::Schedule& schedule = *assignment.mutable_schedule();
  schedule.set_target_count(3);
  schedule.set_period(v1::Schedule::PERIOD_WEEK);
  schedule.set_start_date("2026-01-05");
  schedule.set_minutes_per_practice(10);
  schedule.mutable_habit_anchor()->set_when(v1::EVENT_TIMING_DINNER);
  schedule.mutable_habit_anchor()->set_offset_minutes(10);
  schedule.mutable_habit_anchor()->set_client_words("after dinner, at the kitchen table");
  schedule.set_minimum_version("Write just the situation");
  return assignment;
}

v1::Completion ThoughtRecordCompletion() {
  v1::Completion completion;
  completion.mutable_occur_time()->set_seconds(kOccur);
  completion.set_occur_time_zone("Europe/Berlin");
  completion.set_status(v1::Completion::STATUS_DONE);
  completion.set_minutes(12);
  v1::ThoughtRecord& record = *completion.mutable_thought_record();
  record.set_situation("Team meeting, asked for an update");
  record.set_automatic_thought("Everyone can see I'm not coping");
  record.set_automatic_thought_belief(80);
  v1::EmotionRating* anxious = record.add_emotions();
  anxious->set_emotion("anxious");
  anxious->set_intensity(75);
  record.set_evidence_for("My voice shook");
  record.set_evidence_against("Two people thanked me");
  record.set_balanced_thought("I was nervous and still useful");
  record.set_balanced_thought_belief(60);
  return completion;
}

v1::Completion ExposureCompletion() {
  v1::Completion completion;
  completion.mutable_occur_time()->set_seconds(kOccur);
  completion.set_occur_time_zone("Europe/Berlin");
  completion.set_status(v1::Completion::STATUS_DONE);
  completion.set_minutes(30);
  completion.mutable_suds()->set_before(60);
  completion.mutable_suds()->set_peak(80);
  completion.mutable_suds()->set_after(30);
  return completion;
}

v1::Completion Phq9Completion() {
  v1::Completion completion;
  completion.mutable_occur_time()->set_seconds(kOccur);
  completion.set_occur_time_zone("Europe/Berlin");
  completion.set_status(v1::Completion::STATUS_DONE);
  for (int score : {2, 1, 1, 1, 0, 0, 1, 0, 0})
    completion.mutable_measure()->add_item_scores(score);
  return completion;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> SeedRequests() {
  std::vector<std::pair<std::string, std::string>> seeds;
  // Each valid request in binary and in JSON.
  auto both = [&seeds](const std::string& name, uint8_t method,
                       const google::protobuf::Message& message,
                       v1::ExerciseKind kind = v1::EXERCISE_KIND_UNSPECIFIED) {
    seeds.emplace_back(name + ".bin",
                       Input(method, Flags(false, kind), message.SerializeAsString()));
    seeds.emplace_back(name + ".json", Input(method, Flags(true, kind), Json(message)));
  };

  v1::CreateClientRequest create_client;
  create_client.set_parent("practices/clinic-a");
  create_client.set_client_id("alex");
  *create_client.mutable_client() = Alex();
  create_client.set_request_id("req-1");
  both("create-client", kCreateClient, create_client);

  v1::UpdateClientRequest update_client;
  *update_client.mutable_client() = Alex();
  update_client.mutable_client()->set_name(kClient);
  update_client.mutable_update_mask()->add_paths("display_name");
  both("update-client", kUpdateClient, update_client);

  v1::CreateAssignmentRequest create_assignment;
  create_assignment.set_parent(kClient);
  *create_assignment.mutable_assignment() = ThoughtRecordAssignment();
  create_assignment.set_request_id("req-2");
  both("create-assignment", kCreateAssignment, create_assignment);

  v1::UpdateAssignmentRequest update_assignment;
  *update_assignment.mutable_assignment() = ThoughtRecordAssignment();
  update_assignment.mutable_assignment()->set_name(kAssignment);
  update_assignment.mutable_update_mask()->add_paths("title");
  both("update-assignment", kUpdateAssignment, update_assignment);

  v1::CreateCompletionRequest thought;
  thought.set_parent(kAssignment);
  *thought.mutable_completion() = ThoughtRecordCompletion();
  both("create-completion-thought-record", kCreateCompletion, thought,
       v1::EXERCISE_KIND_THOUGHT_RECORD);
  v1::CreateCompletionRequest exposure;
  exposure.set_parent(kAssignment);
  *exposure.mutable_completion() = ExposureCompletion();
  exposure.set_request_id("offline-7");
  both("create-completion-exposure", kCreateCompletion, exposure,
       v1::EXERCISE_KIND_EXPOSURE_PRACTICE);
  v1::CreateCompletionRequest phq9;
  phq9.set_parent(kAssignment);
  *phq9.mutable_completion() = Phq9Completion();
  both("create-completion-phq9", kCreateCompletion, phq9, v1::EXERCISE_KIND_OUTCOME_MEASURE);

  v1::ReviewCompletionRequest review;
  review.set_name(std::string(kAssignment) + "/completions/c1");
  review.mutable_review()->set_quality_rating(4);
  review.mutable_review()->set_feedback("You stayed until the fear halved.");
  review.set_etag("W/\"3\"");
  both("review-completion", kReviewCompletion, review);

  v1::ListClientsRequest list_clients;
  list_clients.set_parent("practices/clinic-a");
  list_clients.set_page_size(50);
  both("list-clients", kListClients, list_clients);
  v1::ListAssignmentsRequest list_assignments;
  list_assignments.set_parent(kClient);
  list_assignments.set_page_size(1000);
  both("list-assignments", kListAssignments, list_assignments);
  v1::ListCompletionsRequest list_completions;
  list_completions.set_parent(std::string(kClient) + "/assignments/-");
  list_completions.mutable_start_time()->set_seconds(kOccur - 86400);
  both("list-completions", kListCompletions, list_completions);
  v1::GetCompletionRequest get_completion;
  get_completion.set_name(std::string(kAssignment) + "/completions/c1");
  both("get-completion", kGetCompletion, get_completion);

  v1::CreateHierarchyRequest hierarchy;
  hierarchy.set_parent(kClient);
  hierarchy.set_template_("hierarchyTemplates/social-anxiety-ladder");
  hierarchy.mutable_hierarchy()->mutable_anchors()->set_calm("Reading on a Sunday morning");
  both("create-hierarchy", kCreateHierarchy, hierarchy);
  v1::WatchEventsRequest watch;
  watch.set_client(kClient);
  watch.set_after_cursor("42");
  both("watch-events", kWatchEvents, watch);
  v1::ExportClientRecordRequest export_record;
  export_record.set_client(kClient);
  export_record.mutable_start_time()->set_seconds(kOccur - 86400);
  both("export-client-record", kExportClientRecord, export_record);

  constexpr char kSession[] = "practices/clinic-a/sessions/s-2026-01-05";
  v1::CreateSessionRequest create_session;
  create_session.set_parent("practices/clinic-a");
  create_session.set_session_id("s-2026-01-05");
  create_session.mutable_session()->set_client(kClient);
  create_session.mutable_session()->set_external_id("visit-8812");
  both("create-session", kCreateSession, create_session);
  v1::ListSessionsRequest list_sessions;
  list_sessions.set_parent("practices/clinic-a");
  list_sessions.set_client(kClient);
  list_sessions.set_page_size(20);
  both("list-sessions", kListSessions, list_sessions);
  v1::GetSessionRequest get_session;
  get_session.set_name(kSession);
  both("get-session", kGetSession, get_session);
  v1::JoinSessionRequest join_session;
  join_session.set_name(kSession);
  both("join-session", kJoinSession, join_session);
  v1::EndSessionRequest end_session;
  end_session.set_name(kSession);
  end_session.set_discussed("Reviewed the exposure ladder; agreed the next step.");
  both("end-session", kEndSession, end_session);

  // Broken ones: refusals the checks must name, and bytes that must not parse.
  v1::CreateClientRequest bad_client = create_client;
  bad_client.mutable_client()->set_time_zone("/etc/localtime");
  bad_client.mutable_client()->set_display_name(" \t\n");
  bad_client.set_request_id("not an id!");
  both("broken-client-zone-and-blank-name", kCreateClient, bad_client);
  v1::CreateCompletionRequest bad_suds = exposure;
  bad_suds.mutable_completion()->mutable_suds()->set_peak(250);
  bad_suds.mutable_completion()->set_occur_time_zone("Mars/Olympus");
  both("broken-completion-suds", kCreateCompletion, bad_suds, v1::EXERCISE_KIND_EXPOSURE_PRACTICE);
  v1::CreateAssignmentRequest bad_anchor = create_assignment;
  bad_anchor.mutable_assignment()->mutable_schedule()->mutable_habit_anchor()->set_offset_minutes(
      9999);
  bad_anchor.mutable_assignment()->set_title(std::string(300, 'x'));
  both("broken-assignment-offset-and-title", kCreateAssignment, bad_anchor);
  v1::CreateSessionRequest bad_session = create_session;
  bad_session.set_session_id("9 Not An Id");
  bad_session.mutable_session()->set_client("practices/other/clients/alex");
  bad_session.mutable_session()->set_external_id(std::string(200, 'v'));
  both("broken-session-id-client-and-external-id", kCreateSession, bad_session);
  // A title of 150 Chinese characters (450 bytes) and invalid UTF-8 in a binary string field.
  v1::CreateAssignmentRequest wide = create_assignment;
  std::string chinese;
  for (int i = 0; i < 150; ++i) chinese += "\xe4\xb8\xad";
  wide.mutable_assignment()->set_title(chinese);
  both("assignment-chinese-title", kCreateAssignment, wide);
  std::string broken_utf8 = create_client.SerializeAsString();
  const size_t name_at = broken_utf8.find("Alex");
  if (name_at != std::string::npos) broken_utf8[name_at + 1] = '\xff';
  seeds.emplace_back("broken-client-invalid-utf8.bin",
                     Input(kCreateClient, Flags(false), broken_utf8));
  seeds.emplace_back("broken-json-unknown-field.json",
                     Input(kCreateClient, Flags(true), R"({"parent":"practices/a","nope":1})"));
  seeds.emplace_back(
      "broken-json-truncated.json",
      Input(kCreateCompletion, Flags(true, v1::EXERCISE_KIND_THOUGHT_RECORD),
            R"({"parent":"practices/a/clients/b/assignments/c","completion":{"occ)"));
  seeds.emplace_back(
      "broken-page-size.json",
      Input(kListAssignments, Flags(true), R"({"parent":"practices/a/clients/b","pageSize":-5})"));
  seeds.emplace_back(
      "broken-binary-truncated.bin",
      Input(kCreateAssignment, Flags(false), create_assignment.SerializeAsString().substr(0, 17)));
  return seeds;
}

}  // namespace therapy::homework::fuzz
