#include "services/homework/storage/postgres/postgres_store.h"

#include <libpq-fe.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "services/homework/storage/open_store.h"
#include "services/homework/storage/postgres/connection.h"
#include "services/homework/storage/postgres/migrations.h"
#include "services/homework/storage/postgres/test_cluster.h"
#include "services/homework/storage/store_contract_test.h"
#include "testing/status_matchers.h"

namespace therapy::homework {
namespace {

using ::google::protobuf::util::MessageDifferencer;
using postgres::TestCluster;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::therapy::homework::testing::IsOk;
using ::therapy::homework::testing::IsOkAndHolds;
using ::therapy::homework::testing::StatusIs;

// ---- The cluster: one per test process, started by the global environment (see main). ----

TestCluster* cluster = nullptr;

class ClusterEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<TestCluster>> started =
        TestCluster::Create({.parent_dir = ::testing::TempDir()});
    ASSERT_THAT(started, IsOk());
    cluster_ = *std::move(started);
    cluster = cluster_.get();
  }
  void TearDown() override {
    cluster = nullptr;
    cluster_.reset();
  }

 private:
  std::unique_ptr<TestCluster> cluster_;
};

// A new, empty database for the current test; its URI. The previous test's database is dropped
// first (tests run one at a time, so its stores are gone), which keeps the cluster small.
std::string NewDatabaseUri() {
  static std::string previous;
  if (cluster == nullptr) {
    ADD_FAILURE() << "the PostgreSQL test cluster did not start";
    return "";
  }
  if (!previous.empty()) {
    const absl::Status dropped = cluster->DropDatabase(previous);
    EXPECT_THAT(dropped, IsOk());
  }
  absl::StatusOr<std::string> name = cluster->CreateDatabase();
  if (!name.ok()) {
    ADD_FAILURE() << name.status();
    return "";
  }
  previous = *name;
  return cluster->Uri(*name);
}

std::unique_ptr<PostgresStore> OpenOrDie(const PostgresStoreOptions& options) {
  absl::StatusOr<std::unique_ptr<PostgresStore>> store = PostgresStore::Open(options);
  EXPECT_THAT(store, IsOk());
  return store.ok() ? *std::move(store) : nullptr;
}

std::unique_ptr<Store> MakePostgresStore() {
  const std::string uri = NewDatabaseUri();
  if (uri.empty()) return nullptr;
  return OpenOrDie({.conninfo = uri});
}

INSTANTIATE_TEST_SUITE_P(Postgres, StoreContractTest,
                         ::testing::Values(StoreFactory(&MakePostgresStore)));

// ---- Helpers of the PostgreSQL-specific tests. ----

// A connection of the test's own, to look at or tamper with the database behind the store's
// back (a psql session, in effect).
class RawDatabase {
 public:
  explicit RawDatabase(const std::string& uri) : conn_(PQconnectdb(uri.c_str())) {
    EXPECT_EQ(PQstatus(conn_), CONNECTION_OK) << PQerrorMessage(conn_);
  }
  ~RawDatabase() { PQfinish(conn_); }

  void Execute(const std::string& sql) {
    PGresult* result = PQexec(conn_, sql.c_str());
    EXPECT_THAT(PQresultStatus(result), ::testing::AnyOf(PGRES_COMMAND_OK, PGRES_TUPLES_OK))
        << sql << ": " << PQerrorMessage(conn_);
    PQclear(result);
  }

  // The first column of the first row of `sql` as text; "" for NULL or no row.
  std::string QueryText(const std::string& sql) {
    PGresult* result = PQexec(conn_, sql.c_str());
    EXPECT_EQ(PQresultStatus(result), PGRES_TUPLES_OK) << sql << ": " << PQerrorMessage(conn_);
    std::string value;
    if (PQresultStatus(result) == PGRES_TUPLES_OK && PQntuples(result) > 0) {
      value = PQgetvalue(result, 0, 0);
    }
    PQclear(result);
    return value;
  }

  // Polls `sql` (one text value) until it returns `expected`, for up to 10 s.
  bool AwaitText(const std::string& sql, const std::string& expected) {
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    while (absl::Now() < deadline) {
      if (QueryText(sql) == expected) return true;
      absl::SleepFor(absl::Milliseconds(5));
    }
    return false;
  }

 private:
  PGconn* conn_;
};

// The sessions of the current database other than the asking one.
constexpr char kCountOtherSessions[] =
    "SELECT count(*) FROM pg_stat_activity "
    "WHERE datname = current_database() AND pid <> pg_backend_pid()";
// Sessions of the current database waiting for a lock of `locktype` (advisory, relation, ...).
std::string CountWaitingFor(absl::string_view locktype) {
  return absl::StrCat(
      "SELECT count(*) FROM pg_locks JOIN pg_stat_activity USING (pid) "
      "WHERE datname = current_database() AND NOT granted AND locktype = '",
      locktype, "'");
}

v1::Client MakeClient(const std::string& name) {
  v1::Client client;
  client.set_name(name);
  client.set_display_name("Sam");
  client.set_time_zone("Europe/Berlin");
  client.add_care_team("t-ann");
  client.mutable_create_time()->set_seconds(1'700'000'000);
  client.set_etag("etag-1");
  return client;
}

AuditRecord MakeAudit(const std::string& action, const std::string& resource) {
  return AuditRecord{.actor = "svc-1",
                     .role = "service",
                     .practice = "p1",
                     .action = action,
                     .resource = resource,
                     .call_id = "call-1",
                     .time = absl::FromUnixSeconds(1'700'000'000),
                     .outcome = "OK"};
}

Mutation InsertingClient(const v1::Client& client, const std::string& request_id = "r-1") {
  return Mutation{
      .client = Put<v1::Client>{.mode = WriteMode::kInsert, .resource = client},
      .idempotency =
          IdempotencyKey{.actor = "svc-1", .method = "CreateClient", .request_id = request_id},
      .idempotent_result = client.name(),
      .audit = MakeAudit("CreateClient", client.name()),
  };
}

Mutation UpdatingClient(const v1::Client& client, const std::string& expected_etag) {
  return Mutation{.client = Put<v1::Client>{.mode = WriteMode::kUpdate,
                                            .resource = client,
                                            .expected_etag = expected_etag},
                  .audit = MakeAudit("UpdateClient", client.name())};
}

v1::Assignment MakeAssignment(const std::string& name) {
  v1::Assignment assignment;
  assignment.set_name(name);
  assignment.set_title("Catch the thought");
  assignment.set_state(v1::Assignment::STATE_ACTIVE);
  assignment.mutable_create_time()->set_seconds(1'700'000'100);
  assignment.set_etag("etag-1");
  return assignment;
}

// The insert of `assignment` with its creation event.
Mutation InsertingWithEvent(const v1::Assignment& assignment) {
  Mutation mutation{.assignment = Put<v1::Assignment>{.resource = assignment},
                    .events = {EventRecord{.practice = "p1",
                                           .client = "practices/p1/clients/c1",
                                           .type = v1::Event::TYPE_ASSIGNMENT_CREATED,
                                           .resource = assignment.name(),
                                           .actor = "therapist-1",
                                           .time = absl::FromUnixSeconds(1'700'000'100)}}};
  mutation.audit = MakeAudit("CreateAssignment", assignment.name());
  return mutation;
}

std::vector<std::string> ResourcesOf(const std::vector<EventRecord>& events) {
  std::vector<std::string> resources;
  for (const EventRecord& event : events) resources.push_back(event.resource);
  return resources;
}

template <typename Resource>
std::vector<std::string> NamesOf(const std::vector<Resource>& resources) {
  std::vector<std::string> names;
  for (const Resource& resource : resources) names.push_back(resource.name());
  return names;
}

class PostgresStoreTest : public ::testing::Test {
 protected:
  const std::string uri_ = NewDatabaseUri();
};

// ---- Migrations. ----

TEST_F(PostgresStoreTest, OpenAppliesAndRecordsEveryMigration) {
  std::unique_ptr<PostgresStore> store = OpenOrDie({.conninfo = uri_});
  ASSERT_NE(store, nullptr);

  absl::StatusOr<int64_t> version = store->SchemaVersion();
  ASSERT_THAT(version, IsOk());
  EXPECT_EQ(*version, postgres::EmbeddedMigrations().back().version);
  std::vector<std::string> versions;
  for (const postgres::Migration& migration : postgres::EmbeddedMigrations()) {
    versions.push_back(absl::StrCat(migration.version));
  }
  RawDatabase raw(uri_);
  EXPECT_EQ(raw.QueryText("SELECT string_agg(version::text, ',' ORDER BY version) "
                          "FROM schema_migrations"),
            absl::StrJoin(versions, ","));
  EXPECT_EQ(raw.QueryText("SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND "
                          "tablename IN ('clients', 'client_care_team', 'assignments', "
                          "'completions', 'hierarchies', 'templates', 'idempotency_keys', "
                          "'audit_log', 'events', 'schema_migrations')"),
            "10");
  EXPECT_EQ(raw.QueryText("SELECT count(*) FROM pg_indexes WHERE schemaname = 'public' AND "
                          "indexname IN ('assignments_by_practice', 'events_by_practice', "
                          "'events_by_client', 'templates_by_practice', 'audit_log_by_resource')"),
            "5");
}

TEST_F(PostgresStoreTest, EventsOfADatabaseBeforeNumberingAfterCommitKeepTheirSequences) {
  // A database at the schema before migration 0006, whose events were numbered at insert.
  {
    absl::StatusOr<std::unique_ptr<postgres::Connection>> connection =
        postgres::Connection::Open({.conninfo = uri_});
    ASSERT_THAT(connection, IsOk());
    absl::Span<const postgres::Migration> all = postgres::EmbeddedMigrations();
    ASSERT_EQ(std::string(all.back().file_name), "0006_events_numbered_after_commit.sql");
    ASSERT_THAT(postgres::ApplyMigrations(**connection, all.first(all.size() - 1)), IsOk());
  }
  RawDatabase raw(uri_);
  for (const char* resource : {"one", "two"}) {
    raw.Execute(
        absl::StrCat("INSERT INTO events (practice, client, type, resource, actor, time) VALUES "
                     "('p1', 'practices/p1/clients/c1', 1, 'practices/p1/clients/c1/assignments/",
                     resource, "', 'therapist-1', 0)"));
  }
  raw.Execute("DELETE FROM events WHERE resource LIKE '%/one'");  // a gap, as a rollback left

  std::unique_ptr<PostgresStore> store = OpenOrDie({.conninfo = uri_});
  ASSERT_NE(store, nullptr);
  ASSERT_THAT(store->Commit(
                  InsertingWithEvent(MakeAssignment("practices/p1/clients/c1/assignments/three"))),
              IsOkAndHolds(CommitOutcome::kCommitted));
  absl::StatusOr<std::vector<EventRecord>> events = store->ListEvents({.practice = "p1"});
  ASSERT_THAT(events, IsOk());
  ASSERT_THAT(ResourcesOf(*events), ElementsAre("practices/p1/clients/c1/assignments/two",
                                                "practices/p1/clients/c1/assignments/three"));
  EXPECT_EQ((*events)[0].sequence, 2);
  EXPECT_EQ((*events)[1].sequence, 3);
}

TEST_F(PostgresStoreTest, ReopeningAppliesNoMigrationAndKeepsTheData) {
  const v1::Client client = MakeClient("practices/p1/clients/c1");
  {
    std::unique_ptr<PostgresStore> store = OpenOrDie({.conninfo = uri_});
    ASSERT_NE(store, nullptr);
    ASSERT_THAT(store->Commit(InsertingClient(client)), IsOk());
  }
  RawDatabase raw(uri_);
  const std::string recorded_before =
      raw.QueryText("SELECT string_agg(version || '@' || applied_at, ',') FROM schema_migrations");

  std::unique_ptr<PostgresStore> reopened = OpenOrDie({.conninfo = uri_});
  absl::StatusOr<std::unique_ptr<postgres::Connection>> connection =
      postgres::Connection::Open({.conninfo = uri_});
  ASSERT_THAT(connection, IsOk());
  absl::StatusOr<int> applied =
      postgres::ApplyMigrations(**connection, postgres::EmbeddedMigrations());

  ASSERT_NE(reopened, nullptr);
  ASSERT_THAT(applied, IsOk());
  EXPECT_EQ(*applied, 0);
  EXPECT_EQ(raw.QueryText("SELECT string_agg(version || '@' || applied_at, ',') "
                          "FROM schema_migrations"),
            recorded_before);
  absl::StatusOr<std::optional<v1::Client>> stored = reopened->GetClient(client.name());
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_TRUE(MessageDifferencer::Equals(**stored, client));
}

TEST_F(PostgresStoreTest, ReplicasOpeningAnEmptyDatabaseTogetherMigrateItOnce) {
  constexpr int kReplicas = 6;
  std::vector<absl::Status> results(kReplicas);
  std::vector<std::thread> replicas;
  for (int i = 0; i < kReplicas; ++i) {
    replicas.emplace_back(
        [&, i] { results[i] = PostgresStore::Open({.conninfo = uri_}).status(); });
  }
  for (std::thread& replica : replicas) replica.join();

  for (const absl::Status& result : results) EXPECT_THAT(result, IsOk());
  EXPECT_EQ(RawDatabase(uri_).QueryText("SELECT count(*) FROM schema_migrations"),
            absl::StrCat(postgres::EmbeddedMigrations().size()));
}

TEST_F(PostgresStoreTest, DatabaseOfANewerSchemaIsFailedPrecondition) {
  ASSERT_NE(OpenOrDie({.conninfo = uri_}), nullptr);
  const int future = postgres::EmbeddedMigrations().back().version + 1;
  RawDatabase(uri_).Execute(
      absl::StrCat("INSERT INTO schema_migrations (version) VALUES (", future, ")"));

  absl::StatusOr<std::unique_ptr<PostgresStore>> store = PostgresStore::Open({.conninfo = uri_});

  EXPECT_THAT(store, StatusIs(absl::StatusCode::kFailedPrecondition,
                              HasSubstr(absl::StrCat("version ", future))));
}

// ---- Replicas: two stores on one database. ----

TEST_F(PostgresStoreTest, TwoReplicasSeeEachOthersWritesEtagsAndRequestIds) {
  std::unique_ptr<PostgresStore> a = OpenOrDie({.conninfo = uri_});
  std::unique_ptr<PostgresStore> b = OpenOrDie({.conninfo = uri_});
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  const v1::Client client = MakeClient("practices/p1/clients/c1");

  // A creates; B sees the client, and a retry of the same request on B is a duplicate.
  absl::StatusOr<CommitOutcome> created = a->Commit(InsertingClient(client, "r-7"));
  absl::StatusOr<std::optional<v1::Client>> seen_by_b = b->GetClient(client.name());
  v1::Client other_name = MakeClient("practices/p1/clients/c2");
  absl::StatusOr<CommitOutcome> retried_on_b = b->Commit(InsertingClient(other_name, "r-7"));
  absl::StatusOr<std::optional<IdempotentResult>> replayed =
      b->FindIdempotentResult({.actor = "svc-1", .method = "CreateClient", .request_id = "r-7"});
  absl::StatusOr<CommitOutcome> inserted_again_on_b = b->Commit(InsertingClient(client, "r-8"));

  ASSERT_THAT(created, IsOk());
  EXPECT_EQ(*created, CommitOutcome::kCommitted);
  ASSERT_TRUE(seen_by_b.ok() && seen_by_b->has_value());
  EXPECT_TRUE(MessageDifferencer::Equals(**seen_by_b, client));
  ASSERT_THAT(retried_on_b, IsOk());
  EXPECT_EQ(*retried_on_b, CommitOutcome::kDuplicateRequest);
  ASSERT_THAT(replayed, IsOk());
  ASSERT_TRUE(replayed->has_value());
  EXPECT_EQ((*replayed)->name, client.name());
  EXPECT_THAT(inserted_again_on_b, StatusIs(absl::StatusCode::kAlreadyExists));

  // B updates from etag-1; A, still holding etag-1, loses.
  v1::Client renamed_by_b = client;
  renamed_by_b.set_display_name("Sam B.");
  renamed_by_b.set_etag("etag-2");
  v1::Client renamed_by_a = client;
  renamed_by_a.set_display_name("Samuel");
  renamed_by_a.set_etag("etag-2a");
  absl::StatusOr<CommitOutcome> b_update = b->Commit(UpdatingClient(renamed_by_b, "etag-1"));
  absl::StatusOr<CommitOutcome> a_update = a->Commit(UpdatingClient(renamed_by_a, "etag-1"));
  absl::StatusOr<std::optional<v1::Client>> seen_by_a = a->GetClient(client.name());

  ASSERT_THAT(b_update, IsOk());
  EXPECT_THAT(a_update, StatusIs(absl::StatusCode::kAborted));
  ASSERT_TRUE(seen_by_a.ok() && seen_by_a->has_value());
  EXPECT_EQ((*seen_by_a)->display_name(), "Sam B.");
  EXPECT_EQ((*seen_by_a)->etag(), "etag-2");

  // A page token made by one replica is read by the other.
  ASSERT_THAT(a->Commit(InsertingClient(other_name, "r-9")), IsOk());
  absl::StatusOr<Page<v1::Client>> first =
      a->ListClients({.practice_name = "practices/p1", .page = {.page_size = 1}});
  ASSERT_THAT(first, IsOk());
  ASSERT_FALSE(first->next_page_token.empty());
  absl::StatusOr<Page<v1::Client>> second =
      b->ListClients({.practice_name = "practices/p1",
                      .page = {.page_size = 1, .page_token = first->next_page_token}});
  ASSERT_THAT(second, IsOk());
  EXPECT_THAT(NamesOf(second->items), ElementsAre(other_name.name()));
}

TEST_F(PostgresStoreTest, ReplicasCommittingEventsTogetherKeepSequencesInCommitOrder) {
  std::unique_ptr<PostgresStore> a = OpenOrDie({.conninfo = uri_});
  std::unique_ptr<PostgresStore> b = OpenOrDie({.conninfo = uri_});
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  constexpr int kWritersPerReplica = 3;
  constexpr int kCommitsPerWriter = 20;
  std::atomic<int> failures = 0;
  std::atomic<bool> writing = true;
  // A watcher on B resumes after the last sequence it saw while both replicas write.
  std::vector<std::string> watched;
  std::thread watcher([&] {
    int64_t after = 0;
    bool last_round = false;
    while (!last_round) {
      last_round = !writing.load();
      absl::StatusOr<std::vector<EventRecord>> events =
          b->ListEvents({.practice = "p1", .after_sequence = after, .limit = 1000});
      if (!events.ok()) {
        ++failures;
        return;
      }
      for (const EventRecord& event : *events) watched.push_back(event.resource);
      if (!events->empty()) after = events->back().sequence;
    }
  });
  std::vector<std::thread> writers;
  for (PostgresStore* store : {a.get(), b.get()}) {
    for (int w = 0; w < kWritersPerReplica; ++w) {
      writers.emplace_back([&, store, w] {
        for (int i = 0; i < kCommitsPerWriter; ++i) {
          absl::StatusOr<CommitOutcome> outcome = store->Commit(InsertingWithEvent(
              MakeAssignment(absl::StrCat("practices/p1/clients/c1/assignments/",
                                          store == a.get() ? "a" : "b", w, "-", i))));
          if (!outcome.ok()) ++failures;
        }
      });
    }
  }
  for (std::thread& writer : writers) writer.join();
  writing = false;
  watcher.join();

  EXPECT_EQ(failures.load(), 0);
  absl::StatusOr<std::vector<EventRecord>> events =
      a->ListEvents({.practice = "p1", .limit = 1000});
  ASSERT_THAT(events, IsOk());
  EXPECT_EQ(events->size(), 2u * kWritersPerReplica * kCommitsPerWriter);
  EXPECT_EQ(watched, ResourcesOf(*events));
}

TEST_F(PostgresStoreTest, AnEventCommittedLaterIsListedAfterTheEventsReadMeanwhile) {
  std::unique_ptr<PostgresStore> store = OpenOrDie({.conninfo = uri_});
  ASSERT_NE(store, nullptr);
  // Another writer of the log (a replica between its INSERT and its COMMIT) inserts an event
  // first and commits last.
  RawDatabase other(uri_);
  other.Execute("BEGIN");
  other.Execute(
      "INSERT INTO events (practice, client, type, resource, actor, time) VALUES "
      "('p1', 'practices/p1/clients/c1', 1, 'practices/p1/clients/c1/assignments/first', "
      "'therapist-1', 0)");

  // The store's commit does not wait for it, and a reader meanwhile sees only the second.
  ASSERT_THAT(store->Commit(
                  InsertingWithEvent(MakeAssignment("practices/p1/clients/c1/assignments/second"))),
              IsOkAndHolds(CommitOutcome::kCommitted));
  absl::StatusOr<std::vector<EventRecord>> meanwhile = store->ListEvents({.practice = "p1"});
  ASSERT_THAT(meanwhile, IsOk());
  ASSERT_THAT(ResourcesOf(*meanwhile), ElementsAre("practices/p1/clients/c1/assignments/second"));
  absl::StatusOr<int64_t> latest = store->LatestEventSequence();
  ASSERT_THAT(latest, IsOkAndHolds(meanwhile->back().sequence));

  // Once it commits, a watcher resuming after what it saw gets it: numbered after, not before.
  other.Execute("COMMIT");
  absl::StatusOr<std::vector<EventRecord>> resumed =
      store->ListEvents({.practice = "p1", .after_sequence = meanwhile->back().sequence});
  ASSERT_THAT(resumed, IsOk());
  EXPECT_THAT(ResourcesOf(*resumed), ElementsAre("practices/p1/clients/c1/assignments/first"));
  EXPECT_EQ(resumed->front().sequence, meanwhile->back().sequence + 1);
  EXPECT_THAT(store->LatestEventSequence(), IsOkAndHolds(resumed->front().sequence));
}

TEST_F(PostgresStoreTest, CommitsWithEventsDoNotWaitForTheEventLogLock) {
  std::unique_ptr<PostgresStore> store = OpenOrDie({.conninfo = uri_});
  ASSERT_NE(store, nullptr);
  // Another connection holds the event log's lock (as a numbering pass waiting for its flush
  // does) with an event of its own inserted.
  RawDatabase other(uri_);
  other.Execute("BEGIN");
  other.Execute(absl::StrCat("SELECT pg_advisory_xact_lock(", kPostgresEventLogLockKey, ")"));
  other.Execute(
      "INSERT INTO events (practice, client, type, resource, actor, time) VALUES "
      "('p1', 'practices/p1/clients/c1', 1, 'practices/p1/clients/c1/assignments/open', "
      "'therapist-1', 0)");
  // Several commits with events go through meanwhile: writers share flushes instead of taking
  // turns behind the lock.
  std::vector<std::thread> writers;
  std::atomic<int> committed = 0;
  for (int i = 0; i < 4; ++i) {
    writers.emplace_back([&, i] {
      if (store
              ->Commit(InsertingWithEvent(
                  MakeAssignment(absl::StrCat("practices/p1/clients/c1/assignments/w", i))))
              .ok()) {
        ++committed;
      }
    });
  }
  for (std::thread& writer : writers) writer.join();
  EXPECT_EQ(committed.load(), 4);
  other.Execute("ROLLBACK");

  // A rolled-back event leaves no gap.
  absl::StatusOr<std::vector<EventRecord>> events = store->ListEvents({.practice = "p1"});
  ASSERT_THAT(events, IsOk());
  ASSERT_EQ(events->size(), 4u);
  for (size_t i = 1; i < events->size(); ++i) {
    EXPECT_EQ((*events)[i].sequence, (*events)[i - 1].sequence + 1);
  }
}

// Statements of the pipeline test, at fixed addresses (a Connection prepares by address).
constexpr postgres::Sql kInsertKey{"insert key", "INSERT INTO keys (k) VALUES ($1)"};
constexpr postgres::Sql kCountKeys{"count keys", "SELECT count(*) FROM keys"};

// A table `keys` in the test's database and a connection of its own to it, for tests of the
// connection's round trips.
class KeysTableTest : public PostgresStoreTest {
 protected:
  void SetUp() override {
    RawDatabase(uri_).Execute("CREATE TABLE keys (k TEXT PRIMARY KEY)");
    absl::StatusOr<std::unique_ptr<postgres::Connection>> db =
        postgres::Connection::Open({.conninfo = uri_});
    ASSERT_THAT(db, IsOk());
    db_ = *std::move(db);
  }

  std::unique_ptr<postgres::Connection> db_;
};

TEST_F(KeysTableTest, APipelineAnswersEachStatementInOrderAndRunsNothingAfterAFailure) {
  using postgres::Param;
  using postgres::Statement;

  std::vector<absl::StatusOr<postgres::Result>> all = db_->ExecutePipeline(
      {Statement{&kInsertKey, {Param::Text("a")}}, Statement{&kInsertKey, {Param::Text("b")}},
       Statement{&kCountKeys, {}}});
  ASSERT_EQ(all.size(), 3u);
  ASSERT_THAT(all[0], IsOk());
  EXPECT_EQ(all[0]->affected_rows(), 1);
  ASSERT_THAT(all[1], IsOk());
  ASSERT_THAT(all[2], IsOk());
  EXPECT_EQ(all[2]->Int64(0, 0), 2);

  // The second fails (a duplicate key); the third is not run, and the first, in the same
  // implicit transaction as the failure, is rolled back with it.
  std::vector<absl::StatusOr<postgres::Result>> failed = db_->ExecutePipeline(
      {Statement{&kInsertKey, {Param::Text("c")}}, Statement{&kInsertKey, {Param::Text("a")}},
       Statement{&kInsertKey, {Param::Text("d")}}});
  ASSERT_EQ(failed.size(), 3u);
  EXPECT_THAT(failed[0], IsOk());
  EXPECT_THAT(failed[1].status(), StatusIs(absl::StatusCode::kInternal, HasSubstr("insert key")));
  EXPECT_EQ(db_->last_sqlstate(), postgres::kUniqueViolation);
  EXPECT_THAT(failed[2].status(), StatusIs(absl::StatusCode::kAborted, HasSubstr("not run")));

  // The connection is in step with the server and usable as before.
  EXPECT_FALSE(db_->broken());
  EXPECT_TRUE(db_->idle());
  absl::StatusOr<postgres::Result> count = db_->Execute(kCountKeys);
  ASSERT_THAT(count, IsOk());
  EXPECT_EQ(count->Int64(0, 0), 2);
  EXPECT_EQ(db_->last_sqlstate(), "");
}

TEST_F(KeysTableTest, ATransactionCommittedInItsOwnRoundTripKeepsAllOfItOrNothing) {
  RawDatabase raw(uri_);
  using postgres::Param;
  using postgres::Statement;
  using postgres::Transaction;

  std::vector<absl::StatusOr<postgres::Result>> results;
  {
    absl::StatusOr<Transaction> both = Transaction::Begin(
        *db_,
        {Statement{&kInsertKey, {Param::Text("a")}}, Statement{&kInsertKey, {Param::Text("b")}}},
        results, Transaction::Then::kCommit);
    ASSERT_THAT(both, IsOk());
    EXPECT_TRUE(both->commit_sent());
    ASSERT_EQ(results.size(), 2u);
    EXPECT_THAT(results[0], IsOk());
    EXPECT_THAT(results[1], IsOk());
    EXPECT_THAT(both->Commit(), IsOk());
  }
  // Committed: another session sees both rows.
  EXPECT_EQ(raw.QueryText("SELECT string_agg(k, ',' ORDER BY k) FROM keys"), "a,b");
  EXPECT_TRUE(db_->idle());

  // The second fails (a duplicate key): PostgreSQL skips the third and COMMIT, and the first is
  // rolled back with the transaction.
  {
    absl::StatusOr<Transaction> failed = Transaction::Begin(
        *db_,
        {Statement{&kInsertKey, {Param::Text("c")}}, Statement{&kInsertKey, {Param::Text("a")}},
         Statement{&kInsertKey, {Param::Text("d")}}},
        results, Transaction::Then::kCommit);
    ASSERT_THAT(failed, IsOk());
    ASSERT_EQ(results.size(), 3u);
    EXPECT_THAT(results[0], IsOk());
    EXPECT_THAT(results[1].status(),
                StatusIs(absl::StatusCode::kInternal, HasSubstr("insert key")));
    EXPECT_EQ(db_->last_sqlstate(), postgres::kUniqueViolation);
    EXPECT_THAT(results[2].status(), StatusIs(absl::StatusCode::kAborted, HasSubstr("not run")));
    EXPECT_THAT(failed->Commit(), StatusIs(absl::StatusCode::kAborted, HasSubstr("not run")));
  }
  EXPECT_EQ(raw.QueryText("SELECT string_agg(k, ',' ORDER BY k) FROM keys"), "a,b");
  // Rolled back on destruction: the connection is back in step and usable.
  EXPECT_TRUE(db_->idle());
  absl::StatusOr<postgres::Result> count = db_->Execute(kCountKeys);
  ASSERT_THAT(count, IsOk());
  EXPECT_EQ(count->Int64(0, 0), 2);
}

TEST_F(KeysTableTest, ACommitSentOnAConnectionThatBreaksHasAnUnknownOutcome) {
  RawDatabase admin(uri_);
  // Prepared first, so the round trip below is the only one.
  ASSERT_THAT(db_->Execute(kCountKeys), IsOk());
  std::vector<absl::StatusOr<postgres::Result>> results;
  {
    absl::StatusOr<postgres::Transaction> warm_up = postgres::Transaction::Begin(
        *db_, {postgres::Statement{&kInsertKey, {postgres::Param::Text("a")}}}, results,
        postgres::Transaction::Then::kCommit);
    ASSERT_THAT(warm_up, IsOk());
    ASSERT_THAT(warm_up->Commit(), IsOk());
  }
  admin.Execute(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
      "WHERE datname = current_database() AND pid <> pg_backend_pid()");
  ASSERT_TRUE(admin.AwaitText(kCountOtherSessions, "0"));

  // The client cannot tell whether the server ran the COMMIT before the connection went: the
  // transaction stands for an unknown outcome rather than an error that invites a retry.
  absl::StatusOr<postgres::Transaction> lost = postgres::Transaction::Begin(
      *db_, {postgres::Statement{&kInsertKey, {postgres::Param::Text("b")}}}, results,
      postgres::Transaction::Then::kCommit);
  ASSERT_THAT(lost, IsOk());
  EXPECT_TRUE(db_->broken());
  EXPECT_TRUE(lost->commit_sent());
  ASSERT_EQ(results.size(), 1u);
  EXPECT_THAT(results[0], Not(IsOk()));
  EXPECT_THAT(lost->Commit(), Not(IsOk()));
}

// ---- Failures and recovery. ----

TEST_F(PostgresStoreTest, KilledConnectionsAreUnavailableAtMostOnceThenTheStoreRecovers) {
  std::unique_ptr<PostgresStore> store = OpenOrDie({.conninfo = uri_, .pool_size = 4});
  ASSERT_NE(store, nullptr);
  const v1::Client client = MakeClient("practices/p1/clients/c1");
  ASSERT_THAT(store->Commit(InsertingClient(client)), IsOk());
  // Open every connection of the pool: concurrent reads.
  std::vector<std::thread> readers;
  for (int t = 0; t < 4; ++t) {
    readers.emplace_back([&] {
      for (int i = 0; i < 20; ++i) EXPECT_TRUE(store->GetClient(client.name()).ok());
    });
  }
  for (std::thread& reader : readers) reader.join();
  RawDatabase admin(uri_);
  ASSERT_NE(admin.QueryText(kCountOtherSessions), "0");

  admin.Execute(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
      "WHERE datname = current_database() AND pid <> pg_backend_pid()");
  ASSERT_TRUE(admin.AwaitText(kCountOtherSessions, "0"));

  int unavailable = 0;
  std::vector<absl::StatusCode> codes;
  for (int i = 0; i < 8; ++i) {
    absl::StatusOr<std::optional<v1::Client>> read = store->GetClient(client.name());
    absl::StatusOr<CommitOutcome> write = store->Commit(
        InsertingWithEvent(MakeAssignment(absl::StrCat(client.name(), "/assignments/a", i))));
    for (absl::StatusCode code : {read.status().code(), write.status().code()}) {
      codes.push_back(code);
      if (code == absl::StatusCode::kUnavailable) ++unavailable;
    }
  }

  EXPECT_LE(unavailable, 1);
  // Everything after the first call worked.
  EXPECT_THAT(std::vector<absl::StatusCode>(codes.begin() + 1, codes.end()),
              ::testing::Each(absl::StatusCode::kOk));
  absl::StatusOr<std::optional<v1::Client>> stored = store->GetClient(client.name());
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_TRUE(MessageDifferencer::Equals(**stored, client));
}

TEST_F(PostgresStoreTest, DatabaseRestartIsUnavailableWhileDownThenTheStoreRecovers) {
  std::unique_ptr<PostgresStore> store = OpenOrDie({.conninfo = uri_});
  ASSERT_NE(store, nullptr);
  const v1::Client client = MakeClient("practices/p1/clients/c1");
  ASSERT_THAT(store->Commit(InsertingClient(client)), IsOk());

  ASSERT_THAT(cluster->StopServer(), IsOk());
  absl::StatusOr<std::optional<v1::Client>> read_while_down = store->GetClient(client.name());
  absl::StatusOr<CommitOutcome> write_while_down =
      store->Commit(InsertingWithEvent(MakeAssignment("practices/p1/clients/c1/assignments/a1")));
  ASSERT_THAT(cluster->StartServer(), IsOk());
  absl::StatusOr<std::optional<v1::Client>> read_after = store->GetClient(client.name());
  absl::StatusOr<CommitOutcome> write_after =
      store->Commit(InsertingWithEvent(MakeAssignment("practices/p1/clients/c1/assignments/a1")));

  EXPECT_THAT(read_while_down, StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(write_while_down, StatusIs(absl::StatusCode::kUnavailable));
  ASSERT_THAT(read_after, IsOk());
  ASSERT_TRUE(read_after->has_value());
  EXPECT_TRUE(MessageDifferencer::Equals(**read_after, client));
  ASSERT_THAT(write_after, IsOk());
  EXPECT_EQ(*write_after, CommitOutcome::kCommitted);
}

TEST_F(PostgresStoreTest, StatementPastTheStatementTimeoutIsUnavailable) {
  std::unique_ptr<PostgresStore> store =
      OpenOrDie({.conninfo = uri_, .statement_timeout = absl::Milliseconds(200)});
  ASSERT_NE(store, nullptr);
  const v1::Client client = MakeClient("practices/p1/clients/c1");
  ASSERT_THAT(store->Commit(InsertingClient(client)), IsOk());
  // Another session holds the client's row.
  RawDatabase other(uri_);
  other.Execute("BEGIN");
  other.Execute("SELECT 1 FROM clients FOR UPDATE");

  v1::Client renamed = client;
  renamed.set_display_name("Samuel");
  renamed.set_etag("etag-2");
  const absl::Time start = absl::Now();
  absl::StatusOr<CommitOutcome> blocked = store->Commit(UpdatingClient(renamed, "etag-1"));
  const absl::Duration waited = absl::Now() - start;
  other.Execute("ROLLBACK");
  absl::StatusOr<CommitOutcome> retried = store->Commit(UpdatingClient(renamed, "etag-1"));

  EXPECT_THAT(blocked, StatusIs(absl::StatusCode::kUnavailable, HasSubstr("57014")));
  EXPECT_THAT(blocked.status().message(), Not(HasSubstr("UPDATE")));
  EXPECT_GE(waited, absl::Milliseconds(200));
  ASSERT_THAT(retried, IsOk());
  EXPECT_EQ(*retried, CommitOutcome::kCommitted);
}

TEST_F(PostgresStoreTest, EveryConnectionBusyPastTheAcquireTimeoutIsUnavailable) {
  std::unique_ptr<PostgresStore> store =
      OpenOrDie({.conninfo = uri_, .pool_size = 1, .acquire_timeout = absl::Milliseconds(100)});
  ASSERT_NE(store, nullptr);
  const v1::Client client = MakeClient("practices/p1/clients/c1");
  ASSERT_THAT(store->Commit(InsertingClient(client)), IsOk());
  // The pool's only connection waits for a table another session has locked.
  RawDatabase other(uri_);
  other.Execute("BEGIN");
  other.Execute("LOCK TABLE clients IN ACCESS EXCLUSIVE MODE");
  std::thread holder([&] { EXPECT_TRUE(store->GetClient(client.name()).ok()); });
  ASSERT_TRUE(RawDatabase(uri_).AwaitText(CountWaitingFor("relation"), "1"));

  const absl::Time start = absl::Now();
  absl::StatusOr<std::optional<v1::Client>> starved = store->GetClient(client.name());
  const absl::Duration waited = absl::Now() - start;
  other.Execute("COMMIT");
  holder.join();
  absl::StatusOr<std::optional<v1::Client>> after = store->GetClient(client.name());

  EXPECT_THAT(starved, StatusIs(absl::StatusCode::kUnavailable, HasSubstr("in use")));
  EXPECT_GE(waited, absl::Milliseconds(100));
  ASSERT_THAT(after, IsOk());
  EXPECT_TRUE(after->has_value());
}

TEST_F(PostgresStoreTest, CorruptStoredResourceIsInternal) {
  std::unique_ptr<PostgresStore> store = OpenOrDie({.conninfo = uri_});
  ASSERT_NE(store, nullptr);
  ASSERT_THAT(store->Commit(InsertingClient(MakeClient("practices/p1/clients/c1"))), IsOk());
  RawDatabase(uri_).Execute("UPDATE clients SET data = '\\xffffffff'::bytea");

  absl::StatusOr<std::optional<v1::Client>> got = store->GetClient("practices/p1/clients/c1");
  absl::StatusOr<Page<v1::Client>> listed = store->ListClients({.practice_name = "practices/p1"});

  EXPECT_THAT(got, StatusIs(absl::StatusCode::kInternal));
  EXPECT_THAT(listed, StatusIs(absl::StatusCode::kInternal));
  EXPECT_THAT(got.status().message(), Not(HasSubstr("SELECT")));
}

// ---- Byte order, whatever the cluster's collation. ----

TEST_F(PostgresStoreTest, NamesSortInByteOrderUnderALocaleCollation) {
  std::unique_ptr<PostgresStore> store = OpenOrDie({.conninfo = uri_});
  ASSERT_NE(store, nullptr);
  // The test cluster's default collation is a locale's, where "a" sorts before "B".
  ASSERT_EQ(RawDatabase(uri_).QueryText("SELECT 'a' < 'B'"), "t");
  for (const char* id : {"a", "B", "c", "D"}) {
    ASSERT_TRUE(
        store->Commit(InsertingClient(MakeClient(absl::StrCat("practices/p1/clients/", id)), id))
            .ok());
  }

  absl::StatusOr<Page<v1::Client>> clients = store->ListClients({.practice_name = "practices/p1"});

  ASSERT_THAT(clients, IsOk());
  EXPECT_THAT(NamesOf(clients->items),
              ElementsAre("practices/p1/clients/B", "practices/p1/clients/D",
                          "practices/p1/clients/a", "practices/p1/clients/c"));
}

TEST_F(PostgresStoreTest, ListAuditTakesAPrefixEndingInAMultibyteCharacter) {
  std::unique_ptr<PostgresStore> store = OpenOrDie({.conninfo = uri_});
  ASSERT_NE(store, nullptr);
  for (const char* resource : {"practices/p1/clients/z\u00e9", "practices/p1/clients/z\u00e92",
                               "practices/p1/clients/z\u00ea", "practices/p1/clients/zf"}) {
    ASSERT_THAT(store->AppendAudit(MakeAudit("GetClient", resource)), IsOk());
  }

  absl::StatusOr<std::vector<AuditRecord>> records =
      store->ListAudit("practices/p1/clients/z\u00e9", 100);

  ASSERT_THAT(records, IsOk());
  std::vector<std::string> resources;
  for (const AuditRecord& record : *records) resources.push_back(record.resource);
  EXPECT_THAT(resources,
              ElementsAre("practices/p1/clients/z\u00e9", "practices/p1/clients/z\u00e92"));
}

// The records of a batch are one transaction: when the server refuses one of them (here a
// resource that is not UTF-8), none of the batch is kept, and the error says so.
TEST_F(PostgresStoreTest, AppendAuditsKeepsAllOfABatchOrNone) {
  std::unique_ptr<PostgresStore> store = OpenOrDie({.conninfo = uri_});
  ASSERT_NE(store, nullptr);
  ASSERT_THAT(store->AppendAudit(MakeAudit("GetClient", "practices/p1/clients/c0")), IsOk());
  std::vector<AuditRecord> batch = {MakeAudit("GetClient", "practices/p1/clients/c1"),
                                    MakeAudit("GetClient", "practices/p1/clients/c1"),
                                    MakeAudit("GetClient", "practices/p1/clients/c2")};
  batch[1].resource.push_back('\xff');  // not UTF-8

  EXPECT_FALSE(store->AppendAudits(batch).ok());

  absl::StatusOr<std::vector<AuditRecord>> records = store->ListAudit("practices/", 100);
  ASSERT_THAT(records, IsOk());
  std::vector<std::string> resources;
  for (const AuditRecord& record : *records) resources.push_back(record.resource);
  EXPECT_THAT(resources, ElementsAre("practices/p1/clients/c0"));
  // The connection it used is fine afterwards: the next batch is kept whole.
  batch.erase(batch.begin() + 1);
  ASSERT_THAT(store->AppendAudits(batch), IsOk());
  records = store->ListAudit("practices/", 100);
  ASSERT_THAT(records, IsOk());
  EXPECT_EQ(records->size(), 3u);
}

// ---- Opening. ----

TEST_F(PostgresStoreTest, OpenStoreTakesPostgresqlAndPostgresUris) {
  for (const std::string& uri : {uri_, "postgres://" + uri_.substr(uri_.find("://") + 3)}) {
    absl::StatusOr<std::unique_ptr<Store>> store = OpenStore({.uri = uri});

    ASSERT_THAT(store, IsOk()) << uri << ": " << store.status();
    ASSERT_THAT((*store)->Commit(InsertingClient(MakeClient("practices/p1/clients/c1"))), IsOk());
    absl::StatusOr<std::optional<v1::Client>> stored =
        (*store)->GetClient("practices/p1/clients/c1");
    ASSERT_THAT(stored, IsOk());
    EXPECT_TRUE(stored->has_value());
  }
}

TEST_F(PostgresStoreTest, UnreachableServerIsUnavailable) {
  absl::StatusOr<std::unique_ptr<PostgresStore>> store = PostgresStore::Open(
      {.conninfo = "postgresql:///homework?host=/nonexistent-socket-folder&user=homework"});

  EXPECT_THAT(store, StatusIs(absl::StatusCode::kUnavailable, HasSubstr("cannot connect")));
}

// ---- Writes sent in groups (CommitThen). ----

// A store with one writer thread, whose first group waits until the test lets it go: the writes
// handed over meanwhile queue (six at most), and the writer then takes them as one group.
class GroupedWritesTest : public PostgresStoreTest {
 protected:
  void SetUp() override {
    store_ = OpenOrDie({.conninfo = uri_,
                        .commit_writers = 1,
                        .max_queued = 6,
                        .on_write_batch = [this](size_t writes) {
                          {
                            absl::MutexLock lock(&mutex_);
                            groups_.push_back(writes);
                          }
                          go_.WaitForNotification();
                        }});
    ASSERT_NE(store_, nullptr);
  }

  // Hands `writes` over: the first alone (the writer takes it and waits), then the others, which
  // queue behind it; then lets the writer go, and returns what each write heard.
  std::vector<absl::StatusOr<CommitOutcome>> HandOverTogether(const std::vector<Mutation>& writes) {
    CommitThenAnswers answers(writes.size());
    store_->CommitThen(writes[0], answers.Done(0));
    {
      absl::MutexLock lock(&mutex_);
      mutex_.Await(absl::Condition(
          +[](std::vector<size_t>* groups) { return !groups->empty(); }, &groups_));
    }
    for (size_t i = 1; i < writes.size(); ++i) store_->CommitThen(writes[i], answers.Done(i));
    go_.Notify();
    return answers.Await();
  }

  // Inserts of clients c<first>..c<last> of practice p1, each with request id r-<n>.
  static std::vector<Mutation> InsertingClients(int first, int last) {
    std::vector<Mutation> writes;
    for (int i = first; i <= last; ++i) {
      writes.push_back(InsertingClient(MakeClient(absl::StrCat("practices/p1/clients/c", i)),
                                       absl::StrCat("r-", i)));
    }
    return writes;
  }

  std::vector<size_t> groups() {
    absl::MutexLock lock(&mutex_);
    return groups_;
  }

  std::unique_ptr<PostgresStore> store_;

 private:
  absl::Mutex mutex_;
  std::vector<size_t> groups_ ABSL_GUARDED_BY(mutex_);
  absl::Notification go_;
};

TEST_F(GroupedWritesTest, WritesHandedOverTogetherCommitInOneTransaction) {
  const std::vector<Mutation> writes = InsertingClients(1, 6);

  const std::vector<absl::StatusOr<CommitOutcome>> outcomes = HandOverTogether(writes);

  EXPECT_THAT(groups(), ElementsAre(1, 5));
  for (const absl::StatusOr<CommitOutcome>& outcome : outcomes) {
    ASSERT_THAT(outcome, IsOk());
    EXPECT_EQ(*outcome, CommitOutcome::kCommitted);
  }
  RawDatabase db(uri_);
  EXPECT_EQ(db.QueryText("SELECT count(DISTINCT xmin::text) FROM clients WHERE name IN ("
                         "'practices/p1/clients/c2', 'practices/p1/clients/c3', "
                         "'practices/p1/clients/c4', 'practices/p1/clients/c5', "
                         "'practices/p1/clients/c6')"),
            "1");
  EXPECT_EQ(db.QueryText("SELECT count(*) FROM client_care_team"), "6");
  EXPECT_EQ(db.QueryText("SELECT count(*) FROM idempotency_keys"), "6");
}

TEST_F(GroupedWritesTest, AGroupWithAWriteThatCannotCommitCommitsEveryOtherOnItsOwn) {
  ASSERT_THAT(store_->Commit(InsertingClient(MakeClient("practices/p1/clients/c0"), "r-0")),
              IsOk());
  std::vector<Mutation> writes = InsertingClients(1, 4);
  writes.push_back(InsertingClient(MakeClient("practices/p1/clients/c0"), "r-9"));  // taken
  writes.push_back(InsertingClient(MakeClient("practices/p1/clients/c7"), "r-0"));  // a retry
  writes.push_back(InsertingClient(MakeClient("practices/p1/clients/c8"), "r-8"));

  const std::vector<absl::StatusOr<CommitOutcome>> outcomes = HandOverTogether(writes);

  EXPECT_THAT(groups(), ElementsAre(1, 6));
  for (size_t i : {0, 1, 2, 3, 6}) {
    ASSERT_THAT(outcomes[i], IsOk()) << i;
    EXPECT_EQ(*outcomes[i], CommitOutcome::kCommitted) << i;
  }
  EXPECT_THAT(outcomes[4], StatusIs(absl::StatusCode::kAlreadyExists));
  ASSERT_THAT(outcomes[5], IsOk());
  EXPECT_EQ(*outcomes[5], CommitOutcome::kDuplicateRequest);
  // The group wrote nothing; its writes that could commit did, each in a transaction of its own.
  RawDatabase db(uri_);
  EXPECT_EQ(db.QueryText("SELECT count(DISTINCT xmin::text) FROM clients WHERE name IN ("
                         "'practices/p1/clients/c2', 'practices/p1/clients/c3', "
                         "'practices/p1/clients/c4', 'practices/p1/clients/c8')"),
            "4");
  EXPECT_EQ(db.QueryText("SELECT count(*) FROM clients"), "6");
  EXPECT_EQ(db.QueryText("SELECT count(*) FROM idempotency_keys"), "6");
  EXPECT_EQ(db.QueryText("SELECT count(*) FROM idempotency_keys WHERE request_id = 'r-9'"), "0");
}

// Beyond the queue's bound a write is refused at once and never runs; its caller commits the
// waiting way. The writes queued before it commit as usual.
TEST_F(GroupedWritesTest, AWriteBeyondTheQueuesBoundIsRefusedAtOnceAndNeverRuns) {
  const std::vector<Mutation> writes = InsertingClients(1, 9);

  const std::vector<absl::StatusOr<CommitOutcome>> outcomes = HandOverTogether(writes);

  EXPECT_THAT(groups(), ElementsAre(1, 6));
  for (size_t i = 0; i < 7; ++i) {
    ASSERT_THAT(outcomes[i], IsOk()) << i;
    EXPECT_EQ(*outcomes[i], CommitOutcome::kCommitted) << i;
  }
  for (size_t i : {7, 8}) {
    EXPECT_THAT(outcomes[i], StatusIs(absl::StatusCode::kUnavailable, HasSubstr("queue is full")))
        << i;
  }
  RawDatabase db(uri_);
  EXPECT_EQ(db.QueryText("SELECT count(*) FROM clients"), "7");
  EXPECT_EQ(db.QueryText("SELECT count(*) FROM idempotency_keys WHERE request_id IN ('r-8', "
                         "'r-9')"),
            "0");
}

TEST_F(PostgresStoreTest, EmptyUriOrPoolOfNoConnectionsIsInvalidArgument) {
  EXPECT_THAT(PostgresStore::Open({.conninfo = ""}), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(PostgresStore::Open({.conninfo = uri_, .pool_size = 0}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(PostgresStore::Open({.conninfo = uri_, .commit_writers = -1}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("commit_writers")));
  EXPECT_THAT(PostgresStore::Open({.conninfo = uri_, .max_group = 0}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("max_group")));
  EXPECT_THAT(PostgresStore::Open({.conninfo = uri_, .max_queued = 0}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("max_queued")));
}

}  // namespace
}  // namespace therapy::homework

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  // Owned by GoogleTest, which deletes it at exit.
  ::testing::AddGlobalTestEnvironment(new therapy::homework::ClusterEnvironment);
  return RUN_ALL_TESTS();
}
