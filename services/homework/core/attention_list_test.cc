// ListAttentionItems on the in-memory store: who is listed, in which order, for whom, in pages.

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/homework/core/homework.h"
#include "services/homework/core/proto_time.h"
#include "services/homework/storage/memory/memory_store.h"
#include "therapy/homework/v1/homework_service.pb.h"

namespace therapy::homework {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

const absl::Time kNow = absl::FromUnixSeconds(1'795'000'000);

Caller Service() { return {"platform-backend", "sunrise", Role::kService, "call-1"}; }
Caller Therapist(std::string subject = "dr-lee") {
  return {std::move(subject), "sunrise", Role::kTherapist, "call-2"};
}
Caller ClientCaller(std::string subject) {
  return {std::move(subject), "sunrise", Role::kClient, "call-3"};
}

class AttentionListTest : public ::testing::Test {
 protected:
  AttentionListTest()
      : homework_(store_, HomeworkOptions{.now = [this] { return now_; },
                                          .new_id = [this] { return "id" + std::to_string(++ids_); }}) {}

  void AddClient(const std::string& id, const std::string& therapist, absl::Time last_session) {
    v1::CreateClientRequest request;
    request.set_parent("practices/sunrise");
    request.set_client_id(id);
    request.mutable_client()->set_display_name(id);
    request.mutable_client()->set_time_zone("Europe/Berlin");
    request.mutable_client()->add_care_team(therapist);
    *request.mutable_client()->mutable_last_session_time() = ToProtoTime(last_session);
    ASSERT_TRUE(homework_.CreateClient(Service(), request).ok());
    // One active practice, so "nothing since the last session" can apply.
    v1::CreateAssignmentRequest create;
    create.set_parent("practices/sunrise/clients/" + id);
    v1::Assignment& assignment = *create.mutable_assignment();
    assignment.set_title("Walk");
    assignment.mutable_exercise()->set_kind(v1::EXERCISE_KIND_SELF_CARE);
    assignment.mutable_exercise()->mutable_self_care()->set_domain(v1::SelfCareInstructions::DOMAIN_EXERCISE);
    assignment.mutable_schedule()->set_target_count(1);
    assignment.mutable_schedule()->set_period(v1::Schedule::PERIOD_WEEK);
    // Starting today: no week of it has ended, so adherence has nothing to say yet.
    absl::TimeZone berlin;
    absl::LoadTimeZone("Europe/Berlin", &berlin);
    assignment.mutable_schedule()->set_start_date(
        absl::FormatCivilTime(absl::ToCivilDay(kNow, berlin)));
    assignment.mutable_schedule()->set_minimum_version("Two minutes outside");
    auto created = homework_.CreateAssignment(Therapist(therapist), create);
    ASSERT_TRUE(created.ok()) << created.status();
    v1::ActivateAssignmentRequest activate;
    activate.set_name(created->name());
    ASSERT_TRUE(homework_.ActivateAssignment(Therapist(therapist), activate).ok());
  }

  std::vector<std::string> Listed(const Caller& caller, v1::ListAttentionItemsRequest request) {
    request.set_parent("practices/sunrise");
    auto response = homework_.ListAttentionItems(caller, request);
    EXPECT_TRUE(response.ok()) << response.status();
    std::vector<std::string> clients;
    if (!response.ok()) return clients;
    for (const auto& item : response->attention_items()) clients.push_back(item.display_name());
    return clients;
  }

  absl::Time now_ = kNow;
  int ids_ = 0;
  MemoryStore store_;
  Homework homework_;
};

TEST_F(AttentionListTest, ATherapistSeesItsClientsWhoNeedAttentionMostUrgentFirst) {
  AddClient("quiet", "dr-lee", kNow - absl::Hours(24 * 5));   // nothing since the session
  AddClient("calm", "dr-lee", kNow - absl::Hours(24));         // session yesterday: fine
  AddClient("urgent", "dr-lee", kNow - absl::Hours(24));       // asks for help now
  AddClient("elsewhere", "dr-who", kNow - absl::Hours(24 * 5));  // another therapist's
  v1::RaiseSafetyFlagRequest help;
  help.set_parent("practices/sunrise/clients/urgent");
  ASSERT_TRUE(homework_.RaiseSafetyFlag(ClientCaller("urgent"), help).ok());

  EXPECT_THAT(Listed(Therapist(), {}), ElementsAre("urgent", "quiet"));

  v1::ListAttentionItemsRequest request;
  request.set_parent("practices/sunrise");
  auto response = homework_.ListAttentionItems(Therapist(), request);
  ASSERT_TRUE(response.ok()) << response.status();
  const v1::AttentionItem& first = response->attention_items(0);
  EXPECT_EQ(first.client(), "practices/sunrise/clients/urgent");
  EXPECT_EQ(first.reasons(0).kind(), v1::AttentionReason::KIND_FLAG_OPEN);
  const v1::AttentionItem& second = response->attention_items(1);
  EXPECT_EQ(second.reasons(0).kind(), v1::AttentionReason::KIND_NOTHING_SINCE_SESSION);
  EXPECT_DOUBLE_EQ(second.reasons(0).value(), 5);
  EXPECT_DOUBLE_EQ(second.reasons(0).threshold(), 3);
  EXPECT_EQ(FromProtoTime(response->compute_time()), kNow);
}

TEST_F(AttentionListTest, PagesFollowTheOrderAndTokensBelongToTheirList) {
  AddClient("a-quiet", "dr-lee", kNow - absl::Hours(24 * 5));
  AddClient("b-quiet", "dr-lee", kNow - absl::Hours(24 * 6));
  v1::ListAttentionItemsRequest request;
  request.set_parent("practices/sunrise");
  request.set_page_size(1);
  auto first = homework_.ListAttentionItems(Therapist(), request);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ(first->attention_items_size(), 1);
  EXPECT_EQ(first->attention_items(0).display_name(), "a-quiet");
  ASSERT_FALSE(first->next_page_token().empty());
  request.set_page_token(first->next_page_token());
  auto second = homework_.ListAttentionItems(Therapist(), request);
  ASSERT_TRUE(second.ok()) << second.status();
  ASSERT_EQ(second->attention_items_size(), 1);
  EXPECT_EQ(second->attention_items(0).display_name(), "b-quiet");
  EXPECT_TRUE(second->next_page_token().empty());

  // The same token for another therapist's list is refused.
  request.set_therapist("dr-who");
  EXPECT_EQ(homework_.ListAttentionItems(Service(), request).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(AttentionListTest, ServiceNamesTheTherapistAndClientsAreRefused) {
  AddClient("quiet", "dr-lee", kNow - absl::Hours(24 * 5));
  v1::ListAttentionItemsRequest request;
  request.set_parent("practices/sunrise");
  EXPECT_EQ(homework_.ListAttentionItems(Service(), request).status().code(),
            absl::StatusCode::kInvalidArgument);
  request.set_therapist("dr-lee");
  EXPECT_THAT(Listed(Service(), request), ElementsAre("quiet"));
  request.set_therapist("dr-who");
  EXPECT_THAT(Listed(Service(), request), IsEmpty());
  EXPECT_EQ(homework_.ListAttentionItems(Therapist(), request).status().code(),
            absl::StatusCode::kInvalidArgument);
  // Validation first (a client must name a therapist like any non-therapist), then refusal.
  request.set_therapist("dr-lee");
  EXPECT_EQ(homework_.ListAttentionItems(ClientCaller("quiet"), request).status().code(),
            absl::StatusCode::kPermissionDenied);
  request.clear_therapist();
  Caller other_practice{"dr-lee", "elsewhere", Role::kTherapist, "call-9"};
  EXPECT_EQ(homework_.ListAttentionItems(other_practice, request).status().code(),
            absl::StatusCode::kPermissionDenied);
}

}  // namespace
}  // namespace therapy::homework
