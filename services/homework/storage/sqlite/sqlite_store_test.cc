#include "services/homework/storage/sqlite/sqlite_store.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "services/homework/storage/sqlite/audit/audit_journal.h"
#include "services/homework/storage/sqlite/connection.h"
#include "services/homework/storage/sqlite/migrations.h"
#include "services/homework/storage/store_contract_test.h"
#include "testing/status_matchers.h"

namespace therapy::homework {
namespace {

using ::google::protobuf::util::MessageDifferencer;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::therapy::homework::testing::IsOk;
using ::therapy::homework::testing::StatusIs;

// A directory of this test process's database files, removed when the process exits.
class DatabaseDirectory {
 public:
  DatabaseDirectory() {
    std::string pattern = ::testing::TempDir() + "sqlite_store_test.XXXXXX";
    if (mkdtemp(pattern.data()) != nullptr) path_ = std::move(pattern);
  }
  ~DatabaseDirectory() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }

  // A path for a new database file.
  std::string NewDatabasePath() { return absl::StrCat(path_, "/store-", ++files_, ".db"); }

 private:
  std::string path_;
  int files_ = 0;
};

std::string NewDatabasePath() {
  static DatabaseDirectory directory;
  return directory.NewDatabasePath();
}

std::unique_ptr<Store> MakeSqliteStore() {
  absl::StatusOr<std::unique_ptr<SqliteStore>> store =
      SqliteStore::Open({.path = NewDatabasePath(), .only_writer = true});
  if (!store.ok()) {
    ADD_FAILURE() << store.status();
    return nullptr;
  }
  return *std::move(store);
}

INSTANTIATE_TEST_SUITE_P(Sqlite, StoreContractTest,
                         ::testing::Values(StoreFactory(&MakeSqliteStore)));

// The audit record of a therapist's read of `resource` in practice p1.
AuditRecord ReadRecord(absl::string_view resource, absl::string_view call_id) {
  return AuditRecord{.actor = "t-ann",
                     .role = "therapist",
                     .practice = "p1",
                     .action = "GetClient",
                     .resource = std::string(resource),
                     .call_id = std::string(call_id),
                     .time = absl::FromUnixSeconds(1'700'000'000),
                     .outcome = "OK"};
}

// A connection of the test's own, to look at or tamper with the file behind the store's back.
class RawDatabase {
 public:
  explicit RawDatabase(const std::string& path) {
    EXPECT_EQ(sqlite3_open(path.c_str(), &db_), SQLITE_OK);
    sqlite3_busy_timeout(db_, 5000);
  }
  ~RawDatabase() { sqlite3_close(db_); }

  void Execute(const char* sql) {
    EXPECT_EQ(sqlite3_exec(db_, sql, nullptr, nullptr, nullptr), SQLITE_OK)
        << sql << ": " << sqlite3_errmsg(db_);
  }

  // The first column of the first row of `sql` as text.
  std::string QueryText(const char* sql) {
    sqlite3_stmt* statement = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db_, sql, -1, &statement, nullptr), SQLITE_OK)
        << sql << ": " << sqlite3_errmsg(db_);
    std::string value;
    if (sqlite3_step(statement) == SQLITE_ROW && sqlite3_column_text(statement, 0) != nullptr) {
      value = reinterpret_cast<const char*>(sqlite3_column_text(statement, 0));
    }
    sqlite3_finalize(statement);
    return value;
  }

 private:
  sqlite3* db_ = nullptr;
};

std::unique_ptr<SqliteStore> OpenOrDie(const SqliteStoreOptions& options) {
  absl::StatusOr<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(options);
  EXPECT_THAT(store, IsOk());
  return store.ok() ? *std::move(store) : nullptr;
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

Mutation InsertingClient(const v1::Client& client) {
  return Mutation{
      .client = Put<v1::Client>{.mode = WriteMode::kInsert, .resource = client},
      .idempotency =
          IdempotencyKey{.actor = "svc-1", .method = "CreateClient", .request_id = "r-1"},
      .idempotent_result = client.name(),
      .audit = AuditRecord{.actor = "svc-1",
                           .role = "service",
                           .practice = "p1",
                           .action = "CreateClient",
                           .resource = client.name(),
                           .call_id = "call-1",
                           .time = absl::FromUnixSeconds(1'700'000'000),
                           .outcome = "OK"},
  };
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

template <typename Resource>
std::vector<std::string> NamesOf(const std::vector<Resource>& resources) {
  std::vector<std::string> names;
  for (const Resource& resource : resources) names.push_back(resource.name());
  return names;
}

// Rows as the schema of version 1 stores them, written without the store (which would migrate).
constexpr sqlite::Sql kInsertVersion1Client{"insert version 1 client", R"sql(
  INSERT INTO clients (name, practice_name, create_time, etag, data)
  VALUES (:name, :practice_name, :create_time, :etag, :data)
)sql"};
constexpr sqlite::Sql kInsertVersion1Assignment{"insert version 1 assignment", R"sql(
  INSERT INTO assignments (name, client_name, state, create_time, etag, data)
  VALUES (:name, :client_name, :state, :create_time, :etag, :data)
)sql"};

// Creates a database at schema version 1 (only the first migration applied) holding `client`
// and `assignment`, as a binary of that version would have left it.
void CreateVersion1Database(const std::string& path, const v1::Client& client,
                            const v1::Assignment& assignment) {
  absl::StatusOr<std::unique_ptr<sqlite::Connection>> db =
      sqlite::Connection::Open(path, absl::Seconds(5));
  ASSERT_THAT(db, IsOk());
  ASSERT_THAT(ApplyMigrations(**db, EmbeddedMigrations().first(1)), IsOk());
  {
    absl::StatusOr<sqlite::Statement> insert = (*db)->Prepare(kInsertVersion1Client);
    ASSERT_THAT(insert, IsOk());
    insert->BindText(":name", client.name())
        .BindText(":practice_name", "practices/p1")
        .BindInt64(":create_time", client.create_time().seconds() * 1'000'000)
        .BindText(":etag", client.etag())
        .BindBlob(":data", client.SerializeAsString());
    ASSERT_THAT(insert->Run(), IsOk());
  }
  absl::StatusOr<sqlite::Statement> insert = (*db)->Prepare(kInsertVersion1Assignment);
  ASSERT_THAT(insert, IsOk());
  insert->BindText(":name", assignment.name())
      .BindText(":client_name", "practices/p1/clients/c1")
      .BindInt64(":state", assignment.state())
      .BindInt64(":create_time", assignment.create_time().seconds() * 1'000'000)
      .BindText(":etag", assignment.etag())
      .BindBlob(":data", assignment.SerializeAsString());
  ASSERT_THAT(insert->Run(), IsOk());
}

constexpr sqlite::Sql kInsertVersion2Hierarchy{"insert version 2 hierarchy", R"sql(
  INSERT INTO hierarchies (name, client_name, create_time, etag, data)
  VALUES (:name, :client_name, :create_time, :etag, :data)
)sql"};

// Creates a database at schema version 2 (the first two migrations applied) holding `client`,
// `assignments` (of any clients, their client_name derived from the name) and `hierarchy`, as a
// binary of that version would have left it.
void CreateVersion2Database(const std::string& path, const v1::Client& client,
                            const std::vector<v1::Assignment>& assignments,
                            const v1::Hierarchy& hierarchy) {
  absl::StatusOr<std::unique_ptr<sqlite::Connection>> db =
      sqlite::Connection::Open(path, absl::Seconds(5));
  ASSERT_THAT(db, IsOk());
  ASSERT_THAT(ApplyMigrations(**db, EmbeddedMigrations().first(2)), IsOk());
  {
    absl::StatusOr<sqlite::Statement> insert = (*db)->Prepare(kInsertVersion1Client);
    ASSERT_THAT(insert, IsOk());
    insert->BindText(":name", client.name())
        .BindText(":practice_name", "practices/p1")
        .BindInt64(":create_time", client.create_time().seconds() * 1'000'000)
        .BindText(":etag", client.etag())
        .BindBlob(":data", client.SerializeAsString());
    ASSERT_THAT(insert->Run(), IsOk());
  }
  for (const v1::Assignment& assignment : assignments) {
    absl::StatusOr<sqlite::Statement> insert = (*db)->Prepare(kInsertVersion1Assignment);
    ASSERT_THAT(insert, IsOk());
    const std::string& name = assignment.name();
    insert->BindText(":name", name)
        .BindText(":client_name", name.substr(0, name.find("/assignments/")))
        .BindInt64(":state", assignment.state())
        .BindInt64(":create_time", assignment.create_time().seconds() * 1'000'000)
        .BindText(":etag", assignment.etag())
        .BindBlob(":data", assignment.SerializeAsString());
    ASSERT_THAT(insert->Run(), IsOk());
  }
  absl::StatusOr<sqlite::Statement> insert = (*db)->Prepare(kInsertVersion2Hierarchy);
  ASSERT_THAT(insert, IsOk());
  insert->BindText(":name", hierarchy.name())
      .BindText(":client_name", "practices/p1/clients/c1")
      .BindInt64(":create_time", hierarchy.create_time().seconds() * 1'000'000)
      .BindText(":etag", hierarchy.etag())
      .BindBlob(":data", hierarchy.SerializeAsString());
  ASSERT_THAT(insert->Run(), IsOk());
}

constexpr sqlite::Sql kInsertVersion4Assignment{"insert version 4 assignment", R"sql(
  INSERT INTO assignments (name, practice_name, client_name, state, create_time, etag, data)
  VALUES (:name, :practice_name, :client_name, :state, :create_time, :etag, :data)
)sql"};
constexpr sqlite::Sql kInsertVersion3Event{"insert version 3 event", R"sql(
  INSERT INTO events (practice, client, type, resource, actor, time)
  VALUES ('p1', 'practices/p1/clients/c1', :type, :resource, 'therapist-1', :time)
)sql"};

// Creates a database at schema version 4 (the first four migrations applied) holding `client`,
// `assignment` and `hierarchy` of client c1 of p1 and the assignment's creation event, as a
// binary of that version would have left it.
void CreateVersion4Database(const std::string& path, const v1::Client& client,
                            const v1::Assignment& assignment, const v1::Hierarchy& hierarchy) {
  absl::StatusOr<std::unique_ptr<sqlite::Connection>> db =
      sqlite::Connection::Open(path, absl::Seconds(5));
  ASSERT_THAT(db, IsOk());
  ASSERT_THAT(ApplyMigrations(**db, EmbeddedMigrations().first(4)), IsOk());
  {
    absl::StatusOr<sqlite::Statement> insert = (*db)->Prepare(kInsertVersion1Client);
    ASSERT_THAT(insert, IsOk());
    insert->BindText(":name", client.name())
        .BindText(":practice_name", "practices/p1")
        .BindInt64(":create_time", client.create_time().seconds() * 1'000'000)
        .BindText(":etag", client.etag())
        .BindBlob(":data", client.SerializeAsString());
    ASSERT_THAT(insert->Run(), IsOk());
  }
  {
    absl::StatusOr<sqlite::Statement> insert = (*db)->Prepare(kInsertVersion4Assignment);
    ASSERT_THAT(insert, IsOk());
    insert->BindText(":name", assignment.name())
        .BindText(":practice_name", "practices/p1")
        .BindText(":client_name", "practices/p1/clients/c1")
        .BindInt64(":state", assignment.state())
        .BindInt64(":create_time", assignment.create_time().seconds() * 1'000'000)
        .BindText(":etag", assignment.etag())
        .BindBlob(":data", assignment.SerializeAsString());
    ASSERT_THAT(insert->Run(), IsOk());
  }
  {
    absl::StatusOr<sqlite::Statement> insert = (*db)->Prepare(kInsertVersion2Hierarchy);
    ASSERT_THAT(insert, IsOk());
    insert->BindText(":name", hierarchy.name())
        .BindText(":client_name", "practices/p1/clients/c1")
        .BindInt64(":create_time", hierarchy.create_time().seconds() * 1'000'000)
        .BindText(":etag", hierarchy.etag())
        .BindBlob(":data", hierarchy.SerializeAsString());
    ASSERT_THAT(insert->Run(), IsOk());
  }
  absl::StatusOr<sqlite::Statement> insert = (*db)->Prepare(kInsertVersion3Event);
  ASSERT_THAT(insert, IsOk());
  insert->BindInt64(":type", v1::Event::TYPE_ASSIGNMENT_CREATED)
      .BindText(":resource", assignment.name())
      .BindInt64(":time", 1'700'000'100'000'000);
  ASSERT_THAT(insert->Run(), IsOk());
}

v1::Template MakeTemplate(const std::string& name) {
  v1::Template practice_template;
  practice_template.set_name(name);
  practice_template.set_title("Worry postponement");
  practice_template.mutable_exercise()->set_kind(v1::EXERCISE_KIND_BEHAVIORAL_EXPERIMENT);
  practice_template.mutable_schedule()->set_target_count(5);
  practice_template.mutable_schedule()->set_period(v1::Schedule::PERIOD_WEEK);
  practice_template.mutable_schedule()->set_minimum_version("Write one worry on a sticky note");
  practice_template.mutable_create_time()->set_seconds(1'700'000'300);
  practice_template.set_etag("etag-1");
  return practice_template;
}

EventRecord MakeEvent(const std::string& resource) {
  return EventRecord{.practice = "p1",
                     .client = "practices/p1/clients/c1",
                     .type = v1::Event::TYPE_ASSIGNMENT_CREATED,
                     .resource = resource,
                     .actor = "therapist-1",
                     .time = absl::FromUnixSeconds(1'700'000'000)};
}

// The insert of `assignment` with its creation event.
Mutation InsertingWithEvent(const v1::Assignment& assignment) {
  Mutation mutation{.assignment = Put<v1::Assignment>{.resource = assignment},
                    .events = {MakeEvent(assignment.name())}};
  mutation.audit.resource = assignment.name();
  return mutation;
}

class SqliteStoreTest : public ::testing::Test {
 protected:
  const std::string path_ = NewDatabasePath();
};

TEST_F(SqliteStoreTest, DataSurvivesClosingAndReopening) {
  const v1::Client client = MakeClient("practices/p1/clients/c1");
  {
    std::unique_ptr<SqliteStore> store = OpenOrDie({.path = path_});
    ASSERT_NE(store, nullptr);
    absl::StatusOr<CommitOutcome> outcome = store->Commit(InsertingClient(client));
    ASSERT_THAT(outcome, IsOk());
  }

  std::unique_ptr<SqliteStore> reopened = OpenOrDie({.path = path_});
  ASSERT_NE(reopened, nullptr);
  absl::StatusOr<std::optional<v1::Client>> stored = reopened->GetClient(client.name());
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_TRUE(MessageDifferencer::Equals(**stored, client));
  absl::StatusOr<Page<v1::Client>> of_ann =
      reopened->ListClients({.practice_name = "practices/p1", .care_team_member = "t-ann"});
  ASSERT_THAT(of_ann, IsOk());
  EXPECT_EQ(of_ann->items.size(), 1u);
  absl::StatusOr<std::optional<IdempotentResult>> key = reopened->FindIdempotentResult(
      {.actor = "svc-1", .method = "CreateClient", .request_id = "r-1"});
  ASSERT_THAT(key, IsOk());
  ASSERT_TRUE(key->has_value());
  EXPECT_EQ((*key)->name, "practices/p1/clients/c1");
  absl::StatusOr<std::vector<AuditRecord>> audit = reopened->ListAudit("practices/p1/", 10);
  ASSERT_THAT(audit, IsOk());
  ASSERT_EQ(audit->size(), 1u);
  EXPECT_EQ((*audit)[0].call_id, "call-1");
}

constexpr sqlite::Sql kInsertVersion11Completion{"insert version 11 completion", R"sql(
  INSERT INTO completions
    (name, client_name, assignment_name, occur_time, is_measure, etag, data)
  VALUES (:name, :client_name, :assignment_name, :occur_time, :is_measure, :etag, :data)
)sql"};

// A completion of client c1 of p1 named `name`, practised at `seconds`.
v1::Completion Version11Completion(const std::string& name, int64_t seconds) {
  v1::Completion completion;
  completion.set_name(name);
  completion.mutable_occur_time()->set_seconds(seconds);
  completion.set_client_note(absl::StrCat("practice at ", seconds));
  completion.set_etag(absl::StrCat("etag-", seconds));
  return completion;
}

// Creates a database at schema version 11 holding `completions` (of client c1 of p1, their
// assignment derived from the name), keyed by name as a binary of that version left them, the
// first with is_measure NULL as rows written before migration 0008 hold it.
void CreateVersion11Database(const std::string& path,
                             const std::vector<v1::Completion>& completions) {
  absl::StatusOr<std::unique_ptr<sqlite::Connection>> db =
      sqlite::Connection::Open(path, absl::Seconds(5));
  ASSERT_THAT(db, IsOk());
  ASSERT_THAT(ApplyMigrations(**db, EmbeddedMigrations().first(11)), IsOk());
  for (size_t i = 0; i < completions.size(); ++i) {
    const std::string& name = completions[i].name();
    absl::StatusOr<sqlite::Statement> insert = (*db)->Prepare(kInsertVersion11Completion);
    ASSERT_THAT(insert, IsOk());
    insert->BindText(":name", name)
        .BindText(":client_name", "practices/p1/clients/c1")
        .BindText(":assignment_name", name.substr(0, name.find("/completions/")))
        .BindInt64(":occur_time", completions[i].occur_time().seconds() * 1'000'000)
        .BindText(":etag", completions[i].etag())
        .BindBlob(":data", completions[i].SerializeAsString());
    if (i > 0) insert->BindInt64(":is_measure", 0);  // the first's stays unbound: NULL
    ASSERT_THAT(insert->Run(), IsOk());
  }
}

// Migration 0012 makes the completions table again, keyed by (id, name) instead of by name:
// every row keeps its rowid, data and columns, each is found by its name, and a name is still
// unique while an id alone need not be (two assignments may hold completions of the same id).
TEST_F(SqliteStoreTest, CompletionsAreKeyedByTheirIdAfterTheUpgradeFromVersion11) {
  ASSERT_GE(EmbeddedMigrations().size(), 12u);
  ASSERT_EQ(EmbeddedMigrations()[11].version, 12);
  const std::vector<v1::Completion> completions = {
      Version11Completion("practices/p1/clients/c1/assignments/a1/completions/zz-oldest", 100),
      Version11Completion("practices/p1/clients/c1/assignments/a2/completions/0001", 200),
      Version11Completion("practices/p1/clients/c1/assignments/a1/completions/0002", 300),
  };
  ASSERT_NO_FATAL_FAILURE(CreateVersion11Database(path_, completions));
  RawDatabase raw(path_);
  const std::string rows_before = raw.QueryText(
      "SELECT group_concat(row, ' ') FROM "
      "(SELECT rowid || ':' || name AS row FROM completions ORDER BY rowid)");
  std::vector<std::string> announced;
  const auto announce = [&announced](absl::string_view file) { announced.emplace_back(file); };

  std::unique_ptr<SqliteStore> store = OpenOrDie({.path = path_, .on_migration = announce});

  ASSERT_NE(store, nullptr);
  // The one migration of the store's file is announced before it runs (the audit database,
  // new here, gets all of its own, named as under audit/).
  std::erase_if(announced, [](const std::string& file) { return file.starts_with("audit/"); });
  EXPECT_THAT(announced, ElementsAre("0012_completions_keyed_by_id.sql"));
  EXPECT_EQ(raw.QueryText("SELECT group_concat(row, ' ') FROM "
                          "(SELECT rowid || ':' || name AS row FROM completions ORDER BY rowid)"),
            rows_before);
  EXPECT_EQ(raw.QueryText(
                "SELECT group_concat(id, ' ') FROM (SELECT id FROM completions ORDER BY rowid)"),
            "zz-oldest 0001 0002");
  EXPECT_EQ(raw.QueryText("SELECT count(*) FROM completions WHERE is_measure IS NULL"), "1");
  EXPECT_EQ(raw.QueryText("SELECT count(*) FROM sqlite_schema WHERE tbl_name = 'completions' "
                          "AND name LIKE 'sqlite_autoindex_%'"),
            "0");
  for (const v1::Completion& completion : completions) {
    absl::StatusOr<std::optional<v1::Completion>> stored = store->GetCompletion(completion.name());
    ASSERT_TRUE(stored.ok() && stored->has_value()) << completion.name();
    EXPECT_TRUE(MessageDifferencer::Equals(**stored, completion)) << completion.name();
  }
  absl::StatusOr<Page<v1::Completion>> listed =
      store->ListCompletions({.client_name = "practices/p1/clients/c1"});
  ASSERT_THAT(listed, IsOk());
  EXPECT_THAT(NamesOf(listed->items),
              ElementsAre(completions[2].name(), completions[1].name(), completions[0].name()));

  // The same name again is refused; the same id under another assignment is another completion.
  Mutation again{.completion = Put<v1::Completion>{.resource = completions[1]}};
  again.audit.resource = completions[1].name();
  EXPECT_EQ(store->Commit(again).status().code(), absl::StatusCode::kAlreadyExists);
  const v1::Completion same_id =
      Version11Completion("practices/p1/clients/c1/assignments/a1/completions/0001", 400);
  Mutation other{.completion = Put<v1::Completion>{.resource = same_id}};
  other.audit.resource = same_id.name();
  ASSERT_THAT(store->Commit(other), IsOk());
  absl::StatusOr<std::optional<v1::Completion>> first = store->GetCompletion(completions[1].name());
  absl::StatusOr<std::optional<v1::Completion>> second = store->GetCompletion(same_id.name());
  ASSERT_TRUE(first.ok() && first->has_value() && second.ok() && second->has_value());
  EXPECT_EQ((*first)->client_note(), completions[1].client_note());
  EXPECT_EQ((*second)->client_note(), same_id.client_note());

  // An up-to-date store announces nothing.
  store.reset();
  announced.clear();
  ASSERT_NE(OpenOrDie({.path = path_, .on_migration = announce}), nullptr);
  EXPECT_THAT(announced, ::testing::IsEmpty());
}

TEST_F(SqliteStoreTest, MigrationsAreRecordedAndReopeningAppliesNone) {
  constexpr char kHistory[] =
      "SELECT group_concat(version || '@' || applied_at, ',') "
      "FROM (SELECT * FROM schema_migrations ORDER BY version)";
  const int latest = EmbeddedMigrations().back().version;
  ASSERT_NE(OpenOrDie({.path = path_}), nullptr);
  RawDatabase raw(path_);
  const std::string history = raw.QueryText(kHistory);
  EXPECT_EQ(raw.QueryText("SELECT count(*) FROM schema_migrations"),
            std::to_string(EmbeddedMigrations().size()));
  EXPECT_EQ(raw.QueryText("SELECT max(version) FROM schema_migrations"), std::to_string(latest));
  EXPECT_EQ(raw.QueryText("SELECT count(*) FROM sqlite_schema WHERE name = 'audit_log'"), "1");

  std::unique_ptr<SqliteStore> reopened = OpenOrDie({.path = path_});
  ASSERT_NE(reopened, nullptr);

  EXPECT_EQ(raw.QueryText(kHistory), history);  // same versions, same applied_at
  absl::StatusOr<SqliteSettings> settings = reopened->Settings();
  ASSERT_THAT(settings, IsOk());
  EXPECT_EQ(settings->schema_version, latest);
}

TEST_F(SqliteStoreTest, DatabaseAtSchemaVersion1IsUpgradedOnOpenAndKeepsItsData) {
  ASSERT_GE(EmbeddedMigrations().size(), 2u);
  ASSERT_EQ(EmbeddedMigrations()[1].version, 2);
  const v1::Client client = MakeClient("practices/p1/clients/c1");
  const v1::Assignment assignment = MakeAssignment("practices/p1/clients/c1/assignments/a1");
  ASSERT_NO_FATAL_FAILURE(CreateVersion1Database(path_, client, assignment));
  RawDatabase raw(path_);
  ASSERT_EQ(raw.QueryText("SELECT max(version) FROM schema_migrations"), "1");
  ASSERT_EQ(raw.QueryText("SELECT count(*) FROM sqlite_schema WHERE name = 'hierarchies'"), "0");
  const std::string version1_applied_at =
      raw.QueryText("SELECT applied_at FROM schema_migrations WHERE version = 1");

  std::unique_ptr<SqliteStore> store = OpenOrDie({.path = path_});

  ASSERT_NE(store, nullptr);
  absl::StatusOr<SqliteSettings> settings = store->Settings();
  ASSERT_THAT(settings, IsOk());
  EXPECT_EQ(settings->schema_version, EmbeddedMigrations().back().version);
  EXPECT_EQ(raw.QueryText("SELECT count(*) FROM schema_migrations WHERE version = 2"), "1");
  EXPECT_EQ(raw.QueryText("SELECT applied_at FROM schema_migrations WHERE version = 1"),
            version1_applied_at);
  EXPECT_EQ(raw.QueryText("SELECT count(*) FROM sqlite_schema "
                          "WHERE name IN ('hierarchies', 'hierarchies_by_client')"),
            "2");
  // The data of version 1 reads back unchanged.
  absl::StatusOr<std::optional<v1::Client>> stored_client = store->GetClient(client.name());
  ASSERT_TRUE(stored_client.ok() && stored_client->has_value());
  EXPECT_TRUE(MessageDifferencer::Equals(**stored_client, client));
  absl::StatusOr<Page<v1::Assignment>> assignments =
      store->ListAssignments({.client_name = "practices/p1/clients/c1"});
  ASSERT_THAT(assignments, IsOk());
  ASSERT_EQ(assignments->items.size(), 1u);
  EXPECT_TRUE(MessageDifferencer::Equals(assignments->items[0], assignment));
  // And the new table takes hierarchies.
  v1::Hierarchy hierarchy;
  hierarchy.set_name("practices/p1/clients/c1/hierarchies/h1");
  hierarchy.set_target("Speaking up in meetings");
  hierarchy.mutable_create_time()->set_seconds(1'700'000'200);
  hierarchy.set_etag("etag-1");
  Mutation create{.hierarchy = Put<v1::Hierarchy>{.resource = hierarchy}};
  create.audit.resource = hierarchy.name();
  absl::StatusOr<CommitOutcome> outcome = store->Commit(create);
  ASSERT_THAT(outcome, IsOk());
  absl::StatusOr<Page<v1::Hierarchy>> hierarchies =
      store->ListHierarchies({.client_name = "practices/p1/clients/c1"});
  ASSERT_THAT(hierarchies, IsOk());
  ASSERT_EQ(hierarchies->items.size(), 1u);
  EXPECT_TRUE(MessageDifferencer::Equals(hierarchies->items[0], hierarchy));
}

TEST_F(SqliteStoreTest, DatabaseAtSchemaVersion2IsUpgradedOnOpenAndKeepsItsData) {
  ASSERT_GE(EmbeddedMigrations().size(), 4u);
  ASSERT_EQ(EmbeddedMigrations()[2].version, 3);
  const v1::Client client = MakeClient("practices/p1/clients/c1");
  // Assignments of two clients of p1, and one of p10, whose id starts with "p1".
  v1::Assignment older = MakeAssignment("practices/p1/clients/c1/assignments/a1");
  older.mutable_create_time()->set_seconds(1'700'000'100);
  v1::Assignment newer = MakeAssignment("practices/p1/clients/c2/assignments/a1");
  newer.mutable_create_time()->set_seconds(1'700'000'200);
  v1::Assignment of_p10 = MakeAssignment("practices/p10/clients/c1/assignments/a1");
  of_p10.mutable_create_time()->set_seconds(1'700'000'300);
  v1::Hierarchy hierarchy;
  hierarchy.set_name("practices/p1/clients/c1/hierarchies/h1");
  hierarchy.set_target("Speaking up in meetings");
  hierarchy.mutable_create_time()->set_seconds(1'700'000'050);
  hierarchy.set_etag("etag-1");
  ASSERT_NO_FATAL_FAILURE(CreateVersion2Database(path_, client, {older, newer, of_p10}, hierarchy));
  RawDatabase raw(path_);
  ASSERT_EQ(raw.QueryText("SELECT max(version) FROM schema_migrations"), "2");
  ASSERT_EQ(raw.QueryText("SELECT count(*) FROM sqlite_schema WHERE name = 'events'"), "0");
  const std::string applied_before =
      raw.QueryText("SELECT group_concat(applied_at, ',') FROM schema_migrations");

  std::unique_ptr<SqliteStore> store = OpenOrDie({.path = path_});

  ASSERT_NE(store, nullptr);
  absl::StatusOr<SqliteSettings> settings = store->Settings();
  ASSERT_THAT(settings, IsOk());
  EXPECT_EQ(settings->schema_version, EmbeddedMigrations().back().version);
  EXPECT_EQ(raw.QueryText("SELECT count(*) FROM schema_migrations WHERE version IN (3, 4)"), "2");
  EXPECT_EQ(raw.QueryText("SELECT group_concat(applied_at, ',') FROM schema_migrations "
                          "WHERE version <= 2"),
            applied_before);
  EXPECT_EQ(raw.QueryText("SELECT count(*) FROM sqlite_schema WHERE name IN ('events', "
                          "'events_by_practice', 'events_by_client', 'assignments_by_practice')"),
            "4");
  // The data of version 2 reads back unchanged.
  absl::StatusOr<std::optional<v1::Client>> stored_client = store->GetClient(client.name());
  ASSERT_TRUE(stored_client.ok() && stored_client->has_value());
  EXPECT_TRUE(MessageDifferencer::Equals(**stored_client, client));
  absl::StatusOr<Page<v1::Assignment>> of_c1 =
      store->ListAssignments({.client_name = "practices/p1/clients/c1"});
  ASSERT_THAT(of_c1, IsOk());
  ASSERT_EQ(of_c1->items.size(), 1u);
  EXPECT_TRUE(MessageDifferencer::Equals(of_c1->items[0], older));
  absl::StatusOr<Page<v1::Hierarchy>> hierarchies =
      store->ListHierarchies({.client_name = "practices/p1/clients/c1"});
  ASSERT_THAT(hierarchies, IsOk());
  ASSERT_EQ(hierarchies->items.size(), 1u);
  EXPECT_TRUE(MessageDifferencer::Equals(hierarchies->items[0], hierarchy));
  // The existing assignments were given their practice: the practice-wide lists find them.
  absl::StatusOr<Page<v1::Assignment>> of_p1 =
      store->ListAssignments({.practice_name = "practices/p1"});
  ASSERT_THAT(of_p1, IsOk());
  EXPECT_THAT(NamesOf(of_p1->items), ElementsAre(newer.name(), older.name()));
  absl::StatusOr<Page<v1::Assignment>> of_p10_list =
      store->ListAssignments({.practice_name = "practices/p10"});
  ASSERT_THAT(of_p10_list, IsOk());
  EXPECT_THAT(NamesOf(of_p10_list->items), ElementsAre(of_p10.name()));
  // And the event log starts empty and takes events.
  absl::StatusOr<int64_t> latest = store->LatestEventSequence();
  ASSERT_THAT(latest, IsOk());
  EXPECT_EQ(*latest, 0);
  v1::Assignment added = MakeAssignment("practices/p1/clients/c1/assignments/a2");
  added.mutable_create_time()->set_seconds(1'700'000'400);
  absl::StatusOr<CommitOutcome> outcome = store->Commit(InsertingWithEvent(added));
  ASSERT_THAT(outcome, IsOk());
  absl::StatusOr<std::vector<EventRecord>> events = store->ListEvents({.practice = "p1"});
  ASSERT_THAT(events, IsOk());
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].resource, added.name());
  absl::StatusOr<Page<v1::Assignment>> of_p1_now =
      store->ListAssignments({.practice_name = "practices/p1"});
  ASSERT_THAT(of_p1_now, IsOk());
  EXPECT_THAT(NamesOf(of_p1_now->items), ElementsAre(added.name(), newer.name(), older.name()));
}

TEST_F(SqliteStoreTest, DatabaseAtSchemaVersion4IsUpgradedOnOpenAndKeepsItsData) {
  ASSERT_GE(EmbeddedMigrations().size(), 5u);
  ASSERT_EQ(EmbeddedMigrations()[4].version, 5);
  const v1::Client client = MakeClient("practices/p1/clients/c1");
  const v1::Assignment assignment = MakeAssignment("practices/p1/clients/c1/assignments/a1");
  v1::Hierarchy hierarchy;
  hierarchy.set_name("practices/p1/clients/c1/hierarchies/h1");
  hierarchy.set_target("Speaking up in meetings");
  hierarchy.mutable_create_time()->set_seconds(1'700'000'050);
  hierarchy.set_etag("etag-1");
  ASSERT_NO_FATAL_FAILURE(CreateVersion4Database(path_, client, assignment, hierarchy));
  RawDatabase raw(path_);
  ASSERT_EQ(raw.QueryText("SELECT max(version) FROM schema_migrations"), "4");
  ASSERT_EQ(raw.QueryText("SELECT count(*) FROM sqlite_schema WHERE name = 'templates'"), "0");
  const std::string applied_before =
      raw.QueryText("SELECT group_concat(applied_at, ',') FROM schema_migrations");

  std::unique_ptr<SqliteStore> store = OpenOrDie({.path = path_});

  ASSERT_NE(store, nullptr);
  absl::StatusOr<SqliteSettings> settings = store->Settings();
  ASSERT_THAT(settings, IsOk());
  EXPECT_EQ(settings->schema_version, EmbeddedMigrations().back().version);
  EXPECT_EQ(raw.QueryText("SELECT count(*) FROM schema_migrations WHERE version = 5"), "1");
  EXPECT_EQ(raw.QueryText("SELECT group_concat(applied_at, ',') FROM schema_migrations "
                          "WHERE version <= 4"),
            applied_before);
  EXPECT_EQ(raw.QueryText("SELECT count(*) FROM sqlite_schema "
                          "WHERE name IN ('templates', 'templates_by_practice')"),
            "2");
  // The data of version 4 reads back unchanged.
  absl::StatusOr<std::optional<v1::Client>> stored_client = store->GetClient(client.name());
  ASSERT_TRUE(stored_client.ok() && stored_client->has_value());
  EXPECT_TRUE(MessageDifferencer::Equals(**stored_client, client));
  absl::StatusOr<Page<v1::Assignment>> of_p1 =
      store->ListAssignments({.practice_name = "practices/p1"});
  ASSERT_THAT(of_p1, IsOk());
  ASSERT_EQ(of_p1->items.size(), 1u);
  EXPECT_TRUE(MessageDifferencer::Equals(of_p1->items[0], assignment));
  absl::StatusOr<Page<v1::Hierarchy>> hierarchies =
      store->ListHierarchies({.client_name = "practices/p1/clients/c1"});
  ASSERT_THAT(hierarchies, IsOk());
  ASSERT_EQ(hierarchies->items.size(), 1u);
  EXPECT_TRUE(MessageDifferencer::Equals(hierarchies->items[0], hierarchy));
  absl::StatusOr<std::vector<EventRecord>> events = store->ListEvents({.practice = "p1"});
  ASSERT_THAT(events, IsOk());
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].resource, assignment.name());
  // And the new table starts empty and takes templates.
  absl::StatusOr<Page<v1::Template>> none = store->ListTemplates({.practice_name = "practices/p1"});
  ASSERT_THAT(none, IsOk());
  EXPECT_TRUE(none->items.empty());
  const v1::Template practice_template = MakeTemplate("practices/p1/templates/t1");
  Mutation create{.practice_template = Put<v1::Template>{.resource = practice_template}};
  create.audit.resource = practice_template.name();
  absl::StatusOr<CommitOutcome> outcome = store->Commit(create);
  ASSERT_THAT(outcome, IsOk());
  absl::StatusOr<std::optional<v1::Template>> stored_template =
      store->GetTemplate(practice_template.name());
  ASSERT_TRUE(stored_template.ok() && stored_template->has_value());
  EXPECT_TRUE(MessageDifferencer::Equals(**stored_template, practice_template));
  absl::StatusOr<Page<v1::Template>> templates =
      store->ListTemplates({.practice_name = "practices/p1"});
  ASSERT_THAT(templates, IsOk());
  EXPECT_THAT(NamesOf(templates->items), ElementsAre(practice_template.name()));
}

TEST_F(SqliteStoreTest, EventSequenceIsNeverReusedAfterTheNewestEventsAreDeleted) {
  int64_t third = 0;
  {
    std::unique_ptr<SqliteStore> store = OpenOrDie({.path = path_});
    ASSERT_NE(store, nullptr);
    for (int i = 1; i <= 3; ++i) {
      absl::StatusOr<CommitOutcome> outcome = store->Commit(InsertingWithEvent(
          MakeAssignment(absl::StrCat("practices/p1/clients/c1/assignments/a", i))));
      ASSERT_THAT(outcome, IsOk());
    }
    absl::StatusOr<int64_t> latest = store->LatestEventSequence();
    ASSERT_THAT(latest, IsOk());
    third = *latest;
  }
  // An operator prunes the log, newest rows included.
  RawDatabase(path_).Execute("DELETE FROM events WHERE sequence >= 2");

  std::unique_ptr<SqliteStore> reopened = OpenOrDie({.path = path_});
  ASSERT_NE(reopened, nullptr);
  absl::StatusOr<CommitOutcome> outcome = reopened->Commit(
      InsertingWithEvent(MakeAssignment("practices/p1/clients/c1/assignments/a4")));
  ASSERT_THAT(outcome, IsOk());

  absl::StatusOr<std::vector<EventRecord>> events =
      reopened->ListEvents({.practice = "p1", .after_sequence = 1});
  ASSERT_THAT(events, IsOk());
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].resource, "practices/p1/clients/c1/assignments/a4");
  EXPECT_GT((*events)[0].sequence, third);
}

TEST_F(SqliteStoreTest, DatabaseOfANewerSchemaIsFailedPrecondition) {
  ASSERT_NE(OpenOrDie({.path = path_}), nullptr);
  const int future = EmbeddedMigrations().back().version + 1;
  RawDatabase(path_).Execute(
      absl::StrCat("INSERT INTO schema_migrations (version, applied_at) VALUES (", future, ", 0)")
          .c_str());

  absl::StatusOr<std::unique_ptr<SqliteStore>> store = SqliteStore::Open({.path = path_});

  EXPECT_THAT(store, StatusIs(absl::StatusCode::kFailedPrecondition,
                              HasSubstr(absl::StrCat("version ", future))));
}

TEST_F(SqliteStoreTest, WritesGoThroughWalWithFullSync) {
  std::unique_ptr<SqliteStore> store = OpenOrDie({.path = path_});
  ASSERT_NE(store, nullptr);

  absl::StatusOr<SqliteSettings> settings = store->Settings();

  ASSERT_THAT(settings, IsOk());
  EXPECT_EQ(settings->journal_mode, "wal");
  EXPECT_EQ(settings->synchronous, 2);  // FULL
  EXPECT_TRUE(settings->foreign_keys);
  EXPECT_EQ(RawDatabase(path_).QueryText("PRAGMA journal_mode"), "wal");  // kept in the file
}

TEST_F(SqliteStoreTest, CorruptStoredResourceIsInternal) {
  std::unique_ptr<SqliteStore> store = OpenOrDie({.path = path_});
  ASSERT_NE(store, nullptr);
  ASSERT_THAT(store->Commit(InsertingClient(MakeClient("practices/p1/clients/c1"))), IsOk());
  RawDatabase(path_).Execute("UPDATE clients SET data = x'ffffffff'");

  absl::StatusOr<std::optional<v1::Client>> got = store->GetClient("practices/p1/clients/c1");
  absl::StatusOr<Page<v1::Client>> listed = store->ListClients({.practice_name = "practices/p1"});

  EXPECT_THAT(got, StatusIs(absl::StatusCode::kInternal));
  EXPECT_THAT(listed, StatusIs(absl::StatusCode::kInternal));
  EXPECT_THAT(got.status().message(), ::testing::Not(HasSubstr("SELECT")));
}

TEST_F(SqliteStoreTest, WriteLockHeldPastBusyTimeoutIsUnavailable) {
  std::unique_ptr<SqliteStore> store =
      OpenOrDie({.path = path_, .busy_timeout = absl::Milliseconds(50)});
  ASSERT_NE(store, nullptr);
  RawDatabase other_process(path_);
  other_process.Execute("BEGIN IMMEDIATE");

  absl::StatusOr<CommitOutcome> blocked =
      store->Commit(InsertingClient(MakeClient("practices/p1/clients/c1")));
  other_process.Execute("ROLLBACK");
  absl::StatusOr<CommitOutcome> retried =
      store->Commit(InsertingClient(MakeClient("practices/p1/clients/c1")));

  EXPECT_THAT(blocked, StatusIs(absl::StatusCode::kUnavailable));
  ASSERT_THAT(retried, IsOk());
  EXPECT_EQ(*retried, CommitOutcome::kCommitted);
}

// Group commit: writes from many threads share transactions, yet each one succeeds or fails on
// its own, and each acknowledged one is stored.
TEST_F(SqliteStoreTest, ConcurrentWritesShareTransactionsButSucceedOrFailAlone) {
  std::unique_ptr<SqliteStore> store = OpenOrDie({.path = path_});
  ASSERT_NE(store, nullptr);
  ASSERT_THAT(store->Commit(InsertingClient(MakeClient("practices/p1/clients/taken"))), IsOk());
  constexpr int kThreads = 8;
  constexpr int kWritesPerThread = 40;
  std::vector<std::vector<absl::StatusOr<CommitOutcome>>> results(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kWritesPerThread; ++i) {
        // Every fifth write collides with an existing client and must fail alone.
        const std::string name = i % 5 == 4 ? "practices/p1/clients/taken"
                                            : absl::StrCat("practices/p1/clients/c", t, "-", i);
        Mutation mutation = InsertingClient(MakeClient(name));
        mutation.idempotency->request_id = absl::StrCat("r-", t, "-", i);
        if (i % 7 == 6) {
          store->AppendAudit(mutation.audit).IgnoreError();  // reads audit through the same path
        }
        results[t].push_back(store->Commit(mutation));
      }
    });
  }
  for (std::thread& thread : threads) thread.join();

  std::unique_ptr<SqliteStore> reopened;
  store.reset();
  reopened = OpenOrDie({.path = path_});
  ASSERT_NE(reopened, nullptr);
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kWritesPerThread; ++i) {
      const absl::StatusOr<CommitOutcome>& result = results[t][i];
      if (i % 5 == 4) {
        EXPECT_THAT(result, StatusIs(absl::StatusCode::kAlreadyExists)) << t << "/" << i;
        continue;
      }
      ASSERT_THAT(result, IsOk()) << t << "/" << i << ": " << result.status();
      EXPECT_EQ(*result, CommitOutcome::kCommitted);
      const std::string name = absl::StrCat("practices/p1/clients/c", t, "-", i);
      absl::StatusOr<std::optional<v1::Client>> stored = reopened->GetClient(name);
      ASSERT_THAT(stored, IsOk());
      EXPECT_TRUE(stored->has_value()) << name << " was acknowledged but is not stored";
    }
  }
  // A failed write's idempotency key went with it: the same request id may be used again.
  Mutation retry = InsertingClient(MakeClient("practices/p1/clients/after"));
  retry.idempotency->request_id = "r-0-4";
  absl::StatusOr<CommitOutcome> retried = reopened->Commit(retry);
  ASSERT_THAT(retried, IsOk());
  EXPECT_EQ(*retried, CommitOutcome::kCommitted);
}

// The audit record of a read survives a crash of the process once AppendAudit returns: it is in
// the audit journal (ADR 0031), where the next process reads it; ListAudit finds it committed to
// the audit database. Data writes stay at FULL sync.
TEST_F(SqliteStoreTest, ReadAuditSurvivesACrashOfTheProcessWhenAppendAuditReturns) {
  std::unique_ptr<SqliteStore> store = OpenOrDie({.path = path_, .only_writer = true});
  ASSERT_NE(store, nullptr);
  const AuditRecord read = ReadRecord("practices/p1/clients/c1", "call-7");

  ASSERT_THAT(store->AppendAudit(read), IsOk());

  absl::StatusOr<std::unique_ptr<sqlite::AuditJournal>> journal =
      sqlite::AuditJournal::Open(path_ + "-audit-journal");
  ASSERT_THAT(journal, IsOk());
  absl::StatusOr<std::vector<std::pair<int64_t, AuditRecord>>> journaled = (*journal)->Read();
  ASSERT_THAT(journaled, IsOk());
  ASSERT_EQ(journaled->size(), 1u);
  EXPECT_EQ(journaled->front().second, read);
  absl::StatusOr<std::vector<AuditRecord>> listed = store->ListAudit("practices/p1/", 10);
  ASSERT_THAT(listed, IsOk());
  EXPECT_THAT(*listed, ElementsAre(read));
  // In the audit database (ADR 0017), not in the store's own file.
  EXPECT_EQ(RawDatabase(path_ + "-audit")
                .QueryText("SELECT COUNT(*) FROM audit_log WHERE call_id = 'call-7'"),
            "1");
  EXPECT_EQ(RawDatabase(path_).QueryText("SELECT COUNT(*) FROM audit_log WHERE call_id = 'call-7'"),
            "0");
  absl::StatusOr<SqliteSettings> settings = store->Settings();
  ASSERT_THAT(settings, IsOk());
  EXPECT_EQ(settings->synchronous, 2);  // FULL: the store's writer never switches it
  ASSERT_THAT(store->Commit(InsertingClient(MakeClient("practices/p1/clients/c1"))), IsOk());
  EXPECT_EQ(RawDatabase(path_).QueryText("SELECT COUNT(*) FROM clients"), "1");
}

// Written-ahead records are gathered for a while and committed together (kJournaledAuditsGather),
// and reach the audit database without anyone asking for them: nothing but the gathering's
// timeout commits the 20 below (fewer than kJournaledAuditsBatch, and no ListAudit waits).
TEST_F(SqliteStoreTest, JournaledAuditsReachTheAuditDatabaseUnasked) {
  std::unique_ptr<SqliteStore> store = OpenOrDie({.path = path_, .only_writer = true});
  ASSERT_NE(store, nullptr);
  constexpr int kRecords = 20;
  static_assert(kRecords < SqliteStore::kJournaledAuditsBatch);
  for (int i = 0; i < kRecords; ++i) {
    ASSERT_THAT(store->AppendAudit(ReadRecord("practices/p1/clients/c1", absl::StrCat("g-", i))),
                IsOk());
  }
  RawDatabase audit(path_ + "-audit");
  std::string count;
  for (const absl::Time give_up = absl::Now() + absl::Seconds(10); absl::Now() < give_up;
       absl::SleepFor(absl::Milliseconds(5))) {
    count = audit.QueryText("SELECT count(*) FROM audit_log WHERE call_id LIKE 'g-%'");
    if (count == absl::StrCat(kRecords)) break;
  }
  EXPECT_EQ(count, absl::StrCat(kRecords));
}

// What a process killed between a read's answer and the commit of its audit record leaves: the
// record in the journal only. The next Open commits it, in id order after what the audit database
// holds, lists and indexes it like any other, empties the journal, and numbers new records after
// it; a record the journal still held though it was committed is not added twice.
TEST_F(SqliteStoreTest, AuditRecordsLeftInTheJournalAreCommittedAtTheNextOpen) {
  const AuditRecord committed = ReadRecord("practices/p1/clients/c1", "call-committed");
  {
    std::unique_ptr<SqliteStore> store = OpenOrDie({.path = path_, .only_writer = true});
    ASSERT_NE(store, nullptr);
    ASSERT_THAT(store->AppendAudit(committed), IsOk());
  }  // closed: committed, the journal emptied at its last sync
  RawDatabase audit(path_ + "-audit");
  ASSERT_EQ(audit.QueryText("SELECT max(id) FROM audit_log WHERE call_id = 'call-committed'"), "1");
  const AuditRecord left = ReadRecord("practices/p1/clients/c2", "call-left");
  const AuditRecord left_too = ReadRecord("practices/p1/clients/c1", "call-left-too");
  {
    absl::StatusOr<std::unique_ptr<sqlite::AuditJournal>> journal =
        sqlite::AuditJournal::Open(path_ + "-audit-journal");
    ASSERT_THAT(journal, IsOk());
    ASSERT_THAT((*journal)->Append(1, {committed}), IsOk());
    ASSERT_THAT((*journal)->Append(2, {left, left_too}), IsOk());
  }

  std::unique_ptr<SqliteStore> store = OpenOrDie({.path = path_, .only_writer = true});
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(audit.QueryText("SELECT group_concat(id || ':' || call_id, ' ') FROM "
                            "(SELECT id, call_id FROM audit_log ORDER BY id)"),
            "1:call-committed 2:call-left 3:call-left-too");
  EXPECT_EQ(std::filesystem::file_size(path_ + "-audit-journal-0") +
                std::filesystem::file_size(path_ + "-audit-journal-1"),
            0u);
  const AuditRecord next = ReadRecord("practices/p1/clients/c1", "call-next");
  ASSERT_THAT(store->AppendAudit(next), IsOk());
  absl::StatusOr<std::vector<AuditRecord>> of_c1 = store->ListAudit("practices/p1/clients/c1", 10);
  ASSERT_THAT(of_c1, IsOk());
  EXPECT_THAT(*of_c1, ElementsAre(committed, left_too, next));
  ASSERT_THAT(store->IndexAudit(), IsOk());
  EXPECT_EQ(audit.QueryText("SELECT id FROM audit_log WHERE call_id = 'call-next'"), "4");
  EXPECT_EQ(audit.QueryText("SELECT count(*) FROM audit_by_resource"), "4");
}

// Many threads append at once: every record is listed, once, in id order, indexed in bulk (which
// needs the audit database's ids to grow in commit order).
TEST_F(SqliteStoreTest, ConcurrentAuditAppendsAreAllListedOnceAndIndexed) {
  std::unique_ptr<SqliteStore> store = OpenOrDie({.path = path_, .only_writer = true});
  ASSERT_NE(store, nullptr);
  constexpr int kThreads = 8;
  constexpr int kPerThread = 250;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        ASSERT_THAT(store->AppendAudit(ReadRecord(absl::StrCat("practices/p1/clients/c", i % 3),
                                                  absl::StrCat("call-", t, "-", i))),
                    IsOk());
        if (i % 50 == 0) {
          ASSERT_THAT(store->IndexAudit(), IsOk());
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  absl::StatusOr<std::vector<AuditRecord>> listed = store->ListAudit("practices/p1/", 10'000);
  ASSERT_THAT(listed, IsOk());
  ASSERT_THAT(store->IndexAudit(), IsOk());  // what ListAudit waited for is committed
  std::set<std::string> calls;
  for (const AuditRecord& record : *listed) calls.insert(record.call_id);
  EXPECT_EQ(calls.size(), static_cast<size_t>(kThreads * kPerThread));
  EXPECT_EQ(listed->size(), calls.size());
  RawDatabase audit(path_ + "-audit");
  EXPECT_EQ(audit.QueryText("SELECT count(*) FROM audit_by_resource"),
            absl::StrCat(kThreads * kPerThread));
}

// Reads append their audit records to the audit database: a thousand of them leave the store's
// own file and its WAL as they were, so its readers' memory maps never have to grow for them.
TEST_F(SqliteStoreTest, ReadAuditsDoNotGrowTheStoreFile) {
  std::unique_ptr<SqliteStore> store = OpenOrDie({.path = path_});
  ASSERT_NE(store, nullptr);
  ASSERT_THAT(store->Commit(InsertingClient(MakeClient("practices/p1/clients/c1"))), IsOk());
  const auto size = [](const std::string& file) {
    std::error_code error;
    const uintmax_t bytes = std::filesystem::file_size(file, error);
    return error ? uintmax_t{0} : bytes;
  };
  const uintmax_t file_before = size(path_);
  const uintmax_t wal_before = size(path_ + "-wal");
  const uintmax_t audit_before = size(path_ + "-audit") + size(path_ + "-audit-wal");

  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE(
        store->AppendAudit(ReadRecord("practices/p1/clients/c1", absl::StrCat("call-", i))).ok());
  }

  EXPECT_EQ(size(path_), file_before);
  EXPECT_EQ(size(path_ + "-wal"), wal_before);
  EXPECT_GT(size(path_ + "-audit") + size(path_ + "-audit-wal"), audit_before);
  absl::StatusOr<std::vector<AuditRecord>> listed = store->ListAudit("practices/p1/", 2000);
  ASSERT_THAT(listed, IsOk());
  EXPECT_EQ(listed->size(), 1001u);  // the write's record and the thousand reads'
}

// ListAudit returns the records of both files in the order they were written: a change's
// record (in the store's file, with the change), then a read's (in the audit database), then
// the next change's; also after reopening, and with records an older binary wrote to the
// store's file before the audit database existed.
TEST_F(SqliteStoreTest, AuditRecordsOfBothFilesListInTheOrderWritten) {
  {
    std::unique_ptr<SqliteStore> store = OpenOrDie({.path = path_});
    ASSERT_NE(store, nullptr);
  }
  // As an older binary left it: read records in the store's own audit_log, no audit database.
  std::filesystem::remove(path_ + "-audit");
  std::filesystem::remove(path_ + "-audit-wal");
  std::filesystem::remove(path_ + "-audit-shm");
  RawDatabase(path_).Execute(
      "INSERT INTO audit_log (time, actor, role, practice, action, resource, call_id, outcome) "
      "VALUES (1, 'old', 'therapist', 'p1', 'GetClient', 'practices/p1/clients/c1', 'old-1', "
      "'OK')");
  const auto read = [](const std::string& call_id) {
    return ReadRecord("practices/p1/clients/c1", call_id);
  };
  const auto write = [](const std::string& name, const std::string& call_id) {
    Mutation mutation = InsertingClient(MakeClient(name));
    mutation.idempotency->request_id = call_id;
    mutation.audit.resource = name;
    mutation.audit.call_id = call_id;
    return mutation;
  };
  std::vector<std::string> expected = {"old-1"};
  for (int round = 0; round < 2; ++round) {
    std::unique_ptr<SqliteStore> store = OpenOrDie({.path = path_});
    ASSERT_NE(store, nullptr);
    for (int i = 0; i < 3; ++i) {
      const std::string w = absl::StrCat("w", round, i);
      const std::string r = absl::StrCat("r", round, i);
      ASSERT_THAT(store->Commit(write(absl::StrCat("practices/p1/clients/c-", w), w)), IsOk());
      ASSERT_THAT(store->AppendAudit(read(r)), IsOk());
      expected.push_back(w);
      expected.push_back(r);
    }
  }
  std::unique_ptr<SqliteStore> store = OpenOrDie({.path = path_});
  ASSERT_NE(store, nullptr);
  absl::StatusOr<std::vector<AuditRecord>> listed = store->ListAudit("practices/p1/", 100);
  ASSERT_THAT(listed, IsOk());
  std::vector<std::string> call_ids;
  for (const AuditRecord& record : *listed) call_ids.push_back(record.call_id);
  EXPECT_EQ(call_ids, expected);
  absl::StatusOr<std::vector<AuditRecord>> first_three = store->ListAudit("practices/p1/", 3);
  ASSERT_THAT(first_three, IsOk());
  ASSERT_EQ(first_three->size(), 3u);
  EXPECT_EQ((*first_three)[2].call_id, "r00");
  // The same once both files' records are in their indexes (ADR 0026).
  ASSERT_THAT(store->IndexAudit(), IsOk());
  listed = store->ListAudit("practices/p1/", 100);
  ASSERT_THAT(listed, IsOk());
  call_ids.clear();
  for (const AuditRecord& record : *listed) call_ids.push_back(record.call_id);
  EXPECT_EQ(call_ids, expected);
}

// The audit database indexes its records by resource in bulk (ADR 0026): ListAudit of a prefix
// finds every record of it, in the order written and once each, whether the record is indexed
// yet or not; a bulk indexes what came before it and nothing twice.
TEST_F(SqliteStoreTest, ReadAuditRecordsAreListedBeforeAndAfterTheirBulkIndex) {
  std::unique_ptr<SqliteStore> store = OpenOrDie({.path = path_});
  ASSERT_NE(store, nullptr);
  const auto read = [](absl::string_view client, int i) {
    return ReadRecord(absl::StrCat("practices/p1/clients/", client), absl::StrCat(client, "-", i));
  };
  const auto call_ids = [&](absl::string_view prefix, int limit) {
    absl::StatusOr<std::vector<AuditRecord>> listed = store->ListAudit(prefix, limit);
    EXPECT_THAT(listed, IsOk());
    std::vector<std::string> ids;
    if (listed.ok()) {
      for (const AuditRecord& record : *listed) ids.push_back(record.call_id);
    }
    return ids;
  };
  // Records of clients c1, c10 and c2, in three bulks; the prefix "clients/c1" is also c10's.
  std::map<std::string, std::vector<std::string>> expected;  // by prefix, in the order written
  const std::vector<std::string> prefixes = {"practices/p1/", "practices/p1/clients/c1",
                                             "practices/p1/clients/c10", "practices/p1/clients/c2",
                                             "practices/p1/clients/c3"};
  const auto check = [&](absl::string_view when) {
    for (const std::string& prefix : prefixes) {
      EXPECT_EQ(call_ids(prefix, 100), expected[prefix]) << prefix << ", " << when;
    }
  };
  int i = 0;
  for (int bulk = 0; bulk < 3; ++bulk) {
    for (const char* client : {"c1", "c10", "c2", "c1"}) {
      const AuditRecord record = read(client, i++);
      ASSERT_THAT(store->AppendAudit(record), IsOk());
      for (const std::string& prefix : prefixes) {
        if (absl::StartsWith(record.resource, prefix)) expected[prefix].push_back(record.call_id);
      }
    }
    check(absl::StrCat("bulk ", bulk, " before its index"));
    if (bulk < 2) {
      ASSERT_THAT(store->IndexAudit(), IsOk());
    }
  }
  // Two bulks are in the index, the last four records not yet.
  RawDatabase audit(path_ + "-audit");
  EXPECT_EQ(audit.QueryText("SELECT count(*) FROM audit_by_resource"), "8");
  EXPECT_EQ(audit.QueryText("SELECT count(*) FROM audit_log WHERE id > "
                            "(SELECT through FROM audit_indexed)"),
            "4");
  // A limit cuts the merged list in id order, across the index and the rest.
  const std::vector<std::string>& all = expected["practices/p1/"];
  EXPECT_EQ(call_ids("practices/p1/", 10), std::vector<std::string>(all.begin(), all.begin() + 10));
  EXPECT_EQ(call_ids("practices/p1/clients/c2", 2), (std::vector<std::string>{"c2-2", "c2-6"}));
  ASSERT_THAT(store->IndexAudit(), IsOk());
  ASSERT_THAT(store->IndexAudit(), IsOk());  // nothing new: changes nothing
  EXPECT_EQ(audit.QueryText("SELECT count(*) FROM audit_by_resource"), "12");
  EXPECT_EQ(audit.QueryText("SELECT through = (SELECT max(id) FROM audit_log) FROM audit_indexed"),
            "1");
  check("all indexed");
}

// A bulk is indexed in writes of at most kAuditIndexChunk records (ADR 0026), so that writes
// queued meanwhile wait for one chunk, not for a second's worth of records.
TEST_F(SqliteStoreTest, ABulkIsIndexedInWritesOfAtMostAChunk) {
  std::atomic<size_t> batches{0};
  std::unique_ptr<SqliteStore> store =
      OpenOrDie({.path = path_, .on_write_batch = [&](size_t) { ++batches; }});
  ASSERT_NE(store, nullptr);
  // Two chunks and one record of the store file's records of changes, written straight to it.
  constexpr size_t kRecords = 2 * SqliteStore::kAuditIndexChunk + 1;
  RawDatabase file(path_);
  file.Execute(absl::StrCat("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE "
                            "i < ",
                            kRecords,
                            ") INSERT INTO audit_log (id, time, actor, role, practice, action, "
                            "resource, call_id, outcome) SELECT i, 0, 'a', 'r', 'p', 'x', "
                            "'practices/p1/clients/c' || (i % 7), 'call-' || i, 'ok' FROM n")
                   .c_str());
  batches = 0;
  ASSERT_THAT(store->IndexAudit(), IsOk());
  // Three writes (more if the store's own upkeep indexed at the same time).
  EXPECT_GE(batches.load(), 3u);
  EXPECT_EQ(file.QueryText("SELECT count(*) FROM audit_by_resource"), absl::StrCat(kRecords));
  EXPECT_EQ(file.QueryText("SELECT through FROM audit_indexed"), absl::StrCat(kRecords));
  absl::StatusOr<std::vector<AuditRecord>> listed =
      store->ListAudit("practices/p1/clients/c3", 10'000);
  ASSERT_THAT(listed, IsOk());
  size_t of_c3 = 0;
  for (size_t i = 1; i <= kRecords; ++i) of_c3 += i % 7 == 3 ? 1 : 0;
  EXPECT_EQ(listed->size(), of_c3);
}

// A bulk cut short (a crash between its writes) leaves index rows beyond `through`: ListAudit
// still lists each record once, and the next bulk indexes the rest without tripping over them.
TEST_F(SqliteStoreTest, ABulkCutShortIsListedOnceAndFinishedByTheNext) {
  std::unique_ptr<SqliteStore> store = OpenOrDie({.path = path_});
  ASSERT_NE(store, nullptr);
  std::vector<std::string> expected;
  for (int i = 0; i < 6; ++i) {
    const std::string call = absl::StrCat("call-", i);
    ASSERT_THAT(store->AppendAudit(ReadRecord(
                    absl::StrCat("practices/p1/clients/c", i % 2 == 0 ? "1" : "2"), call)),
                IsOk());
    expected.push_back(call);
  }
  ASSERT_THAT(store->ListAudit("practices/p1/", 100), IsOk());  // all committed once it answers
  // The first chunk of a bulk written (client c1's records), `through` not moved.
  RawDatabase audit(path_ + "-audit");
  audit.Execute(
      "INSERT INTO audit_by_resource (resource, id) SELECT resource, id FROM audit_log "
      "WHERE resource = 'practices/p1/clients/c1' AND id > (SELECT through FROM audit_indexed)");
  EXPECT_EQ(audit.QueryText("SELECT count(*) FROM audit_by_resource WHERE id > "
                            "(SELECT through FROM audit_indexed)"),
            "3");
  const auto call_ids = [&] {
    absl::StatusOr<std::vector<AuditRecord>> listed = store->ListAudit("practices/p1/", 100);
    EXPECT_THAT(listed, IsOk());
    std::vector<std::string> ids;
    if (listed.ok()) {
      for (const AuditRecord& record : *listed) ids.push_back(record.call_id);
    }
    return ids;
  };
  EXPECT_EQ(call_ids(), expected);
  ASSERT_THAT(store->IndexAudit(), IsOk());
  EXPECT_EQ(audit.QueryText("SELECT count(*) FROM audit_by_resource"), "6");
  EXPECT_EQ(audit.QueryText("SELECT through = (SELECT max(id) FROM audit_log) FROM audit_indexed"),
            "1");
  EXPECT_EQ(call_ids(), expected);
}

// The store indexes new audit records by itself, about once a second: a change's (in the
// store's file) and a read's (in the audit database).
TEST_F(SqliteStoreTest, TheStoreIndexesItsAuditRecordsByItself) {
  std::unique_ptr<SqliteStore> store = OpenOrDie({.path = path_});
  ASSERT_NE(store, nullptr);
  ASSERT_THAT(store->Commit(InsertingClient(MakeClient("practices/p1/clients/c1"))), IsOk());
  ASSERT_THAT(store->AppendAudit(ReadRecord("practices/p1/clients/c1", "call-1")), IsOk());
  for (const std::string& file : {path_, path_ + "-audit"}) {
    RawDatabase raw(file);
    std::string indexed;
    for (int tries = 0; tries < 200 && indexed != "1"; ++tries) {
      absl::SleepFor(absl::Milliseconds(50));
      indexed = raw.QueryText("SELECT count(*) FROM audit_by_resource");
    }
    EXPECT_EQ(indexed, "1") << file;
  }
}

// A file whose audit records were indexed at each commit (the audit database at version 1, the
// store's file at version 10) is brought to the bulk index on open: every record it held is in
// the index, and lists as before, merged across both files.
TEST_F(SqliteStoreTest, AuditRecordsIndexedAtEachCommitAreIndexedInBulkOnOpen) {
  {
    std::unique_ptr<SqliteStore> store = OpenOrDie({.path = path_});
    ASSERT_NE(store, nullptr);
  }
  struct Old {
    std::string file;
    const char* newer_migrations;
    const char* records;
  };
  const std::vector<Old> olds = {
      {path_, "version > 10",
       "(3, 1, 'a', 'therapist', 'p1', 'UpdateClient', 'practices/p1/clients/c1', 'old-3', 'OK'), "
       "(6, 2, 'a', 'therapist', 'p1', 'UpdateClient', 'practices/p1/clients/c2', 'old-6', 'OK')"},
      {path_ + "-audit", "version > 1",
       "(5, 1, 'a', 'therapist', 'p1', 'GetClient', 'practices/p1/clients/c2', 'old-5', 'OK'), "
       "(7, 2, 'a', 'therapist', 'p1', 'GetClient', 'practices/p1/clients/c1', 'old-7', 'OK')"}};
  for (const Old& old : olds) {
    // As the older schema left it: the table with its index, and records in it.
    RawDatabase(old.file).Execute(
        absl::StrCat("DROP TABLE audit_by_resource; DROP TABLE audit_indexed; "
                     "CREATE INDEX audit_log_by_resource ON audit_log (resource, id); "
                     "DELETE FROM schema_migrations WHERE ",
                     old.newer_migrations,
                     "; "
                     "INSERT INTO audit_log (id, time, actor, role, practice, action, resource, "
                     "call_id, outcome) VALUES ",
                     old.records)
            .c_str());
  }
  std::unique_ptr<SqliteStore> store = OpenOrDie({.path = path_});
  ASSERT_NE(store, nullptr);
  for (const auto& [file, through] :
       std::vector<std::pair<std::string, std::string>>{{path_, "6"}, {path_ + "-audit", "7"}}) {
    RawDatabase raw(file);
    EXPECT_EQ(raw.QueryText("SELECT count(*) FROM audit_by_resource"), "2") << file;
    EXPECT_EQ(raw.QueryText("SELECT through FROM audit_indexed"), through) << file;
    EXPECT_EQ(raw.QueryText("SELECT count(*) FROM sqlite_schema WHERE name = "
                            "'audit_log_by_resource'"),
              "0")
        << file;
  }
  const auto call_ids = [&](absl::string_view prefix) {
    absl::StatusOr<std::vector<AuditRecord>> listed = store->ListAudit(prefix, 10);
    EXPECT_THAT(listed, IsOk());
    std::vector<std::string> ids;
    if (listed.ok()) {
      for (const AuditRecord& record : *listed) ids.push_back(record.call_id);
    }
    return ids;
  };
  EXPECT_EQ(call_ids("practices/p1/clients/c1"), (std::vector<std::string>{"old-3", "old-7"}));
  // New records take ids above the old ones and list after them.
  ASSERT_THAT(store->AppendAudit(ReadRecord("practices/p1/clients/c1", "new-1")), IsOk());
  EXPECT_EQ(call_ids("practices/p1/"),
            (std::vector<std::string>{"old-3", "old-5", "old-6", "old-7", "new-1"}));
}

// Every lookup walks an index, or the table's own key, never a whole table and never a sort in a
// temporary b-tree; and every index of either file serves at least one lookup, so that a write
// keeps up no index that no query needs (issue 16). The plans are printed for the record.
TEST_F(SqliteStoreTest, EveryLookupUsesAnIndexAndEveryIndexServesALookup) {
  std::unique_ptr<SqliteStore> store = OpenOrDie({.path = path_});
  ASSERT_NE(store, nullptr);
  absl::StatusOr<std::vector<QueryPlan>> plans = store->QueryPlans();
  ASSERT_THAT(plans, IsOk());
  std::set<std::string> used;
  for (const QueryPlan& plan : *plans) {
    std::cout << plan.purpose << "\n";
    // ListAudit is the audit export: it reads every record under a prefix of many resources
    // (or, with the empty prefix, the whole trail) and sorts them by id, as an export must.
    const bool export_of_many = absl::StartsWith(plan.purpose, "list audit records");
    for (const std::string& step : plan.steps) {
      std::cout << "    " << step << "\n";
      if (export_of_many) continue;
      EXPECT_THAT(step, ::testing::Not(HasSubstr("TEMP B-TREE"))) << plan.purpose;
      EXPECT_FALSE(absl::StartsWith(step, "SCAN ") && !absl::StrContains(step, "INDEX"))
          << plan.purpose << ": " << step;
    }
    for (const std::string& step : plan.steps) {
      const size_t index = step.find("INDEX ");
      if (index != std::string::npos) {
        const size_t start = index + 6;
        used.insert(step.substr(start, step.find(' ', start) - start));
      }
    }
  }
  store.reset();
  for (const std::string& file : {path_, path_ + "-audit"}) {
    RawDatabase db(file);
    const std::string indexes = db.QueryText(
        "SELECT group_concat(name, ' ') FROM sqlite_schema "
        "WHERE type = 'index' AND name NOT LIKE 'sqlite_autoindex_%'");
    for (absl::string_view index : absl::StrSplit(indexes, ' ', absl::SkipEmpty())) {
      EXPECT_TRUE(used.contains(std::string(index)))
          << index << " in " << file << " serves no lookup";
    }
  }
}

// A review summary's measure history (ListCompletions with measures_only) walks the partial index
// of measures, not every completion of the client: before migration 0010 SQLite preferred
// completions_by_client, which gives the list's order too, and read a year of daily practice
// to keep a few measures.
TEST_F(SqliteStoreTest, TheMeasureListWalksTheMeasuresOnly) {
  std::unique_ptr<SqliteStore> store = OpenOrDie({.path = path_});
  ASSERT_NE(store, nullptr);
  absl::StatusOr<std::vector<QueryPlan>> plans = store->QueryPlans();
  ASSERT_THAT(plans, IsOk());
  int found = 0;
  for (const QueryPlan& plan : *plans) {
    if (!absl::StartsWith(plan.purpose, "list measure completions of client")) continue;
    ++found;
    EXPECT_THAT(plan.steps, ::testing::ElementsAre(HasSubstr(
                                "USING INDEX completions_measures_by_client (client_name=?")))
        << plan.purpose;
  }
  EXPECT_EQ(found, 1);
}

TEST_F(SqliteStoreTest, FileThatIsNotADatabaseIsRefused) {
  std::ofstream file(path_);
  for (int i = 0; i < 100; ++i) file << "not the pages of a database, just text\n";
  file.close();

  absl::StatusOr<std::unique_ptr<SqliteStore>> store = SqliteStore::Open({.path = path_});

  EXPECT_THAT(store, StatusIs(absl::StatusCode::kInternal));
}

TEST_F(SqliteStoreTest, MissingDirectoryIsUnavailable) {
  absl::StatusOr<std::unique_ptr<SqliteStore>> store =
      SqliteStore::Open({.path = path_ + ".missing/store.db"});

  EXPECT_THAT(store, StatusIs(absl::StatusCode::kUnavailable));
}

}  // namespace
}  // namespace therapy::homework

namespace therapy::homework {
namespace {

// The group commit tells its observer how many writes each transaction carried: every write
// is counted exactly once, and concurrent writers share transactions.
TEST_F(SqliteStoreTest, EveryWriteIsCountedInExactlyOneReportedBatch) {
  std::atomic<size_t> writes{0};
  std::atomic<size_t> batches{0};
  std::unique_ptr<SqliteStore> store =
      OpenOrDie({.path = NewDatabasePath(), .on_write_batch = [&](size_t size) {
                   writes += size;
                   ++batches;
                 }});
  ASSERT_NE(store, nullptr);
  constexpr int kThreads = 8;
  constexpr int kPerThread = 20;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        Mutation mutation =
            InsertingClient(MakeClient(absl::StrCat("practices/p1/clients/c", t, "-", i)));
        mutation.idempotency.reset();
        EXPECT_THAT(store->Commit(mutation), IsOk());
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(writes.load(), static_cast<size_t>(kThreads * kPerThread));
  EXPECT_GE(batches.load(), 1u);
  EXPECT_LE(batches.load(), writes.load());
}

// A full disk is RESOURCE_EXHAUSTED with a message an operator acts on, not UNAVAILABLE ("retry
// with backoff"), which would have callers hammer a store that cannot take writes. SQLite's
// max_page_count makes the database file "full" at a size the test chooses.
TEST(SqliteFullDiskTest, AFullDatabaseIsResourceExhaustedNamingTheDisk) {
  const std::string path =
      ::testing::TempDir() + "/full_disk_test." + std::to_string(::getpid()) + ".db";
  std::remove(path.c_str());
  absl::StatusOr<std::unique_ptr<sqlite::Connection>> db =
      sqlite::Connection::Open(path, absl::Seconds(5));
  ASSERT_THAT(db, IsOk());
  ASSERT_THAT((*db)->ExecuteScript("schema", "CREATE TABLE t (v BLOB); PRAGMA max_page_count = 8;"),
              IsOk());
  constexpr sqlite::Sql kInsert{"insert a row", "INSERT INTO t (v) VALUES (:v)"};
  absl::Status status;
  for (int i = 0; i < 100 && status.ok(); ++i) {
    absl::StatusOr<sqlite::Statement> insert = (*db)->Prepare(kInsert);
    ASSERT_THAT(insert, IsOk());
    insert->BindBlob(":v", std::string(4096, 'x'));
    status = insert->Run();
  }
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_NE(status.message().find("disk is full"), absl::string_view::npos) << status;
  db->reset();
  std::remove(path.c_str());
}

}  // namespace
}  // namespace therapy::homework
