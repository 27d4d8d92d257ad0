// The urgent-flag lifecycle on the in-memory store, with a clock the tests move.

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/homework/core/homework.h"
#include "services/homework/core/model/flag_reasons.h"
#include "services/homework/core/model/proto_time.h"
#include "services/homework/core/rules/measure_scoring.h"
#include "services/homework/core/rules/validation.h"
#include "services/homework/storage/memory/memory_store.h"
#include "testing/status_matchers.h"
#include "therapy/homework/v1/homework_service.pb.h"

namespace therapy::homework {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using ::therapy::homework::testing::IsOk;
using ::therapy::homework::testing::StatusIs;

const absl::Time kStart = absl::FromUnixSeconds(1'795'000'000);
constexpr char kAna[] = "practices/sunrise/clients/ana";

Caller Service() { return {"platform-backend", "sunrise", Role::kService, "call-1"}; }
Caller Therapist(std::string subject = "dr-lee") {
  return {std::move(subject), "sunrise", Role::kTherapist, "call-2"};
}
Caller ClientCaller() { return {"ana", "sunrise", Role::kClient, "call-3"}; }
Caller Admin() { return {"office", "sunrise", Role::kAdmin, "call-4"}; }

class SafetyFlagsTest : public ::testing::Test {
 protected:
  SafetyFlagsTest()
      : homework_(store_, HomeworkOptions{
                              .now = [this] { return now_; },
                              .new_id = [this] { return "id" + std::to_string(++ids_); },
                              .practice_policy =
                                  [](absl::string_view practice) {
                                    PracticePolicy policy;
                                    // One practice escalates after 15 minutes; others keep 60.
                                    if (practice == "sunrise") {
                                      policy.flag_escalation_after = absl::Minutes(15);
                                    }
                                    return policy;
                                  },
                          }) {
    v1::CreateClientRequest request;
    request.set_parent("practices/sunrise");
    request.set_client_id("ana");
    request.mutable_client()->set_display_name("Ana");
    request.mutable_client()->set_time_zone("Europe/Berlin");
    request.mutable_client()->add_care_team("dr-lee");
    EXPECT_THAT(homework_.CreateClient(Service(), request), IsOk());
  }

  absl::StatusOr<v1::SafetyFlag> HelpNow(const Caller& caller = ClientCaller(),
                                         std::string note = "I can't stop the thoughts") {
    v1::RaiseSafetyFlagRequest request;
    request.set_parent(kAna);
    request.set_note(std::move(note));
    return homework_.RaiseSafetyFlag(caller, request);
  }

  absl::StatusOr<v1::SafetyFlag> Acknowledge(const v1::SafetyFlag& flag, const Caller& caller,
                                             std::string note = "Called Ana; safe at home") {
    v1::AcknowledgeSafetyFlagRequest request;
    request.set_name(flag.name());
    request.set_note(std::move(note));
    return homework_.AcknowledgeSafetyFlag(caller, request);
  }

  absl::StatusOr<v1::SafetyFlag> Resolve(const v1::SafetyFlag& flag, const Caller& caller,
                                         std::string note = "Safety plan reviewed in session") {
    v1::ResolveSafetyFlagRequest request;
    request.set_name(flag.name());
    request.set_note(std::move(note));
    return homework_.ResolveSafetyFlag(caller, request);
  }

  v1::SafetyFlag Stored(const v1::SafetyFlag& flag) {
    auto stored = store_.GetSafetyFlag(flag.name());
    EXPECT_TRUE(stored.ok() && stored->has_value());
    return stored.ok() && stored->has_value() ? **stored : v1::SafetyFlag();
  }

  std::vector<v1::Event::Type> EventTypes() {
    auto events = store_.ListEvents({.practice = "sunrise", .after_sequence = 0, .limit = 100});
    EXPECT_THAT(events, IsOk());
    std::vector<v1::Event::Type> types;
    for (const EventRecord& event : events.value_or(std::vector<EventRecord>{})) {
      types.push_back(event.type);
    }
    return types;
  }

  std::vector<std::string> AuditedActions(absl::string_view resource) {
    auto audit = store_.ListAudit(resource, 100);
    EXPECT_THAT(audit, IsOk());
    std::vector<std::string> actions;
    for (const AuditRecord& record : audit.value_or(std::vector<AuditRecord>{})) {
      actions.push_back(absl::StrCat(record.action, " ", record.actor, " ", record.outcome));
    }
    return actions;
  }

  absl::Time now_ = kStart;
  int ids_ = 0;
  MemoryStore store_;
  Homework homework_;
};

TEST_F(SafetyFlagsTest, TheClientAsksForHelpAndAnOpenFlagIsRaisedDueForEscalation) {
  auto flag = HelpNow();
  ASSERT_THAT(flag, IsOk());

  EXPECT_THAT(flag->name(), HasSubstr("practices/sunrise/clients/ana/safetyFlags/"));
  EXPECT_EQ(flag->state(), v1::SafetyFlag::STATE_OPEN);
  EXPECT_EQ(flag->source(), v1::SafetyFlag::SOURCE_CLIENT_REQUEST);
  EXPECT_EQ(flag->reason(), "The client asked for help now: I can't stop the thoughts");
  EXPECT_EQ(flag->coded_reason().code(), v1::FlagReason::CODE_CLIENT_ASKED_FOR_HELP);
  EXPECT_EQ(flag->coded_reason().client_words(), "I can't stop the thoughts");
  EXPECT_EQ(Stored(*flag).coded_reason().code(), v1::FlagReason::CODE_CLIENT_ASKED_FOR_HELP);
  EXPECT_EQ(flag->raised_by(), "ana");
  EXPECT_EQ(FromProtoTime(flag->raise_time()), kStart);
  EXPECT_EQ(FromProtoTime(flag->escalation_due_time()), kStart + absl::Minutes(15));
  EXPECT_FALSE(flag->has_escalate_time());
  EXPECT_THAT(EventTypes(), ElementsAre(v1::Event::TYPE_SAFETY_FLAG_RAISED));
  EXPECT_THAT(AuditedActions(flag->name()), ElementsAre("RaiseSafetyFlag ana OK"));
}

TEST_F(SafetyFlagsTest, AnotherPracticeKeepsTheDefaultSixtyMinutes) {
  PracticePolicy defaults;
  EXPECT_EQ(defaults.flag_escalation_after, absl::Minutes(60));
}

TEST_F(SafetyFlagsTest, APhq9AnswerWithItemNineAboveZeroRaisesAFlagInTheSameCommit) {
  v1::CreateAssignmentRequest create;
  create.set_parent(kAna);
  v1::Assignment& assignment = *create.mutable_assignment();
  assignment.set_title("PHQ-9");
  assignment.mutable_exercise()->set_kind(v1::EXERCISE_KIND_OUTCOME_MEASURE);
  assignment.mutable_exercise()->mutable_outcome_measure()->set_measure(v1::MEASURE_PHQ9);
  assignment.mutable_schedule()->set_target_count(1);
  assignment.mutable_schedule()->set_period(v1::Schedule::PERIOD_WEEK);
  assignment.mutable_schedule()->set_start_date("2026-11-23");
  assignment.mutable_schedule()->set_minimum_version("Answer quickly");
  auto created = homework_.CreateAssignment(Therapist(), create);
  ASSERT_THAT(created, IsOk());
  v1::ActivateAssignmentRequest activate;
  activate.set_name(created->name());
  ASSERT_THAT(homework_.ActivateAssignment(Therapist(), activate), IsOk());

  v1::CreateCompletionRequest record;
  record.set_parent(created->name());
  v1::Completion& answers = *record.mutable_completion();
  *answers.mutable_occur_time() = ToProtoTime(kStart - absl::Minutes(5));
  answers.set_occur_time_zone("Europe/Berlin");
  answers.set_status(v1::Completion::STATUS_DONE);
  for (int item : {1, 1, 0, 1, 0, 0, 0, 0, 1}) answers.mutable_measure()->add_item_scores(item);
  auto recorded = homework_.CreateCompletion(ClientCaller(), record);
  ASSERT_THAT(recorded, IsOk());

  v1::ListSafetyFlagsRequest list;
  list.set_parent(kAna);
  auto flags = homework_.ListSafetyFlags(Therapist(), list);
  ASSERT_THAT(flags, IsOk());
  ASSERT_THAT(flags->safety_flags(), SizeIs(1));
  const v1::SafetyFlag& flag = flags->safety_flags(0);
  EXPECT_EQ(flag.source(), v1::SafetyFlag::SOURCE_PHQ9_ITEM_9);
  EXPECT_EQ(flag.completion(), recorded->name());
  EXPECT_THAT(flag.reason(), HasSubstr("PHQ-9 item 9"));
  // The reason as a code with its figures, for each reader's panel to word in its language.
  const v1::FlagReason& why = flag.coded_reason();
  EXPECT_EQ(why.code(), v1::FlagReason::CODE_PHQ9_ITEM_9_ABOVE_THRESHOLD);
  EXPECT_EQ(why.measure(), v1::MEASURE_PHQ9);
  EXPECT_EQ(why.item(), 9);
  EXPECT_EQ(why.answer(), 1);
  EXPECT_EQ(why.threshold(), 0);
  EXPECT_EQ(why.total(), 4);
  EXPECT_EQ(why.client_words(), "");
  EXPECT_THAT(EventTypes(), ::testing::IsSupersetOf({v1::Event::TYPE_URGENT_FLAG_RAISED,
                                                     v1::Event::TYPE_SAFETY_FLAG_RAISED}));
}

TEST_F(SafetyFlagsTest, Phq9ItemNineAtZeroRaisesNoFlag) {
  v1::ListSafetyFlagsRequest list;
  list.set_parent(kAna);
  auto flags = homework_.ListSafetyFlags(Therapist(), list);
  ASSERT_THAT(flags, IsOk());
  EXPECT_THAT(flags->safety_flags(), IsEmpty());
}

TEST_F(SafetyFlagsTest, ACareTeamTherapistAcknowledgesAndResolvesWithNotes) {
  auto flag = HelpNow();
  ASSERT_THAT(flag, IsOk());
  now_ += absl::Minutes(4);
  auto acknowledged = Acknowledge(*flag, Therapist());
  ASSERT_THAT(acknowledged, IsOk());
  EXPECT_EQ(acknowledged->state(), v1::SafetyFlag::STATE_ACKNOWLEDGED);
  EXPECT_EQ(acknowledged->acknowledged_by(), "dr-lee");
  EXPECT_EQ(acknowledged->acknowledge_note(), "Called Ana; safe at home");
  EXPECT_EQ(FromProtoTime(acknowledged->acknowledge_time()), kStart + absl::Minutes(4));

  now_ += absl::Hours(20);
  auto resolved = Resolve(*acknowledged, Therapist());
  ASSERT_THAT(resolved, IsOk());
  EXPECT_EQ(resolved->state(), v1::SafetyFlag::STATE_RESOLVED);
  EXPECT_EQ(resolved->resolved_by(), "dr-lee");
  EXPECT_EQ(resolved->resolve_note(), "Safety plan reviewed in session");
  EXPECT_EQ(Stored(*flag).state(), v1::SafetyFlag::STATE_RESOLVED);

  EXPECT_THAT(EventTypes(), ElementsAre(v1::Event::TYPE_SAFETY_FLAG_RAISED,
                                        v1::Event::TYPE_SAFETY_FLAG_ACKNOWLEDGED,
                                        v1::Event::TYPE_SAFETY_FLAG_RESOLVED));
  EXPECT_THAT(AuditedActions(flag->name()),
              ElementsAre("RaiseSafetyFlag ana OK", "AcknowledgeSafetyFlag dr-lee OK",
                          "ResolveSafetyFlag dr-lee OK"));
}

TEST_F(SafetyFlagsTest, TheClientCanNeitherAcknowledgeNorResolveNorReadFlags) {
  auto flag = HelpNow();
  ASSERT_THAT(flag, IsOk());

  EXPECT_THAT(Acknowledge(*flag, ClientCaller()), StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(Resolve(*flag, ClientCaller()), StatusIs(absl::StatusCode::kPermissionDenied));
  v1::GetSafetyFlagRequest get;
  get.set_name(flag->name());
  EXPECT_THAT(homework_.GetSafetyFlag(ClientCaller(), get),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_EQ(Stored(*flag).state(), v1::SafetyFlag::STATE_OPEN);
  // The refusals are audited.
  EXPECT_THAT(AuditedActions(kAna),
              ::testing::Contains("AcknowledgeSafetyFlag ana PERMISSION_DENIED"));
  EXPECT_THAT(AuditedActions(kAna), ::testing::Contains("ResolveSafetyFlag ana PERMISSION_DENIED"));
}

TEST_F(SafetyFlagsTest, ATherapistOutsideTheCareTeamIsRefusedWhetherOrNotTheFlagExists) {
  auto flag = HelpNow();
  ASSERT_THAT(flag, IsOk());
  v1::SafetyFlag missing = *flag;
  missing.set_name("practices/sunrise/clients/ana/safetyFlags/nosuchflag");

  EXPECT_THAT(Acknowledge(*flag, Therapist("dr-who")),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(Acknowledge(missing, Therapist("dr-who")),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(Acknowledge(missing, Therapist()), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(SafetyFlagsTest, AnAdminResolvesButOnlyATherapistAcknowledges) {
  auto flag = HelpNow();
  ASSERT_THAT(flag, IsOk());
  EXPECT_THAT(Acknowledge(*flag, Admin()), StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(Acknowledge(*flag, Service()), StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(Resolve(*flag, Service()), StatusIs(absl::StatusCode::kPermissionDenied));
  auto resolved = Resolve(*flag, Admin());
  ASSERT_THAT(resolved, IsOk());
  EXPECT_EQ(resolved->resolved_by(), "office");
}

TEST_F(SafetyFlagsTest, NotesAreRequiredAndStatesOnlyMoveForward) {
  auto flag = HelpNow();
  ASSERT_THAT(flag, IsOk());
  absl::Status blank = Acknowledge(*flag, Therapist(), " \t").status();
  EXPECT_THAT(blank, StatusIs(absl::StatusCode::kInvalidArgument));
  ASSERT_TRUE(BadRequestOf(blank));
  EXPECT_EQ(BadRequestOf(blank)->field_violations(0).field(), "note");

  auto resolved = Resolve(*flag, Therapist());
  ASSERT_THAT(resolved, IsOk());
  EXPECT_THAT(Acknowledge(*resolved, Therapist()), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(Resolve(*resolved, Therapist()), StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_F(SafetyFlagsTest, AStaleEtagIsAborted) {
  auto flag = HelpNow();
  ASSERT_THAT(flag, IsOk());
  v1::AcknowledgeSafetyFlagRequest request;
  request.set_name(flag->name());
  request.set_etag("stale");
  request.set_note("Called");
  EXPECT_THAT(homework_.AcknowledgeSafetyFlag(Therapist(), request),
              StatusIs(absl::StatusCode::kAborted));
}

TEST_F(SafetyFlagsTest, AFlagEscalatesAtItsDueTimeAndNotAMomentBefore) {
  auto flag = HelpNow();
  ASSERT_THAT(flag, IsOk());

  now_ = kStart + absl::Minutes(15) - absl::Seconds(1);
  auto early = homework_.EscalateDueSafetyFlags();
  ASSERT_THAT(early, IsOk());
  EXPECT_EQ(*early, 0);
  EXPECT_FALSE(Stored(*flag).has_escalate_time());

  now_ = kStart + absl::Minutes(15);
  auto due = homework_.EscalateDueSafetyFlags();
  ASSERT_THAT(due, IsOk());
  EXPECT_EQ(*due, 1);
  const v1::SafetyFlag escalated = Stored(*flag);
  EXPECT_EQ(FromProtoTime(escalated.escalate_time()), kStart + absl::Minutes(15));
  // Escalation marks the flag; it never acknowledges or resolves it.
  EXPECT_EQ(escalated.state(), v1::SafetyFlag::STATE_OPEN);
  EXPECT_THAT(EventTypes(), ElementsAre(v1::Event::TYPE_SAFETY_FLAG_RAISED,
                                        v1::Event::TYPE_SAFETY_FLAG_ESCALATED));
  EXPECT_THAT(AuditedActions(flag->name()),
              ElementsAre("RaiseSafetyFlag ana OK", "EscalateSafetyFlag homework-service OK"));

  // Once only.
  now_ += absl::Hours(3);
  auto again = homework_.EscalateDueSafetyFlags();
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(*again, 0);

  // An escalated flag is still acknowledged by the care team.
  auto acknowledged = Acknowledge(escalated, Therapist());
  ASSERT_THAT(acknowledged, IsOk());
  EXPECT_TRUE(acknowledged->has_escalate_time());
}

TEST_F(SafetyFlagsTest, AFlagAcknowledgedInTimeNeverEscalates) {
  auto flag = HelpNow();
  ASSERT_THAT(flag, IsOk());
  now_ = kStart + absl::Minutes(14);
  ASSERT_THAT(Acknowledge(*flag, Therapist()), IsOk());

  now_ = kStart + absl::Hours(2);
  auto escalated = homework_.EscalateDueSafetyFlags();
  ASSERT_THAT(escalated, IsOk());
  EXPECT_EQ(*escalated, 0);
  EXPECT_FALSE(Stored(*flag).has_escalate_time());
}

TEST_F(SafetyFlagsTest, ListFiltersByStateNewestFirst) {
  auto first = HelpNow();
  now_ += absl::Minutes(1);
  auto second = HelpNow();
  ASSERT_THAT(first, IsOk());
  ASSERT_THAT(second, IsOk());
  ASSERT_THAT(Acknowledge(*first, Therapist()), IsOk());

  v1::ListSafetyFlagsRequest all;
  all.set_parent(kAna);
  auto listed = homework_.ListSafetyFlags(Therapist(), all);
  ASSERT_THAT(listed, IsOk());
  ASSERT_THAT(listed->safety_flags(), SizeIs(2));
  EXPECT_EQ(listed->safety_flags(0).name(), second->name());

  v1::ListSafetyFlagsRequest open = all;
  open.add_states(v1::SafetyFlag::STATE_OPEN);
  listed = homework_.ListSafetyFlags(Service(), open);
  ASSERT_THAT(listed, IsOk());
  ASSERT_THAT(listed->safety_flags(), SizeIs(1));
  EXPECT_EQ(listed->safety_flags(0).name(), second->name());

  open.add_states(v1::SafetyFlag::STATE_UNSPECIFIED);
  EXPECT_THAT(homework_.ListSafetyFlags(Service(), open),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(homework_.ListSafetyFlags(ClientCaller(), all),
              StatusIs(absl::StatusCode::kPermissionDenied));
}

TEST_F(SafetyFlagsTest, ARetriedRequestReturnsTheFirstFlag) {
  v1::RaiseSafetyFlagRequest request;
  request.set_parent(kAna);
  request.set_request_id("7a0c6f0e-offline-1");
  auto first = homework_.RaiseSafetyFlag(ClientCaller(), request);
  auto again = homework_.RaiseSafetyFlag(ClientCaller(), request);
  ASSERT_THAT(first, IsOk());
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(first->name(), again->name());
  EXPECT_THAT(EventTypes(), ElementsAre(v1::Event::TYPE_SAFETY_FLAG_RAISED));
}

TEST_F(SafetyFlagsTest, AClientRaisesOnlyItsOwnFlagAndATherapistNone) {
  Caller other{"bea", "sunrise", Role::kClient, "call-9"};
  EXPECT_THAT(HelpNow(other), StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(HelpNow(Therapist()), StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(HelpNow(Service(), ""), IsOk());
}

TEST(FlagReasonTest, EachPhq9ItemNineAnswerAboveZeroIsCodedWithItsFigures) {
  for (int answer : {0, 1, 2, 3}) {
    v1::MeasureResponse response;
    for (int item : {3, 3, 3, 2, 2, 1, 1, 0}) response.add_item_scores(item);
    response.add_item_scores(answer);
    ASSERT_THAT(ScoreMeasureResponse(v1::MEASURE_PHQ9, response), IsOk());
    const v1::FlagReason reason = MeasureFlagReason(response);
    if (answer == 0) {
      EXPECT_FALSE(response.urgent());
      EXPECT_EQ(reason.code(), v1::FlagReason::CODE_UNSPECIFIED);
      EXPECT_EQ(FlagReasonText(reason), "");
      continue;
    }
    EXPECT_EQ(reason.code(), v1::FlagReason::CODE_PHQ9_ITEM_9_ABOVE_THRESHOLD) << answer;
    EXPECT_EQ(reason.item(), 9);
    EXPECT_EQ(reason.answer(), answer);
    EXPECT_EQ(reason.threshold(), 0);
    EXPECT_EQ(reason.total(), 15 + answer);
  }
}

TEST(FlagReasonTest, TheEnglishTextSaysTheItemTheAnswerTheThresholdAndTheTotal) {
  v1::FlagReason reason;
  reason.set_code(v1::FlagReason::CODE_PHQ9_ITEM_9_ABOVE_THRESHOLD);
  reason.set_measure(v1::MEASURE_PHQ9);
  reason.set_item(9);
  reason.set_answer(2);
  reason.set_threshold(0);
  reason.set_total(14);
  EXPECT_EQ(FlagReasonText(reason),
            "PHQ-9 item 9 (\"Thoughts that you would be better off dead or of hurting yourself in "
            "some way\") answered 2 (\"More than half the days\"), above 0; total 14: review with "
            "the client now");
  // Figures out of range still say it is urgent: never an empty reason for a flag.
  reason.set_answer(7);
  EXPECT_EQ(FlagReasonText(reason),
            "PHQ-9 answer marked urgent when it was recorded: review with the client now");
}

TEST(FlagReasonTest, AnUrgentAnswerWhoseItemsAreGoneIsStillCodedUrgent) {
  v1::MeasureResponse response;
  response.set_measure(v1::MEASURE_PHQ9);
  response.set_urgent(true);
  response.set_total(12);
  const v1::FlagReason reason = MeasureFlagReason(response);
  EXPECT_EQ(reason.code(), v1::FlagReason::CODE_MEASURE_MARKED_URGENT);
  EXPECT_EQ(reason.measure(), v1::MEASURE_PHQ9);
  EXPECT_EQ(reason.total(), 12);
  EXPECT_EQ(reason.item(), 0);
}

TEST(FlagReasonTest, AClientRequestWithoutWordsIsCodedWithoutWords) {
  const v1::FlagReason reason = ClientRequestFlagReason("");
  EXPECT_EQ(reason.code(), v1::FlagReason::CODE_CLIENT_ASKED_FOR_HELP);
  EXPECT_EQ(reason.client_words(), "");
  EXPECT_EQ(FlagReasonText(reason), "The client asked for help now");
}

TEST(SafetyFlagEventsTest, FlagEventsReachStaffAndTheCareTeamButNeverTheClient) {
  v1::Client ana;
  ana.set_name(kAna);
  ana.add_care_team("dr-lee");
  const WatchScope client{
      .caller = ClientCaller(), .practice = "sunrise", .client = ClientName{"sunrise", "ana"}};
  const WatchScope therapist{.caller = Therapist(), .practice = "sunrise", .therapist = "dr-lee"};
  const WatchScope service{.caller = Service(), .practice = "sunrise"};
  for (v1::Event::Type type :
       {v1::Event::TYPE_SAFETY_FLAG_RAISED, v1::Event::TYPE_SAFETY_FLAG_ACKNOWLEDGED,
        v1::Event::TYPE_SAFETY_FLAG_RESOLVED, v1::Event::TYPE_SAFETY_FLAG_ESCALATED}) {
    const EventRecord event{.practice = "sunrise",
                            .client = kAna,
                            .type = type,
                            .resource = std::string(kAna) + "/safetyFlags/f1"};
    EXPECT_EQ(SeeEvent(client, event, &ana), EventVisibility::kHidden) << type;
    EXPECT_EQ(SeeEvent(therapist, event, &ana), EventVisibility::kShown) << type;
    EXPECT_EQ(SeeEvent(service, event, &ana), EventVisibility::kShown) << type;
  }
  const EventRecord completion{
      .practice = "sunrise", .client = kAna, .type = v1::Event::TYPE_COMPLETION_RECORDED};
  EXPECT_EQ(SeeEvent(client, completion, &ana), EventVisibility::kShown);
}

}  // namespace
}  // namespace therapy::homework
