#ifndef SERVICES_HOMEWORK_STORAGE_SQLITE_PAGE_CACHE_H_
#define SERVICES_HOMEWORK_STORAGE_SQLITE_PAGE_CACHE_H_

#include <cstdint>

struct sqlite3_pcache_methods2;  // sqlite3.h

namespace therapy::homework::sqlite {

// SQLite's own page cache, with one loop less at the end of each write transaction
// (docs/decisions/0030-the-page-caches-truncate.md).
//
// At the end of every transaction SQLite truncates the connection's page cache to the database's
// size. The default cache keeps only the largest page number it ever held, and whenever that is
// more than its hash table's size past the database's end it walks the whole table (every page
// cached) to find pages to drop. A B-tree balance renumbers pages through a temporary number, the
// page of the lock byte (page 262,145 with 4 KiB pages), so on a writer that splits pages that
// number is the largest the cache ever held until the database is larger than 1 GiB, and every
// commit walks the writer's whole cache (9-10 % of the writer thread's samples under durable
// completions) to drop nothing.
//
// This cache forwards every call to SQLite's default one and keeps, per cache, the largest page
// number it may hold besides the temporary one, and whether a page is at that one. A truncation
// that can drop nothing (both below its limit) is not forwarded; any other is, exactly as before.
// Installed process-wide, before SQLite initialises: Connection::Open calls InstallPageCache
// first. Thread-safe as SQLite's own cache is (the wrapper's per-cache state is used under the
// same connection's calls).
//
// Installs the cache; false if SQLite had already initialised in this process (its own cache is
// then used, unchanged). Later calls return the first call's answer.
bool InstallPageCache();

// How many truncations reached SQLite's cache and how many were answered here, since the
// process started (for tests and the benchmark's notes).
struct PageCacheCounts {
  int64_t truncations_forwarded = 0;
  int64_t truncations_skipped = 0;
};
PageCacheCounts PageCacheCountsNow();

// The installed cache's methods, for its unit test (after InstallPageCache returned true and
// SQLite has initialised).
const ::sqlite3_pcache_methods2& PageCacheMethods();

}  // namespace therapy::homework::sqlite

#endif  // SERVICES_HOMEWORK_STORAGE_SQLITE_PAGE_CACHE_H_
