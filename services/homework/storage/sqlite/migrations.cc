#include "services/homework/storage/sqlite/migrations.h"

#include <cstdint>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace therapy::homework {
namespace {

using sqlite::Connection;
using sqlite::Sql;
using sqlite::Statement;
using sqlite::Transaction;

constexpr Sql kCreateSchemaMigrations{"create schema_migrations", R"sql(
  CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER NOT NULL PRIMARY KEY,
    applied_at INTEGER NOT NULL  -- microseconds since the Unix epoch
  )
)sql"};

constexpr Sql kSelectSchemaVersion{"read schema version", R"sql(
  SELECT COALESCE(MAX(version), 0) FROM schema_migrations
)sql"};

constexpr Sql kInsertMigration{"record migration", R"sql(
  INSERT INTO schema_migrations (version, applied_at) VALUES (:version, :applied_at)
)sql"};

absl::StatusOr<int64_t> SchemaVersion(Connection& connection) {
  absl::StatusOr<Statement> select = connection.Prepare(kSelectSchemaVersion);
  if (!select.ok()) return select.status();
  absl::StatusOr<bool> row = select->Step();
  if (!row.ok()) return row.status();
  return select->ColumnInt64(0);
}

}  // namespace

absl::Status ApplyMigrations(Connection& connection, absl::Span<const Migration> migrations,
                             const std::function<void(absl::string_view file_name)>& before_each) {
  const int64_t known_version = migrations.empty() ? 0 : migrations.back().version;
  if (absl::Status status =
          connection.ExecuteScript(kCreateSchemaMigrations.purpose, kCreateSchemaMigrations.text);
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
  for (const Migration& migration : migrations) {
    if (migration.version <= *version) continue;
    absl::StatusOr<Transaction> transaction = Transaction::BeginImmediate(connection);
    if (!transaction.ok()) return transaction.status();
    // Another process may have applied it between our read and our lock.
    absl::StatusOr<int64_t> current = SchemaVersion(connection);
    if (!current.ok()) return current.status();
    if (*current >= migration.version) continue;
    if (before_each) before_each(migration.file_name);
    const std::string purpose = absl::StrCat("apply migration ", migration.file_name);
    if (absl::Status status = connection.ExecuteScript(purpose, migration.sql); !status.ok()) {
      return status;
    }
    {
      absl::StatusOr<Statement> insert = connection.Prepare(kInsertMigration);
      if (!insert.ok()) return insert.status();
      insert->BindInt64(":version", migration.version)
          .BindInt64(":applied_at", absl::ToUnixMicros(absl::Now()));
      if (absl::Status status = insert->Run(); !status.ok()) return status;
    }
    if (absl::Status status = transaction->Commit(); !status.ok()) return status;
  }
  return absl::OkStatus();
}

}  // namespace therapy::homework
