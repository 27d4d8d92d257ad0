#include "services/homework/connect/connect_errors.h"

#include <string>

#include "absl/strings/escaping.h"
#include "gtest/gtest.h"
#include "services/homework/connect/connect_routes.h"
#include "services/homework/core/rules/validation.h"
#include "testing/status_matchers.h"

namespace therapy::homework {
namespace {

using ::therapy::homework::testing::IsOk;
using ::therapy::homework::testing::StatusIs;

TEST(ConnectErrorsTest, CodesAndHttpStatusesFollowTheConnectTable) {
  struct Row {
    absl::StatusCode code;
    const char* name;
    int http_status;
  };
  const Row table[] = {
      {absl::StatusCode::kCancelled, "canceled", 499},
      {absl::StatusCode::kUnknown, "unknown", 500},
      {absl::StatusCode::kInvalidArgument, "invalid_argument", 400},
      {absl::StatusCode::kDeadlineExceeded, "deadline_exceeded", 504},
      {absl::StatusCode::kNotFound, "not_found", 404},
      {absl::StatusCode::kAlreadyExists, "already_exists", 409},
      {absl::StatusCode::kPermissionDenied, "permission_denied", 403},
      {absl::StatusCode::kResourceExhausted, "resource_exhausted", 429},
      {absl::StatusCode::kFailedPrecondition, "failed_precondition", 400},
      {absl::StatusCode::kAborted, "aborted", 409},
      {absl::StatusCode::kOutOfRange, "out_of_range", 400},
      {absl::StatusCode::kUnimplemented, "unimplemented", 501},
      {absl::StatusCode::kInternal, "internal", 500},
      {absl::StatusCode::kUnavailable, "unavailable", 503},
      {absl::StatusCode::kDataLoss, "data_loss", 500},
      {absl::StatusCode::kUnauthenticated, "unauthenticated", 401},
  };
  for (const Row& row : table) {
    EXPECT_EQ(ConnectCodeName(row.code), row.name) << absl::StatusCodeToString(row.code);
    EXPECT_EQ(ConnectHttpStatus(row.code), row.http_status) << row.name;
  }
}

TEST(ConnectErrorsTest, PlainErrorHasCodeAndMessageOnly) {
  ConnectErrorResponse error =
      ToConnectError(absl::AbortedError("etag \"abc\" is stale for clients/c1"));
  EXPECT_EQ(error.http_status, 409);
  const nlohmann::json body = nlohmann::json::parse(error.body);
  EXPECT_EQ(body, (nlohmann::json{{"code", "aborted"},
                                  {"message", "etag \"abc\" is stale for clients/c1"}}));
}

TEST(ConnectErrorsTest, BadRequestPayloadBecomesUnpaddedBase64Detail) {
  const absl::Status status = InvalidField("client.time_zone", "\"Mars/Base\" is not an IANA zone");
  ConnectErrorResponse error = ToConnectError(status);
  EXPECT_EQ(error.http_status, 400);
  const nlohmann::json body = nlohmann::json::parse(error.body);
  EXPECT_EQ(body["code"], "invalid_argument");
  ASSERT_EQ(body["details"].size(), 1u);
  const nlohmann::json& detail = body["details"][0];
  EXPECT_EQ(detail["type"], "google.rpc.BadRequest");
  const std::string value = detail["value"];
  EXPECT_EQ(value.find('='), std::string::npos);

  std::string bytes;
  ASSERT_TRUE(absl::Base64Unescape(value, &bytes));
  google::rpc::BadRequest decoded;
  ASSERT_TRUE(decoded.ParseFromString(bytes));
  ASSERT_EQ(decoded.field_violations_size(), 1);
  EXPECT_EQ(decoded.field_violations(0).field(), "client.time_zone");
  EXPECT_EQ(detail["debug"]["fieldViolations"][0]["field"], "client.time_zone");
}

TEST(ConnectFramingTest, EnvelopeIsFlagThenBigEndianLength) {
  const std::string frame = ConnectEnvelope(kConnectEndStreamFlag, "{}");
  EXPECT_EQ(frame, std::string("\x02\x00\x00\x00\x02{}", 7));
  absl::StatusOr<std::string> payload = ConnectUnenvelope(ConnectEnvelope(0, "{\"a\":1}"));
  ASSERT_THAT(payload, IsOk());
  EXPECT_EQ(*payload, "{\"a\":1}");
  EXPECT_THAT(ConnectUnenvelope("abc"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ConnectUnenvelope(ConnectEnvelope(0, "xy") + "z"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ConnectUnenvelope(ConnectEnvelope(kConnectCompressedFlag, "xy")),
              StatusIs(absl::StatusCode::kUnimplemented));
}

TEST(GrpcWebTrailersTest, StatusAndPercentEncodedMessage) {
  EXPECT_EQ(GrpcWebTrailers(absl::OkStatus()), "grpc-status: 0\r\n");
  EXPECT_EQ(GrpcWebTrailers(absl::NotFoundError("no 100% client\n")),
            "grpc-status: 5\r\ngrpc-message: no 100%25 client%0A\r\n");
}

}  // namespace
}  // namespace therapy::homework
