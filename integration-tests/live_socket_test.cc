// The live session's WebSocket on the browser listener (`GET /live/v1`, services/homework/connect/
// live_socket.h) of the real homework-server binary, with a plain RFC 6455 client over a TCP
// socket (and over TLS, for wss://): the handshake's checks (Origin, a handshake at all), the
// protocol of docs/janus-plugin-protocol.md as the service itself carries it (join with the
// participant's token, calls as that person, the other participant's events), and the limits
// (message size, text only). Setup calls go over gRPC.

#include <gtest/gtest.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "httplib.h"
#include "integration-tests/rpc_test_support.h"
#include "integration-tests/server_process.h"
#include "nlohmann/json.hpp"
#include "testing/loopback.h"
#include "testing/status_matchers.h"

namespace therapy::homework::testing {
namespace {

using nlohmann::json;
using ::therapy::homework::testing::IsOk;

constexpr char kPractice[] = "clinic-a";
constexpr char kZone[] = "Europe/Berlin";
constexpr char kAllowedOrigin[] = "http://portal.test:5173";
constexpr char kSession[] = "practices/clinic-a/sessions/call-1";
constexpr char kAlex[] = "practices/clinic-a/clients/alex";

// One frame as the server sent it.
struct Frame {
  int opcode = -1;  // 1 text, 2 binary, 8 close, 9 ping, 10 pong
  std::string payload;
  // A close frame's status code (RFC 6455 7.4), 0 when it carries none.
  int CloseCode() const {
    return opcode == 8 && payload.size() >= 2
               ? (static_cast<uint8_t>(payload[0]) << 8) | static_cast<uint8_t>(payload[1])
               : 0;
  }
};

// How a WebSocketClient opens.
struct Handshake {
  // The Origin header; none when empty.
  std::string origin = kAllowedOrigin;
  // False: a plain GET instead of a handshake.
  bool upgrade = true;
  // Over TLS (wss://), without verifying the server's certificate.
  bool tls = false;
};

// A minimal WebSocket client: the opening handshake, masked frames out, frames in with a timeout;
// over a TCP socket, or over OpenSSL on it.
class WebSocketClient {
 public:
  // Connects to 127.0.0.1:`port` and sends `handshake` for `path`. `http_status` is the answer's
  // status code (101 when the socket is open); nullptr when the connection failed.
  static std::unique_ptr<WebSocketClient> Open(int port, const std::string& path,
                                               const Handshake& handshake, int* http_status) {
    *http_status = -1;
    const int fd = ConnectLoopback(port);
    if (fd < 0) return nullptr;
    auto client = std::unique_ptr<WebSocketClient>(new WebSocketClient(fd));
    if (handshake.tls && !client->StartTls()) return nullptr;
    const std::string& origin = handshake.origin;
    const bool upgrade = handshake.upgrade;
    std::string request = absl::StrCat("GET ", path, " HTTP/1.1\r\nHost: 127.0.0.1:", port, "\r\n");
    if (upgrade) {
      absl::StrAppend(
          &request,
          "Upgrade: websocket\r\nConnection: Upgrade\r\n"
          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n");
    }
    if (!origin.empty()) absl::StrAppend(&request, "Origin: ", origin, "\r\n");
    absl::StrAppend(&request, "\r\n");
    if (!client->Write(request)) return nullptr;
    // The answer's head, byte by byte up to the blank line (frames may follow it).
    std::string head;
    while (head.size() < 8192 && head.find("\r\n\r\n") == std::string::npos) {
      std::optional<std::string> byte = client->ReadExactly(1, absl::Seconds(5));
      if (!byte) return nullptr;
      head += *byte;
    }
    if (head.size() > 12) *http_status = std::atoi(head.substr(9, 3).c_str());
    return client;
  }

  ~WebSocketClient() {
    if (ssl_ != nullptr) SSL_free(ssl_);
    if (context_ != nullptr) SSL_CTX_free(context_);
    close(fd_);
  }

  bool SendText(const std::string& text) { return Send(1, text); }
  bool SendBinary(const std::string& bytes) { return Send(2, bytes); }

  // The next frame that is not a ping, within `timeout`; nullopt when none came or the connection
  // closed without a close frame.
  std::optional<Frame> Read(absl::Duration timeout = absl::Seconds(5)) {
    const absl::Time until = absl::Now() + timeout;
    while (true) {
      std::optional<std::string> header = ReadExactly(2, until - absl::Now());
      if (!header) return std::nullopt;
      Frame frame{.opcode = static_cast<uint8_t>((*header)[0]) & 0x0f};
      uint64_t length = static_cast<uint8_t>((*header)[1]) & 0x7f;
      const int extra = length == 126 ? 2 : length == 127 ? 8 : 0;
      if (extra > 0) {
        std::optional<std::string> bytes = ReadExactly(extra, until - absl::Now());
        if (!bytes) return std::nullopt;
        length = 0;
        for (char byte : *bytes) length = (length << 8) | static_cast<uint8_t>(byte);
      }
      std::optional<std::string> payload =
          ReadExactly(static_cast<std::size_t>(length), until - absl::Now());
      if (!payload) return std::nullopt;
      frame.payload = *std::move(payload);
      if (frame.opcode != 9) return frame;
    }
  }

  // The next JSON message (text frame), skipping `presence`; null when none came.
  json ReadJson(absl::Duration timeout = absl::Seconds(5)) {
    while (true) {
      std::optional<Frame> frame = Read(timeout);
      if (!frame || frame->opcode != 1) return json();
      json message = json::parse(frame->payload, nullptr, false);
      if (message.value("homework", "") != "presence") return message;
    }
  }

  // Sends `request` and returns the answer carrying its id (events before it are skipped).
  json Request(json request) {
    const std::string id = absl::StrCat("r", next_id_++);
    request["id"] = id;
    if (!SendText(request.dump())) return json();
    while (true) {
      json message = ReadJson();
      if (message.is_null() || message.value("id", "") == id) return message;
    }
  }

 private:
  explicit WebSocketClient(int fd) : fd_(fd) {}

  // The TLS handshake on the connected socket. Reads that meet only TLS records without data
  // (session tickets) return instead of blocking, so that ReadExactly's poll keeps its timeout.
  bool StartTls() {
    context_ = SSL_CTX_new(TLS_client_method());
    if (context_ == nullptr) return false;
    SSL_CTX_clear_mode(context_, SSL_MODE_AUTO_RETRY);
    ssl_ = SSL_new(context_);
    return ssl_ != nullptr && SSL_set_fd(ssl_, fd_) == 1 && SSL_connect(ssl_) == 1;
  }

  bool Write(const std::string& bytes) {
    if (ssl_ != nullptr) {
      std::size_t written = 0;
      return SSL_write_ex(ssl_, bytes.data(), bytes.size(), &written) == 1 &&
             written == bytes.size();
    }
    return send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
           static_cast<ssize_t>(bytes.size());
  }

  // A client frame is always masked (RFC 6455 5.3); the key here is fixed, which the server
  // cannot tell from a random one.
  bool Send(int opcode, const std::string& payload) {
    std::string frame(1, static_cast<char>(0x80 | opcode));
    if (payload.size() < 126) {
      frame += static_cast<char>(0x80 | payload.size());
    } else if (payload.size() < 65536) {
      frame += static_cast<char>(0x80 | 126);
      frame += static_cast<char>(payload.size() >> 8);
      frame += static_cast<char>(payload.size() & 0xff);
    } else {
      frame += static_cast<char>(0x80 | 127);
      for (int shift = 56; shift >= 0; shift -= 8) {
        frame += static_cast<char>((payload.size() >> shift) & 0xff);
      }
    }
    const char mask[4] = {0x12, 0x34, 0x56, 0x78};
    frame.append(mask, 4);
    for (std::size_t i = 0; i < payload.size(); ++i) frame += payload[i] ^ mask[i % 4];
    return Write(frame);
  }

  std::optional<std::string> ReadExactly(std::size_t count, absl::Duration timeout) {
    std::string out;
    const absl::Time until = absl::Now() + timeout;
    while (out.size() < count) {
      if (ssl_ == nullptr || SSL_pending(ssl_) == 0) {
        pollfd ready{.fd = fd_, .events = POLLIN, .revents = 0};
        const int wait_ms = static_cast<int>(absl::ToInt64Milliseconds(until - absl::Now()));
        if (wait_ms <= 0 || poll(&ready, 1, wait_ms) <= 0) return std::nullopt;
      }
      char buffer[4096];
      const std::size_t wanted = std::min(sizeof(buffer), count - out.size());
      if (ssl_ != nullptr) {
        std::size_t got = 0;
        if (SSL_read_ex(ssl_, buffer, wanted, &got) == 1) {
          out.append(buffer, got);
        } else if (SSL_get_error(ssl_, 0) != SSL_ERROR_WANT_READ) {
          return std::nullopt;
        }
        continue;
      }
      const ssize_t got = recv(fd_, buffer, wanted, 0);
      if (got <= 0) return std::nullopt;
      out.append(buffer, static_cast<std::size_t>(got));
    }
    return out;
  }

  int fd_;
  SSL_CTX* context_ = nullptr;
  SSL* ssl_ = nullptr;
  int next_id_ = 1;
};

class LiveSocketTest : public ::testing::Test {
 protected:
  // Whether the listener serves TLS, and the sockets open wss://.
  virtual bool Tls() const { return false; }

  void SetUp() override {
    ServerOptions options;
    options.connect = true;
    options.connect_tls = Tls();
    options.extra_flags = {std::string("--cors_origins=") + kAllowedOrigin,
                           "--connect_max_request_bytes=65536"};
    absl::StatusOr<std::unique_ptr<ServerProcess>> started = ServerProcess::Start(options);
    ASSERT_THAT(started, IsOk());
    server_ = *std::move(started);
    stub_ = server_->NewStub();
    dr_ada_ = server_->Token("dr-ada", "therapist", kPractice);
    alex_ = server_->Token("alex", "client", kPractice);
    const std::string platform = server_->Token("platform-backend", "service", kPractice);

    v1::CreateClientRequest client;
    client.set_parent("practices/clinic-a");
    client.set_client_id("alex");
    client.mutable_client()->set_display_name("Alex");
    client.mutable_client()->set_time_zone(kZone);
    client.mutable_client()->add_care_team("dr-ada");
    v1::Client created;
    ASSERT_RPC_OK(Call(*stub_, &Stub::CreateClient, platform, client, &created));
    v1::CreateSessionRequest session;
    session.set_parent("practices/clinic-a");
    session.set_session_id("call-1");
    session.mutable_session()->set_client(kAlex);
    v1::Session created_session;
    ASSERT_RPC_OK(Call(*stub_, &Stub::CreateSession, platform, session, &created_session));
  }

  std::unique_ptr<WebSocketClient> Open() {
    int status = 0;
    std::unique_ptr<WebSocketClient> socket =
        WebSocketClient::Open(server_->connect_port(), "/live/v1", {.tls = Tls()}, &status);
    EXPECT_EQ(status, 101) << server_->StderrTail();
    return status == 101 ? std::move(socket) : nullptr;
  }

  static json Join(WebSocketClient& socket, const std::string& token) {
    return socket.Request({{"request", "join"},
                           {"session", kSession},
                           {"client", kAlex},
                           {"token", token},
                           {"display", "someone"}});
  }

  // The therapist's CreateAssignment of a self-care draft in the session, over `therapist`.
  static json CreateDraft(WebSocketClient& therapist, const std::string& title,
                          const std::string& rationale = "") {
    json draft = {
        {"title", title},
        {"rationale", rationale},
        {"session", kSession},
        {"exercise",
         {{"kind", "EXERCISE_KIND_SELF_CARE"}, {"selfCare", {{"domain", "DOMAIN_EXERCISE"}}}}},
        {"schedule", {{"targetCount", 1}, {"period", "PERIOD_DAY"}, {"startDate", DayIn(kZone)}}}};
    return therapist.Request({{"request", "call"},
                              {"method", "CreateAssignment"},
                              {"body", {{"parent", kAlex}, {"assignment", draft}}}});
  }

  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<Stub> stub_;
  std::string dr_ada_;
  std::string alex_;
};

// The therapist shapes a draft over its socket; the client's socket receives the event carrying
// it, changes its own plan field as itself, and is refused a field that is not its plan; the
// therapist's socket then sees the client's change. Each call is logged as a websocket call.
TEST_F(LiveSocketTest, EachParticipantCallsAsItselfAndSeesTheOthersChanges) {
  std::unique_ptr<WebSocketClient> therapist = Open();
  std::unique_ptr<WebSocketClient> client = Open();
  ASSERT_NE(therapist, nullptr);
  ASSERT_NE(client, nullptr);
  json joined = Join(*therapist, dr_ada_);
  ASSERT_EQ(joined.value("homework", ""), "joined") << joined.dump();
  EXPECT_EQ(joined["you"].value("role", ""), "therapist");
  ASSERT_EQ(Join(*client, alex_).value("homework", ""), "joined");
  httplib::Client metrics("127.0.0.1", server_->connect_port());
  httplib::Result scraped = metrics.Get("/metrics");
  ASSERT_TRUE(scraped);
  EXPECT_NE(scraped->body.find("homework_live_sockets 2"), std::string::npos) << scraped->body;

  json created = CreateDraft(*therapist, "Walk");
  ASSERT_EQ(created.value("homework", ""), "result") << created.dump();
  const std::string name = created["body"].value("name", "");
  ASSERT_FALSE(name.empty());

  json event = client->ReadJson();
  ASSERT_EQ(event.value("homework", ""), "event") << event.dump();
  EXPECT_EQ(event["event"].value("type", ""), "TYPE_ASSIGNMENT_CREATED");
  EXPECT_EQ(event["event"]["assignment"].value("title", ""), "Walk");

  json cue = client->Request(
      {{"request", "call"},
       {"method", "UpdateAssignment"},
       {"body",
        {{"assignment",
          {{"name", name}, {"schedule", {{"environmentalCue", "shoes by the door"}}}}},
         {"updateMask", "schedule.environmental_cue"}}}});
  ASSERT_EQ(cue.value("homework", ""), "result") << cue.dump();
  json refused = client->Request(
      {{"request", "call"},
       {"method", "UpdateAssignment"},
       {"body", {{"assignment", {{"name", name}, {"title", "Run"}}}, {"updateMask", "title"}}}});
  EXPECT_EQ(refused.value("code", ""), "permission_denied") << refused.dump();
  EXPECT_NE(refused.value("message", "").find("title"), std::string::npos) << refused.dump();

  // The therapist's socket: its own draft's event, then the client's change.
  json seen;
  for (int i = 0; i < 3; ++i) {
    seen = therapist->ReadJson();
    if (seen.value("homework", "") == "event" && seen["event"].value("actor", "") == "alex") break;
  }
  ASSERT_EQ(seen.value("homework", ""), "event") << seen.dump();
  EXPECT_EQ(seen["event"]["assignment"]["schedule"].value("environmentalCue", ""),
            "shoes by the door");

  const std::string log = server_->LogOnceItHas(R"("method":"UpdateAssignment")", 80);
  EXPECT_NE(log.find(R"("method":"UpdateAssignment")"), std::string::npos) << log;
  EXPECT_NE(log.find(R"("protocol":"websocket")"), std::string::npos) << log;
  EXPECT_EQ(log.find("shoes by the door"), std::string::npos) << log;
}

// Nothing before a join with a valid token of someone the session admits; WatchEvents is not a
// call; a second join is refused.
TEST_F(LiveSocketTest, AJoinNeedsAValidTokenOfSomeoneInTheSession) {
  std::unique_ptr<WebSocketClient> socket = Open();
  ASSERT_NE(socket, nullptr);
  json early =
      socket->Request({{"request", "call"}, {"method", "GetCaller"}, {"body", json::object()}});
  EXPECT_EQ(early.value("code", ""), "failed_precondition") << early.dump();
  EXPECT_EQ(Join(*socket, "not-a-token").value("code", ""), "unauthenticated");
  const std::string stranger = server_->Token("dr-bob", "therapist", kPractice);
  EXPECT_EQ(Join(*socket, stranger).value("code", ""), "permission_denied");
  const std::string platform = server_->Token("platform-backend", "service", kPractice);
  EXPECT_EQ(Join(*socket, platform).value("code", ""), "permission_denied");

  ASSERT_EQ(Join(*socket, dr_ada_).value("homework", ""), "joined");
  EXPECT_EQ(Join(*socket, dr_ada_).value("code", ""), "failed_precondition");
  json watch =
      socket->Request({{"request", "call"}, {"method", "WatchEvents"}, {"body", json::object()}});
  EXPECT_EQ(watch.value("code", ""), "invalid_argument") << watch.dump();
  json caller =
      socket->Request({{"request", "call"}, {"method", "GetCaller"}, {"body", json::object()}});
  EXPECT_EQ(caller["body"].value("subject", ""), "dr-ada") << caller.dump();
}

// The handshake: only from an allowed Origin (or none, a program), and only as a handshake.
TEST_F(LiveSocketTest, TheHandshakeComesFromAnAllowedOriginOrNone) {
  int status = 0;
  EXPECT_NE(WebSocketClient::Open(server_->connect_port(), "/live/v1",
                                  {.origin = "http://evil.test"}, &status),
            nullptr);
  EXPECT_EQ(status, 403);
  EXPECT_NE(WebSocketClient::Open(server_->connect_port(), "/live/v1", {.origin = ""}, &status),
            nullptr);
  EXPECT_EQ(status, 101);
  EXPECT_NE(WebSocketClient::Open(server_->connect_port(), "/live/v1", {.upgrade = false}, &status),
            nullptr);
  EXPECT_EQ(status, 426);
}

// A message over the request size limit closes the socket with 1009, a binary one with 1003; a
// message that is not a request is answered with an error naming what is wrong, and the socket
// stays open.
TEST_F(LiveSocketTest, BadMessagesGetAnErrorOrCloseTheSocketWithItsReason) {
  std::unique_ptr<WebSocketClient> socket = Open();
  ASSERT_NE(socket, nullptr);
  ASSERT_TRUE(socket->SendText("not json"));
  json answer = socket->ReadJson();
  EXPECT_EQ(answer.value("code", ""), "invalid_argument") << answer.dump();
  json unknown = socket->Request({{"request", "dance"}});
  EXPECT_EQ(unknown.value("code", ""), "invalid_argument") << unknown.dump();
  EXPECT_NE(unknown.value("message", "").find("request"), std::string::npos) << unknown.dump();

  ASSERT_TRUE(socket->SendText(std::string(70 * 1024, 'x')));
  std::optional<Frame> closed = socket->Read();
  ASSERT_TRUE(closed.has_value());
  EXPECT_EQ(closed->CloseCode(), 1009);

  std::unique_ptr<WebSocketClient> binary = Open();
  ASSERT_NE(binary, nullptr);
  ASSERT_TRUE(binary->SendBinary("\x01\x02"));
  std::optional<Frame> refused = binary->Read();
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->CloseCode(), 1003);
}

// The same session over TLS (wss://): the listener runs the WebSocket on its TLS stream after the
// handshake HTTPS has, with the same Origin check; both participants' messages cross it, one of
// them longer than a small frame.
class LiveSocketOverTlsTest : public LiveSocketTest {
 protected:
  bool Tls() const override { return true; }
};

TEST_F(LiveSocketOverTlsTest, TheSessionRunsOverWss) {
  int status = 0;
  EXPECT_NE(WebSocketClient::Open(server_->connect_port(), "/live/v1",
                                  {.origin = "http://evil.test", .tls = true}, &status),
            nullptr);
  EXPECT_EQ(status, 403);
  std::unique_ptr<WebSocketClient> plain =
      WebSocketClient::Open(server_->connect_port(), "/live/v1", {}, &status);
  EXPECT_NE(status, 101) << "a plain handshake on the TLS listener must not open a socket";

  std::unique_ptr<WebSocketClient> therapist = Open();
  std::unique_ptr<WebSocketClient> client = Open();
  ASSERT_NE(therapist, nullptr);
  ASSERT_NE(client, nullptr);
  ASSERT_EQ(Join(*therapist, dr_ada_).value("homework", ""), "joined");
  ASSERT_EQ(Join(*client, alex_).value("homework", ""), "joined");

  const std::string rationale(1900, 'w');
  json created = CreateDraft(*therapist, "Walk over TLS", rationale);
  ASSERT_EQ(created.value("homework", ""), "result") << created.dump();
  json event = client->ReadJson();
  ASSERT_EQ(event.value("homework", ""), "event") << event.dump();
  EXPECT_EQ(event["event"]["assignment"].value("title", ""), "Walk over TLS");
  EXPECT_EQ(event["event"]["assignment"].value("rationale", ""), rationale);
  json caller =
      client->Request({{"request", "call"}, {"method", "GetCaller"}, {"body", json::object()}});
  EXPECT_EQ(caller["body"].value("subject", ""), "alex") << caller.dump();
}

}  // namespace
}  // namespace therapy::homework::testing
