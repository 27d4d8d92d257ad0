#include "services/homework/server.h"

#include <chrono>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"
#include "services/homework/storage/open_store.h"

namespace therapy::homework {

absl::StatusOr<std::unique_ptr<Server>> Server::Start(const ServerOptions& options,
                                                      JsonLog& log) {
  std::unique_ptr<Server> server(new Server());

  absl::StatusOr<std::unique_ptr<Store>> store = OpenStore(StoreOptions{.uri = options.store_uri});
  if (!store.ok()) return store.status();
  server->store_ = *std::move(store);

  absl::StatusOr<std::unique_ptr<TokenVerifier>> verifier =
      TokenVerifier::Create(TokenVerifierOptions{.jwks_path = options.jwks_path,
                                                 .issuer = options.issuer,
                                                 .audience = options.audience});
  if (!verifier.ok()) return verifier.status();
  server->verifier_ = *std::move(verifier);

  server->hub_ = std::make_unique<EventHub>(*server->store_, EventHubOptions{});
  server->notifying_store_ = std::make_unique<HubNotifyingStore>(*server->store_, *server->hub_);
  server->homework_ = std::make_unique<Homework>(*server->notifying_store_, HomeworkOptions{});
  server->rpc_ = std::make_unique<HomeworkRpc>(*server->homework_, *server->hub_,
                                               *server->verifier_, log);

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  // TLS terminates at the platform's proxy or mesh in front of the service.
  builder.AddListeningPort(options.listen_address, grpc::InsecureServerCredentials(),
                           &server->port_);
  builder.RegisterService(server->rpc_.get());
  builder.SetMaxReceiveMessageSize(4 * 1024 * 1024);
  server->grpc_server_ = builder.BuildAndStart();
  if (server->grpc_server_ == nullptr || server->port_ == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on --listen=", options.listen_address,
                     " (address in use, or not host:port?)"));
  }

  if (!options.connect_listen_address.empty()) {
    const std::string& address = options.connect_listen_address;
    const size_t colon = address.rfind(':');
    int connect_port = -1;
    if (colon == std::string::npos || !absl::SimpleAtoi(address.substr(colon + 1), &connect_port) ||
        connect_port < 0 || connect_port > 65535) {
      return absl::InvalidArgumentError(
          absl::StrCat("--connect_listen=", address, " is not host:port"));
    }
    absl::StatusOr<std::unique_ptr<ConnectServer>> connect = ConnectServer::Start(
        ConnectServerOptions{.host = address.substr(0, colon),
                             .port = connect_port,
                             .allowed_origins = options.cors_origins,
                             .max_request_bytes = options.connect_max_request_bytes,
                             .tls_cert_path = options.connect_tls_cert_path,
                             .tls_key_path = options.connect_tls_key_path,
                             .threads = options.connect_threads},
        *server->homework_, *server->verifier_, log);
    if (!connect.ok()) return connect.status();
    server->connect_ = *std::move(connect);
  }
  server->grpc_server_->GetHealthCheckService()->SetServingStatus(true);
  return server;
}

void Server::Shutdown(absl::Duration grace) {
  if (stopped_) return;
  stopped_ = true;
  // Open event streams would otherwise hold the shutdown for the whole grace period: the hub
  // ends the gRPC ones, StopWatching the Connect ones (the blocking use case).
  if (hub_ != nullptr) hub_->Close();
  if (homework_ != nullptr) homework_->StopWatching();
  // The Connect listener's workers end with their streams; it stops before the store closes.
  if (connect_ != nullptr) connect_->Shutdown();
  if (grpc_server_ != nullptr) {
    grpc_server_->GetHealthCheckService()->SetServingStatus(false);
    grpc_server_->Shutdown(std::chrono::system_clock::now() +
                           absl::ToChronoMilliseconds(grace));
    grpc_server_->Wait();
  }
  // In-flight calls have finished: the store can close.
  connect_.reset();
  rpc_.reset();
  homework_.reset();
  notifying_store_.reset();
  hub_.reset();
  store_.reset();
}

Server::~Server() { Shutdown(absl::ZeroDuration()); }

}  // namespace therapy::homework
