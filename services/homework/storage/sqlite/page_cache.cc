#include "services/homework/storage/sqlite/page_cache.h"

#include <sqlite3.h>

#include <atomic>
#include <new>

namespace therapy::homework::sqlite {
namespace {

// SQLite's pending byte (the lock byte's page is the one after it), unless changed by a test
// control this project never uses.
constexpr unsigned kPendingByte = 0x40000000;

sqlite3_pcache_methods2 inner;  // SQLite's default cache, read before it initialises

std::atomic<int64_t> forwarded{0};
std::atomic<int64_t> skipped{0};

struct Cache {
  sqlite3_pcache* inner;
  unsigned temporary;         // the page number a balance renumbers through
  unsigned largest = 0;       // at least the largest page number held, besides `temporary`
  bool at_temporary = false;  // a page may be at `temporary`
};

Cache* Of(sqlite3_pcache* cache) { return reinterpret_cast<Cache*>(cache); }

// Notes that a page may now be at `key`.
void Holds(Cache& cache, unsigned key) {
  if (key == cache.temporary) {
    cache.at_temporary = true;
  } else if (key > cache.largest) {
    cache.largest = key;
  }
}

int Init(void*) { return inner.xInit(inner.pArg); }
void Shutdown(void*) {
  if (inner.xShutdown != nullptr) inner.xShutdown(inner.pArg);
}

sqlite3_pcache* Create(int page_size, int extra, int purgeable) {
  sqlite3_pcache* created = inner.xCreate(page_size, extra, purgeable);
  if (created == nullptr) return nullptr;
  auto* cache = static_cast<Cache*>(sqlite3_malloc(sizeof(Cache)));
  if (cache == nullptr) {
    inner.xDestroy(created);
    return nullptr;
  }
  new (cache)
      Cache{.inner = created, .temporary = kPendingByte / static_cast<unsigned>(page_size) + 1};
  return reinterpret_cast<sqlite3_pcache*>(cache);
}

void Cachesize(sqlite3_pcache* cache, int pages) { inner.xCachesize(Of(cache)->inner, pages); }
int Pagecount(sqlite3_pcache* cache) { return inner.xPagecount(Of(cache)->inner); }

sqlite3_pcache_page* Fetch(sqlite3_pcache* cache, unsigned key, int create) {
  sqlite3_pcache_page* page = inner.xFetch(Of(cache)->inner, key, create);
  if (page != nullptr) Holds(*Of(cache), key);
  return page;
}

void Unpin(sqlite3_pcache* cache, sqlite3_pcache_page* page, int discard) {
  inner.xUnpin(Of(cache)->inner, page, discard);
}

void Rekey(sqlite3_pcache* cache, sqlite3_pcache_page* page, unsigned old_key, unsigned new_key) {
  inner.xRekey(Of(cache)->inner, page, old_key, new_key);
  Cache& c = *Of(cache);
  if (old_key == c.temporary && new_key != c.temporary) c.at_temporary = false;
  Holds(c, new_key);
}

void Truncate(sqlite3_pcache* cache, unsigned limit) {
  Cache& c = *Of(cache);
  const bool temporary_dropped = c.at_temporary && c.temporary >= limit;
  if (c.largest < limit && !temporary_dropped) {
    skipped.fetch_add(1, std::memory_order_relaxed);
    return;  // no page at or past `limit`: SQLite's cache would drop nothing
  }
  forwarded.fetch_add(1, std::memory_order_relaxed);
  inner.xTruncate(c.inner, limit);
  if (c.largest >= limit) c.largest = limit == 0 ? 0 : limit - 1;
  if (temporary_dropped) c.at_temporary = false;
}

void Destroy(sqlite3_pcache* cache) {
  inner.xDestroy(Of(cache)->inner);
  Of(cache)->~Cache();
  sqlite3_free(cache);
}

void Shrink(sqlite3_pcache* cache) { inner.xShrink(Of(cache)->inner); }

const sqlite3_pcache_methods2 kMethods = {
    .iVersion = 1,
    .pArg = nullptr,
    .xInit = Init,
    .xShutdown = Shutdown,
    .xCreate = Create,
    .xCachesize = Cachesize,
    .xPagecount = Pagecount,
    .xFetch = Fetch,
    .xUnpin = Unpin,
    .xRekey = Rekey,
    .xTruncate = Truncate,
    .xDestroy = Destroy,
    .xShrink = Shrink,
};

}  // namespace

bool InstallPageCache() {
  static const bool installed = [] {
    if (sqlite3_config(SQLITE_CONFIG_GETPCACHE2, &inner) != SQLITE_OK) return false;
    return sqlite3_config(SQLITE_CONFIG_PCACHE2, &kMethods) == SQLITE_OK;
  }();
  return installed;
}

const sqlite3_pcache_methods2& PageCacheMethods() { return kMethods; }

PageCacheCounts PageCacheCountsNow() {
  return {.truncations_forwarded = forwarded.load(), .truncations_skipped = skipped.load()};
}

}  // namespace therapy::homework::sqlite
