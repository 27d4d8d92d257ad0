#include "services/homework/server.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"
#include "grpcpp/support/server_interceptor.h"
#include "services/homework/core/templates.h"
#include "services/homework/storage/cached_store.h"
#include "services/homework/storage/open_store.h"

namespace therapy::homework {
namespace {

constexpr char kServiceName[] = "therapy.homework.v1.HomeworkService";
// The health of the store alone: NOT_SERVING while its disk is full.
constexpr char kStoreHealthName[] = "homework.store";

// Counts and times every gRPC call of HomeworkService in the metrics (method and code only).
class CallMetricsInterceptor final : public grpc::experimental::Interceptor {
 public:
  CallMetricsInterceptor(grpc::experimental::ServerRpcInfo* info, Metrics& metrics)
      : metrics_(metrics), start_(absl::Now()) {
    absl::string_view method = info->method();
    if (absl::ConsumePrefix(&method, "/therapy.homework.v1.HomeworkService/")) {
      method_ = std::string(method);
    }
  }

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (!method_.empty() && methods->QueryInterceptionHookPoint(
                                grpc::experimental::InterceptionHookPoints::PRE_SEND_STATUS)) {
      metrics_.RecordCall("grpc", method_,
                          static_cast<absl::StatusCode>(methods->GetSendStatus().error_code()),
                          absl::Now() - start_);
    }
    methods->Proceed();
  }

 private:
  Metrics& metrics_;
  const absl::Time start_;
  std::string method_;  // empty: not a HomeworkService call (health, reflection)
};

class CallMetricsFactory final : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit CallMetricsFactory(Metrics& metrics) : metrics_(metrics) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new CallMetricsInterceptor(info, metrics_);
  }

 private:
  Metrics& metrics_;
};

// host:port -> (host, port); INVALID_ARGUMENT naming `flag` otherwise.
absl::StatusOr<std::pair<std::string, int>> HostPort(absl::string_view flag,
                                                     const std::string& address) {
  const size_t colon = address.rfind(':');
  int port = -1;
  if (colon == std::string::npos || !absl::SimpleAtoi(address.substr(colon + 1), &port) ||
      port < 0 || port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat(flag, "=", address, " is not host:port"));
  }
  return std::make_pair(address.substr(0, colon), port);
}

}  // namespace

absl::StatusOr<std::unique_ptr<Server>> Server::Start(const ServerOptions& options, JsonLog& log) {
  // The built-in template library is parsed now: one that does not load is refused here,
  // naming its line, rather than at the first call that reads it.
  if (absl::Status library = LoadBuiltInTemplates(); !library.ok()) return library;
  std::unique_ptr<Server> server(new Server());
  server->protobuf_log_ = std::make_unique<ProtobufLogRoute>(log);

  Metrics* server_metrics = &server->metrics_;
  StoreOptions store_options{.uri = options.store_uri,
                             .postgres_connections = options.postgres_connections,
                             .postgres_commit_writers = options.postgres_commit_writers,
                             .cache_bytes = options.store_cache_bytes};
  store_options.on_write_batch = [server_metrics](size_t writes) {
    server_metrics->RecordWriteBatch(writes);
  };
  store_options.on_cache_lookup = [server_metrics](absl::string_view kind, bool hit) {
    server_metrics->RecordCacheLookup(kind, hit);
  };
  store_options.on_migration = [&log](absl::string_view file_name) {
    log.Write(LogLevel::kInfo, "schema_migration",
              {{"file", std::string(file_name)},
               {"message", "applying a schema migration; on a large store it can take minutes"}});
  };
  absl::StatusOr<std::unique_ptr<Store>> store = OpenStore(store_options);
  if (!store.ok()) return store.status();
  server->store_ = *std::move(store);
  server->drain_ = options.drain;
  server->metered_store_ = std::make_unique<MeteredStore>(*server->store_, server->metrics_);

  absl::StatusOr<std::unique_ptr<TokenVerifier>> verifier =
      TokenVerifier::Create(TokenVerifierOptions{
          .jwks_path = options.jwks_path, .issuer = options.issuer, .audience = options.audience});
  if (!verifier.ok()) return verifier.status();
  server->verifier_ = *std::move(verifier);

  server->hub_ = std::make_unique<EventHub>(*server->metered_store_, EventHubOptions{});
  if (options.flag_escalation_after <= absl::ZeroDuration() ||
      options.flag_escalation_check <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "--flag_escalation_after and --flag_escalation_check must be positive durations");
  }
  const absl::Duration escalation_after = options.flag_escalation_after;
  server->homework_ = std::make_unique<Homework>(
      *server->metered_store_,
      HomeworkOptions{.practice_policy =
                          [escalation_after](absl::string_view) {
                            return PracticePolicy{.flag_escalation_after = escalation_after};
                          },
                      .events_committed = [hub = server->hub_.get()] { hub->Wake(); }});
  server->escalator_ = std::make_unique<SafetyFlagEscalator>(
      *server->homework_, options.flag_escalation_check, [&log](const absl::Status& status) {
        log.Write(LogLevel::kError, "flag_escalation",
                  {{"code", absl::StatusCodeToString(status.code())},
                   {"message", std::string(status.message())}});
      });
  if (options.blocking_threads < 0 || options.blocking_threads > 1024) {
    return absl::InvalidArgumentError(
        "--blocking_threads must be 0 (sized for the machine) to 1024");
  }
  server->pool_ =
      std::make_unique<BlockingPool>(BlockingPoolOptions{.threads = options.blocking_threads});
  server->audits_ = std::make_unique<AuditBatcher>(*server->metered_store_);
  // OpenStore puts a cache in front of SQLite and PostgreSQL (with --store_cache_bytes above 0);
  // only SQLite's is exact, so that reads may be tried on it alone. Behind PostgreSQL's, only
  // completions, and only when the store's writer threads take their commits (without them,
  // CommitThen would wait for PostgreSQL on gRPC's thread).
  const auto* cache = dynamic_cast<const CachedStore*>(server->store_.get());
  using StoreCache = HomeworkRpc::StoreCache;
  StoreCache store_cache = StoreCache::kNone;
  if (cache != nullptr && cache->exact()) {
    store_cache = StoreCache::kExact;
  } else if (cache != nullptr && options.postgres_commit_writers > 0) {
    store_cache = StoreCache::kShared;
  }
  server->rpc_ =
      std::make_unique<HomeworkRpc>(*server->homework_, *server->hub_, *server->verifier_,
                                    *server->pool_, *server->audits_, log, store_cache);

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  // TLS terminates at the platform's proxy or mesh in front of the service.
  builder.AddListeningPort(options.listen_address, grpc::InsecureServerCredentials(),
                           &server->port_);
  builder.RegisterService(server->rpc_.get());
  builder.SetMaxReceiveMessageSize(4 * 1024 * 1024);
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> interceptors;
  interceptors.push_back(std::make_unique<CallMetricsFactory>(server->metrics_));
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  server->grpc_server_ = builder.BuildAndStart();
  if (server->grpc_server_ == nullptr || server->port_ == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on --listen=", options.listen_address,
                                               " (address in use, or not host:port?)"));
  }

  if (!options.connect_listen_address.empty()) {
    absl::StatusOr<std::pair<std::string, int>> address =
        HostPort("--connect_listen", options.connect_listen_address);
    if (!address.ok()) return address.status();
    ConnectServerOptions connect{.http = options.http, .allowed_origins = options.cors_origins};
    connect.http.host = address->first;
    connect.http.port = address->second;
    connect.http.max_body_bytes = options.connect_max_request_bytes;
    connect.http.tls_cert_path = options.connect_tls_cert_path;
    connect.http.tls_key_path = options.connect_tls_key_path;
    absl::StatusOr<std::unique_ptr<ConnectServer>> started = ConnectServer::Start(
        connect, *server->homework_, *server->hub_, *server->verifier_, log, server->metrics_);
    if (!started.ok()) return started.status();
    server->connect_ = *std::move(started);
  }
  if (!options.metrics_listen_address.empty()) {
    absl::StatusOr<std::pair<std::string, int>> address =
        HostPort("--metrics_listen", options.metrics_listen_address);
    if (!address.ok()) return address.status();
    HttpListenerOptions metrics{.host = address->first,
                                .port = address->second,
                                .io_threads = 1,
                                .blocking_threads = 1,
                                .max_connections = 64};
    absl::StatusOr<std::unique_ptr<MetricsServer>> started =
        MetricsServer::Start(metrics, server->metrics_);
    if (!started.ok()) return started.status();
    server->metrics_server_ = *std::move(started);
  }
  EventHub* hub = server->hub_.get();
  MeteredStore* metered = server->metered_store_.get();
  server->metrics_.AddGauge("homework_event_hub_watchers",
                            "Open watch subscriptions (all listeners).",
                            [hub] { return static_cast<double>(hub->watchers()); });
  server->metrics_.AddGauge("homework_event_hub_lag_seconds",
                            "Age of the oldest event at the hub's last read (commit to hand-out).",
                            [hub] { return absl::ToDoubleSeconds(hub->lag()); });
  server->metrics_.AddGauge(
      "homework_store_commits_in_flight",
      "Store commits waiting or running (the group commit's queue).",
      [metered] { return static_cast<double>(metered->commits_in_flight()); });
  server->metrics_.AddGauge("homework_store_disk_full",
                            "1 while the store's disk is full: writes and audited reads fail.",
                            [metered] { return metered->disk_full() ? 1.0 : 0.0; });
  // A full disk, once per episode: one log line, and health's "homework.store" NOT_SERVING
  // until a write gets through again (the overall health stays SERVING, so the traffic that
  // proves the disk has room keeps coming).
  grpc::HealthCheckServiceInterface* health = server->grpc_server_->GetHealthCheckService();
  health->SetServingStatus(std::string(kStoreHealthName), true);
  metered->OnDiskFullChange([&log, health](bool full) {
    health->SetServingStatus(std::string(kStoreHealthName), !full);
    if (full) {
      log.Write(LogLevel::kError, "store_disk_full",
                {{"message",
                  "the store's disk is full: free space on its volume; writes and audited reads "
                  "fail with RESOURCE_EXHAUSTED until then, nothing acknowledged is lost"}});
    } else {
      log.Write(LogLevel::kInfo, "store_disk_has_room", {{"message", "writes get through again"}});
    }
  });
  server->metrics_.AddGauge("homework_audit_appends_in_flight",
                            "Audit records of reads waiting to be written.",
                            [metered] { return static_cast<double>(metered->audits_in_flight()); });
  server->grpc_server_->GetHealthCheckService()->SetServingStatus(kServiceName, true);
  server->grpc_server_->GetHealthCheckService()->SetServingStatus(true);
  return server;
}

void Server::Shutdown(absl::Duration grace) {
  if (stopped_) return;
  stopped_ = true;
  // Draining: health says NOT_SERVING and new calls are answered UNAVAILABLE (retry elsewhere)
  // while in-flight ones finish.
  if (grpc_server_ != nullptr) {
    grpc_server_->GetHealthCheckService()->SetServingStatus(kServiceName, false);
    grpc_server_->GetHealthCheckService()->SetServingStatus(false);
  }
  if (rpc_ != nullptr) rpc_->Drain();
  if (connect_ != nullptr) connect_->Drain();
  if (drain_ > absl::ZeroDuration()) absl::SleepFor(drain_);
  // Open event streams would otherwise hold the shutdown for the whole grace period: the hub
  // ends them all, gRPC and browser alike (their last frame says so).
  if (hub_ != nullptr) hub_->Close();
  const absl::Time deadline = absl::Now() + grace;
  if (connect_ != nullptr) connect_->Shutdown(grace);
  if (grpc_server_ != nullptr) {
    grpc_server_->Shutdown(
        std::chrono::system_clock::now() +
        absl::ToChronoMilliseconds(std::max(absl::ZeroDuration(), deadline - absl::Now())));
    grpc_server_->Wait();
  }
  // Every gRPC call has finished, so nothing is queued any more.
  if (pool_ != nullptr) pool_->Stop();
  if (metrics_server_ != nullptr) metrics_server_->Shutdown();
  // In-flight calls have finished: the store can close.
  connect_.reset();
  metrics_server_.reset();
  // The batcher answers its calls through the RPC glue: drained (empty by now, every call
  // having finished) while the glue still exists.
  audits_.reset();
  rpc_.reset();
  pool_.reset();
  escalator_.reset();
  homework_.reset();
  hub_.reset();
  metered_store_.reset();
  store_.reset();
}

Server::~Server() { Shutdown(absl::ZeroDuration()); }

}  // namespace therapy::homework
