#include "plugin/janus/session_registry.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace therapy::homework::janus_plugin {
namespace {

namespace v1 = ::therapy::homework::v1;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;

constexpr char kClient[] = "practices/demo/clients/alex";
constexpr HandleId kAda = 1;
constexpr HandleId kAlex = 2;

v1::Assignment Breathing() {
  v1::Assignment assignment;
  assignment.set_title("Paced breathing");
  assignment.mutable_exercise()->set_instructions("Breathe in for 4, out for 6.");
  v1::Schedule* schedule = assignment.mutable_schedule();
  schedule->set_target_count(1);
  schedule->set_period(v1::Schedule::PERIOD_DAY);
  schedule->set_start_date("2026-11-27");
  schedule->set_preferred_local_time("08:00");
  return assignment;
}

class SessionRegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(registry_
                    .Join("tele-1", kClient,
                          {.handle = kAda,
                           .subject = "dr-ada",
                           .role = Role::kTherapist,
                           .display = "Dr Ada"},
                          "ada-token")
                    .ok());
    ASSERT_TRUE(
        registry_
            .Join("tele-1", kClient,
                  {.handle = kAlex, .subject = "alex", .role = Role::kClient, .display = "Alex"},
                  "alex-token")
            .ok());
  }

  // Dr Ada creates the breathing draft; its id.
  std::string CreateDraft() {
    DraftOutcome created = registry_.ChangeDraft(kAda, {.assignment = Breathing()});
    EXPECT_TRUE(created.status.ok()) << created.status;
    return created.draft ? created.draft->id : "";
  }

  SessionRegistry registry_;
};

TEST_F(SessionRegistryTest, JoinReturnsTheRosterAndBindsTheSessionToItsClient) {
  std::optional<SessionMembers> members = registry_.Members(kAlex);
  ASSERT_TRUE(members);
  EXPECT_THAT(members->participants, ElementsAre(Field(&Participant::subject, "dr-ada"),
                                                 Field(&Participant::subject, "alex")));

  absl::StatusOr<JoinOutcome> other_client =
      registry_.Join("tele-1", "practices/demo/clients/sam",
                     {.handle = 3, .subject = "dr-bo", .role = Role::kTherapist}, "t");
  EXPECT_EQ(other_client.status().code(), absl::StatusCode::kFailedPrecondition);

  absl::StatusOr<JoinOutcome> again =
      registry_.Join("tele-2", kClient, {.handle = kAda, .subject = "dr-ada"}, "t");
  EXPECT_EQ(again.status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(SessionRegistryTest, ALaterJoinSeesOpenDrafts) {
  const std::string id = CreateDraft();
  ASSERT_TRUE(registry_.Leave(kAlex));
  absl::StatusOr<JoinOutcome> rejoined = registry_.Join(
      "tele-1", kClient, {.handle = 4, .subject = "alex", .role = Role::kClient}, "t");
  ASSERT_TRUE(rejoined.ok()) << rejoined.status();
  ASSERT_EQ(rejoined->drafts.size(), 1u);
  EXPECT_EQ(rejoined->drafts[0].id, id);
  EXPECT_EQ(rejoined->drafts[0].version, 1);
}

TEST_F(SessionRegistryTest, OnlyTheTherapistCreatesDrafts) {
  DraftOutcome by_client = registry_.ChangeDraft(kAlex, {.assignment = Breathing()});
  EXPECT_EQ(by_client.status.code(), absl::StatusCode::kPermissionDenied);
}

TEST_F(SessionRegistryTest, ClientAmendsItsOwnPlanAndEveryoneIsTold) {
  const std::string id = CreateDraft();
  v1::Assignment amended = Breathing();
  amended.mutable_schedule()->set_preferred_local_time("07:30");
  amended.mutable_schedule()->mutable_habit_anchor()->set_client_words("after brushing my teeth");
  amended.mutable_schedule()->set_minimum_version("three slow breaths");
  amended.mutable_schedule()->mutable_if_then_plan()->set_situation("I brush my teeth");
  amended.mutable_schedule()->mutable_if_then_plan()->set_action("breathe slowly five times");
  DraftOutcome changed =
      registry_.ChangeDraft(kAlex, {.id = id, .version = 1, .assignment = amended});
  ASSERT_TRUE(changed.status.ok()) << changed.status;
  EXPECT_EQ(changed.draft->version, 2);
  EXPECT_EQ(changed.draft->updated_by_subject, "alex");
  EXPECT_EQ(changed.draft->assignment.schedule().preferred_local_time(), "07:30");
  EXPECT_EQ(changed.draft->assignment.schedule().if_then_plan().action(), "breathe slowly five times");
  EXPECT_EQ(changed.members.participants.size(), 2u);
}

TEST_F(SessionRegistryTest, ClientChangingAForbiddenFieldIsRefusedNamingIt) {
  const std::string id = CreateDraft();
  v1::Assignment amended = Breathing();
  amended.mutable_schedule()->set_start_date("2026-12-01");
  DraftOutcome changed =
      registry_.ChangeDraft(kAlex, {.id = id, .version = 1, .assignment = amended});
  EXPECT_EQ(changed.status.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(changed.status.message(), HasSubstr("draft.assignment.schedule.startDate"));

  v1::Assignment retitled = Breathing();
  retitled.set_title("Something else");
  changed = registry_.ChangeDraft(kAlex, {.id = id, .version = 1, .assignment = retitled});
  EXPECT_THAT(changed.status.message(), HasSubstr("draft.assignment.title"));
}

TEST_F(SessionRegistryTest, TherapistMayChangeAnyField) {
  const std::string id = CreateDraft();
  v1::Assignment retitled = Breathing();
  retitled.set_title("Box breathing");
  DraftOutcome changed =
      registry_.ChangeDraft(kAda, {.id = id, .version = 1, .assignment = retitled});
  EXPECT_TRUE(changed.status.ok()) << changed.status;
}

TEST_F(SessionRegistryTest, StaleVersionIsAbortedWithTheCurrentDraft) {
  const std::string id = CreateDraft();
  v1::Assignment amended = Breathing();
  amended.mutable_schedule()->set_preferred_local_time("07:30");
  ASSERT_TRUE(
      registry_.ChangeDraft(kAlex, {.id = id, .version = 1, .assignment = amended}).status.ok());
  DraftOutcome stale =
      registry_.ChangeDraft(kAda, {.id = id, .version = 1, .assignment = Breathing()});
  EXPECT_EQ(stale.status.code(), absl::StatusCode::kAborted);
  ASSERT_TRUE(stale.draft);
  EXPECT_EQ(stale.draft->version, 2);
  EXPECT_EQ(stale.draft->assignment.schedule().preferred_local_time(), "07:30");
}

TEST_F(SessionRegistryTest, OnlyTheTherapistAssignsDiscardsAndEnds) {
  const std::string id = CreateDraft();
  EXPECT_EQ(registry_.DraftToAssign(kAlex, id).status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(registry_.Discard(kAlex, id).status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(registry_.End(kAlex, absl::Now()).status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_TRUE(registry_.DraftToAssign(kAda, id).ok());
  EXPECT_EQ(registry_.DraftToAssign(kAda, "d-99").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(SessionRegistryTest, EndSummarisesAndLaterRequestsFailPrecondition) {
  const std::string assigned = CreateDraft();
  CreateDraft();  // left open: discarded by End
  v1::Assignment made = Breathing();
  made.set_name("practices/demo/clients/alex/assignments/a1");
  ASSERT_TRUE(registry_.Assigned(kAda, assigned, made).ok());
  registry_.Reviewed(kAda, "practices/demo/clients/alex/assignments/a0/completions/c3");

  auto ended = registry_.End(kAda, absl::FromUnixSeconds(1000));
  ASSERT_TRUE(ended.ok()) << ended.status();
  const SessionSummary& summary = ended->first;
  ASSERT_EQ(summary.assigned.size(), 1u);
  EXPECT_EQ(summary.assigned[0].name, "practices/demo/clients/alex/assignments/a1");
  EXPECT_EQ(summary.assigned[0].title, "Paced breathing");
  EXPECT_THAT(summary.reviewed,
              ElementsAre("practices/demo/clients/alex/assignments/a0/completions/c3"));
  EXPECT_EQ(summary.drafts_discarded, 1);
  EXPECT_EQ(ended->second.participants.size(), 2u);

  EXPECT_EQ(registry_.Find(kAlex).status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(registry_.ChangeDraft(kAda, {.assignment = Breathing()}).status.code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(SessionRegistryTest, LeaveTellsTheOthersAndTheLastOneEndsTheSession) {
  std::optional<SessionMembers> remaining = registry_.Leave(kAlex);
  ASSERT_TRUE(remaining);
  EXPECT_THAT(remaining->participants, ElementsAre(Field(&Participant::subject, "dr-ada")));
  EXPECT_FALSE(registry_.Leave(kAlex)) << "a second leave is a no-op";
  ASSERT_TRUE(registry_.Leave(kAda));
  // The session is gone: another client may use its id now.
  EXPECT_TRUE(registry_
                  .Join("tele-1", "practices/demo/clients/sam",
                        {.handle = 5, .subject = "dr-ada", .role = Role::kTherapist}, "t")
                  .ok());
}

TEST(FieldClientMayNotChangeTest, NamesOnlyFieldsOutsideTheClientsPlan) {
  v1::Assignment before = Breathing();
  v1::Assignment after = before;
  after.mutable_schedule()->set_environmental_cue("sticky note on the mirror");
  after.mutable_schedule()->mutable_habit_anchor()->set_when(v1::EVENT_TIMING_BREAKFAST);
  EXPECT_EQ(FieldClientMayNotChange(before, after), "");
  after.mutable_schedule()->set_target_count(3);
  EXPECT_EQ(FieldClientMayNotChange(before, after), "schedule.targetCount");
  after = before;
  after.mutable_exercise()->set_instructions("Hold your breath");
  EXPECT_EQ(FieldClientMayNotChange(before, after), "exercise");
}

TEST(ShouldRelayTest, UrgentFlagsGoToTheTherapistOnly) {
  v1::Event urgent;
  urgent.set_type(v1::Event::TYPE_URGENT_FLAG_RAISED);
  urgent.set_client(kClient);
  EXPECT_TRUE(ShouldRelay(Role::kTherapist, kClient, urgent));
  EXPECT_FALSE(ShouldRelay(Role::kClient, kClient, urgent));

  v1::Event completion;
  completion.set_type(v1::Event::TYPE_COMPLETION_RECORDED);
  completion.set_client(kClient);
  EXPECT_TRUE(ShouldRelay(Role::kTherapist, kClient, completion));
  EXPECT_TRUE(ShouldRelay(Role::kClient, kClient, completion));
  completion.set_client("practices/demo/clients/sam");
  EXPECT_FALSE(ShouldRelay(Role::kTherapist, kClient, completion))
      << "another client's events stay out of this session";
}

}  // namespace
}  // namespace therapy::homework::janus_plugin
