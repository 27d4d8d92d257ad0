#include "services/homework/client/rpc_status.h"

#include <optional>
#include <string>

#include "gmock/gmock.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"
#include "services/homework/core/model/bad_request.h"
#include "testing/status_matchers.h"

namespace therapy::homework::client {
namespace {

using ::testing::ElementsAre;
using ::testing::FieldsAre;
using ::testing::IsEmpty;
using ::therapy::homework::testing::IsOk;
using ::therapy::homework::testing::StatusIs;

// An INVALID_ARGUMENT as the service sends it, a BadRequest with two fields, after a detail of
// another type.
grpc::Status InvalidClient() {
  google::rpc::BadRequest bad_request;
  auto* name = bad_request.add_field_violations();
  name->set_field("client.display_name");
  name->set_description("must not be empty");
  auto* zone = bad_request.add_field_violations();
  zone->set_field("client.time_zone");
  zone->set_description("must be an IANA time zone");
  google::protobuf::Timestamp other;  // a detail type the service does not send: left out
  other.set_seconds(1);
  google::rpc::Status details;
  details.set_code(3);
  details.set_message("invalid client");
  details.add_details()->PackFrom(other);
  details.add_details()->PackFrom(bad_request);
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "invalid client",
                      details.SerializeAsString());
}

TEST(FromGrpcStatusTest, KeepsCodeMessageAndTheBadRequestAsTheCoreDoes) {
  const absl::Status status = FromGrpcStatus(InvalidClient());
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument, "invalid client"));
  const std::optional<google::rpc::BadRequest> bad_request = BadRequestOf(status);
  ASSERT_TRUE(bad_request.has_value());
  ASSERT_EQ(bad_request->field_violations_size(), 2);
  EXPECT_EQ(bad_request->field_violations(1).field(), "client.time_zone");
}

TEST(FromGrpcStatusTest, OkIsOkAndNoDetailsIsNoPayload) {
  EXPECT_THAT(FromGrpcStatus(grpc::Status::OK), IsOk());
  const absl::Status denied =
      FromGrpcStatus(grpc::Status(grpc::StatusCode::PERMISSION_DENIED, "not your client"));
  EXPECT_THAT(denied, StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_FALSE(BadRequestOf(denied).has_value());
}

TEST(FromGrpcStatusTest, LedByWhatWasBeingDoneKeepsCodeAndFields) {
  const absl::Status status = FromGrpcStatus(InvalidClient(), "seed CreateClient");
  EXPECT_THAT(status,
              StatusIs(absl::StatusCode::kInvalidArgument, "seed CreateClient: invalid client"));
  EXPECT_THAT(FieldViolations(status), ::testing::SizeIs(2));
  EXPECT_THAT(FromGrpcStatus(grpc::Status::OK, "seed CreateClient"), IsOk());
}

TEST(FieldViolationsTest, ListsTheBadRequestFieldsInOrder) {
  EXPECT_THAT(FieldViolations(FromGrpcStatus(InvalidClient())),
              ElementsAre(FieldsAre("client.display_name", "must not be empty"),
                          FieldsAre("client.time_zone", "must be an IANA time zone")));
}

TEST(FieldViolationsTest, NoneWithoutDetailsOrWithUndecodableOnes) {
  EXPECT_THAT(FieldViolations(absl::InvalidArgumentError("bad")), IsEmpty());
  EXPECT_THAT(FieldViolations(FromGrpcStatus(
                  grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "bad", "\xff\xff"))),
              IsEmpty());
}

TEST(DescribeTest, CodeMessageThenFields) {
  EXPECT_EQ(Describe(FromGrpcStatus(InvalidClient())),
            "INVALID_ARGUMENT: invalid client\n"
            "  client.display_name: must not be empty\n"
            "  client.time_zone: must be an IANA time zone");
}

TEST(DescribeTest, WithoutDetailsIsOneLine) {
  EXPECT_EQ(
      Describe(FromGrpcStatus(grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "token expired"))),
      "UNAUTHENTICATED: token expired");
  EXPECT_EQ(Describe(absl::UnavailableError("")), "UNAVAILABLE");
}

}  // namespace
}  // namespace therapy::homework::client
