#include "services/homework/client/call.h"

#include <unistd.h>

#include <chrono>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "grpcpp/generic/generic_stub.h"
#include "gtest/gtest.h"
#include "services/homework/client/methods.h"
#include "testing/loopback.h"
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

TEST(DeadlineAfterTest, EndsACallThatGetsNoAnswer) {
  int port = 0;
  const int listener = testing::ListenLoopback(port);  // never answers
  ASSERT_GE(listener, 0);
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel =
      OpenChannel(absl::StrCat("127.0.0.1:", port), {});
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
  close(listener);
}

}  // namespace
}  // namespace therapy::homework::client
