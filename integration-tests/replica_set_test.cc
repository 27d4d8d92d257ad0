// Several homework-server replicas on one PostgreSQL database behave as one service: what one
// replica writes the other reads, request ids and etags hold across them, a watch on one replica
// delivers the other's writes and resumes on either, a database restart in the middle of a
// write load loses no acknowledged write and needs no replica restarted, and a replica opens no
// more connections than its --postgres_connections.
//
// One private PostgreSQL cluster per test process (storage/postgres/test_cluster.h, started by
// the global environment in main); each test gets a database of its own and two real
// homework-server processes on it, `--store=postgresql:///t_<n>?host=<socket dir>...`, trusting
// the same signing key. Registered as one ctest test (labels `postgres` and `integration`), so
// the cluster starts once.

#include <gmock/gmock.h>
#include <google/protobuf/util/time_util.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <deque>
#include <future>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "integration-tests/event_watch.h"
#include "integration-tests/rpc_test_support.h"
#include "integration-tests/server_process.h"
#include "services/homework/auth/dev_keys.h"
#include "services/homework/client/call.h"
#include "services/homework/storage/postgres/connection.h"
#include "services/homework/storage/postgres/test_cluster.h"
#include "testing/status_matchers.h"

namespace therapy::homework::testing {
namespace {

using ::google::protobuf::util::TimeUtil;
using ::testing::ElementsAreArray;
using ::testing::IsEmpty;
using ::therapy::homework::testing::IsOk;

constexpr char kPractice[] = "clinic-a";
constexpr char kPracticeName[] = "practices/clinic-a";
constexpr char kZone[] = "Europe/Berlin";

// Replicas learn of each other's writes by polling the event log every 250 ms.
constexpr absl::Duration kCrossReplicaDelivery = absl::Seconds(2);

// ---- The cluster: one per test process, started by the global environment (see main). ----

postgres::TestCluster* cluster = nullptr;

class ClusterEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<postgres::TestCluster>> started =
        postgres::TestCluster::Create({.parent_dir = ::testing::TempDir()});
    ASSERT_THAT(started, IsOk());
    cluster_ = *std::move(started);
    cluster = cluster_.get();
  }
  void TearDown() override {
    cluster = nullptr;
    cluster_.reset();
  }

 private:
  std::unique_ptr<postgres::TestCluster> cluster_;
};

// One step of a fear-of-lifts hierarchy, with what activation needs (a minimum version).
v1::Assignment LiftExposure() {
  v1::Assignment assignment;
  assignment.set_title("Ride the office lift to the 4th floor");
  v1::Exercise* exercise = assignment.mutable_exercise();
  exercise->set_kind(v1::EXERCISE_KIND_EXPOSURE_PRACTICE);
  exercise->set_instructions("Ride up and down until your distress has dropped by half.");
  exercise->mutable_exposure_practice()->set_situation(
      "Office lift, ground floor to 4th floor, alone");
  exercise->mutable_exposure_practice()->set_expected_suds(70);
  exercise->mutable_exposure_practice()->set_stay_until_drop_percent(50);
  v1::Schedule* schedule = assignment.mutable_schedule();
  schedule->set_target_count(1);
  schedule->set_period(v1::Schedule::PERIOD_DAY);
  schedule->set_minutes_per_practice(20);
  schedule->set_start_date(DayIn(kZone, -1));
  schedule->set_minimum_version("Stand in the open lift for two minutes");
  return assignment;
}

// A done practice a minute ago lasting `minutes`, with `note` as the client's note.
v1::Completion LiftPractice(int minutes, const std::string& note) {
  v1::Completion completion;
  *completion.mutable_occur_time() =
      TimeUtil::SecondsToTimestamp(absl::ToUnixSeconds(absl::Now() - absl::Minutes(1)));
  completion.set_occur_time_zone(kZone);
  completion.set_status(v1::Completion::STATUS_DONE);
  completion.set_minutes(minutes);
  completion.mutable_suds()->set_before(60);
  completion.mutable_suds()->set_peak(75);
  completion.mutable_suds()->set_after(30);
  completion.set_client_note(note);
  return completion;
}

// "TYPE_COMPLETION_RECORDED practices/.../completions/x", for comparing event sequences.
std::string DescribeEvent(const std::optional<v1::Event>& event) {
  if (!event) return "no event";
  return absl::StrCat(v1::Event::Type_Name(event->type()), " ", event->resource());
}

std::string Recorded(const std::string& resource) {
  return absl::StrCat("TYPE_COMPLETION_RECORDED ", resource);
}

class ReplicaSetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NE(cluster, nullptr) << "the PostgreSQL test cluster did not start";
    absl::StatusOr<std::string> database = cluster->CreateDatabase();
    ASSERT_THAT(database, IsOk());
    database_ = *database;
    absl::StatusOr<SigningKey> key = GenerateSigningKey("replica-set-1");
    ASSERT_THAT(key, IsOk());
    key_ = *key;

    // Both replicas start together on the empty database: migrations run once, under the
    // advisory lock, whichever comes first.
    const ServerOptions options{.store = cluster->Uri(database_), .signing_key = *key};
    auto start_a = std::async(std::launch::async, [&] { return ServerProcess::Start(options); });
    auto start_b = std::async(std::launch::async, [&] { return ServerProcess::Start(options); });
    absl::StatusOr<std::unique_ptr<ServerProcess>> a = start_a.get();
    absl::StatusOr<std::unique_ptr<ServerProcess>> b = start_b.get();
    ASSERT_THAT(a, IsOk()) << "replica A: " << a.status();
    ASSERT_THAT(b, IsOk()) << "replica B: " << b.status();
    replica_a_ = *std::move(a);
    replica_b_ = *std::move(b);
    stub_a_ = replica_a_->NewStub();
    stub_b_ = replica_b_->NewStub();
    // Either replica's Token() would do: they sign with the same key.
    platform_ = replica_a_->Token("platform-backend", "service", kPractice);
    dr_ada_ = replica_a_->Token("dr-ada", "therapist", kPractice);
    alex_ = replica_a_->Token("alex", "client", kPractice);
  }

  void TearDown() override {
    if (HasFailure()) {
      if (replica_a_) std::cerr << "replica A stderr:\n" << replica_a_->StderrTail() << "\n";
      if (replica_b_) std::cerr << "replica B stderr:\n" << replica_b_->StderrTail() << "\n";
    }
    stub_a_.reset();
    stub_b_.reset();
    replica_a_.reset();
    replica_b_.reset();
    if (cluster != nullptr && !database_.empty()) {
      const absl::Status dropped = cluster->DropDatabase(database_);
      EXPECT_THAT(dropped, IsOk());
    }
  }

  // The platform creates the client "alex" of clinic-a, on Dr Ada's care team, through `stub`.
  grpc::Status CreateAlex(Stub& stub, v1::Client* client, const std::string& request_id = "") {
    v1::CreateClientRequest request;
    request.set_parent(kPracticeName);
    request.set_client_id("alex");
    request.mutable_client()->set_display_name("Alex Brandt");
    request.mutable_client()->set_time_zone(kZone);
    request.mutable_client()->add_care_team("dr-ada");
    request.set_request_id(request_id);
    return Call(stub, &Stub::CreateClient, platform_, request, client);
  }

  grpc::Status CreateDraft(Stub& stub, const std::string& client_name, v1::Assignment* draft,
                           const std::string& request_id = "") {
    v1::CreateAssignmentRequest request;
    request.set_parent(client_name);
    *request.mutable_assignment() = LiftExposure();
    request.set_request_id(request_id);
    return Call(stub, &Stub::CreateAssignment, dr_ada_, request, draft);
  }

  grpc::Status Activate(Stub& stub, const v1::Assignment& draft, v1::Assignment* active) {
    v1::ActivateAssignmentRequest request;
    request.set_name(draft.name());
    request.set_etag(draft.etag());
    return Call(stub, &Stub::ActivateAssignment, dr_ada_, request, active);
  }

  grpc::Status Record(Stub& stub, const std::string& assignment_name,
                      const v1::Completion& completion, v1::Completion* recorded,
                      const std::string& request_id = "") {
    v1::CreateCompletionRequest request;
    request.set_parent(assignment_name);
    *request.mutable_completion() = completion;
    request.set_request_id(request_id);
    return Call(stub, &Stub::CreateCompletion, alex_, request, recorded);
  }

  // Alex, created on replica A with the lift exposure drafted there and activated on `activate_on`.
  void AlexWithActiveLiftExposure(Stub& activate_on, v1::Client* alex, v1::Assignment* active) {
    ASSERT_RPC_OK(CreateAlex(*stub_a_, alex));
    v1::Assignment draft;
    ASSERT_RPC_OK(CreateDraft(*stub_a_, alex->name(), &draft));
    ASSERT_RPC_OK(Activate(activate_on, draft, active));
  }

  // Dr Ada's watch of Alex's events on `stub`, resuming after `after_cursor` when given.
  std::unique_ptr<EventWatch> WatchAlex(Stub& stub, const std::string& client_name,
                                        const std::string& after_cursor = "") {
    v1::WatchEventsRequest request;
    request.set_parent(kPracticeName);
    request.set_client(client_name);
    request.set_after_cursor(after_cursor);
    return std::make_unique<EventWatch>(stub, dr_ada_, request);
  }

  // Every completion of `assignment_name`, all pages, read through `stub`.
  std::vector<v1::Completion> ListAllCompletions(Stub& stub, const std::string& assignment_name) {
    std::vector<v1::Completion> all;
    v1::ListCompletionsRequest request;
    request.set_parent(assignment_name);
    request.set_page_size(1000);
    for (int page = 0; page < 100; ++page) {
      v1::ListCompletionsResponse response;
      const grpc::Status status = Call(stub, &Stub::ListCompletions, dr_ada_, request, &response);
      if (!status.ok()) {
        ADD_FAILURE() << "ListCompletions: " << Describe(status);
        break;
      }
      all.insert(all.end(), response.completions().begin(), response.completions().end());
      if (response.next_page_token().empty()) break;
      request.set_page_token(response.next_page_token());
    }
    return all;
  }

  std::string database_;
  std::optional<SigningKey> key_;  // the replicas' signing key
  std::unique_ptr<ServerProcess> replica_a_;
  std::unique_ptr<ServerProcess> replica_b_;
  std::unique_ptr<Stub> stub_a_;
  std::unique_ptr<Stub> stub_b_;
  std::string platform_;  // service caller of clinic-a
  std::string dr_ada_;    // therapist of clinic-a, on Alex's care team
  std::string alex_;      // the client "alex" of clinic-a
};

TEST_F(ReplicaSetTest, ClientCreatedOnOneReplicaIsReadOnTheOther) {
  v1::Client created;
  ASSERT_RPC_OK(CreateAlex(*stub_a_, &created));

  v1::GetClientRequest get;
  get.set_name("practices/clinic-a/clients/alex");
  v1::Client read;
  ASSERT_RPC_OK(Call(*stub_b_, &Stub::GetClient, dr_ada_, get, &read));
  EXPECT_EQ(read.name(), "practices/clinic-a/clients/alex");
  EXPECT_EQ(read.display_name(), "Alex Brandt");
  EXPECT_EQ(read.time_zone(), kZone);
  EXPECT_THAT(read.care_team(), ElementsAreArray({"dr-ada"}));
  EXPECT_EQ(read.etag(), created.etag());

  // The id is taken for the whole service, not per replica.
  v1::Client again;
  const grpc::Status taken = CreateAlex(*stub_b_, &again);
  EXPECT_EQ(taken.error_code(), grpc::StatusCode::ALREADY_EXISTS) << Describe(taken);
}

// Sessions of the database whose application_name is 'replica-c'.
constexpr postgres::Sql kReplicaCSessions{
    "count replica C's sessions",
    "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'replica-c'"};

TEST_F(ReplicaSetTest, AReplicaOpensNoMoreDatabaseConnectionsThanItsFlagAllows) {
  v1::Client alex;
  v1::Assignment active;
  ASSERT_NO_FATAL_FAILURE(AlexWithActiveLiftExposure(*stub_a_, &alex, &active));

  // A third replica with two connections, which PostgreSQL shows under the name it connects
  // with. Its callers outnumber them eightfold.
  absl::StatusOr<std::unique_ptr<ServerProcess>> replica_c = ServerProcess::Start(
      {.store = absl::StrCat(cluster->Uri(database_), "&application_name=replica-c"),
       .signing_key = key_,
       .extra_flags = {"--postgres_connections=2"}});
  ASSERT_THAT(replica_c, IsOk());
  std::unique_ptr<Stub> stub_c = (*replica_c)->NewStub();
  absl::StatusOr<std::unique_ptr<postgres::Connection>> admin =
      postgres::Connection::Open({.conninfo = cluster->Uri(database_)});
  ASSERT_THAT(admin, IsOk());

  std::atomic<bool> loading{true};
  int64_t most_sessions = 0;
  std::thread sampler([&] {
    while (loading.load()) {
      absl::StatusOr<postgres::Result> sessions = (*admin)->Execute(kReplicaCSessions);
      if (sessions.ok()) most_sessions = std::max(most_sessions, sessions->Int64(0, 0));
      absl::SleepFor(absl::Milliseconds(1));
    }
  });
  constexpr int kCallers = 16;
  constexpr int kCallsEach = 15;
  std::atomic<int> recorded{0};
  std::vector<std::thread> callers;
  for (int t = 0; t < kCallers; ++t) {
    callers.emplace_back([&, t] {
      for (int i = 0; i < kCallsEach; ++i) {
        v1::Completion completion;
        const grpc::Status status =
            Record(*stub_c, active.name(), LiftPractice(20, absl::StrCat("Ride ", t, ".", i)),
                   &completion);
        EXPECT_TRUE(status.ok()) << Describe(status);
        if (status.ok()) recorded.fetch_add(1);
      }
    });
  }
  for (std::thread& caller : callers) caller.join();
  loading.store(false);
  sampler.join();

  EXPECT_EQ(recorded.load(), kCallers * kCallsEach);
  EXPECT_EQ(ListAllCompletions(*stub_a_, active.name()).size(),
            static_cast<size_t>(kCallers * kCallsEach));
  EXPECT_GE(most_sessions, 1) << "replica C's sessions were never seen";
  EXPECT_LE(most_sessions, 2);
}

TEST_F(ReplicaSetTest, AConnectionCountOutsideItsBoundsIsRefusedAtStartup) {
  for (const char* flag : {"--postgres_connections=0", "--postgres_connections=1001"}) {
    absl::StatusOr<std::unique_ptr<ServerProcess>> refused =
        ServerProcess::Start({.store = cluster->Uri(database_),
                              .extra_flags = {flag},
                              .start_timeout = absl::Seconds(10)});
    EXPECT_THAT(refused.status().message(),
                ::testing::HasSubstr("--postgres_connections must be 1 to 1000"))
        << flag;
  }
}

TEST_F(ReplicaSetTest, RequestIdReplayedOnTheOtherReplicaReturnsTheFirstResultStoredOnce) {
  v1::Client alex;
  ASSERT_RPC_OK(CreateAlex(*stub_a_, &alex, "create-alex-7f3c"));
  v1::Client alex_replayed;
  ASSERT_RPC_OK(CreateAlex(*stub_b_, &alex_replayed, "create-alex-7f3c"));
  EXPECT_EQ(alex_replayed.name(), alex.name());
  EXPECT_EQ(alex_replayed.etag(), alex.etag());

  v1::Assignment draft;
  ASSERT_RPC_OK(CreateDraft(*stub_a_, alex.name(), &draft, "assign-lift-91ab"));
  v1::Assignment replayed;
  ASSERT_RPC_OK(CreateDraft(*stub_b_, alex.name(), &replayed, "assign-lift-91ab"));
  EXPECT_EQ(replayed.name(), draft.name());
  EXPECT_EQ(replayed.etag(), draft.etag());
  EXPECT_EQ(replayed.state(), v1::Assignment::STATE_DRAFT);

  v1::ListAssignmentsRequest list;
  list.set_parent(alex.name());
  v1::ListAssignmentsResponse listed;
  ASSERT_RPC_OK(Call(*stub_b_, &Stub::ListAssignments, dr_ada_, list, &listed));
  ASSERT_EQ(listed.assignments_size(), 1);
  EXPECT_EQ(listed.assignments(0).name(), draft.name());

  // The same for a completion, replayed on A after a create on B.
  v1::Assignment active;
  ASSERT_RPC_OK(Activate(*stub_b_, draft, &active));
  // One request sent twice (made again a second later, its occur time would differ).
  const v1::Completion practice = LiftPractice(25, "Went up four times.");
  v1::Completion first;
  ASSERT_RPC_OK(Record(*stub_b_, active.name(), practice, &first, "practice-0412"));
  v1::Completion resent;
  ASSERT_RPC_OK(Record(*stub_a_, active.name(), practice, &resent, "practice-0412"));
  EXPECT_EQ(resent.name(), first.name());
  EXPECT_EQ(ListAllCompletions(*stub_a_, active.name()).size(), 1u);
}

TEST_F(ReplicaSetTest, UpdateOnOneReplicaWithEtagStaleFromTheOtherIsAborted) {
  v1::Client alex;
  ASSERT_RPC_OK(CreateAlex(*stub_a_, &alex));
  v1::Assignment draft;
  ASSERT_RPC_OK(CreateDraft(*stub_a_, alex.name(), &draft));

  // Dr Ada reads on B; a colleague's session updates it on A.
  v1::GetAssignmentRequest get;
  get.set_name(draft.name());
  v1::Assignment read_on_b;
  ASSERT_RPC_OK(Call(*stub_b_, &Stub::GetAssignment, dr_ada_, get, &read_on_b));
  ASSERT_EQ(read_on_b.etag(), draft.etag());

  v1::UpdateAssignmentRequest update_on_a;
  *update_on_a.mutable_assignment() = read_on_b;
  update_on_a.mutable_assignment()->set_title("Ride the office lift to the 6th floor");
  update_on_a.mutable_update_mask()->add_paths("title");
  v1::Assignment updated;
  ASSERT_RPC_OK(Call(*stub_a_, &Stub::UpdateAssignment, dr_ada_, update_on_a, &updated));
  EXPECT_NE(updated.etag(), read_on_b.etag());

  v1::UpdateAssignmentRequest stale_on_b;
  *stale_on_b.mutable_assignment() = read_on_b;
  stale_on_b.mutable_assignment()->set_title("Ride the office lift to the 2nd floor");
  stale_on_b.mutable_update_mask()->add_paths("title");
  v1::Assignment ignored;
  const grpc::Status stale = Call(*stub_b_, &Stub::UpdateAssignment, dr_ada_, stale_on_b, &ignored);
  EXPECT_EQ(stale.error_code(), grpc::StatusCode::ABORTED) << Describe(stale);

  v1::Assignment stored;
  ASSERT_RPC_OK(Call(*stub_b_, &Stub::GetAssignment, dr_ada_, get, &stored));
  EXPECT_EQ(stored.title(), "Ride the office lift to the 6th floor");
  EXPECT_EQ(stored.etag(), updated.etag());
}

// A replica keeps the assignment a completion was decided on in memory, and its commit checks
// that the stored one is still that version (ADR 0034): what the other replica changed since is
// never written past.
TEST_F(ReplicaSetTest, ACompletionAfterTheOtherReplicaCancelledTheAssignmentIsRefused) {
  v1::Client alex;
  v1::Assignment active;
  ASSERT_NO_FATAL_FAILURE(AlexWithActiveLiftExposure(*stub_a_, &alex, &active));
  v1::Completion first;
  ASSERT_RPC_OK(Record(*stub_a_, active.name(), LiftPractice(20, "Ride 1"), &first));
  ASSERT_RPC_OK(Record(*stub_a_, active.name(), LiftPractice(20, "Ride 2"), &first));

  v1::CancelAssignmentRequest cancel;
  cancel.set_name(active.name());
  cancel.set_etag(active.etag());
  v1::Assignment cancelled;
  ASSERT_RPC_OK(Call(*stub_b_, &Stub::CancelAssignment, dr_ada_, cancel, &cancelled));

  v1::Completion refused;
  const grpc::Status status = Record(*stub_a_, active.name(), LiftPractice(20, "Ride 3"), &refused);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << Describe(status);
  EXPECT_THAT(status.error_message(), ::testing::HasSubstr("STATE_CANCELLED")) << Describe(status);
  EXPECT_EQ(ListAllCompletions(*stub_b_, active.name()).size(), 2u);
}

TEST_F(ReplicaSetTest, ACompletionAfterTheOtherReplicaActivatedTheAssignmentIsRecorded) {
  v1::Client alex;
  ASSERT_RPC_OK(CreateAlex(*stub_a_, &alex));
  v1::Assignment draft;
  ASSERT_RPC_OK(CreateDraft(*stub_a_, alex.name(), &draft));
  // Refused on the draft, which replica A then holds in memory.
  v1::Completion recorded;
  const grpc::Status early = Record(*stub_a_, draft.name(), LiftPractice(20, "Ride 1"), &recorded);
  ASSERT_EQ(early.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << Describe(early);

  v1::Assignment active;
  ASSERT_RPC_OK(Activate(*stub_b_, draft, &active));

  ASSERT_RPC_OK(Record(*stub_a_, draft.name(), LiftPractice(20, "Ride 2"), &recorded));
  EXPECT_EQ(recorded.client_note(), "Ride 2");
  EXPECT_EQ(ListAllCompletions(*stub_b_, draft.name()).size(), 1u);
}

TEST_F(ReplicaSetTest, WatchOnOneReplicaDeliversTheWritesOfTheOtherInOrder) {
  v1::Client alex;
  ASSERT_RPC_OK(CreateAlex(*stub_a_, &alex));
  std::unique_ptr<EventWatch> watch = WatchAlex(*stub_b_, alex.name());
  ASSERT_TRUE(watch->Live().has_value()) << "the watch on B never said it was live";

  v1::Assignment draft;
  ASSERT_RPC_OK(CreateDraft(*stub_a_, alex.name(), &draft));
  std::optional<v1::Event> created = watch->Next(kCrossReplicaDelivery);
  ASSERT_TRUE(created.has_value()) << "nothing on B within " << kCrossReplicaDelivery;
  EXPECT_EQ(created->type(), v1::Event::TYPE_ASSIGNMENT_CREATED) << DescribeEvent(created);
  EXPECT_EQ(created->resource(), draft.name());
  EXPECT_EQ(created->client(), alex.name());
  EXPECT_EQ(created->actor(), "dr-ada");
  EXPECT_FALSE(created->cursor().empty());

  // Three writes in a row on A arrive on B in the order they were made.
  v1::Assignment active;
  ASSERT_RPC_OK(Activate(*stub_a_, draft, &active));
  v1::Completion first;
  ASSERT_RPC_OK(Record(*stub_a_, active.name(), LiftPractice(20, "First ride."), &first));
  v1::Completion second;
  ASSERT_RPC_OK(Record(*stub_a_, active.name(), LiftPractice(15, "Second ride."), &second));
  const absl::Time written = absl::Now();
  std::vector<std::string> delivered;
  std::set<std::string> cursors = {created->cursor()};
  for (int i = 0; i < 3; ++i) {
    std::optional<v1::Event> event = watch->Next(written + kCrossReplicaDelivery - absl::Now());
    delivered.push_back(DescribeEvent(event));
    if (event) cursors.insert(event->cursor());
  }
  EXPECT_THAT(delivered, ElementsAreArray({"TYPE_ASSIGNMENT_UPDATED " + active.name(),
                                           Recorded(first.name()), Recorded(second.name())}));
  EXPECT_EQ(cursors.size(), 4u) << "each event has a cursor of its own";
  // And each only once.
  EXPECT_EQ(DescribeEvent(watch->Next(absl::Milliseconds(600))), "no event");
}

TEST_F(ReplicaSetTest, WatcherResumingOnTheOtherReplicaWithItsLastCursorMissesNothing) {
  v1::Client alex;
  v1::Assignment active;
  ASSERT_NO_FATAL_FAILURE(AlexWithActiveLiftExposure(*stub_a_, &alex, &active));

  std::unique_ptr<EventWatch> on_b = WatchAlex(*stub_b_, alex.name());
  ASSERT_TRUE(on_b->Live().has_value()) << "the watch on B never said it was live";
  v1::Completion seen;
  ASSERT_RPC_OK(Record(*stub_a_, active.name(), LiftPractice(20, "Seen ride."), &seen));
  std::optional<v1::Event> last_read = on_b->Next(kCrossReplicaDelivery);
  ASSERT_EQ(DescribeEvent(last_read), Recorded(seen.name()));

  // One more arrives on B but the watcher goes away before taking it.
  v1::Completion unread;
  ASSERT_RPC_OK(Record(*stub_a_, active.name(), LiftPractice(18, "Unread ride."), &unread));
  const absl::Time deadline = absl::Now() + kCrossReplicaDelivery;
  while (on_b->Queued() == 0 && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(20));
  EXPECT_EQ(on_b->Queued(), 1u) << "the unread event did not reach B";
  on_b->Close();
  on_b.reset();

  // Written while nobody watches, on each replica.
  v1::Completion while_away_a;
  ASSERT_RPC_OK(Record(*stub_a_, active.name(), LiftPractice(16, "Ride on A."), &while_away_a));
  v1::Completion while_away_b;
  ASSERT_RPC_OK(Record(*stub_b_, active.name(), LiftPractice(14, "Ride on B."), &while_away_b));

  std::unique_ptr<EventWatch> on_a = WatchAlex(*stub_a_, alex.name(), last_read->cursor());
  ASSERT_TRUE(on_a->Live().has_value()) << "the resumed watch on A never said it was live";
  v1::Completion after_resume;
  ASSERT_RPC_OK(Record(*stub_b_, active.name(), LiftPractice(12, "Ride after."), &after_resume));
  std::vector<std::string> delivered;
  const absl::Time resumed = absl::Now();
  for (int i = 0; i < 4; ++i) {
    delivered.push_back(DescribeEvent(on_a->Next(resumed + kCrossReplicaDelivery - absl::Now())));
  }
  EXPECT_THAT(delivered,
              ElementsAreArray({Recorded(unread.name()), Recorded(while_away_a.name()),
                                Recorded(while_away_b.name()), Recorded(after_resume.name())}));
  EXPECT_EQ(DescribeEvent(on_a->Next(absl::Milliseconds(600))), "no event");
}

// ---- A database restart under a write load. ----

// The callers' deadline per call. The store gives up on its own well within it (its connect,
// statement and acquire timeouts are 5 s, but a restart over a Unix socket is refused at once):
// a DEADLINE_EXCEEDED means a call hung.
constexpr absl::Duration kCallDeadline = absl::Seconds(5);
constexpr int kCallers = 4;
constexpr int kRequestsPerCaller = 100;  // 400 at most in all
constexpr int kAttemptsPerRequest = 60;  // 100 ms apart: six seconds of retrying at least
constexpr absl::Duration kRetryBackoff = absl::Milliseconds(100);
constexpr absl::Duration kPacing = absl::Milliseconds(40);  // between one caller's requests

// What the callers saw, shared between them.
class LoadRecord {
 public:
  struct Acknowledged {
    std::string name;
    std::string note;  // what was sent, to match the stored completion against
  };

  void Attempted(const grpc::Status& status, absl::Duration took) {
    absl::MutexLock lock(&mutex_);
    max_latency_ = std::max(max_latency_, took);
    if (status.ok()) return;
    ++failed_;
    if (status.error_code() != grpc::StatusCode::UNAVAILABLE) {
      unexpected_.push_back(absl::StrCat(Describe(status), " after ", absl::FormatDuration(took)));
    }
  }
  void Acknowledge(const std::string& request_id, Acknowledged acknowledged, int replica,
                   bool after_restart) {
    absl::MutexLock lock(&mutex_);
    if (!acknowledged_.emplace(request_id, std::move(acknowledged)).second) {
      unexpected_.push_back(absl::StrCat(request_id, " acknowledged twice"));
    }
    if (after_restart) ++acknowledged_after_restart_[replica];
  }
  void GaveUp(const std::string& request_id) {
    absl::MutexLock lock(&mutex_);
    unexpected_.push_back(
        absl::StrCat(request_id, ": still failing after ", kAttemptsPerRequest, " attempts"));
  }

  size_t acknowledged_count() const {
    absl::MutexLock lock(&mutex_);
    return acknowledged_.size();
  }
  int acknowledged_after_restart(int replica) const {
    absl::MutexLock lock(&mutex_);
    return acknowledged_after_restart_[replica];
  }
  // Read once the callers have finished.
  std::map<std::string, Acknowledged> acknowledged() const {
    absl::MutexLock lock(&mutex_);
    return acknowledged_;
  }
  std::vector<std::string> unexpected() const {
    absl::MutexLock lock(&mutex_);
    return unexpected_;
  }
  int failed() const {
    absl::MutexLock lock(&mutex_);
    return failed_;
  }
  absl::Duration max_latency() const {
    absl::MutexLock lock(&mutex_);
    return max_latency_;
  }

 private:
  mutable absl::Mutex mutex_;
  std::map<std::string, Acknowledged> acknowledged_ ABSL_GUARDED_BY(mutex_);  // by request id
  std::array<int, 2> acknowledged_after_restart_ ABSL_GUARDED_BY(mutex_) = {0, 0};
  std::vector<std::string> unexpected_ ABSL_GUARDED_BY(mutex_);
  int failed_ ABSL_GUARDED_BY(mutex_) = 0;
  absl::Duration max_latency_ ABSL_GUARDED_BY(mutex_);
};

// Waits until `done` or `timeout`; whether `done`.
template <typename Done>
bool WaitFor(const Done& done, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!done()) {
    if (absl::Now() >= deadline) return false;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return true;
}

TEST_F(ReplicaSetTest, DatabaseRestartUnderLoadLosesNoAcknowledgedCompletionAndReplicasRecover) {
  v1::Client alex;
  v1::Assignment active;
  ASSERT_NO_FATAL_FAILURE(AlexWithActiveLiftExposure(*stub_b_, &alex, &active));

  const std::array<Stub*, 2> replicas = {stub_a_.get(), stub_b_.get()};
  LoadRecord record;
  std::atomic<bool> stop{false};
  std::atomic<bool> restarted{false};

  // Each caller alternates replicas, and retries a failed call with the same request id on the
  // other replica, as a round-robin load balancer would.
  auto caller = [&](int caller_index) {
    for (int n = 0; n < kRequestsPerCaller && !stop.load(); ++n) {
      const std::string request_id = absl::StrCat("caller-", caller_index, "-practice-", n);
      const std::string note = absl::StrCat("Ride ", n, " of caller ", caller_index, ".");
      v1::CreateCompletionRequest request;
      request.set_parent(active.name());
      *request.mutable_completion() = LiftPractice(1 + n % 60, note);
      request.set_request_id(request_id);
      int replica = (caller_index + n) % 2;
      bool acknowledged = false;
      for (int attempt = 0; attempt < kAttemptsPerRequest && !acknowledged; ++attempt) {
        if (attempt > 0) {
          replica = 1 - replica;
          absl::SleepFor(kRetryBackoff);
        }
        const bool after_restart = restarted.load();
        grpc::ClientContext context;
        context.AddMetadata("authorization", "Bearer " + alex_);
        context.set_deadline(client::DeadlineAfter(kCallDeadline));
        v1::Completion recorded;
        const absl::Time start = absl::Now();
        const grpc::Status status =
            replicas[replica]->CreateCompletion(&context, request, &recorded);
        record.Attempted(status, absl::Now() - start);
        if (status.ok()) {
          acknowledged = true;
          record.Acknowledge(request_id, {.name = recorded.name(), .note = note}, replica,
                             after_restart);
        }
      }
      if (!acknowledged) record.GaveUp(request_id);
      absl::SleepFor(kPacing);
    }
  };
  std::vector<std::thread> callers;
  for (int i = 0; i < kCallers; ++i) callers.emplace_back(caller, i);

  // Load, then a restart in the middle of it, then load again on both replicas.
  EXPECT_TRUE(WaitFor([&] { return record.acknowledged_count() >= 40; }, absl::Seconds(20)))
      << "the load never got going";
  const absl::Time stop_start = absl::Now();
  const absl::Status stopped = cluster->StopServer();
  absl::SleepFor(absl::Seconds(1));  // down for a while: callers meet a refused connection
  const absl::Status started = cluster->StartServer();
  const absl::Duration downtime = absl::Now() - stop_start;
  restarted.store(true);
  const size_t before_restart_end = record.acknowledged_count();
  const bool both_served_again = WaitFor(
      [&] {
        return record.acknowledged_after_restart(0) >= 10 &&
               record.acknowledged_after_restart(1) >= 10 &&
               record.acknowledged_count() >= before_restart_end + 40;
      },
      absl::Seconds(20));
  stop.store(true);
  for (std::thread& thread : callers) thread.join();
  ASSERT_THAT(stopped, IsOk());
  ASSERT_THAT(started, IsOk());

  const std::map<std::string, LoadRecord::Acknowledged> acknowledged = record.acknowledged();
  std::cerr << "load: " << acknowledged.size() << " completions acknowledged, " << record.failed()
            << " failed attempts, slowest call " << record.max_latency() << ", database down "
            << downtime << "\n";
  EXPECT_THAT(record.unexpected(), IsEmpty())
      << "every failure must be UNAVAILABLE within the deadline, and every request must "
         "succeed when retried";
  EXPECT_LT(record.max_latency(), kCallDeadline);
  EXPECT_GT(record.failed(), 0) << "no call met the restart: the test proved nothing";
  EXPECT_TRUE(both_served_again) << "after the restart, acknowledged on A: "
                                 << record.acknowledged_after_restart(0)
                                 << ", on B: " << record.acknowledged_after_restart(1);

  // Every acknowledged completion is stored exactly once, under the name acknowledged.
  std::set<std::string> acknowledged_names;
  for (const auto& [request_id, ack] : acknowledged) acknowledged_names.insert(ack.name);
  EXPECT_EQ(acknowledged_names.size(), acknowledged.size())
      << "two request ids were acknowledged with the same completion";
  const std::vector<v1::Completion> stored = ListAllCompletions(*stub_b_, active.name());
  std::multiset<std::string> stored_names;
  for (const v1::Completion& completion : stored) stored_names.insert(completion.name());
  EXPECT_EQ(stored.size(), acknowledged.size());
  EXPECT_EQ(std::set<std::string>(stored_names.begin(), stored_names.end()), acknowledged_names);
  int index = 0;
  for (const auto& [request_id, ack] : acknowledged) {
    v1::GetCompletionRequest get;
    get.set_name(ack.name);
    v1::Completion completion;
    const grpc::Status status =
        Call(*replicas[index++ % 2], &Stub::GetCompletion, alex_, get, &completion);
    ASSERT_TRUE(status.ok()) << request_id << " -> " << ack.name << ": " << Describe(status);
    EXPECT_EQ(completion.client_note(), ack.note) << request_id << " -> " << ack.name;
  }

  // Both replicas, never restarted (same processes, same ports), serve reads and writes at once.
  for (int replica = 0; replica < 2; ++replica) {
    SCOPED_TRACE(replica == 0 ? "replica A" : "replica B");
    v1::Completion recorded;
    ASSERT_RPC_OK(Record(*replicas[replica], active.name(), LiftPractice(10, "After the load."),
                         &recorded, absl::StrCat("after-load-", replica)));
    v1::GetClientRequest get;
    get.set_name(alex.name());
    v1::Client read;
    ASSERT_RPC_OK(Call(*replicas[replica], &Stub::GetClient, dr_ada_, get, &read));
    EXPECT_EQ(read.display_name(), "Alex Brandt");
  }
}

}  // namespace
}  // namespace therapy::homework::testing

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  // Owned by GoogleTest, which deletes it at exit.
  ::testing::AddGlobalTestEnvironment(new therapy::homework::testing::ClusterEnvironment);
  return RUN_ALL_TESTS();
}
