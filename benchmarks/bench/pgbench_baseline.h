#ifndef BENCHMARKS_BENCH_PGBENCH_BASELINE_H_
#define BENCHMARKS_BENCH_PGBENCH_BASELINE_H_

// The yardstick of a durable write on PostgreSQL (issue 16): PostgreSQL's own pgbench making
// single-row INSERTs into pgbench_history, on the bench's private cluster and in the same run
// as the CreateCompletion load, with as many clients as that load has calls in flight. A
// completion that PostgreSQL commits costs at least one such commit; the ratio says how much
// the service adds on top.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace therapy::bench {

struct PgbenchOptions {
  std::string program = "/usr/lib/postgresql/15/bin/pgbench";
  std::string uri;       // a database of the cluster for pgbench alone (it makes its tables)
  std::string work_dir;  // gets the script and pgbench.log
};

struct PgbenchResult {
  int clients = 0;
  uint64_t transactions = 0;  // committed in the measured time
  uint64_t failed = 0;
  double tps = 0;  // committed per second, without the connection time
  double latency_average_ms = 0;
};

class PgbenchBaseline {
 public:
  // Makes pgbench's tables in the database (`pgbench -i`, scale 1, no vacuum) and writes the
  // script. The error carries the end of pgbench's output.
  static absl::StatusOr<PgbenchBaseline> Prepare(PgbenchOptions options);

  // The INSERTs at `clients` clients (1-1000) for `warmup`, not counted, then for `duration`.
  absl::StatusOr<PgbenchResult> Run(int clients, absl::Duration warmup,
                                    absl::Duration duration) const;

 private:
  explicit PgbenchBaseline(PgbenchOptions options) : options_(std::move(options)) {}
  // Runs pgbench with `arguments` and returns its output.
  absl::StatusOr<std::string> Pgbench(const std::vector<std::string>& arguments) const;

  PgbenchOptions options_;
};

}  // namespace therapy::bench

#endif  // BENCHMARKS_BENCH_PGBENCH_BASELINE_H_
