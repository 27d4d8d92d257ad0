// GetReviewSummary latency for a client with a year of practice, against a baseline measured in
// the same run.
//
// Set-up (once): the real Server (services/homework/server.h) in-process on 127.0.0.1:0 with a
// SQLite file in a temporary folder and a freshly generated dev key; then, through the real gRPC
// API and as the roles the service expects, a service creates the client, the therapist creates
// and activates five daily assignments of different kinds starting 366 days ago, and the client
// records one completion per assignment per day for the 365 days before today (1,825 in all).
//
// Benchmarks (real gRPC calls on one channel, wall-clock time, one call in flight):
//   BM_GetClient                the baseline: a point read of the same client, same token
//                               verification, same authorisation and the same audit write
//   BM_GetReviewSummary/7d      the default period (no since_time)
//   BM_GetReviewSummary/30d     since_time 30 days ago
//   BM_GetReviewSummary/365d    since_time 365 days ago (every completion)
//   BM_ListAttentionItems       with --caseload=N (N > 1): the therapist's attention list over N
//                               clients seeded alike (every fourth one stops practising 20 days
//                               before today, so it is listed), one page of up to 100
// After the run, main prints each benchmark's latency as a ratio to BM_GetClient: the machine is
// shared and noisy, so absolute figures move from run to run and the ratio is the figure to
// compare. Repetitions are randomly interleaved so the baseline and the summaries share the
// same noise.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "benchmark/benchmark.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "services/homework/auth/dev_keys.h"
#include "services/homework/client/rpc_status.h"
#include "services/homework/logging/json_log.h"
#include "services/homework/server.h"
#include "therapy/homework/v1/homework_service.grpc.pb.h"

namespace therapy::homework {
namespace {

constexpr char kPractice[] = "sunrise";
constexpr char kClientId[] = "ana";
constexpr char kTherapist[] = "dr-lee";
constexpr char kTimeZone[] = "Europe/Berlin";
constexpr int kDaysOfPractice = 365;

// The baseline, and the review periods in the order they are registered and summarised.
constexpr char kBaseline[] = "BM_GetClient";
constexpr char kAttention[] = "BM_ListAttentionItems";
struct Period {
  const char* benchmark;
  int days;  // 7 is the default period: the request leaves since_time unset
};
constexpr Period kPeriods[] = {{"BM_GetReviewSummary/7d", 7},
                               {"BM_GetReviewSummary/30d", 30},
                               {"BM_GetReviewSummary/365d", 365}};

google::protobuf::Timestamp ToTimestamp(absl::Time time) {
  google::protobuf::Timestamp timestamp;
  timestamp.set_seconds(absl::ToUnixSeconds(time));
  return timestamp;
}

// One assignment of the year, and how its client records a day of practice.
struct Exercise {
  std::string title;
  std::string preferred_local_time;  // HH:MM
  int hour = 0;
  void (*describe)(v1::Exercise&);
  void (*record)(int day, v1::Completion&);
};

std::vector<Exercise> ExercisesOfTheYear() {
  return {
      {"Order coffee at the busy counter", "08:00", 8,
       [](v1::Exercise& e) {
         e.set_kind(v1::EXERCISE_KIND_EXPOSURE_PRACTICE);
         auto* d = e.mutable_exposure_practice();
         d->set_situation("Order coffee at the busy counter and stay until the queue clears");
         d->set_expected_suds(60);
         d->set_stay_until_drop_percent(50);
       },
       [](int day, v1::Completion& c) {
         const int before = std::max(10, 70 - day / 8);
         c.mutable_suds()->set_before(before);
         c.mutable_suds()->set_peak(std::min(100, before + 15));
         c.mutable_suds()->set_after(std::max(0, before - 30));
         c.set_minutes(25);
       }},
      {"Paced breathing", "10:00", 10,
       [](v1::Exercise& e) {
         e.set_kind(v1::EXERCISE_KIND_SKILLS_PRACTICE);
         e.mutable_skills_practice()->set_skill(v1::SkillsPracticeInstructions::SKILL_BREATHING);
       },
       [](int day, v1::Completion& c) {
         c.mutable_suds()->set_before(40 + day % 20);
         c.mutable_suds()->set_after(20 + day % 10);
         c.set_minutes(10);
       }},
      {"Rate my mood", "13:00", 13,
       [](v1::Exercise& e) {
         e.set_kind(v1::EXERCISE_KIND_MOOD_MONITORING);
         e.mutable_mood_monitoring();
       },
       [](int day, v1::Completion& c) { c.set_mood(3 + (day * 7) % 6); }},
      {"Evening walk", "18:00", 18,
       [](v1::Exercise& e) {
         e.set_kind(v1::EXERCISE_KIND_BEHAVIORAL_TRACKING);
         e.mutable_behavioral_tracking()->add_activities("walk");
         e.mutable_behavioral_tracking()->set_rate_mastery_and_pleasure(true);
       },
       [](int day, v1::Completion& c) {
         c.mutable_activity()->set_activity("walk");
         c.mutable_activity()->set_mastery(day % 11);
         c.mutable_activity()->set_pleasure((day * 3) % 11);
         c.set_minutes(30);
       }},
      {"Lights out by eleven", "22:00", 22,
       [](v1::Exercise& e) {
         e.set_kind(v1::EXERCISE_KIND_SELF_CARE);
         auto* d = e.mutable_self_care();
         d->set_domain(v1::SelfCareInstructions::DOMAIN_SLEEP);
         d->set_target_amount(7.5);
         d->set_unit("hours");
       },
       [](int day, v1::Completion& c) {
         c.mutable_self_care()->set_amount(6.5 + (day % 4) * 0.5);
       }},
  };
}

// A real Server on a SQLite file in a temporary folder, seeded with a year of practice through
// its own gRPC API. The destructor stops the server and removes the folder.
class SeededServer {
 public:
  // `caseload` clients on the therapist's care team: "ana" and caseload - 1 more.
  static absl::StatusOr<std::unique_ptr<SeededServer>> Start(int caseload) {
    std::unique_ptr<SeededServer> env(new SeededServer());
    std::string pattern = (std::filesystem::temp_directory_path() / "homework-bench-XXXXXX");
    if (::mkdtemp(pattern.data()) == nullptr) {
      return absl::UnavailableError(absl::StrCat("cannot create a folder like ", pattern));
    }
    env->dir_ = pattern;

    absl::StatusOr<SigningKey> key = GenerateSigningKey("bench-1");
    if (!key.ok()) return key.status();
    env->key_ = *std::move(key);
    absl::StatusOr<std::string> jwks = PublicJwks(env->key_);
    if (!jwks.ok()) return jwks.status();
    const std::string jwks_path = env->dir_ / "jwks.json";
    std::ofstream(jwks_path) << *jwks;

    // The server writes one log line per call, as in production (where it goes to stderr).
    env->log_file_ = std::fopen((env->dir_ / "server.log").c_str(), "w");
    if (env->log_file_ == nullptr) return absl::UnavailableError("cannot open server.log");
    env->log_ = std::make_unique<JsonLog>(env->log_file_);

    absl::StatusOr<std::unique_ptr<Server>> server = Server::Start(
        ServerOptions{.listen_address = "127.0.0.1:0",
                      .store_uri = absl::StrCat("sqlite:", (env->dir_ / "homework.db").string()),
                      .jwks_path = jwks_path},
        *env->log_);
    if (!server.ok()) return server.status();
    env->server_ = *std::move(server);
    env->stub_ = v1::HomeworkService::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", env->server_->port()), grpc::InsecureChannelCredentials()));

    for (auto [role, subject] :
         {std::pair{"service", "platform"}, std::pair{"therapist", kTherapist},
          std::pair{"client", kClientId}}) {
      absl::StatusOr<std::string> token =
          MintToken(env->key_, TokenClaims{.subject = subject, .practice = kPractice, .role = role},
                    absl::Now());
      if (!token.ok()) return token.status();
      env->bearer_[role] = absl::StrCat("Bearer ", *token);
    }
    for (int i = 0; i < caseload; ++i) {
      const std::string id = i == 0 ? std::string(kClientId) : absl::StrCat("client-", i);
      // Every fourth client after "ana" stopped practising 20 days ago.
      const int days = i % 4 == 1 ? kDaysOfPractice - 20 : kDaysOfPractice;
      if (absl::Status seeded = env->SeedYear(id, days); !seeded.ok()) return seeded;
    }
    return env;
  }

  SeededServer(const SeededServer&) = delete;
  SeededServer& operator=(const SeededServer&) = delete;

  ~SeededServer() {
    stub_.reset();
    if (server_) server_->Shutdown(absl::Seconds(1));
    server_.reset();
    if (log_file_ != nullptr) std::fclose(log_file_);
    std::error_code ignored;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ignored);
  }

  v1::HomeworkService::Stub& stub() { return *stub_; }
  std::string client_name() const {
    return absl::StrCat("practices/", kPractice, "/clients/", kClientId);
  }

  // A fresh context carrying the token of `role` ("service", "therapist" or "client").
  std::unique_ptr<grpc::ClientContext> As(const std::string& role) const {
    auto context = std::make_unique<grpc::ClientContext>();
    context->AddMetadata("authorization", bearer_.at(role));
    return context;
  }

 private:
  SeededServer() = default;

  // A client `id` with a year of the five assignments, practised on the first `days_practised`
  // days of the 365.
  absl::Status SeedYear(const std::string& id, int days_practised) {
    const absl::Time started = absl::Now();
    absl::TimeZone zone;
    if (!absl::LoadTimeZone(kTimeZone, &zone)) {
      return absl::FailedPreconditionError(absl::StrCat("no tzdata for ", kTimeZone));
    }
    const absl::CivilDay today = absl::ToCivilDay(started, zone);

    v1::CreateClientRequest create_client;
    create_client.set_parent(absl::StrCat("practices/", kPractice));
    create_client.set_client_id(id);
    create_client.mutable_client()->set_display_name(id);
    create_client.mutable_client()->set_time_zone(kTimeZone);
    create_client.mutable_client()->add_care_team(kTherapist);
    create_client.set_request_id(absl::StrCat("seed-client-", id));
    v1::Client client;
    if (absl::Status s = homework::client::FromGrpcStatus(
            stub_->CreateClient(As("service").get(), create_client, &client), "CreateClient");
        !s.ok()) {
      return s;
    }

    const std::vector<Exercise> exercises = ExercisesOfTheYear();
    std::vector<std::string> assignment_names;
    for (size_t i = 0; i < exercises.size(); ++i) {
      v1::CreateAssignmentRequest create;
      create.set_parent(client.name());
      create.set_request_id(absl::StrCat("seed-assignment-", id, "-", i));
      v1::Assignment& a = *create.mutable_assignment();
      a.set_title(exercises[i].title);
      exercises[i].describe(*a.mutable_exercise());
      v1::Schedule& schedule = *a.mutable_schedule();
      schedule.set_target_count(1);
      schedule.set_period(v1::Schedule::PERIOD_DAY);
      schedule.set_start_date(absl::FormatCivilTime(today - (kDaysOfPractice + 1)));
      schedule.set_preferred_local_time(exercises[i].preferred_local_time);
      schedule.set_minimum_version("Two minutes of it still counts");
      v1::Assignment created;
      if (absl::Status s = homework::client::FromGrpcStatus(
              stub_->CreateAssignment(As("therapist").get(), create, &created), "CreateAssignment");
          !s.ok()) {
        return s;
      }
      v1::ActivateAssignmentRequest activate;
      activate.set_name(created.name());
      activate.set_etag(created.etag());
      v1::Assignment active;
      if (absl::Status s = homework::client::FromGrpcStatus(
              stub_->ActivateAssignment(As("therapist").get(), activate, &active),
              "ActivateAssignment");
          !s.ok()) {
        return s;
      }
      assignment_names.push_back(active.name());
    }

    const size_t total = exercises.size() * days_practised;
    std::cerr << "seeding " << total << " completions..." << std::endl;
    // One caller thread per assignment: the store commits one at a time, so a few calls in
    // flight keep it busy while the others travel.
    absl::StatusOr<std::string> client_token = MintToken(
        key_, TokenClaims{.subject = id, .practice = kPractice, .role = "client"}, absl::Now());
    if (!client_token.ok()) return client_token.status();
    const std::string client_bearer = absl::StrCat("Bearer ", *client_token);
    std::vector<absl::Status> outcomes(exercises.size());
    std::vector<std::thread> callers;
    for (size_t i = 0; i < exercises.size(); ++i) {
      callers.emplace_back([&, i] {
        for (int day = 0; day < days_practised && outcomes[i].ok(); ++day) {
          // Days run from 365 days ago to yesterday, near the preferred time, a little late.
          const absl::CivilDay date = today - kDaysOfPractice + day;
          const absl::Time occur =
              absl::FromCivil(absl::CivilMinute(date.year(), date.month(), date.day(),
                                                exercises[i].hour, (day * 7) % 50),
                              zone);
          v1::CreateCompletionRequest request;
          request.set_parent(assignment_names[i]);
          request.set_request_id(absl::StrCat("seed-", id, "-", i, "-", day));
          v1::Completion& c = *request.mutable_completion();
          *c.mutable_occur_time() = ToTimestamp(occur);
          c.set_occur_time_zone(kTimeZone);
          c.set_status(day % 10 == 3   ? v1::Completion::STATUS_MINIMUM_VERSION
                       : day % 13 == 5 ? v1::Completion::STATUS_PARTIAL
                                       : v1::Completion::STATUS_DONE);
          exercises[i].record(day, c);
          v1::Completion recorded;
          auto context = std::make_unique<grpc::ClientContext>();
          context->AddMetadata("authorization", client_bearer);
          outcomes[i] = homework::client::FromGrpcStatus(
              stub_->CreateCompletion(context.get(), request, &recorded), "CreateCompletion");
        }
      });
    }
    for (std::thread& caller : callers) caller.join();
    for (const absl::Status& outcome : outcomes) {
      if (!outcome.ok()) return outcome;
    }
    std::cerr << "seeded " << total << " completions in " << std::fixed << std::setprecision(1)
              << absl::ToDoubleSeconds(absl::Now() - started) << " s" << std::endl;
    return absl::OkStatus();
  }

  std::filesystem::path dir_;
  SigningKey key_;
  std::map<std::string, std::string> bearer_;  // role -> "Bearer <token>"
  std::FILE* log_file_ = nullptr;
  std::unique_ptr<JsonLog> log_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<v1::HomeworkService::Stub> stub_;
};

// A GetReviewSummary request as the therapist opens it; 0 days means the default period.
v1::GetReviewSummaryRequest SummaryRequest(const SeededServer& env, int days) {
  v1::GetReviewSummaryRequest request;
  request.set_client(env.client_name());
  if (days > 0) *request.mutable_since_time() = ToTimestamp(absl::Now() - absl::Hours(24 * days));
  return request;
}

// Per-call latencies of every timed call, by benchmark name, for percentiles over the whole run.
using CallLatencies = std::map<std::string, std::vector<double>>;  // microseconds

// Times each call on its own as well as the whole loop, so percentiles are per call.
template <typename Call>
void MeasureCalls(benchmark::State& state, std::vector<double>& latencies_us, Call call) {
  std::vector<double> local;
  for ([[maybe_unused]] auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    const grpc::Status status = call();
    const auto end = std::chrono::steady_clock::now();
    if (!status.ok()) {
      state.SkipWithError(status.error_message().c_str());
      break;
    }
    local.push_back(std::chrono::duration<double, std::micro>(end - start).count());
  }
  latencies_us.insert(latencies_us.end(), local.begin(), local.end());
}

void RegisterBenchmarks(SeededServer& env, int caseload, CallLatencies& latencies) {
  if (caseload > 1) {
    benchmark::RegisterBenchmark(kAttention,
                                 [&env, &latencies](benchmark::State& state) {
                                   v1::ListAttentionItemsRequest request;
                                   request.set_parent(absl::StrCat("practices/", kPractice));
                                   MeasureCalls(state, latencies[kAttention], [&] {
                                     v1::ListAttentionItemsResponse response;
                                     return env.stub().ListAttentionItems(env.As("therapist").get(),
                                                                          request, &response);
                                   });
                                 })
        ->UseRealTime()
        ->Unit(benchmark::kMicrosecond);
  }
  benchmark::RegisterBenchmark(kBaseline,
                               [&env, &latencies](benchmark::State& state) {
                                 v1::GetClientRequest request;
                                 request.set_name(env.client_name());
                                 MeasureCalls(state, latencies[kBaseline], [&] {
                                   v1::Client response;
                                   return env.stub().GetClient(env.As("therapist").get(), request,
                                                               &response);
                                 });
                               })
      ->UseRealTime()
      ->Unit(benchmark::kMicrosecond);
  for (const Period& period : kPeriods) {
    benchmark::RegisterBenchmark(period.benchmark,
                                 [&env, &latencies, period](benchmark::State& state) {
                                   MeasureCalls(state, latencies[period.benchmark], [&] {
                                     const v1::GetReviewSummaryRequest request =
                                         SummaryRequest(env, period.days == 7 ? 0 : period.days);
                                     v1::ReviewSummary response;
                                     return env.stub().GetReviewSummary(env.As("therapist").get(),
                                                                        request, &response);
                                   });
                                 })
        ->UseRealTime()
        ->Unit(benchmark::kMicrosecond);
  }
}

// Prints what each period's summary holds, so the latencies can be read against the work done.
absl::Status DescribeSummaries(SeededServer& env) {
  for (const Period& period : kPeriods) {
    const int days = period.days;
    v1::ReviewSummary summary;
    if (absl::Status s = homework::client::FromGrpcStatus(
            env.stub().GetReviewSummary(env.As("therapist").get(), SummaryRequest(env, days),
                                        &summary),
            "GetReviewSummary");
        !s.ok()) {
      return s;
    }
    int completed = 0;
    for (const v1::AssignmentReview& review : summary.assignments()) {
      completed += review.adherence().completed_count();
    }
    if (summary.assignments_size() != 5 || completed < 5 * (days - 2)) {
      return absl::InternalError(
          absl::StrCat(days, "d summary holds ", summary.assignments_size(), " assignments and ",
                       completed, " completed practices; expected 5 and about ", 5 * days));
    }
    std::cerr << days << "d summary: " << summary.assignments_size() << " assignments, "
              << completed << " practices counted, " << summary.mood_trend_size()
              << " mood points, " << summary.ByteSizeLong() << " bytes" << std::endl;
  }
  return absl::OkStatus();
}

// Passes every report to the display reporter, keeping the median over repetitions (or the
// single run) of each benchmark's mean latency for the ratios.
class RecordingReporter final : public benchmark::BenchmarkReporter {
 public:
  explicit RecordingReporter(benchmark::BenchmarkReporter& display) : display_(display) {}

  bool ReportContext(const Context& context) override { return display_.ReportContext(context); }

  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) {
      if (run.error_occurred) continue;
      const bool median = run.run_type == Run::RT_Aggregate && run.aggregate_name == "median";
      const bool single = run.run_type == Run::RT_Iteration && run.repetitions <= 1;
      if (median || single) {
        mean_latency_us_[run.run_name.function_name] =
            run.GetAdjustedRealTime() / benchmark::GetTimeUnitMultiplier(run.time_unit) * 1e6;
      }
    }
    display_.ReportRuns(runs);
  }

  void Finalize() override { display_.Finalize(); }

  const std::map<std::string, double>& mean_latency_us() const { return mean_latency_us_; }

 private:
  benchmark::BenchmarkReporter& display_;
  std::map<std::string, double> mean_latency_us_;
};

// Nearest rank. REQUIRES: `values` is not empty.
double Percentile(std::vector<double> values, double fraction) {
  std::sort(values.begin(), values.end());
  const size_t rank = static_cast<size_t>(fraction * static_cast<double>(values.size()));
  return values[std::min(rank, values.size() - 1)];
}

void PrintRatios(const std::map<std::string, double>& mean_latency_us,
                 const CallLatencies& latencies, std::ostream& out) {
  const auto baseline_mean = mean_latency_us.find(kBaseline);
  const auto baseline_calls = latencies.find(kBaseline);
  if (baseline_mean == mean_latency_us.end() || baseline_calls == latencies.end() ||
      baseline_calls->second.empty()) {
    out << "\nno BM_GetClient baseline in this run: no ratios (do not filter it out)\n";
    return;
  }
  const double base_p50 = Percentile(baseline_calls->second, 0.50);
  const double base_p99 = Percentile(baseline_calls->second, 0.99);
  out << "\nLatency against BM_GetClient measured in this run (ratio = benchmark / baseline).\n"
      << "mean: median over repetitions of each repetition's mean; p50/p99: over every timed call\n"
      << "(iteration-count estimation included).\n";
  out << std::left << std::setw(26) << "benchmark" << std::right << std::setw(8) << "calls"
      << std::setw(11) << "mean us" << std::setw(8) << "x" << std::setw(11) << "p50 us"
      << std::setw(8) << "x" << std::setw(11) << "p99 us" << std::setw(8) << "x"
      << "\n";
  std::vector<std::string> rows = {kBaseline};
  for (const Period& period : kPeriods) rows.emplace_back(period.benchmark);
  rows.emplace_back(kAttention);
  for (const std::string& name : rows) {
    const auto mean_of = mean_latency_us.find(name);
    const auto calls = latencies.find(name);
    if (mean_of == mean_latency_us.end() || calls == latencies.end() || calls->second.empty()) {
      continue;
    }
    const double mean = mean_of->second;
    const double p50 = Percentile(calls->second, 0.50);
    const double p99 = Percentile(calls->second, 0.99);
    out << std::left << std::setw(26) << name << std::right << std::setw(8) << calls->second.size()
        << std::fixed << std::setprecision(0) << std::setw(11) << mean << std::setprecision(2)
        << std::setw(8) << mean / baseline_mean->second << std::setprecision(0) << std::setw(11)
        << p50 << std::setprecision(2) << std::setw(8) << p50 / base_p50 << std::setprecision(0)
        << std::setw(11) << p99 << std::setprecision(2) << std::setw(8) << p99 / base_p99 << "\n";
  }
}

}  // namespace
}  // namespace therapy::homework

int main(int argc, char** argv) {
  using therapy::homework::CallLatencies;
  using therapy::homework::SeededServer;

  // Defaults that keep a run near 30 s on 2 cores and give the ratio repetitions to stand on;
  // flags given on the command line come later and win.
  std::vector<std::string> words = {
      argv[0], "--benchmark_min_time=0.5", "--benchmark_repetitions=7",
      "--benchmark_enable_random_interleaving=true", "--benchmark_display_aggregates_only=true"};
  bool console = true;
  int caseload = 1;
  for (int i = 1; i < argc; ++i) {
    if (absl::StartsWith(argv[i], "--caseload=")) {
      if (!absl::SimpleAtoi(absl::string_view(argv[i]).substr(11), &caseload) || caseload < 1 ||
          caseload > 1000) {
        std::cerr << "--caseload must be 1-1000" << std::endl;
        return 1;
      }
      continue;
    }
    words.emplace_back(argv[i]);
    if (absl::StartsWith(argv[i], "--benchmark_format=") && !absl::EndsWith(argv[i], "=console")) {
      console = false;
    }
  }
  std::vector<char*> args;
  for (std::string& word : words) args.push_back(word.data());
  args.push_back(nullptr);
  int count = static_cast<int>(words.size());
  benchmark::Initialize(&count, args.data());
  if (benchmark::ReportUnrecognizedArguments(count, args.data())) return 1;

  absl::StatusOr<std::unique_ptr<SeededServer>> env = SeededServer::Start(caseload);
  if (!env.ok()) {
    std::cerr << "set-up failed: " << env.status() << std::endl;
    return 1;
  }
  if (absl::Status described = therapy::homework::DescribeSummaries(**env); !described.ok()) {
    std::cerr << "set-up failed: " << described << std::endl;
    return 1;
  }

  CallLatencies latencies;
  therapy::homework::RegisterBenchmarks(**env, caseload, latencies);
  if (caseload > 1) {
    therapy::homework::v1::ListAttentionItemsRequest request;
    request.set_parent("practices/sunrise");
    therapy::homework::v1::ListAttentionItemsResponse listed;
    grpc::Status status =
        (*env)->stub().ListAttentionItems((*env)->As("therapist").get(), request, &listed);
    std::cerr << "attention list of " << caseload << " clients: "
              << (status.ok() ? absl::StrCat(listed.attention_items_size(), " listed, ",
                                             listed.ByteSizeLong(), " bytes")
                              : status.error_message())
              << std::endl;
  }
  therapy::homework::RecordingReporter reporter(*benchmark::CreateDefaultDisplayReporter());
  benchmark::RunSpecifiedBenchmarks(&reporter);
  // A machine-readable format owns stdout; the ratios then go to stderr.
  therapy::homework::PrintRatios(reporter.mean_latency_us(), latencies,
                                 console ? std::cout : std::cerr);
  benchmark::Shutdown();
  return 0;
}
