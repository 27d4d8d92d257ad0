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

}  // namespace

double Figures::throughput_ratio() const { return Ratio(ok_per_second, echo_ok_per_second); }
double Figures::p50_ratio() const {
  return Ratio(static_cast<double>(p50_ns), static_cast<double>(echo_p50_ns));
}
double Figures::p99_ratio() const {
  return Ratio(static_cast<double>(p99_ns), static_cast<double>(echo_p99_ns));
}

void PrintFigures(const Figures& f, std::ostream& out) {
  out << absl::StrFormat("  %-10s %10s %8s %11s %10s %10s %12s\n", "", "requests", "errors",
                         "ok/s", "p50 ms", "p99 ms", "VmHWM MiB");
  out << absl::StrFormat("  %-10s %10d %8d %11.1f %10.3f %10.3f %12.1f\n", "echo",
                         f.echo_requests, f.echo_errors, f.echo_ok_per_second,
                         Milliseconds(f.echo_p50_ns), Milliseconds(f.echo_p99_ns),
                         Mebibytes(f.echo_peak_kib));
  out << absl::StrFormat("  %-10s %10d %8d %11.1f %10.3f %10.3f %12.1f\n", f.scenario,
                         f.requests, f.errors, f.ok_per_second, Milliseconds(f.p50_ns),
                         Milliseconds(f.p99_ns), Mebibytes(f.server_peak_kib));
  out << absl::StrFormat("  %-10s %10s %8s %11s %9.2fx %9.2fx\n", "x echo", "", "",
                         ThroughputRatio(f), f.p50_ratio(), f.p99_ratio());
  out << "  errors by code: " << f.errors_by_code << "\n" << std::flush;
}

void PrintSummary(const std::vector<Figures>& all, std::ostream& out) {
  out << "\nSummary (x echo: throughput / echo throughput, latency / echo latency, echo measured "
         "just before under the same load)\n";
  out << absl::StrFormat("%-9s %-9s %-14s %9s %7s %10s %8s %9s %7s %9s %7s %10s\n", "scenario",
                         "store", "load", "requests", "errors", "ok/s", "x echo", "p50 ms",
                         "x echo", "p99 ms", "x echo", "VmHWM MiB");
  for (const Figures& f : all) {
    out << absl::StrFormat(
        "%-9s %-9s %-14s %9d %7d %10.1f %8s %9.3f %7.2f %9.3f %7.2f %10.1f\n", f.scenario,
        f.backend, f.load, f.requests, f.errors, f.ok_per_second, ThroughputRatio(f),
        Milliseconds(f.p50_ns), f.p50_ratio(), Milliseconds(f.p99_ns), f.p99_ratio(),
        Mebibytes(f.server_peak_kib));
  }
  out << std::flush;
}

}  // namespace therapy::bench
