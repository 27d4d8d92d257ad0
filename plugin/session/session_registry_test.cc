#include "plugin/session/session_registry.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing/status_matchers.h"

namespace therapy::homework::live_session {
namespace {

namespace v1 = ::therapy::homework::v1;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::Not;
using ::therapy::homework::testing::IsOk;
using ::therapy::homework::testing::StatusIs;

constexpr char kSession[] = "practices/demo/sessions/tele-1";
constexpr char kClient[] = "practices/demo/clients/alex";
constexpr HandleId kAda = 1;
constexpr HandleId kAlex = 2;

Membership Member(HandleId handle, const std::string& subject, Role role) {
  return {.session = kSession,
          .client = kClient,
          .participant = {.handle = handle, .subject = subject, .role = role, .display = subject},
          .token = subject + "-token"};
}
Membership Ada() { return Member(kAda, "dr-ada", Role::kTherapist); }
Membership Alex() { return Member(kAlex, "alex", Role::kClient); }

TEST(SessionRegistryTest, JoinReturnsEveryoneInTheSessionInJoinOrder) {
  SessionRegistry registry;
  absl::StatusOr<SessionMembers> first = registry.Join(Ada());
  ASSERT_THAT(first, IsOk());
  EXPECT_THAT(first->participants, ElementsAre(Field(&Participant::subject, "dr-ada")));

  absl::StatusOr<SessionMembers> second = registry.Join(Alex());
  ASSERT_THAT(second, IsOk());
  EXPECT_EQ(second->session, kSession);
  EXPECT_THAT(second->participants, ElementsAre(Field(&Participant::subject, "dr-ada"),
                                                Field(&Participant::subject, "alex")));

  // Another session on the same Janus is apart.
  Membership elsewhere = Ada();
  elsewhere.session = "practices/demo/sessions/tele-2";
  elsewhere.participant.handle = 3;
  absl::StatusOr<SessionMembers> other = registry.Join(elsewhere);
  ASSERT_THAT(other, IsOk());
  EXPECT_EQ(other->participants.size(), 1u);
}

TEST(SessionRegistryTest, AHandleJoinsOnce) {
  SessionRegistry registry;
  ASSERT_THAT(registry.Join(Ada()), IsOk());
  Membership again = Ada();
  again.session = "practices/demo/sessions/tele-2";
  EXPECT_THAT(registry.Join(again), StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST(SessionRegistryTest, FindGivesTheMembershipAndItsCurrentToken) {
  SessionRegistry registry;
  EXPECT_THAT(registry.Find(kAlex), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(registry.ReplaceToken(kAlex, "t"), StatusIs(absl::StatusCode::kFailedPrecondition));

  ASSERT_THAT(registry.Join(Alex()), IsOk());
  ASSERT_THAT(registry.ReplaceToken(kAlex, "fresh-token"), IsOk());
  absl::StatusOr<Membership> found = registry.Find(kAlex);
  ASSERT_THAT(found, IsOk());
  EXPECT_EQ(found->session, kSession);
  EXPECT_EQ(found->client, kClient);
  EXPECT_EQ(found->participant.role, Role::kClient);
  EXPECT_EQ(found->token, "fresh-token");
}

TEST(SessionRegistryTest, LeaveReturnsWhoRemainsAndForgetsTheHandle) {
  SessionRegistry registry;
  ASSERT_THAT(registry.Join(Ada()), IsOk());
  ASSERT_THAT(registry.Join(Alex()), IsOk());

  std::optional<SessionMembers> remaining = registry.Leave(kAlex);
  ASSERT_TRUE(remaining);
  EXPECT_THAT(remaining->participants, ElementsAre(Field(&Participant::subject, "dr-ada")));
  EXPECT_THAT(registry.Find(kAlex), Not(IsOk()));
  EXPECT_FALSE(registry.Leave(kAlex)) << "a handle in no session leaves nothing";

  // The last one out empties the session; a later join starts from nobody.
  std::optional<SessionMembers> empty = registry.Leave(kAda);
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->participants.empty());
  absl::StatusOr<SessionMembers> rejoined = registry.Join(Alex());
  ASSERT_THAT(rejoined, IsOk());
  EXPECT_THAT(rejoined->participants, ElementsAre(Field(&Participant::subject, "alex")));
}

TEST(ShouldRelayTest, UrgentFlagsGoToTheTherapistOnly) {
  v1::Event completion;
  completion.set_client(kClient);
  completion.set_type(v1::Event::TYPE_COMPLETION_RECORDED);
  v1::Event urgent = completion;
  urgent.set_type(v1::Event::TYPE_URGENT_FLAG_RAISED);

  EXPECT_TRUE(ShouldRelay(Role::kClient, kClient, completion));
  EXPECT_TRUE(ShouldRelay(Role::kTherapist, kClient, completion));
  EXPECT_TRUE(ShouldRelay(Role::kTherapist, kClient, urgent));
  EXPECT_FALSE(ShouldRelay(Role::kClient, kClient, urgent));
}

TEST(ShouldRelayTest, EventsOfAnotherClientAreNeverRelayed) {
  v1::Event other;
  other.set_client("practices/demo/clients/sam");
  other.set_type(v1::Event::TYPE_ASSIGNMENT_UPDATED);
  EXPECT_FALSE(ShouldRelay(Role::kTherapist, kClient, other));
  EXPECT_FALSE(ShouldRelay(Role::kClient, kClient, other));
}

}  // namespace
}  // namespace therapy::homework::live_session
