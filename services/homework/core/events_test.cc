#include "services/homework/core/events.h"

#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/homework/core/homework.h"
#include "services/homework/core/model/proto_time.h"
#include "services/homework/runtime/event_hub.h"
#include "services/homework/storage/memory/memory_store.h"
#include "testing/status_matchers.h"

namespace therapy::homework {
namespace {

using ::testing::ElementsAre;
using ::testing::SizeIs;
using ::therapy::homework::testing::IsOk;
using ::therapy::homework::testing::StatusIs;

const Caller kService{"platform-backend", "sunrise", Role::kService, "call-1"};
const Caller kTherapist{"dr-lee", "sunrise", Role::kTherapist, "call-2"};

Caller ClientCaller(std::string id) { return {std::move(id), "sunrise", Role::kClient, "call-3"}; }

// One watch's receiving end: keeps what the hub delivers.
class Collector final : public WatchListener {
 public:
  bool Offer(std::shared_ptr<const v1::Event> event) override {
    absl::MutexLock lock(&mutex_);
    events_.push_back(*event);
    return true;
  }
  void End(const absl::Status& status) override {
    absl::MutexLock lock(&mutex_);
    ended_ = status;
  }
  // Waits until `count` events arrived, the watch ended, or `timeout` passed.
  std::vector<v1::Event> Await(size_t count, absl::Duration timeout) {
    absl::MutexLock lock(&mutex_);
    auto done = [this, count]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
      return events_.size() >= count || ended_.has_value();
    };
    mutex_.AwaitWithTimeout(absl::Condition(&done), timeout);
    return events_;
  }
  std::optional<absl::Status> ended() {
    absl::MutexLock lock(&mutex_);
    return ended_;
  }

 private:
  absl::Mutex mutex_;
  std::vector<v1::Event> events_ ABSL_GUARDED_BY(mutex_);
  std::optional<absl::Status> ended_ ABSL_GUARDED_BY(mutex_);
};

// A daily mood check for `client`, as CreateAssignment takes it.
v1::CreateAssignmentRequest MoodCheck(const std::string& client) {
  v1::CreateAssignmentRequest request;
  request.set_parent("practices/sunrise/clients/" + client);
  v1::Assignment* a = request.mutable_assignment();
  a->set_title("Mood check");
  a->mutable_exercise()->set_kind(v1::EXERCISE_KIND_MOOD_MONITORING);
  a->mutable_schedule()->set_target_count(1);
  a->mutable_schedule()->set_period(v1::Schedule::PERIOD_DAY);
  a->mutable_schedule()->set_start_date("2026-01-01");
  a->mutable_schedule()->set_minimum_version("One word for the mood");
  return request;
}

TEST(EventsCommittedTest, CalledAfterEachCommitThatAppendedEventsOnly) {
  MemoryStore store;
  int woken = 0;
  Homework homework(store, HomeworkOptions{.events_committed = [&woken] { ++woken; }});
  v1::CreateClientRequest client;
  client.set_parent("practices/sunrise");
  client.set_client_id("ana");
  client.mutable_client()->set_display_name("Ana");
  client.mutable_client()->set_time_zone("UTC");
  client.mutable_client()->add_care_team("dr-lee");
  ASSERT_THAT(homework.CreateClient(kService, client), IsOk());
  EXPECT_EQ(woken, 0) << "a new client is a write without an event";

  const v1::CreateAssignmentRequest assign = MoodCheck("ana");
  ASSERT_THAT(homework.CreateAssignment(kTherapist, assign), IsOk());
  EXPECT_EQ(woken, 1) << "a draft assignment and its ASSIGNMENT_CREATED event";

  EXPECT_THAT(homework.CreateAssignment(ClientCaller("ana"), assign),
              StatusIs(absl::StatusCode::kPermissionDenied));
  v1::GetClientRequest get;
  get.set_name("practices/sunrise/clients/ana");
  ASSERT_THAT(homework.GetClient(kTherapist, get), IsOk());
  EXPECT_EQ(woken, 1) << "a refused write and a read append no event";
}

class EventsTest : public ::testing::Test {
 protected:
  EventsTest()
      : hub_(store_, EventHubOptions{.poll_interval = absl::Milliseconds(20)}),
        homework_(store_,
                  HomeworkOptions{.new_id = [this] { return absl::StrCat("id", ++ids_); }}) {
    for (const char* id : {"ana", "ben"}) {
      v1::CreateClientRequest request;
      request.set_parent("practices/sunrise");
      request.set_client_id(id);
      request.mutable_client()->set_display_name(id);
      request.mutable_client()->set_time_zone("UTC");
      if (std::string(id) == "ana") request.mutable_client()->add_care_team("dr-lee");
      EXPECT_THAT(homework_.CreateClient(kService, request), IsOk());
    }
  }

  // An active assignment for `client`; its care team is dr-lee (ben's has none: admin assigns).
  v1::Assignment Assign(const std::string& client) {
    const Caller admin{"admin-1", "sunrise", Role::kAdmin, "call-4"};
    auto created = homework_.CreateAssignment(admin, MoodCheck(client));
    EXPECT_THAT(created, IsOk());
    v1::ActivateAssignmentRequest activate;
    activate.set_name(created->name());
    auto active = homework_.ActivateAssignment(admin, activate);
    EXPECT_THAT(active, IsOk());
    return *active;
  }

  absl::StatusOr<v1::Completion> Record(const v1::Assignment& assignment,
                                        const std::string& client) {
    v1::CreateCompletionRequest request;
    request.set_parent(assignment.name());
    *request.mutable_completion()->mutable_occur_time() = ToProtoTime(absl::Now());
    request.mutable_completion()->set_occur_time_zone("UTC");
    request.mutable_completion()->set_status(v1::Completion::STATUS_DONE);
    request.mutable_completion()->set_mood(6);
    return homework_.CreateCompletion(ClientCaller(client), request);
  }

  // Starts a watch as the listeners do (Homework::StartWatch, then the event hub) and
  // collects until `count` events arrived, the watch ended, or `timeout` passed. `status`: how
  // the start or the watch ended (OK while still open).
  std::vector<v1::Event> Watch(const Caller& caller, v1::WatchEventsRequest request, size_t count,
                               absl::Status* status = nullptr,
                               absl::Duration timeout = absl::Seconds(5)) {
    absl::StatusOr<Homework::WatchStart> start = homework_.StartWatch(caller, request);
    if (status != nullptr) *status = start.status();
    if (!start.ok()) return {};
    started_ = EventCursor(start->after_sequence);
    Collector collector;
    const uint64_t subscription = hub_.Subscribe(start->scope, start->after_sequence, collector);
    std::vector<v1::Event> events = collector.Await(count, timeout);
    hub_.Unsubscribe(subscription);
    if (status != nullptr) *status = collector.ended().value_or(absl::OkStatus());
    if (events.size() > count) events.resize(count);
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
  EventHub hub_;
  Homework homework_;
};

TEST_F(EventsTest, WritesAppendEventsThatAWatcherResumingFromACursorDoesNotMiss) {
  v1::Assignment assignment = Assign("ana");
  ASSERT_THAT(Record(assignment, "ana"), IsOk());
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
  ASSERT_THAT(completion, IsOk());
  watcher.join();
  ASSERT_THAT(seen, SizeIs(1));
  EXPECT_EQ(seen[0].type(), v1::Event::TYPE_COMPLETION_RECORDED);
  EXPECT_EQ(seen[0].resource(), completion->name());
}

TEST_F(EventsTest, ATherapistWatchingThePracticeSeesOnlyTheirClients) {
  v1::Assignment bens = Assign("ben");
  v1::Assignment anas = Assign("ana");
  ASSERT_THAT(Record(bens, "ben"), IsOk());
  ASSERT_THAT(Record(anas, "ana"), IsOk());
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
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument));
  request.set_client("practices/sunrise/clients/ben");
  Watch(ClientCaller("ana"), request, 1, &status);
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kPermissionDenied));
}

TEST_F(EventsTest, AWatchAskingForAssignmentsGetsEachWithItsEventAndEachIsAuditedAsARead) {
  const int64_t before = *store_.LatestEventSequence();
  const v1::Assignment assignment = Assign("ana");  // created, then activated: two events
  ASSERT_THAT(Record(assignment, "ana"), IsOk());
  auto watch_reads = [&](const Caller& caller) {
    int reads = 0;
    const absl::StatusOr<std::vector<AuditRecord>> audit =
        store_.ListAudit(assignment.name(), 1000);
    EXPECT_THAT(audit, IsOk());
    for (const AuditRecord& record : audit.value_or(std::vector<AuditRecord>{})) {
      if (record.action == "WatchEvents" && record.actor == caller.subject &&
          record.resource == assignment.name() && record.outcome == "OK") {
        ++reads;
      }
    }
    return reads;
  };
  v1::WatchEventsRequest request;
  request.set_parent("practices/sunrise");
  request.set_client("practices/sunrise/clients/ana");
  request.set_after_cursor(EventCursor(before));
  request.set_include_assignments(true);
  for (const Caller& caller : {kTherapist, ClientCaller("ana")}) {
    SCOPED_TRACE(caller.subject);
    const std::vector<v1::Event> events = Watch(caller, request, 3);
    ASSERT_THAT(Types(events), ElementsAre("TYPE_ASSIGNMENT_CREATED", "TYPE_ASSIGNMENT_UPDATED",
                                           "TYPE_COMPLETION_RECORDED"));
    // As stored when sent: both carry the active assignment.
    for (int i = 0; i < 2; ++i) {
      EXPECT_EQ(events[i].assignment().name(), assignment.name());
      EXPECT_EQ(events[i].assignment().state(), v1::Assignment::STATE_ACTIVE);
      EXPECT_EQ(events[i].assignment().etag(), assignment.etag());
    }
    EXPECT_FALSE(events[2].has_assignment()) << "a completion's event carries names only";
    EXPECT_EQ(watch_reads(caller), 2);
  }

  // Without asking: names only, and nothing more audited as read.
  request.set_include_assignments(false);
  const std::vector<v1::Event> plain = Watch(kTherapist, request, 3);
  ASSERT_THAT(plain, SizeIs(3));
  for (const v1::Event& event : plain) EXPECT_FALSE(event.has_assignment());
  EXPECT_EQ(watch_reads(kTherapist), 2);
}

TEST_F(EventsTest, AssignmentsComeOnlyOnAWatchOfOneClient) {
  v1::WatchEventsRequest request;
  request.set_parent("practices/sunrise");
  request.set_include_assignments(true);
  absl::Status status;
  Watch(kService, request, 1, &status);
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument,
                               ::testing::HasSubstr("include_assignments")));
  // A client watching someone else is refused before anything is read, as without the option.
  request.set_client("practices/sunrise/clients/ben");
  Watch(ClientCaller("ana"), request, 1, &status);
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kPermissionDenied));
}

TEST_F(EventsTest, AMalformedCursorIsInvalidArgumentNamingIt) {
  v1::WatchEventsRequest request;
  request.set_parent("practices/sunrise");
  request.set_after_cursor("yesterday");
  absl::Status status;
  Watch(kService, request, 1, &status);
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_NE(status.message().find("after_cursor"), absl::string_view::npos);
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
  ASSERT_THAT(Record(assignment, "ana"), IsOk());
  watcher.join();
  EXPECT_EQ(started_, "2");  // the end of the log when the watch began
}

TEST_F(EventsTest, ATherapistTakenOffTheCareTeamStopsReceivingThatClientsEvents) {
  v1::Assignment assignment = Assign("ana");
  v1::WatchEventsRequest request;
  request.set_parent("practices/sunrise");
  request.set_client("practices/sunrise/clients/ana");
  absl::StatusOr<Homework::WatchStart> start = homework_.StartWatch(kTherapist, request);
  ASSERT_THAT(start, IsOk());
  Collector collector;
  const uint64_t subscription = hub_.Subscribe(start->scope, start->after_sequence, collector);
  ASSERT_THAT(Record(assignment, "ana"), IsOk());  // still on the team: delivered
  ASSERT_THAT(collector.Await(1, absl::Seconds(5)), SizeIs(1));

  v1::UpdateClientRequest update;
  update.mutable_client()->set_name("practices/sunrise/clients/ana");
  update.mutable_client()->add_care_team("dr-kim");
  update.mutable_update_mask()->add_paths("care_team");
  ASSERT_THAT(homework_.UpdateClient(kService, update), IsOk());
  ASSERT_THAT(Record(assignment, "ana"), IsOk());  // off the team: the watch ends
  std::vector<v1::Event> seen = collector.Await(2, absl::Seconds(5));
  hub_.Unsubscribe(subscription);
  ASSERT_TRUE(collector.ended().has_value());
  EXPECT_THAT(*collector.ended(), StatusIs(absl::StatusCode::kPermissionDenied));
  ASSERT_THAT(seen, SizeIs(1));
  EXPECT_EQ(seen[0].type(), v1::Event::TYPE_COMPLETION_RECORDED);

  // Watching the whole practice, the therapist no longer sees ana's events at all.
  request.clear_client();
  request.set_after_cursor("0");
  EXPECT_THAT(Watch(kTherapist, request, 1, nullptr, absl::Milliseconds(300)), SizeIs(0));
}

}  // namespace
}  // namespace therapy::homework
