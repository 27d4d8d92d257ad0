#ifndef SERVICES_HOMEWORK_RPC_HOMEWORK_RPC_H_
#define SERVICES_HOMEWORK_RPC_HOMEWORK_RPC_H_

#include <atomic>
#include <deque>
#include <memory>
#include <mutex>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/impl/service_type.h"
#include "services/homework/auth/token_verifier.h"
#include "services/homework/core/homework.h"
#include "services/homework/logging/json_log.h"
#include "services/homework/runtime/audit_batcher.h"
#include "services/homework/runtime/blocking_pool.h"
#include "services/homework/runtime/event_hub.h"

namespace therapy::homework {

// The gRPC glue of HomeworkService. Each handler is the same five steps: caller from metadata,
// parse, one core call, status conversion, return; and one log line per call at this boundary,
// with the method, code, latency and call id (no clinical content). Keeps no state; the core,
// the hub, the verifier, the pool and the audit batcher must outlive it.
//
// Every method is on gRPC's callback API, so gRPC never makes a thread per call. A unary call's
// five steps run on `pool` (the core blocks: store reads, commits, audit appends), never on
// gRPC's own threads, but for reads the store's cache answers: GetClient, GetAssignment and
// ListAssignments run first on the gRPC thread that received them, under a CacheOnlyScope, and
// go to the pool like any other call as soon as they need the store itself (ADR 0018). A call
// whose caller has cancelled it, or whose deadline has passed, while it waited for a thread is
// answered CANCELLED without running, and a call the full pool cannot queue is answered
// UNAVAILABLE ("overloaded; retry with backoff") at once. A use case runs under a DeferredAudit:
// the audit records of its reads and refusals go to `audits`, which appends them with other
// calls' records, and the call is answered when they are in (or UNAVAILABLE, with nothing of
// the read, when they could not be written); the thread takes the next call meanwhile. A write
// whose commit is its use case's last step (Homework::CommitsLast: CreateCompletion) runs under a
// DeferredCommit as well, and, with a cache in front of the store, first on gRPC's thread like
// those reads: its commit is handed to the store without waiting (Store::CommitThen), and the
// call is answered from the store's thread once it has committed, or run again on the pool,
// committing as usual, when it did not (ADR 0029). A cache behind other writers (PostgreSQL's
// replicas) answers none of those reads, but may answer the completion's one read, which its
// commit checks (ADR 0034): there completions alone are tried on gRPC's thread.
//
// Requests are parsed here with core's ParseRequest rather than by gRPC's generated handlers, so
// a body that does not parse (a string that is not UTF-8, a truncated message) is answered
// INVALID_ARGUMENT naming the field, as on the browser listener, instead of gRPC's INTERNAL "".
// The methods are registered from the service's descriptor, in its order; each method the
// descriptor names must have its line in homework_rpc.cc (a test calls every one).
//
// WatchEvents uses gRPC's callback API: each stream is a WatchReactor fed by the EventHub, so
// open streams hold no thread (docs/decisions/0011-watch-fan-out.md).
class HomeworkRpc final : public grpc::Service {
 public:
  // The cache in front of the store the use cases read (OpenStore's CachedStore): what it may
  // answer is tried on gRPC's thread first (see StartUnary).
  enum class StoreCache {
    kNone,    // every call runs on the pool
    kShared,  // behind other writers (PostgreSQL): completions only, their read checked at commit
    kExact,   // the store's only writer's (SQLite): the reads it answers, and completions
  };

  HomeworkRpc(Homework& homework, EventHub& hub, const TokenVerifier& verifier, BlockingPool& pool,
              AuditBatcher& audits, JsonLog& log, StoreCache cache = StoreCache::kNone);

  // From now on every new call is answered UNAVAILABLE ("retry on another replica"), before
  // anything else runs; calls already running finish. For a graceful shutdown. Thread-safe.
  void Drain() { draining_.store(true); }

 private:
  class WatchReactor;

  // The handler of unary method `method`: `use_case` (the Homework use case of the same name)
  // runs on the pool as StartUnary says.
  template <typename Request, typename Response, typename UseCase>
  grpc::internal::MethodHandler* UnaryHandler(const char* method, UseCase use_case);
  // Answers UNAVAILABLE while draining; otherwise runs a read the cache answers right here, or
  // queues the call on the pool, where it is authenticated, parsed from `body`, run through
  // `use_case` into `response`, logged and finished. `body` and `response` belong to gRPC and
  // live until the call is finished.
  template <typename Request, typename Response, typename UseCase>
  grpc::ServerUnaryReactor* StartUnary(grpc::CallbackServerContext& context, const char* method,
                                       const grpc::ByteBuffer& body, Response& response,
                                       const UseCase& use_case);
  // Queues `run` (StartUnary's) on the pool, deferring its commit or not; the call is refused
  // "overloaded" when the pool's queue is full.
  template <typename Run>
  void RunOnPool(const Run& run, bool defer_commit, grpc::CallbackServerContext& context,
                 grpc::ServerUnaryReactor& reactor, const char* method, absl::Time start);
  // Logs and finishes a call refused before it ran (draining, overloaded).
  void Refuse(grpc::CallbackServerContext& context, grpc::ServerUnaryReactor& reactor,
              const char* method, absl::Time start, const absl::Status& status);
  // `event` as a stream message. The hub offers an event to every watcher in turn, so the last
  // one is kept: serialised once, however many streams it goes to (their writes share the bytes).
  grpc::ByteBuffer Serialized(const std::shared_ptr<const v1::Event>& event);
  // The log line of a finished call.
  void LogCall(absl::string_view method, const std::string& call_id, absl::Time start,
               const absl::StatusOr<Caller>& caller, const absl::Status& status);

  Homework& homework_;
  EventHub& hub_;
  const TokenVerifier& verifier_;
  BlockingPool& pool_;
  AuditBatcher& audits_;
  JsonLog& log_;
  const StoreCache cache_;
  // "/therapy.homework.v1.HomeworkService/<Method>": gRPC keeps pointers to these.
  std::deque<std::string> paths_;
  std::atomic<bool> draining_{false};
  // Serialized's last event and its bytes.
  std::mutex last_event_mutex_;
  std::shared_ptr<const v1::Event> last_event_;
  grpc::ByteBuffer last_bytes_;
};

}  // namespace therapy::homework

#endif  // SERVICES_HOMEWORK_RPC_HOMEWORK_RPC_H_
