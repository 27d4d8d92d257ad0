#ifndef SERVICES_HOMEWORK_STORAGE_POSTGRES_MIGRATIONS_H_
#define SERVICES_HOMEWORK_STORAGE_POSTGRES_MIGRATIONS_H_

// Schema migrations of the PostgreSQL store. Each is a file postgres/migrations/NNNN_words.sql,
// embedded into the binary at build time (cmake/embed_migrations.cmake) and applied once, in
// version order, together with its row in `schema_migrations`. A migration is never edited once
// released: a change of schema is a new file.

#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "services/homework/storage/postgres/connection.h"

namespace therapy::homework::postgres {

struct Migration {
  int version;            // 1, 2, 3, ... without gaps
  const char* file_name;  // for example "0001_initial.sql"
  const char* sql;        // the script, run as is
};

// Every migration this binary knows, in version order. Defined in the generated source.
absl::Span<const Migration> EmbeddedMigrations();

// Brings the schema of the database of `connection` up to the last of `migrations`, in one
// transaction holding a transaction-level advisory lock (pg_advisory_xact_lock), so replicas
// starting together apply each migration exactly once and the others wait, then see it applied:
// creates `schema_migrations` if needed, then applies each migration newer than the database's
// version (DDL is transactional in PostgreSQL: all of them or none). Returns how many it applied
// (0 for an up-to-date database). FAILED_PRECONDITION when the database has a version newer than
// the last of `migrations` (written by a newer binary); otherwise errors as PostgresStatus.
absl::StatusOr<int> ApplyMigrations(Connection& connection, absl::Span<const Migration> migrations);

// The version of the last migration applied to the database (which ApplyMigrations has set up);
// 0 when none is.
absl::StatusOr<int64_t> SchemaVersion(Connection& connection);

}  // namespace therapy::homework::postgres

#endif  // SERVICES_HOMEWORK_STORAGE_POSTGRES_MIGRATIONS_H_
