// The watch fan-out: one reader thread, per-practice shared reads, per-watcher catch-up.

#include "services/homework/runtime/event_hub.h"

#include <algorithm>
#include <mutex>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "services/homework/core/status_macros.h"

namespace therapy::homework {

struct EventHub::Watcher {
  Watcher(WatchScope watch_scope, int64_t after, WatchListener& to)
      : scope(std::move(watch_scope)),
        client_name(scope.client ? std::optional<std::string>(scope.client->Format())
                                 : std::nullopt),
        cursor(after),
        listener(&to) {}

  const WatchScope scope;
  const std::optional<std::string> client_name;
  // The last sequence this watcher has been given or skipped. The reader thread's alone once
  // the watcher is published.
  int64_t cursor;
  // A std::mutex, not an absl::Mutex: the listener's own lock is taken under it, and Debian's
  // Abseil (built without NDEBUG) would track every such pair of 10,000 watches in its deadlock
  // detector, at a measurable cost per event.
  std::mutex mutex;
  // Guarded by `mutex`; null once unsubscribed or ended.
  WatchListener* listener;
};

class EventHub::BatchReads {
 public:
  explicit BatchReads(Store& store) : store_(store) {}

  // The client as stored now (read once per batch); nullptr when it does not exist.
  absl::StatusOr<const v1::Client*> Client(const std::string& name) {
    auto it = clients_.find(name);
    if (it == clients_.end()) {
      ASSIGN_OR_RETURN(std::optional<v1::Client> client, store_.GetClient(name));
      it = clients_.emplace(name, std::move(client)).first;
    }
    return it->second ? &*it->second : nullptr;
  }

  // `event` (an assignment's) carrying the assignment as stored now, made once per batch for
  // every watcher that asked for it; nullptr when the assignment cannot be read or is gone.
  std::shared_ptr<const v1::Event> WithAssignment(const EventRecord& record,
                                                  const v1::Event& event) {
    auto it = carrying_.find(record.sequence);
    if (it != carrying_.end()) return it->second;
    std::shared_ptr<const v1::Event> carrying;
    absl::StatusOr<std::optional<v1::Assignment>> assignment =
        store_.GetAssignment(record.resource);
    if (assignment.ok() && assignment->has_value()) {
      auto copy = std::make_shared<v1::Event>(event);
      *copy->mutable_assignment() = std::move(**assignment);
      carrying = std::move(copy);
    }
    carrying_.emplace(record.sequence, carrying);
    return carrying;
  }

 private:
  Store& store_;
  std::unordered_map<std::string, std::optional<v1::Client>> clients_;
  std::unordered_map<int64_t, std::shared_ptr<const v1::Event>> carrying_;
};

namespace {

// Each event converted once, for all the watchers it is offered to.
std::vector<std::shared_ptr<const v1::Event>> ToProtos(const std::vector<EventRecord>& records) {
  std::vector<std::shared_ptr<const v1::Event>> events;
  events.reserve(records.size());
  for (const EventRecord& record : records) {
    events.push_back(std::make_shared<const v1::Event>(ToProto(record)));
  }
  return events;
}

}  // namespace

EventHub::EventHub(Store& store, EventHubOptions options)
    : store_(store), options_(std::move(options)) {
  reader_ = std::thread([this] { Run(); });
}

EventHub::~EventHub() { Close(); }

uint64_t EventHub::Subscribe(WatchScope scope, int64_t after_sequence, WatchListener& listener) {
  auto watcher = std::make_shared<Watcher>(std::move(scope), after_sequence, listener);
  {
    absl::MutexLock lock(&mutex_);
    if (!closed_) {
      const uint64_t id = next_id_++;
      watchers_.emplace(id, std::move(watcher));
      ++generation_;  // a watcher behind the practice's position catches up at once
      return id;
    }
  }
  listener.End(absl::OkStatus());
  return 0;
}

void EventHub::Unsubscribe(uint64_t id) {
  std::shared_ptr<Watcher> watcher;
  {
    absl::MutexLock lock(&mutex_);
    auto it = watchers_.find(id);
    if (it == watchers_.end()) return;
    watcher = std::move(it->second);
    watchers_.erase(it);
  }
  // Waits for a delivery to it in progress.
  std::lock_guard<std::mutex> lock(watcher->mutex);
  watcher->listener = nullptr;
}

void EventHub::Wake() {
  absl::MutexLock lock(&mutex_);
  ++generation_;
}

void EventHub::Close() {
  std::vector<std::shared_ptr<Watcher>> ending;
  {
    absl::MutexLock lock(&mutex_);
    closed_ = true;
    for (const auto& [id, watcher] : watchers_) ending.push_back(watcher);
  }
  if (reader_.joinable()) reader_.join();
  // Each stays in `watchers_` until it has ended, so an Unsubscribe racing with this still finds
  // it and waits for its End.
  for (const std::shared_ptr<Watcher>& watcher : ending) {
    std::lock_guard<std::mutex> lock(watcher->mutex);
    if (watcher->listener != nullptr) watcher->listener->End(absl::OkStatus());
    watcher->listener = nullptr;
  }
  absl::MutexLock lock(&mutex_);
  watchers_.clear();
}

bool EventHub::WaitUntilIdle(absl::Duration timeout) {
  absl::MutexLock lock(&mutex_);
  // Every Subscribe and Wake moved generation_ on; a pass that began at it or later has seen
  // what they asked for. With no watcher there is nothing to deliver.
  const uint64_t target = generation_;
  auto idle = [this, target]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
    return closed_ || watchers_.empty() || idle_at_generation_ >= target;
  };
  return mutex_.AwaitWithTimeout(absl::Condition(&idle), timeout);
}

uint64_t EventHub::passes() const {
  absl::MutexLock lock(&mutex_);
  return passes_;
}

size_t EventHub::watchers() const {
  absl::MutexLock lock(&mutex_);
  return watchers_.size();
}

void EventHub::Run() {
  // Where each watched practice's shared reads stand: the reader thread's alone.
  std::unordered_map<std::string, int64_t> heads;
  uint64_t seen = 0;
  bool more = false;
  while (true) {
    std::unordered_map<std::string, std::vector<std::shared_ptr<Watcher>>> by_practice;
    {
      absl::MutexLock lock(&mutex_);
      if (!more) {
        idle_at_generation_ = seen;  // the pass that began at `seen` left nothing to read
        // With nobody watching, a commit's Wake costs its caller an increment, not this thread
        // a wake-up (the first Subscribe moves the generation on again).
        auto changed = [this, seen]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
          return (generation_ != seen && !watchers_.empty()) || closed_;
        };
        mutex_.AwaitWithTimeout(absl::Condition(&changed), options_.poll_interval);
      }
      if (closed_) return;
      ++passes_;
      seen = generation_;
      for (const auto& [id, watcher] : watchers_) {
        by_practice[watcher->scope.practice].push_back(watcher);
      }
    }
    std::erase_if(heads, [&](const auto& head) { return !by_practice.contains(head.first); });
    more = false;
    oldest_handed_out_ = absl::InfiniteFuture();
    for (const auto& [practice, watchers] : by_practice) {
      auto head = heads.find(practice);
      if (head == heads.end()) {
        absl::StatusOr<int64_t> latest = store_.LatestEventSequence();
        if (!latest.ok()) continue;  // retried at the next poll
        head = heads.emplace(practice, *latest).first;
      }
      more = Pump(practice, head->second, watchers) || more;
    }
    lag_micros_.store(
        oldest_handed_out_ == absl::InfiniteFuture()
            ? 0
            : std::max<int64_t>(0, absl::ToInt64Microseconds(absl::Now() - oldest_handed_out_)));
  }
}

bool EventHub::Pump(const std::string& practice, int64_t& head,
                    const std::vector<std::shared_ptr<Watcher>>& watchers) {
  BatchReads reads(store_);
  absl::StatusOr<std::vector<EventRecord>> shared = store_.ListEvents(
      EventQuery{.practice = practice, .after_sequence = head, .limit = options_.batch});
  if (!shared.ok()) return false;  // retried at the next poll
  const int64_t through = shared->empty() ? head : shared->back().sequence;
  // The lag: the oldest event handed out by this read, shared or a watcher's own catch-up.
  absl::Time oldest = shared->empty() ? absl::InfiniteFuture() : shared->front().time;
  bool more = static_cast<int>(shared->size()) == options_.batch;
  const std::vector<std::shared_ptr<const v1::Event>> shared_events = ToProtos(*shared);
  for (const std::shared_ptr<Watcher>& watcher : watchers) {
    if (watcher->cursor >= head) {
      Deliver(*watcher, *shared, shared_events, through, reads);
      continue;
    }
    // Behind the shared reads (resumed from an old cursor, or was full): its own read from its
    // cursor, up to where the shared reads now stand, after which it takes the shared ones.
    absl::StatusOr<std::vector<EventRecord>> own =
        store_.ListEvents(EventQuery{.practice = practice,
                                     .client_name = watcher->client_name,
                                     .after_sequence = watcher->cursor,
                                     .limit = options_.batch});
    if (!own.ok()) continue;
    if (!own->empty()) oldest = std::min(oldest, own->front().time);
    // A short read saw everything committed before it, so all up to `through`.
    int64_t own_through = through;
    if (static_cast<int>(own->size()) == options_.batch) {
      own_through = std::min(own->back().sequence, through);
    }
    if (Deliver(*watcher, *own, ToProtos(*own), own_through, reads) && watcher->cursor < through) {
      more = true;
    }
  }
  oldest_handed_out_ = std::min(oldest_handed_out_, oldest);
  head = through;
  return more;
}

bool EventHub::Deliver(Watcher& watcher, const std::vector<EventRecord>& events,
                       const std::vector<std::shared_ptr<const v1::Event>>& protos, int64_t through,
                       BatchReads& reads) {
  std::lock_guard<std::mutex> lock(watcher.mutex);
  if (watcher.listener == nullptr) return false;
  for (size_t i = 0; i < events.size(); ++i) {
    const EventRecord& event = events[i];
    if (event.sequence <= watcher.cursor) continue;
    if (event.sequence > through) break;
    const v1::Client* client = nullptr;
    if (ReadsCareTeam(watcher.scope) && event.practice == watcher.scope.practice) {
      absl::StatusOr<const v1::Client*> loaded = reads.Client(event.client);
      if (!loaded.ok()) return false;
      client = *loaded;
    }
    const EventVisibility visibility = SeeEvent(watcher.scope, event, client);
    if (visibility == EventVisibility::kRevoked) {
      const absl::Status denied = absl::PermissionDeniedError(
          absl::StrCat("caller is no longer on the care team of ", *watcher.client_name));
      store_.AppendAudit(WatchRefusalAudit(watcher.scope, denied, options_.now())).IgnoreError();
      watcher.listener->End(denied);
      watcher.listener = nullptr;
      return false;
    }
    if (visibility == EventVisibility::kShown &&
        !watcher.listener->Offer(Offered(watcher.scope, event, protos[i], reads))) {
      return false;
    }
    watcher.cursor = event.sequence;
  }
  watcher.cursor = std::max(watcher.cursor, through);
  return true;
}

std::shared_ptr<const v1::Event> EventHub::Offered(const WatchScope& scope,
                                                   const EventRecord& record,
                                                   const std::shared_ptr<const v1::Event>& event,
                                                   BatchReads& reads) {
  if (!scope.include_assignments || !IsAssignmentEvent(record.type)) return event;
  std::shared_ptr<const v1::Event> carrying = reads.WithAssignment(record, *event);
  // Sent only once its read is audited; otherwise the page reads it (and is audited) itself.
  if (carrying == nullptr ||
      !store_.AppendAudit(WatchAssignmentReadAudit(scope, record.resource, options_.now())).ok()) {
    return event;
  }
  return carrying;
}

}  // namespace therapy::homework
