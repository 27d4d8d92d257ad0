#include "benchmarks/bench/scenarios.h"

#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <memory>
#include <utility>

#include <grpcpp/client_context.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/support/byte_buffer.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "benchmarks/bench/connect_load.h"
#include "benchmarks/bench/echo.grpc.pb.h"
#include "benchmarks/bench/edge_load.h"
#include "benchmarks/bench/interruption.h"
#include "benchmarks/bench/process_stats.h"
#include "benchmarks/bench/unary_load.h"
#include "services/homework/client/call.h"
#include "services/homework/client/rpc_status.h"
#include "therapy/homework/v1/homework_service.grpc.pb.h"

namespace therapy::bench {
namespace {

namespace hw = homework::v1;

constexpr absl::Duration kCallDeadline = absl::Seconds(10);
// Call n reads client (n mod clients) x kSpread mod clients: every client once per round, in an
// order that jumps around the store (kSpread is a prime above the largest client count).
constexpr int64_t kSpread = 1'000'003;
// The complete scenario spreads its writes over the assignments of at most this many clients.
constexpr int kCompletionClients = 64;

int64_t ClientFor(uint64_t sequence, int64_t clients) {
  return static_cast<int64_t>(sequence % static_cast<uint64_t>(clients)) * kSpread % clients;
}

google::protobuf::Timestamp ToTimestamp(absl::Time time) {
  google::protobuf::Timestamp timestamp;
  timestamp.set_seconds(absl::ToUnixSeconds(time));
  return timestamp;
}

class Bench {
 public:
  Bench(const BenchOptions& options, HomeworkServerProcess& server, ServedProcess& echo,
        const SeedManifest& seed, std::ostream& out)
      : options_(options), server_(server), echo_(echo), seed_(seed), out_(out) {}

  absl::StatusOr<std::vector<Figures>> Run() {
    std::vector<Figures> all;
    for (Scenario scenario : options_.scenarios) {
      if (Interrupted()) break;
      if (scenario == Scenario::kConnect || scenario == Scenario::kEdge) {
        for (int concurrency : options_.concurrency) {
          if (Interrupted()) break;
          absl::StatusOr<std::vector<Figures>> figures = scenario == Scenario::kConnect
                                                             ? MeasureConnect(concurrency)
                                                             : MeasureEdge(concurrency);
          if (!figures.ok()) return figures.status();
          all.insert(all.end(), figures->begin(), figures->end());
        }
        continue;
      }
      if (scenario == Scenario::kWatch) {
        absl::StatusOr<Figures> figures = MeasureWatch();
        if (!figures.ok()) return figures.status();
        all.push_back(*std::move(figures));
        continue;
      }
      for (int concurrency : options_.concurrency) {
        if (Interrupted()) break;
        absl::StatusOr<Figures> figures = MeasureUnary(scenario, concurrency);
        if (!figures.ok()) return figures.status();
        all.push_back(*std::move(figures));
      }
    }
    PrintSummary(all, out_);
    return all;
  }

 private:
  struct EchoFigures {
    UnaryLoadResult load;
    int64_t peak_kib = 0;
    // The homework server's own grpc.health.v1.Health/Check, measured right after the echo.
    UnaryLoadResult health;
    // CPU per OK health check, the server's and the bench's.
    CpuPerOk health_cpu;
  };

  // "64 in flight", or "4 x 16 in flight" over 4 connections; in an open loop "8000/s, <= 64".
  std::string LoadLabel(int concurrency) const {
    const std::string in_flight = options_.connections == 1
                                      ? absl::StrCat(concurrency)
                                      : absl::StrCat(options_.connections, " x ", concurrency);
    return options_.rate > 0 ? absl::StrCat(options_.rate, "/s, <= ", in_flight)
                             : absl::StrCat(in_flight, " in flight");
  }

  // One starter that spreads the calls over `starters` (one per connection) by call number.
  static CallStarter Spread(std::vector<CallStarter> starters) {
    if (starters.size() == 1) return starters.front();
    return [starters = std::move(starters)](uint64_t sequence, grpc::CompletionQueue& queue,
                                            void* tag) {
      return starters[sequence % starters.size()](sequence, queue, tag);
    };
  }

  // The calls `make(channel)` starts, on `options_.connections` connections of their own to
  // `served`.
  template <typename Make>
  CallStarter OverConnections(ServedProcess& served, const Make& make) {
    std::vector<CallStarter> starters;
    for (int i = 0; i < options_.connections; ++i) {
      starters.push_back(make(ConnectedChannel(served)));
    }
    return Spread(std::move(starters));
  }

  std::shared_ptr<grpc::Channel> ConnectedChannel(ServedProcess& served) {
    std::shared_ptr<grpc::Channel> channel = served.NewChannel(/*separate_connection=*/true);
    channel->WaitForConnected(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
    return channel;
  }

  UnaryLoadOptions LoadOptions(std::string label, int concurrency) const {
    return UnaryLoadOptions{.label = std::move(label),
                            .concurrency = concurrency * options_.connections,
                            .rate = options_.rate,
                            .warmup = options_.warmup,
                            .duration = options_.duration,
                            .polling_threads = options_.polling_threads};
  }

  // The baselines: Echo under `concurrency` calls in flight (per connection) for the same
  // warm-up and duration, then the homework server's own grpc.health.v1.Health/Check the same
  // way. Their calls carry the same authorization header as the service's, so the transport
  // carries the same bytes; the servers ignore it.
  absl::StatusOr<EchoFigures> MeasureEcho(const std::string& label, int concurrency) {
    std::cerr << "  [" << label << "] echo baseline first" << std::endl;
    const std::string payload(static_cast<size_t>(options_.echo_payload_bytes), 'x');
    CallStarter start = OverConnections(echo_, [&](std::shared_ptr<grpc::Channel> channel) {
      auto stub = std::shared_ptr<v1::Echo::Stub>(v1::Echo::NewStub(channel));
      return UnaryCalls<v1::EchoRequest, v1::EchoResponse>(
          [stub](grpc::ClientContext* context, const v1::EchoRequest& request,
                 grpc::CompletionQueue* queue) {
            return stub->PrepareAsyncEcho(context, request, queue);
          },
          [payload](uint64_t, v1::EchoRequest& request) { request.set_payload(payload); },
          {{"authorization", server_.bearers().therapist}}, kCallDeadline);
    });
    (void)ResetPeakRss(echo_.pid());
    absl::StatusOr<UnaryLoadResult> load =
        RunUnaryLoad(LoadOptions(absl::StrCat(label, " echo"), concurrency), start);
    if (!load.ok()) return load.status();
    EchoFigures figures{.load = *std::move(load)};
    if (absl::StatusOr<ProcessStatus> status = ReadProcessStatus(echo_.pid()); status.ok()) {
      figures.peak_kib = status->peak_rss_kib;
    }

    std::cerr << "  [" << label << "] the server's health check next" << std::endl;
    CallStarter health =
        OverConnections(server_.served(), [&](std::shared_ptr<grpc::Channel> channel) {
          auto stub = std::make_shared<grpc::GenericStub>(channel);
          return UnaryCalls<grpc::ByteBuffer, grpc::ByteBuffer>(
              [stub](grpc::ClientContext* context, const grpc::ByteBuffer& request,
                     grpc::CompletionQueue* queue) {
                return stub->PrepareUnaryCall(context, "/grpc.health.v1.Health/Check", request,
                                              queue);
              },
              // HealthCheckRequest{service: ""}: no bytes (Debian ships no health.proto).
              [](uint64_t, grpc::ByteBuffer& request) {
                grpc::Slice empty("");
                request = grpc::ByteBuffer(&empty, 1);
              },
              {{"authorization", server_.bearers().therapist}}, kCallDeadline);
        });
    const CpuCounters cpu_before = CountCpu();
    absl::StatusOr<UnaryLoadResult> checks =
        RunUnaryLoad(LoadOptions(absl::StrCat(label, " health"), concurrency), health);
    if (!checks.ok()) return checks.status();
    figures.health_cpu = CpuPerOkCall(cpu_before, CountCpu(), checks->ok_all);
    figures.health = *std::move(checks);
    return figures;
  }

  // What a scenario's calls are, and the words that say so in the report.
  struct Calls {
    CallStarter start;
    std::string description;
  };

  absl::StatusOr<Calls> CallsFor(Scenario scenario,
                                 const std::shared_ptr<hw::HomeworkService::Stub>& stub) {
    const SeedShape& shape = seed_.shape;
    const int64_t clients = shape.clients;
    switch (scenario) {
      case Scenario::kRead:
        return Calls{
            UnaryCalls<hw::ListAssignmentsRequest, hw::ListAssignmentsResponse>(
                [stub](grpc::ClientContext* context, const hw::ListAssignmentsRequest& request,
                       grpc::CompletionQueue* queue) {
                  return stub->PrepareAsyncListAssignments(context, request, queue);
                },
                [clients](uint64_t sequence, hw::ListAssignmentsRequest& request) {
                  request.set_parent(ClientName(ClientFor(sequence, clients)));
                  request.add_states(hw::Assignment::STATE_ACTIVE);
                },
                {{"authorization", server_.bearers().therapist}}, kCallDeadline),
            absl::StrFormat("ListAssignments(states=[ACTIVE]) of one of %d clients (%d active "
                            "assignments each; store: %d assignments, %d completions), as their "
                            "therapist",
                            clients, shape.assignments_per_client, shape.assignments(),
                            shape.completions())};
      case Scenario::kGet: {
        absl::StatusOr<std::vector<std::string>> assignments =
            ActiveAssignments(std::min<int64_t>(clients, kCompletionClients));
        if (!assignments.ok()) return assignments.status();
        auto names = std::make_shared<std::vector<std::string>>(*std::move(assignments));
        return Calls{
            UnaryCalls<hw::GetAssignmentRequest, hw::Assignment>(
                [stub](grpc::ClientContext* context, const hw::GetAssignmentRequest& request,
                       grpc::CompletionQueue* queue) {
                  return stub->PrepareAsyncGetAssignment(context, request, queue);
                },
                [names](uint64_t sequence, hw::GetAssignmentRequest& request) {
                  request.set_name((*names)[static_cast<size_t>(
                      ClientFor(sequence, static_cast<int64_t>(names->size())))]);
                },
                {{"authorization", server_.bearers().therapist}}, kCallDeadline),
            absl::StrFormat("GetAssignment of one of %d active assignments (of the first %d "
                            "clients; store: %d assignments, %d completions), as their "
                            "therapist",
                            names->size(), std::min<int64_t>(clients, kCompletionClients),
                            shape.assignments(), shape.completions())};
      }
      case Scenario::kSummary: {
        // Every seeded completion of the client counts (as far back as the API allows).
        const absl::Time since =
            std::max(seed_.anchor - absl::Hours(24) * (shape.completions_per_assignment + 1),
                     absl::Now() - absl::Hours(24 * 365));
        return Calls{
            UnaryCalls<hw::GetReviewSummaryRequest, hw::ReviewSummary>(
                [stub](grpc::ClientContext* context, const hw::GetReviewSummaryRequest& request,
                       grpc::CompletionQueue* queue) {
                  return stub->PrepareAsyncGetReviewSummary(context, request, queue);
                },
                [clients, since](uint64_t sequence, hw::GetReviewSummaryRequest& request) {
                  request.set_client(ClientName(ClientFor(sequence, clients)));
                  *request.mutable_since_time() = ToTimestamp(since);
                },
                {{"authorization", server_.bearers().therapist}}, kCallDeadline),
            absl::StrFormat("GetReviewSummary since %s of one of %d clients (%d assignments x %d "
                            "completions each), as their therapist",
                            absl::FormatTime("%Y-%m-%d", since, absl::UTCTimeZone()), clients,
                            shape.assignments_per_client, shape.completions_per_assignment)};
      }
      case Scenario::kComplete: {
        absl::StatusOr<std::vector<std::string>> assignments =
            ActiveAssignments(std::min<int64_t>(clients, kCompletionClients));
        if (!assignments.ok()) return assignments.status();
        auto names = std::make_shared<std::vector<std::string>>(*std::move(assignments));
        // Unique across runs against the same store, so no call is an idempotent replay.
        const std::string run = absl::StrCat("bench-", absl::ToUnixMillis(absl::Now()), "-");
        return Calls{
            UnaryCalls<hw::CreateCompletionRequest, hw::Completion>(
                [stub](grpc::ClientContext* context, const hw::CreateCompletionRequest& request,
                       grpc::CompletionQueue* queue) {
                  return stub->PrepareAsyncCreateCompletion(context, request, queue);
                },
                [names, run](uint64_t sequence, hw::CreateCompletionRequest& request) {
                  request.set_parent((*names)[sequence % names->size()]);
                  request.set_request_id(absl::StrCat(run, sequence));
                  hw::Completion& completion = *request.mutable_completion();
                  *completion.mutable_occur_time() = ToTimestamp(absl::Now() - absl::Minutes(1));
                  completion.set_occur_time_zone("UTC");
                  completion.set_status(hw::Completion::STATUS_DONE);
                  completion.set_mood(static_cast<int32_t>(sequence % 11));
                },
                {{"authorization", server_.bearers().service}}, kCallDeadline),
            absl::StrFormat("CreateCompletion with a fresh request_id on one of %d active "
                            "assignments, as the service (durable: committed before the answer)",
                            names->size())};
      }
      case Scenario::kWatch:
      case Scenario::kConnect:
      case Scenario::kEdge:
        break;
    }
    return absl::InternalError("no gRPC unary calls of their own for watch and connect");
  }

  // The active assignments of the first `clients` seeded clients.
  absl::StatusOr<std::vector<std::string>> ActiveAssignments(int64_t clients) {
    auto stub = hw::HomeworkService::NewStub(ConnectedChannel(server_.served()));
    std::vector<std::string> names;
    for (int64_t client = 0; client < clients; ++client) {
      hw::ListAssignmentsRequest request;
      request.set_parent(ClientName(client));
      request.add_states(hw::Assignment::STATE_ACTIVE);
      request.set_page_size(1000);
      grpc::ClientContext context;
      context.AddMetadata("authorization", server_.bearers().therapist);
      context.set_deadline(homework::client::DeadlineAfter(kCallDeadline));
      hw::ListAssignmentsResponse response;
      if (absl::Status s =
              homework::client::FromGrpcStatus(stub->ListAssignments(&context, request, &response),
                                               "ListAssignments (finding assignments to complete)");
          !s.ok()) {
        return s;
      }
      for (const hw::Assignment& assignment : response.assignments()) {
        names.push_back(assignment.name());
      }
    }
    if (names.empty()) return absl::FailedPreconditionError("the seed holds no active assignment");
    return names;
  }

  void PrintHeader(const std::string& scenario, const std::string& load,
                   const std::string& description) {
    out_ << "\n== " << scenario << " | " << options_.store_label << " | " << load << " | "
         << absl::FormatDuration(options_.warmup) << " warm-up + "
         << absl::FormatDuration(options_.duration) << "\n   " << description << "\n"
         << std::flush;
  }

  // One unary measurement beside the echo baseline measured just before it.
  Figures UnaryFigures(const std::string& name, const std::string& load,
                       const UnaryLoadResult& result, const EchoFigures& echo) {
    Figures figures{.scenario = name,
                    .backend = options_.store_label,
                    .load = load,
                    .requests = result.calls,
                    .errors = result.errors(),
                    .errors_by_code = result.ErrorsByCode(),
                    .ok_per_second = result.ok_per_second(),
                    .p50_ns = result.latency.Percentile(0.50),
                    .p99_ns = result.latency.Percentile(0.99),
                    .echo_ok_per_second = echo.load.ok_per_second(),
                    .echo_p50_ns = echo.load.latency.Percentile(0.50),
                    .echo_p99_ns = echo.load.latency.Percentile(0.99),
                    .echo_requests = echo.load.calls,
                    .echo_errors = echo.load.errors(),
                    .echo_peak_kib = echo.peak_kib,
                    .health_requests = echo.health.calls,
                    .health_errors = echo.health.errors(),
                    .health_ok_per_second = echo.health.ok_per_second(),
                    .health_p50_ns = echo.health.latency.Percentile(0.50),
                    .health_p99_ns = echo.health.latency.Percentile(0.99),
                    .health_cpu = echo.health_cpu};
    if (absl::StatusOr<ProcessStatus> status = ReadProcessStatus(server_.served().pid());
        status.ok()) {
      figures.server_peak_kib = status->peak_rss_kib;
    }
    return figures;
  }

  // The server's write counters and the size of the store's files, read around a load.
  struct WriteCounters {
    absl::StatusOr<ProcessWrites> process = absl::UnknownError("not read");
    uint64_t store_bytes = 0;
  };
  WriteCounters CountWrites() const {
    WriteCounters counters{.process = ReadProcessWrites(server_.served().pid())};
    if (!options_.store_dir.empty()) counters.store_bytes = FolderBytes(options_.store_dir);
    return counters;
  }
  // CPU time used so far by the server and by this process, read around a load.
  struct CpuCounters {
    absl::StatusOr<absl::Duration> server = absl::UnknownError("not read");
    absl::StatusOr<absl::Duration> bench = absl::UnknownError("not read");
  };
  CpuCounters CountCpu() const {
    return CpuCounters{.server = ReadProcessCpu(server_.served().pid()),
                       .bench = ReadProcessCpu(getpid())};
  }
  // CPU per OK call over the whole load (warm-up and drain included), server's and bench's;
  // zeros when a counter could not be read.
  static CpuPerOk CpuPerOkCall(const CpuCounters& before, const CpuCounters& after, uint64_t ok) {
    if (!before.server.ok() || !after.server.ok() || !before.bench.ok() || !after.bench.ok() ||
        ok == 0) {
      return {};
    }
    const auto per_call = [ok](absl::Duration used) {
      return absl::ToDoubleMicroseconds(used) / static_cast<double>(ok);
    };
    return {.server_us = per_call(*after.server - *before.server),
            .bench_us = per_call(*after.bench - *before.bench)};
  }
  static void AddCpuPerCall(const CpuCounters& before, const CpuCounters& after, uint64_t ok,
                            Figures& figures) {
    figures.cpu = CpuPerOkCall(before, after, ok);
  }
  // Bytes per completion (issue 16): what the server wrote over the whole load divided by the
  // OK calls that ended in it, warm-up and drain included.
  void AddWritesPerCall(const WriteCounters& before, const WriteCounters& after, uint64_t ok,
                        Figures& figures) const {
    if (!before.process.ok() || !after.process.ok() || ok == 0) return;
    const auto per_call = [ok](uint64_t from, uint64_t to) {
      return to >= from ? static_cast<double>(to - from) / static_cast<double>(ok) : 0.0;
    };
    figures.writes_measured = true;
    figures.write_calls_per_ok = per_call(before.process->write_calls, after.process->write_calls);
    figures.bytes_passed_per_ok =
        per_call(before.process->bytes_passed, after.process->bytes_passed);
    figures.bytes_to_storage_per_ok =
        per_call(before.process->bytes_to_storage, after.process->bytes_to_storage);
    figures.store_growth_per_ok =
        options_.store_dir.empty()
            ? -1.0
            : (static_cast<double>(after.store_bytes) - static_cast<double>(before.store_bytes)) /
                  static_cast<double>(ok);
  }

  // The read's ListAssignments three ways under the same load, one right after the other: the
  // echo baseline, the call over gRPC, the same call over Connect (one HTTP/1.1 keep-alive
  // connection and thread per call in flight, JSON bodies, as a browser makes it).
  absl::StatusOr<std::vector<Figures>> MeasureConnect(int concurrency) {
    const std::string label = absl::StrCat("connect ", options_.store_label, " x", concurrency);
    auto stub = std::shared_ptr<hw::HomeworkService::Stub>(
        hw::HomeworkService::NewStub(ConnectedChannel(server_.served())));
    absl::StatusOr<Calls> calls = CallsFor(Scenario::kRead, stub);
    if (!calls.ok()) return calls.status();
    const std::string load = absl::StrCat(concurrency, " in flight");
    PrintHeader("connect", load,
                absl::StrCat(calls->description,
                             "; over gRPC (one HTTP/2 connection), then over Connect "
                             "(HTTP/1.1 + JSON, one keep-alive connection per call in flight)"));

    absl::StatusOr<EchoFigures> echo = MeasureEcho(label, concurrency);
    if (!echo.ok()) return echo.status();
    (void)ResetPeakRss(server_.served().pid());
    absl::StatusOr<UnaryLoadResult> grpc_read =
        RunUnaryLoad(LoadOptions(absl::StrCat(label, " grpc"), concurrency), calls->start);
    if (!grpc_read.ok()) return grpc_read.status();
    std::vector<Figures> figures = {UnaryFigures("read-grpc", load, *grpc_read, *echo)};
    PrintFigures(figures.back(), out_);

    const ConnectCalls connect = ReadOverHttp(HttpCodec::kConnectJson);
    (void)ResetPeakRss(server_.served().pid());
    absl::StatusOr<UnaryLoadResult> connect_read =
        RunConnectLoad(LoadOptions(absl::StrCat(label, " connect"), concurrency), connect);
    if (!connect_read.ok()) return connect_read.status();
    figures.push_back(UnaryFigures("read-connect", load, *connect_read, *echo));
    PrintFigures(figures.back(), out_);
    const Figures& over_grpc = figures[0];
    const Figures& over_connect = figures[1];
    out_ << absl::StrFormat("  connect / grpc: %.3fx ok/s, %.2fx p50, %.2fx p99\n",
                            over_grpc.ok_per_second > 0
                                ? over_connect.ok_per_second / over_grpc.ok_per_second
                                : 0.0,
                            over_grpc.p50_ns > 0 ? static_cast<double>(over_connect.p50_ns) /
                                                       static_cast<double>(over_grpc.p50_ns)
                                                 : 0.0,
                            over_grpc.p99_ns > 0 ? static_cast<double>(over_connect.p99_ns) /
                                                       static_cast<double>(over_grpc.p99_ns)
                                                 : 0.0)
         << std::flush;
    return figures;
  }

  // How a browser sends the read: Connect with a JSON or a binary body, or gRPC-Web.
  enum class HttpCodec { kConnectJson, kConnectProto, kGrpcWeb };
  ConnectCalls ReadOverHttp(HttpCodec codec) const {
    const int64_t clients = seed_.shape.clients;
    ConnectCalls calls{.port = server_.connect_port(),
                       .path = "/therapy.homework.v1.HomeworkService/ListAssignments",
                       .authorization = server_.bearers().therapist};
    if (codec == HttpCodec::kConnectJson) {
      calls.body = [clients](uint64_t sequence) {
        return absl::StrCat(R"({"parent":")", ClientName(ClientFor(sequence, clients)),
                            R"(","states":["STATE_ACTIVE"]})");
      };
      return calls;
    }
    const auto message = [clients](uint64_t sequence) {
      hw::ListAssignmentsRequest request;
      request.set_parent(ClientName(ClientFor(sequence, clients)));
      request.add_states(hw::Assignment::STATE_ACTIVE);
      return request.SerializeAsString();
    };
    if (codec == HttpCodec::kConnectProto) {
      calls.content_type = "application/proto";
      calls.body = message;
      return calls;
    }
    calls.content_type = "application/grpc-web+proto";
    calls.body = [message](uint64_t sequence) {
      const std::string bytes = message(sequence);
      std::string frame(1, '\0');
      const auto size = static_cast<uint32_t>(bytes.size());
      for (int shift = 24; shift >= 0; shift -= 8)
        frame.push_back(static_cast<char>(size >> shift));
      return frame + bytes;
    };
    return calls;
  }

  // The browser edge: the read over Connect alone, then beside `edge.idle` idle and `edge.slow`
  // slowloris connections; then the same read over gRPC, Connect (JSON, then binary) and
  // gRPC-Web; then the server's memory with `edge.watch_streams` browser watch streams open.
  absl::StatusOr<std::vector<Figures>> MeasureEdge(int concurrency) {
    const EdgeOptions& edge = options_.edge;
    const std::string label = absl::StrCat("edge ", options_.store_label, " x", concurrency);
    auto stub = std::shared_ptr<hw::HomeworkService::Stub>(
        hw::HomeworkService::NewStub(ConnectedChannel(server_.served())));
    absl::StatusOr<Calls> calls = CallsFor(Scenario::kRead, stub);
    if (!calls.ok()) return calls.status();
    const std::string load = absl::StrCat(concurrency, " in flight");
    PrintHeader("edge", load,
                absl::StrCat(calls->description, "; over Connect alone, then beside ", edge.idle,
                             " idle + ", edge.slow,
                             " slowloris connections; then over gRPC, Connect JSON, Connect "
                             "binary and gRPC-Web"));
    absl::StatusOr<EchoFigures> echo = MeasureEcho(label, concurrency);
    if (!echo.ok()) return echo.status();
    std::vector<Figures> figures;
    auto measure = [&](const std::string& name, const ConnectCalls& http) -> absl::Status {
      const CpuCounters before = CountCpu();
      absl::StatusOr<UnaryLoadResult> result =
          RunConnectLoad(LoadOptions(absl::StrCat(label, " ", name), concurrency), http);
      if (!result.ok()) return result.status();
      figures.push_back(UnaryFigures(name, load, *result, *echo));
      AddCpuPerCall(before, CountCpu(), result->ok_all, figures.back());
      PrintFigures(figures.back(), out_);
      return absl::OkStatus();
    };
    if (absl::Status done = measure("edge-connect-alone", ReadOverHttp(HttpCodec::kConnectJson));
        !done.ok()) {
      return done;
    }
    {
      absl::StatusOr<std::unique_ptr<HeldConnections>> held =
          HeldConnections::Open(server_.connect_port(), edge.idle, edge.slow, absl::Seconds(2));
      if (!held.ok()) return held.status();
      out_ << absl::StrFormat("  holding %d idle + %d slowloris connections\n", edge.idle,
                              edge.slow);
      if (absl::Status done =
              measure("edge-connect-under-attack", ReadOverHttp(HttpCodec::kConnectJson));
          !done.ok()) {
        return done;
      }
      out_ << absl::StrFormat("  slowloris connections closed by the server and reopened: %d\n",
                              (*held)->slow_reopened());
    }
    const Figures& alone = figures[0];
    const Figures& attacked = figures[1];
    out_ << absl::StrFormat(
                "  under attack / alone: %.2fx p50, %.2fx p99; answered %d of %d calls\n",
                alone.p50_ns > 0 ? static_cast<double>(attacked.p50_ns) / alone.p50_ns : 0.0,
                alone.p99_ns > 0 ? static_cast<double>(attacked.p99_ns) / alone.p99_ns : 0.0,
                attacked.requests - attacked.errors, attacked.requests)
         << std::flush;
    const CpuCounters grpc_before = CountCpu();
    absl::StatusOr<UnaryLoadResult> grpc_read =
        RunUnaryLoad(LoadOptions(absl::StrCat(label, " grpc"), concurrency), calls->start);
    if (!grpc_read.ok()) return grpc_read.status();
    figures.push_back(UnaryFigures("edge-read-grpc", load, *grpc_read, *echo));
    AddCpuPerCall(grpc_before, CountCpu(), grpc_read->ok_all, figures.back());
    PrintFigures(figures.back(), out_);
    if (absl::Status done = measure("edge-read-connect", ReadOverHttp(HttpCodec::kConnectJson));
        !done.ok()) {
      return done;
    }
    if (absl::Status done =
            measure("edge-read-connect-proto", ReadOverHttp(HttpCodec::kConnectProto));
        !done.ok()) {
      return done;
    }
    if (absl::Status done = measure("edge-read-grpc-web", ReadOverHttp(HttpCodec::kGrpcWeb));
        !done.ok()) {
      return done;
    }
    const double grpc_ok = figures[2].ok_per_second;
    const auto over_grpc = [grpc_ok](const Figures& other) {
      return grpc_ok > 0 ? other.ok_per_second / grpc_ok : 0.0;
    };
    out_ << absl::StrFormat(
                "  connect json / grpc: %.3fx ok/s; connect proto / grpc: %.3fx ok/s; "
                "grpc-web / grpc: %.3fx ok/s\n",
                over_grpc(figures[3]), over_grpc(figures[4]), over_grpc(figures[5]))
         << std::flush;
    if (edge.watch_streams > 0) {
      absl::StatusOr<ProcessStatus> before = ReadProcessStatus(server_.served().pid());
      if (!before.ok()) return before.status();
      const absl::Time start = absl::Now();
      absl::StatusOr<std::unique_ptr<BrowserWatchStreams>> streams =
          BrowserWatchStreams::Open(server_.connect_port(), edge.watch_streams, "practices/bench",
                                    server_.bearers().therapist);
      if (!streams.ok()) return streams.status();
      const absl::Duration opening = absl::Now() - start;
      absl::SleepFor(absl::Seconds(1));
      absl::StatusOr<ProcessStatus> after = ReadProcessStatus(server_.served().pid());
      if (!after.ok()) return after.status();
      out_ << absl::StrFormat(
                  "  %d Connect WatchEvents streams open in %.1f s: server RSS %.1f MB -> %.1f "
                  "MB (%.1f KB per stream)\n",
                  edge.watch_streams, absl::ToDoubleSeconds(opening), before->rss_kib / 1024.0,
                  after->rss_kib / 1024.0,
                  static_cast<double>(after->rss_kib - before->rss_kib) / edge.watch_streams)
           << std::flush;
    }
    return figures;
  }

  absl::StatusOr<Figures> MeasureUnary(Scenario scenario, int concurrency) {
    const std::string name = ScenarioName(scenario);
    const std::string label = absl::StrCat(name, " ", options_.store_label, " x", concurrency);
    // The scenario's calls on each of `options_.connections` connections.
    std::vector<CallStarter> starters;
    absl::StatusOr<Calls> calls;
    for (int i = 0; i < options_.connections; ++i) {
      auto stub = std::shared_ptr<hw::HomeworkService::Stub>(
          hw::HomeworkService::NewStub(ConnectedChannel(server_.served())));
      calls = CallsFor(scenario, stub);
      if (!calls.ok()) return calls.status();
      starters.push_back(calls->start);
    }
    calls->start = Spread(std::move(starters));
    const std::string load = LoadLabel(concurrency);
    PrintHeader(name, load, calls->description);

    absl::StatusOr<EchoFigures> echo = MeasureEcho(label, concurrency);
    if (!echo.ok()) return echo.status();
    (void)ResetPeakRss(server_.served().pid());
    const WriteCounters before = CountWrites();
    const CpuCounters cpu_before = CountCpu();
    absl::StatusOr<UnaryLoadResult> result =
        RunUnaryLoad(LoadOptions(label, concurrency), calls->start);
    if (!result.ok()) return result.status();
    const CpuCounters cpu_after = CountCpu();
    const WriteCounters after = CountWrites();

    Figures figures = UnaryFigures(name, load, *result, *echo);
    AddWritesPerCall(before, after, result->ok_all, figures);
    AddCpuPerCall(cpu_before, cpu_after, result->ok_all, figures);
    if (scenario == Scenario::kComplete && options_.pgbench) {
      const int clients = concurrency * options_.connections;
      std::cerr << "  [" << label << "] pgbench's INSERT at " << clients << " clients next"
                << std::endl;
      absl::StatusOr<PgbenchResult> inserts =
          options_.pgbench->Run(clients, options_.warmup, options_.duration);
      if (!inserts.ok()) return inserts.status();
      figures.pgbench_clients = inserts->clients;
      figures.pgbench_transactions = inserts->transactions;
      figures.pgbench_failed = inserts->failed;
      figures.pgbench_tps = inserts->tps;
      figures.pgbench_latency_average_ms = inserts->latency_average_ms;
    }
    PrintFigures(figures, out_);
    return figures;
  }

  absl::StatusOr<Figures> MeasureWatch() {
    WatchLoadOptions watch = options_.watch;
    watch.duration = options_.duration;
    watch.polling_threads = options_.polling_threads;
    absl::StatusOr<std::vector<std::string>> assignments = ActiveAssignments(1);
    if (!assignments.ok()) return assignments.status();
    watch.assignment = assignments->front();
    const std::string load = absl::StrCat(watch.watchers, " streams");
    PrintHeader("watch", load,
                absl::StrFormat("%d WatchEvents streams for the whole practice as the therapist "
                                "over %d connections; CreateCompletion at %.1f/s as the service; "
                                "latency = arrival on a stream - write acknowledged; "
                                "baseline: the echo's bare fan-out of the same load",
                                watch.watchers, watch.channels, watch.events_per_second));

    // The baseline first: the same streams and writes on the echo's bare fan-out.
    const std::string label = absl::StrCat("watch ", options_.store_label, " x", watch.watchers);
    std::cerr << "  [" << label << "] the echo's bare fan-out first" << std::endl;
    (void)ResetPeakRss(echo_.pid());
    absl::StatusOr<WatchLoadResult> bare =
        RunWatchLoad(watch, FanoutWatchTarget(watch, echo_), echo_);
    if (!bare.ok()) return bare.status();
    absl::StatusOr<ProcessStatus> echo_status = ReadProcessStatus(echo_.pid());

    std::cerr << "  [" << label << "] the service's WatchEvents next" << std::endl;
    const pid_t pid = server_.served().pid();
    absl::StatusOr<ProcessStatus> before = ReadProcessStatus(pid);
    (void)ResetPeakRss(pid);
    absl::StatusOr<WatchLoadResult> result = RunWatchLoad(
        watch, ServiceWatchTarget(watch, server_.served(), server_.bearers()), server_.served());
    if (!result.ok()) return result.status();
    const uint64_t missed = result->missed();
    std::string write_codes;
    for (int code = 1; code < 17; ++code) {
      if (result->write_errors[static_cast<size_t>(code)] > 0) {
        absl::StrAppend(&write_codes, " ", CodeName(code), "=",
                        result->write_errors[static_cast<size_t>(code)]);
      }
    }
    Figures figures{.scenario = "watch",
                    .backend = options_.store_label,
                    .load = load,
                    .requests = result->delivered,
                    .errors = result->errors(),
                    .errors_by_code =
                        absl::StrCat("missed deliveries=", missed,
                                     "; writes refused:", write_codes.empty() ? " -" : write_codes,
                                     "; streams ended by the server: ", result->StreamEnds()),
                    .ok_per_second = result->deliveries_per_second(),
                    .p50_ns = result->delivery_after_ack.Percentile(0.50),
                    .p99_ns = result->delivery_after_ack.Percentile(0.99),
                    .echo_ok_per_second = bare->deliveries_per_second(),
                    .echo_p50_ns = bare->delivery_after_ack.Percentile(0.50),
                    .echo_p99_ns = bare->delivery_after_ack.Percentile(0.99),
                    .echo_requests = bare->delivered,
                    .echo_errors = bare->errors(),
                    .echo_peak_kib = echo_status.ok() ? echo_status->peak_rss_kib : 0,
                    .paced = true};
    if (absl::StatusOr<ProcessStatus> status = ReadProcessStatus(pid); status.ok()) {
      figures.server_peak_kib = status->peak_rss_kib;
    }
    out_ << absl::StrFormat(
        "  streams: %d/%d live in %.1f s (%d refused, %d still opening at the timeout and "
        "cancelled, %d never asked for); server with them open: RSS %.1f MiB (before: %.1f "
        "MiB), %d threads (before: %d)\n"
        "  writes: %d acknowledged, p50 %.3f ms, p99 %.3f ms; deliveries %d of %d expected "
        "(%d arrived before the ack, counted as 0)\n"
        "  delivery after send: p50 %.3f ms, p99 %.3f ms, max %.3f ms; after ack: max %.3f ms\n",
        result->opened, result->requested, absl::ToDoubleSeconds(result->open_time),
        result->refused, result->abandoned,
        result->requested - result->opened - result->refused - result->abandoned,
        static_cast<double>(result->server_open.rss_kib) / 1024.0,
        before.ok() ? static_cast<double>(before->rss_kib) / 1024.0 : 0.0,
        result->server_open.threads, before.ok() ? before->threads : 0, result->events_written,
        static_cast<double>(result->write_latency.Percentile(0.5)) / 1e6,
        static_cast<double>(result->write_latency.Percentile(0.99)) / 1e6, result->delivered,
        result->expected, result->before_ack,
        static_cast<double>(result->delivery_after_send.Percentile(0.5)) / 1e6,
        static_cast<double>(result->delivery_after_send.Percentile(0.99)) / 1e6,
        static_cast<double>(result->delivery_after_send.max()) / 1e6,
        static_cast<double>(result->delivery_after_ack.max()) / 1e6);
    out_ << absl::StrFormat(
        "  (requests count deliveries, errors missed deliveries, ok/s is deliveries per second; "
        "the echo row is the same %d streams and writes on the echo's bare fan-out, measured just "
        "before: %d/%d streams live, %d events written, server RSS with them open %.1f MiB)\n",
        watch.watchers, bare->opened, bare->requested, bare->events_written,
        static_cast<double>(bare->server_open.rss_kib) / 1024.0);
    PrintFigures(figures, out_);
    return figures;
  }

  const BenchOptions& options_;
  HomeworkServerProcess& server_;
  ServedProcess& echo_;
  const SeedManifest& seed_;
  std::ostream& out_;
};

}  // namespace

absl::StatusOr<std::vector<Scenario>> ParseScenarios(absl::string_view text) {
  if (text == "all") {
    return std::vector<Scenario>{Scenario::kRead, Scenario::kSummary, Scenario::kComplete,
                                 Scenario::kWatch};
  }
  for (Scenario scenario :
       {Scenario::kRead, Scenario::kGet, Scenario::kSummary, Scenario::kComplete, Scenario::kWatch,
        Scenario::kConnect, Scenario::kEdge}) {
    if (text == ScenarioName(scenario)) return std::vector<Scenario>{scenario};
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "--scenario must be read, get, complete, summary, watch, connect, edge or all, got \"", text,
      "\""));
}

std::string ScenarioName(Scenario scenario) {
  switch (scenario) {
    case Scenario::kRead:
      return "read";
    case Scenario::kGet:
      return "get";
    case Scenario::kSummary:
      return "summary";
    case Scenario::kComplete:
      return "complete";
    case Scenario::kWatch:
      return "watch";
    case Scenario::kConnect:
      return "connect";
    case Scenario::kEdge:
      return "edge";
  }
  return "?";
}

absl::StatusOr<std::vector<Figures>> RunBench(const BenchOptions& options,
                                              HomeworkServerProcess& server, ServedProcess& echo,
                                              const SeedManifest& seed, std::ostream& out) {
  if (!seed.complete()) {
    return absl::FailedPreconditionError(
        "the store's seed is incomplete: finish it with `homework-bench seed` first");
  }
  return Bench(options, server, echo, seed, out).Run();
}

}  // namespace therapy::bench
