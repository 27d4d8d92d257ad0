#ifndef SERVICES_HOMEWORK_SERVER_H_
#define SERVICES_HOMEWORK_SERVER_H_

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/server.h"
#include "services/homework/auth/token_verifier.h"
#include "services/homework/connect/connect_server.h"
#include "services/homework/core/homework.h"
#include "services/homework/logging/json_log.h"
#include "services/homework/logging/protobuf_log.h"
#include "services/homework/metrics/metered_store.h"
#include "services/homework/metrics/metrics.h"
#include "services/homework/rpc/homework_rpc.h"
#include "services/homework/runtime/audit_batcher.h"
#include "services/homework/runtime/blocking_pool.h"
#include "services/homework/runtime/event_hub.h"
#include "services/homework/runtime/safety_flag_escalator.h"
#include "services/homework/storage/cached_store.h"
#include "services/homework/storage/open_store.h"
#include "services/homework/storage/store.h"

namespace therapy::homework {

struct ServerOptions {
  std::string listen_address = "127.0.0.1:50051";  // host:port; port 0 picks a free one
  std::string store_uri;                           // see storage/open_store.h
  std::string jwks_path;                           // JWKS (RFC 7517) of the token signers
  std::string issuer = "homework-dev";
  std::string audience = "therapy-homework";
  // The cache of clients and assignments (StoreOptions::cache_bytes: SQLite's, and on PostgreSQL
  // the assignment a completion is decided on); 0: none.
  std::size_t store_cache_bytes = CachedStoreOptions{}.capacity_bytes;
  // postgresql://: connections to the database at most (StoreOptions::postgres_connections).
  int postgres_connections = StoreOptions{}.postgres_connections;
  // postgresql://: threads sending writes in groups (StoreOptions::postgres_commit_writers).
  int postgres_commit_writers = StoreOptions{}.postgres_commit_writers;
  // Threads for the core's blocking calls of gRPC's unary methods and watch starts
  // (runtime/blocking_pool.h); 0: DefaultBlockingThreads(), sized for the machine.
  int blocking_threads = 0;
  // The browser-facing Connect listener (docs/connect-api.md), host:port (port 0 picks a free
  // one); empty: off.
  std::string connect_listen_address;
  std::vector<std::string> cors_origins;  // origins allowed to call the Connect listener
  std::size_t connect_max_request_bytes = 1024 * 1024;
  std::string connect_tls_cert_path;  // both set: the Connect listener serves HTTPS
  std::string connect_tls_key_path;
  // The HTTP listener's threads and per-connection limits (connect/http_listener.h); the
  // address, TLS files and body limit above are filled in from the fields above.
  HttpListenerOptions http;
  // GET /metrics on its own address too (host:port); empty: only on the Connect listener.
  std::string metrics_listen_address;
  // After SIGTERM: how long the server keeps answering UNAVAILABLE (health NOT_SERVING) before
  // it stops accepting, so load balancers move callers elsewhere.
  absl::Duration drain = absl::ZeroDuration();
  // Urgent flags not acknowledged this long after they were raised escalate (every practice),
  // checked every `flag_escalation_check` (runtime/safety_flag_escalator.h).
  absl::Duration flag_escalation_after = absl::Minutes(60);
  absl::Duration flag_escalation_check = absl::Seconds(15);
};

// The composition root: opens the store, loads the keys, wires core and RPC glue, and serves
// gRPC with health checking and reflection, and, when configured, the Connect listener
// (connect/connect_server.h). Start() fails with a message naming the option at fault; a
// started server serves until Shutdown().
class Server {
 public:
  static absl::StatusOr<std::unique_ptr<Server>> Start(const ServerOptions& options, JsonLog& log);
  ~Server();

  // The port actually bound.
  int port() const { return port_; }
  // The port the Connect listener bound; 0 when it is off.
  int connect_port() const { return connect_ != nullptr ? connect_->port() : 0; }
  // The port of --metrics_listen; 0 when it is off.
  int metrics_port() const { return metrics_server_ != nullptr ? metrics_server_->port() : 0; }

  // Health goes NOT_SERVING and calls arriving from now on are answered UNAVAILABLE on both
  // listeners (for `drain`); then stops accepting, ends the watch streams, lets in-flight calls
  // finish for up to `grace` (then cancels them), and closes the store. Safe to call once; the
  // destructor calls it with no grace if needed.
  void Shutdown(absl::Duration grace);

 private:
  Server() = default;

  // libprotobuf's own lines into the JSON log, for the server's lifetime.
  std::unique_ptr<ProtobufLogRoute> protobuf_log_;
  Metrics metrics_;  // before the store, which reports its write batches here
  std::unique_ptr<Store> store_;
  std::unique_ptr<MeteredStore> metered_store_;
  absl::Duration drain_ = absl::ZeroDuration();
  std::unique_ptr<TokenVerifier> verifier_;
  // Feeds the watch streams; Homework wakes it after each commit with events.
  std::unique_ptr<EventHub> hub_;
  std::unique_ptr<Homework> homework_;
  std::unique_ptr<SafetyFlagEscalator> escalator_;
  // Runs the gRPC calls' core work; stopped once gRPC has finished every call.
  std::unique_ptr<BlockingPool> pool_;
  // Appends the gRPC calls' read audit records in batches; those calls finish from its thread.
  std::unique_ptr<AuditBatcher> audits_;
  std::unique_ptr<HomeworkRpc> rpc_;
  std::unique_ptr<grpc::Server> grpc_server_;
  std::unique_ptr<ConnectServer> connect_;
  std::unique_ptr<MetricsServer> metrics_server_;
  int port_ = 0;
  bool stopped_ = false;
};

}  // namespace therapy::homework

#endif  // SERVICES_HOMEWORK_SERVER_H_
