#ifndef BENCHMARKS_BENCH_HOMEWORK_SERVER_PROCESS_H_
#define BENCHMARKS_BENCH_HOMEWORK_SERVER_PROCESS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "benchmarks/bench/served_process.h"
#include "services/homework/auth/dev_keys.h"

namespace therapy::bench {

// The practice every bench caller belongs to, and its therapist (on every seeded client's care
// team).
inline constexpr char kPractice[] = "bench";
inline constexpr char kTherapist[] = "dr-bench";

// `authorization` header values for the callers the bench plays.
struct Bearers {
  std::string service;    // role service, subject "platform": creates clients, records completions
  std::string therapist;  // role therapist, subject kTherapist: assigns, reads, summarises, watches
};

struct HomeworkServerOptions {
  std::string server_path;               // the homework-server binary
  std::string work_dir;                  // gets jwks.json, the port file and server.log
  std::string data_dir;                  // --data_dir
  std::string store_uri;                 // --store
  std::vector<std::string> extra_flags;  // appended to the command line as given
};

// The real homework-server binary in a child process on 127.0.0.1:0, trusting a signing key made
// for this run (so its peak memory can be read from /proc/<pid>/status), with its Connect
// listener on another port of 127.0.0.1.
class HomeworkServerProcess {
 public:
  static absl::StatusOr<std::unique_ptr<HomeworkServerProcess>> Start(
      const HomeworkServerOptions& options);

  ServedProcess& served() { return *served_; }
  const Bearers& bearers() const { return bearers_; }
  std::string log_path() const { return log_path_; }
  // The Connect listener's port (--connect_listen=127.0.0.1:0), for the connect scenario.
  int connect_port() const { return connect_port_; }

 private:
  HomeworkServerProcess() = default;

  std::unique_ptr<ServedProcess> served_;
  Bearers bearers_;
  std::string log_path_;
  int connect_port_ = 0;
};

}  // namespace therapy::bench

#endif  // BENCHMARKS_BENCH_HOMEWORK_SERVER_PROCESS_H_
