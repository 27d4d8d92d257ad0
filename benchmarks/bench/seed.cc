#include "benchmarks/bench/seed.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include <grpcpp/client_context.h>

#include "absl/functional/function_ref.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "benchmarks/bench/interruption.h"
#include "benchmarks/bench/served_process.h"
#include "services/homework/client/call.h"
#include "services/homework/client/rpc_status.h"
#include "services/homework/core/homework.h"
#include "services/homework/core/model/caller.h"
#include "services/homework/storage/open_store.h"
#include "therapy/homework/v1/homework_service.grpc.pb.h"

namespace therapy::bench {
namespace {

namespace hw = homework::v1;

constexpr int64_t kMaxClients = 1'000'000;
constexpr int64_t kMaxAssignmentsPerClient = 1'000;
constexpr int64_t kMaxCompletionsPerAssignment = 1'000;
constexpr int64_t kMaxAssignments = 10'000'000;
constexpr int64_t kMaxCompletions = 100'000'000;
constexpr absl::Duration kMaxTimeLimit = absl::Hours(24);
constexpr absl::Duration kCallDeadline = absl::Seconds(30);
constexpr int kAttempts = 5;
// The subject of the bench's service token (HomeworkServerProcess mints it).
constexpr char kServiceSubject[] = "platform";

google::protobuf::Timestamp ToTimestamp(absl::Time time) {
  google::protobuf::Timestamp timestamp;
  timestamp.set_seconds(absl::ToUnixSeconds(time));
  return timestamp;
}

absl::Status WriteManifest(const std::string& path, const SeedManifest& manifest) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << "# homework-bench seed manifest: what the store beside it holds. Remove the folder to "
           "start over.\n"
        << "practice " << kPractice << "\n"
        << "clients " << manifest.shape.clients << "\n"
        << "assignments_per_client " << manifest.shape.assignments_per_client << "\n"
        << "completions_per_assignment " << manifest.shape.completions_per_assignment << "\n"
        << "anchor_unix_seconds " << absl::ToUnixSeconds(manifest.anchor) << "\n"
        << "clients_done " << manifest.clients_done << "\n";
    if (!out.good()) return absl::UnavailableError(absl::StrCat("cannot write ", temporary));
  }
  std::error_code error;
  std::filesystem::rename(temporary, path, error);
  if (error) return absl::UnavailableError(absl::StrCat("cannot rename to ", path));
  return absl::OkStatus();
}

// Where the seed's writes go: the real server over gRPC, or the same use cases in this
// process on the store file itself. Both are thread-safe.
class SeedTarget {
 public:
  virtual ~SeedTarget() = default;
  virtual absl::StatusOr<hw::Client> CreateClient(const hw::CreateClientRequest& request) = 0;
  virtual absl::StatusOr<hw::Assignment> CreateAssignment(
      const hw::CreateAssignmentRequest& request) = 0;
  virtual absl::StatusOr<hw::Assignment> ActivateAssignment(
      const hw::ActivateAssignmentRequest& request) = 0;
  virtual absl::StatusOr<hw::Completion> CreateCompletion(
      const hw::CreateCompletionRequest& request) = 0;
};

// Over gRPC, as the roles the service expects. Every call is retried while the server answers
// UNAVAILABLE or DEADLINE_EXCEEDED: creates carry request ids, so a retry never duplicates.
class GrpcTarget final : public SeedTarget {
 public:
  GrpcTarget(const std::shared_ptr<grpc::Channel>& channel, const Bearers& bearers,
             const std::atomic<bool>& stop)
      : stub_(hw::HomeworkService::NewStub(channel)), bearers_(bearers), stop_(stop) {}

  absl::StatusOr<hw::Client> CreateClient(const hw::CreateClientRequest& request) override {
    return Call<hw::Client>("CreateClient", bearers_.service, [&](auto* context, auto* response) {
      return stub_->CreateClient(context, request, response);
    });
  }
  absl::StatusOr<hw::Assignment> CreateAssignment(
      const hw::CreateAssignmentRequest& request) override {
    return Call<hw::Assignment>("CreateAssignment", bearers_.therapist,
                                [&](auto* context, auto* response) {
                                  return stub_->CreateAssignment(context, request, response);
                                });
  }
  absl::StatusOr<hw::Assignment> ActivateAssignment(
      const hw::ActivateAssignmentRequest& request) override {
    return Call<hw::Assignment>("ActivateAssignment", bearers_.therapist,
                                [&](auto* context, auto* response) {
                                  return stub_->ActivateAssignment(context, request, response);
                                });
  }
  absl::StatusOr<hw::Completion> CreateCompletion(
      const hw::CreateCompletionRequest& request) override {
    return Call<hw::Completion>("CreateCompletion", bearers_.service,
                                [&](auto* context, auto* response) {
                                  return stub_->CreateCompletion(context, request, response);
                                });
  }

 private:
  template <typename Response, typename Rpc>
  absl::StatusOr<Response> Call(absl::string_view what, const std::string& bearer, Rpc rpc) {
    grpc::Status status;
    Response response;
    for (int attempt = 1; attempt <= kAttempts; ++attempt) {
      if (stop_.load()) return absl::CancelledError("seeding stopped");
      grpc::ClientContext context;
      context.AddMetadata("authorization", bearer);
      context.set_deadline(homework::client::DeadlineAfter(kCallDeadline));
      status = rpc(&context, &response);
      if (status.error_code() != grpc::StatusCode::UNAVAILABLE &&
          status.error_code() != grpc::StatusCode::DEADLINE_EXCEEDED) {
        break;
      }
      absl::SleepFor(absl::Milliseconds(100) * attempt);
    }
    if (absl::Status s = homework::client::FromGrpcStatus(status, what); !s.ok()) return s;
    return response;
  }

  std::unique_ptr<hw::HomeworkService::Stub> stub_;
  const Bearers& bearers_;
  const std::atomic<bool>& stop_;
};

// In this process: the service's own use cases (homework::Homework: the same validation,
// authorisation, rows, events and audit records as over the wire) on the store, without the
// RPC. Callers are the same service and therapist the bench's tokens name.
class CoreTarget final : public SeedTarget {
 public:
  explicit CoreTarget(homework::Store& store) : homework_(store, homework::HomeworkOptions{}) {}

  absl::StatusOr<hw::Client> CreateClient(const hw::CreateClientRequest& request) override {
    return homework_.CreateClient(Caller(kServiceSubject, homework::Role::kService), request);
  }
  absl::StatusOr<hw::Assignment> CreateAssignment(
      const hw::CreateAssignmentRequest& request) override {
    return homework_.CreateAssignment(Caller(kTherapist, homework::Role::kTherapist), request);
  }
  absl::StatusOr<hw::Assignment> ActivateAssignment(
      const hw::ActivateAssignmentRequest& request) override {
    return homework_.ActivateAssignment(Caller(kTherapist, homework::Role::kTherapist), request);
  }
  absl::StatusOr<hw::Completion> CreateCompletion(
      const hw::CreateCompletionRequest& request) override {
    return homework_.CreateCompletion(Caller(kServiceSubject, homework::Role::kService), request);
  }

 private:
  static homework::Caller Caller(absl::string_view subject, homework::Role role) {
    return homework::Caller{.subject = std::string(subject),
                            .practice = kPractice,
                            .role = role,
                            .call_id = homework::CallIdOr("")};
  }

  homework::Homework homework_;
};

// Seeds whole clients through a target.
class ClientSeeder {
 public:
  ClientSeeder(SeedTarget& target, const SeedShape& shape, absl::Time anchor,
               std::atomic<int64_t>& completions_done)
      : target_(target), shape_(shape), anchor_(anchor), completions_done_(completions_done) {}

  // Seeds client `index` with its assignments and completions. CANCELLED when the seed was
  // stopped before it finished.
  absl::Status SeedClient(int64_t index) {
    const std::string client_id = absl::StrFormat("c%07d", index);
    hw::CreateClientRequest create_client;
    create_client.set_parent(absl::StrCat("practices/", kPractice));
    create_client.set_client_id(client_id);
    create_client.set_request_id(absl::StrCat("seed-", client_id));
    create_client.mutable_client()->set_display_name(absl::StrCat("Bench client ", index));
    create_client.mutable_client()->set_time_zone("UTC");
    create_client.mutable_client()->add_care_team(kTherapist);
    absl::StatusOr<hw::Client> client = target_.CreateClient(create_client);
    if (!client.ok()) return client.status();

    const absl::CivilDay anchor_day = absl::ToCivilDay(anchor_, absl::UTCTimeZone());
    for (int64_t a = 0; a < shape_.assignments_per_client; ++a) {
      hw::CreateAssignmentRequest create;
      create.set_parent(client->name());
      create.set_request_id(absl::StrFormat("seed-%s-a%04d", client_id, a));
      hw::Assignment& assignment = *create.mutable_assignment();
      assignment.set_title(absl::StrCat("Rate my mood, round ", a + 1));
      assignment.mutable_exercise()->set_kind(hw::EXERCISE_KIND_MOOD_MONITORING);
      assignment.mutable_exercise()->mutable_mood_monitoring();
      hw::Schedule& schedule = *assignment.mutable_schedule();
      schedule.set_target_count(1);
      schedule.set_period(hw::Schedule::PERIOD_DAY);
      schedule.set_start_date(
          absl::FormatCivilTime(anchor_day - (shape_.completions_per_assignment + 1)));
      schedule.set_preferred_local_time("20:00");
      schedule.set_minimum_version("One rating still counts");
      absl::StatusOr<hw::Assignment> created = target_.CreateAssignment(create);
      if (!created.ok()) return created.status();
      // A replayed create (a resumed seed) returns the assignment as it is now: maybe active.
      if (created->state() == hw::Assignment::STATE_DRAFT) {
        hw::ActivateAssignmentRequest activate;
        activate.set_name(created->name());
        activate.set_etag(created->etag());
        if (absl::StatusOr<hw::Assignment> active = target_.ActivateAssignment(activate);
            !active.ok()) {
          return active.status();
        }
      }
      for (int64_t c = 0; c < shape_.completions_per_assignment; ++c) {
        hw::CreateCompletionRequest record;
        record.set_parent(created->name());
        record.set_request_id(absl::StrFormat("seed-%s-a%04d-k%04d", client_id, a, c));
        hw::Completion& completion = *record.mutable_completion();
        *completion.mutable_occur_time() =
            ToTimestamp(anchor_ - absl::Hours(24) * c - absl::Minutes(a));
        completion.set_occur_time_zone("UTC");
        completion.set_status(hw::Completion::STATUS_DONE);
        completion.set_mood(static_cast<int32_t>((index + a + c) % 11));
        if (absl::StatusOr<hw::Completion> recorded = target_.CreateCompletion(record);
            !recorded.ok()) {
          return recorded.status();
        }
        completions_done_.fetch_add(1, std::memory_order_relaxed);
      }
    }
    return absl::OkStatus();
  }

 private:
  SeedTarget& target_;
  const SeedShape& shape_;
  const absl::Time anchor_;
  std::atomic<int64_t>& completions_done_;
};

// Which clients are done, and the longest prefix of them (what the manifest records: a seed
// resumes after it, replaying the clients that were in progress).
class DoneClients {
 public:
  explicit DoneClients(int64_t first) : prefix_(first), first_(first) {}

  void MarkDone(int64_t client) {
    std::lock_guard<std::mutex> lock(mu_);
    const size_t offset = static_cast<size_t>(client - first_);
    if (done_.size() <= offset) done_.resize(offset + 1, false);
    done_[offset] = true;
    while (static_cast<size_t>(prefix_ - first_) < done_.size() &&
           done_[static_cast<size_t>(prefix_ - first_)]) {
      ++prefix_;
    }
  }

  int64_t prefix() const {
    std::lock_guard<std::mutex> lock(mu_);
    return prefix_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<bool> done_;
  int64_t prefix_;
  const int64_t first_;
};

std::string FormatEta(double seconds) {
  if (seconds < 0 || seconds > 1e7) return "?";
  const int64_t whole = static_cast<int64_t>(seconds);
  return absl::StrFormat("%d:%02d:%02d", whole / 3600, whole / 60 % 60, whole % 60);
}

}  // namespace

absl::Status ValidateShape(const SeedShape& shape) {
  auto bound = [](absl::string_view flag, int64_t value, int64_t low, int64_t high) {
    if (value >= low && value <= high) return absl::OkStatus();
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, " must be ", low, "-", high, ", got ", value));
  };
  if (absl::Status s = bound("clients", shape.clients, 1, kMaxClients); !s.ok()) return s;
  if (absl::Status s = bound("assignments_per_client", shape.assignments_per_client, 1,
                             kMaxAssignmentsPerClient);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = bound("completions_per_assignment", shape.completions_per_assignment, 0,
                             kMaxCompletionsPerAssignment);
      !s.ok()) {
    return s;
  }
  if (shape.assignments() > kMaxAssignments || shape.completions() > kMaxCompletions) {
    return absl::InvalidArgumentError(absl::StrCat(
        "a seed holds at most ", kMaxAssignments, " assignments and ", kMaxCompletions,
        " completions; --clients x --assignments_per_client x --completions_per_assignment "
        "asks for ",
        shape.assignments(), " and ", shape.completions()));
  }
  return absl::OkStatus();
}

std::string ClientName(int64_t client) {
  return absl::StrFormat("practices/%s/clients/c%07d", kPractice, client);
}

absl::StatusOr<SeedManifest> ReadManifest(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("no seed manifest at ", path));
  std::map<std::string, std::string> fields;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::pair<std::string, std::string> field = absl::StrSplit(line, absl::MaxSplits(' ', 1));
    fields[field.first] = field.second;
  }
  SeedManifest manifest;
  int64_t anchor = 0;
  const bool read =
      absl::SimpleAtoi(fields["clients"], &manifest.shape.clients) &&
      absl::SimpleAtoi(fields["assignments_per_client"], &manifest.shape.assignments_per_client) &&
      absl::SimpleAtoi(fields["completions_per_assignment"],
                       &manifest.shape.completions_per_assignment) &&
      absl::SimpleAtoi(fields["anchor_unix_seconds"], &anchor) &&
      absl::SimpleAtoi(fields["clients_done"], &manifest.clients_done) &&
      fields["practice"] == kPractice;
  if (!read) return absl::DataLossError(absl::StrCat("unreadable seed manifest ", path));
  manifest.anchor = absl::FromUnixSeconds(anchor);
  return manifest;
}

namespace {

// Seeds through the target `make_target` returns (it may watch `stop`, which is set when the
// seed stops early).
absl::StatusOr<SeedManifest> RunSeed(
    const SeedOptions& options,
    absl::FunctionRef<std::unique_ptr<SeedTarget>(const std::atomic<bool>& stop)> make_target) {
  if (absl::Status valid = ValidateShape(options.shape); !valid.ok()) return valid;
  if (options.concurrency < 1 || options.concurrency > 256) {
    return absl::InvalidArgumentError(
        absl::StrCat("--seed_concurrency must be 1-256, got ", options.concurrency));
  }
  if (options.time_limit <= absl::ZeroDuration() || options.time_limit > kMaxTimeLimit) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--seed_time_limit must be more than 0 and at most ", absl::FormatDuration(kMaxTimeLimit)));
  }

  SeedManifest manifest;
  absl::StatusOr<SeedManifest> existing = ReadManifest(options.manifest_path);
  if (existing.ok()) {
    const SeedShape& had = existing->shape;
    if (had.clients != options.shape.clients ||
        had.assignments_per_client != options.shape.assignments_per_client ||
        had.completions_per_assignment != options.shape.completions_per_assignment) {
      return absl::FailedPreconditionError(absl::StrCat(
          options.manifest_path, " records a seed of ", had.clients, " clients x ",
          had.assignments_per_client, " assignments x ", had.completions_per_assignment,
          " completions; pass that shape to resume it, or use a fresh --data_dir"));
    }
    manifest = *existing;
  } else if (absl::IsNotFound(existing.status())) {
    manifest.shape = options.shape;
    // Completions count back from a minute boundary a little in the past (never the future).
    manifest.anchor =
        absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now()) / 60 * 60) - absl::Minutes(10);
    if (absl::Status s = WriteManifest(options.manifest_path, manifest); !s.ok()) return s;
  } else {
    return existing.status();
  }
  if (manifest.complete()) return manifest;

  const SeedShape shape = manifest.shape;
  const int64_t first = manifest.clients_done;
  const int64_t total = shape.completions();
  std::atomic<int64_t> completions_done{first * shape.assignments_per_client *
                                        shape.completions_per_assignment};
  const int64_t resumed_at = completions_done.load();
  std::cerr << absl::StrFormat(
                   "seed: %d clients x %d assignments x %d completions = %d assignments, %d "
                   "completions; %s at client %d, %d callers, time limit %s\n",
                   shape.clients, shape.assignments_per_client, shape.completions_per_assignment,
                   shape.assignments(), total, first == 0 ? "starting" : "resuming", first,
                   options.concurrency, absl::FormatDuration(options.time_limit))
            << std::flush;

  std::atomic<bool> stop{false};
  const std::unique_ptr<SeedTarget> target = make_target(stop);
  std::atomic<int64_t> next_client{first};
  DoneClients done(first);
  std::mutex error_mu;
  absl::Status first_error;
  std::vector<std::thread> callers;
  for (int t = 0; t < options.concurrency; ++t) {
    callers.emplace_back([&] {
      ClientSeeder seeder(*target, shape, manifest.anchor, completions_done);
      while (!stop.load()) {
        const int64_t client = next_client.fetch_add(1);
        if (client >= shape.clients) return;
        absl::Status seeded = seeder.SeedClient(client);
        if (absl::IsCancelled(seeded)) return;
        if (!seeded.ok()) {
          std::lock_guard<std::mutex> lock(error_mu);
          if (first_error.ok()) {
            first_error = absl::Status(
                seeded.code(), absl::StrCat("client ", ClientName(client), ": ", seeded.message()));
          }
          stop.store(true);
          return;
        }
        done.MarkDone(client);
      }
    });
  }

  // Progress and the manifest, every progress_interval, until the callers are done.
  const absl::Time started = absl::Now();
  const absl::Time deadline = started + options.time_limit;
  std::atomic<int> running{options.concurrency};
  std::thread reaper([&] {
    for (std::thread& caller : callers) caller.join();
    running.store(0);
  });
  absl::Time next_progress = started + options.progress_interval;
  while (running.load() > 0) {
    absl::SleepFor(absl::Milliseconds(50));
    const absl::Time now = absl::Now();
    if (!stop.load() && (now >= deadline || Interrupted())) {
      std::cerr << (Interrupted() ? "seed: interrupted" : "seed: time limit reached")
                << "; stopping the callers (rerun the same command to resume)" << std::endl;
      stop.store(true);
    }
    if (now >= next_progress) {
      const int64_t count = completions_done.load();
      const double seconds = absl::ToDoubleSeconds(now - started);
      const double rate = static_cast<double>(count - resumed_at) / seconds;
      std::cerr << absl::StrFormat(
                       "  seed: %d/%d completions (%.1f %%), %.0f/s, ETA %s; clients done %d/%d\n",
                       count, total,
                       total == 0 ? 100.0
                                  : 100.0 * static_cast<double>(count) / static_cast<double>(total),
                       rate, FormatEta(rate > 0 ? static_cast<double>(total - count) / rate : -1),
                       done.prefix(), shape.clients)
                << std::flush;
      manifest.clients_done = done.prefix();
      if (absl::Status s = WriteManifest(options.manifest_path, manifest); !s.ok()) {
        std::cerr << "seed: " << s << std::endl;
      }
      next_progress = now + options.progress_interval;
    }
  }
  reaper.join();
  manifest.clients_done = done.prefix();
  if (absl::Status s = WriteManifest(options.manifest_path, manifest); !s.ok()) return s;
  if (!first_error.ok()) return first_error;
  const double seconds = absl::ToDoubleSeconds(absl::Now() - started);
  std::cerr << absl::StrFormat(
                   "seed: %s, %d/%d clients, %d completions written in %.1f s (%.0f/s)\n",
                   manifest.complete() ? "complete" : "stopped", manifest.clients_done,
                   shape.clients, completions_done.load() - resumed_at, seconds,
                   static_cast<double>(completions_done.load() - resumed_at) / seconds)
            << std::flush;
  return manifest;
}

}  // namespace

absl::StatusOr<SeedManifest> Seed(const SeedOptions& options,
                                  const std::shared_ptr<grpc::Channel>& channel,
                                  const Bearers& bearers) {
  return RunSeed(options, [&](const std::atomic<bool>& stop) -> std::unique_ptr<SeedTarget> {
    return std::make_unique<GrpcTarget>(channel, bearers, stop);
  });
}

absl::StatusOr<SeedManifest> SeedInProcess(const SeedOptions& options,
                                           const std::string& store_uri) {
  std::cerr << "seed: in process, on the store itself (no server may use it meanwhile)"
            << std::endl;
  absl::StatusOr<std::unique_ptr<homework::Store>> store =
      homework::OpenStore(homework::StoreOptions{.uri = store_uri});
  if (!store.ok()) return store.status();
  return RunSeed(options, [&](const std::atomic<bool>&) -> std::unique_ptr<SeedTarget> {
    return std::make_unique<CoreTarget>(**store);
  });
}

}  // namespace therapy::bench
