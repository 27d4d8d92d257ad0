// The Connect protocol listener (docs/connect-api.md) of the real homework-server binary, over
// real HTTP with cpp-httplib's client: unary JSON and binary calls, the error contract (codes,
// HTTP statuses, the google.rpc.BadRequest detail), CORS, the request size limit, deadlines
// (Connect-Timeout-Ms), request compression, and the WatchEvents stream in Connect's enveloped
// framing.

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>
#include <gtest/gtest.h>

#include <deque>
#include <memory>
#include <string>
#include <thread>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "google/rpc/error_details.pb.h"
#include "httplib.h"
#include "integration-tests/rpc_test_support.h"
#include "integration-tests/server_process.h"
#include "nlohmann/json.hpp"
#include "testing/status_matchers.h"

namespace therapy::homework::testing {
namespace {

using ::google::protobuf::util::TimeUtil;
using ::therapy::homework::testing::IsOk;

constexpr char kPractice[] = "clinic-a";
constexpr char kPracticeName[] = "practices/clinic-a";
constexpr char kZone[] = "Europe/Berlin";
constexpr char kAllowedOrigin[] = "http://portal.test:5173";
constexpr char kService[] = "/therapy.homework.v1.HomeworkService/";

struct Reply {
  int status = -1;  // -1: no HTTP answer
  std::string body;
  httplib::Headers headers;
  std::string error;  // httplib's reason when there is no answer

  std::string Header(const std::string& key) const {
    auto it = headers.find(key);
    return it == headers.end() ? "" : it->second;
  }
  nlohmann::json Json() const { return nlohmann::json::parse(body, nullptr, false); }
};

std::string ToJson(const google::protobuf::Message& message) {
  std::string json;
  EXPECT_TRUE(google::protobuf::util::MessageToJsonString(message, &json).ok());
  return json;
}

template <typename Message>
Message FromJson(const std::string& json) {
  Message message;
  const auto parsed = google::protobuf::util::JsonStringToMessage(json, &message);
  EXPECT_TRUE(parsed.ok()) << parsed.message().as_string() << " in " << json;
  return message;
}

v1::Assignment DailyExposure() {
  v1::Assignment assignment;
  assignment.set_title("Ride the office lift to the 4th floor");
  assignment.set_rationale("Staying until the fear falls shows me the lift is safe enough.");
  assignment.set_phase(v1::TREATMENT_PHASE_PRACTICE);
  v1::Exercise* exercise = assignment.mutable_exercise();
  exercise->set_kind(v1::EXERCISE_KIND_EXPOSURE_PRACTICE);
  exercise->set_instructions("Ride up and down until your distress has dropped by half.");
  v1::ExposurePracticeInstructions* exposure = exercise->mutable_exposure_practice();
  exposure->set_situation("Office lift, ground floor to 4th floor, alone");
  exposure->set_expected_suds(70);
  exposure->set_stay_until_drop_percent(50);
  v1::Schedule* schedule = assignment.mutable_schedule();
  schedule->set_target_count(1);
  schedule->set_period(v1::Schedule::PERIOD_DAY);
  schedule->set_minutes_per_practice(20);
  schedule->set_start_date(DayIn(kZone, -1));
  schedule->set_end_date(DayIn(kZone, 27));
  schedule->set_preferred_local_time("08:45");
  schedule->mutable_habit_anchor()->set_when(v1::EVENT_TIMING_BREAKFAST);
  schedule->mutable_habit_anchor()->set_offset_minutes(30);
  schedule->mutable_habit_anchor()->set_client_words("after my first coffee at work");
  schedule->set_environmental_cue("lift pass clipped to my keys");
  schedule->set_minimum_version("Stand in the open lift for two minutes");
  return assignment;
}

v1::Completion DonePractice() {
  v1::Completion completion;
  *completion.mutable_occur_time() =
      TimeUtil::SecondsToTimestamp(absl::ToUnixSeconds(absl::Now() - absl::Minutes(5)));
  completion.set_occur_time_zone(kZone);
  completion.set_status(v1::Completion::STATUS_DONE);
  completion.set_minutes(25);
  completion.mutable_suds()->set_before(70);
  completion.mutable_suds()->set_peak(75);
  completion.mutable_suds()->set_after(30);
  return completion;
}

// Frames of a Connect stream: flag byte, 4-byte big-endian length, payload.
struct Frame {
  uint8_t flags = 0;
  std::string payload;
};

// One WatchEvents call over HTTP on its own thread; frames are parsed as they arrive.
class ConnectWatch {
 public:
  ConnectWatch(int port, const std::string& token, const v1::WatchEventsRequest& request,
               httplib::Headers extra_headers = {})
      : client_("127.0.0.1", port) {
    client_.set_read_timeout(30, 0);
    const std::string json = ToJson(request);
    std::string body(1, '\0');
    for (int shift = 24; shift >= 0; shift -= 8) {
      body.push_back(static_cast<char>((json.size() >> shift) & 0xff));
    }
    body += json;
    thread_ = std::thread([this, token, body, extra_headers] {
      httplib::Request http;
      http.method = "POST";
      http.path = std::string(kService) + "WatchEvents";
      http.headers = {{"Authorization", "Bearer " + token},
                      {"Content-Type", "application/connect+json"},
                      {"Connect-Protocol-Version", "1"}};
      http.headers.insert(extra_headers.begin(), extra_headers.end());
      http.body = body;
      http.response_handler = [this](const httplib::Response& response) {
        absl::MutexLock lock(&mutex_);
        status_ = response.status;
        cursor_ = response.get_header_value("X-Watch-Cursor");
        content_type_ = response.get_header_value("Content-Type");
        return true;
      };
      http.content_receiver = [this](const char* data, size_t size, uint64_t, uint64_t) {
        absl::MutexLock lock(&mutex_);
        buffer_.append(data, size);
        while (buffer_.size() >= 5) {
          uint32_t length = 0;
          for (int i = 1; i <= 4; ++i) length = (length << 8) | static_cast<uint8_t>(buffer_[i]);
          if (buffer_.size() < 5 + length) break;
          frames_.push_back(Frame{static_cast<uint8_t>(buffer_[0]), buffer_.substr(5, length)});
          buffer_.erase(0, 5 + length);
        }
        return true;
      };
      httplib::Response response;
      httplib::Error error = httplib::Error::Success;
      client_.send(http, response, error);
      absl::MutexLock lock(&mutex_);
      ended_ = true;
    });
  }
  ~ConnectWatch() { Close(); }

  // Closes the connection from this side, as a browser leaving the page does.
  void Close() {
    client_.stop();
    if (thread_.joinable()) thread_.join();
  }

  // The HTTP status once the headers arrived (-1 if they did not within `timeout`).
  int WaitForHeaders(absl::Duration timeout = absl::Seconds(10)) {
    absl::MutexLock lock(&mutex_);
    mutex_.AwaitWithTimeout(
        absl::Condition(
            +[](ConnectWatch* watch) ABSL_EXCLUSIVE_LOCKS_REQUIRED(watch->mutex_) {
              return watch->status_ != -1 || watch->ended_;
            },
            this),
        timeout);
    return status_;
  }
  std::string cursor() {
    absl::MutexLock lock(&mutex_);
    return cursor_;
  }
  std::string content_type() {
    absl::MutexLock lock(&mutex_);
    return content_type_;
  }

  std::optional<Frame> Next(absl::Duration timeout = absl::Seconds(10)) {
    absl::MutexLock lock(&mutex_);
    mutex_.AwaitWithTimeout(
        absl::Condition(
            +[](ConnectWatch* watch) ABSL_EXCLUSIVE_LOCKS_REQUIRED(watch->mutex_) {
              return !watch->frames_.empty() || watch->ended_;
            },
            this),
        timeout);
    if (frames_.empty()) return std::nullopt;
    Frame frame = std::move(frames_.front());
    frames_.pop_front();
    return frame;
  }

 private:
  httplib::Client client_;
  absl::Mutex mutex_;
  int status_ ABSL_GUARDED_BY(mutex_) = -1;
  std::string cursor_ ABSL_GUARDED_BY(mutex_);
  std::string content_type_ ABSL_GUARDED_BY(mutex_);
  std::string buffer_ ABSL_GUARDED_BY(mutex_);
  std::deque<Frame> frames_ ABSL_GUARDED_BY(mutex_);
  bool ended_ ABSL_GUARDED_BY(mutex_) = false;
  std::thread thread_;
};

class ConnectApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerOptions options;
    options.connect = true;
    options.extra_flags = {std::string("--cors_origins=") + kAllowedOrigin,
                           "--connect_max_request_bytes=65536"};
    absl::StatusOr<std::unique_ptr<ServerProcess>> started = ServerProcess::Start(options);
    ASSERT_THAT(started, IsOk());
    server_ = *std::move(started);
    ASSERT_GT(server_->connect_port(), 0);
    platform_ = server_->Token("platform-backend", "service", kPractice);
    dr_ada_ = server_->Token("dr-ada", "therapist", kPractice);
    alex_ = server_->Token("alex", "client", kPractice);
  }

  Reply Post(const std::string& method, const std::string& token, const std::string& body,
             const std::string& content_type = "application/json", httplib::Headers headers = {}) {
    httplib::Client client("127.0.0.1", server_->connect_port());
    client.set_read_timeout(10, 0);
    headers.emplace("Connect-Protocol-Version", "1");
    if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
    httplib::Result result =
        client.Post((kService + method).c_str(), headers, body, content_type.c_str());
    Reply reply;
    if (!result) {
      reply.error = httplib::to_string(result.error());
      return reply;
    }
    reply.status = result->status;
    reply.body = result->body;
    reply.headers = result->headers;
    return reply;
  }

  // A unary JSON call that must succeed.
  template <typename Response>
  Response Call(const std::string& method, const std::string& token,
                const google::protobuf::Message& request) {
    Reply reply = Post(method, token, ToJson(request));
    EXPECT_EQ(reply.status, 200) << method << ": " << reply.body << reply.error << "\n"
                                 << server_->StderrTail();
    return FromJson<Response>(reply.body);
  }

  v1::Client CreateAlex() {
    v1::CreateClientRequest request;
    request.set_parent(kPracticeName);
    request.set_client_id("alex");
    request.mutable_client()->set_display_name("Alex");
    request.mutable_client()->set_time_zone(kZone);
    request.mutable_client()->add_care_team("dr-ada");
    return Call<v1::Client>("CreateClient", platform_, request);
  }

  std::unique_ptr<ServerProcess> server_;
  std::string platform_;
  std::string dr_ada_;
  std::string alex_;
};

TEST_F(ConnectApiTest, CreateThenGetClientOverJson) {
  const v1::Client created = CreateAlex();
  EXPECT_EQ(created.name(), "practices/clinic-a/clients/alex");
  EXPECT_FALSE(created.etag().empty());

  Reply reply = Post("GetClient", dr_ada_, R"({"name":"practices/clinic-a/clients/alex"})",
                     "application/json", {{"X-Request-Id", "connect-get-1"}});
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.Header("Content-Type"), "application/json");
  const v1::Client got = FromJson<v1::Client>(reply.body);
  EXPECT_EQ(got.display_name(), "Alex");
  EXPECT_EQ(got.time_zone(), kZone);
  EXPECT_EQ(got.etag(), created.etag());
  // One log line per call, with the caller's request id and no clinical content.
  const std::string log = server_->LogOnceItHas("connect-get-1", 50);
  EXPECT_NE(log.find("connect-get-1"), std::string::npos) << log;
  EXPECT_EQ(log.find("\"Alex\""), std::string::npos) << log;
}

// The live session over the browser API: the panels create (idempotently), join, read and end
// it; a client changes its plan field of the draft and nothing else (403).
TEST_F(ConnectApiTest, SessionMethodsOverJson) {
  CreateAlex();
  const std::string session_json = R"({"parent":"practices/clinic-a","sessionId":"call-1",)"
                                   R"("session":{"client":"practices/clinic-a/clients/alex"}})";
  Reply created = Post("CreateSession", dr_ada_, session_json);
  ASSERT_EQ(created.status, 200) << created.body;
  const v1::Session session = FromJson<v1::Session>(created.body);
  EXPECT_EQ(session.name(), "practices/clinic-a/sessions/call-1");
  Reply again = Post("CreateSession", platform_, session_json);
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(FromJson<v1::Session>(again.body).etag(), session.etag());

  const std::string name_json = R"({"name":"practices/clinic-a/sessions/call-1"})";
  ASSERT_EQ(Post("JoinSession", alex_, name_json).status, 200);
  Reply joined = Post("JoinSession", dr_ada_, name_json);
  ASSERT_EQ(joined.status, 200) << joined.body;
  EXPECT_TRUE(FromJson<v1::Session>(joined.body).client_present());
  EXPECT_EQ(Post("JoinSession", platform_, name_json).status, 403);

  v1::CreateAssignmentRequest create;
  create.set_parent("practices/clinic-a/clients/alex");
  v1::Assignment& draft = *create.mutable_assignment();
  draft.set_title("Walk");
  draft.set_session(session.name());
  draft.mutable_exercise()->set_kind(v1::EXERCISE_KIND_SELF_CARE);
  draft.mutable_exercise()->mutable_self_care()->set_domain(
      v1::SelfCareInstructions::DOMAIN_EXERCISE);
  draft.mutable_schedule()->set_target_count(1);
  draft.mutable_schedule()->set_period(v1::Schedule::PERIOD_DAY);
  draft.mutable_schedule()->set_start_date(DayIn(kZone));
  const v1::Assignment assignment = Call<v1::Assignment>("CreateAssignment", dr_ada_, create);
  const std::string cue = absl::StrCat(R"({"assignment":{"name":")", assignment.name(),
                                       R"(","schedule":{"environmentalCue":"shoes by the door"}},)"
                                       R"("updateMask":"schedule.environmental_cue"})");
  Reply shaped = Post("UpdateAssignment", alex_, cue);
  ASSERT_EQ(shaped.status, 200) << shaped.body;
  EXPECT_EQ(FromJson<v1::Assignment>(shaped.body).schedule().environmental_cue(),
            "shoes by the door");
  Reply refused = Post("UpdateAssignment", alex_,
                       absl::StrCat(R"({"assignment":{"name":")", assignment.name(),
                                    R"(","title":"Run"},"updateMask":"title"})"));
  EXPECT_EQ(refused.status, 403) << refused.body;
  EXPECT_NE(refused.body.find("update_mask.paths[0]"), std::string::npos) << refused.body;

  Reply ended = Post("EndSession", dr_ada_, name_json);
  ASSERT_EQ(ended.status, 200) << ended.body;
  EXPECT_EQ(FromJson<v1::Session>(ended.body).summary().drafts_open(0), assignment.name());
  Reply listed =
      Post("ListSessions", alex_,
           R"({"parent":"practices/clinic-a","client":"practices/clinic-a/clients/alex"})");
  ASSERT_EQ(listed.status, 200) << listed.body;
  EXPECT_EQ(FromJson<v1::ListSessionsResponse>(listed.body).sessions_size(), 1);
  EXPECT_EQ(Post("UpdateAssignment", alex_, cue).status, 403);
}

TEST_F(ConnectApiTest, BinaryProtoBodiesWork) {
  CreateAlex();
  v1::GetClientRequest request;
  request.set_name("practices/clinic-a/clients/alex");
  Reply reply = Post("GetClient", dr_ada_, request.SerializeAsString(), "application/proto");
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.Header("Content-Type"), "application/proto");
  v1::Client got;
  ASSERT_TRUE(got.ParseFromString(reply.body));
  EXPECT_EQ(got.display_name(), "Alex");
}

TEST_F(ConnectApiTest, MissingTokenIsUnauthenticated401) {
  Reply reply = Post("GetClient", "", R"({"name":"practices/clinic-a/clients/alex"})");
  EXPECT_EQ(reply.status, 401);
  EXPECT_EQ(reply.Header("Content-Type"), "application/json");
  EXPECT_EQ(reply.Json()["code"], "unauthenticated") << reply.body;
}

TEST_F(ConnectApiTest, InvalidFieldIs400WithBadRequestDetail) {
  Reply reply = Post("CreateClient", platform_,
                     R"({"parent":"practices/clinic-a","clientId":"sam",
                         "client":{"displayName":"Sam","timeZone":"Mars/Olympus_Mons"}})");
  ASSERT_EQ(reply.status, 400) << reply.body;
  const nlohmann::json error = reply.Json();
  EXPECT_EQ(error["code"], "invalid_argument");
  ASSERT_TRUE(error.contains("details")) << reply.body;
  ASSERT_EQ(error["details"].size(), 1u) << reply.body;
  EXPECT_EQ(error["details"][0]["type"], "google.rpc.BadRequest");
  std::string bytes;
  ASSERT_TRUE(absl::Base64Unescape(error["details"][0]["value"].get<std::string>(), &bytes));
  google::rpc::BadRequest bad_request;
  ASSERT_TRUE(bad_request.ParseFromString(bytes));
  ASSERT_GE(bad_request.field_violations_size(), 1);
  EXPECT_EQ(bad_request.field_violations(0).field(), "client.time_zone");
}

TEST_F(ConnectApiTest, UnknownJsonFieldIsInvalidArgument) {
  Reply reply = Post("GetClient", dr_ada_, R"({"name":"practices/clinic-a/clients/alex","nam":1})");
  EXPECT_EQ(reply.status, 400) << reply.body;
  EXPECT_EQ(reply.Json()["code"], "invalid_argument") << reply.body;
}

TEST_F(ConnectApiTest, StaleEtagIsAborted409) {
  const v1::Client created = CreateAlex();
  v1::UpdateClientRequest request;
  *request.mutable_client() = created;
  request.mutable_client()->set_display_name("Alex K.");
  request.mutable_client()->set_etag("stale0etag");
  request.mutable_update_mask()->add_paths("display_name");
  Reply reply = Post("UpdateClient", platform_, ToJson(request));
  EXPECT_EQ(reply.status, 409) << reply.body;
  EXPECT_EQ(reply.Json()["code"], "aborted") << reply.body;
}

TEST_F(ConnectApiTest, UnknownMethodIsNotFound) {
  Reply reply = Post("DeleteEverything", platform_, "{}");
  EXPECT_EQ(reply.status, 404) << reply.body;
}

TEST_F(ConnectApiTest, CorsPreflightOnlyForAllowedOrigins) {
  httplib::Client client("127.0.0.1", server_->connect_port());
  httplib::Result allowed = client.Options(
      (std::string(kService) + "CreateClient").c_str(),
      {{"Origin", kAllowedOrigin},
       {"Access-Control-Request-Method", "POST"},
       {"Access-Control-Request-Headers", "content-type,authorization,connect-protocol-version"}});
  ASSERT_TRUE(allowed) << httplib::to_string(allowed.error());
  EXPECT_EQ(allowed->status, 204);
  EXPECT_EQ(allowed->get_header_value("Access-Control-Allow-Origin"), kAllowedOrigin);
  // Once each: a browser refuses a preflight whose CORS headers repeat.
  EXPECT_EQ(allowed->get_header_value_count("Access-Control-Allow-Origin"), 1u);
  EXPECT_EQ(allowed->get_header_value_count("Access-Control-Expose-Headers"), 1u);
  const std::string allow_headers = allowed->get_header_value("Access-Control-Allow-Headers");
  for (const char* header : {"Content-Type", "Authorization", "Connect-Protocol-Version",
                             "Connect-Timeout-Ms", "X-Request-Id"}) {
    EXPECT_NE(allow_headers.find(header), std::string::npos) << header << " in " << allow_headers;
  }
  EXPECT_NE(allowed->get_header_value("Access-Control-Allow-Methods").find("POST"),
            std::string::npos);

  httplib::Result other =
      client.Options((std::string(kService) + "CreateClient").c_str(),
                     {{"Origin", "http://evil.test"}, {"Access-Control-Request-Method", "POST"}});
  ASSERT_TRUE(other) << httplib::to_string(other.error());
  EXPECT_FALSE(other->has_header("Access-Control-Allow-Origin"));
  EXPECT_FALSE(other->has_header("Access-Control-Allow-Headers"));

  // The actual call from an allowed page carries the CORS answer too, errors included.
  Reply reply = Post("GetClient", "", "{}", "application/json", {{"Origin", kAllowedOrigin}});
  EXPECT_EQ(reply.status, 401);
  EXPECT_EQ(reply.Header("Access-Control-Allow-Origin"), kAllowedOrigin);
  EXPECT_NE(reply.Header("Access-Control-Expose-Headers").find("X-Watch-Cursor"),
            std::string::npos);
}

TEST_F(ConnectApiTest, BodyOverTheLimitIsRefused) {
  const std::string body =
      R"({"parent":"practices/clinic-a","clientId":"big","client":{"displayName":")" +
      std::string(100 * 1024, 'x') + R"("}})";
  Reply reply = Post("CreateClient", platform_, body);
  ASSERT_EQ(reply.status, 413) << reply.error;
  EXPECT_EQ(reply.Json()["code"], "resource_exhausted") << reply.body;
}

TEST_F(ConnectApiTest, WatchEventsStreamsFramesThenEndsOnShutdown) {
  const v1::Client alex = CreateAlex();
  v1::CreateAssignmentRequest create;
  create.set_parent(alex.name());
  *create.mutable_assignment() = DailyExposure();
  const auto draft = Call<v1::Assignment>("CreateAssignment", dr_ada_, create);
  v1::ActivateAssignmentRequest activate;
  activate.set_name(draft.name());
  activate.set_etag(draft.etag());
  const auto active = Call<v1::Assignment>("ActivateAssignment", dr_ada_, activate);
  ASSERT_FALSE(active.name().empty());

  v1::WatchEventsRequest request;
  request.set_parent(kPracticeName);
  request.set_client(alex.name());
  ConnectWatch watch(server_->connect_port(), dr_ada_, request);
  ASSERT_EQ(watch.WaitForHeaders(), 200);
  EXPECT_EQ(watch.content_type(), "application/connect+json");
  // The stream is live from this cursor on: what is written now is not missed.
  EXPECT_FALSE(watch.cursor().empty());

  v1::CreateCompletionRequest record;
  record.set_parent(active.name());
  *record.mutable_completion() = DonePractice();
  const auto completion = Call<v1::Completion>("CreateCompletion", alex_, record);

  std::optional<Frame> frame = watch.Next();
  ASSERT_TRUE(frame.has_value()) << server_->StderrTail();
  EXPECT_EQ(frame->flags, 0);
  const v1::Event event = FromJson<v1::Event>(frame->payload);
  EXPECT_EQ(event.type(), v1::Event::TYPE_COMPLETION_RECORDED);
  EXPECT_EQ(event.resource(), completion.name());
  EXPECT_FALSE(event.cursor().empty());

  // SIGTERM ends the stream with the mandatory end-stream frame, and the server exits cleanly.
  ASSERT_THAT(server_->Stop(), IsOk()) << server_->StderrTail();
  std::optional<Frame> end = watch.Next();
  ASSERT_TRUE(end.has_value());
  EXPECT_EQ(end->flags, 0x02);
  EXPECT_EQ(end->payload, "{}");
}

TEST_F(ConnectApiTest, WatchEventsEndsWhenTheCallerDisconnects) {
  const v1::Client alex = CreateAlex();
  v1::CreateAssignmentRequest create;
  create.set_parent(alex.name());
  *create.mutable_assignment() = DailyExposure();
  const auto draft = Call<v1::Assignment>("CreateAssignment", dr_ada_, create);
  v1::ActivateAssignmentRequest activate;
  activate.set_name(draft.name());
  activate.set_etag(draft.etag());
  const auto active = Call<v1::Assignment>("ActivateAssignment", dr_ada_, activate);

  v1::WatchEventsRequest request;
  request.set_parent(kPracticeName);
  request.set_client(alex.name());
  ConnectWatch watch(server_->connect_port(), dr_ada_, request);
  ASSERT_EQ(watch.WaitForHeaders(), 200);
  watch.Close();

  // The server notices when it next writes: each completion is an event for the closed stream.
  const absl::Time deadline = absl::Now() + absl::Seconds(15);
  bool ended = false;
  while (!ended && absl::Now() < deadline) {
    v1::CreateCompletionRequest record;
    record.set_parent(active.name());
    *record.mutable_completion() = DonePractice();
    Call<v1::Completion>("CreateCompletion", alex_, record);
    absl::SleepFor(absl::Milliseconds(300));
    ended = server_->StderrTail(200).find(R"("method":"WatchEvents")") != std::string::npos;
  }
  EXPECT_TRUE(ended) << "the stream did not end after the caller left\n" << server_->StderrTail();
}

TEST_F(ConnectApiTest, WatchEventsErrorTravelsInEndStreamFrame) {
  v1::WatchEventsRequest request;
  request.set_parent("practices/other-clinic");
  ConnectWatch watch(server_->connect_port(), dr_ada_, request);
  ASSERT_EQ(watch.WaitForHeaders(), 200);
  std::optional<Frame> end = watch.Next();
  ASSERT_TRUE(end.has_value());
  EXPECT_EQ(end->flags, 0x02);
  const nlohmann::json payload = nlohmann::json::parse(end->payload, nullptr, false);
  EXPECT_EQ(payload["error"]["code"], "permission_denied") << end->payload;
}

TEST_F(ConnectApiTest, UnaryWithAGenerousTimeoutSucceeds) {
  CreateAlex();
  Reply reply = Post("GetClient", dr_ada_, R"({"name":"practices/clinic-a/clients/alex"})",
                     "application/json", {{"Connect-Timeout-Ms", "10000"}});
  EXPECT_EQ(reply.status, 200) << reply.body;
}

TEST_F(ConnectApiTest, UnaryWhoseDeadlineHasPassedIsDeadlineExceededAndNotRun) {
  Reply reply = Post("CreateClient", platform_,
                     R"({"parent":"practices/clinic-a","clientId":"late",
                         "client":{"displayName":"Late","timeZone":"Europe/Berlin"}})",
                     "application/json", {{"Connect-Timeout-Ms", "0"}});
  EXPECT_EQ(reply.status, 504) << reply.body;
  EXPECT_EQ(reply.Json()["code"], "deadline_exceeded") << reply.body;
  EXPECT_NE(reply.Json()["message"].get<std::string>().find("Connect-Timeout-Ms"),
            std::string::npos)
      << reply.body;
  // Not run: the client does not exist.
  Reply get = Post("GetClient", platform_, R"({"name":"practices/clinic-a/clients/late"})");
  EXPECT_EQ(get.status, 404) << get.body;
}

TEST_F(ConnectApiTest, MalformedTimeoutIsInvalidArgumentNamingTheHeader) {
  for (const char* timeout : {"soon", "-5", "12345678901", "1.5"}) {
    Reply reply = Post("GetClient", dr_ada_, R"({"name":"practices/clinic-a/clients/alex"})",
                       "application/json", {{"Connect-Timeout-Ms", timeout}});
    EXPECT_EQ(reply.status, 400) << timeout << ": " << reply.body;
    EXPECT_EQ(reply.Json()["code"], "invalid_argument") << reply.body;
    EXPECT_NE(reply.body.find("Connect-Timeout-Ms"), std::string::npos) << reply.body;
  }
}

TEST_F(ConnectApiTest, WatchEventsEndsCleanlyAtItsDeadline) {
  const v1::Client alex = CreateAlex();
  v1::WatchEventsRequest request;
  request.set_parent(kPracticeName);
  request.set_client(alex.name());
  const absl::Time start = absl::Now();
  ConnectWatch watch(server_->connect_port(), dr_ada_, request, {{"Connect-Timeout-Ms", "1500"}});
  ASSERT_EQ(watch.WaitForHeaders(), 200);
  std::optional<Frame> end = watch.Next(absl::Seconds(10));
  const absl::Duration took = absl::Now() - start;
  ASSERT_TRUE(end.has_value()) << server_->StderrTail();
  EXPECT_EQ(end->flags, 0x02);
  const nlohmann::json payload = nlohmann::json::parse(end->payload, nullptr, false);
  EXPECT_EQ(payload["error"]["code"], "deadline_exceeded") << end->payload;
  EXPECT_GE(took, absl::Milliseconds(1400));
  EXPECT_LT(took, absl::Seconds(6));
  // The server is still healthy and the stream's log line says why it ended.
  const std::string log = server_->LogOnceItHas("DEADLINE_EXCEEDED", 50);
  EXPECT_NE(log.find("DEADLINE_EXCEEDED"), std::string::npos) << log;
}

TEST_F(ConnectApiTest, GzipRequestBodiesAreAccepted) {
  httplib::Client client("127.0.0.1", server_->connect_port());
  client.set_compress(true);  // gzip, with Content-Encoding: gzip
  httplib::Result result =
      client.Post((std::string(kService) + "CreateClient").c_str(),
                  {{"Authorization", "Bearer " + platform_}, {"Connect-Protocol-Version", "1"}},
                  R"({"parent":"practices/clinic-a","clientId":"zipped",
          "client":{"displayName":"Zipped","timeZone":"Europe/Berlin"}})",
                  "application/json");
  ASSERT_TRUE(result) << httplib::to_string(result.error());
  EXPECT_EQ(result->status, 200) << result->body;
}

TEST_F(ConnectApiTest, UnsupportedCompressionIsUnimplementedNamingTheHeader) {
  Reply unary = Post("GetClient", dr_ada_, R"({"name":"practices/clinic-a/clients/alex"})",
                     "application/json", {{"Content-Encoding", "zstd"}});
  EXPECT_EQ(unary.status, 501) << unary.body;
  EXPECT_EQ(unary.Json()["code"], "unimplemented") << unary.body;
  EXPECT_NE(unary.body.find("Content-Encoding"), std::string::npos) << unary.body;

  v1::WatchEventsRequest request;
  request.set_parent(kPracticeName);
  ConnectWatch watch(server_->connect_port(), dr_ada_, request,
                     {{"Connect-Content-Encoding", "gzip"}});
  ASSERT_EQ(watch.WaitForHeaders(), 200);
  std::optional<Frame> end = watch.Next();
  ASSERT_TRUE(end.has_value());
  EXPECT_EQ(end->flags, 0x02);
  const nlohmann::json payload = nlohmann::json::parse(end->payload, nullptr, false);
  EXPECT_EQ(payload["error"]["code"], "unimplemented") << end->payload;
  EXPECT_NE(end->payload.find("Connect-Content-Encoding"), std::string::npos) << end->payload;
}

// With --connect_tls_cert/--connect_tls_key the listener serves HTTPS (a self-signed P-256
// certificate; the client does not verify it).
TEST(ConnectTlsTest, ServesHttpsWithTheGivenCertificate) {
  absl::StatusOr<std::unique_ptr<ServerProcess>> server =
      ServerProcess::Start({.connect_tls = true});
  ASSERT_THAT(server, IsOk());

  httplib::SSLClient client("127.0.0.1", (*server)->connect_port());
  client.enable_server_certificate_verification(false);
  httplib::Result result = client.Post(
      (std::string(kService) + "GetClient").c_str(),
      {{"Authorization", "Bearer " + (*server)->Token("dr-ada", "therapist", kPractice)}},
      R"({"name":"practices/clinic-a/clients/nobody"})", "application/json");
  ASSERT_TRUE(result) << httplib::to_string(result.error()) << "\n" << (*server)->StderrTail();
  // The call went through TLS to the core: a therapist asking for an unknown client.
  EXPECT_TRUE(result->status == 403 || result->status == 404) << result->status << result->body;
  EXPECT_NE(nlohmann::json::parse(result->body, nullptr, false)["code"], nullptr);
}

}  // namespace
}  // namespace therapy::homework::testing
