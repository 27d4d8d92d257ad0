#ifndef SERVICES_HOMEWORK_CONNECT_CONNECT_SERVER_H_
#define SERVICES_HOMEWORK_CONNECT_CONNECT_SERVER_H_

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "services/homework/auth/token_verifier.h"
#include "services/homework/connect/connect_routes.h"
#include "services/homework/core/homework.h"
#include "services/homework/logging/json_log.h"

namespace httplib {
class Server;
struct Response;
}  // namespace httplib

namespace therapy::homework {

struct ConnectServerOptions {
  std::string host = "127.0.0.1";
  int port = 0;  // 0: any free port; ConnectServer::port() tells which
  // Origins (scheme://host[:port], exact match) whose browsers may call; others get no CORS
  // headers, so their pages cannot read the answers.
  std::vector<std::string> allowed_origins;
  // Larger request bodies are refused with HTTP 413 and Connect code resource_exhausted.
  std::size_t max_request_bytes = 1024 * 1024;
  // Both set: serve HTTPS with this PEM certificate chain and key; both empty: plain HTTP.
  std::string tls_cert_path;
  std::string tls_key_path;
  // Worker threads. cpp-httplib serves a connection on one worker for as long as it is kept
  // alive, so each open connection and each WatchEvents stream holds one.
  int threads = 64;
};

// The browser-facing listener: HomeworkService over the Connect protocol (docs/connect-api.md)
// on cpp-httplib's own threads, calling the same core as the gRPC listener. Start() fails with
// a message naming the option at fault (UNAVAILABLE for a port in use, INVALID_ARGUMENT for bad
// TLS files). The core, verifier and log must outlive it.
class ConnectServer {
 public:
  static absl::StatusOr<std::unique_ptr<ConnectServer>> Start(const ConnectServerOptions& options,
                                                              Homework& homework,
                                                              const TokenVerifier& verifier,
                                                              JsonLog& log);
  ~ConnectServer();

  // The port actually bound.
  int port() const { return port_; }

  // Stops accepting, waits for the worker threads and the streams' threads (open streams must
  // have been ended first, with Homework::StopWatching). Safe to call more than once.
  void Shutdown();

 private:
  ConnectServer(const ConnectServerOptions& options, Homework& homework,
                const TokenVerifier& verifier, JsonLog& log);
  void Route();
  // WatchEvents: the core on its own thread, frames written by the HTTP worker.
  void ServeWatch(ConnectCall call, const std::string& content_type, httplib::Response& response);
  void JoinWatchThreads();
  // Runs `body` on a new thread that Shutdown joins; joins the threads that have finished.
  void StartWatchThread(std::function<void()> body);

  struct WatchThread {
    std::thread thread;
    std::shared_ptr<bool> done;  // guarded by watch_mutex_
  };

  ConnectServerOptions options_;
  ConnectRoutes routes_;
  std::unique_ptr<httplib::Server> http_;
  std::thread listener_;
  absl::Mutex watch_mutex_;
  std::vector<WatchThread> watch_threads_ ABSL_GUARDED_BY(watch_mutex_);
  int open_streams_ ABSL_GUARDED_BY(watch_mutex_) = 0;  // answers still being written
  int port_ = 0;
};

}  // namespace therapy::homework

#endif  // SERVICES_HOMEWORK_CONNECT_CONNECT_SERVER_H_
