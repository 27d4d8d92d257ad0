#ifndef BENCHMARKS_BENCH_ECHO_SERVER_H_
#define BENCHMARKS_BENCH_ECHO_SERVER_H_

#include <string>

namespace therapy::bench {

// The `--serve_echo` mode of homework-bench: serves therapy.bench.v1.Echo on 127.0.0.1 (a free
// port, written to `port_file`) with health checking, until SIGTERM or SIGINT. It uses the
// synchronous gRPC API with the ServerBuilder defaults, as homework-server does, so the baseline
// differs from the service only in the work the service does. Returns the process exit code.
int ServeEcho(const std::string& port_file);

}  // namespace therapy::bench

#endif  // BENCHMARKS_BENCH_ECHO_SERVER_H_
