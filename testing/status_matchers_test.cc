#include "testing/status_matchers.h"

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace therapy::homework::testing {
namespace {

using ::testing::AllOf;
using ::testing::Gt;
using ::testing::HasSubstr;
using ::testing::Not;

absl::StatusOr<int> Seven() { return 7; }
absl::StatusOr<int> MissingClient() { return absl::NotFoundError("no client clients/sam"); }

TEST(IsOkTest, MatchesOkStatusAndOkStatusOr) {
  EXPECT_THAT(absl::OkStatus(), IsOk());
  EXPECT_THAT(Seven(), IsOk());
}

TEST(IsOkTest, RefusesAnErrorAndSaysWhichStatus) {
  EXPECT_THAT(absl::InternalError("disk"), Not(IsOk()));
  EXPECT_THAT(MissingClient(), Not(IsOk()));
  EXPECT_NONFATAL_FAILURE(EXPECT_THAT(MissingClient(), IsOk()), "NOT_FOUND: no client clients/sam");
}

TEST(StatusIsTest, MatchesTheCodeOfStatusAndStatusOr) {
  EXPECT_THAT(absl::InvalidArgumentError("page_size: -1"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(MissingClient(), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(Seven(), StatusIs(absl::StatusCode::kOk));
  EXPECT_THAT(absl::OkStatus(), StatusIs(absl::StatusCode::kOk, ""));
}

TEST(StatusIsTest, RefusesAnotherCode) {
  EXPECT_THAT(MissingClient(), Not(StatusIs(absl::StatusCode::kPermissionDenied)));
  EXPECT_THAT(Seven(), Not(StatusIs(absl::StatusCode::kNotFound)));
  EXPECT_NONFATAL_FAILURE(
      EXPECT_THAT(MissingClient(), StatusIs(absl::StatusCode::kPermissionDenied)),
      "which has status NOT_FOUND: no client clients/sam");
}

TEST(StatusIsTest, MatchesTheMessageWithAMatcherOrAString) {
  EXPECT_THAT(MissingClient(), StatusIs(absl::StatusCode::kNotFound, HasSubstr("clients/sam")));
  EXPECT_THAT(MissingClient(), StatusIs(absl::StatusCode::kNotFound, "no client clients/sam"));
  EXPECT_THAT(MissingClient(),
              Not(StatusIs(absl::StatusCode::kNotFound, HasSubstr("clients/alex"))));
  // The right message under the wrong code is no match either.
  EXPECT_THAT(MissingClient(),
              Not(StatusIs(absl::StatusCode::kInternal, HasSubstr("clients/sam"))));
  EXPECT_NONFATAL_FAILURE(EXPECT_THAT(MissingClient(), StatusIs(absl::StatusCode::kNotFound,
                                                                HasSubstr("clients/alex"))),
                          "clients/alex");
}

TEST(IsOkAndHoldsTest, MatchesTheValueOfAnOkStatusOr) {
  EXPECT_THAT(Seven(), IsOkAndHolds(7));
  EXPECT_THAT(Seven(), IsOkAndHolds(AllOf(Gt(5), Not(8))));
  EXPECT_THAT(absl::StatusOr<std::string>("sam"), IsOkAndHolds(HasSubstr("am")));
}

TEST(IsOkAndHoldsTest, RefusesAnotherValueOrAnError) {
  EXPECT_THAT(Seven(), Not(IsOkAndHolds(8)));
  EXPECT_THAT(MissingClient(), Not(IsOkAndHolds(::testing::_)));
  EXPECT_NONFATAL_FAILURE(EXPECT_THAT(Seven(), IsOkAndHolds(8)), "is OK and has a value that");
  EXPECT_NONFATAL_FAILURE(EXPECT_THAT(MissingClient(), IsOkAndHolds(7)),
                          "which has status NOT_FOUND");
}

TEST(AssertThatTest, StopsTheTestOnAnError) {
  EXPECT_FATAL_FAILURE(ASSERT_THAT(MissingClient(), IsOk()), "NOT_FOUND");
}

}  // namespace
}  // namespace therapy::homework::testing
