#ifndef BENCHMARKS_BENCH_SEED_H_
#define BENCHMARKS_BENCH_SEED_H_

#include <cstdint>
#include <memory>
#include <string>

#include <grpcpp/channel.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "benchmarks/bench/homework_server_process.h"

namespace therapy::bench {

// How much a seeded store holds. Every client is on kTherapist's care team and has
// `assignments_per_client` active daily mood-monitoring assignments, each with
// `completions_per_assignment` completions, one a day for the days before the seed's anchor.
struct SeedShape {
  int64_t clients = 16;
  int64_t assignments_per_client = 10;
  int64_t completions_per_assignment = 10;

  int64_t assignments() const { return clients * assignments_per_client; }
  int64_t completions() const { return assignments() * completions_per_assignment; }
};

// The bounds of a shape: at most 1,000,000 clients, 1,000 assignments per client, 1,000
// completions per assignment, 10,000,000 assignments and 100,000,000 completions in all.
// INVALID_ARGUMENT naming the flag otherwise.
absl::Status ValidateShape(const SeedShape& shape);

// `practices/bench/clients/c0000042` for client 42.
std::string ClientName(int64_t client);

// What the store next to the manifest file holds: the shape asked for, the time its
// completions count back from, and how many clients (0 .. clients_done - 1) are fully seeded.
struct SeedManifest {
  SeedShape shape;
  absl::Time anchor;
  int64_t clients_done = 0;
  bool complete() const { return clients_done >= shape.clients; }
};

// Reads a manifest; NOT_FOUND when the file does not exist, DATA_LOSS when it is unreadable.
absl::StatusOr<SeedManifest> ReadManifest(const std::string& path);

struct SeedOptions {
  SeedShape shape;
  std::string manifest_path;                   // read to resume, rewritten as clients finish
  int concurrency = 16;                        // callers in flight, 1-256
  absl::Duration time_limit = absl::Hours(2);  // then it stops, resumable; at most 24 h
  absl::Duration progress_interval = absl::Seconds(5);
};

// Seeds the store through the real server's gRPC API, as the roles the service expects: the
// service creates each client, the therapist creates and activates its assignments, the service
// records the completions. Every create carries a request id derived from its position, so
// whatever a stopped run had half done is replayed, not duplicated, when the seed resumes from
// the manifest's `clients_done`. Progress (done/total, rate, ETA) goes to stderr every
// `progress_interval`.
//
// Returns the manifest as written: complete, or not when the time limit passed or the run was
// interrupted (run it again to resume). FAILED_PRECONDITION when the manifest records another
// shape; the first error a call returns after its retries otherwise.
absl::StatusOr<SeedManifest> Seed(const SeedOptions& options,
                                  const std::shared_ptr<grpc::Channel>& channel,
                                  const Bearers& bearers);

// The same seed without the server: the service's use cases (homework::Homework) run in this
// process on the store at `store_uri` (the file the server will later open), each write still a
// separate use case with its validation, events and audit record, and concurrent ones sharing
// commits. Several times faster than over gRPC on this 2-core machine, for the large-store case.
// No server may use the store meanwhile.
absl::StatusOr<SeedManifest> SeedInProcess(const SeedOptions& options,
                                           const std::string& store_uri);

}  // namespace therapy::bench

#endif  // BENCHMARKS_BENCH_SEED_H_
