#include "services/homework/client/call.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "grpcpp/generic/generic_stub.h"
#include "gtest/gtest.h"
#include "services/homework/client/methods.h"
#include "testing/status_matchers.h"

namespace therapy::homework::client {
namespace {

using ::therapy::homework::testing::StatusIs;

gpr_timespec Plus(gpr_timespec time, int64_t seconds) {
  return gpr_time_add(time, gpr_time_from_seconds(seconds, GPR_TIMESPAN));
}

// The deadline is on the monotonic clock, so no step of the wall clock moves it; a deadline made
// from absl::Now() or system_clock is on the realtime clock and fails the first check.
TEST(DeadlineAfterTest, IsTheTimeoutFromNowOnGrpcsMonotonicClock) {
  const gpr_timespec before = gpr_now(GPR_CLOCK_MONOTONIC);
  grpc::ClientContext context;
  context.set_deadline(DeadlineAfter(absl::Seconds(10)));
  const gpr_timespec after = gpr_now(GPR_CLOCK_MONOTONIC);

  const gpr_timespec deadline = context.raw_deadline();
  EXPECT_EQ(deadline.clock_type, GPR_CLOCK_MONOTONIC);
  EXPECT_GE(gpr_time_cmp(deadline, Plus(before, 10)), 0);
  EXPECT_LE(gpr_time_cmp(deadline, Plus(after, 10)), 0);
}

TEST(DeadlineAfterTest, AnInfiniteTimeoutIsNoDeadline) {
  grpc::ClientContext context;
  context.set_deadline(DeadlineAfter(absl::InfiniteDuration()));
  EXPECT_EQ(gpr_time_cmp(context.raw_deadline(), gpr_inf_future(GPR_CLOCK_MONOTONIC)), 0);
}

// A listening socket that is never accepted: TCP connects, HTTP/2 never answers.
class SilentListener {
 public:
  SilentListener() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    if (fd_ < 0 || bind(fd_, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
        listen(fd_, 16) != 0 ||
        getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      ADD_FAILURE() << "cannot listen on 127.0.0.1";
      return;
    }
    port_ = ntohs(address.sin_port);
  }
  ~SilentListener() {
    if (fd_ >= 0) close(fd_);
  }
  SilentListener(const SilentListener&) = delete;
  SilentListener& operator=(const SilentListener&) = delete;

  std::string address() const { return absl::StrCat("127.0.0.1:", port_); }

 private:
  int fd_ = -1;
  int port_ = 0;
};

TEST(DeadlineAfterTest, EndsACallThatGetsNoAnswer) {
  SilentListener listener;
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = OpenChannel(listener.address(), {});
  ASSERT_TRUE(channel.ok()) << channel.status();
  absl::StatusOr<const google::protobuf::MethodDescriptor*> method = FindMethod("GetClient");
  ASSERT_TRUE(method.ok()) << method.status();
  grpc::GenericStub stub(*channel);

  grpc::ClientContext context;
  context.set_wait_for_ready(true);
  context.set_deadline(DeadlineAfter(absl::Milliseconds(300)));
  const auto start = std::chrono::steady_clock::now();
  EXPECT_THAT(CallUnary(stub, context, **method, ""),
              StatusIs(absl::StatusCode::kDeadlineExceeded));
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_GE(took, std::chrono::milliseconds(250));
  EXPECT_LT(took, std::chrono::seconds(30));
}

}  // namespace
}  // namespace therapy::homework::client
