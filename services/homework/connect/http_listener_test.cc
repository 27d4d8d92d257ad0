#include "services/homework/connect/http_listener.h"

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "testing/status_matchers.h"

namespace therapy::homework {
namespace {

using ::therapy::homework::testing::IsOk;

// Every request may run inline; /slow takes 1.5 s, anything else answers at once.
class SlowAndFast final : public HttpHandler {
 public:
  HttpAnswer Handle(HttpRequest request) override {
    if (request.Path() == "/slow") {
      ++slow_running;
      absl::SleepFor(absl::Milliseconds(1500));
      --slow_running;
    }
    return HttpResponse{.headers = {{"Content-Type", "text/plain"}}, .body = "done"};
  }
  HttpResponse Refuse(int http_status, const absl::Status& status) override {
    return HttpResponse{.status = http_status, .body = std::string(status.message())};
  }
  bool RunsInline(const HttpRequest&) const override { return true; }

  std::atomic<int> slow_running{0};
};

// Sends `count` GET /slow on their own connections, and returns once the handler runs them all.
std::vector<std::thread> StartSlowRequests(int port, int count, const SlowAndFast& handler) {
  std::vector<std::thread> slow;
  for (int i = 0; i < count; ++i) {
    slow.emplace_back([port] {
      httplib::Client http("127.0.0.1", port);
      http.set_read_timeout(10, 0);
      httplib::Result result = http.Get("/slow");
      EXPECT_TRUE(result && result->status == 200);
    });
  }
  const absl::Time until = absl::Now() + absl::Seconds(1);
  while (handler.slow_running.load() < count && absl::Now() < until) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  return slow;
}

// GET /fast on a new connection: true when answered "done" within a second (a slow request
// takes 1.5 s).
bool FastAnswer(int port) {
  const absl::Time start = absl::Now();
  httplib::Client http("127.0.0.1", port);
  http.set_read_timeout(10, 0);
  httplib::Result result = http.Get("/fast");
  return result && result->status == 200 && result->body == "done" &&
         absl::Now() - start < absl::Seconds(1);
}

// Two slow requests that both ask to run inline, on a listener with two I/O threads and one
// inline slot: one runs on an I/O thread, the other goes to the blocking pool, and the second
// I/O thread keeps answering new connections meanwhile (were both slow requests inline, no
// thread would read the quick ones for 1.5 s).
TEST(HttpListenerTest, SlowInlineRequestsNeverTakeEveryIoThread) {
  SlowAndFast handler;
  absl::StatusOr<std::unique_ptr<HttpListener>> listener = HttpListener::Start(
      HttpListenerOptions{.io_threads = 2, .blocking_threads = 4, .inline_threads = 1}, handler);
  ASSERT_THAT(listener, IsOk());
  const int port = (*listener)->port();
  std::vector<std::thread> slow = StartSlowRequests(port, 2, handler);
  ASSERT_EQ(handler.slow_running.load(), 2);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(FastAnswer(port)) << i;
  EXPECT_EQ(handler.slow_running.load(), 2);  // the quick ones did not wait for them
  for (std::thread& thread : slow) thread.join();
  (*listener)->Shutdown(absl::Seconds(1));
}

// With one I/O thread nothing runs inline, whatever the handler says: a slow request leaves
// the only I/O thread free.
TEST(HttpListenerTest, OneIoThreadRunsNothingInline) {
  SlowAndFast handler;
  absl::StatusOr<std::unique_ptr<HttpListener>> listener = HttpListener::Start(
      HttpListenerOptions{.io_threads = 1, .blocking_threads = 2, .inline_threads = 1}, handler);
  ASSERT_THAT(listener, IsOk());
  const int port = (*listener)->port();
  std::vector<std::thread> slow = StartSlowRequests(port, 1, handler);
  ASSERT_EQ(handler.slow_running.load(), 1);
  EXPECT_TRUE(FastAnswer(port));
  EXPECT_EQ(handler.slow_running.load(), 1);
  for (std::thread& thread : slow) thread.join();
  (*listener)->Shutdown(absl::Seconds(1));
}

}  // namespace
}  // namespace therapy::homework
