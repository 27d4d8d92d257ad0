#ifndef SERVICES_HOMEWORK_RPC_HOMEWORK_RPC_H_
#define SERVICES_HOMEWORK_RPC_HOMEWORK_RPC_H_

#include <atomic>
#include <deque>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/impl/service_type.h"
#include "services/homework/auth/token_verifier.h"
#include "services/homework/core/event_hub.h"
#include "services/homework/core/homework.h"
#include "services/homework/logging/json_log.h"

namespace therapy::homework {

// The gRPC glue of HomeworkService. Each handler is the same five steps: caller from metadata,
// parse, one core call, status conversion, return; and one log line per call at this boundary,
// with the method, code, latency and call id (no clinical content). Keeps no state; the core,
// the hub and the verifier must outlive it.
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
  HomeworkRpc(Homework& homework, EventHub& hub, const TokenVerifier& verifier, JsonLog& log);

  // From now on every new call is answered UNAVAILABLE ("retry on another replica"), before
  // anything else runs; calls already running finish. For a graceful shutdown. Thread-safe.
  void Drain() { draining_.store(true); }

 private:
  class WatchReactor;
  template <typename Request, typename Response>
  class UnaryHandler;

  // Authenticates, runs `use_case` with the caller on the parsed request, moves its result into
  // `response`, converts the status and logs the call.
  template <typename Request, typename Response, typename UseCase>
  grpc::Status Handle(grpc::ServerContext& context, absl::string_view method,
                      const absl::StatusOr<Request>& request, UseCase use_case,
                      Response& response);
  // The log line of a finished call.
  void LogCall(absl::string_view method, const std::string& call_id, absl::Time start,
               const absl::StatusOr<Caller>& caller, const absl::Status& status);

  Homework& homework_;
  EventHub& hub_;
  const TokenVerifier& verifier_;
  JsonLog& log_;
  // "/therapy.homework.v1.HomeworkService/<Method>": gRPC keeps pointers to these.
  std::deque<std::string> paths_;
  std::atomic<bool> draining_{false};
};

}  // namespace therapy::homework

#endif  // SERVICES_HOMEWORK_RPC_HOMEWORK_RPC_H_
