// homework-server: flags in, options out, then the composition root serves until SIGTERM or
// SIGINT, and shuts down gracefully (in-flight calls finish, the store closes).

#include <algorithm>
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

ABSL_FLAG(std::string, listen, "127.0.0.1:50051",
          "gRPC address, host:port (port 0: any free port)");
ABSL_FLAG(std::string, data_dir, ".data", "Folder for the embedded store; created if missing");
ABSL_FLAG(std::string, store, "",
          "Store URI: sqlite:<path>, postgresql://... or memory: (default: "
          "sqlite:<data_dir>/homework.db)");
ABSL_FLAG(int64_t, store_cache_mb,
          static_cast<int64_t>(therapy::homework::ServerOptions{}.store_cache_bytes >> 20),
          "sqlite: stores: MiB of clients and assignments kept in memory for point reads "
          "(authorisation's care team, the assignment a call names); 0: none. postgresql:// "
          "stores (replicas write the same rows): only the assignment a completion is decided "
          "on, which its commit checks. Ignored for memory:");
ABSL_FLAG(int, postgres_connections, therapy::homework::ServerOptions{}.postgres_connections,
          "postgresql:// stores: connections to the database this server opens at most "
          "(1-1000); a call that finds them all busy waits up to 5 s for one, then is "
          "UNAVAILABLE. Ignored for sqlite: and memory:");
ABSL_FLAG(int, postgres_commit_writers, therapy::homework::ServerOptions{}.postgres_commit_writers,
          "postgresql:// stores: threads that send the writes of calls in flight together, "
          "several in one transaction and one round trip (0-64; 0: each write in its own "
          "transaction). Ignored for sqlite: and memory:");
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
ABSL_FLAG(int, blocking_threads, 0,
          "Threads running the core's blocking work of gRPC calls (store reads, commits, audit "
          "appends); 0: 8 per core, at least 64, at most 256");
ABSL_FLAG(int, http_io_threads, 2,
          "Browser listener: event-loop threads serving every connection (1-64)");
ABSL_FLAG(int, http_blocking_threads, 8,
          "Browser listener: threads running core calls off the event loop (1-256)");
ABSL_FLAG(int, http_inline_threads, 1,
          "Browser listener: event-loop threads that may run a short read (a side-effect-free "
          "unary call) themselves instead of handing it to the blocking threads (0 to "
          "http_io_threads - 1)");
ABSL_FLAG(int64_t, http_max_connections, 20000,
          "Browser listener: open connections at most; over it, the longest idle one is closed");
ABSL_FLAG(absl::Duration, http_header_timeout, absl::Seconds(10),
          "Browser listener: from a request's first byte to the end of its headers");
ABSL_FLAG(absl::Duration, http_body_timeout, absl::Seconds(30),
          "Browser listener: from the end of the headers to the end of the body");
ABSL_FLAG(absl::Duration, http_idle_timeout, absl::Seconds(60),
          "Browser listener: a kept-alive connection waiting for its next request");
ABSL_FLAG(std::string, metrics_listen, "",
          "Also serve GET /metrics on this host:port (port 0: any free port); empty: only on "
          "the browser listener");
ABSL_FLAG(std::string, metrics_port_file, "",
          "If set, the bound --metrics_listen port is written here once serving");
ABSL_FLAG(absl::Duration, log_flush_interval, absl::Milliseconds(20),
          "Info lines (one per call) are written together at most this long after the first "
          "of them; warnings and errors at once, with what precedes them. 0: each line at once");
ABSL_FLAG(absl::Duration, shutdown_drain, absl::ZeroDuration(),
          "After SIGTERM, answer UNAVAILABLE (health NOT_SERVING) this long before stopping");
ABSL_FLAG(std::string, connect_tls_cert, "",
          "PEM certificate chain: the Connect listener serves HTTPS");
ABSL_FLAG(std::string, connect_tls_key, "", "PEM private key of --connect_tls_cert");
ABSL_FLAG(std::string, connect_port_file, "",
          "If set, the bound Connect port is written here once serving");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(10),
          "How long in-flight calls may run after SIGTERM");
ABSL_FLAG(absl::Duration, flag_escalation_after, absl::Minutes(60),
          "An urgent flag not acknowledged this long after it was raised escalates");
ABSL_FLAG(absl::Duration, flag_escalation_check, absl::Seconds(15),
          "How often the server looks for urgent flags due to escalate");

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
      .blocking_threads = absl::GetFlag(FLAGS_blocking_threads),
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
  const int64_t store_cache_mb = absl::GetFlag(FLAGS_store_cache_mb);
  if (store_cache_mb < 0 || store_cache_mb > 1024 * 1024) {
    log.Write(LogLevel::kError, "startup_failed",
              {{"message", "--store_cache_mb must be 0 (no cache) to 1048576"}});
    return 2;
  }
  options.store_cache_bytes = static_cast<size_t>(store_cache_mb) << 20;
  options.postgres_connections = absl::GetFlag(FLAGS_postgres_connections);
  if (options.postgres_connections < 1 || options.postgres_connections > 1000) {
    log.Write(LogLevel::kError, "startup_failed",
              {{"message", "--postgres_connections must be 1 to 1000"}});
    return 2;
  }
  options.postgres_commit_writers = absl::GetFlag(FLAGS_postgres_commit_writers);
  if (options.postgres_commit_writers < 0 || options.postgres_commit_writers > 64) {
    log.Write(LogLevel::kError, "startup_failed",
              {{"message", "--postgres_commit_writers must be 0 to 64"}});
    return 2;
  }
  const int io_threads = absl::GetFlag(FLAGS_http_io_threads);
  const int blocking_threads = absl::GetFlag(FLAGS_http_blocking_threads);
  const int inline_threads = absl::GetFlag(FLAGS_http_inline_threads);
  const int64_t max_connections = absl::GetFlag(FLAGS_http_max_connections);
  if (io_threads < 1 || io_threads > 64 || blocking_threads < 1 || blocking_threads > 256 ||
      inline_threads < 0 || inline_threads >= std::max(io_threads, 2) || max_connections < 1) {
    log.Write(LogLevel::kError, "startup_failed",
              {{"message",
                "--http_io_threads must be 1-64, --http_blocking_threads 1-256, "
                "--http_inline_threads 0 to --http_io_threads - 1 (0 or 1 with one "
                "I/O thread, where it has no effect), --http_max_connections "
                "positive"}});
    return 2;
  }
  options.http = therapy::homework::HttpListenerOptions{
      .io_threads = io_threads,
      .blocking_threads = blocking_threads,
      .inline_threads = inline_threads,
      .max_connections = static_cast<size_t>(max_connections),
      .header_timeout = absl::GetFlag(FLAGS_http_header_timeout),
      .body_timeout = absl::GetFlag(FLAGS_http_body_timeout),
      .idle_timeout = absl::GetFlag(FLAGS_http_idle_timeout),
  };
  options.metrics_listen_address = absl::GetFlag(FLAGS_metrics_listen);
  options.flag_escalation_after = absl::GetFlag(FLAGS_flag_escalation_after);
  options.flag_escalation_check = absl::GetFlag(FLAGS_flag_escalation_check);
  options.drain = absl::GetFlag(FLAGS_shutdown_drain);
  const absl::Duration log_flush_interval = absl::GetFlag(FLAGS_log_flush_interval);
  if (log_flush_interval < absl::ZeroDuration() || log_flush_interval > absl::Seconds(10)) {
    log.Write(LogLevel::kError, "startup_failed",
              {{"message", "--log_flush_interval must be 0 (each line at once) to 10s"}});
    return 2;
  }
  if (options.jwks_path.empty()) {
    log.Write(LogLevel::kError, "startup_failed",
              {{"message",
                "--jwks is required: the JWKS file of the token signing keys "
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
  // The log's writer thread takes that mask too (a signal meant for sigwait must not end the
  // process in it).
  log.BufferBelowWarning(log_flush_interval);

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
  if (!connect_port_file.empty() && !WritePortFile(connect_port_file, (*server)->connect_port())) {
    log.Write(LogLevel::kError, "startup_failed",
              {{"message", absl::StrCat("cannot write --connect_port_file=", connect_port_file)}});
    return 1;
  }
  const std::string metrics_port_file = absl::GetFlag(FLAGS_metrics_port_file);
  if (!metrics_port_file.empty() && !WritePortFile(metrics_port_file, (*server)->metrics_port())) {
    log.Write(LogLevel::kError, "startup_failed",
              {{"message", absl::StrCat("cannot write --metrics_port_file=", metrics_port_file)}});
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
