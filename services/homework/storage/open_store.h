#ifndef SERVICES_HOMEWORK_STORAGE_OPEN_STORE_H_
#define SERVICES_HOMEWORK_STORAGE_OPEN_STORE_H_

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/homework/storage/postgres/postgres_store.h"
#include "services/homework/storage/store.h"

namespace therapy::homework {

struct StoreOptions {
  // Which backend, and where: the value of the `--store` flag.
  //   memory:              everything in memory, lost at exit (tests, demos)
  //   sqlite:PATH          one SQLite file, PATH absolute or relative to the working directory
  //   postgresql://...     a PostgreSQL database, as a libpq connection URI (also postgres://),
  //                        for example postgresql://homework@db.internal:5432/homework?sslmode=
  //                        verify-full; the password is best left to ~/.pgpass or PGPASSWORD.
  //                        Pool of `postgres_connections` connections, 5 s statement timeout
  //                        (PostgresStoreOptions)
  std::string uri;
  // postgresql://: connections to the database at most (PostgresStoreOptions::pool_size).
  int postgres_connections = PostgresStoreOptions{}.pool_size;
  // postgresql://: threads that send writes in groups (PostgresStoreOptions::commit_writers).
  int postgres_commit_writers = PostgresStoreOptions{}.commit_writers;
  // When set, hears how many writes each shared transaction carried: SQLite's group commit, and
  // PostgreSQL's groups of CommitThen's writes (Commit's own writes are not counted there).
  std::function<void(size_t)> on_write_batch;
  // When set, hears the file name of each schema migration about to be applied at opening (a
  // migration that rewrites a table can take minutes on a large store). SQLite calls it
  // (SqliteStoreOptions::on_migration); PostgreSQL's migrations are not announced.
  std::function<void(absl::string_view file_name)> on_migration;
  // sqlite: point reads of clients and assignments are answered from a cache of at most this
  // many bytes (CachedStore; 0: none). The process then serves the file alone: every sqlite:
  // store opened here holds its lock (SqliteStoreOptions::only_writer), cached or not.
  // postgresql: only the assignment a write decides on and its commit checks comes from such a
  // cache, since replicas write the same rows (CachedStoreOptions::shared_writers; ADR 0022,
  // 0034). Not for memory:.
  std::size_t cache_bytes = 0;
  // When set, hears every lookup of that cache: the kind of resource and whether it hit.
  std::function<void(absl::string_view kind, bool hit)> on_cache_lookup;
};

// Opens the store `options.uri` names. INVALID_ARGUMENT naming `--store` and the accepted forms
// for anything else; otherwise the backend's own errors (see SqliteStore::Open and
// PostgresStore::Open).
absl::StatusOr<std::unique_ptr<Store>> OpenStore(const StoreOptions& options);

}  // namespace therapy::homework

#endif  // SERVICES_HOMEWORK_STORAGE_OPEN_STORE_H_
