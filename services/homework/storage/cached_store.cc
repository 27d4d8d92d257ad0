#include "services/homework/storage/cached_store.h"

#include <utility>

#include "absl/hash/hash.h"

namespace therapy::homework {
namespace {

// What an entry costs beside its resource: the list node, the index slot, the name twice.
constexpr std::size_t kEntryOverhead = 128;

}  // namespace

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
  return Get<v1::Client>("client", name, &Store::GetClient);
}

absl::StatusOr<std::optional<v1::Assignment>> CachedStore::GetAssignment(absl::string_view name) {
  return Get<v1::Assignment>("assignment", name, &Store::GetAssignment);
}

absl::StatusOr<CommitOutcome> CachedStore::Commit(const Mutation& mutation) {
  // The names this commit may change; at most one of each kind.
  std::array<const std::string*, 2> written = {
      mutation.client ? &mutation.client->resource.name() : nullptr,
      mutation.assignment ? &mutation.assignment->resource.name() : nullptr};
  for (const std::string* name : written) {
    if (name != nullptr) BeginWrite(*name);
  }
  absl::StatusOr<CommitOutcome> outcome = inner().Commit(mutation);
  for (const std::string* name : written) {
    if (name != nullptr) EndWrite(*name);
  }
  return outcome;
}

template <typename Resource>
absl::StatusOr<std::optional<Resource>> CachedStore::Get(
    absl::string_view kind, absl::string_view name,
    absl::StatusOr<std::optional<Resource>> (Store::*read)(absl::string_view)) {
  const Lookup lookup = Find(name);
  if (options_.on_lookup) options_.on_lookup(kind, lookup.found != nullptr);
  if (lookup.found != nullptr) {
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

CachedStore::Lookup CachedStore::Find(absl::string_view name) {
  Shard& shard = ShardOf(name);
  absl::MutexLock lock(&shard.mutex);
  Lookup lookup;
  if (auto it = shard.index.find(name); it != shard.index.end()) {
    shard.recent.splice(shard.recent.begin(), shard.recent, it->second);
    lookup.found = it->second->resource;
    return lookup;
  }
  lookup.keep = shard_capacity_ > 0 && !shard.writing.contains(name);
  lookup.writes_begun = shard.writes_begun;
  return lookup;
}

void CachedStore::Keep(absl::string_view name, const Lookup& lookup,
                       std::shared_ptr<const google::protobuf::Message> resource) {
  const std::size_t bytes = resource->SpaceUsedLong() + 2 * name.size() + kEntryOverhead;
  if (bytes > shard_capacity_) return;
  Shard& shard = ShardOf(name);
  absl::MutexLock lock(&shard.mutex);
  // A write that began after the read missed may have changed what was read.
  if (shard.writes_begun != lookup.writes_begun || shard.index.contains(name)) return;
  shard.recent.push_front(Entry{std::string(name), std::move(resource), bytes});
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
