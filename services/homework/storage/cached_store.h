#ifndef SERVICES_HOMEWORK_STORAGE_CACHED_STORE_H_
#define SERVICES_HOMEWORK_STORAGE_CACHED_STORE_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "google/protobuf/message.h"
#include "services/homework/storage/forwarding_store.h"

namespace therapy::homework {

// While one is alive on a thread, a read on that thread that a CachedStore cannot answer from
// memory fails at once with CacheMiss() instead of reading its inner store. The gRPC transport
// runs the reads the cache serves this way on the thread that received them, and hands a miss
// to the pool like any other call (rpc/homework_rpc.h, ADR 0018). Not nestable.
class CacheOnlyScope {
 public:
  CacheOnlyScope();
  ~CacheOnlyScope();
  CacheOnlyScope(const CacheOnlyScope&) = delete;
  CacheOnlyScope& operator=(const CacheOnlyScope&) = delete;

  // Whether one is alive on this thread.
  static bool Active();
};

// What a read that a CacheOnlyScope kept from the inner store returns: UNAVAILABLE, marked so
// that IsCacheMiss tells it from the store's own errors.
absl::Status CacheMiss();
bool IsCacheMiss(const absl::Status& status);

struct CachedStoreOptions {
  // The most the cached resources may take (their serialised size plus the cache's own
  // bookkeeping); the least recently read go first. A resource larger than a sixteenth of it is
  // never cached.
  std::size_t capacity_bytes = std::size_t{64} << 20;
  // When set, hears every read the cache could answer: the kind ("client", "assignment",
  // "assignment list") and whether it did (metrics).
  std::function<void(absl::string_view kind, bool hit)> on_lookup;
  // Other processes write the inner store too (PostgreSQL's replicas), so an entry may be behind
  // the store. Then the cache answers only GetAssignment, and only in a CheckedReadScope that
  // allows it (a write's own read, which its commit checks: Mutation::assignment_read); every
  // other read goes to the inner store. A commit that finds its read changed drops the entry.
  bool shared_writers = false;
};

// A Store that answers point reads of clients and assignments (authorisation's care team on
// every call about a client, and the assignment a completion or a panel names), and the first
// page of a client's assignments when it is the whole list (the panels' and the portal's
// ListAssignments), from memory, and passes everything else through.
//
// Exact, not eventually consistent, when every write of the inner store goes through this one
// (one process serves the store: OpenStore holds a SQLite file's lock; see ADR 0022). With
// `shared_writers` (ADR 0034), only the reads that a commit checks are answered from memory. A
// Commit that puts a client or an assignment drops the name's entry and marks the name as being
// written before the inner store sees it; until the commit returns (whatever it returned),
// reads of that name go to the inner store and keep nothing. A read that missed keeps what it
// read only if no write of a name of its shard began in the meantime. So every answer is one
// the inner store could have given at some instant during the call. Absent resources and
// errors are not cached. A client's assignment list is one more name, the collection's
// (`practices/{p}/clients/{c}/assignments`), which every commit that puts an assignment of
// that client writes; it keeps one query's answer (its states and page size) at a time.
// Thread-safe.
class CachedStore final : public ForwardingStore {
 public:
  // `inner` must outlive this store.
  CachedStore(Store& inner, CachedStoreOptions options);
  // Owns `inner`.
  CachedStore(std::unique_ptr<Store> inner, CachedStoreOptions options);

  absl::StatusOr<std::optional<v1::Client>> GetClient(absl::string_view name) override;
  absl::StatusOr<std::optional<v1::Assignment>> GetAssignment(absl::string_view name) override;
  absl::StatusOr<Page<v1::Assignment>> ListAssignments(const AssignmentQuery& query) override;
  // Not cached; in a CacheOnlyScope, a miss (the reads of a create's replay, CreateOnce).
  absl::StatusOr<std::optional<v1::Completion>> GetCompletion(absl::string_view name) override;
  absl::StatusOr<std::optional<IdempotentResult>> FindIdempotentResult(
      const IdempotencyKey& key) override;
  absl::StatusOr<CommitOutcome> Commit(const Mutation& mutation) override;
  void CommitThen(Mutation mutation, CommitDone done) override;

  // Whether every answer is exact (no `shared_writers`): then any read may be tried on the cache
  // alone (CacheOnlyScope).
  bool exact() const { return !options_.shared_writers; }

  // What the cached resources take now, and how many there are.
  std::size_t bytes() const;
  std::size_t entries() const;

 private:
  struct Entry {
    std::string name;
    std::shared_ptr<const google::protobuf::Message> resource;
    std::size_t bytes = 0;
    std::string query;  // a list's: which query `resource` answers; empty for a resource
  };
  // Names hash to one of kShards, each with its own lock, recency list and budget.
  struct Shard {
    mutable absl::Mutex mutex;
    // Most recently read first.
    std::list<Entry> recent ABSL_GUARDED_BY(mutex);
    // Each entry of `recent` by name (the keys view Entry::name).
    absl::flat_hash_map<absl::string_view, std::list<Entry>::iterator> index ABSL_GUARDED_BY(mutex);
    // Names being committed, with how many commits of each are in flight.
    absl::flat_hash_map<std::string, int> writing ABSL_GUARDED_BY(mutex);
    std::size_t bytes ABSL_GUARDED_BY(mutex) = 0;
    // Commits begun on names of this shard: a read that missed keeps its answer only if this
    // has not moved since.
    uint64_t writes_begun ABSL_GUARDED_BY(mutex) = 0;
  };
  static constexpr std::size_t kShards = 16;

  // What a lookup of `name` (and for a list, `query`) found: the resource, or the state a read
  // of the inner store starts from.
  struct Lookup {
    std::shared_ptr<const google::protobuf::Message> found;
    bool keep = false;  // whether what the inner store answers may be kept
    uint64_t writes_begun = 0;
  };

  // A point read through the cache; a hit tells `checked`, when given.
  template <typename Resource>
  absl::StatusOr<std::optional<Resource>> Get(
      absl::string_view kind, absl::string_view name,
      absl::StatusOr<std::optional<Resource>> (Store::*read)(absl::string_view),
      CheckedReadScope* checked = nullptr);

  Shard& ShardOf(absl::string_view name);
  Lookup Find(absl::string_view name, absl::string_view query = "");
  void Keep(absl::string_view name, const Lookup& lookup,
            std::shared_ptr<const google::protobuf::Message> resource, std::string query = "");
  static std::vector<std::string> Written(const Mutation& mutation);
  void BeginWrite(const std::string& name);
  void EndWrite(const std::string& name);
  // Drops the entry of `name`, if any.
  void Forget(absl::string_view name);
  // Forgets the assignment a mutation read (`read`) when its commit found it changed (`status`).
  void ForgetIfChanged(const std::optional<ReadVersion>& read, const absl::Status& status);
  void Drop(Shard& shard, absl::string_view name) ABSL_EXCLUSIVE_LOCKS_REQUIRED(shard.mutex);

  std::unique_ptr<Store> owned_;
  const CachedStoreOptions options_;
  const std::size_t shard_capacity_;
  std::array<Shard, kShards> shards_;
};

}  // namespace therapy::homework

#endif  // SERVICES_HOMEWORK_STORAGE_CACHED_STORE_H_
