#include "services/homework/core/events.h"

#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/homework/core/homework.h"
#include "services/homework/core/proto_time.h"
#include "services/homework/storage/memory/memory_store.h"

namespace therapy::homework {
namespace {

using ::testing::ElementsAre;
using ::testing::SizeIs;

const Caller kService{"platform-backend", "sunrise", Role::kService, "call-1"};
const Caller kTherapist{"dr-lee", "sunrise", Role::kTherapist, "call-2"};

Caller ClientCaller(std::string id) { return {std::move(id), "sunrise", Role::kClient, "call-3"}; }

class EventsTest : public ::testing::Test {
 protected:
  EventsTest()
      : homework_(store_, HomeworkOptions{.new_id = [this] { return absl::StrCat("id", ++ids_); },
                                          .watch_poll_interval = absl::Milliseconds(20)}) {
    for (const char* id : {"ana", "ben"}) {
      v1::CreateClientRequest request;
      request.set_parent("practices/sunrise");
      request.set_client_id(id);
      request.mutable_client()->set_display_name(id);
      request.mutable_client()->set_time_zone("UTC");
      if (std::string(id) == "ana") request.mutable_client()->add_care_team("dr-lee");
      EXPECT_TRUE(homework_.CreateClient(kService, request).ok());
    }
  }

  // An active assignment for `client`; its care team is dr-lee (ben's has none: admin assigns).
  v1::Assignment Assign(const std::string& client) {
    v1::CreateAssignmentRequest request;
    request.set_parent("practices/sunrise/clients/" + client);
    v1::Assignment* a = request.mutable_assignment();
    a->set_title("Mood check");
    a->mutable_exercise()->set_kind(v1::EXERCISE_KIND_MOOD_MONITORING);
    a->mutable_schedule()->set_target_count(1);
    a->mutable_schedule()->set_period(v1::Schedule::PERIOD_DAY);
    a->mutable_schedule()->set_start_date("2026-01-01");
    a->mutable_schedule()->set_minimum_version("One word for the mood");
    const Caller admin{"admin-1", "sunrise", Role::kAdmin, "call-4"};
    auto created = homework_.CreateAssignment(admin, request);
    EXPECT_TRUE(created.ok()) << created.status();
    v1::ActivateAssignmentRequest activate;
    activate.set_name(created->name());
    auto active = homework_.ActivateAssignment(admin, activate);
    EXPECT_TRUE(active.ok()) << active.status();
    return *active;
  }

  absl::StatusOr<v1::Completion> Record(const v1::Assignment& assignment, const std::string& client) {
    v1::CreateCompletionRequest request;
    request.set_parent(assignment.name());
    *request.mutable_completion()->mutable_occur_time() = ToProtoTime(absl::Now());
    request.mutable_completion()->set_occur_time_zone("UTC");
    request.mutable_completion()->set_status(v1::Completion::STATUS_DONE);
    request.mutable_completion()->set_mood(6);
    return homework_.CreateCompletion(ClientCaller(client), request);
  }

  // Watches until `count` events arrived or 5 s passed.
  std::vector<v1::Event> Watch(const Caller& caller, v1::WatchEventsRequest request, size_t count,
                               absl::Status* status = nullptr,
                               absl::Duration timeout = absl::Seconds(5)) {
    std::vector<v1::Event> events;
    const absl::Time deadline = absl::Now() + timeout;
    absl::Status result = homework_.WatchEvents(
        caller, request,
        Homework::WatchSink{.started = [this](const std::string& cursor) { started_ = cursor; },
                            .event =
                                [&](const v1::Event& event) {
                                  events.push_back(event);
                                  return events.size() < count;
                                },
                            .cancelled = [&] { return absl::Now() > deadline; }});
    if (status != nullptr) *status = result;
    return events;
  }

  static std::vector<std::string> Types(const std::vector<v1::Event>& events) {
    std::vector<std::string> types;
    for (const auto& event : events) types.push_back(v1::Event::Type_Name(event.type()));
    return types;
  }

  int ids_ = 0;
  std::string started_;
  MemoryStore store_;
  Homework homework_;
};

TEST_F(EventsTest, WritesAppendEventsThatAWatcherResumingFromACursorDoesNotMiss) {
  v1::Assignment assignment = Assign("ana");
  ASSERT_TRUE(Record(assignment, "ana").ok());
  v1::WatchEventsRequest request;
  request.set_parent("practices/sunrise");
  request.set_after_cursor("0");
  std::vector<v1::Event> all = Watch(kService, request, 3);
  EXPECT_THAT(Types(all), ElementsAre("TYPE_ASSIGNMENT_CREATED", "TYPE_ASSIGNMENT_UPDATED",
                                      "TYPE_COMPLETION_RECORDED"));
  EXPECT_EQ(all[0].client(), "practices/sunrise/clients/ana");
  EXPECT_EQ(all[2].actor(), "ana");

  request.set_after_cursor(all[0].cursor());
  std::vector<v1::Event> rest = Watch(kService, request, 2);
  ASSERT_THAT(rest, SizeIs(2));
  EXPECT_EQ(rest[0].cursor(), all[1].cursor());
  EXPECT_EQ(rest[1].cursor(), all[2].cursor());
}

TEST_F(EventsTest, AWatcherSeesAnEventWrittenWhileItWaits) {
  v1::Assignment assignment = Assign("ana");
  v1::WatchEventsRequest request;
  request.set_parent("practices/sunrise");
  request.set_client("practices/sunrise/clients/ana");
  std::vector<v1::Event> seen;
  std::thread watcher([&] { seen = Watch(kTherapist, request, 1); });
  // The watcher starts from "now": give it a moment to subscribe, then write.
  absl::SleepFor(absl::Milliseconds(100));
  auto completion = Record(assignment, "ana");
  ASSERT_TRUE(completion.ok());
  watcher.join();
  ASSERT_THAT(seen, SizeIs(1));
  EXPECT_EQ(seen[0].type(), v1::Event::TYPE_COMPLETION_RECORDED);
  EXPECT_EQ(seen[0].resource(), completion->name());
}

TEST_F(EventsTest, ATherapistWatchingThePracticeSeesOnlyTheirClients) {
  v1::Assignment bens = Assign("ben");
  v1::Assignment anas = Assign("ana");
  ASSERT_TRUE(Record(bens, "ben").ok());
  ASSERT_TRUE(Record(anas, "ana").ok());
  v1::WatchEventsRequest request;
  request.set_parent("practices/sunrise");
  request.set_after_cursor("0");
  std::vector<v1::Event> seen = Watch(kTherapist, request, 3);
  ASSERT_THAT(seen, SizeIs(3));
  for (const auto& event : seen) EXPECT_EQ(event.client(), "practices/sunrise/clients/ana");
}

TEST_F(EventsTest, AClientWatchesOnlyItself) {
  v1::WatchEventsRequest request;
  request.set_parent("practices/sunrise");
  absl::Status status;
  Watch(ClientCaller("ana"), request, 1, &status);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  request.set_client("practices/sunrise/clients/ben");
  Watch(ClientCaller("ana"), request, 1, &status);
  EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied);
}

TEST_F(EventsTest, AMalformedCursorIsInvalidArgumentNamingIt) {
  v1::WatchEventsRequest request;
  request.set_parent("practices/sunrise");
  request.set_after_cursor("yesterday");
  absl::Status status;
  Watch(kService, request, 1, &status);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("after_cursor"), absl::string_view::npos);
}

TEST_F(EventsTest, StopWatchingEndsEveryWatch) {
  v1::WatchEventsRequest request;
  request.set_parent("practices/sunrise");
  absl::Notification ended;
  std::thread watcher([&] {
    homework_
        .WatchEvents(kService, request,
                     Homework::WatchSink{.event = [](const v1::Event&) { return true; },
                                         .cancelled = [] { return false; }})
        .IgnoreError();
    ended.Notify();
  });
  absl::SleepFor(absl::Milliseconds(50));
  homework_.StopWatching();
  EXPECT_TRUE(ended.WaitForNotificationWithTimeout(absl::Seconds(5)));
  watcher.join();
}

TEST_F(EventsTest, AWatchSaysFromWhichCursorItIsLive) {
  v1::Assignment assignment = Assign("ana");
  v1::WatchEventsRequest request;
  request.set_parent("practices/sunrise");
  request.set_after_cursor("1");
  Watch(kService, request, 1);
  EXPECT_EQ(started_, "1");
  request.clear_after_cursor();
  std::thread watcher([&] { Watch(kService, request, 1); });
  absl::SleepFor(absl::Milliseconds(100));
  ASSERT_TRUE(Record(assignment, "ana").ok());
  watcher.join();
  EXPECT_EQ(started_, "2");  // the end of the log when the watch began
}

TEST_F(EventsTest, ATherapistTakenOffTheCareTeamStopsReceivingThatClientsEvents) {
  v1::Assignment assignment = Assign("ana");
  v1::WatchEventsRequest request;
  request.set_parent("practices/sunrise");
  request.set_client("practices/sunrise/clients/ana");
  absl::Status one_client;
  std::vector<v1::Event> seen;
  absl::Notification live;
  absl::Notification first_delivered;
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  std::thread watcher([&] {
    one_client = homework_.WatchEvents(
        kTherapist, request,
        Homework::WatchSink{.started = [&](const std::string&) { live.Notify(); },
                            .event =
                                [&](const v1::Event& event) {
                                  seen.push_back(event);
                                  first_delivered.Notify();
                                  return true;
                                },
                            .cancelled = [&] { return absl::Now() > deadline; }});
  });
  ASSERT_TRUE(live.WaitForNotificationWithTimeout(absl::Seconds(5)));
  ASSERT_TRUE(Record(assignment, "ana").ok());  // still on the team: delivered
  ASSERT_TRUE(first_delivered.WaitForNotificationWithTimeout(absl::Seconds(5)));

  v1::UpdateClientRequest update;
  update.mutable_client()->set_name("practices/sunrise/clients/ana");
  update.mutable_client()->add_care_team("dr-kim");
  update.mutable_update_mask()->add_paths("care_team");
  ASSERT_TRUE(homework_.UpdateClient(kService, update).ok());
  ASSERT_TRUE(Record(assignment, "ana").ok());  // off the team: the watch ends
  watcher.join();
  EXPECT_EQ(one_client.code(), absl::StatusCode::kPermissionDenied);
  ASSERT_THAT(seen, SizeIs(1));
  EXPECT_EQ(seen[0].type(), v1::Event::TYPE_COMPLETION_RECORDED);

  // Watching the whole practice, the therapist no longer sees ana's events at all.
  request.clear_client();
  request.set_after_cursor("0");
  EXPECT_THAT(Watch(kTherapist, request, 1, nullptr, absl::Milliseconds(300)), SizeIs(0));
}

}  // namespace
}  // namespace therapy::homework
