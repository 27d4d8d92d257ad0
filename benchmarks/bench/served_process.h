#ifndef BENCHMARKS_BENCH_SERVED_PROCESS_H_
#define BENCHMARKS_BENCH_SERVED_PROCESS_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <grpcpp/channel.h>
#include <grpcpp/support/status.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "testing/child_process.h"

namespace therapy::bench {

// How to start a gRPC server program that takes `--port_file`.
struct ServedProcessOptions {
  std::vector<std::string> argv;  // program path and its flags, without --port_file
  std::string port_file;          // appended as --port_file=...; removed before the start
  std::string output_path;        // the program's stdout and stderr, appended
  absl::Duration start_timeout = absl::Seconds(30);
};

// A gRPC server in a child process on 127.0.0.1, ready once it has written its port file and
// answers grpc.health.v1.Health/Check with SERVING.
class ServedProcess {
 public:
  // UNAVAILABLE with the tail of the program's output when it exits or does not serve in time.
  static absl::StatusOr<std::unique_ptr<ServedProcess>> Start(ServedProcessOptions options);

  const std::string& address() const { return address_; }  // "127.0.0.1:PORT"
  pid_t pid() const { return child_.pid(); }

  // A channel of its own (own connection when `separate_connection`, so channels made for
  // separate connections never share one).
  std::shared_ptr<grpc::Channel> NewChannel(bool separate_connection = false) const;

  // SIGTERM, then SIGKILL after `grace`. The exit code (128 + signal when ended by a signal);
  // DEADLINE_EXCEEDED when it had to be killed.
  absl::StatusOr<int> Stop(absl::Duration grace);

  // The last `lines` lines of the program's output.
  std::string OutputTail(int lines = 20) const;

 private:
  ServedProcess(ServedProcessOptions options, homework::testing::ChildProcess child)
      : options_(std::move(options)), child_(std::move(child)) {}
  absl::Status WaitUntilServing();

  ServedProcessOptions options_;
  homework::testing::ChildProcess child_;
  std::string address_;
};

}  // namespace therapy::bench

#endif  // BENCHMARKS_BENCH_SERVED_PROCESS_H_
