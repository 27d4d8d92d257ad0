#ifndef INTEGRATION_TESTS_SERVER_PROCESS_H_
#define INTEGRATION_TESTS_SERVER_PROCESS_H_

#include <sys/types.h>

#include <csignal>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/homework/auth/dev_keys.h"
#include "testing/child_process.h"
#include "testing/scratch_dir.h"
#include "therapy/homework/v1/homework_service.grpc.pb.h"

namespace therapy::homework::testing {

// How to start the server under test.
struct ServerOptions {
  // The `--store` flag; empty means the server's default (SQLite in the data dir).
  std::string store;
  // A JWKS file to trust instead of the fixture's own key (for tests that make keys with
  // homework-ctl). Tokens from ServerProcess::Token() do not verify against it.
  std::optional<std::string> jwks_path;
  // The key whose JWKS the server trusts and Token() signs with; a fresh one when unset. Give
  // several servers the same key to run them as replicas that accept the same tokens.
  std::optional<SigningKey> signing_key;
  // Also serve the Connect protocol (`--connect_listen=127.0.0.1:0`); connect_port() tells where.
  bool connect = false;
  // Serve it over TLS (HTTPS and wss://) with a self-signed P-256 certificate for 127.0.0.1 that
  // Start() makes with the openssl command in the server's folder; implies `connect`. Clients
  // do not verify it.
  bool connect_tls = false;
  // More flags for the binary, passed as given (e.g. "--cors_origins=http://a.test").
  std::vector<std::string> extra_flags;
  // How long start-up (port file, then health SERVING) may take.
  absl::Duration start_timeout = absl::Seconds(20);
};

// grpc.health.v1.Health/Check for `service` ("" for the whole server) over `channel`: the
// answer's status (1 SERVING, 2 NOT_SERVING, 0 UNKNOWN), or -1 when the call failed.
int HealthStatus(const std::shared_ptr<grpc::Channel>& channel, const std::string& service);

// The real `homework-server` binary in a child process, for tests that talk to it over gRPC.
//
// Start() makes a fresh temporary folder holding the data dir, a signing key and its JWKS,
// spawns the server on 127.0.0.1 with port 0 and `--port_file`, and returns once the server
// answers grpc.health.v1.Health/Check with SERVING. The server's stderr is kept in a file and
// its tail is part of every failure message. The destructor kills a still-running server and
// removes the folder, unless the current test failed, in which case it is kept and named.
//
// Not thread-safe: one test thread drives it.
class ServerProcess {
 public:
  static absl::StatusOr<std::unique_ptr<ServerProcess>> Start(ServerOptions options = {});

  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;
  ~ServerProcess();

  // Sends `signal` and reaps the process (SIGKILL: no chance to clean up).
  absl::Status Kill(int signal = SIGKILL);

  // SIGTERM, then waits up to `timeout` for the exit. OK only for exit code 0; otherwise the
  // error carries the exit code and the stderr tail.
  absl::Status Stop(absl::Duration timeout = absl::Seconds(15));

  // Starts the binary again on the same data dir and keys (after Kill or Stop). The port
  // changes: take address() and NewStub() afresh.
  absl::Status Restart();

  bool running() const { return child_.has_value() && child_->running(); }
  // "127.0.0.1:PORT" of the current run.
  const std::string& address() const { return address_; }
  // The Connect listener's port of the current run (ServerOptions::connect); 0 when off.
  int connect_port() const { return connect_port_; }
  const std::string& data_dir() const { return data_dir_; }
  // The temporary folder of this server: data dir, keys, logs. Tests may put scratch files here.
  const std::string& work_dir() const { return work_dir_; }
  const std::string& stderr_path() const { return stderr_path_; }

  // A channel and stub to the current run.
  std::shared_ptr<grpc::Channel> NewChannel() const;
  std::unique_ptr<v1::HomeworkService::Stub> NewStub() const;

  // A token signed with the key the server trusts (unless ServerOptions::jwks_path was set).
  std::string Token(const TokenClaims& claims, absl::Time now = absl::Now()) const;
  std::string Token(const std::string& subject, const std::string& role,
                    const std::string& practice) const;

  // The last lines of the server's stderr (all runs), for failure messages.
  std::string StderrTail(int max_lines = 30) const;

  // The last `max_lines` of the server's stderr once they contain `text`, or after 10 s
  // whatever they hold then. A call's log line is written up to --log_flush_interval after its
  // answer (ADR 0033), and a line kept in memory is never written ahead of one before it, so a
  // check that something is absent from the log starts from here, with `text` a line of a call
  // after it.
  std::string LogOnceItHas(absl::string_view text, int max_lines = 200) const;

 private:
  ServerProcess(ServerOptions options, ScratchDir work_dir, SigningKey key);

  // Spawns the binary and waits for the port file and health SERVING.
  absl::Status Launch();
  absl::Status WaitUntilServing(absl::Time deadline);
  absl::Status Failure(absl::string_view what) const;

  ServerOptions options_;
  ScratchDir scratch_;  // removed last, after the server is gone
  std::string work_dir_;
  std::string data_dir_;
  std::string jwks_path_;
  std::string port_file_;
  std::string stderr_path_;
  SigningKey key_;
  std::optional<ChildProcess> child_;
  std::string address_;
  std::string connect_port_file_;
  int connect_port_ = 0;
};

// A ClientContext carrying `authorization: Bearer <token>` (none when `token` is empty) and a
// 10-second deadline.
std::unique_ptr<grpc::ClientContext> ContextWithToken(const std::string& token);

}  // namespace therapy::homework::testing

#endif  // INTEGRATION_TESTS_SERVER_PROCESS_H_
