#ifndef BENCHMARKS_BENCH_REPORT_H_
#define BENCHMARKS_BENCH_REPORT_H_

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

namespace therapy::bench {

// CPU time (user + system) per OK call over a whole load, warm-up included: the homework
// server's, and the bench's own (its load threads and the rest of the process); 0 when not
// measured.
struct CpuPerOk {
  double server_us = 0;
  double bench_us = 0;
  bool measured() const { return server_us > 0; }
};

// One scenario at one load, next to the echo baseline measured just before it under the same
// load and duration.
struct Figures {
  std::string scenario;        // "read", "complete", "summary", "watch"
  std::string backend;         // "sqlite", "postgres", or the store URI's scheme
  std::string load;            // "16 in flight", "1000 streams"
  uint64_t requests = 0;       // calls (or deliveries) in the window, any status
  uint64_t errors = 0;         // non-OK statuses (or missed deliveries)
  std::string errors_by_code;  // "UNAVAILABLE=3", "-"
  double ok_per_second = 0;    // throughput of OK calls (deliveries for watch)
  int64_t p50_ns = 0;
  int64_t p99_ns = 0;
  double echo_ok_per_second = 0;
  int64_t echo_p50_ns = 0;
  int64_t echo_p99_ns = 0;
  uint64_t echo_requests = 0;
  uint64_t echo_errors = 0;
  int64_t server_peak_kib = 0;  // homework-server VmHWM during this measurement
  int64_t echo_peak_kib = 0;    // echo server VmHWM during its measurement
  // The homework server's own grpc.health.v1.Health/Check under the same load, measured right
  // after the echo: what this server's transport does without the service's work (issue 16).
  // health_requests == 0: not measured.
  uint64_t health_requests = 0;
  uint64_t health_errors = 0;
  double health_ok_per_second = 0;
  int64_t health_p50_ns = 0;
  int64_t health_p99_ns = 0;
  // The scenario's rate is set by the bench (watch: writes per second), so its throughput says
  // nothing about the server and no throughput ratio is printed.
  bool paced = false;
  // What the homework server wrote per OK call over the whole load (warm-up included), from
  // /proc/<pid>/io, and how much the store's files grew; only when `writes_measured`.
  bool writes_measured = false;
  double write_calls_per_ok = 0;       // write-type system calls
  double bytes_passed_per_ok = 0;      // bytes handed to them (wchar)
  double bytes_to_storage_per_ok = 0;  // bytes sent to the disk (write_bytes)
  double store_growth_per_ok = 0;      // growth of the store's files; < 0 when not measured
  // CPU per OK call of the scenario's load, and of the health checks measured with it: the
  // server's figure less health's is what the service's own work costs a call beyond the
  // transport's. On a machine the client and the server share, a cheaper client leaves the
  // server more of it: compare protocols by the server's figure as well as by throughput.
  CpuPerOk cpu;
  CpuPerOk health_cpu;
  // pgbench's single-row INSERT on the same PostgreSQL cluster right after the load, at as many
  // clients as the load had calls in flight (issue 16's yardstick for durable writes there);
  // pgbench_clients == 0: not measured.
  int pgbench_clients = 0;
  uint64_t pgbench_transactions = 0;
  uint64_t pgbench_failed = 0;
  double pgbench_tps = 0;
  double pgbench_latency_average_ms = 0;

  double throughput_ratio() const;  // ok/s over echo ok/s: 1.0 = as fast as a bare RPC
  double p50_ratio() const;         // p50 over echo p50: 1.0 = as quick as a bare RPC
  double p99_ratio() const;
  double health_throughput_ratio() const;  // ok/s over health ok/s: 1.0 = as fast as health
  double health_p50_ratio() const;
  double health_p99_ratio() const;
  double pgbench_throughput_ratio() const;  // ok/s over pgbench's INSERTs per second
};

// The block printed as soon as a measurement ends.
void PrintFigures(const Figures& figures, std::ostream& out);

// The table of every measurement of the run, at the end.
void PrintSummary(const std::vector<Figures>& all, std::ostream& out);

}  // namespace therapy::bench

#endif  // BENCHMARKS_BENCH_REPORT_H_
