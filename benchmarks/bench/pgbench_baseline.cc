#include "benchmarks/bench/pgbench_baseline.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "testing/child_process.h"

namespace therapy::bench {
namespace {

// One row into pgbench's own history table (no index, as in its TPC-B-like script), a prepared
// statement per client.
constexpr char kScript[] = R"(\set aid random(1, 100000)
\set tid random(1, 10)
\set delta random(-5000, 5000)
INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (:tid, 1, :aid, :delta, CURRENT_TIMESTAMP);
)";

std::string LastLines(const std::string& text, int lines) {
  std::vector<absl::string_view> all = absl::StrSplit(text, '\n', absl::SkipEmpty());
  const size_t from = all.size() > static_cast<size_t>(lines) ? all.size() - lines : 0;
  return absl::StrJoin(all.begin() + static_cast<std::ptrdiff_t>(from), all.end(), "\n");
}

// The number after `prefix` on the line that starts with it, up to the first space.
absl::StatusOr<double> Figure(const std::string& output, absl::string_view prefix) {
  for (absl::string_view line : absl::StrSplit(output, '\n')) {
    if (!absl::ConsumePrefix(&line, prefix)) continue;
    double value = 0;
    if (absl::SimpleAtod(line.substr(0, line.find(' ')), &value)) return value;
  }
  return absl::InternalError(
      absl::StrCat("pgbench printed no \"", prefix, "\" line; it ended:\n", LastLines(output, 8)));
}

}  // namespace

absl::StatusOr<PgbenchBaseline> PgbenchBaseline::Prepare(PgbenchOptions options) {
  {
    std::ofstream script(options.work_dir + "/pgbench-insert.sql");
    script << kScript;
    if (!script) {
      return absl::UnavailableError(
          absl::StrCat("cannot write ", options.work_dir, "/pgbench-insert.sql"));
    }
  }
  PgbenchBaseline baseline(std::move(options));
  absl::StatusOr<std::string> made = baseline.Pgbench({"-i", "-n", "-q", "-s", "1"});
  if (!made.ok()) return made.status();
  return baseline;
}

absl::StatusOr<PgbenchResult> PgbenchBaseline::Run(int clients, absl::Duration warmup,
                                                   absl::Duration duration) const {
  if (clients < 1 || clients > 1000) {
    return absl::InvalidArgumentError(
        absl::StrCat("pgbench clients must be 1-1000, got ", clients));
  }
  const auto seconds = [](absl::Duration d) {
    return absl::StrCat(std::max<int64_t>(1, std::llround(absl::ToDoubleSeconds(d))));
  };
  std::vector<std::string> run = {"-n",
                                  "-M",
                                  "prepared",
                                  "-j",
                                  "1",
                                  "-c",
                                  absl::StrCat(clients),
                                  "-f",
                                  options_.work_dir + "/pgbench-insert.sql"};
  if (warmup > absl::ZeroDuration()) {
    std::vector<std::string> first = run;
    first.insert(first.end(), {"-T", seconds(warmup)});
    if (absl::StatusOr<std::string> output = Pgbench(first); !output.ok()) return output.status();
  }
  run.insert(run.end(), {"-T", seconds(duration)});
  absl::StatusOr<std::string> output = Pgbench(run);
  if (!output.ok()) return output.status();

  PgbenchResult result{.clients = clients};
  absl::StatusOr<double> processed = Figure(*output, "number of transactions actually processed: ");
  absl::StatusOr<double> tps = Figure(*output, "tps = ");
  absl::StatusOr<double> latency = Figure(*output, "latency average = ");
  if (!processed.ok()) return processed.status();
  if (!tps.ok()) return tps.status();
  if (!latency.ok()) return latency.status();
  result.transactions = static_cast<uint64_t>(*processed);
  result.tps = *tps;
  result.latency_average_ms = *latency;
  // Absent before PostgreSQL 15's pgbench; none failed then.
  if (absl::StatusOr<double> failed = Figure(*output, "number of failed transactions: ");
      failed.ok()) {
    result.failed = static_cast<uint64_t>(*failed);
  }
  return result;
}

absl::StatusOr<std::string> PgbenchBaseline::Pgbench(
    const std::vector<std::string>& arguments) const {
  const std::string log = options_.work_dir + "/pgbench.log";
  std::error_code ignored;
  std::filesystem::remove(log, ignored);
  std::vector<std::string> argv = {options_.program};
  argv.insert(argv.end(), arguments.begin(), arguments.end());
  argv.push_back(options_.uri);
  absl::StatusOr<homework::testing::ChildProcess> child = homework::testing::ChildProcess::Start(
      {.argv = argv, .output = {.stdout_path = log, .stderr_path = log}});
  if (!child.ok()) return child.status();
  absl::StatusOr<int> code = child->WaitForExit(absl::InfiniteDuration());
  std::stringstream output;
  output << std::ifstream(log).rdbuf();
  if (!code.ok()) return code.status();
  if (*code != 0) {
    return absl::InternalError(absl::StrCat("pgbench ", absl::StrJoin(arguments, " "),
                                            " failed (exit code ", *code, "):\n",
                                            LastLines(output.str(), 8)));
  }
  return output.str();
}

}  // namespace therapy::bench
