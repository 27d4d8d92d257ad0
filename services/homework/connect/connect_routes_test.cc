#include "services/homework/connect/connect_routes.h"

#include "gtest/gtest.h"
#include "testing/status_matchers.h"

namespace therapy::homework {
namespace {

using ::therapy::homework::testing::IsOk;
using ::therapy::homework::testing::StatusIs;

const absl::Time kStart = absl::FromUnixSeconds(1790000000);

TEST(ConnectDeadlineTest, NoHeaderMeansNoDeadline) {
  absl::StatusOr<std::optional<absl::Time>> deadline = ConnectDeadline("", kStart);
  ASSERT_THAT(deadline, IsOk());
  EXPECT_FALSE(deadline->has_value());
}

TEST(ConnectDeadlineTest, MillisecondsAfterTheStart) {
  absl::StatusOr<std::optional<absl::Time>> deadline = ConnectDeadline("1500", kStart);
  ASSERT_THAT(deadline, IsOk());
  EXPECT_EQ(**deadline, kStart + absl::Milliseconds(1500));
  // Ten digits is the most the protocol allows: about 115 days.
  deadline = ConnectDeadline("9999999999", kStart);
  ASSERT_THAT(deadline, IsOk());
  EXPECT_EQ(**deadline, kStart + absl::Milliseconds(9999999999));
}

TEST(ConnectDeadlineTest, ZeroHasAlreadyPassed) {
  absl::StatusOr<std::optional<absl::Time>> deadline = ConnectDeadline("0", kStart);
  ASSERT_THAT(deadline, IsOk());
  EXPECT_EQ(**deadline, kStart);
}

TEST(ConnectDeadlineTest, AnythingButOneToTenDigitsIsInvalidArgumentNamingTheHeader) {
  for (const char* bad : {"soon", "-1", "+5", " 5", "1.5", "12345678901", "1e3"}) {
    absl::StatusOr<std::optional<absl::Time>> deadline = ConnectDeadline(bad, kStart);
    EXPECT_THAT(deadline, StatusIs(absl::StatusCode::kInvalidArgument)) << bad;
    EXPECT_NE(deadline.status().message().find("Connect-Timeout-Ms"), absl::string_view::npos)
        << deadline.status();
  }
}

TEST(ConnectEnvelopeTest, RoundTripsOneFrame) {
  const std::string frame = ConnectEnvelope(0, R"({"parent":"practices/p"})");
  EXPECT_EQ(frame.size(), 5u + 24u);
  absl::StatusOr<std::string> payload = ConnectUnenvelope(frame);
  ASSERT_THAT(payload, IsOk());
  EXPECT_EQ(*payload, R"({"parent":"practices/p"})");
}

TEST(ConnectEnvelopeTest, CompressedFrameIsUnimplemented) {
  const std::string frame = ConnectEnvelope(kConnectCompressedFlag, "x");
  EXPECT_THAT(ConnectUnenvelope(frame), StatusIs(absl::StatusCode::kUnimplemented));
}

TEST(ConnectGetTest, OnlyMethodsMarkedNoSideEffectsInTheProtoTakeGet) {
  for (const char* read : {"GetClient", "ListAssignments", "GetReviewSummary", "GetCaller",
                           "ExportClientRecord", "GetPracticeCalendar", "ListDueReminders"}) {
    EXPECT_TRUE(ConnectRoutes::IsSideEffectFree(read)) << read;
  }
  for (const char* write : {"CreateClient", "UpdateAssignment", "CreateCompletion",
                            "AdvanceHierarchy", "WatchEvents", "NoSuchMethod"}) {
    EXPECT_FALSE(ConnectRoutes::IsSideEffectFree(write)) << write;
  }
}

TEST(GrpcTimeoutTest, UnitsBecomeMilliseconds) {
  EXPECT_EQ(*GrpcTimeoutAsMilliseconds(""), "");
  EXPECT_EQ(*GrpcTimeoutAsMilliseconds("1500m"), "1500");
  EXPECT_EQ(*GrpcTimeoutAsMilliseconds("2S"), "2000");
  EXPECT_EQ(*GrpcTimeoutAsMilliseconds("1M"), "60000");
  EXPECT_EQ(*GrpcTimeoutAsMilliseconds("1u"), "1");
  for (const char* bad : {"5", "S", "123456789S", "5x", "-1S"}) {
    absl::StatusOr<std::string> parsed = GrpcTimeoutAsMilliseconds(bad);
    EXPECT_THAT(parsed, StatusIs(absl::StatusCode::kInvalidArgument)) << bad;
  }
}

}  // namespace
}  // namespace therapy::homework
