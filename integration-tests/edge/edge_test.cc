// The browser edge (docs/decisions/0012-event-driven-http-edge.md) against the real
// homework-server over real loopback sockets: slowloris and idle connections do not starve a
// well-behaved caller; closed WatchEvents pages free their streams at once (seen through
// /metrics); gRPC-Web unary and streaming with trailers in the body; Connect GET only for
// side-effect-free methods; two Authorization headers refused; health by service name and
// UNAVAILABLE on both listeners after SIGTERM.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpcpp/generic/generic_stub.h"
#include "integration-tests/rpc_test_support.h"
#include "integration-tests/server_process.h"
#include "testing/loopback.h"
#include "testing/status_matchers.h"

namespace therapy::homework::testing {
namespace {

using ::therapy::homework::testing::IsOk;

constexpr char kService[] = "/therapy.homework.v1.HomeworkService/";

// A blocking loopback TCP connection; closed on destruction.
class Socket {
 public:
  static std::optional<Socket> Connect(int port) {
    const int fd = ConnectLoopback(port);
    if (fd < 0) return std::nullopt;
    return Socket(fd);
  }
  Socket(Socket&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  Socket& operator=(Socket&&) = delete;
  ~Socket() {
    if (fd_ >= 0) close(fd_);
  }

  bool Send(const std::string& bytes) {
    size_t sent = 0;
    while (sent < bytes.size()) {
      const ssize_t n = send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return false;
      sent += static_cast<size_t>(n);
    }
    return true;
  }

  // Reads until `done(received)` holds, the peer closes, or `timeout` passes.
  std::string ReadUntil(const std::function<bool(const std::string&)>& done,
                        absl::Duration timeout = absl::Seconds(10)) {
    const absl::Time deadline = absl::Now() + timeout;
    while (!done(received_)) {
      const absl::Duration left = deadline - absl::Now();
      if (left <= absl::ZeroDuration()) break;
      pollfd readable{.fd = fd_, .events = POLLIN, .revents = 0};
      if (poll(&readable, 1, static_cast<int>(absl::ToInt64Milliseconds(left)) + 1) <= 0) break;
      char buffer[8192];
      const ssize_t n = recv(fd_, buffer, sizeof(buffer), 0);
      if (n <= 0) {
        closed_ = true;
        break;
      }
      received_.append(buffer, static_cast<size_t>(n));
    }
    return received_;
  }
  bool closed() const { return closed_; }
  std::string& received() { return received_; }

 private:
  explicit Socket(int fd) : fd_(fd) {}
  int fd_;
  std::string received_;
  bool closed_ = false;
};

// The body of a complete HTTP/1.1 response in `text` (Content-Length or chunked), or nullopt.
std::optional<std::string> CompleteBody(const std::string& text) {
  const size_t end = text.find("\r\n\r\n");
  if (end == std::string::npos) return std::nullopt;
  const std::string head = absl::AsciiStrToLower(text.substr(0, end));
  const size_t length_at = head.find("content-length:");
  if (length_at != std::string::npos) {
    size_t length = 0;
    if (!absl::SimpleAtoi(
            head.substr(length_at + 15, head.find("\r\n", length_at) - length_at - 15), &length)) {
      return std::nullopt;
    }
    if (text.size() < end + 4 + length) return std::nullopt;
    return text.substr(end + 4, length);
  }
  // Chunked: decode until the last chunk.
  std::string body;
  size_t at = end + 4;
  while (true) {
    const size_t line_end = text.find("\r\n", at);
    if (line_end == std::string::npos) return std::nullopt;
    size_t size = 0;
    if (!absl::SimpleHexAtoi(text.substr(at, line_end - at), &size)) return std::nullopt;
    if (size == 0) return body;
    if (text.size() < line_end + 2 + size + 2) return std::nullopt;
    body += text.substr(line_end + 2, size);
    at = line_end + 2 + size + 2;
  }
}

struct HttpResult {
  int status = 0;
  std::string head;
  std::string body;
};

std::string Request(const std::string& method, const std::string& target,
                    const std::vector<std::string>& headers, const std::string& body) {
  std::string text = absl::StrCat(method, " ", target, " HTTP/1.1\r\nHost: 127.0.0.1\r\n");
  for (const std::string& header : headers) absl::StrAppend(&text, header, "\r\n");
  if (method != "GET") absl::StrAppend(&text, "Content-Length: ", body.size(), "\r\n");
  absl::StrAppend(&text, "\r\n", body);
  return text;
}

// One request on a fresh connection, read to the end of its answer.
HttpResult Exchange(int port, const std::string& request) {
  std::optional<Socket> socket = Socket::Connect(port);
  if (!socket || !socket->Send(request)) return {};
  const std::string text =
      socket->ReadUntil([](const std::string& got) { return CompleteBody(got).has_value(); });
  HttpResult result;
  if (text.size() > 12) absl::SimpleAtoi(text.substr(9, 3), &result.status);
  result.head = text.substr(0, text.find("\r\n\r\n"));
  result.body = CompleteBody(text).value_or("");
  return result;
}

std::string Envelope(uint8_t flags, const std::string& payload) {
  std::string frame(1, static_cast<char>(flags));
  const auto size = static_cast<uint32_t>(payload.size());
  for (int shift = 24; shift >= 0; shift -= 8) frame.push_back(static_cast<char>(size >> shift));
  return frame + payload;
}

// The frames of a body: (flags, payload).
std::vector<std::pair<uint8_t, std::string>> Frames(const std::string& body) {
  std::vector<std::pair<uint8_t, std::string>> frames;
  size_t at = 0;
  while (at + 5 <= body.size()) {
    uint32_t size = 0;
    for (int i = 1; i <= 4; ++i) size = (size << 8) | static_cast<unsigned char>(body[at + i]);
    if (at + 5 + size > body.size()) break;
    frames.emplace_back(static_cast<uint8_t>(body[at]), body.substr(at + 5, size));
    at += 5 + size;
  }
  return frames;
}

// The value of a metric line "name value" in a /metrics text; -1 when absent.
double MetricValue(const std::string& text, const std::string& name) {
  const std::string prefix = name + " ";
  size_t at = text.find("\n" + prefix);
  if (at == std::string::npos) return -1;
  at += 1 + prefix.size();
  double value = -1;
  absl::SimpleAtod(text.substr(at, text.find('\n', at) - at), &value);
  return value;
}

class EdgeTest : public ::testing::Test {
 protected:
  void StartServer(std::vector<std::string> flags = {}) {
    absl::StatusOr<std::unique_ptr<ServerProcess>> server = ServerProcess::Start(
        ServerOptions{.store = "memory:", .connect = true, .extra_flags = std::move(flags)});
    ASSERT_THAT(server, IsOk());
    server_ = *std::move(server);
    token_ = server_->Token("platform-backend", "service", "demo");
  }

  std::string Auth() const { return "Authorization: Bearer " + token_; }

  double Metric(const std::string& name) {
    HttpResult metrics = Exchange(server_->connect_port(), Request("GET", "/metrics", {}, ""));
    return MetricValue(metrics.body, name);
  }

  // A well-behaved Connect call: GetCaller on its own connection.
  bool CallAnswered() {
    HttpResult result = Exchange(server_->connect_port(),
                                 Request("POST", absl::StrCat(kService, "GetCaller"),
                                         {Auth(), "Content-Type: application/json"}, "{}"));
    return result.status == 200 && absl::StrContains(result.body, "platform-backend");
  }

  std::unique_ptr<ServerProcess> server_;
  std::string token_;
};

TEST_F(EdgeTest, SlowlorisAndIdleConnectionsDoNotStarveAWellBehavedCaller) {
  StartServer({"--http_header_timeout=20s"});
  const int port = server_->connect_port();
  std::vector<Socket> idle;
  std::vector<Socket> slow;
  for (int i = 0; i < 300; ++i) {
    std::optional<Socket> quiet = Socket::Connect(port);
    ASSERT_TRUE(quiet.has_value()) << "idle connection " << i;
    idle.push_back(*std::move(quiet));
    std::optional<Socket> loris = Socket::Connect(port);
    ASSERT_TRUE(loris.has_value()) << "slowloris connection " << i;
    // A partial request header; a byte more every 500 ms below.
    ASSERT_TRUE(
        loris->Send(absl::StrCat("POST ", kService, "GetCaller HTTP/1.1\r\nHost: x\r\nX-")));
    slow.push_back(*std::move(loris));
  }
  int answered = 0;
  int calls = 0;
  const absl::Time until = absl::Now() + absl::Seconds(6);
  absl::Time next_byte = absl::Now();
  while (absl::Now() < until) {
    if (absl::Now() >= next_byte) {
      for (Socket& loris : slow) loris.Send("a");
      next_byte = absl::Now() + absl::Milliseconds(500);
    }
    ++calls;
    if (CallAnswered()) ++answered;
    absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_GE(calls, 20);
  EXPECT_EQ(answered, calls) << server_->StderrTail();
  // All 600 were still held open by the server while the caller was served.
  EXPECT_GE(Metric("homework_http_open_connections"), 600);
}

TEST_F(EdgeTest, ClosedWatchStreamsFreeTheirResourcesAtOnce) {
  StartServer();
  const int port = server_->connect_port();
  const std::string request = Request("POST", absl::StrCat(kService, "WatchEvents"),
                                      {Auth(), "Content-Type: application/connect+json"},
                                      Envelope(0, R"({"parent":"practices/demo"})"));
  std::vector<Socket> watches;
  for (int i = 0; i < 300; ++i) {
    std::optional<Socket> watch = Socket::Connect(port);
    ASSERT_TRUE(watch.has_value());
    ASSERT_TRUE(watch->Send(request));
    watches.push_back(*std::move(watch));
  }
  for (Socket& watch : watches) {
    const std::string head = watch.ReadUntil(
        [](const std::string& got) { return got.find("\r\n\r\n") != std::string::npos; });
    ASSERT_TRUE(absl::StrContains(absl::AsciiStrToLower(head), "x-watch-cursor:")) << head;
  }
  EXPECT_EQ(Metric("homework_http_open_streams"), 300);
  // A stream subscribes to the hub once its head is written (from the position its start fixed,
  // so nothing is missed): the last few may still be on their way.
  double watching = -1;
  for (const absl::Time opened = absl::Now(); absl::Now() - opened < absl::Seconds(5);) {
    watching = Metric("homework_event_hub_watchers");
    if (watching == 300) break;
    absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_EQ(watching, 300);
  const absl::Time closed = absl::Now();
  watches.clear();  // the pages go away
  // The listener counts a stream closed just before it tells the application, which then leaves
  // the hub: both gauges reach 0, one a moment after the other.
  double open = -1;
  watching = -1;
  while (absl::Now() - closed < absl::Seconds(5)) {
    open = Metric("homework_http_open_streams");
    watching = Metric("homework_event_hub_watchers");
    if (open == 0 && watching == 0) break;
    absl::SleepFor(absl::Milliseconds(20));
  }
  EXPECT_EQ(open, 0);
  EXPECT_EQ(watching, 0);
  EXPECT_LT(absl::Now() - closed, absl::Seconds(2)) << "streams freed only after a long wait";
  // No event arrived meanwhile: the streams ended because the peers left.
  EXPECT_TRUE(CallAnswered());
}

TEST_F(EdgeTest, GrpcWebUnaryCarriesTheMessageThenTrailers) {
  StartServer();
  HttpResult result =
      Exchange(server_->connect_port(),
               Request("POST", absl::StrCat(kService, "GetCaller"),
                       {Auth(), "Content-Type: application/grpc-web+proto", "X-Grpc-Web: 1"},
                       Envelope(0, "")));
  ASSERT_EQ(result.status, 200) << result.head;
  const auto frames = Frames(result.body);
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(frames[0].first, 0);
  EXPECT_TRUE(absl::StrContains(frames[0].second, "platform-backend"));
  EXPECT_EQ(frames[1].first, 0x80);
  EXPECT_TRUE(absl::StartsWith(frames[1].second, "grpc-status: 0\r\n")) << frames[1].second;

  // grpc-web-text: the same, base64; and an error is trailers only.
  HttpResult text =
      Exchange(server_->connect_port(), Request("POST", absl::StrCat(kService, "GetCaller"),
                                                {"Content-Type: application/grpc-web-text"},
                                                absl::Base64Escape(Envelope(0, ""))));
  ASSERT_EQ(text.status, 200) << text.head;
  std::string decoded;
  ASSERT_TRUE(absl::Base64Unescape(text.body, &decoded));
  const auto text_frames = Frames(decoded);
  ASSERT_EQ(text_frames.size(), 1u);
  EXPECT_EQ(text_frames[0].first, 0x80);
  EXPECT_TRUE(absl::StrContains(text_frames[0].second, "grpc-status: 16\r\n"))
      << text_frames[0].second;
}

TEST_F(EdgeTest, GrpcWebStreamEndsWithTrailers) {
  StartServer();
  std::optional<Socket> watch = Socket::Connect(server_->connect_port());
  ASSERT_TRUE(watch.has_value());
  ASSERT_TRUE(watch->Send(
      Request("POST", absl::StrCat(kService, "WatchEvents"),
              {Auth(), "Content-Type: application/grpc-web+proto", "grpc-timeout: 1500m"},
              // WatchEventsRequest{parent: "practices/demo"}: field 1, length-delimited.
              Envelope(0, std::string("\x0a\x0epractices/demo", 16)))));
  const std::string head = watch->ReadUntil(
      [](const std::string& got) { return got.find("\r\n\r\n") != std::string::npos; });
  ASSERT_TRUE(absl::StrContains(head, " 200 ")) << head;
  // An event while the stream is open: Alex's therapist drafts an assignment.
  std::unique_ptr<v1::HomeworkService::Stub> stub = server_->NewStub();
  v1::CreateClientRequest create;
  create.set_parent("practices/demo");
  create.set_client_id("alex");
  create.mutable_client()->set_display_name("Alex");
  create.mutable_client()->set_time_zone("Europe/Berlin");
  create.mutable_client()->add_care_team("dr-ada");
  v1::Client created;
  ASSERT_TRUE(stub->CreateClient(ContextWithToken(token_).get(), create, &created).ok());
  v1::CreateAssignmentRequest assign;
  assign.set_parent(created.name());
  v1::Assignment* assignment = assign.mutable_assignment();
  assignment->set_title("Ride the office lift to the 4th floor");
  assignment->set_phase(v1::TREATMENT_PHASE_PRACTICE);
  v1::Exercise* exercise = assignment->mutable_exercise();
  exercise->set_kind(v1::EXERCISE_KIND_EXPOSURE_PRACTICE);
  exercise->set_instructions("Ride up and down until your distress has dropped by half.");
  exercise->mutable_exposure_practice()->set_situation("Office lift, alone");
  exercise->mutable_exposure_practice()->set_expected_suds(70);
  exercise->mutable_exposure_practice()->set_stay_until_drop_percent(50);
  v1::Schedule* schedule = assignment->mutable_schedule();
  schedule->set_target_count(1);
  schedule->set_period(v1::Schedule::PERIOD_DAY);
  schedule->set_minutes_per_practice(20);
  schedule->set_start_date(DayIn("Europe/Berlin", -1));
  schedule->set_end_date(DayIn("Europe/Berlin", 27));
  v1::Assignment drafted;
  const grpc::Status assigned = stub->CreateAssignment(
      ContextWithToken(server_->Token("dr-ada", "therapist", "demo")).get(), assign, &drafted);
  ASSERT_TRUE(assigned.ok()) << assigned.error_message();
  const std::string text = watch->ReadUntil(
      [](const std::string& got) { return CompleteBody(got).has_value(); }, absl::Seconds(5));
  const std::optional<std::string> body = CompleteBody(text);
  ASSERT_TRUE(body.has_value()) << text;
  const auto frames = Frames(*body);
  ASSERT_GE(frames.size(), 2u) << (frames.empty() ? std::string("no frame") : frames.back().second);
  EXPECT_EQ(frames.front().first, 0);
  EXPECT_TRUE(absl::StrContains(frames.front().second, drafted.name()));
  // The deadline ended it: trailers last, in a body frame with flag 0x80.
  EXPECT_EQ(frames.back().first, 0x80);
  EXPECT_TRUE(absl::StartsWith(frames.back().second, "grpc-status: 4\r\n")) << frames.back().second;
}

TEST_F(EdgeTest, ConnectGetOnlyForSideEffectFreeMethods) {
  StartServer();
  HttpResult read = Exchange(
      server_->connect_port(),
      Request("GET", absl::StrCat(kService, "GetCaller?connect=v1&encoding=json&message=%7B%7D"),
              {Auth()}, ""));
  EXPECT_EQ(read.status, 200) << read.head;
  EXPECT_TRUE(absl::StrContains(read.body, "platform-backend")) << read.body;
  HttpResult write =
      Exchange(server_->connect_port(),
               Request("GET", absl::StrCat(kService, "CreateClient?encoding=json&message=%7B%7D"),
                       {Auth()}, ""));
  EXPECT_EQ(write.status, 405) << write.head;
}

TEST_F(EdgeTest, PipelinedRequestsAreAnsweredInOrderOnOneKeptAliveConnection) {
  StartServer();
  std::optional<Socket> socket = Socket::Connect(server_->connect_port());
  ASSERT_TRUE(socket.has_value());
  // Three requests in one write: an unknown method, a read, a malformed JSON body.
  const std::string json = "Content-Type: application/json";
  ASSERT_TRUE(socket->Send(
      Request("POST", absl::StrCat(kService, "NoSuchMethod"), {Auth(), json}, "{}") +
      Request("POST", absl::StrCat(kService, "GetCaller"), {Auth(), json}, "{}") +
      Request("POST", absl::StrCat(kService, "GetCaller"), {Auth(), json}, "{not json")));
  const std::string text = socket->ReadUntil([](const std::string& got) {
    size_t answers = 0;
    for (size_t at = got.find("HTTP/1.1 "); at != std::string::npos;
         at = got.find("HTTP/1.1 ", at + 1)) {
      ++answers;
    }
    return answers == 3 && CompleteBody(got.substr(got.rfind("HTTP/1.1 "))).has_value();
  });
  const size_t first = text.find("HTTP/1.1 404");
  const size_t second = text.find("HTTP/1.1 200");
  const size_t third = text.find("HTTP/1.1 400");
  ASSERT_NE(first, std::string::npos) << text;
  ASSERT_NE(second, std::string::npos) << text;
  ASSERT_NE(third, std::string::npos) << text;
  EXPECT_LT(first, second);
  EXPECT_LT(second, third);
  EXPECT_FALSE(socket->closed());  // kept alive after all three
}

TEST_F(EdgeTest, TwoAuthorizationHeadersAreUnauthenticated) {
  StartServer();
  HttpResult result = Exchange(
      server_->connect_port(),
      Request("POST", absl::StrCat(kService, "GetCaller"),
              {Auth(), "Authorization: Bearer other", "Content-Type: application/json"}, "{}"));
  EXPECT_EQ(result.status, 401) << result.head;
  EXPECT_TRUE(absl::StrContains(result.body, "\"code\":\"unauthenticated\"")) << result.body;
}

TEST_F(EdgeTest, HealthByServiceNameThenUnavailableOnBothListenersAfterSigterm) {
  StartServer({"--shutdown_drain=3s"});
  EXPECT_EQ(HealthStatus(server_->NewChannel(), "therapy.homework.v1.HomeworkService"),
            1);  // SERVING
  std::unique_ptr<v1::HomeworkService::Stub> stub = server_->NewStub();
  // Keep a connection to the HTTP listener, as a browser would.
  std::thread stopping([this] { EXPECT_TRUE(server_->Stop().ok()); });
  absl::SleepFor(absl::Milliseconds(700));
  EXPECT_EQ(HealthStatus(server_->NewChannel(), "therapy.homework.v1.HomeworkService"),
            2);  // NOT_SERVING
  v1::GetCallerRequest request;
  v1::CallerIdentity identity;
  const grpc::Status grpc_status =
      stub->GetCaller(ContextWithToken(token_).get(), request, &identity);
  EXPECT_EQ(grpc_status.error_code(), grpc::StatusCode::UNAVAILABLE) << grpc_status.error_message();
  HttpResult http =
      Exchange(server_->connect_port(), Request("POST", absl::StrCat(kService, "GetCaller"),
                                                {Auth(), "Content-Type: application/json"}, "{}"));
  EXPECT_EQ(http.status, 503) << http.head;
  EXPECT_TRUE(absl::StrContains(http.body, "\"code\":\"unavailable\"")) << http.body;
  stopping.join();
}

}  // namespace
}  // namespace therapy::homework::testing
