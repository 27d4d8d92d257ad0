#ifndef SERVICES_HOMEWORK_STORAGE_SQLITE_MIGRATIONS_H_
#define SERVICES_HOMEWORK_STORAGE_SQLITE_MIGRATIONS_H_

// Schema migrations of the SQLite store. Each is a file sqlite/migrations/NNNN_words.sql,
// embedded into the binary at build time (embed_migrations.cmake) and applied once, in version
// order, each in its own transaction together with its row in `schema_migrations`. A migration
// is never edited once released: a change of schema is a new file.

#include <functional>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "services/homework/storage/sqlite/connection.h"

namespace therapy::homework {

struct Migration {
  int version;            // 1, 2, 3, ... without gaps
  const char* file_name;  // for example "0001_initial.sql"
  const char* sql;        // the script, run as is
};

// Every migration this binary knows, in version order. Defined in the generated source.
absl::Span<const Migration> EmbeddedMigrations();

// Brings the schema of `connection` up to the last of `migrations`: creates `schema_migrations`
// if needed, then applies each migration newer than the database's version in its own
// BEGIN IMMEDIATE transaction (so concurrent openers apply each one once). A no-op for an
// up-to-date database. FAILED_PRECONDITION when the database has a version newer than the last
// of `migrations` (written by a newer binary); UNAVAILABLE or INTERNAL as SqliteStatus.
// `before_each`, when set, hears the file name of each migration about to be applied (one that
// rewrites a table can take minutes on a large store: the caller says so).
absl::Status ApplyMigrations(
    sqlite::Connection& connection, absl::Span<const Migration> migrations,
    const std::function<void(absl::string_view file_name)>& before_each = {});

}  // namespace therapy::homework

#endif  // SERVICES_HOMEWORK_STORAGE_SQLITE_MIGRATIONS_H_
