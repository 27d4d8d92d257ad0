#ifndef BENCHMARKS_BENCH_ECHO_SERVER_H_
#define BENCHMARKS_BENCH_ECHO_SERVER_H_

#include <string>

namespace therapy::bench {

// The `--serve_echo` mode of homework-bench: serves, on 127.0.0.1 (a free port, written to
// `port_file`) with health checking, until SIGTERM or SIGINT:
// - therapy.bench.v1.Echo, the unary baseline: the synchronous gRPC API with the ServerBuilder
//   defaults, a bare RPC with none of the service's work;
// - therapy.bench.v1.Fanout, the watch scenario's baseline: streams on the callback API that carry
//   each broadcast event's bytes, made once, with none of the service's work.
// Returns the process exit code.
int ServeEcho(const std::string& port_file);

}  // namespace therapy::bench

#endif  // BENCHMARKS_BENCH_ECHO_SERVER_H_
