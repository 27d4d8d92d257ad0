// homework-server: flags in, options out, then the composition root serves until SIGTERM or
// SIGINT, and shuts down gracefully (in-flight calls finish, the store closes).

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/homework/server.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:50051", "gRPC address, host:port (port 0: any free port)");
ABSL_FLAG(std::string, data_dir, ".data", "Folder for the embedded store; created if missing");
ABSL_FLAG(std::string, store, "",
          "Store URI: sqlite:<path>, postgresql://... or memory: (default: sqlite:<data_dir>/homework.db)");
ABSL_FLAG(std::string, jwks, "", "Required. JWKS file (RFC 7517) with the token signing keys");
ABSL_FLAG(std::string, issuer, "homework-dev", "Required `iss` claim of bearer tokens");
ABSL_FLAG(std::string, audience, "therapy-homework", "Required `aud` claim of bearer tokens");
ABSL_FLAG(std::string, port_file, "", "If set, the bound port is written here once serving");
ABSL_FLAG(std::string, connect_listen, "",
          "Connect protocol (browser) address, host:port (port 0: any free port); empty: off");
ABSL_FLAG(std::vector<std::string>, cors_origins, {},
          "Comma-separated origins (scheme://host[:port]) whose pages may call the Connect "
          "listener");
ABSL_FLAG(int64_t, connect_max_request_bytes, 1024 * 1024,
          "Larger Connect request bodies are refused (HTTP 413, resource_exhausted)");
ABSL_FLAG(int, connect_threads, 64,
          "Connect listener worker threads (2-4096); each open connection and each WatchEvents "
          "stream holds one while it lasts");
ABSL_FLAG(std::string, connect_tls_cert, "",
          "PEM certificate chain: the Connect listener serves HTTPS");
ABSL_FLAG(std::string, connect_tls_key, "", "PEM private key of --connect_tls_cert");
ABSL_FLAG(std::string, connect_port_file, "",
          "If set, the bound Connect port is written here once serving");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(10),
          "How long in-flight calls may run after SIGTERM");

namespace {

using therapy::homework::JsonLog;
using therapy::homework::LogLevel;

// Writes the port atomically (write, then rename) so a watcher never reads half a file.
bool WritePortFile(const std::string& path, int port) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << port << "\n";
    if (!out.good()) return false;
  }
  std::error_code error;
  std::filesystem::rename(temporary, path, error);
  return !error;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("Serves therapy.homework.v1.HomeworkService over gRPC.");
  absl::ParseCommandLine(argc, argv);
#ifdef NDEBUG
  // Debian builds Abseil with its mutex deadlock detector on, which records a lock-order graph
  // on every contended lock (several per cent of a loaded server's CPU). Debug builds and tests
  // keep it; release builds do not pay for it.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
#endif
  JsonLog log(stderr);

  therapy::homework::ServerOptions options{
      .listen_address = absl::GetFlag(FLAGS_listen),
      .store_uri = absl::GetFlag(FLAGS_store),
      .jwks_path = absl::GetFlag(FLAGS_jwks),
      .issuer = absl::GetFlag(FLAGS_issuer),
      .audience = absl::GetFlag(FLAGS_audience),
      .connect_listen_address = absl::GetFlag(FLAGS_connect_listen),
      .cors_origins = absl::GetFlag(FLAGS_cors_origins),
      .connect_tls_cert_path = absl::GetFlag(FLAGS_connect_tls_cert),
      .connect_tls_key_path = absl::GetFlag(FLAGS_connect_tls_key),
  };
  if (absl::GetFlag(FLAGS_connect_max_request_bytes) <= 0) {
    log.Write(LogLevel::kError, "startup_failed",
              {{"message", "--connect_max_request_bytes must be positive"}});
    return 2;
  }
  options.connect_max_request_bytes =
      static_cast<size_t>(absl::GetFlag(FLAGS_connect_max_request_bytes));
  if (absl::GetFlag(FLAGS_connect_threads) < 2 || absl::GetFlag(FLAGS_connect_threads) > 4096) {
    log.Write(LogLevel::kError, "startup_failed", {{"message", "--connect_threads must be 2-4096"}});
    return 2;
  }
  options.connect_threads = absl::GetFlag(FLAGS_connect_threads);
  if (options.jwks_path.empty()) {
    log.Write(LogLevel::kError, "startup_failed",
              {{"message", "--jwks is required: the JWKS file of the token signing keys "
                           "(homework-ctl keygen makes a development one)"}});
    return 2;
  }
  if (options.store_uri.empty()) {
    const std::filesystem::path data_dir = absl::GetFlag(FLAGS_data_dir);
    std::error_code error;
    std::filesystem::create_directories(data_dir, error);
    if (error) {
      log.Write(LogLevel::kError, "startup_failed",
                {{"message", absl::StrCat("cannot create --data_dir=", data_dir.string(), ": ",
                                          error.message())}});
      return 2;
    }
    options.store_uri = absl::StrCat("sqlite:", (data_dir / "homework.db").string());
  }

  // Block the shutdown signals in every thread (gRPC's included) and wait for them here.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto server = therapy::homework::Server::Start(options, log);
  if (!server.ok()) {
    log.Write(LogLevel::kError, "startup_failed",
              {{"code", absl::StatusCodeToString(server.status().code())},
               {"message", std::string(server.status().message())}});
    return 1;
  }
  const std::string port_file = absl::GetFlag(FLAGS_port_file);
  if (!port_file.empty() && !WritePortFile(port_file, (*server)->port())) {
    log.Write(LogLevel::kError, "startup_failed",
              {{"message", absl::StrCat("cannot write --port_file=", port_file)}});
    return 1;
  }
  const std::string connect_port_file = absl::GetFlag(FLAGS_connect_port_file);
  if (!connect_port_file.empty() &&
      !WritePortFile(connect_port_file, (*server)->connect_port())) {
    log.Write(LogLevel::kError, "startup_failed",
              {{"message", absl::StrCat("cannot write --connect_port_file=", connect_port_file)}});
    return 1;
  }
  log.Write(LogLevel::kInfo, "serving",
            {{"port", (*server)->port()},
             {"connect_port", (*server)->connect_port()},
             {"store", options.store_uri.substr(0, options.store_uri.find(':'))}});

  int signal_number = 0;
  sigwait(&signals, &signal_number);
  log.Write(LogLevel::kInfo, "shutting_down", {{"signal", signal_number}});
  (*server)->Shutdown(absl::GetFlag(FLAGS_shutdown_grace));
  log.Write(LogLevel::kInfo, "stopped");
  return 0;
}
