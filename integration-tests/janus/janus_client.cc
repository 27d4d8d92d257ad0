#include "integration-tests/janus/janus_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"

namespace therapy::homework::testing {
namespace {

using nlohmann::json;

// A loopback port nobody listens on right now.
absl::StatusOr<int> FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return absl::InternalError("socket() failed");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof(address);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    ::close(fd);
    return absl::InternalError("cannot find a free port");
  }
  const int port = ntohs(address.sin_port);
  ::close(fd);
  return port;
}

absl::Status WriteFile(const std::string& path, const std::string& text) {
  std::ofstream file(path);
  file << text;
  file.close();
  return file ? absl::OkStatus() : absl::InternalError(absl::StrCat("cannot write ", path));
}

absl::StatusOr<int> ConnectLoopback(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return absl::InternalError("socket() failed");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    ::close(fd);
    return absl::UnavailableError(absl::StrCat("nothing listens on 127.0.0.1:", port));
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return fd;
}

bool SendAll(int fd, const std::string& bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

// Appends what arrives before `deadline` to `buffer`; false on timeout or a closed connection.
bool ReadMore(int fd, std::string& buffer, absl::Time deadline) {
  const absl::Duration left = deadline - absl::Now();
  if (left <= absl::ZeroDuration()) return false;
  pollfd waiting{.fd = fd, .events = POLLIN, .revents = 0};
  if (::poll(&waiting, 1, static_cast<int>(absl::ToInt64Milliseconds(left)) + 1) <= 0) {
    return false;
  }
  char chunk[65536];
  ssize_t n = ::recv(fd, chunk, sizeof(chunk), 0);
  if (n <= 0) return false;
  buffer.append(chunk, static_cast<size_t>(n));
  return true;
}

}  // namespace

absl::StatusOr<std::unique_ptr<JanusProcess>> JanusProcess::Start(
    const JanusPaths& paths, const std::string& service_address) {
  absl::StatusOr<ScratchDir> dir = ScratchDir::Make("janus-plugin-it");
  if (!dir.ok()) return dir.status();
  const std::string root = dir->path();
  for (const char* folder : {"/conf", "/plugins", "/transports", "/events", "/loggers"}) {
    if (::mkdir((root + folder).c_str(), 0700) != 0) {
      return absl::InternalError(absl::StrCat("cannot make ", root, folder));
    }
  }
  if (::symlink(paths.plugin_library.c_str(), (root + "/plugins/libjanus_homework.so").c_str()) !=
          0 ||
      ::symlink((paths.transports_folder + "/libjanus_websockets.so").c_str(),
                (root + "/transports/libjanus_websockets.so").c_str()) != 0) {
    return absl::InternalError("cannot link the plugin and the WebSocket transport");
  }
  absl::StatusOr<int> port = FreePort();
  if (!port.ok()) return port.status();

  absl::Status written = WriteFile(root + "/conf/janus.jcfg", absl::StrCat(R"(general: {
  configs_folder = ")",
                                                                           root, R"(/conf"
  plugins_folder = ")",
                                                                           root, R"(/plugins"
  transports_folder = ")",
                                                                           root, R"(/transports"
  events_folder = ")",
                                                                           root, R"(/events"
  loggers_folder = ")",
                                                                           root, R"(/loggers"
  debug_level = 4
}
media: {}
nat: {}
plugins: {}
transports: {}
loggers: {}
events: {}
)"));
  if (written.ok()) {
    written =
        WriteFile(root + "/conf/janus.transport.websockets.jcfg",
                  absl::StrCat("general: {\n  json = \"compact\"\n  ws = true\n  ws_port = ", *port,
                               "\n  ws_ip = \"127.0.0.1\"\n  wss = false\n}\n"
                               "admin: {\n  admin_ws = false\n  admin_wss = false\n}\n"));
  }
  // The sample config, pointed at the service under test.
  const std::string sample = ReadFileOrEmpty(paths.plugin_sample_config);
  if (sample.find("service_address = \"127.0.0.1:50051\"") == std::string::npos) {
    return absl::FailedPreconditionError(
        absl::StrCat("no service_address line in ", paths.plugin_sample_config));
  }
  if (written.ok()) {
    written = WriteFile(root + "/conf/janus.plugin.homework.jcfg",
                        absl::StrReplaceAll(sample, {{"127.0.0.1:50051", service_address}}));
  }
  if (!written.ok()) return written;

  const std::string log_path = root + "/janus.log";
  absl::StatusOr<ChildProcess> child = ChildProcess::Start(
      {.argv = {paths.janus_binary, "-C", root + "/conf/janus.jcfg", "-F", root + "/conf", "-o"},
       .output = {.stdout_path = log_path, .stderr_path = log_path},
       .extra_env = {"GRPC_VERBOSITY=ERROR"}});
  if (!child.ok()) return child.status();
  auto janus = std::unique_ptr<JanusProcess>(
      new JanusProcess(*std::move(dir), log_path, *port, *std::move(child)));

  // Ready when the WebSocket transport answers a handshake.
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (absl::Now() < deadline) {
    if (absl::StatusOr<std::unique_ptr<JanusClient>> probe = JanusClient::Connect(*port);
        probe.ok()) {
      return janus;
    }
    if (janus->child_.WaitForExit(absl::Milliseconds(100)).ok()) {
      return absl::InternalError(absl::StrCat("janus exited at start-up:\n", janus->LogTail()));
    }
  }
  return absl::DeadlineExceededError(
      absl::StrCat("janus did not open its WebSocket port:\n", janus->LogTail()));
}

JanusProcess::~JanusProcess() {
  if (child_.running()) Stop().IgnoreError();
}

absl::Status JanusProcess::Stop(absl::Duration timeout) {
  if (!child_.running()) return absl::OkStatus();
  absl::StatusOr<int> exit_code = child_.Stop(timeout);
  if (!exit_code.ok()) return absl::DeadlineExceededError("janus did not stop on SIGTERM");
  if (*exit_code != 0) {
    return absl::InternalError(absl::StrCat("janus exited with ", *exit_code, ":\n", LogTail()));
  }
  return absl::OkStatus();
}

absl::Status JanusProcess::Kill() {
  if (!child_.running()) return absl::FailedPreconditionError("janus is not running");
  return child_.Stop(absl::Seconds(10), SIGKILL).status();
}

std::string JanusProcess::LogTail(int max_lines) const { return FileTail(log_path_, max_lines); }

absl::StatusOr<std::unique_ptr<JanusClient>> JanusClient::Connect(int port) {
  absl::StatusOr<int> fd = ConnectLoopback(port);
  if (!fd.ok()) return fd.status();
  auto client = std::unique_ptr<JanusClient>(new JanusClient(*fd));
  const std::string handshake =
      absl::StrCat("GET / HTTP/1.1\r\nHost: 127.0.0.1:", port,
                   "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                   "Sec-WebSocket-Protocol: janus-protocol\r\n\r\n");
  if (!SendAll(*fd, handshake)) return absl::UnavailableError("handshake not sent");
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  size_t end = std::string::npos;
  while ((end = client->buffer_.find("\r\n\r\n")) == std::string::npos) {
    if (!ReadMore(*fd, client->buffer_, deadline)) {
      return absl::UnavailableError("no handshake answer");
    }
  }
  if (client->buffer_.rfind("HTTP/1.1 101", 0) != 0) {
    return absl::UnavailableError(
        absl::StrCat("handshake refused: ", client->buffer_.substr(0, end)));
  }
  client->buffer_.erase(0, end + 4);
  return client;
}

JanusClient::~JanusClient() { ::close(fd_); }

absl::Status JanusClient::SendText(const std::string& text) {
  std::string frame;
  frame.push_back(static_cast<char>(0x81));  // FIN, text
  if (text.size() < 126) {
    frame.push_back(static_cast<char>(0x80 | text.size()));
  } else if (text.size() <= 0xFFFF) {
    frame.push_back(static_cast<char>(0x80 | 126));
    frame.push_back(static_cast<char>((text.size() >> 8) & 0xFF));
    frame.push_back(static_cast<char>(text.size() & 0xFF));
  } else {
    frame.push_back(static_cast<char>(0x80 | 127));
    for (int shift = 56; shift >= 0; shift -= 8) {
      frame.push_back(static_cast<char>((static_cast<uint64_t>(text.size()) >> shift) & 0xFF));
    }
  }
  static std::mt19937 random(std::random_device{}());
  char mask[4];
  for (char& byte : mask) byte = static_cast<char>(random() & 0xFF);
  frame.append(mask, 4);
  for (size_t i = 0; i < text.size(); ++i)
    frame.push_back(static_cast<char>(text[i] ^ mask[i % 4]));
  return SendAll(fd_, frame) ? absl::OkStatus() : absl::UnavailableError("send failed");
}

std::optional<std::string> JanusClient::ReadText(absl::Time deadline) {
  std::string message;
  while (true) {
    // Header: 2 bytes, then the extended length and the mask key when present.
    while (buffer_.size() < 2) {
      if (!ReadMore(fd_, buffer_, deadline)) return std::nullopt;
    }
    const auto byte = [this](size_t i) { return static_cast<uint8_t>(buffer_[i]); };
    const bool fin = (byte(0) & 0x80) != 0;
    const int opcode = byte(0) & 0x0F;
    const bool masked = (byte(1) & 0x80) != 0;
    uint64_t length = byte(1) & 0x7F;
    size_t header = 2;
    if (length == 126) header += 2;
    if (length == 127) header += 8;
    if (masked) header += 4;
    while (buffer_.size() < header) {
      if (!ReadMore(fd_, buffer_, deadline)) return std::nullopt;
    }
    if (length == 126) {
      length = (uint64_t{byte(2)} << 8) | byte(3);
    } else if (length == 127) {
      length = 0;
      for (int i = 0; i < 8; ++i) length = (length << 8) | byte(2 + static_cast<size_t>(i));
    }
    while (buffer_.size() < header + length) {
      if (!ReadMore(fd_, buffer_, deadline)) return std::nullopt;
    }
    std::string payload = buffer_.substr(header, length);
    if (masked) {
      for (size_t i = 0; i < payload.size(); ++i) payload[i] ^= buffer_[header - 4 + i % 4];
    }
    buffer_.erase(0, header + length);
    if (opcode == 0x8) return std::nullopt;  // close
    if (opcode == 0x9) {                     // ping: answer with a pong (masked, empty)
      std::string pong = {static_cast<char>(0x8A), static_cast<char>(0x80), 0, 0, 0, 0};
      SendAll(fd_, pong);
      continue;
    }
    if (opcode == 0xA) continue;  // pong
    message += payload;
    if (fin) return message;
  }
}

void JanusClient::File(const std::string& text) {
  json message = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (message.is_discarded()) return;
  if (message.value("janus", "") == "event" && message.contains("plugindata")) {
    events_.push_back(message["plugindata"]["data"]);
  } else {
    replies_.push_back(std::move(message));
  }
}

absl::StatusOr<json> JanusClient::Transact(json request, absl::Duration timeout) {
  const std::string transaction = absl::StrCat("t", next_transaction_++);
  request["transaction"] = transaction;
  if (absl::Status sent = SendText(request.dump()); !sent.ok()) return sent;
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    for (auto it = replies_.begin(); it != replies_.end(); ++it) {
      if (it->value("transaction", "") == transaction) {
        json reply = std::move(*it);
        replies_.erase(it);
        return reply;
      }
    }
    std::optional<std::string> text = ReadText(deadline);
    if (!text) {
      return absl::DeadlineExceededError(
          absl::StrCat("no Janus reply to ", request.value("janus", "?")));
    }
    File(*text);
  }
}

absl::Status JanusClient::CreateSessionAndAttach(const std::string& plugin) {
  absl::StatusOr<json> created = Transact(json{{"janus", "create"}}, absl::Seconds(5));
  if (!created.ok()) return created.status();
  if (created->value("janus", "") != "success") {
    return absl::InternalError(absl::StrCat("create: ", created->dump()));
  }
  session_id_ = (*created)["data"]["id"].get<uint64_t>();
  absl::StatusOr<json> attached = Transact(
      json{{"janus", "attach"}, {"session_id", session_id_}, {"plugin", plugin}}, absl::Seconds(5));
  if (!attached.ok()) return attached.status();
  if (attached->value("janus", "") != "success") {
    return absl::InternalError(absl::StrCat("attach: ", attached->dump()));
  }
  handle_id_ = (*attached)["data"]["id"].get<uint64_t>();
  return absl::OkStatus();
}

absl::Status JanusClient::SendBody(const json& body) {
  absl::StatusOr<json> reply = Transact(json{{"janus", "message"},
                                             {"session_id", session_id_},
                                             {"handle_id", handle_id_},
                                             {"body", body}},
                                        absl::Seconds(5));
  if (!reply.ok()) return reply.status();
  if (reply->value("janus", "") != "ack") {
    return absl::InternalError(absl::StrCat("message not acked: ", reply->dump()));
  }
  return absl::OkStatus();
}

std::optional<json> JanusClient::WaitFor(const std::function<bool(const json&)>& match,
                                         absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    for (auto it = events_.begin(); it != events_.end(); ++it) {
      if (match(*it)) {
        json event = std::move(*it);
        events_.erase(it);
        return event;
      }
    }
    std::optional<std::string> text = ReadText(deadline);
    if (!text) return std::nullopt;
    File(*text);
  }
}

std::optional<json> JanusClient::Request(json body, absl::Duration timeout) {
  const std::string id = absl::StrCat("r", next_id_++);
  body["id"] = id;
  if (!SendBody(body).ok()) return std::nullopt;
  return WaitFor([&id](const json& event) { return event.value("id", "") == id; }, timeout);
}

std::deque<json> JanusClient::Pending(absl::Duration settle) {
  const absl::Time deadline = absl::Now() + settle;
  while (std::optional<std::string> text = ReadText(deadline)) File(*text);
  return events_;
}

}  // namespace therapy::homework::testing
