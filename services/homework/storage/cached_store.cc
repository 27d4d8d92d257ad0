#include "services/homework/storage/cached_store.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/hash/hash.h"
#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "therapy/homework/v1/homework_service.pb.h"

namespace therapy::homework {
namespace {

thread_local bool cache_only = false;

// The payload that marks CacheMiss(): a type URL of our own, never sent to a caller.
constexpr absl::string_view kCacheMissPayload = "therapy.homework/cache-miss";

// What an entry costs beside its resource: the list node, the index slot, the name twice.
constexpr std::size_t kEntryOverhead = 128;

// The collection of a client's assignments, `practices/{p}/clients/{c}/assignments`: the name
// its cached list is kept under, written by every commit that puts one of them.
std::string AssignmentsOf(absl::string_view client_name) {
  return absl::StrCat(client_name, "/assignments");
}

// The collection an assignment `practices/{p}/clients/{c}/assignments/{a}` belongs to.
std::string CollectionOf(const std::string& assignment_name) {
  return assignment_name.substr(0, assignment_name.rfind('/'));
}

}  // namespace

CacheOnlyScope::CacheOnlyScope() { cache_only = true; }

CacheOnlyScope::~CacheOnlyScope() { cache_only = false; }

bool CacheOnlyScope::Active() { return cache_only; }

absl::Status CacheMiss() {
  absl::Status miss = absl::UnavailableError("not in the cache");
  miss.SetPayload(kCacheMissPayload, absl::Cord());
  return miss;
}

bool IsCacheMiss(const absl::Status& status) {
  return status.GetPayload(kCacheMissPayload).has_value();
}

CachedStore::CachedStore(Store& inner, CachedStoreOptions options)
    : ForwardingStore(inner),
      options_(std::move(options)),
      shard_capacity_(options_.capacity_bytes / kShards) {}

CachedStore::CachedStore(std::unique_ptr<Store> inner, CachedStoreOptions options)
    : ForwardingStore(*inner),
      owned_(std::move(inner)),
      options_(std::move(options)),
      shard_capacity_(options_.capacity_bytes / kShards) {}

absl::StatusOr<std::optional<v1::Client>> CachedStore::GetClient(absl::string_view name) {
  if (exact()) return Get<v1::Client>("client", name, &Store::GetClient);
  if (CacheOnlyScope::Active()) return CacheMiss();
  return inner().GetClient(name);
}

absl::StatusOr<std::optional<v1::Assignment>> CachedStore::GetAssignment(absl::string_view name) {
  if (exact()) return Get<v1::Assignment>("assignment", name, &Store::GetAssignment);
  // Behind other writers: from memory only for a read its commit checks, when its scope allows.
  CheckedReadScope* checked = CheckedReadScope::Current();
  if (checked == nullptr) {
    if (CacheOnlyScope::Active()) return CacheMiss();
    return inner().GetAssignment(name);
  }
  // Deciding again on what is stored: what it reads replaces what was kept.
  if (!checked->from_memory()) Forget(name);
  return Get<v1::Assignment>("assignment", name, &Store::GetAssignment, checked);
}

absl::StatusOr<std::optional<v1::Completion>> CachedStore::GetCompletion(absl::string_view name) {
  if (CacheOnlyScope::Active()) return CacheMiss();
  return inner().GetCompletion(name);
}

absl::StatusOr<std::optional<IdempotentResult>> CachedStore::FindIdempotentResult(
    const IdempotencyKey& key) {
  if (CacheOnlyScope::Active()) return CacheMiss();
  return inner().FindIdempotentResult(key);
}

// Only when exact (behind other writers, every list goes to the store), only the first page of
// one client's assignments, and only when it holds the whole list: a later page's answer depends
// on its token, and a list cut short on what lies past the cut.
absl::StatusOr<Page<v1::Assignment>> CachedStore::ListAssignments(const AssignmentQuery& query) {
  if (!exact() || query.client_name.empty() || !query.practice_name.empty() ||
      !query.page.page_token.empty()) {
    if (CacheOnlyScope::Active()) return CacheMiss();
    return inner().ListAssignments(query);
  }
  const std::string name = AssignmentsOf(query.client_name);
  std::vector<int> states(query.states.begin(), query.states.end());
  const std::string asked = absl::StrCat(absl::StrJoin(states, ","), ";", query.page.page_size);
  const Lookup lookup = Find(name, asked);
  // A miss in a CacheOnlyScope is counted by the call's run on the pool.
  if (lookup.found == nullptr && CacheOnlyScope::Active()) return CacheMiss();
  if (options_.on_lookup) options_.on_lookup("assignment list", lookup.found != nullptr);
  if (lookup.found != nullptr) {
    const auto& list = static_cast<const v1::ListAssignmentsResponse&>(*lookup.found);
    return Page<v1::Assignment>{.items = {list.assignments().begin(), list.assignments().end()}};
  }
  absl::StatusOr<Page<v1::Assignment>> page = inner().ListAssignments(query);
  if (lookup.keep && page.ok() && page->next_page_token.empty()) {
    auto list = std::make_shared<v1::ListAssignmentsResponse>();
    for (const v1::Assignment& assignment : page->items) *list->add_assignments() = assignment;
    Keep(name, lookup, std::move(list), asked);
  }
  return page;
}

// The names a commit may change: at most one client, one assignment and with it the collection
// of its client's assignments.
std::vector<std::string> CachedStore::Written(const Mutation& mutation) {
  std::vector<std::string> written;
  if (mutation.client) written.push_back(mutation.client->resource.name());
  if (mutation.assignment) {
    written.push_back(mutation.assignment->resource.name());
    written.push_back(CollectionOf(mutation.assignment->resource.name()));
  }
  return written;
}

absl::StatusOr<CommitOutcome> CachedStore::Commit(const Mutation& mutation) {
  const std::vector<std::string> written = Written(mutation);
  for (const std::string& name : written) BeginWrite(name);
  absl::StatusOr<CommitOutcome> outcome = inner().Commit(mutation);
  for (const std::string& name : written) EndWrite(name);
  ForgetIfChanged(mutation.assignment_read, outcome.status());
  return outcome;
}

void CachedStore::CommitThen(Mutation mutation, CommitDone done) {
  std::vector<std::string> written = Written(mutation);
  std::optional<ReadVersion> read = mutation.assignment_read;
  for (const std::string& name : written) BeginWrite(name);
  inner().CommitThen(std::move(mutation),
                     [this, written = std::move(written), read = std::move(read),
                      done = std::move(done)](absl::StatusOr<CommitOutcome> outcome) mutable {
                       for (const std::string& name : written) EndWrite(name);
                       ForgetIfChanged(read, outcome.status());
                       std::move(done)(std::move(outcome));
                     });
}

void CachedStore::ForgetIfChanged(const std::optional<ReadVersion>& read,
                                  const absl::Status& status) {
  if (read.has_value() && IsReadChanged(status)) Forget(read->name);
}

template <typename Resource>
absl::StatusOr<std::optional<Resource>> CachedStore::Get(
    absl::string_view kind, absl::string_view name,
    absl::StatusOr<std::optional<Resource>> (Store::*read)(absl::string_view),
    CheckedReadScope* checked) {
  const Lookup lookup = Find(name);
  // A miss in a CacheOnlyScope is counted by the call's run on the pool.
  if (lookup.found == nullptr && CacheOnlyScope::Active()) return CacheMiss();
  if (options_.on_lookup) options_.on_lookup(kind, lookup.found != nullptr);
  if (lookup.found != nullptr) {
    if (checked != nullptr) checked->AnsweredFromMemory();
    return std::optional<Resource>(static_cast<const Resource&>(*lookup.found));
  }
  absl::StatusOr<std::optional<Resource>> read_result = (inner().*read)(name);
  if (lookup.keep && read_result.ok() && read_result->has_value()) {
    Keep(name, lookup, std::make_shared<const Resource>(**read_result));
  }
  return read_result;
}

CachedStore::Shard& CachedStore::ShardOf(absl::string_view name) {
  return shards_[absl::HashOf(name) % kShards];
}

CachedStore::Lookup CachedStore::Find(absl::string_view name, absl::string_view query) {
  Shard& shard = ShardOf(name);
  absl::MutexLock lock(&shard.mutex);
  Lookup lookup;
  if (auto it = shard.index.find(name); it != shard.index.end() && it->second->query == query) {
    shard.recent.splice(shard.recent.begin(), shard.recent, it->second);
    lookup.found = it->second->resource;
    return lookup;
  }
  lookup.keep = shard_capacity_ > 0 && !shard.writing.contains(name);
  lookup.writes_begun = shard.writes_begun;
  return lookup;
}

void CachedStore::Keep(absl::string_view name, const Lookup& lookup,
                       std::shared_ptr<const google::protobuf::Message> resource,
                       std::string query) {
  const std::size_t bytes =
      resource->SpaceUsedLong() + 2 * name.size() + query.size() + kEntryOverhead;
  if (bytes > shard_capacity_) return;
  Shard& shard = ShardOf(name);
  absl::MutexLock lock(&shard.mutex);
  // A write that began after the read missed may have changed what was read.
  if (shard.writes_begun != lookup.writes_begun) return;
  if (auto it = shard.index.find(name); it != shard.index.end()) {
    if (it->second->query == query) return;  // another read kept the same answer
    Drop(shard, name);                       // a list keeps the latest query's answer
  }
  shard.recent.push_front(Entry{std::string(name), std::move(resource), bytes, std::move(query)});
  shard.index.emplace(shard.recent.front().name, shard.recent.begin());
  shard.bytes += bytes;
  while (shard.bytes > shard_capacity_) Drop(shard, shard.recent.back().name);
}

void CachedStore::BeginWrite(const std::string& name) {
  Shard& shard = ShardOf(name);
  absl::MutexLock lock(&shard.mutex);
  ++shard.writing[name];
  ++shard.writes_begun;
  Drop(shard, name);
}

void CachedStore::EndWrite(const std::string& name) {
  Shard& shard = ShardOf(name);
  absl::MutexLock lock(&shard.mutex);
  // Nothing of this name was kept while it was written: BeginWrite dropped it, reads that
  // missed before it see writes_begun moved, reads that missed during it see it in `writing`.
  if (auto it = shard.writing.find(name); it != shard.writing.end() && --it->second == 0) {
    shard.writing.erase(it);
  }
}

void CachedStore::Forget(absl::string_view name) {
  Shard& shard = ShardOf(name);
  absl::MutexLock lock(&shard.mutex);
  Drop(shard, name);
}

void CachedStore::Drop(Shard& shard, absl::string_view name) {
  auto it = shard.index.find(name);
  if (it == shard.index.end()) return;
  const std::list<Entry>::iterator entry = it->second;
  shard.index.erase(it);
  shard.bytes -= entry->bytes;
  shard.recent.erase(entry);
}

std::size_t CachedStore::bytes() const {
  std::size_t total = 0;
  for (const Shard& shard : shards_) {
    absl::MutexLock lock(&shard.mutex);
    total += shard.bytes;
  }
  return total;
}

std::size_t CachedStore::entries() const {
  std::size_t total = 0;
  for (const Shard& shard : shards_) {
    absl::MutexLock lock(&shard.mutex);
    total += shard.index.size();
  }
  return total;
}

}  // namespace therapy::homework
