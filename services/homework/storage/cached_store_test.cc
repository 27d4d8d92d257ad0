#include "services/homework/storage/cached_store.h"

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/homework/storage/memory/memory_store.h"
#include "services/homework/storage/sqlite/sqlite_store.h"
#include "services/homework/storage/store_contract_test.h"
#include "testing/scratch_dir.h"
#include "testing/status_matchers.h"

namespace therapy::homework {
namespace {

using ::testing::ElementsAre;
using ::therapy::homework::testing::IsOk;

// The contract suite, through the cache: over SQLite with room for everything, and over memory
// with a kilobyte a shard (a couple of small entries each, the larger ones never kept).
std::unique_ptr<Store> MakeCachedSqliteStore() {
  static absl::StatusOr<testing::ScratchDir> folder = testing::ScratchDir::Make("cached-store");
  static int files = 0;
  if (!folder.ok()) {
    ADD_FAILURE() << folder.status();
    return nullptr;
  }
  absl::StatusOr<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(
      {.path = absl::StrCat(folder->path(), "/store-", ++files, ".db"), .only_writer = true});
  if (!store.ok()) {
    ADD_FAILURE() << store.status();
    return nullptr;
  }
  return std::make_unique<CachedStore>(*std::move(store), CachedStoreOptions{});
}

std::unique_ptr<Store> MakeSmallCachedMemoryStore() {
  return std::make_unique<CachedStore>(std::make_unique<MemoryStore>(),
                                       CachedStoreOptions{.capacity_bytes = 16 * 1024});
}

// Behind other writers (PostgreSQL's replicas): the contract holds as well.
std::unique_ptr<Store> MakeSharedCachedMemoryStore() {
  return std::make_unique<CachedStore>(std::make_unique<MemoryStore>(),
                                       CachedStoreOptions{.shared_writers = true});
}

INSTANTIATE_TEST_SUITE_P(CachedSqlite, StoreContractTest,
                         ::testing::Values(StoreFactory(&MakeCachedSqliteStore)));
INSTANTIATE_TEST_SUITE_P(SmallCachedMemory, StoreContractTest,
                         ::testing::Values(StoreFactory(&MakeSmallCachedMemoryStore)));
INSTANTIATE_TEST_SUITE_P(SharedCachedMemory, StoreContractTest,
                         ::testing::Values(StoreFactory(&MakeSharedCachedMemoryStore)));

constexpr char kClient[] = "practices/p1/clients/c1";
constexpr char kAssignment[] = "practices/p1/clients/c1/assignments/a1";

v1::Client Client(const std::string& name, const std::string& etag,
                  std::vector<std::string> care_team) {
  v1::Client client;
  client.set_name(name);
  client.set_display_name("Sam");
  client.set_time_zone("Europe/Berlin");
  client.set_etag(etag);
  for (std::string& member : care_team) client.add_care_team(std::move(member));
  return client;
}

// An insert of `resource`, or with `expected_etag` an update.
template <typename Resource>
Put<Resource> Putting(Resource resource, const std::string& expected_etag) {
  return Put<Resource>{.mode = expected_etag.empty() ? WriteMode::kInsert : WriteMode::kUpdate,
                       .resource = std::move(resource),
                       .expected_etag = expected_etag};
}

Mutation Writing(v1::Client client, const std::string& expected_etag = "") {
  Mutation mutation;
  mutation.client = Putting(std::move(client), expected_etag);
  return mutation;
}

// A memory store that counts the point reads that reach it, and can hold a client read (after
// it has read, before it answers) or a commit (before it writes) until released.
class HoldingStore final : public ForwardingStore {
 public:
  HoldingStore() : ForwardingStore(memory_) {}

  absl::StatusOr<std::optional<v1::Client>> GetClient(absl::string_view name) override {
    ++client_reads;
    absl::StatusOr<std::optional<v1::Client>> read = ForwardingStore::GetClient(name);
    if (hold_reads) {
      read_held.Notify();
      release_read.WaitForNotification();
    }
    return read;
  }
  absl::StatusOr<std::optional<v1::Assignment>> GetAssignment(absl::string_view name) override {
    ++assignment_reads;
    return ForwardingStore::GetAssignment(name);
  }
  absl::StatusOr<Page<v1::Assignment>> ListAssignments(const AssignmentQuery& query) override {
    ++assignment_lists;
    return ForwardingStore::ListAssignments(query);
  }
  absl::StatusOr<std::optional<v1::Completion>> GetCompletion(absl::string_view name) override {
    ++other_reads;
    return ForwardingStore::GetCompletion(name);
  }
  absl::StatusOr<std::optional<IdempotentResult>> FindIdempotentResult(
      const IdempotencyKey& key) override {
    ++other_reads;
    return ForwardingStore::FindIdempotentResult(key);
  }
  absl::StatusOr<CommitOutcome> Commit(const Mutation& mutation) override {
    if (hold_commits) {
      commit_held.Notify();
      release_commit.WaitForNotification();
    }
    return ForwardingStore::Commit(mutation);
  }

  std::atomic<int> client_reads = 0;
  std::atomic<int> assignment_reads = 0;
  std::atomic<int> assignment_lists = 0;
  std::atomic<int> other_reads = 0;  // GetCompletion, FindIdempotentResult
  std::atomic<bool> hold_reads = false;
  absl::Notification read_held, release_read;
  std::atomic<bool> hold_commits = false;
  absl::Notification commit_held, release_commit;

 private:
  MemoryStore memory_;  // constructed after the base, which only keeps the reference
};

class CachedStoreTest : public ::testing::Test {
 protected:
  CachedStoreTest()
      : cache_(inner_, CachedStoreOptions{.on_lookup = [this](absl::string_view kind, bool hit) {
                 lookups_.push_back(absl::StrCat(kind, hit ? " hit" : " miss"));
               }}) {}

  std::string CareTeamOf(const std::string& name) {
    absl::StatusOr<std::optional<v1::Client>> client = cache_.GetClient(name);
    if (!client.ok() || !client->has_value()) return "(none)";
    return absl::StrCat(
        (*client)->etag(), ":",
        (*client)->care_team_size() > 0 ? (*client)->care_team(0) : std::string("nobody"));
  }

  HoldingStore inner_;
  std::vector<std::string> lookups_;
  CachedStore cache_;
};

TEST_F(CachedStoreTest, ARepeatedReadIsAnsweredFromMemory) {
  ASSERT_THAT(cache_.Commit(Writing(Client(kClient, "e1", {"dr-lee"}))), IsOk());

  EXPECT_EQ(CareTeamOf(kClient), "e1:dr-lee");
  EXPECT_EQ(CareTeamOf(kClient), "e1:dr-lee");
  EXPECT_EQ(CareTeamOf(kClient), "e1:dr-lee");

  EXPECT_EQ(inner_.client_reads, 1);
  EXPECT_THAT(lookups_, ElementsAre("client miss", "client hit", "client hit"));
  EXPECT_EQ(cache_.entries(), 1);
  EXPECT_GT(cache_.bytes(), 0);
}

TEST_F(CachedStoreTest, ACommitOfTheResourceIsSeenByTheNextRead) {
  ASSERT_THAT(cache_.Commit(Writing(Client(kClient, "e1", {"dr-lee"}))), IsOk());
  ASSERT_EQ(CareTeamOf(kClient), "e1:dr-lee");

  ASSERT_THAT(cache_.Commit(Writing(Client(kClient, "e2", {"dr-kim"}), "e1")), IsOk());

  EXPECT_EQ(CareTeamOf(kClient), "e2:dr-kim");
  EXPECT_EQ(CareTeamOf(kClient), "e2:dr-kim");
  EXPECT_EQ(inner_.client_reads, 2);
}

TEST_F(CachedStoreTest, AnAssignmentIsCachedAndDroppedByItsCommit) {
  v1::Assignment assignment;
  assignment.set_name(kAssignment);
  assignment.set_title("Evening walk");
  assignment.set_etag("e1");
  Mutation insert;
  insert.assignment = Put<v1::Assignment>{.resource = assignment};
  ASSERT_THAT(cache_.Commit(insert), IsOk());
  ASSERT_THAT(cache_.GetAssignment(kAssignment), IsOk());
  ASSERT_THAT(cache_.GetAssignment(kAssignment), IsOk());
  ASSERT_EQ(inner_.assignment_reads, 1);

  assignment.set_title("Morning walk");
  assignment.set_etag("e2");
  Mutation update;
  update.assignment = Put<v1::Assignment>{
      .mode = WriteMode::kUpdate, .resource = assignment, .expected_etag = "e1"};
  ASSERT_THAT(cache_.Commit(update), IsOk());

  absl::StatusOr<std::optional<v1::Assignment>> read = cache_.GetAssignment(kAssignment);
  ASSERT_THAT(read, IsOk());
  ASSERT_TRUE(read->has_value());
  EXPECT_EQ((*read)->title(), "Morning walk");
  EXPECT_EQ(inner_.assignment_reads, 2);
}

Mutation WritingAssignment(const std::string& name, const std::string& title,
                           const std::string& etag, const std::string& expected_etag = "") {
  v1::Assignment assignment;
  assignment.set_name(name);
  assignment.set_title(title);
  assignment.set_etag(etag);
  assignment.set_state(v1::Assignment::STATE_ACTIVE);
  Mutation mutation;
  mutation.assignment = Putting(std::move(assignment), expected_etag);
  return mutation;
}

// The titles a list of `client`'s assignments answers, newest first.
std::string TitlesOf(Store& store, const std::string& client,
                     std::vector<v1::Assignment::State> states = {}, int page_size = 100) {
  absl::StatusOr<Page<v1::Assignment>> page = store.ListAssignments(
      {.client_name = client, .states = std::move(states), .page = {.page_size = page_size}});
  if (!page.ok()) return page.status().ToString();
  std::vector<std::string> titles;
  for (const v1::Assignment& assignment : page->items) titles.push_back(assignment.title());
  return absl::StrCat(absl::StrJoin(titles, ","), page->next_page_token.empty() ? "" : ",...");
}

TEST_F(CachedStoreTest, AClientsAssignmentListIsCachedUntilACommitPutsOneOfThem) {
  const std::string second = absl::StrCat(kClient, "/assignments/a2");
  ASSERT_THAT(cache_.Commit(WritingAssignment(kAssignment, "Walk", "e1")), IsOk());
  ASSERT_THAT(cache_.Commit(WritingAssignment(second, "Journal", "e1")), IsOk());

  const std::string both = TitlesOf(cache_, kClient);
  EXPECT_THAT(both, ::testing::AnyOf("Walk,Journal", "Journal,Walk"));
  EXPECT_EQ(TitlesOf(cache_, kClient), both);
  EXPECT_EQ(inner_.assignment_lists, 1);

  // Another client's assignment leaves the list where it is.
  ASSERT_THAT(
      cache_.Commit(WritingAssignment("practices/p1/clients/c2/assignments/a9", "Other", "e1")),
      IsOk());
  EXPECT_EQ(TitlesOf(cache_, kClient), both);
  EXPECT_EQ(inner_.assignment_lists, 1);

  // A change of one of them: the next list is the store's.
  ASSERT_THAT(cache_.Commit(WritingAssignment(second, "Diary", "e2", "e1")), IsOk());
  const std::string changed = TitlesOf(cache_, kClient);
  EXPECT_THAT(changed, ::testing::AnyOf("Walk,Diary", "Diary,Walk"));
  EXPECT_EQ(TitlesOf(cache_, kClient), changed);
  EXPECT_EQ(inner_.assignment_lists, 2);
  EXPECT_THAT(lookups_,
              ElementsAre("assignment list miss", "assignment list hit", "assignment list hit",
                          "assignment list miss", "assignment list hit"));
}

TEST_F(CachedStoreTest, OnlyAWholeFirstPageOfOneClientIsKept) {
  const std::string second = absl::StrCat(kClient, "/assignments/a2");
  ASSERT_THAT(cache_.Commit(WritingAssignment(kAssignment, "Walk", "e1")), IsOk());
  ASSERT_THAT(cache_.Commit(WritingAssignment(second, "Journal", "e1")), IsOk());

  // A page cut short: what lies past it may change without a write of this client's list.
  EXPECT_THAT(TitlesOf(cache_, kClient, {}, 1), ::testing::EndsWith(",..."));
  EXPECT_THAT(TitlesOf(cache_, kClient, {}, 1), ::testing::EndsWith(",..."));
  EXPECT_EQ(inner_.assignment_lists, 2);

  // A later page, and a practice's list, are the store's every time.
  absl::StatusOr<Page<v1::Assignment>> first =
      cache_.ListAssignments({.client_name = kClient, .page = {.page_size = 1}});
  ASSERT_THAT(first, IsOk());
  for (int i = 0; i < 2; ++i) {
    ASSERT_THAT(
        cache_.ListAssignments({.client_name = kClient,
                                .page = {.page_size = 1, .page_token = first->next_page_token}}),
        IsOk());
    ASSERT_THAT(cache_.ListAssignments({.practice_name = "practices/p1"}), IsOk());
  }
  EXPECT_EQ(inner_.assignment_lists, 7);
}

TEST_F(CachedStoreTest, AListKeepsTheAnswerOfTheLatestQuery) {
  ASSERT_THAT(cache_.Commit(WritingAssignment(kAssignment, "Walk", "e1")), IsOk());
  const std::vector<v1::Assignment::State> active = {v1::Assignment::STATE_ACTIVE};
  const std::vector<v1::Assignment::State> drafts = {v1::Assignment::STATE_DRAFT};

  EXPECT_EQ(TitlesOf(cache_, kClient, active), "Walk");
  EXPECT_EQ(TitlesOf(cache_, kClient, drafts), "");
  EXPECT_EQ(TitlesOf(cache_, kClient, drafts), "");
  EXPECT_EQ(TitlesOf(cache_, kClient, active), "Walk");

  EXPECT_EQ(inner_.assignment_lists, 3);  // the drafts' answer replaced the active ones'
  EXPECT_THAT(lookups_, ElementsAre("assignment list miss", "assignment list miss",
                                    "assignment list hit", "assignment list miss"));
}

TEST_F(CachedStoreTest, ListsWhileACommitOfAnAssignmentRunsGoToTheStoreAndKeepNothing) {
  ASSERT_THAT(cache_.Commit(WritingAssignment(kAssignment, "Walk", "e1")), IsOk());
  ASSERT_EQ(TitlesOf(cache_, kClient), "Walk");
  inner_.hold_commits = true;
  std::thread writer([&] {
    EXPECT_THAT(cache_.Commit(WritingAssignment(kAssignment, "Run", "e2", "e1")), IsOk());
  });
  inner_.commit_held.WaitForNotification();
  inner_.hold_commits = false;

  EXPECT_EQ(TitlesOf(cache_, kClient), "Walk");
  EXPECT_EQ(TitlesOf(cache_, kClient), "Walk");
  EXPECT_EQ(inner_.assignment_lists, 3);  // neither was kept

  inner_.release_commit.Notify();
  writer.join();
  EXPECT_EQ(TitlesOf(cache_, kClient), "Run");
  EXPECT_EQ(TitlesOf(cache_, kClient), "Run");
  EXPECT_EQ(inner_.assignment_lists, 4);
}

TEST_F(CachedStoreTest, AFailedCommitDropsTheEntryToo) {
  ASSERT_THAT(cache_.Commit(Writing(Client(kClient, "e1", {"dr-lee"}))), IsOk());
  ASSERT_EQ(CareTeamOf(kClient), "e1:dr-lee");

  // A stale etag: ABORTED, nothing written; the next read asks the store again.
  EXPECT_FALSE(cache_.Commit(Writing(Client(kClient, "e3", {"dr-kim"}), "stale")).ok());

  EXPECT_EQ(CareTeamOf(kClient), "e1:dr-lee");
  EXPECT_EQ(inner_.client_reads, 2);
}

TEST_F(CachedStoreTest, AReadThatMissedBeforeACommitDoesNotKeepWhatItRead) {
  ASSERT_THAT(cache_.Commit(Writing(Client(kClient, "e1", {"dr-lee"}))), IsOk());
  inner_.hold_reads = true;
  std::string raced;
  std::thread reader([&] { raced = CareTeamOf(kClient); });
  inner_.read_held.WaitForNotification();  // it has read e1 and not answered yet
  inner_.hold_reads = false;

  // dr-lee leaves the care team while that read is on its way.
  ASSERT_THAT(cache_.Commit(Writing(Client(kClient, "e2", {"dr-kim"}), "e1")), IsOk());
  inner_.release_read.Notify();
  reader.join();

  EXPECT_EQ(raced, "e1:dr-lee");  // it overlapped the commit: either answer was right
  EXPECT_EQ(CareTeamOf(kClient), "e2:dr-kim");
}

TEST_F(CachedStoreTest, ReadsWhileACommitRunsGoToTheStoreAndKeepNothing) {
  ASSERT_THAT(cache_.Commit(Writing(Client(kClient, "e1", {"dr-lee"}))), IsOk());
  ASSERT_EQ(CareTeamOf(kClient), "e1:dr-lee");
  const int reads_before = inner_.client_reads;
  inner_.hold_commits = true;
  std::thread writer([&] {
    EXPECT_THAT(cache_.Commit(Writing(Client(kClient, "e2", {"dr-kim"}), "e1")), IsOk());
  });
  inner_.commit_held.WaitForNotification();
  inner_.hold_commits = false;

  EXPECT_EQ(CareTeamOf(kClient), "e1:dr-lee");
  EXPECT_EQ(CareTeamOf(kClient), "e1:dr-lee");
  EXPECT_EQ(inner_.client_reads - reads_before, 2);  // neither was kept

  inner_.release_commit.Notify();
  writer.join();
  EXPECT_EQ(CareTeamOf(kClient), "e2:dr-kim");
}

TEST_F(CachedStoreTest, AbsentResourcesAreNotKept) {
  EXPECT_EQ(CareTeamOf(kClient), "(none)");
  // Written past the cache (what the contract forbids, to show nothing was remembered).
  ASSERT_THAT(inner_.Commit(Writing(Client(kClient, "e1", {"dr-lee"}))), IsOk());

  EXPECT_EQ(CareTeamOf(kClient), "e1:dr-lee");
}

// In a CacheOnlyScope a read the cache cannot answer returns CacheMiss() without reading the
// inner store, and is not counted (the call's run on the pool counts it); a hit answers as
// always. The same for a client's assignment list, and for a list the cache never keeps.
TEST_F(CachedStoreTest, InACacheOnlyScopeAMissFailsWithoutReadingTheStore) {
  ASSERT_THAT(cache_.Commit(Writing(Client(kClient, "e1", {"dr-lee"}))), IsOk());
  ASSERT_THAT(cache_.Commit(WritingAssignment(kAssignment, "Walk", "e1")), IsOk());
  const AssignmentQuery of_client{.client_name = kClient};
  const AssignmentQuery of_practice{.practice_name = "practices/p1"};
  {
    CacheOnlyScope only_cached;
    EXPECT_TRUE(IsCacheMiss(cache_.GetClient(kClient).status()));
    EXPECT_TRUE(IsCacheMiss(cache_.GetAssignment(kAssignment).status()));
    EXPECT_TRUE(IsCacheMiss(cache_.ListAssignments(of_client).status()));
    EXPECT_TRUE(IsCacheMiss(cache_.ListAssignments(of_practice).status()));
    // Reads it never keeps: a create's replay (CreateOnce).
    EXPECT_TRUE(
        IsCacheMiss(cache_.GetCompletion(absl::StrCat(kAssignment, "/completions/x1")).status()));
    EXPECT_TRUE(IsCacheMiss(
        cache_
            .FindIdempotentResult({.actor = "ana", .method = "CreateCompletion", .request_id = "r"})
            .status()));
  }
  EXPECT_EQ(inner_.client_reads, 0);
  EXPECT_EQ(inner_.assignment_reads, 0);
  EXPECT_EQ(inner_.assignment_lists, 0);
  EXPECT_EQ(inner_.other_reads, 0);
  EXPECT_TRUE(lookups_.empty());

  EXPECT_EQ(CareTeamOf(kClient), "e1:dr-lee");  // outside the scope: read and kept
  ASSERT_THAT(cache_.GetAssignment(kAssignment), IsOk());
  ASSERT_THAT(cache_.ListAssignments(of_client), IsOk());
  {
    CacheOnlyScope only_cached;
    EXPECT_EQ(CareTeamOf(kClient), "e1:dr-lee");
    EXPECT_THAT(cache_.GetAssignment(kAssignment), IsOk());
    absl::StatusOr<Page<v1::Assignment>> listed = cache_.ListAssignments(of_client);
    ASSERT_THAT(listed, IsOk());
    EXPECT_EQ(listed->items.size(), 1u);
  }
  EXPECT_EQ(inner_.client_reads, 1);
  EXPECT_EQ(inner_.assignment_reads, 1);
  EXPECT_EQ(inner_.assignment_lists, 1);
  EXPECT_FALSE(CacheOnlyScope::Active());
  EXPECT_FALSE(IsCacheMiss(absl::UnavailableError("not in the cache")));  // the mark, not the text
}

// ---- Behind other writers (shared_writers: PostgreSQL's replicas; ADR 0034). ----

// A cache in front of a store that another replica writes too (`inner_` directly).
class SharedCachedStoreTest : public ::testing::Test {
 protected:
  SharedCachedStoreTest() : cache_(inner_, CachedStoreOptions{.shared_writers = true}) {
    EXPECT_THAT(inner_.Commit(WritingAssignment(kAssignment, "Evening walk", "e1")), IsOk());
  }

  // The assignment's title and etag as `store` answers it.
  static std::string Read(Store& store) {
    absl::StatusOr<std::optional<v1::Assignment>> read = store.GetAssignment(kAssignment);
    if (!read.ok()) return read.status().ToString();
    if (!read->has_value()) return "(none)";
    return absl::StrCat((*read)->title(), " ", (*read)->etag());
  }

  // The cache keeps "Evening walk e1" (a checked read), then another replica replaces it with
  // "Morning walk e2": this cache does not see that commit.
  void KeepItThenReplaceItElsewhere() {
    {
      CheckedReadScope checked(/*from_memory=*/true);
      ASSERT_EQ(Read(cache_), "Evening walk e1");
    }
    ASSERT_THAT(inner_.Commit(WritingAssignment(kAssignment, "Morning walk", "e2", "e1")), IsOk());
  }

  HoldingStore inner_;
  CachedStore cache_;
};

TEST_F(SharedCachedStoreTest, OnlyAReadItsCommitChecksIsAnsweredFromMemory) {
  EXPECT_FALSE(cache_.exact());
  {
    CheckedReadScope checked(/*from_memory=*/true);
    EXPECT_EQ(Read(cache_), "Evening walk e1");
    EXPECT_FALSE(checked.answered_from_memory());
  }
  {
    CheckedReadScope checked(/*from_memory=*/true);
    EXPECT_EQ(Read(cache_), "Evening walk e1");
    EXPECT_TRUE(checked.answered_from_memory());
  }
  EXPECT_EQ(inner_.assignment_reads, 1);

  // Any other read goes to the store: the assignment outside a scope, clients, lists.
  EXPECT_EQ(Read(cache_), "Evening walk e1");
  EXPECT_EQ(Read(cache_), "Evening walk e1");
  EXPECT_EQ(inner_.assignment_reads, 3);
  ASSERT_THAT(cache_.Commit(Writing(Client(kClient, "e1", {"dr-lee"}))), IsOk());
  ASSERT_THAT(cache_.GetClient(kClient), IsOk());
  ASSERT_THAT(cache_.GetClient(kClient), IsOk());
  EXPECT_EQ(inner_.client_reads, 2);
  EXPECT_EQ(TitlesOf(cache_, kClient), "Evening walk");
  EXPECT_EQ(TitlesOf(cache_, kClient), "Evening walk");
  EXPECT_EQ(inner_.assignment_lists, 2);
}

// In a CacheOnlyScope (a completion tried on gRPC's thread) the shared cache reads nothing of
// the store: every read it does not answer from memory, a checked one included, is a miss.
TEST_F(SharedCachedStoreTest, InACacheOnlyScopeEveryReadButACheckedHitIsAMiss) {
  ASSERT_THAT(inner_.Commit(Writing(Client(kClient, "e1", {"dr-lee"}))), IsOk());
  {
    CacheOnlyScope only_cached;
    EXPECT_TRUE(IsCacheMiss(cache_.GetClient(kClient).status()));
    EXPECT_TRUE(IsCacheMiss(cache_.GetAssignment(kAssignment).status()));
    CheckedReadScope checked(/*from_memory=*/true);
    EXPECT_TRUE(IsCacheMiss(cache_.GetAssignment(kAssignment).status()));  // not kept yet
  }
  EXPECT_EQ(inner_.client_reads, 0);
  EXPECT_EQ(inner_.assignment_reads, 0);
  {
    CheckedReadScope checked(/*from_memory=*/true);
    ASSERT_EQ(Read(cache_), "Evening walk e1");  // read and kept
  }
  {
    CacheOnlyScope only_cached;
    CheckedReadScope checked(/*from_memory=*/true);
    EXPECT_EQ(Read(cache_), "Evening walk e1");
    EXPECT_TRUE(checked.answered_from_memory());
  }
  {
    CacheOnlyScope only_cached;
    EXPECT_TRUE(IsCacheMiss(cache_.GetAssignment(kAssignment).status()));  // unchecked
  }
  EXPECT_EQ(inner_.client_reads, 0);
  EXPECT_EQ(inner_.assignment_reads, 1);
}

TEST_F(SharedCachedStoreTest, AnEntryAnotherReplicaReplacedIsCaughtByTheCommitAndForgotten) {
  ASSERT_NO_FATAL_FAILURE(KeepItThenReplaceItElsewhere());
  CheckedReadScope checked(/*from_memory=*/true);
  ASSERT_EQ(Read(cache_), "Evening walk e1");  // what the cache kept
  Mutation completion;
  completion.completion = Putting(v1::Completion(), "");
  completion.completion->resource.set_name(absl::StrCat(kAssignment, "/completions/x1"));
  completion.assignment_read = ReadVersion{kAssignment, "e1"};

  absl::StatusOr<CommitOutcome> outcome = cache_.Commit(completion);

  EXPECT_TRUE(IsReadChanged(outcome.status())) << outcome.status();
  EXPECT_EQ(Read(cache_), "Morning walk e2");  // forgotten: read from the store again
  EXPECT_EQ(inner_.assignment_reads, 2);
}

TEST_F(SharedCachedStoreTest, ACheckedReadNotFromMemoryReadsTheStoreAndKeepsWhatItRead) {
  ASSERT_NO_FATAL_FAILURE(KeepItThenReplaceItElsewhere());
  {
    CheckedReadScope fresh(/*from_memory=*/false);
    EXPECT_EQ(Read(cache_), "Morning walk e2");
    EXPECT_FALSE(fresh.answered_from_memory());
  }
  CheckedReadScope checked(/*from_memory=*/true);
  EXPECT_EQ(Read(cache_), "Morning walk e2");
  EXPECT_TRUE(checked.answered_from_memory());
  EXPECT_EQ(inner_.assignment_reads, 2);
}

TEST(CachedStoreCapacityTest, StaysWithinItsCapacityAndKeepsTheRecentlyRead) {
  HoldingStore inner;
  constexpr std::size_t kCapacity = 16 * 4096;
  CachedStore cache(inner, CachedStoreOptions{.capacity_bytes = kCapacity});
  constexpr int kClients = 2000;
  for (int i = 0; i < kClients; ++i) {
    const std::string name = absl::StrCat("practices/p1/clients/c", i);
    ASSERT_THAT(cache.Commit(Writing(Client(name, "e1", {"dr-lee"}))), IsOk());
    ASSERT_THAT(cache.GetClient(name), IsOk());
    ASSERT_LE(cache.bytes(), kCapacity);
  }
  EXPECT_GT(cache.entries(), 0);
  EXPECT_LT(cache.entries(), kClients);

  // The last one read is still there; the first was pushed out.
  const int reads_before = inner.client_reads;
  ASSERT_THAT(cache.GetClient(absl::StrCat("practices/p1/clients/c", kClients - 1)), IsOk());
  EXPECT_EQ(inner.client_reads, reads_before);
  ASSERT_THAT(cache.GetClient("practices/p1/clients/c0"), IsOk());
  EXPECT_EQ(inner.client_reads, reads_before + 1);
}

TEST(CachedStoreCapacityTest, NoCapacityCachesNothing) {
  HoldingStore inner;
  CachedStore cache(inner, CachedStoreOptions{.capacity_bytes = 0});
  ASSERT_THAT(cache.Commit(Writing(Client(kClient, "e1", {"dr-lee"}))), IsOk());
  ASSERT_THAT(cache.GetClient(kClient), IsOk());
  ASSERT_THAT(cache.GetClient(kClient), IsOk());

  EXPECT_EQ(inner.client_reads, 2);
  EXPECT_EQ(cache.entries(), 0);
}

}  // namespace
}  // namespace therapy::homework
