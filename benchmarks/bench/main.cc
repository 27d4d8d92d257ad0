// homework-bench: a load generator for homework-server, measured against a bare gRPC echo in the
// same run. Flags in, options out; see benchmarks/README.md for the scenarios and how to read
// the figures.
//
//   homework-bench [--scenario=read|complete|summary|watch|all] [--concurrency=1,16,64] ...
//   homework-bench seed --data_dir=DIR --clients=N --assignments_per_client=M
//                       --completions_per_assignment=K
//   homework-bench --serve_echo --port_file=F     (internal: the echo baseline's child process)

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "benchmarks/bench/echo_server.h"
#include "benchmarks/bench/homework_server_process.h"
#include "benchmarks/bench/interruption.h"
#include "benchmarks/bench/pgbench_baseline.h"
#include "benchmarks/bench/scenarios.h"
#include "benchmarks/bench/seed.h"
#include "benchmarks/bench/served_process.h"
#include "benchmarks/bench/unary_load.h"
#include "services/homework/storage/postgres/test_cluster.h"

#ifndef HOMEWORK_SERVER_PATH
#error "HOMEWORK_SERVER_PATH must name the homework-server binary (set by CMake)"
#endif

ABSL_FLAG(std::string, scenario, "read",
          "read, get, complete, summary, watch, connect, edge, or all");
ABSL_FLAG(int, edge_idle, 10000, "edge: idle TCP connections held on the browser listener");
ABSL_FLAG(int, edge_slow, 1000, "edge: slowloris connections held (a byte every 2 s)");
ABSL_FLAG(int, edge_watch_streams, 0,
          "edge: then open this many Connect WatchEvents streams and report the server's memory");
ABSL_FLAG(std::vector<std::string>, concurrency, {"16"},
          "Calls in flight, 1-20000; a comma list runs each unary scenario at each (e.g. 1,16,64)");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(10),
          "Measured time per scenario and concurrency (and of the echo baseline before it); "
          "at most 120s");
ABSL_FLAG(absl::Duration, warmup, absl::Seconds(1),
          "Calls made first and not counted; at most 10s");
ABSL_FLAG(int, client_threads, 1, "Threads polling the completion queue: 1 or 2");
ABSL_FLAG(int, connections, 1,
          "read, get, summary, complete: connections (1-64) each load spreads its calls over, "
          "with --concurrency in flight per connection (e.g. 4 x 16: --connections=4 "
          "--concurrency=16)");
ABSL_FLAG(double, rate, 0,
          "read, get, summary, complete: 0 for a closed loop (each call replaced as soon as it "
          "ends); above 0, an open loop at this many calls a second (with at most --concurrency "
          "in flight), latency counted from when each call was due");
ABSL_FLAG(int, echo_payload_bytes, 64, "Bytes each echo call sends (and gets back); 0-65536");
ABSL_FLAG(std::string, backend, "sqlite",
          "sqlite: a SQLite file in the data dir; postgres: a private PostgreSQL cluster "
          "(storage/postgres/test_cluster.h) made for this run");
ABSL_FLAG(bool, pg_fsync, true,
          "postgres: the cluster flushes its commits (fsync and full_page_writes on, as in "
          "production); false: off, an upper bound that costs no flush");
ABSL_FLAG(std::string, store, "",
          "An explicit --store URI for the server instead of --backend: sqlite:PATH, or "
          "postgresql://... on this machine (Unix socket, localhost or 127.0.0.1)");
ABSL_FLAG(std::string, data_dir, "",
          "Keep the SQLite store and its seed manifest here, to seed once (homework-bench seed) "
          "and measure many times; default: a temporary folder removed at the end");
ABSL_FLAG(std::string, tmp_dir, "", "Where temporary folders go (default: $TMPDIR or /tmp)");
ABSL_FLAG(bool, keep_work_dir, false, "Keep the temporary folder (server log, keys) at the end");
ABSL_FLAG(int64_t, clients, 16, "Seed: clients (1-1000000)");
ABSL_FLAG(int64_t, assignments_per_client, 10, "Seed: active assignments per client (1-1000)");
ABSL_FLAG(int64_t, completions_per_assignment, 10,
          "Seed: completions per assignment, one a day (0-1000)");
ABSL_FLAG(int, seed_concurrency, 16, "Seed: callers in flight (1-256)");
ABSL_FLAG(absl::Duration, seed_time_limit, absl::Hours(2),
          "Seed: stop after this long (resumable); at most 24h");
ABSL_FLAG(bool, seed_in_process, false,
          "Seed: run the service's use cases in this process on the store file, without the "
          "server (several times faster; for the large-store case)");
ABSL_FLAG(absl::Duration, progress_interval, absl::Seconds(5), "Seed: progress line interval");
ABSL_FLAG(int, watchers, 1000, "watch: WatchEvents streams (1-10000)");
ABSL_FLAG(int, watch_channels, 8, "watch: connections the streams are spread over (1-256)");
ABSL_FLAG(double, watch_events_per_second, 5, "watch: completions written per second (0.1-100)");
ABSL_FLAG(absl::Duration, watch_open_timeout, absl::Seconds(60),
          "watch: how long the streams may take to go live (at most 120s)");
ABSL_FLAG(std::string, server, HOMEWORK_SERVER_PATH, "The homework-server binary");
ABSL_FLAG(std::vector<std::string>, server_flags, {},
          "More flags for the homework server, comma-separated, passed as given (e.g. "
          "--server_flags=--postgres_connections=64); each must start with --");
ABSL_FLAG(bool, serve_echo, false, "Internal: serve the echo baseline (a child of the bench)");
ABSL_FLAG(std::string, port_file, "", "Internal: with --serve_echo, where the port goes");

namespace therapy::bench {
namespace {

enum class Command { kMeasure, kSeed };

struct CommandOptions {
  Command command = Command::kMeasure;
  BenchOptions bench;
  SeedOptions seed;
  bool seed_in_process = false;
  std::string backend;    // sqlite | postgres
  bool pg_fsync = true;   // postgres: a durable cluster
  std::string store_uri;  // explicit, or empty
  std::string data_dir;   // explicit, or empty
  std::string tmp_dir;
  bool keep_work_dir = false;
  std::string server_path;
  std::vector<std::string> server_flags;  // appended to the server's command line
  std::string self_path;
};

constexpr char kManifestFile[] = "homework-bench-seed.txt";

// The bench loads only this machine: a PostgreSQL URI must name a Unix socket, localhost or
// 127.0.0.1.
absl::Status CheckLocalStore(const std::string& uri) {
  if (absl::StartsWith(uri, "sqlite:") || uri == "memory:") return absl::OkStatus();
  absl::string_view rest = uri;
  if (!absl::ConsumePrefix(&rest, "postgresql://") && !absl::ConsumePrefix(&rest, "postgres://")) {
    return absl::InvalidArgumentError(
        absl::StrCat("--store must be sqlite:PATH or postgresql://..., got \"", uri, "\""));
  }
  auto local = [](absl::string_view host) {
    return host.empty() || host[0] == '/' || host == "localhost" || host == "127.0.0.1" ||
           host == "%2F" || absl::StartsWith(host, "%2F") || absl::StartsWith(host, "%2f");
  };
  absl::string_view authority = rest.substr(0, rest.find_first_of("/?"));
  if (const size_t at = authority.rfind('@'); at != absl::string_view::npos) {
    authority.remove_prefix(at + 1);
  }
  const absl::string_view host = authority.substr(0, authority.find(':'));
  bool ok = local(host);
  if (const size_t query = rest.find('?'); query != absl::string_view::npos) {
    for (absl::string_view parameter : absl::StrSplit(rest.substr(query + 1), '&')) {
      if (absl::ConsumePrefix(&parameter, "host=") ||
          absl::ConsumePrefix(&parameter, "hostaddr=")) {
        ok = ok && local(parameter);
      }
    }
  }
  if (!ok) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--store must name a database on this machine (Unix socket, localhost or 127.0.0.1): \"",
        uri, "\""));
  }
  return absl::OkStatus();
}

std::string MachineLine() {
  std::ifstream loadavg("/proc/loadavg");
  std::string load;
  std::getline(loadavg, load);
  return absl::StrCat("machine: ", std::thread::hardware_concurrency(), " cores, load average ",
                      load.substr(0, load.find(' ', load.find(' ', load.find(' ') + 1) + 1)),
#ifdef NDEBUG
                      "; bench built with NDEBUG (Release)"
#else
                      "; bench built WITHOUT NDEBUG (Debug): figures not worth quoting"
#endif
  );
}

absl::Status RunCommand(const CommandOptions& options) {
  // A temporary folder for keys, ports, logs and (without --data_dir) the store.
  std::string base = options.tmp_dir;
  std::string pattern = base + "/homework-bench-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) {
    return absl::UnavailableError(absl::StrCat("cannot create a folder like ", pattern));
  }
  const std::string work_dir = pattern;
  struct RemoveAtEnd {
    std::string path;
    bool keep;
    ~RemoveAtEnd() {
      if (keep) {
        std::cerr << "work folder kept: " << path << std::endl;
        return;
      }
      std::error_code ignored;
      std::filesystem::remove_all(path, ignored);
    }
  } remove_at_end{work_dir, options.keep_work_dir};

  const std::string data_dir = options.data_dir.empty() ? work_dir + "/data" : options.data_dir;
  std::error_code error;
  std::filesystem::create_directories(data_dir, error);
  if (error) return absl::UnavailableError(absl::StrCat("cannot create ", data_dir));

  std::unique_ptr<homework::postgres::TestCluster> cluster;
  std::optional<PgbenchBaseline> pgbench_baseline;
  std::string store_uri = options.store_uri;
  std::string store_label = options.backend;
  if (!store_uri.empty()) {
    store_label = store_uri.substr(0, store_uri.find(':'));
  } else if (options.backend == "postgres") {
    std::cerr << "starting a private PostgreSQL cluster..." << std::endl;
    const homework::postgres::TestClusterOptions cluster_options{.parent_dir = base + "/",
                                                                 .durable = options.pg_fsync};
    absl::StatusOr<std::unique_ptr<homework::postgres::TestCluster>> created =
        homework::postgres::TestCluster::Create(cluster_options);
    if (!created.ok()) return created.status();
    cluster = *std::move(created);
    absl::StatusOr<std::string> database = cluster->CreateDatabase();
    if (!database.ok()) return database.status();
    store_uri = cluster->Uri(*database);
    store_label = options.pg_fsync ? "postgres" : "pg-nosync";
    absl::StatusOr<std::string> pgbench_database = cluster->CreateDatabase();
    if (!pgbench_database.ok()) return pgbench_database.status();
    std::cerr << "making pgbench's tables..." << std::endl;
    absl::StatusOr<PgbenchBaseline> pgbench =
        PgbenchBaseline::Prepare({.program = cluster_options.bin_dir + "/pgbench",
                                  .uri = cluster->Uri(*pgbench_database),
                                  .work_dir = work_dir});
    if (!pgbench.ok()) return pgbench.status();
    pgbench_baseline = *std::move(pgbench);
  } else {
    store_uri = absl::StrCat("sqlite:", data_dir, "/homework.db");
  }

  if (options.command == Command::kSeed && options.seed_in_process) {
    SeedOptions seed_options = options.seed;
    seed_options.manifest_path = data_dir + "/" + kManifestFile;
    absl::StatusOr<SeedManifest> seed = SeedInProcess(seed_options, store_uri);
    if (!seed.ok()) return seed.status();
    if (!seed->complete()) {
      return absl::AbortedError(absl::StrCat("seed stopped at client ", seed->clients_done, " of ",
                                             seed->shape.clients,
                                             "; run the same command again to resume"));
    }
    return absl::OkStatus();
  }

  std::cerr << "starting homework-server (" << store_label << ")..." << std::endl;
  absl::StatusOr<std::unique_ptr<HomeworkServerProcess>> server =
      HomeworkServerProcess::Start(HomeworkServerOptions{.server_path = options.server_path,
                                                         .work_dir = work_dir,
                                                         .data_dir = data_dir,
                                                         .store_uri = store_uri,
                                                         .extra_flags = options.server_flags});
  if (!server.ok()) {
    remove_at_end.keep = true;
    return server.status();
  }
  auto stop_server = [&] {
    absl::StatusOr<int> code = (*server)->served().Stop(absl::Seconds(15));
    if (!code.ok() || *code != 0) {
      std::cerr << "homework-server "
                << (code.ok() ? absl::StrCat("exited with code ", *code)
                              : std::string(code.status().message()))
                << "; its log ends:\n"
                << (*server)->served().OutputTail() << std::endl;
    }
  };

  SeedOptions seed_options = options.seed;
  seed_options.manifest_path = data_dir + "/" + kManifestFile;
  absl::StatusOr<SeedManifest> seed = ReadManifest(seed_options.manifest_path);
  if (options.command == Command::kSeed || absl::IsNotFound(seed.status())) {
    seed = Seed(seed_options, (*server)->served().NewChannel(), (*server)->bearers());
  }
  if (!seed.ok()) {
    stop_server();
    return seed.status();
  }
  std::cout << MachineLine() << "\n"
            << "store: " << store_label << " (" << seed->shape.clients << " clients x "
            << seed->shape.assignments_per_client << " assignments x "
            << seed->shape.completions_per_assignment
            << " completions = " << seed->shape.assignments() << " assignments, "
            << seed->shape.completions() << " completions; seed "
            << (seed->complete() ? "complete" : "INCOMPLETE") << ")" << std::endl;
  if (options.command == Command::kSeed) {
    stop_server();
    if (!seed->complete()) {
      // ABORTED: retry at a higher level, which here means running the same command again.
      return absl::AbortedError(absl::StrCat("seed stopped at client ", seed->clients_done, " of ",
                                             seed->shape.clients,
                                             "; run the same command again to resume"));
    }
    return absl::OkStatus();
  }

  std::cerr << "starting the echo baseline (" << options.self_path << " --serve_echo)..."
            << std::endl;
  absl::StatusOr<std::unique_ptr<ServedProcess>> echo =
      ServedProcess::Start(ServedProcessOptions{.argv = {options.self_path, "--serve_echo"},
                                                .port_file = work_dir + "/echo.port",
                                                .output_path = work_dir + "/echo.log"});
  if (!echo.ok()) {
    stop_server();
    return echo.status();
  }
  BenchOptions bench = options.bench;
  bench.store_label = store_label;
  bench.pgbench = std::move(pgbench_baseline);
  if (store_label == "sqlite") {
    const std::filesystem::path file(store_uri.substr(std::string_view("sqlite:").size()));
    bench.store_dir = file.has_parent_path() ? file.parent_path().string() : ".";
  }
  absl::StatusOr<std::vector<Figures>> figures =
      RunBench(bench, **server, **echo, *seed, std::cout);
  (void)(*echo)->Stop(absl::Seconds(5));
  stop_server();
  if (!figures.ok()) {
    remove_at_end.keep = true;
    return figures.status();
  }
  if (Interrupted()) return absl::CancelledError("interrupted; the figures above are partial");
  return absl::OkStatus();
}

absl::StatusOr<CommandOptions> OptionsFromFlags(const std::vector<char*>& positional) {
  CommandOptions options;
  if (positional.size() > 2 || (positional.size() == 2 && std::string(positional[1]) != "seed")) {
    return absl::InvalidArgumentError(
        "usage: homework-bench [seed] [--flags]; see --help (the only subcommand is seed)");
  }
  options.command = positional.size() == 2 ? Command::kSeed : Command::kMeasure;

  absl::StatusOr<std::vector<Scenario>> scenarios = ParseScenarios(absl::GetFlag(FLAGS_scenario));
  if (!scenarios.ok()) return scenarios.status();
  options.bench.scenarios = *std::move(scenarios);
  for (const std::string& word : absl::GetFlag(FLAGS_concurrency)) {
    int concurrency = 0;
    if (!absl::SimpleAtoi(word, &concurrency) || concurrency < 1 || concurrency > kMaxConcurrency) {
      return absl::InvalidArgumentError(
          absl::StrCat("--concurrency values must be 1-", kMaxConcurrency, ", got \"", word, "\""));
    }
    options.bench.concurrency.push_back(concurrency);
  }
  if (options.bench.concurrency.empty()) {
    return absl::InvalidArgumentError("--concurrency needs at least one value");
  }
  options.bench.duration = absl::GetFlag(FLAGS_duration);
  options.bench.warmup = absl::GetFlag(FLAGS_warmup);
  if (options.bench.duration <= absl::ZeroDuration() || options.bench.duration > kMaxDuration) {
    return absl::InvalidArgumentError("--duration must be more than 0 and at most 120s");
  }
  if (options.bench.warmup < absl::ZeroDuration() || options.bench.warmup > kMaxWarmup) {
    return absl::InvalidArgumentError("--warmup must be 0-10s");
  }
  options.bench.polling_threads = absl::GetFlag(FLAGS_client_threads);
  if (options.bench.polling_threads < 1 || options.bench.polling_threads > 2) {
    return absl::InvalidArgumentError("--client_threads must be 1 or 2");
  }
  options.bench.connections = absl::GetFlag(FLAGS_connections);
  if (options.bench.connections < 1 || options.bench.connections > 64) {
    return absl::InvalidArgumentError("--connections must be 1-64");
  }
  for (int concurrency : options.bench.concurrency) {
    if (concurrency * options.bench.connections > kMaxConcurrency) {
      return absl::InvalidArgumentError(
          absl::StrCat("--connections x --concurrency must be at most ", kMaxConcurrency));
    }
  }
  options.bench.rate = absl::GetFlag(FLAGS_rate);
  if (!(options.bench.rate >= 0) || options.bench.rate > kMaxRate) {
    return absl::InvalidArgumentError(
        absl::StrCat("--rate must be 0 (a closed loop) to ", kMaxRate, " calls a second"));
  }
  for (const auto& [set, flag] : {std::pair(options.bench.connections > 1, "--connections"),
                                  std::pair(options.bench.rate > 0, "--rate")}) {
    if (!set) continue;
    for (Scenario scenario : options.bench.scenarios) {
      if (scenario == Scenario::kWatch || scenario == Scenario::kConnect ||
          scenario == Scenario::kEdge) {
        return absl::InvalidArgumentError(
            absl::StrCat(flag, " applies to read, get, summary and complete only"));
      }
    }
  }
  options.bench.echo_payload_bytes = absl::GetFlag(FLAGS_echo_payload_bytes);
  if (options.bench.echo_payload_bytes < 0 || options.bench.echo_payload_bytes > 65536) {
    return absl::InvalidArgumentError("--echo_payload_bytes must be 0-65536");
  }
  options.bench.watch = WatchLoadOptions{
      .watchers = absl::GetFlag(FLAGS_watchers),
      .channels = absl::GetFlag(FLAGS_watch_channels),
      .events_per_second = absl::GetFlag(FLAGS_watch_events_per_second),
      .open_timeout = absl::GetFlag(FLAGS_watch_open_timeout),
  };
  options.bench.edge = EdgeOptions{.idle = absl::GetFlag(FLAGS_edge_idle),
                                   .slow = absl::GetFlag(FLAGS_edge_slow),
                                   .watch_streams = absl::GetFlag(FLAGS_edge_watch_streams)};
  if (options.bench.edge.idle < 0 || options.bench.edge.slow < 0 ||
      options.bench.edge.watch_streams < 0) {
    return absl::InvalidArgumentError(
        "--edge_idle, --edge_slow, --edge_watch_streams must be >= 0");
  }
  if (options.bench.watch.watchers < 1 || options.bench.watch.watchers > kMaxWatchers) {
    return absl::InvalidArgumentError(absl::StrCat("--watchers must be 1-", kMaxWatchers));
  }

  options.seed = SeedOptions{
      .shape =
          SeedShape{.clients = absl::GetFlag(FLAGS_clients),
                    .assignments_per_client = absl::GetFlag(FLAGS_assignments_per_client),
                    .completions_per_assignment = absl::GetFlag(FLAGS_completions_per_assignment)},
      .concurrency = absl::GetFlag(FLAGS_seed_concurrency),
      .time_limit = absl::GetFlag(FLAGS_seed_time_limit),
      .progress_interval = absl::GetFlag(FLAGS_progress_interval)};
  if (absl::Status valid = ValidateShape(options.seed.shape); !valid.ok()) return valid;
  if (options.seed.progress_interval < absl::Seconds(1)) {
    return absl::InvalidArgumentError("--progress_interval must be at least 1s");
  }

  options.backend = absl::GetFlag(FLAGS_backend);
  if (options.backend != "sqlite" && options.backend != "postgres") {
    return absl::InvalidArgumentError(
        absl::StrCat("--backend must be sqlite or postgres, got \"", options.backend, "\""));
  }
  options.pg_fsync = absl::GetFlag(FLAGS_pg_fsync);
  options.server_flags = absl::GetFlag(FLAGS_server_flags);
  for (const std::string& flag : options.server_flags) {
    if (!absl::StartsWith(flag, "--")) {
      return absl::InvalidArgumentError(
          absl::StrCat("--server_flags: \"", flag, "\" is not a flag (each starts with --)"));
    }
  }
  options.store_uri = absl::GetFlag(FLAGS_store);
  if (!options.store_uri.empty()) {
    if (absl::Status local = CheckLocalStore(options.store_uri); !local.ok()) return local;
  }
  options.data_dir = absl::GetFlag(FLAGS_data_dir);
  if (options.backend == "postgres" && options.store_uri.empty() && !options.data_dir.empty()) {
    return absl::InvalidArgumentError(
        "--data_dir keeps a SQLite store between runs; the --backend=postgres cluster lives "
        "only for one run (seed and measure in the same run, with the seed shape flags)");
  }
  if (options.command == Command::kSeed && options.data_dir.empty()) {
    return absl::InvalidArgumentError(
        "seed needs --data_dir: the folder that keeps the store and its manifest");
  }
  options.tmp_dir = absl::GetFlag(FLAGS_tmp_dir);
  if (options.tmp_dir.empty()) {
    const char* tmpdir = std::getenv("TMPDIR");
    options.tmp_dir = tmpdir != nullptr && *tmpdir != '\0' ? tmpdir : "/tmp";
  }
  options.keep_work_dir = absl::GetFlag(FLAGS_keep_work_dir);
  options.seed_in_process = absl::GetFlag(FLAGS_seed_in_process);
  options.server_path = absl::GetFlag(FLAGS_server);
  std::error_code error;
  options.self_path = std::filesystem::read_symlink("/proc/self/exe", error).string();
  if (error) return absl::UnavailableError("cannot read /proc/self/exe");
  return options;
}

}  // namespace
}  // namespace therapy::bench

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Load generator for homework-server against an echo baseline; see benchmarks/README.md.\n"
      "  homework-bench [--scenario=read|complete|summary|watch|all] [--concurrency=1,16,64]\n"
      "  homework-bench seed --data_dir=DIR --clients=N --assignments_per_client=M "
      "--completions_per_assignment=K");
  std::vector<char*> positional = absl::ParseCommandLine(argc, argv);
  if (absl::GetFlag(FLAGS_serve_echo)) {
    return therapy::bench::ServeEcho(absl::GetFlag(FLAGS_port_file));
  }
  therapy::bench::InstallInterruptionHandler();
  absl::StatusOr<therapy::bench::CommandOptions> options =
      therapy::bench::OptionsFromFlags(positional);
  if (!options.ok()) {
    std::cerr << "homework-bench: " << options.status().message() << std::endl;
    return 2;
  }
  if (absl::Status done = therapy::bench::RunCommand(*options); !done.ok()) {
    std::cerr << "homework-bench: " << done << std::endl;
    return 1;
  }
  return 0;
}
