#include "benchmarks/bench/report.h"

#include <string>

#include "absl/strings/str_format.h"

namespace therapy::bench {
namespace {

double Ratio(double value, double baseline) { return baseline > 0 ? value / baseline : 0.0; }
double Milliseconds(int64_t ns) { return static_cast<double>(ns) / 1e6; }
double Mebibytes(int64_t kib) { return static_cast<double>(kib) / 1024.0; }
std::string ThroughputRatio(const Figures& f) {
  return f.paced ? "paced" : absl::StrFormat("%.3fx", f.throughput_ratio());
}
std::string HealthThroughputRatio(const Figures& f) {
  if (f.health_requests == 0) return "-";
  return f.paced ? "paced" : absl::StrFormat("%.3fx", f.health_throughput_ratio());
}

std::string WrittenPerCall(const Figures& f) {
  std::string line = absl::StrFormat(
      "%.1f write calls, %.1f KB passed to them, %.1f KB to the disk", f.write_calls_per_ok,
      f.bytes_passed_per_ok / 1000.0, f.bytes_to_storage_per_ok / 1000.0);
  if (f.store_growth_per_ok >= 0) {
    line += absl::StrFormat("; the store's files grew %.2f KB", f.store_growth_per_ok / 1000.0);
  }
  return line;
}

std::string AgainstPgbench(const Figures& f) {
  return absl::StrFormat(
      "pgbench INSERT at %d clients: %d committed, %d failed, %.1f tps, latency average %.3f ms; "
      "ok/s / pgbench tps = %.3fx",
      f.pgbench_clients, f.pgbench_transactions, f.pgbench_failed, f.pgbench_tps,
      f.pgbench_latency_average_ms, f.pgbench_throughput_ratio());
}

std::string CpuPerCall(const Figures& f) {
  std::string line =
      absl::StrFormat("server %.0f us, bench %.0f us", f.cpu.server_us, f.cpu.bench_us);
  if (f.health_cpu.measured()) {
    absl::StrAppendFormat(&line, " (health: server %.0f us, bench %.0f us)", f.health_cpu.server_us,
                          f.health_cpu.bench_us);
  }
  return line;
}

}  // namespace

double Figures::throughput_ratio() const { return Ratio(ok_per_second, echo_ok_per_second); }
double Figures::p50_ratio() const {
  return Ratio(static_cast<double>(p50_ns), static_cast<double>(echo_p50_ns));
}
double Figures::p99_ratio() const {
  return Ratio(static_cast<double>(p99_ns), static_cast<double>(echo_p99_ns));
}
double Figures::health_throughput_ratio() const {
  return Ratio(ok_per_second, health_ok_per_second);
}
double Figures::health_p50_ratio() const {
  return Ratio(static_cast<double>(p50_ns), static_cast<double>(health_p50_ns));
}
double Figures::health_p99_ratio() const {
  return Ratio(static_cast<double>(p99_ns), static_cast<double>(health_p99_ns));
}
double Figures::pgbench_throughput_ratio() const { return Ratio(ok_per_second, pgbench_tps); }

void PrintFigures(const Figures& f, std::ostream& out) {
  out << absl::StrFormat("  %-10s %10s %8s %11s %10s %10s %12s\n", "", "requests", "errors", "ok/s",
                         "p50 ms", "p99 ms", "VmHWM MiB");
  out << absl::StrFormat("  %-10s %10d %8d %11.1f %10.3f %10.3f %12.1f\n", "echo", f.echo_requests,
                         f.echo_errors, f.echo_ok_per_second, Milliseconds(f.echo_p50_ns),
                         Milliseconds(f.echo_p99_ns), Mebibytes(f.echo_peak_kib));
  if (f.health_requests > 0) {
    out << absl::StrFormat("  %-10s %10d %8d %11.1f %10.3f %10.3f\n", "health", f.health_requests,
                           f.health_errors, f.health_ok_per_second, Milliseconds(f.health_p50_ns),
                           Milliseconds(f.health_p99_ns));
  }
  out << absl::StrFormat("  %-10s %10d %8d %11.1f %10.3f %10.3f %12.1f\n", f.scenario, f.requests,
                         f.errors, f.ok_per_second, Milliseconds(f.p50_ns), Milliseconds(f.p99_ns),
                         Mebibytes(f.server_peak_kib));
  out << absl::StrFormat("  %-10s %10s %8s %11s %9.2fx %9.2fx\n", "x echo", "", "",
                         ThroughputRatio(f), f.p50_ratio(), f.p99_ratio());
  if (f.health_requests > 0) {
    out << absl::StrFormat("  %-10s %10s %8s %11s %9.2fx %9.2fx\n", "x health", "", "",
                           HealthThroughputRatio(f), f.health_p50_ratio(), f.health_p99_ratio());
  }
  out << "  errors by code: " << f.errors_by_code << "\n";
  if (f.writes_measured) out << "  written per OK call: " << WrittenPerCall(f) << "\n";
  if (f.cpu.measured()) out << "  CPU per OK call: " << CpuPerCall(f) << "\n";
  if (f.pgbench_clients > 0) out << "  against " << AgainstPgbench(f) << "\n";
  out << std::flush;
}

void PrintSummary(const std::vector<Figures>& all, std::ostream& out) {
  out << "\nSummary (x echo: throughput / echo throughput, latency / echo latency, echo measured "
         "just before under the same load; x health: the same against the homework server's own "
         "Health/Check, measured right after the echo)\n";
  out << absl::StrFormat("%-9s %-9s %-17s %9s %7s %10s %8s %8s %9s %7s %9s %7s %10s\n", "scenario",
                         "store", "load", "requests", "errors", "ok/s", "x echo", "x health",
                         "p50 ms", "x echo", "p99 ms", "x echo", "VmHWM MiB");
  for (const Figures& f : all) {
    out << absl::StrFormat(
        "%-9s %-9s %-17s %9d %7d %10.1f %8s %8s %9.3f %7.2f %9.3f %7.2f %10.1f\n", f.scenario,
        f.backend, f.load, f.requests, f.errors, f.ok_per_second, ThroughputRatio(f),
        HealthThroughputRatio(f), Milliseconds(f.p50_ns), f.p50_ratio(), Milliseconds(f.p99_ns),
        f.p99_ratio(), Mebibytes(f.server_peak_kib));
  }
  bool any_writes = false;
  for (const Figures& f : all) any_writes |= f.writes_measured;
  if (any_writes) {
    out << "\nWritten by the homework server per OK call (whole load, warm-up included)\n";
    for (const Figures& f : all) {
      if (!f.writes_measured) continue;
      out << absl::StrFormat("%-9s %-9s %-17s %s\n", f.scenario, f.backend, f.load,
                             WrittenPerCall(f));
    }
  }
  bool any_cpu = false;
  for (const Figures& f : all) any_cpu |= f.cpu.measured();
  if (any_cpu) {
    out << "\nCPU time per OK call (user + system, whole load, warm-up included)\n";
    for (const Figures& f : all) {
      if (!f.cpu.measured()) continue;
      out << absl::StrFormat("%-26s %-9s %-17s %s\n", f.scenario, f.backend, f.load, CpuPerCall(f));
    }
  }
  bool any_pgbench = false;
  for (const Figures& f : all) any_pgbench |= f.pgbench_clients > 0;
  if (any_pgbench) {
    out << "\nDurable writes against pgbench's single-row INSERT on the same cluster, right "
           "after\n";
    for (const Figures& f : all) {
      if (f.pgbench_clients <= 0) continue;
      out << absl::StrFormat("%-9s %-9s %-17s %s\n", f.scenario, f.backend, f.load,
                             AgainstPgbench(f));
    }
  }
  out << std::flush;
}

}  // namespace therapy::bench
