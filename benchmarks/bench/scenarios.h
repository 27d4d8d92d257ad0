#ifndef BENCHMARKS_BENCH_SCENARIOS_H_
#define BENCHMARKS_BENCH_SCENARIOS_H_

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "benchmarks/bench/homework_server_process.h"
#include "benchmarks/bench/pgbench_baseline.h"
#include "benchmarks/bench/report.h"
#include "benchmarks/bench/seed.h"
#include "benchmarks/bench/served_process.h"
#include "benchmarks/bench/watch_load.h"

namespace therapy::bench {

enum class Scenario {
  kRead,      // ListAssignments of a seeded client's active assignments
  kGet,       // GetAssignment of one of the seeded active assignments
  kSummary,   // GetReviewSummary of a seeded client
  kComplete,  // CreateCompletion with a fresh request_id (a durable write)
  kWatch,     // N WatchEvents streams, completions written at a modest rate
  kConnect,   // the read's ListAssignments over gRPC and over Connect (HTTP/1.1, JSON)
  kEdge,      // the browser edge: a Connect caller beside idle + slowloris connections, then
              // the read over Connect, gRPC-Web and gRPC, then N browser watch streams' memory
};

// The edge scenario's hostile load (docs/decisions/0012-event-driven-http-edge.md).
struct EdgeOptions {
  int idle = 10000;       // TCP connections that never send a byte
  int slow = 1000;        // slowloris connections: a partial header, a byte every 2 s
  int watch_streams = 0;  // then this many Connect WatchEvents streams, to weigh the server
};

// "read", "get", "complete", "summary", "watch", "connect", "edge", or "all" (read, summary,
// complete, watch: the summary runs before complete adds completions). INVALID_ARGUMENT
// otherwise.
absl::StatusOr<std::vector<Scenario>> ParseScenarios(absl::string_view text);
std::string ScenarioName(Scenario scenario);

struct BenchOptions {
  std::vector<Scenario> scenarios;
  std::vector<int> concurrency;  // unary scenarios run once at each, 1..kMaxConcurrency
  absl::Duration warmup = absl::Seconds(1);
  absl::Duration duration = absl::Seconds(10);
  int polling_threads = 1;
  // Connections each unary load (echo, health and the scenario's gRPC calls) spreads its calls
  // over, round-robin by call number, each with `concurrency` calls in flight on average.
  int connections = 1;
  // Above 0: unary loads (echo, health and the scenario's) are open loops at this many calls a
  // second, with at most `concurrency` in flight (RunUnaryLoad).
  double rate = 0;
  int echo_payload_bytes = 64;
  std::string store_label;  // for the report: "sqlite", "postgres", ...
  std::string store_dir;    // the SQLite store's folder, whose growth is reported; or ""
  WatchLoadOptions watch;   // `assignment` is chosen by the bench
  EdgeOptions edge;
  // On the bench's own PostgreSQL cluster: pgbench's single-row INSERT, run right after each
  // complete load at as many clients as it had calls in flight.
  std::optional<PgbenchBaseline> pgbench;
};

// Runs each scenario (at each concurrency), each right after the echo baseline under the same
// load and duration, printing each measurement's figures to `out` as it ends and the summary
// table at the end; progress goes to stderr. `seed` says what the store holds (it must be
// complete). Returns the figures; an error when a load could not run at all (a scenario whose
// calls fail is measured and reported, not an error).
absl::StatusOr<std::vector<Figures>> RunBench(const BenchOptions& options,
                                              HomeworkServerProcess& server, ServedProcess& echo,
                                              const SeedManifest& seed, std::ostream& out);

}  // namespace therapy::bench

#endif  // BENCHMARKS_BENCH_SCENARIOS_H_
