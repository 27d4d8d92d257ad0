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

// A closed loop like RunUnaryLoad, over HTTP/1.1: `options.concurrency` threads, each with its
// own keep-alive connection (cpp-httplib's client; one call in flight per connection, as
// HTTP/1.1 allows), each starting its next call as soon as the last one ended, for warm-up plus
// duration. A call counts as OK on HTTP 200; otherwise by the Connect error code of its body
// (`unavailable` -> UNAVAILABLE, ...), UNAVAILABLE when there was no HTTP answer (the reasons,
// httplib's, are counted on stderr at the end). The client
// reconnects by itself when the server closes a connection (it does after a few calls, and
// after 2 s idle). Every call has a 10 s read timeout. Stops early when Interrupted().
// `options.polling_threads` is not used.
absl::StatusOr<UnaryLoadResult> RunConnectLoad(const UnaryLoadOptions& options,
                                               const ConnectCalls& calls);

}  // namespace therapy::bench

#endif  // BENCHMARKS_BENCH_CONNECT_LOAD_H_
