// The urgent-flag lifecycle over real gRPC against the real homework-server binary: a PHQ-9
// answer with item 9 above zero raises a flag that the therapist's stream shows within a second;
// nobody acknowledges it, so after the configured time (2 s here, 60 min by default) the service
// watcher receives the escalation; a care-team therapist acknowledges it and resolves it, each
// with a note; the client can do neither, and its own stream never shows a flag event.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <google/protobuf/util/time_util.h>

#include <initializer_list>
#include <memory>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "integration-tests/event_watch.h"
#include "integration-tests/rpc_test_support.h"
#include "integration-tests/server_process.h"
#include "testing/status_matchers.h"

namespace therapy::homework::testing {
namespace {

using ::google::protobuf::util::TimeUtil;
using ::therapy::homework::testing::IsOk;

constexpr char kPractice[] = "clinic-a";
constexpr char kPracticeName[] = "practices/clinic-a";
constexpr char kZone[] = "Europe/Berlin";
constexpr absl::Duration kEscalateAfter = absl::Seconds(2);

absl::Time ToTime(const google::protobuf::Timestamp& timestamp) {
  return absl::FromUnixSeconds(timestamp.seconds()) + absl::Nanoseconds(timestamp.nanos());
}

std::string Describe(const std::optional<v1::Event>& event) {
  if (!event) return "no event";
  return absl::StrCat(v1::Event::Type_Name(event->type()), " ", event->resource());
}

// The next event of `type`, skipping others, or nullopt after `timeout`.
std::optional<v1::Event> NextOfType(EventWatch& watch, v1::Event::Type type,
                                    absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    std::optional<v1::Event> event = watch.Next(deadline - absl::Now());
    if (event && event->type() == type) return event;
  }
  return std::nullopt;
}

class SafetyFlagFlowTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<ServerProcess>> started =
        ServerProcess::Start({.extra_flags = {absl::StrCat("--flag_escalation_after=",
                                                           absl::FormatDuration(kEscalateAfter)),
                                              "--flag_escalation_check=100ms"}});
    ASSERT_THAT(started, IsOk());
    server_ = *std::move(started);
    stub_ = server_->NewStub();
    platform_ = server_->Token("platform-backend", "service", kPractice);
    dr_ada_ = server_->Token("dr-ada", "therapist", kPractice);
    dr_bo_ = server_->Token("dr-bo", "therapist", kPractice);
    alex_ = server_->Token("alex", "client", kPractice);

    v1::CreateClientRequest client;
    client.set_parent(kPracticeName);
    client.set_client_id("alex");
    client.mutable_client()->set_display_name("Alex Brandt");
    client.mutable_client()->set_time_zone(kZone);
    client.mutable_client()->add_care_team("dr-ada");
    ASSERT_RPC_OK(Call(*stub_, &Stub::CreateClient, platform_, client, &alex_client_));

    v1::CreateAssignmentRequest create;
    create.set_parent(alex_client_.name());
    create.set_template_("templates/phq-9");
    create.mutable_assignment()->mutable_schedule()->set_start_date(DayIn(kZone));
    v1::Assignment draft;
    ASSERT_RPC_OK(Call(*stub_, &Stub::CreateAssignment, dr_ada_, create, &draft));
    v1::ActivateAssignmentRequest activate;
    activate.set_name(draft.name());
    ASSERT_RPC_OK(Call(*stub_, &Stub::ActivateAssignment, dr_ada_, activate, &phq9_));
  }

  std::unique_ptr<EventWatch> Watch(const std::string& token, const std::string& client = "") {
    v1::WatchEventsRequest request;
    request.set_parent(kPracticeName);
    request.set_client(client);
    auto watch = std::make_unique<EventWatch>(*stub_, token, request);
    EXPECT_TRUE(watch->Live().has_value()) << "a watch never went live\n" << server_->StderrTail();
    return watch;
  }

  grpc::Status Acknowledge(const std::string& token, const std::string& name,
                           const std::string& note, v1::SafetyFlag* flag) {
    v1::AcknowledgeSafetyFlagRequest request;
    request.set_name(name);
    request.set_note(note);
    return Call(*stub_, &Stub::AcknowledgeSafetyFlag, token, request, flag);
  }

  grpc::Status Resolve(const std::string& token, const std::string& name, const std::string& note,
                       v1::SafetyFlag* flag) {
    v1::ResolveSafetyFlagRequest request;
    request.set_name(name);
    request.set_note(note);
    return Call(*stub_, &Stub::ResolveSafetyFlag, token, request, flag);
  }

  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<Stub> stub_;
  std::string platform_, dr_ada_, dr_bo_, alex_;
  v1::Client alex_client_;
  v1::Assignment phq9_;
};

TEST_F(SafetyFlagFlowTest, Phq9ItemNineRaisesAFlagThatEscalatesUntilTheCareTeamActs) {
  std::unique_ptr<EventWatch> therapist = Watch(dr_ada_);
  std::unique_ptr<EventWatch> on_call = Watch(platform_);
  std::unique_ptr<EventWatch> client = Watch(alex_, alex_client_.name());

  // Item 9: "several days".
  v1::CreateCompletionRequest record;
  record.set_parent(phq9_.name());
  v1::Completion& answers = *record.mutable_completion();
  *answers.mutable_occur_time() = TimeUtil::SecondsToTimestamp(absl::ToUnixSeconds(absl::Now()));
  answers.set_occur_time_zone(kZone);
  answers.set_status(v1::Completion::STATUS_DONE);
  for (int item : {2, 2, 1, 1, 2, 1, 1, 1, 1}) answers.mutable_measure()->add_item_scores(item);
  v1::Completion recorded;
  ASSERT_RPC_OK(Call(*stub_, &Stub::CreateCompletion, alex_, record, &recorded));
  const absl::Time answered_at = absl::Now();

  // The therapist's stream shows the flag within a second.
  std::optional<v1::Event> raised =
      NextOfType(*therapist, v1::Event::TYPE_SAFETY_FLAG_RAISED, absl::Seconds(1));
  ASSERT_TRUE(raised) << "no TYPE_SAFETY_FLAG_RAISED within 1 s\n" << server_->StderrTail();
  EXPECT_LT(absl::Now() - answered_at, absl::Seconds(1));
  EXPECT_EQ(raised->client(), alex_client_.name());
  const std::string flag_name = raised->resource();
  EXPECT_THAT(flag_name, ::testing::StartsWith(alex_client_.name() + "/safetyFlags/"));

  v1::GetSafetyFlagRequest get;
  get.set_name(flag_name);
  v1::SafetyFlag flag;
  ASSERT_RPC_OK(Call(*stub_, &Stub::GetSafetyFlag, dr_ada_, get, &flag));
  EXPECT_EQ(flag.state(), v1::SafetyFlag::STATE_OPEN);
  EXPECT_EQ(flag.source(), v1::SafetyFlag::SOURCE_PHQ9_ITEM_9);
  EXPECT_EQ(flag.completion(), recorded.name());
  EXPECT_EQ(ToTime(flag.escalation_due_time()) - ToTime(flag.raise_time()), kEscalateAfter);

  // Nobody acknowledges it: the on-call (service) watcher gets the escalation after the
  // configured time, not before.
  std::optional<v1::Event> escalated =
      NextOfType(*on_call, v1::Event::TYPE_SAFETY_FLAG_ESCALATED, absl::Seconds(5));
  ASSERT_TRUE(escalated) << "no escalation within 5 s\n" << server_->StderrTail();
  const absl::Duration waited = absl::Now() - answered_at;
  EXPECT_GE(waited, kEscalateAfter - absl::Milliseconds(100));
  EXPECT_LT(waited, kEscalateAfter + absl::Seconds(2));
  EXPECT_EQ(escalated->resource(), flag_name);
  EXPECT_EQ(escalated->actor(), "homework-service");
  ASSERT_RPC_OK(Call(*stub_, &Stub::GetSafetyFlag, platform_, get, &flag));
  EXPECT_TRUE(flag.has_escalate_time());
  EXPECT_EQ(flag.state(), v1::SafetyFlag::STATE_OPEN);

  // The client can neither acknowledge nor resolve it.
  v1::SafetyFlag refused;
  EXPECT_EQ(Acknowledge(alex_, flag_name, "I am fine now", &refused).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Resolve(alex_, flag_name, "I am fine now", &refused).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // Nor can a therapist outside the care team.
  EXPECT_EQ(Acknowledge(dr_bo_, flag_name, "Seen", &refused).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  v1::SafetyFlag acknowledged;
  ASSERT_RPC_OK(
      Acknowledge(dr_ada_, flag_name, "Phoned Alex; safe with partner tonight", &acknowledged));
  EXPECT_EQ(acknowledged.state(), v1::SafetyFlag::STATE_ACKNOWLEDGED);
  EXPECT_EQ(acknowledged.acknowledged_by(), "dr-ada");
  EXPECT_TRUE(acknowledged.has_escalate_time());
  ASSERT_TRUE(NextOfType(*on_call, v1::Event::TYPE_SAFETY_FLAG_ACKNOWLEDGED, absl::Seconds(2)));

  v1::SafetyFlag resolved;
  ASSERT_RPC_OK(Resolve(dr_ada_, flag_name, "Safety plan updated in session", &resolved));
  EXPECT_EQ(resolved.state(), v1::SafetyFlag::STATE_RESOLVED);
  EXPECT_EQ(resolved.resolve_note(), "Safety plan updated in session");
  std::optional<v1::Event> closed =
      NextOfType(*therapist, v1::Event::TYPE_SAFETY_FLAG_RESOLVED, absl::Seconds(2));
  ASSERT_TRUE(closed) << Describe(closed);
  EXPECT_EQ(closed->actor(), "dr-ada");

  // The client's stream showed its completion and nothing about the flag.
  while (std::optional<v1::Event> event = client->Next(absl::Milliseconds(300))) {
    EXPECT_NE(event->type(), v1::Event::TYPE_SAFETY_FLAG_RAISED) << Describe(event);
    EXPECT_NE(event->type(), v1::Event::TYPE_SAFETY_FLAG_ESCALATED) << Describe(event);
    EXPECT_NE(event->type(), v1::Event::TYPE_SAFETY_FLAG_ACKNOWLEDGED) << Describe(event);
    EXPECT_NE(event->type(), v1::Event::TYPE_SAFETY_FLAG_RESOLVED) << Describe(event);
  }
}

TEST_F(SafetyFlagFlowTest, TheClientAsksForHelpNowAndAFlagAcknowledgedInTimeNeverEscalates) {
  std::unique_ptr<EventWatch> on_call = Watch(platform_);
  v1::RaiseSafetyFlagRequest raise;
  raise.set_parent(alex_client_.name());
  raise.set_note("Panicking, can't breathe");
  v1::SafetyFlag flag;
  ASSERT_RPC_OK(Call(*stub_, &Stub::RaiseSafetyFlag, alex_, raise, &flag));
  EXPECT_EQ(flag.source(), v1::SafetyFlag::SOURCE_CLIENT_REQUEST);
  ASSERT_TRUE(NextOfType(*on_call, v1::Event::TYPE_SAFETY_FLAG_RAISED, absl::Seconds(1)));

  v1::SafetyFlag acknowledged;
  ASSERT_RPC_OK(Acknowledge(dr_ada_, flag.name(), "Called back within minutes", &acknowledged));
  // Well past the escalation time: no escalation arrives.
  std::optional<v1::Event> late = NextOfType(*on_call, v1::Event::TYPE_SAFETY_FLAG_ESCALATED,
                                             kEscalateAfter + absl::Seconds(1));
  EXPECT_FALSE(late) << Describe(late);

  // A client raises flags for itself only.
  raise.set_parent(absl::StrCat(kPracticeName, "/clients/someone-else"));
  EXPECT_EQ(Call(*stub_, &Stub::RaiseSafetyFlag, alex_, raise, &flag).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

}  // namespace
}  // namespace therapy::homework::testing
