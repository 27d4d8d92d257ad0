#ifndef SERVICES_HOMEWORK_STORAGE_SQLITE_AUDIT_MIGRATIONS_H_
#define SERVICES_HOMEWORK_STORAGE_SQLITE_AUDIT_MIGRATIONS_H_

// Schema migrations of the SQLite store's audit database (docs/decisions/0017): files
// sqlite/audit/migrations/NNNN_words.sql, embedded at build time and applied at Open like the
// store's own (sqlite/migrations.h), with their own `schema_migrations` in that file.

#include "absl/types/span.h"
#include "services/homework/storage/sqlite/migrations.h"

namespace therapy::homework::sqlite_audit {

// Every audit-database migration this binary knows, in version order. Defined in the generated
// source.
absl::Span<const Migration> EmbeddedMigrations();

}  // namespace therapy::homework::sqlite_audit

#endif  // SERVICES_HOMEWORK_STORAGE_SQLITE_AUDIT_MIGRATIONS_H_
