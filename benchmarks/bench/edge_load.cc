#include "benchmarks/bench/edge_load.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "testing/loopback.h"

namespace therapy::bench {
namespace {

constexpr char kSlowStart[] =
    "POST /therapy.homework.v1.HomeworkService/GetCaller HTTP/1.1\r\nHost: bench\r\nX-";

using ::therapy::homework::testing::ConnectLoopback;

bool SendAll(int fd, const std::string& bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

absl::Status Unavailable(const std::string& what) {
  return absl::UnavailableError(
      absl::StrCat(what, ": ", std::strerror(errno), " (raise ulimit -n for many connections)"));
}

}  // namespace

absl::StatusOr<std::unique_ptr<HeldConnections>> HeldConnections::Open(
    int port, int idle, int slow, absl::Duration slow_interval) {
  std::unique_ptr<HeldConnections> held(new HeldConnections(port, slow_interval));
  for (int i = 0; i < idle; ++i) {
    const int fd = ConnectLoopback(port);
    if (fd < 0) return Unavailable(absl::StrCat("idle connection ", i));
    held->idle_.push_back(fd);
  }
  for (int i = 0; i < slow; ++i) {
    const int fd = ConnectLoopback(port);
    if (fd < 0 || !SendAll(fd, kSlowStart)) return Unavailable(absl::StrCat("slow connection ", i));
    held->slow_.push_back(fd);
  }
  held->dripper_ = std::thread([raw = held.get()] { raw->Drip(); });
  return held;
}

void HeldConnections::Drip() {
  while (!stop_.load()) {
    for (int& fd : slow_) {
      if (stop_.load()) return;
      if (fd >= 0 && SendAll(fd, "a")) continue;
      if (fd >= 0) close(fd);
      fd = ConnectLoopback(port_);
      if (fd >= 0 && SendAll(fd, kSlowStart)) ++reopened_;
    }
    const absl::Time until = absl::Now() + slow_interval_;
    while (!stop_.load() && absl::Now() < until) absl::SleepFor(absl::Milliseconds(50));
  }
}

HeldConnections::~HeldConnections() {
  stop_.store(true);
  if (dripper_.joinable()) dripper_.join();
  for (int fd : idle_) close(fd);
  for (int fd : slow_) {
    if (fd >= 0) close(fd);
  }
}

absl::StatusOr<std::unique_ptr<BrowserWatchStreams>> BrowserWatchStreams::Open(
    int port, int count, const std::string& parent, const std::string& authorization) {
  auto streams = std::make_unique<BrowserWatchStreams>();
  const std::string payload = absl::StrCat(R"({"parent":")", parent, R"("})");
  std::string frame(1, '\0');
  const auto size = static_cast<uint32_t>(payload.size());
  for (int shift = 24; shift >= 0; shift -= 8) frame.push_back(static_cast<char>(size >> shift));
  frame += payload;
  const std::string request = absl::StrCat(
      "POST /therapy.homework.v1.HomeworkService/WatchEvents HTTP/1.1\r\nHost: bench\r\n"
      "Content-Type: application/connect+json\r\nAuthorization: ",
      authorization, "\r\nContent-Length: ", frame.size(), "\r\n\r\n", frame);
  // In batches, each started once the last has its heads: every start is an audited read on
  // the server's blocking pool, whose queue refuses a burst beyond its bound (503).
  constexpr int kBatch = 1000;
  const absl::Time deadline = absl::Now() + absl::Seconds(180);
  for (int first = 0; first < count; first += kBatch) {
    const size_t batch_start = streams->sockets_.size();
    for (int i = first; i < std::min(count, first + kBatch); ++i) {
      const int fd = ConnectLoopback(port);
      if (fd < 0 || !SendAll(fd, request)) return Unavailable(absl::StrCat("watch stream ", i));
      streams->sockets_.push_back(fd);
    }
    for (size_t i = batch_start; i < streams->sockets_.size(); ++i) {
      const int fd = streams->sockets_[i];
      std::string head;
      while (head.find("\r\n\r\n") == std::string::npos) {
        const int64_t left = absl::ToInt64Milliseconds(deadline - absl::Now());
        pollfd readable{.fd = fd, .events = POLLIN, .revents = 0};
        if (left <= 0 || poll(&readable, 1, static_cast<int>(left)) <= 0) {
          return absl::DeadlineExceededError("watch streams did not all start within 180 s");
        }
        char buffer[1024];
        const ssize_t n = recv(fd, buffer, sizeof(buffer), 0);
        if (n <= 0) return absl::UnavailableError("a watch stream was closed before its head");
        head.append(buffer, static_cast<size_t>(n));
      }
      if (head.find(" 200 ") == std::string::npos ||
          head.find("X-Watch-Cursor") == std::string::npos) {
        return absl::InternalError(
            absl::StrCat("a watch stream did not start: ", head.substr(0, 200)));
      }
    }
  }
  return streams;
}

BrowserWatchStreams::~BrowserWatchStreams() {
  for (int fd : sockets_) close(fd);
}

}  // namespace therapy::bench
