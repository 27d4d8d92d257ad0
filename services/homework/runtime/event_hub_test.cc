#include "services/homework/runtime/event_hub.h"

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/homework/storage/forwarding_store.h"
#include "services/homework/storage/memory/memory_store.h"
#include "testing/status_matchers.h"

namespace therapy::homework {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::IsEmpty;
using ::therapy::homework::testing::IsOk;
using ::therapy::homework::testing::StatusIs;

const Caller kService{"platform-backend", "sunrise", Role::kService, "call-1"};
const Caller kTherapist{"dr-lee", "sunrise", Role::kTherapist, "call-2"};

// Records what the hub offers; refuses once it holds `capacity` events not yet drained.
class RecordingListener final : public WatchListener {
 public:
  explicit RecordingListener(size_t capacity = 1'000'000) : capacity_(capacity) {}

  bool Offer(std::shared_ptr<const v1::Event> event) override {
    absl::MutexLock lock(&mutex_);
    if (pending_ >= capacity_) return false;
    ++pending_;
    events_.push_back(*event);
    return true;
  }
  void End(const absl::Status& status) override {
    absl::MutexLock lock(&mutex_);
    end_ = status;
  }

  // Waits up to 5 s for `count` events; returns the events seen.
  std::vector<v1::Event> WaitFor(size_t count) {
    absl::MutexLock lock(&mutex_);
    auto enough = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) { return events_.size() >= count; };
    mutex_.AwaitWithTimeout(absl::Condition(&enough), absl::Seconds(5));
    return events_;
  }
  // Waits up to 5 s for the end.
  std::optional<absl::Status> WaitForEnd() {
    absl::MutexLock lock(&mutex_);
    auto ended = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) { return end_.has_value(); };
    mutex_.AwaitWithTimeout(absl::Condition(&ended), absl::Seconds(5));
    return end_;
  }
  std::vector<v1::Event> events() {
    absl::MutexLock lock(&mutex_);
    return events_;
  }
  bool ended() {
    absl::MutexLock lock(&mutex_);
    return end_.has_value();
  }
  // The consumer took everything offered so far.
  void Drain() {
    absl::MutexLock lock(&mutex_);
    pending_ = 0;
  }

 private:
  const size_t capacity_;
  absl::Mutex mutex_;
  std::vector<v1::Event> events_ ABSL_GUARDED_BY(mutex_);
  size_t pending_ ABSL_GUARDED_BY(mutex_) = 0;
  std::optional<absl::Status> end_ ABSL_GUARDED_BY(mutex_);
};

// A memory store that counts reads of the event log and of clients.
class CountingStore final : public ForwardingStore {
 public:
  CountingStore() : ForwardingStore(memory_) {}

  absl::StatusOr<std::optional<v1::Client>> GetClient(absl::string_view name) override {
    ++client_reads;
    return ForwardingStore::GetClient(name);
  }
  absl::StatusOr<std::vector<EventRecord>> ListEvents(const EventQuery& query) override {
    {
      absl::MutexLock lock(&hold_mutex_);
      hold_mutex_.Await(absl::Condition(&reads_released_));
    }
    ++event_reads;
    return ForwardingStore::ListEvents(query);
  }
  absl::Status AppendAudit(const AuditRecord& record) override {
    if (fail_audits) return absl::UnavailableError("audit database unavailable");
    return ForwardingStore::AppendAudit(record);
  }

  // While held, reads of the event log wait: a store slow to answer the hub's reader thread.
  void HoldReads() {
    absl::MutexLock lock(&hold_mutex_);
    reads_released_ = false;
  }
  void ReleaseReads() {
    absl::MutexLock lock(&hold_mutex_);
    reads_released_ = true;
  }

  std::atomic<int> event_reads = 0;
  std::atomic<int> client_reads = 0;
  std::atomic<bool> fail_audits = false;

 private:
  MemoryStore memory_;  // constructed after the base, which only keeps the reference
  absl::Mutex hold_mutex_;
  bool reads_released_ ABSL_GUARDED_BY(hold_mutex_) = true;
};

class EventHubTest : public ::testing::Test {
 protected:
  EventHubTest() : hub_(store_, EventHubOptions{.poll_interval = absl::Seconds(30), .batch = 10}) {
    PutClient("ana", {"dr-lee"}, WriteMode::kInsert);
    PutClient("ben", {}, WriteMode::kInsert);
  }

  void PutClient(const std::string& id, const std::vector<std::string>& team, WriteMode mode) {
    v1::Client client;
    client.set_name("practices/sunrise/clients/" + id);
    for (const std::string& therapist : team) client.add_care_team(therapist);
    std::optional<v1::Client> stored = *store_.GetClient(client.name());
    client.set_etag(absl::StrCat("e", ++etags_));
    ASSERT_THAT(CommitAndWake(Mutation{
                    .client = Put<v1::Client>{.mode = mode,
                                              .resource = client,
                                              .expected_etag = stored ? stored->etag() : ""}}),
                IsOk());
  }

  // Appends one event of `client` and wakes the hub; returns its cursor.
  std::string Write(const std::string& client) {
    const std::string name = "practices/sunrise/clients/" + client;
    EXPECT_TRUE(CommitAndWake(Mutation{.events = {EventRecord{
                                           .practice = "sunrise",
                                           .client = name,
                                           .type = v1::Event::TYPE_COMPLETION_RECORDED,
                                           .resource = name + "/assignments/a/completions/c",
                                           .actor = client,
                                           .time = absl::Now()}}})
                    .ok());
    return EventCursor(*store_.LatestEventSequence());
  }

  // Puts ana's assignment `id` and appends its event; returns the assignment as stored.
  v1::Assignment WriteAssignment(const std::string& id) {
    v1::Assignment assignment;
    assignment.set_name("practices/sunrise/clients/ana/assignments/" + id);
    assignment.set_title("Mood check");
    assignment.set_state(v1::Assignment::STATE_DRAFT);
    assignment.set_etag(absl::StrCat("e", ++etags_));
    EXPECT_THAT(CommitAndWake(
                    Mutation{.assignment = Put<v1::Assignment>{WriteMode::kInsert, assignment, ""},
                             .events = {EventRecord{.practice = "sunrise",
                                                    .client = "practices/sunrise/clients/ana",
                                                    .type = v1::Event::TYPE_ASSIGNMENT_CREATED,
                                                    .resource = assignment.name(),
                                                    .actor = "dr-lee",
                                                    .time = absl::Now()}}}),
                IsOk());
    return assignment;
  }

  static WatchScope Scope(const Caller& caller, const std::string& client = "",
                          const std::string& therapist = "", bool include_assignments = false) {
    v1::WatchEventsRequest request;
    request.set_parent("practices/sunrise");
    request.set_client(client.empty() ? "" : "practices/sunrise/clients/" + client);
    request.set_therapist(therapist);
    request.set_include_assignments(include_assignments);
    absl::StatusOr<WatchScope> scope = ParseWatchScope(caller, request);
    EXPECT_THAT(scope, IsOk());
    return *scope;
  }

  static std::vector<std::string> Cursors(const std::vector<v1::Event>& events) {
    std::vector<std::string> cursors;
    for (const v1::Event& event : events) cursors.push_back(event.cursor());
    return cursors;
  }

  int64_t Now() { return *store_.LatestEventSequence(); }

  // A commit as Homework makes it in the server: the hub is woken when it appended events
  // (HomeworkOptions::events_committed).
  absl::StatusOr<CommitOutcome> CommitAndWake(const Mutation& mutation) {
    absl::StatusOr<CommitOutcome> outcome = store_.Commit(mutation);
    if (outcome.ok() && !mutation.events.empty()) hub_.Wake();
    return outcome;
  }

  int etags_ = 0;
  CountingStore store_;
  EventHub hub_;
};

TEST_F(EventHubTest, OneReadOfTheLogReachesEveryWatcherInLogOrder) {
  std::vector<std::unique_ptr<RecordingListener>> listeners;
  std::vector<uint64_t> ids;
  for (int i = 0; i < 50; ++i) {
    listeners.push_back(std::make_unique<RecordingListener>());
    ids.push_back(hub_.Subscribe(Scope(kService), Now(), *listeners.back()));
  }
  // The hub has read the practice's position before its reads are counted.
  ASSERT_TRUE(hub_.WaitUntilIdle(absl::Seconds(5)));
  const int reads_before = store_.event_reads;
  std::vector<std::string> written;
  for (const char* client : {"ana", "ben", "ana"}) written.push_back(Write(client));

  for (auto& listener : listeners) {
    EXPECT_THAT(Cursors(listener->WaitFor(3)), ElementsAreArray(written));
  }
  // One shared read per wake-up (at most one per write here), not one per watcher.
  EXPECT_LE(store_.event_reads - reads_before, 3);
  for (uint64_t id : ids) hub_.Unsubscribe(id);
  EXPECT_EQ(hub_.watchers(), 0u);
}

TEST_F(EventHubTest, AWatcherFromAnOldCursorCatchesUpThenJoinsLiveWithoutGapsOrDuplicates) {
  // Older than the shared reads' position: 25 events before the watch (batches of 10).
  const int64_t start = Now();
  std::vector<std::string> written;
  for (int i = 0; i < 25; ++i) written.push_back(Write(i % 2 ? "ana" : "ben"));
  // Another watcher makes the hub's shared reads run ahead of the late one.
  RecordingListener early;
  const uint64_t early_id = hub_.Subscribe(Scope(kService), Now(), early);
  ASSERT_TRUE(hub_.WaitUntilIdle(absl::Seconds(5)));

  RecordingListener late;
  const uint64_t late_id = hub_.Subscribe(Scope(kService), start, late);
  // Writes race with the catch-up.
  std::thread writer([&] {
    for (int i = 0; i < 40; ++i) written.push_back(Write(i % 3 ? "ana" : "ben"));
  });
  writer.join();
  EXPECT_THAT(Cursors(late.WaitFor(65)), ElementsAreArray(written));
  // Events arrive in log order: a duplicate of any of them would come before the next one.
  written.push_back(Write("ana"));
  EXPECT_THAT(Cursors(late.WaitFor(66)), ElementsAreArray(written)) << "no duplicates";
  EXPECT_EQ(early.WaitFor(41).size(), 41u);  // the 40 written after it, and the next
  hub_.Unsubscribe(early_id);
  hub_.Unsubscribe(late_id);
}

TEST_F(EventHubTest, AFullWatcherResumesFromTheLogWhereItStopped) {
  RecordingListener slow(/*capacity=*/4);
  const uint64_t id = hub_.Subscribe(Scope(kService), Now(), slow);
  std::vector<std::string> written;
  for (int i = 0; i < 12; ++i) written.push_back(Write("ana"));
  // Full at 4: the listener refuses the rest, which the hub must read again from the log.
  EXPECT_EQ(slow.WaitFor(4).size(), 4u);
  for (int round = 0; round < 2; ++round) {
    slow.Drain();
    hub_.Wake();
    slow.WaitFor(4u * (round + 2));
  }
  EXPECT_THAT(Cursors(slow.events()), ElementsAreArray(written));
  hub_.Unsubscribe(id);
}

TEST_F(EventHubTest, ATherapistSeesOnlyTheirCareTeamsClients) {
  RecordingListener practice;
  const uint64_t id = hub_.Subscribe(Scope(kTherapist), Now(), practice);
  const std::string ana = Write("ana");
  Write("ben");
  const std::string ana_again = Write("ana");
  // In log order, ben's event would have come between the two; nothing follows the next one.
  const std::string next = Write("ana");
  EXPECT_THAT(Cursors(practice.WaitFor(3)), ElementsAre(ana, ana_again, next));
  hub_.Unsubscribe(id);
}

TEST_F(EventHubTest, ATherapistTakenOffTheCareTeamStopsReceivingAtOnce) {
  RecordingListener one_client;
  RecordingListener practice;
  const uint64_t one_id = hub_.Subscribe(Scope(kTherapist, "ana"), Now(), one_client);
  const uint64_t practice_id = hub_.Subscribe(Scope(kTherapist), Now(), practice);
  const std::string before = Write("ana");
  ASSERT_EQ(one_client.WaitFor(1).size(), 1u);
  ASSERT_EQ(practice.WaitFor(1).size(), 1u);

  PutClient("ana", {"dr-kim"}, WriteMode::kUpdate);
  Write("ana");
  // The watch of that one client ends with PERMISSION_DENIED, and the refusal is audited.
  std::optional<absl::Status> end = one_client.WaitForEnd();
  ASSERT_TRUE(end.has_value());
  EXPECT_THAT(*end, StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(Cursors(one_client.events()), ElementsAre(before));
  absl::StatusOr<std::vector<AuditRecord>> audit =
      store_.ListAudit("practices/sunrise/clients/ana", 100);
  ASSERT_THAT(audit, IsOk());
  ASSERT_FALSE(audit->empty());
  EXPECT_EQ(audit->back().action, "WatchEvents");
  EXPECT_EQ(audit->back().actor, "dr-lee");
  EXPECT_EQ(audit->back().outcome, "PERMISSION_DENIED");
  // The practice-wide watch stays open and no longer shows ana's events.
  const std::string ben_visible = [&] {
    PutClient("ben", {"dr-lee"}, WriteMode::kUpdate);
    return Write("ben");
  }();
  EXPECT_THAT(Cursors(practice.WaitFor(2)), ElementsAre(before, ben_visible));
  EXPECT_FALSE(practice.ended());
  hub_.Unsubscribe(one_id);
  hub_.Unsubscribe(practice_id);
}

TEST_F(EventHubTest, CareTeamsAreReadOncePerBatchForAllWatchers) {
  std::vector<std::unique_ptr<RecordingListener>> listeners;
  std::vector<uint64_t> ids;
  for (int i = 0; i < 20; ++i) {
    listeners.push_back(std::make_unique<RecordingListener>());
    ids.push_back(hub_.Subscribe(Scope(kTherapist), Now(), *listeners.back()));
  }
  ASSERT_TRUE(hub_.WaitUntilIdle(absl::Seconds(5)));
  const int reads_before = store_.client_reads;
  Write("ana");
  for (auto& listener : listeners) EXPECT_EQ(listener->WaitFor(1).size(), 1u);
  EXPECT_EQ(store_.client_reads - reads_before, 1);
  for (uint64_t id : ids) hub_.Unsubscribe(id);
}

TEST_F(EventHubTest, AClientNeverSeesUrgentFlagsNorOtherClients) {
  RecordingListener ana;
  const Caller ana_caller{"ana", "sunrise", Role::kClient, "call-5"};
  const uint64_t id = hub_.Subscribe(Scope(ana_caller, "ana"), Now(), ana);
  ASSERT_TRUE(
      CommitAndWake(Mutation{.events = {EventRecord{.practice = "sunrise",
                                                    .client = "practices/sunrise/clients/ana",
                                                    .type = v1::Event::TYPE_URGENT_FLAG_RAISED,
                                                    .resource = "practices/sunrise/clients/ana",
                                                    .actor = "ana",
                                                    .time = absl::Now()}}})
          .ok());
  Write("ben");
  const std::string visible = Write("ana");
  // In log order, the flag and ben's event would have come first; nothing follows the next one.
  const std::string next = Write("ana");
  EXPECT_THAT(Cursors(ana.WaitFor(2)), ElementsAre(visible, next));
  hub_.Unsubscribe(id);
}

TEST_F(EventHubTest, AnUnsubscribedWatcherIsNeverCalledAgain) {
  RecordingListener gone;
  const uint64_t id = hub_.Subscribe(Scope(kService), Now(), gone);
  Write("ana");
  ASSERT_EQ(gone.WaitFor(1).size(), 1u);
  hub_.Unsubscribe(id);
  // One reader thread offers a pass's events to every watcher before it reads again: `after`,
  // written once another watcher had `unseen`, is read in a later pass, so once that watcher has
  // it, `unseen` was offered to everyone subscribed.
  RecordingListener control;
  const uint64_t control_id = hub_.Subscribe(Scope(kService), Now(), control);
  const std::string unseen = Write("ana");
  ASSERT_THAT(Cursors(control.WaitFor(1)), ElementsAre(unseen));
  const std::string after = Write("ana");
  ASSERT_THAT(Cursors(control.WaitFor(2)), ElementsAre(unseen, after));
  EXPECT_EQ(gone.events().size(), 1u);
  EXPECT_FALSE(gone.ended());
  hub_.Unsubscribe(control_id);
  hub_.Unsubscribe(id);  // twice is harmless
}

TEST_F(EventHubTest, CloseEndsThousandsOfOpenWatchesPromptlyAndRefusesNewOnes) {
  std::vector<std::unique_ptr<RecordingListener>> listeners;
  for (int i = 0; i < 5000; ++i) {
    listeners.push_back(std::make_unique<RecordingListener>());
    hub_.Subscribe(Scope(kService), Now(), *listeners.back());
  }
  EXPECT_EQ(hub_.watchers(), 5000u);
  const absl::Time start = absl::Now();
  hub_.Close();
  EXPECT_LT(absl::Now() - start, absl::Seconds(1));
  for (auto& listener : listeners) {
    std::optional<absl::Status> end = listener->WaitForEnd();
    ASSERT_TRUE(end.has_value());
    EXPECT_TRUE(end->ok());
  }
  EXPECT_EQ(hub_.watchers(), 0u);
  RecordingListener late;
  EXPECT_EQ(hub_.Subscribe(Scope(kService), Now(), late), 0u);
  EXPECT_THAT(late.events(), IsEmpty());
  ASSERT_TRUE(late.WaitForEnd().has_value());
}

TEST_F(EventHubTest, ReplicaWritesArriveByPollingTheLog) {
  // A hub with a short poll; its store is written behind its back (as another replica would).
  EventHub polling(store_, EventHubOptions{.poll_interval = absl::Milliseconds(20), .batch = 10});
  RecordingListener listener;
  const uint64_t id = polling.Subscribe(Scope(kService), Now(), listener);
  // The read Subscribe starts is over: only a poll can bring the event.
  ASSERT_TRUE(polling.WaitUntilIdle(absl::Seconds(5)));
  ASSERT_TRUE(store_
                  .Commit(Mutation{.events = {EventRecord{
                                       .practice = "sunrise",
                                       .client = "practices/sunrise/clients/ben",
                                       .type = v1::Event::TYPE_ASSIGNMENT_CREATED,
                                       .resource = "practices/sunrise/clients/ben/assignments/x",
                                       .actor = "dr-kim",
                                       .time = absl::Now()}}})
                  .ok());
  EXPECT_THAT(Cursors(listener.WaitFor(1)), ElementsAre(EventCursor(Now())));
  polling.Unsubscribe(id);
}

TEST_F(EventHubTest, LagIsTheAgeOfTheOldestEventAtTheLastRead) {
  // A long poll: the hub reads only when woken.
  EventHub polling(store_, EventHubOptions{.poll_interval = absl::Seconds(60), .batch = 10});
  RecordingListener listener;
  const uint64_t id = polling.Subscribe(Scope(kService), Now(), listener);
  ASSERT_TRUE(polling.WaitUntilIdle(absl::Seconds(5)));
  EXPECT_EQ(polling.lag(), absl::ZeroDuration()) << "a read that found nothing";
  // An event committed 30 s before the hub reads it (a replica's, delayed).
  ASSERT_THAT(store_.Commit(Mutation{
                  .events = {EventRecord{.practice = "sunrise",
                                         .client = "practices/sunrise/clients/ben",
                                         .type = v1::Event::TYPE_ASSIGNMENT_CREATED,
                                         .resource = "practices/sunrise/clients/ben/assignments/x",
                                         .actor = "dr-kim",
                                         .time = absl::Now() - absl::Seconds(30)}}}),
              IsOk());
  polling.Wake();
  ASSERT_TRUE(polling.WaitUntilIdle(absl::Seconds(5)));
  EXPECT_EQ(listener.events().size(), 1u);
  EXPECT_GE(polling.lag(), absl::Seconds(30));
  EXPECT_LT(polling.lag(), absl::Seconds(40));
  // The next read finds nothing new: the lag is back to zero.
  polling.Wake();
  ASSERT_TRUE(polling.WaitUntilIdle(absl::Seconds(5)));
  EXPECT_EQ(polling.lag(), absl::ZeroDuration());
  polling.Unsubscribe(id);
}

TEST_F(EventHubTest, AnAssignmentIsReadOnceForAllItsWatchersAndSentOnlyOnceAudited) {
  RecordingListener asked, also_asked, plain;
  const uint64_t ids[] = {
      hub_.Subscribe(Scope(kTherapist, "ana", "", true), Now(), asked),
      hub_.Subscribe(Scope(kService, "ana", "", true), Now(), also_asked),
      hub_.Subscribe(Scope(kService, "ana"), Now(), plain),
  };
  ASSERT_TRUE(hub_.WaitUntilIdle(absl::Seconds(5)));
  const v1::Assignment stored = WriteAssignment("a1");
  for (RecordingListener* listener : {&asked, &also_asked}) {
    std::vector<v1::Event> events = listener->WaitFor(1);
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].assignment().SerializeAsString(), stored.SerializeAsString());
  }
  ASSERT_EQ(plain.WaitFor(1).size(), 1u);
  EXPECT_FALSE(plain.events()[0].has_assignment());
  std::vector<std::string> readers;
  const absl::StatusOr<std::vector<AuditRecord>> audit = store_.ListAudit(stored.name(), 10);
  ASSERT_THAT(audit, IsOk());
  for (const AuditRecord& record : *audit) {
    if (record.action == "WatchEvents") readers.push_back(record.actor);
  }
  EXPECT_THAT(readers, ::testing::UnorderedElementsAre("dr-lee", "platform-backend"));

  // An assignment whose read cannot be audited is not sent: the event comes with names only.
  store_.fail_audits = true;
  WriteAssignment("a2");
  ASSERT_EQ(asked.WaitFor(2).size(), 2u);
  EXPECT_EQ(asked.events()[1].resource(), "practices/sunrise/clients/ana/assignments/a2");
  EXPECT_FALSE(asked.events()[1].has_assignment());
  store_.fail_audits = false;
  for (uint64_t id : ids) hub_.Unsubscribe(id);
}

TEST_F(EventHubTest, WithNobodyWatchingCommitsDoNotWakeTheReader) {
  ASSERT_TRUE(hub_.WaitUntilIdle(absl::Seconds(5)));
  const uint64_t passes = hub_.passes();
  const int64_t start = Now();
  for (int i = 0; i < 20; ++i) Write("ana");  // each wakes the hub
  ASSERT_TRUE(hub_.WaitUntilIdle(absl::Seconds(5)));
  absl::SleepFor(absl::Milliseconds(100));  // time for passes that should not happen
  EXPECT_EQ(hub_.passes(), passes);
  // The first watcher gets the reader going: it is caught up on what was written meanwhile.
  RecordingListener listener;
  const uint64_t id = hub_.Subscribe(Scope(kService), start, listener);
  EXPECT_EQ(listener.WaitFor(20).size(), 20u);
  EXPECT_GT(hub_.passes(), passes);
  hub_.Unsubscribe(id);
}

TEST_F(EventHubTest, WaitUntilIdleReturnsOnceEverythingWokenForWasHandedOut) {
  RecordingListener listener;
  const uint64_t id = hub_.Subscribe(Scope(kService), Now(), listener);
  std::vector<std::string> written;
  for (int i = 0; i < 25; ++i) written.push_back(Write(i % 2 ? "ana" : "ben"));  // 3 batches
  ASSERT_TRUE(hub_.WaitUntilIdle(absl::Seconds(5)));
  // No waiting on the listener: the hub had handed out all 25 when WaitUntilIdle returned.
  EXPECT_THAT(Cursors(listener.events()), ElementsAreArray(written));
  hub_.Unsubscribe(id);
}

TEST_F(EventHubTest, WaitUntilIdleGivesUpAtItsTimeoutWhileTheLogCannotBeRead) {
  // A hub whose reader thread is held inside a read cannot finish a pass.
  RecordingListener listener;
  const uint64_t id = hub_.Subscribe(Scope(kService), Now(), listener);
  ASSERT_TRUE(hub_.WaitUntilIdle(absl::Seconds(5)));
  store_.HoldReads();
  hub_.Wake();
  EXPECT_FALSE(hub_.WaitUntilIdle(absl::Milliseconds(200)));
  store_.ReleaseReads();
  EXPECT_TRUE(hub_.WaitUntilIdle(absl::Seconds(5)));
  hub_.Unsubscribe(id);
}

}  // namespace
}  // namespace therapy::homework
