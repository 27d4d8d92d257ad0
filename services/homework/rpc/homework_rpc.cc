#include "services/homework/rpc/homework_rpc.h"

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/clock.h"
#include "grpcpp/impl/codegen/proto_utils.h"
#include "grpcpp/impl/codegen/server_callback_handlers.h"
#include "services/homework/core/deferred_audit.h"
#include "services/homework/core/deferred_commit.h"
#include "services/homework/core/rules/request_checks.h"
#include "services/homework/core/unary_methods.h"
#include "services/homework/logging/call_log.h"
#include "services/homework/rpc/caller_from_metadata.h"
#include "services/homework/rpc/status_conversion.h"
#include "services/homework/storage/cached_store.h"
#include "therapy/homework/v1/homework_service.pb.h"

namespace therapy::homework {
namespace {

absl::Status ShuttingDown() {
  return absl::UnavailableError("the server is shutting down: retry on another replica");
}

template <typename Request>
absl::StatusOr<Request> Parse(absl::string_view bytes) {
  Request request;
  absl::Status status = ParseRequest(bytes, request);
  if (!status.ok()) return status;
  return request;
}

// A received message (none: the empty message), read in place when gRPC holds it in one slice,
// as it does small messages.
template <typename Request>
absl::StatusOr<Request> Parse(const grpc::ByteBuffer& body) {
  grpc::Slice single;
  if (body.TrySingleSlice(&single).ok()) {
    return Parse<Request>(
        absl::string_view(reinterpret_cast<const char*>(single.begin()), single.size()));
  }
  std::vector<grpc::Slice> slices;
  std::string bytes;
  if (body.Dump(&slices).ok()) {
    for (const grpc::Slice& slice : slices) {
      bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
    }
  }
  return Parse<Request>(bytes);
}

absl::Status Overloaded() {
  return absl::UnavailableError("the server is overloaded; retry with backoff");
}

// Whether nobody waits for the call's answer any more: its caller cancelled it, or its
// deadline has passed. The clock is read too: gRPC notices a deadline a little after it passes,
// and a write run in that gap would be applied after its caller was told DEADLINE_EXCEEDED.
bool Abandoned(const grpc::CallbackServerContext& context) {
  return context.IsCancelled() || context.deadline() <= std::chrono::system_clock::now();
}

absl::Status NotRun() {
  return absl::CancelledError("the call was cancelled, or its deadline passed, before it ran");
}

// The methods whose use case reads only what the store's cache holds (CachedStore: clients,
// assignments and a client's assignment list, with the care team of authorisation): tried on
// gRPC's thread first, under a CacheOnlyScope.
bool AnsweredFromCache(absl::string_view method) {
  return method == "GetClient" || method == "GetAssignment" || method == "ListAssignments";
}

}  // namespace

template <typename Request, typename Response, typename UseCase>
grpc::internal::MethodHandler* HomeworkRpc::UnaryHandler(const char* method, UseCase use_case) {
  return new grpc::internal::CallbackUnaryHandler<grpc::ByteBuffer, Response>(
      [this, method, use_case = std::move(use_case)](
          grpc::CallbackServerContext* context, const grpc::ByteBuffer* body, Response* response) {
        return StartUnary<Request>(*context, method, *body, *response, use_case);
      });
}

template <typename Request, typename Response, typename UseCase>
grpc::ServerUnaryReactor* HomeworkRpc::StartUnary(grpc::CallbackServerContext& context,
                                                  const char* method, const grpc::ByteBuffer& body,
                                                  Response& response, const UseCase& use_case) {
  grpc::ServerUnaryReactor* reactor = context.DefaultReactor();
  const absl::Time start = absl::Now();
  if (draining_.load()) {
    Refuse(context, *reactor, method, start, ShuttingDown());
    return reactor;
  }
  // Runs the call and hands its answer over. With `cache_only`, gives up (false, nothing sent,
  // its audit records dropped) as soon as it needs a read the cache cannot answer. With
  // `defer_commit`, the use case's commit is handed to the store without waiting, and the call
  // answered when it has committed; if it did not, the call runs again on the pool without
  // deferring (nothing of it was written). `self` is this lambda, for that second run.
  auto run = [this, &context, reactor, method, &body, &response, use_case, start](
                 const auto& self, bool cache_only, bool defer_commit) -> bool {
    std::string call_id = CallIdFromMetadata(context);
    // Work for nobody is skipped: the caller cancelled, or the deadline passed, in the queue.
    absl::StatusOr<Caller> caller = Abandoned(context)
                                        ? absl::StatusOr<Caller>(NotRun())
                                        : CallerFromMetadata(context, verifier_, start);
    absl::Status status = caller.status();
    DeferredAudit audit;
    std::optional<Mutation> held;
    if (status.ok()) {
      absl::StatusOr<Request> request = Parse<Request>(body);
      status = request.status();
      if (status.ok()) {
        caller->call_id = call_id;
        std::optional<CacheOnlyScope> only_cached;
        if (cache_only) only_cached.emplace();
        std::optional<DeferredCommit> deferred;
        if (defer_commit) deferred.emplace();
        absl::StatusOr<Response> result = use_case(*caller, *request);
        if (cache_only && IsCacheMiss(result.status())) return false;
        if (deferred && deferred->Refused()) {
          RunOnPool(self, /*defer_commit=*/false, context, *reactor, method, start);
          return true;
        }
        status = result.status();
        if (result.ok()) response = *std::move(result);
        if (deferred && status.ok()) held = deferred->Take();
      }
    }
    auto finish = [this, reactor, method, start, call_id = std::move(call_id),
                   caller = std::move(caller), status, &response](absl::Status audited) mutable {
      // A read whose audit record could not be written returns nothing; a refusal stays one.
      if (!audited.ok() && status.ok()) {
        status = Homework::AuditUnavailable();
        response.Clear();
      }
      LogCall(method, call_id, start, caller, status);
      reactor->Finish(ToGrpcStatus(status));
    };
    auto answer = [this, records = audit.Take(), finish = std::move(finish)]() mutable {
      if (records.empty()) {
        finish(absl::OkStatus());
      } else {
        audits_.Append(std::move(records), std::move(finish));
      }
    };
    if (!held) {
      answer();
      return true;
    }
    homework_.CommitThen(*std::move(held), [this, self, &context, reactor, method, start,
                                            answer = std::move(answer)](
                                               absl::StatusOr<CommitOutcome> outcome) mutable {
      if (outcome.ok() && *outcome == CommitOutcome::kCommitted) {
        answer();
      } else {
        RunOnPool(self, /*defer_commit=*/false, context, *reactor, method, start);
      }
    });
    return true;
  };
  const bool defer_commit = Homework::CommitsLast(method);
  // A read the cache answers, and a write whose reads it answers and whose commit need not be
  // waited for, run here, on the gRPC thread that received them: no hand-over to the pool and
  // back (ADR 0018, ADR 0029). Anything else, or a miss, goes to the pool.
  const bool from_cache = (cache_ == StoreCache::kExact && AnsweredFromCache(method)) ||
                          (cache_ != StoreCache::kNone && defer_commit);
  if (from_cache && run(run, /*cache_only=*/true, defer_commit)) {
    return reactor;
  }
  RunOnPool(run, defer_commit, context, *reactor, method, start);
  return reactor;
}

template <typename Run>
void HomeworkRpc::RunOnPool(const Run& run, bool defer_commit, grpc::CallbackServerContext& context,
                            grpc::ServerUnaryReactor& reactor, const char* method,
                            absl::Time start) {
  if (!pool_.TrySubmit([run, defer_commit] { run(run, /*cache_only=*/false, defer_commit); })) {
    Refuse(context, reactor, method, start, Overloaded());
  }
}

void HomeworkRpc::Refuse(grpc::CallbackServerContext& context, grpc::ServerUnaryReactor& reactor,
                         const char* method, absl::Time start, const absl::Status& status) {
  LogCall(method, CallIdFromMetadata(context), start, CallerFromMetadata(context, verifier_, start),
          status);
  reactor.Finish(ToGrpcStatus(status));
}

void HomeworkRpc::LogCall(absl::string_view method, const std::string& call_id, absl::Time start,
                          const absl::StatusOr<Caller>& caller, const absl::Status& status) {
  homework::LogCall(log_, {.method = method, .call_id = call_id, .latency = absl::Now() - start},
                    caller, status);
}

grpc::ByteBuffer HomeworkRpc::Serialized(const std::shared_ptr<const v1::Event>& event) {
  std::lock_guard<std::mutex> lock(last_event_mutex_);
  if (event != last_event_) {
    const std::string bytes = event->SerializeAsString();
    grpc::Slice slice(bytes);
    last_bytes_ = grpc::ByteBuffer(&slice, 1);
    last_event_ = event;
  }
  return last_bytes_;  // a copy shares the bytes (the slices are reference-counted)
}

// One WatchEvents stream. The use case checks the call and fixes its start
// (Homework::StartWatch, which reads the store and waits for its audit record) on the pool,
// like a unary call; the hub then offers it events on its reader thread, which this queues
// (at most kMaxQueued) and writes one at a time. Deletes itself when gRPC is done with the
// call; logs the call then. Nothing finishes the call while its start runs (a cancellation
// or the hub's End then waits for it), so the start never outlives the reactor.
class HomeworkRpc::WatchReactor final : public grpc::ServerWriteReactor<grpc::ByteBuffer>,
                                        public WatchListener {
 public:
  WatchReactor(HomeworkRpc& rpc, grpc::CallbackServerContext& context,
               absl::StatusOr<v1::WatchEventsRequest> request)
      : rpc_(rpc), start_(absl::Now()), call_id_(CallIdFromMetadata(context)) {
    const bool draining = rpc_.draining_.load();
    if (!draining && rpc_.pool_.TrySubmit([this, &context, request = std::move(request)] {
          Start(context, request);
        })) {
      return;
    }
    caller_ = CallerFromMetadata(context, rpc.verifier_, start_);
    std::lock_guard<std::mutex> lock(mutex_);
    starting_ = false;
    FinishLocked(draining ? ShuttingDown() : Overloaded());
  }

  // On the pool: authenticates, runs the use case, subscribes.
  void Start(grpc::CallbackServerContext& context,
             const absl::StatusOr<v1::WatchEventsRequest>& request) {
    caller_ = Abandoned(context) ? absl::StatusOr<Caller>(NotRun())
                                 : CallerFromMetadata(context, rpc_.verifier_, start_);
    if (caller_.ok()) caller_->call_id = call_id_;
    absl::StatusOr<Homework::WatchStart> start =
        !caller_.ok()   ? absl::StatusOr<Homework::WatchStart>(caller_.status())
        : !request.ok() ? absl::StatusOr<Homework::WatchStart>(request.status())
                        : rpc_.homework_.StartWatch(*caller_, *request);
    uint64_t subscription = 0;
    if (start.ok()) {
      // Initial metadata tells the watcher it is live, and from which cursor.
      context.AddInitialMetadata("x-watch-cursor", EventCursor(start->after_sequence));
      StartSendInitialMetadata();
      subscription = rpc_.hub_.Subscribe(std::move(start->scope), start->after_sequence, *this);
    }
    std::lock_guard<std::mutex> lock(mutex_);
    subscription_ = subscription;
    starting_ = false;
    if (!start.ok()) {
      FinishLocked(start.status());
    } else if (deferred_end_) {
      FinishLocked(*deferred_end_);
    }
  }

  bool Offer(std::shared_ptr<const v1::Event> event) override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (finishing_) return true;  // nobody is listening any more: drop it
    if (queue_.size() >= kMaxQueued) {
      refused_ = true;
      return false;
    }
    queue_.push_back(rpc_.Serialized(event));
    if (queue_.size() == 1) StartWrite(&queue_.front());
    return true;
  }

  void End(const absl::Status& status) override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (finishing_) return;
    if (queue_.empty()) {
      FinishLocked(status);
    } else {
      end_ = status;  // after the queued events
    }
  }

  void OnWriteDone(bool ok) override {
    bool wake = false;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      queue_.pop_front();
      if (!ok) {
        // The stream broke: gRPC cancels the call; OnCancel or OnDone follow.
        FinishLocked(absl::CancelledError("the watcher went away"));
        return;
      }
      if (!queue_.empty()) {
        StartWrite(&queue_.front());
      } else if (end_) {
        FinishLocked(*end_);
      } else if (refused_) {
        refused_ = false;
        wake = true;
      }
    }
    if (wake) rpc_.hub_.Wake();  // room again: the hub re-reads the log from where it stopped
  }

  void OnCancel() override {
    std::lock_guard<std::mutex> lock(mutex_);
    FinishLocked(absl::CancelledError("the watcher cancelled the call"));
  }

  void OnDone() override {
    // Written by the start under `mutex_` before anything could finish the call.
    rpc_.hub_.Unsubscribe(subscription_);
    rpc_.LogCall("WatchEvents", call_id_, start_, caller_, status_);
    delete this;
  }

 private:
  static constexpr size_t kMaxQueued = 256;

  // Needs `mutex_` held. While the start runs, only notes `status` for it.
  void FinishLocked(const absl::Status& status) {
    if (finishing_) return;
    if (starting_) {
      if (!deferred_end_) deferred_end_ = status;
      return;
    }
    finishing_ = true;
    status_ = status;
    Finish(ToGrpcStatus(status));
  }

  HomeworkRpc& rpc_;
  const absl::Time start_;
  const std::string call_id_;
  // Set once, by the start (or the constructor when refused), before anything finishes the call.
  absl::StatusOr<Caller> caller_ = absl::UnknownError("not started");

  // A std::mutex: taken under the hub's per-watcher lock (see event_hub.cc). Guards the rest.
  std::mutex mutex_;
  // Front: being written. A deque keeps the front where it is while events are added.
  std::deque<grpc::ByteBuffer> queue_;
  std::optional<absl::Status> end_;
  uint64_t subscription_ = 0;                 // 0: never subscribed
  bool starting_ = true;                      // the start has not finished
  std::optional<absl::Status> deferred_end_;  // how the call ends, once the start has finished
  bool refused_ = false;
  bool finishing_ = false;
  absl::Status status_;  // how the call ended, for the log; set once, before Finish
};

HomeworkRpc::HomeworkRpc(Homework& homework, EventHub& hub, const TokenVerifier& verifier,
                         BlockingPool& pool, AuditBatcher& audits, JsonLog& log, StoreCache cache)
    : homework_(homework),
      hub_(hub),
      verifier_(verifier),
      pool_(pool),
      audits_(audits),
      log_(log),
      cache_(cache) {
  // One handler per unary method (core/unary_methods.h): the use case of Homework with its name.
  std::map<std::string, grpc::internal::MethodHandler*, std::less<>> unary;
#define HOMEWORK_RPC(Method, Request, Response)                           \
  unary[#Method] = UnaryHandler<v1::Request, v1::Response>(               \
      #Method, [this](const Caller& caller, const v1::Request& request) { \
        return homework_.Method(caller, request);                         \
      });
  HOMEWORK_UNARY_METHODS(HOMEWORK_RPC)
#undef HOMEWORK_RPC

  const google::protobuf::ServiceDescriptor& service =
      *v1::GetCallerRequest::descriptor()->file()->FindServiceByName("HomeworkService");
  int added = 0;  // gRPC's index of the next method added
  for (int i = 0; i < service.method_count(); ++i) {
    const google::protobuf::MethodDescriptor& method = *service.method(i);
    const std::string& path =
        paths_.emplace_back(absl::StrCat("/", service.full_name(), "/", method.name()));
    if (method.name() == "WatchEvents") {
      AddMethod(new grpc::internal::RpcServiceMethod(
          path.c_str(), grpc::internal::RpcMethod::SERVER_STREAMING, nullptr));
      MarkMethodRawCallback(
          added++,
          new grpc::internal::CallbackServerStreamingHandler<grpc::ByteBuffer, grpc::ByteBuffer>(
              [this](grpc::CallbackServerContext* context, const grpc::ByteBuffer* body) {
                return new WatchReactor(*this, *context, Parse<v1::WatchEventsRequest>(*body));
              }));
      continue;
    }
    auto handler = unary.find(method.name());
    // A method without its line above is left out, and callers get UNIMPLEMENTED.
    if (handler == unary.end()) continue;
    AddMethod(new grpc::internal::RpcServiceMethod(path.c_str(),
                                                   grpc::internal::RpcMethod::NORMAL_RPC, nullptr));
    MarkMethodRawCallback(added++, handler->second);
    handler->second = nullptr;  // gRPC owns it now
  }
  // Lines whose method the descriptor does not name (none today).
  for (auto& [name, handler] : unary) delete handler;
}

}  // namespace therapy::homework
