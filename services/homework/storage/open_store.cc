#include "services/homework/storage/open_store.h"

#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "services/homework/storage/cached_store.h"
#include "services/homework/storage/memory/memory_store.h"
#include "services/homework/storage/postgres/postgres_store.h"
#include "services/homework/storage/sqlite/sqlite_store.h"

namespace therapy::homework {
namespace {

// A backend: the URI prefix that selects it, the form shown in errors, and how to open it from
// the rest of the URI.
struct Backend {
  absl::string_view prefix;
  absl::string_view form;
  absl::StatusOr<std::unique_ptr<Store>> (*open)(absl::string_view rest,
                                                 const StoreOptions& options);
};

absl::StatusOr<std::unique_ptr<Store>> OpenMemory(absl::string_view rest, const StoreOptions&) {
  if (!rest.empty()) {
    return absl::InvalidArgumentError("--store memory: takes nothing after the colon");
  }
  return std::make_unique<MemoryStore>();
}

absl::StatusOr<std::unique_ptr<Store>> OpenSqlite(absl::string_view rest,
                                                  const StoreOptions& options) {
  if (rest.empty()) {
    return absl::InvalidArgumentError(
        "--store sqlite: needs a file path, as in sqlite:/var/lib/homework.db");
  }
  absl::StatusOr<std::unique_ptr<SqliteStore>> store =
      SqliteStore::Open({.path = std::string(rest),
                         .on_write_batch = options.on_write_batch,
                         .on_migration = options.on_migration,
                         .only_writer = true});
  if (!store.ok()) return store.status();
  if (options.cache_bytes == 0) return std::unique_ptr<Store>(*std::move(store));
  return std::make_unique<CachedStore>(*std::move(store),
                                       CachedStoreOptions{.capacity_bytes = options.cache_bytes,
                                                          .on_lookup = options.on_cache_lookup});
}

// `rest` follows "postgresql://" or "postgres://", which libpq reads alike.
absl::StatusOr<std::unique_ptr<Store>> OpenPostgres(absl::string_view rest,
                                                    const StoreOptions& options) {
  absl::StatusOr<std::unique_ptr<PostgresStore>> store =
      PostgresStore::Open({.conninfo = absl::StrCat("postgresql://", rest),
                           .pool_size = options.postgres_connections,
                           .commit_writers = options.postgres_commit_writers,
                           .on_write_batch = options.on_write_batch});
  if (!store.ok()) return store.status();
  if (options.cache_bytes == 0) return std::unique_ptr<Store>(*std::move(store));
  // Replicas write the same rows: only the reads a commit checks come from memory (ADR 0034).
  return std::make_unique<CachedStore>(*std::move(store),
                                       CachedStoreOptions{.capacity_bytes = options.cache_bytes,
                                                          .on_lookup = options.on_cache_lookup,
                                                          .shared_writers = true});
}

// Every backend, one line each.
constexpr Backend kBackends[] = {
    {"memory:", "memory:", OpenMemory},
    {"sqlite:", "sqlite:/path/to/file.db", OpenSqlite},
    {"postgresql://", "postgresql://user@host:5432/database", OpenPostgres},
    {"postgres://", "postgres://user@host:5432/database", OpenPostgres},
};

}  // namespace

absl::StatusOr<std::unique_ptr<Store>> OpenStore(const StoreOptions& options) {
  std::vector<absl::string_view> forms;
  for (const Backend& backend : kBackends) {
    if (absl::StartsWith(options.uri, backend.prefix)) {
      return backend.open(absl::string_view(options.uri).substr(backend.prefix.size()), options);
    }
    forms.push_back(backend.form);
  }
  // Only the scheme is echoed: the rest of a URI may hold a password.
  const absl::string_view scheme = absl::string_view(options.uri).substr(0, options.uri.find(':'));
  return absl::InvalidArgumentError(
      absl::StrCat("--store \"", scheme, options.uri.find(':') == std::string::npos ? "" : ":...",
                   "\" names no known store; accepted forms: ", absl::StrJoin(forms, ", ")));
}

}  // namespace therapy::homework
