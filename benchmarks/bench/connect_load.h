#ifndef BENCHMARKS_BENCH_CONNECT_LOAD_H_
#define BENCHMARKS_BENCH_CONNECT_LOAD_H_

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "benchmarks/bench/unary_load.h"

namespace therapy::bench {

// Unary calls of one method over the Connect protocol (docs/connect-api.md): HTTP/1.1 POST
// `path` with a JSON (or binary) body, as a browser page with connect-web makes them.
struct ConnectCalls {
  int port = 0;               // the homework server's --connect_listen port on 127.0.0.1
  std::string path;           // "/therapy.homework.v1.HomeworkService/ListAssignments"
  std::string authorization;  // the Authorization header value, "Bearer ..."
  // The body of call number `sequence`. Called from the load threads, concurrently.
  std::function<std::string(uint64_t sequence)> body;
  // application/json or application/proto (Connect: `body` is the bare message), or
  // application/grpc-web+proto: then `body` is one enveloped binary message and a call's code
  // is the grpc-status of the answer's trailer frame.
  std::string content_type = "application/json";
};

// A closed loop like RunUnaryLoad, over HTTP/1.1: `options.concurrency` keep-alive connections
// (one call in flight on each, as HTTP/1.1 allows), each starting its next call as soon as the
// last one ended, for warm-up plus duration. Event-driven like the gRPC load (Boost.Beast's
// client on `options.polling_threads` I/O threads), so that the client costs about as much per
// call on either protocol: a thread per connection cost the bench more CPU than its gRPC client
// and left the server less of the 2 cores they share. A call counts as OK on HTTP 200 (for
// gRPC-Web, on grpc-status 0 in the trailer frame); otherwise by the Connect error code of its
// body (`unavailable` -> UNAVAILABLE, ...), UNAVAILABLE when there was no HTTP answer (the
// reasons are counted on stderr at the end). A connection the server closes (`Connection:
// close`) or that fails is replaced by a new one. Every call has a 10 s timeout. Stops early when
// Interrupted().
absl::StatusOr<UnaryLoadResult> RunConnectLoad(const UnaryLoadOptions& options,
                                               const ConnectCalls& calls);

}  // namespace therapy::bench

#endif  // BENCHMARKS_BENCH_CONNECT_LOAD_H_
