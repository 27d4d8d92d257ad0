// ListAttentionItems on every store (memory, SQLite, and PostgreSQL in a private cluster): who
// is listed, in which order, for whom, in pages, with the measures read before the window.

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/homework/core/homework.h"
#include "services/homework/core/model/proto_time.h"
#include "services/homework/core/test_stores.h"
#include "services/homework/storage/memory/memory_store.h"
#include "testing/status_matchers.h"
#include "therapy/homework/v1/homework_service.pb.h"

namespace therapy::homework {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::therapy::homework::testing::IsOk;
using ::therapy::homework::testing::StatusIs;

const absl::Time kNow = absl::FromUnixSeconds(1'795'000'000);

Caller Service() { return {"platform-backend", "sunrise", Role::kService, "call-1"}; }
Caller Therapist(std::string subject = "dr-lee") {
  return {std::move(subject), "sunrise", Role::kTherapist, "call-2"};
}
Caller ClientCaller(std::string subject) {
  return {std::move(subject), "sunrise", Role::kClient, "call-3"};
}

class AttentionListTest : public ::testing::TestWithParam<StoreKind> {
 protected:
  AttentionListTest()
      : store_(NewStore(GetParam())),
        homework_(store_ ? *store_ : fallback_,
                  HomeworkOptions{.now = [this] { return now_; },
                                  .new_id = [this] { return "id" + std::to_string(++ids_); }}) {}

  void AddClient(const std::string& id, const std::string& therapist, absl::Time last_session) {
    v1::CreateClientRequest request;
    request.set_parent("practices/sunrise");
    request.set_client_id(id);
    request.mutable_client()->set_display_name(id);
    request.mutable_client()->set_time_zone("Europe/Berlin");
    request.mutable_client()->add_care_team(therapist);
    *request.mutable_client()->mutable_last_session_time() = ToProtoTime(last_session);
    ASSERT_THAT(homework_.CreateClient(Service(), request), IsOk());
    // One active practice, so "nothing since the last session" can apply.
    v1::CreateAssignmentRequest create;
    create.set_parent("practices/sunrise/clients/" + id);
    v1::Assignment& assignment = *create.mutable_assignment();
    assignment.set_title("Walk");
    assignment.mutable_exercise()->set_kind(v1::EXERCISE_KIND_SELF_CARE);
    assignment.mutable_exercise()->mutable_self_care()->set_domain(
        v1::SelfCareInstructions::DOMAIN_EXERCISE);
    assignment.mutable_schedule()->set_target_count(1);
    assignment.mutable_schedule()->set_period(v1::Schedule::PERIOD_WEEK);
    // Starting today: no week of it has ended, so adherence has nothing to say yet.
    absl::TimeZone berlin;
    absl::LoadTimeZone("Europe/Berlin", &berlin);
    assignment.mutable_schedule()->set_start_date(
        absl::FormatCivilTime(absl::ToCivilDay(kNow, berlin)));
    assignment.mutable_schedule()->set_minimum_version("Two minutes outside");
    auto created = homework_.CreateAssignment(Therapist(therapist), create);
    ASSERT_THAT(created, IsOk());
    v1::ActivateAssignmentRequest activate;
    activate.set_name(created->name());
    ASSERT_THAT(homework_.ActivateAssignment(Therapist(therapist), activate), IsOk());
  }

  std::vector<std::string> Listed(const Caller& caller, v1::ListAttentionItemsRequest request) {
    request.set_parent("practices/sunrise");
    auto response = homework_.ListAttentionItems(caller, request);
    EXPECT_THAT(response, IsOk());
    std::vector<std::string> clients;
    if (!response.ok()) return clients;
    for (const auto& item : response->attention_items()) clients.push_back(item.display_name());
    return clients;
  }

  void SetUp() override { ASSERT_NE(store_, nullptr) << "the store did not open"; }

  absl::Time now_ = kNow;
  int ids_ = 0;
  MemoryStore fallback_;  // only so that homework_ is never bound to nothing
  std::unique_ptr<Store> store_;
  Homework homework_;
};

INSTANTIATE_TEST_SUITE_P(Stores, AttentionListTest, ::testing::ValuesIn(kAllStoreKinds),
                         StoreKindName);

TEST_P(AttentionListTest, ATherapistSeesItsClientsWhoNeedAttentionMostUrgentFirst) {
  AddClient("quiet", "dr-lee", kNow - absl::Hours(24 * 5));      // nothing since the session
  AddClient("calm", "dr-lee", kNow - absl::Hours(24));           // session yesterday: fine
  AddClient("urgent", "dr-lee", kNow - absl::Hours(24));         // asks for help now
  AddClient("elsewhere", "dr-who", kNow - absl::Hours(24 * 5));  // another therapist's
  v1::RaiseSafetyFlagRequest help;
  help.set_parent("practices/sunrise/clients/urgent");
  ASSERT_THAT(homework_.RaiseSafetyFlag(ClientCaller("urgent"), help), IsOk());

  EXPECT_THAT(Listed(Therapist(), {}), ElementsAre("urgent", "quiet"));

  v1::ListAttentionItemsRequest request;
  request.set_parent("practices/sunrise");
  auto response = homework_.ListAttentionItems(Therapist(), request);
  ASSERT_THAT(response, IsOk());
  const v1::AttentionItem& first = response->attention_items(0);
  EXPECT_EQ(first.client(), "practices/sunrise/clients/urgent");
  EXPECT_EQ(first.reasons(0).kind(), v1::AttentionReason::KIND_FLAG_OPEN);
  const v1::AttentionItem& second = response->attention_items(1);
  EXPECT_EQ(second.reasons(0).kind(), v1::AttentionReason::KIND_NOTHING_SINCE_SESSION);
  EXPECT_DOUBLE_EQ(second.reasons(0).value(), 5);
  EXPECT_DOUBLE_EQ(second.reasons(0).threshold(), 3);
  EXPECT_EQ(FromProtoTime(response->compute_time()), kNow);
}

TEST_P(AttentionListTest, PagesFollowTheOrderAndTokensBelongToTheirList) {
  AddClient("a-quiet", "dr-lee", kNow - absl::Hours(24 * 5));
  AddClient("b-quiet", "dr-lee", kNow - absl::Hours(24 * 6));
  v1::ListAttentionItemsRequest request;
  request.set_parent("practices/sunrise");
  request.set_page_size(1);
  auto first = homework_.ListAttentionItems(Therapist(), request);
  ASSERT_THAT(first, IsOk());
  ASSERT_EQ(first->attention_items_size(), 1);
  EXPECT_EQ(first->attention_items(0).display_name(), "a-quiet");
  ASSERT_FALSE(first->next_page_token().empty());
  request.set_page_token(first->next_page_token());
  auto second = homework_.ListAttentionItems(Therapist(), request);
  ASSERT_THAT(second, IsOk());
  ASSERT_EQ(second->attention_items_size(), 1);
  EXPECT_EQ(second->attention_items(0).display_name(), "b-quiet");
  EXPECT_TRUE(second->next_page_token().empty());

  // The same token for another therapist's list is refused.
  request.set_therapist("dr-who");
  EXPECT_THAT(homework_.ListAttentionItems(Service(), request),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_P(AttentionListTest, ServiceNamesTheTherapistAndClientsAreRefused) {
  AddClient("quiet", "dr-lee", kNow - absl::Hours(24 * 5));
  v1::ListAttentionItemsRequest request;
  request.set_parent("practices/sunrise");
  EXPECT_THAT(homework_.ListAttentionItems(Service(), request),
              StatusIs(absl::StatusCode::kInvalidArgument));
  request.set_therapist("dr-lee");
  EXPECT_THAT(Listed(Service(), request), ElementsAre("quiet"));
  request.set_therapist("dr-who");
  EXPECT_THAT(Listed(Service(), request), IsEmpty());
  EXPECT_THAT(homework_.ListAttentionItems(Therapist(), request),
              StatusIs(absl::StatusCode::kInvalidArgument));
  // Validation first (a client must name a therapist like any non-therapist), then refusal.
  request.set_therapist("dr-lee");
  EXPECT_THAT(homework_.ListAttentionItems(ClientCaller("quiet"), request),
              StatusIs(absl::StatusCode::kPermissionDenied));
  request.clear_therapist();
  Caller other_practice{"dr-lee", "elsewhere", Role::kTherapist, "call-9"};
  EXPECT_THAT(homework_.ListAttentionItems(other_practice, request),
              StatusIs(absl::StatusCode::kPermissionDenied));
}

TEST_P(AttentionListTest, AMeasureBaselineBeforeTheWindowStillCounts) {
  // A PHQ-9 of 5 thirty days ago (long before the list's 15-day window) and of 14 yesterday:
  // +9, a reliable deterioration only the baseline read before the window can show.
  AddClient("worse", "dr-lee", kNow - absl::Hours(24));
  v1::CreateAssignmentRequest create;
  create.set_parent("practices/sunrise/clients/worse");
  v1::Assignment& phq9 = *create.mutable_assignment();
  phq9.set_title("PHQ-9");
  phq9.mutable_exercise()->set_kind(v1::EXERCISE_KIND_OUTCOME_MEASURE);
  phq9.mutable_exercise()->mutable_outcome_measure()->set_measure(v1::MEASURE_PHQ9);
  phq9.mutable_schedule()->set_target_count(1);
  phq9.mutable_schedule()->set_period(v1::Schedule::PERIOD_WEEK);
  absl::TimeZone berlin;
  absl::LoadTimeZone("Europe/Berlin", &berlin);
  phq9.mutable_schedule()->set_start_date(
      absl::FormatCivilTime(absl::ToCivilDay(kNow - absl::Hours(24 * 40), berlin)));
  phq9.mutable_schedule()->set_minimum_version("The first two questions");
  auto created = homework_.CreateAssignment(Therapist(), create);
  ASSERT_THAT(created, IsOk());
  v1::ActivateAssignmentRequest activate;
  activate.set_name(created->name());
  ASSERT_THAT(homework_.ActivateAssignment(Therapist(), activate), IsOk());
  auto answer = [&](absl::Time when, std::vector<int> items) {
    now_ = when + absl::Minutes(1);
    v1::CreateCompletionRequest request;
    request.set_parent(created->name());
    v1::Completion& completion = *request.mutable_completion();
    *completion.mutable_occur_time() = ToProtoTime(when);
    completion.set_occur_time_zone("Europe/Berlin");
    completion.set_status(v1::Completion::STATUS_DONE);
    for (int item : items) completion.mutable_measure()->add_item_scores(item);
    auto recorded = homework_.CreateCompletion(ClientCaller("worse"), request);
    ASSERT_THAT(recorded, IsOk());
  };
  answer(kNow - absl::Hours(24 * 30), {1, 1, 1, 1, 1, 0, 0, 0, 0});  // 5
  answer(kNow - absl::Hours(24), {2, 2, 2, 2, 2, 2, 1, 1, 0});       // 14
  now_ = kNow;

  v1::ListAttentionItemsRequest request;
  request.set_parent("practices/sunrise");
  auto response = homework_.ListAttentionItems(Therapist(), request);
  ASSERT_THAT(response, IsOk());
  ASSERT_EQ(response->attention_items_size(), 1);
  const v1::AttentionItem& item = response->attention_items(0);
  EXPECT_EQ(item.display_name(), "worse");
  ASSERT_EQ(item.reasons_size(), 1);
  EXPECT_EQ(item.reasons(0).kind(), v1::AttentionReason::KIND_RELIABLE_DETERIORATION);
  EXPECT_DOUBLE_EQ(item.reasons(0).value(), 9);
  EXPECT_DOUBLE_EQ(item.reasons(0).threshold(), 6);
}

}  // namespace
}  // namespace therapy::homework
