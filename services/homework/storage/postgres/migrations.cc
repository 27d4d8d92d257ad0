#include "services/homework/storage/postgres/migrations.h"

#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"

namespace therapy::homework::postgres {
namespace {

// The advisory lock that serialises migrations of one database: "homework" in ASCII. Advisory
// locks are per database, so this key only has to differ from the store's other key
// (kPostgresEventLogLockKey).
constexpr int64_t kMigrationLockKey = 0x686f6d65776f726b;

// $1: the lock key. Held until the transaction ends.
constexpr Sql kLockMigrations{"lock schema migrations", "SELECT pg_advisory_xact_lock($1)"};

constexpr const char* kCreateSchemaMigrations = R"sql(
  CREATE TABLE IF NOT EXISTS schema_migrations (
    version    BIGINT      NOT NULL PRIMARY KEY,
    applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
  )
)sql";

constexpr Sql kSelectSchemaVersion{"read schema version", R"sql(
  SELECT COALESCE(MAX(version), 0)::BIGINT FROM schema_migrations
)sql"};

// $1: version.
constexpr Sql kInsertMigration{"record migration", R"sql(
  INSERT INTO schema_migrations (version) VALUES ($1)
)sql"};

}  // namespace

absl::StatusOr<int> ApplyMigrations(Connection& connection,
                                    absl::Span<const Migration> migrations) {
  const int64_t known_version = migrations.empty() ? 0 : migrations.back().version;
  absl::StatusOr<Transaction> transaction = Transaction::Begin(connection);
  if (!transaction.ok()) return transaction.status();
  // Another replica holding the lock is migrating; this one waits (up to the statement
  // timeout) and then finds the migrations applied.
  if (absl::StatusOr<Result> lock =
          connection.Execute(kLockMigrations, {Param::Int64(kMigrationLockKey)});
      !lock.ok()) {
    return lock.status();
  }
  if (absl::Status status =
          connection.ExecuteScript("create schema_migrations", kCreateSchemaMigrations);
      !status.ok()) {
    return status;
  }
  absl::StatusOr<int64_t> version = SchemaVersion(connection);
  if (!version.ok()) return version.status();
  if (*version > known_version) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the database has schema version ", *version, " but this binary knows versions up to ",
        known_version, "; run a binary at least as new as the one that last wrote it"));
  }
  int applied = 0;
  for (const Migration& migration : migrations) {
    if (migration.version <= *version) continue;
    const std::string purpose = absl::StrCat("apply migration ", migration.file_name);
    if (absl::Status status = connection.ExecuteScript(purpose, migration.sql); !status.ok()) {
      return status;
    }
    if (absl::StatusOr<Result> insert =
            connection.Execute(kInsertMigration, {Param::Int64(migration.version)});
        !insert.ok()) {
      return insert.status();
    }
    ++applied;
  }
  if (absl::Status status = transaction->Commit(); !status.ok()) return status;
  return applied;
}

absl::StatusOr<int64_t> SchemaVersion(Connection& connection) {
  absl::StatusOr<Result> version = connection.Execute(kSelectSchemaVersion);
  if (!version.ok()) return version.status();
  return version->Int64(0, 0);
}

}  // namespace therapy::homework::postgres
