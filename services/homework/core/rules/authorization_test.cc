#include "services/homework/core/rules/authorization.h"

#include "gtest/gtest.h"
#include "testing/status_matchers.h"

namespace therapy::homework {
namespace {

using ::therapy::homework::testing::IsOk;
using ::therapy::homework::testing::StatusIs;

const ClientName kAna{"sunrise", "ana"};

Caller As(Role role, std::string subject = "someone", std::string practice = "sunrise") {
  return {std::move(subject), std::move(practice), role, "call"};
}

absl::StatusCode CodeOf(const absl::StatusOr<Grant>& grant) { return grant.status().code(); }

TEST(AuthorizationTest, AnotherPracticeIsDeniedForEveryRole) {
  for (Role role : {Role::kTherapist, Role::kClient, Role::kService, Role::kAdmin}) {
    EXPECT_EQ(CodeOf(Authorize(As(role, "ana", "moonrise"), Action::kReadClient, kAna)),
              absl::StatusCode::kPermissionDenied);
  }
}

TEST(AuthorizationTest, ClientReachesOnlyItself) {
  EXPECT_EQ(*Authorize(As(Role::kClient, "ana"), Action::kReadClient, kAna), Grant::kGranted);
  EXPECT_EQ(*Authorize(As(Role::kClient, "ana"), Action::kRecordCompletion, kAna), Grant::kGranted);
  EXPECT_EQ(CodeOf(Authorize(As(Role::kClient, "ben"), Action::kReadClient, kAna)),
            absl::StatusCode::kPermissionDenied);
}

TEST(AuthorizationTest, ClientNeverChangesAssignmentsOrReviews) {
  EXPECT_EQ(CodeOf(Authorize(As(Role::kClient, "ana"), Action::kWriteAssignment, kAna)),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(CodeOf(Authorize(As(Role::kClient, "ana"), Action::kReviewCompletion, kAna)),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(CodeOf(Authorize(As(Role::kClient, "ana"), Action::kManageClients, kAna)),
            absl::StatusCode::kPermissionDenied);
}

TEST(AuthorizationTest, TherapistNeedsTheCareTeam) {
  EXPECT_EQ(*Authorize(As(Role::kTherapist, "dr-lee"), Action::kWriteAssignment, kAna),
            Grant::kIfOnCareTeam);
  v1::Client ana;
  ana.add_care_team("dr-lee");
  EXPECT_THAT(AuthorizeCareTeam(As(Role::kTherapist, "dr-lee"), Action::kReadClient, kAna, &ana),
              IsOk());
  EXPECT_THAT(AuthorizeCareTeam(As(Role::kTherapist, "dr-kim"), Action::kReadClient, kAna, &ana),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(AuthorizeCareTeam(As(Role::kTherapist, "dr-lee"), Action::kReadClient, kAna, nullptr),
              StatusIs(absl::StatusCode::kPermissionDenied));
}

TEST(AuthorizationTest, ServiceManagesClientsButDoesNotAssignOrReview) {
  const Caller service = As(Role::kService, "scheduler");
  EXPECT_EQ(*Authorize(service, Action::kManageClients, kAna), Grant::kGranted);
  EXPECT_EQ(*Authorize(service, Action::kReadClient, kAna), Grant::kGranted);
  EXPECT_EQ(CodeOf(Authorize(service, Action::kWriteAssignment, kAna)),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(CodeOf(Authorize(service, Action::kReviewCompletion, kAna)),
            absl::StatusCode::kPermissionDenied);
}

TEST(AuthorizationTest, AdminManagesAndAssignsButDoesNotRecordCompletions) {
  const Caller admin = As(Role::kAdmin, "admin-1");
  EXPECT_EQ(*Authorize(admin, Action::kManageClients, kAna), Grant::kGranted);
  EXPECT_EQ(*Authorize(admin, Action::kWriteAssignment, kAna), Grant::kGranted);
  EXPECT_EQ(CodeOf(Authorize(admin, Action::kRecordCompletion, kAna)),
            absl::StatusCode::kPermissionDenied);
}

}  // namespace
}  // namespace therapy::homework
