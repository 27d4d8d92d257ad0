#include "benchmarks/bench/echo_server.h"

#include <signal.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>

#include "benchmarks/bench/echo.grpc.pb.h"

namespace therapy::bench {
namespace {

class EchoService final : public v1::Echo::Service {
  grpc::Status Echo(grpc::ServerContext*, const v1::EchoRequest* request,
                    v1::EchoResponse* response) override {
    response->set_payload(request->payload());
    return grpc::Status::OK;
  }
};

}  // namespace

int ServeEcho(const std::string& port_file) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  EchoService service;
  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    std::fprintf(stderr, "echo: cannot listen on 127.0.0.1:0\n");
    return 1;
  }
  server->GetHealthCheckService()->SetServingStatus(true);
  {
    const std::string temporary = port_file + ".tmp";
    std::ofstream(temporary) << port << "\n";
    std::error_code error;
    std::filesystem::rename(temporary, port_file, error);
    if (error) {
      std::fprintf(stderr, "echo: cannot write %s\n", port_file.c_str());
      return 1;
    }
  }
  int signal_number = 0;
  sigwait(&signals, &signal_number);
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
  server->Wait();
  return 0;
}

}  // namespace therapy::bench
