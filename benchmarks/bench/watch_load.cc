#include "benchmarks/bench/watch_load.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <iostream>
#include <memory>
#include <thread>
#include <utility>
#include <vector>

#include <grpcpp/client_context.h>
#include <grpcpp/completion_queue.h>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "benchmarks/bench/echo.grpc.pb.h"
#include "benchmarks/bench/interruption.h"
#include "benchmarks/bench/unary_load.h"
#include "services/homework/client/call.h"
#include "therapy/homework/v1/homework_service.grpc.pb.h"

namespace therapy::bench {
namespace {

namespace hw = homework::v1;
using Clock = std::chrono::steady_clock;

constexpr int kMaxOpening = 256;  // streams asked for and not yet live
constexpr absl::Duration kDrainLimit = absl::Seconds(30);
constexpr absl::Duration kCallDeadline = absl::Seconds(10);

// One WatchEvents stream. Exactly one operation is pending on it at a time, so only the thread
// that took its tag touches it; the flags are also read by the thread that opens and cancels.
struct Stream {
  enum class Stage { kStarting, kMetadata, kReading, kFinishing };
  grpc::ClientContext context;
  std::unique_ptr<grpc::ClientAsyncReader<hw::Event>> reader;
  hw::Event event;
  grpc::Status status;
  Stage stage = Stage::kStarting;
  std::atomic<bool> live{false};
  std::atomic<bool> abandoned{false};  // cancelled by the bench because it was not live in time
};

// What one polling thread saw: arrival times (steady clock, ns) by event resource, and the
// codes of streams that ended.
struct ThreadTally {
  absl::flat_hash_map<std::string, std::vector<int64_t>> arrivals;
  std::array<uint64_t, 17> ends{};
};

struct Write {
  std::string resource;
  Clock::time_point sent;
  Clock::time_point acknowledged;
};

google::protobuf::Timestamp ToTimestamp(absl::Time time) {
  google::protobuf::Timestamp timestamp;
  timestamp.set_seconds(absl::ToUnixSeconds(time));
  return timestamp;
}

}  // namespace

double WatchLoadResult::deliveries_per_second() const {
  const double seconds = absl::ToDoubleSeconds(window);
  return seconds <= 0 ? 0.0 : static_cast<double>(delivered) / seconds;
}

uint64_t WatchLoadResult::missed() const { return expected - std::min(expected, delivered); }

uint64_t WatchLoadResult::errors() const {
  uint64_t refused_writes = 0;
  for (uint64_t count : write_errors) refused_writes += count;
  return missed() + refused_writes;
}

std::string WatchLoadResult::StreamEnds() const {
  std::vector<std::string> parts;
  for (int code = 0; code < 17; ++code) {
    if (stream_ends[static_cast<size_t>(code)] > 0) {
      parts.push_back(absl::StrCat(CodeName(code), "=", stream_ends[static_cast<size_t>(code)]));
    }
  }
  return parts.empty() ? "-" : absl::StrJoin(parts, " ");
}

WatchTarget ServiceWatchTarget(const WatchLoadOptions& options, ServedProcess& server,
                               const Bearers& bearers) {
  std::vector<std::shared_ptr<hw::HomeworkService::Stub>> stubs;
  for (int c = 0; c < options.channels; ++c) {
    stubs.push_back(hw::HomeworkService::NewStub(server.NewChannel(/*separate_connection=*/true)));
  }
  std::shared_ptr<hw::HomeworkService::Stub> writer =
      hw::HomeworkService::NewStub(server.NewChannel(/*separate_connection=*/true));
  hw::WatchEventsRequest request;
  request.set_parent(absl::StrCat("practices/", kPractice));
  const std::string nonce = absl::StrCat(absl::ToUnixMillis(absl::Now()));
  return WatchTarget{
      .name = "WatchEvents",
      .prepare =
          [stubs, request, therapist = bearers.therapist](
              grpc::ClientContext& context, int connection, grpc::CompletionQueue& queue) {
            context.AddMetadata("authorization", therapist);
            return stubs[static_cast<size_t>(connection) % stubs.size()]->PrepareAsyncWatchEvents(
                &context, request, &queue);
          },
      .write =
          [writer, nonce, assignment = options.assignment, service = bearers.service](
              int number, std::string& resource) {
            hw::CreateCompletionRequest record;
            record.set_parent(assignment);
            record.set_request_id(absl::StrCat("watch-", nonce, "-", number));
            *record.mutable_completion()->mutable_occur_time() =
                ToTimestamp(absl::Now() - absl::Minutes(1));
            record.mutable_completion()->set_occur_time_zone("UTC");
            record.mutable_completion()->set_status(hw::Completion::STATUS_DONE);
            record.mutable_completion()->set_mood(number % 11);
            grpc::ClientContext context;
            context.AddMetadata("authorization", service);
            context.set_deadline(homework::client::DeadlineAfter(kCallDeadline));
            hw::Completion recorded;
            grpc::Status status = writer->CreateCompletion(&context, record, &recorded);
            resource = recorded.name();
            return status;
          }};
}

WatchTarget FanoutWatchTarget(const WatchLoadOptions& options, ServedProcess& echo) {
  std::vector<std::shared_ptr<v1::Fanout::Stub>> stubs;
  for (int c = 0; c < options.channels; ++c) {
    stubs.push_back(v1::Fanout::NewStub(echo.NewChannel(/*separate_connection=*/true)));
  }
  std::shared_ptr<v1::Fanout::Stub> writer =
      v1::Fanout::NewStub(echo.NewChannel(/*separate_connection=*/true));
  const std::string nonce = absl::StrCat(absl::ToUnixMillis(absl::Now()));
  return WatchTarget{
      .name = "the echo's Fanout",
      .prepare =
          [stubs](grpc::ClientContext& context, int connection, grpc::CompletionQueue& queue) {
            return stubs[static_cast<size_t>(connection) % stubs.size()]->PrepareAsyncWatch(
                &context, v1::FanoutWatchRequest(), &queue);
          },
      .write =
          [writer, nonce, assignment = options.assignment](int number, std::string& resource) {
            // The fields and sizes of the service's TYPE_COMPLETION_RECORDED event.
            hw::Event event;
            resource = absl::StrCat(assignment, "/completions/", nonce, "-", number);
            event.set_cursor(absl::StrCat(1000000 + number));
            event.set_type(hw::Event::TYPE_COMPLETION_RECORDED);
            event.set_client(assignment.substr(0, assignment.find("/assignments/")));
            event.set_resource(resource);
            *event.mutable_event_time() = ToTimestamp(absl::Now());
            event.set_actor("platform");
            grpc::ClientContext context;
            context.set_deadline(homework::client::DeadlineAfter(kCallDeadline));
            v1::BroadcastResponse response;
            return writer->Broadcast(&context, event, &response);
          }};
}

absl::StatusOr<WatchLoadResult> RunWatchLoad(const WatchLoadOptions& options,
                                             const WatchTarget& target, ServedProcess& server) {
  if (options.watchers < 1 || options.watchers > kMaxWatchers) {
    return absl::InvalidArgumentError(
        absl::StrCat("--watchers must be 1-", kMaxWatchers, ", got ", options.watchers));
  }
  if (options.channels < 1 || options.channels > 256) {
    return absl::InvalidArgumentError("--watch_channels must be 1-256");
  }
  if (!(options.events_per_second >= 0.1 && options.events_per_second <= 100)) {
    return absl::InvalidArgumentError("--watch_events_per_second must be 0.1-100");
  }
  if (options.duration <= absl::ZeroDuration() || options.duration > kMaxDuration) {
    return absl::InvalidArgumentError("--duration must be more than 0 and at most 120 s");
  }
  if (options.open_timeout <= absl::ZeroDuration() || options.open_timeout > kMaxDuration) {
    return absl::InvalidArgumentError("--watch_open_timeout must be more than 0 and at most 120 s");
  }
  if (options.polling_threads < 1 || options.polling_threads > 2) {
    return absl::InvalidArgumentError("polling threads must be 1 or 2");
  }

  WatchLoadResult result;
  result.requested = options.watchers;
  // No stream outlives the scenario, even if the cancellation below went wrong.
  const gpr_timespec stream_deadline = homework::client::DeadlineAfter(
      options.open_timeout + options.duration + kDrainLimit + absl::Seconds(60));

  grpc::CompletionQueue queue;
  std::vector<std::unique_ptr<Stream>> streams;
  streams.reserve(static_cast<size_t>(options.watchers));
  std::atomic<int> opened{0};
  std::atomic<int> never_opened{0};
  std::atomic<int> finished{0};
  std::atomic<uint64_t> arrived{0};
  std::atomic<bool> cancelling{false};
  std::vector<ThreadTally> tallies(static_cast<size_t>(options.polling_threads));
  std::vector<std::thread> pollers;
  for (ThreadTally& tally : tallies) {
    pollers.emplace_back([&, &tally = tally] {
      void* tag = nullptr;
      bool ok = false;
      while (queue.Next(&tag, &ok)) {
        Stream& stream = *static_cast<Stream*>(tag);
        if (stream.stage == Stream::Stage::kFinishing) {
          const int code = stream.status.error_code();
          const bool ours = cancelling.load() || stream.abandoned.load();
          if (!(ours && code == grpc::StatusCode::CANCELLED)) {
            ++tally.ends[static_cast<size_t>(code >= 0 && code < 17 ? code : 2)];
          }
          if (!stream.live.load()) never_opened.fetch_add(1);
          finished.fetch_add(1);
          continue;
        }
        if (!ok) {
          stream.stage = Stream::Stage::kFinishing;
          stream.reader->Finish(&stream.status, &stream);
          continue;
        }
        switch (stream.stage) {
          case Stream::Stage::kStarting:
            stream.stage = Stream::Stage::kMetadata;
            stream.reader->ReadInitialMetadata(&stream);
            break;
          case Stream::Stage::kMetadata:
            stream.live.store(true);
            opened.fetch_add(1);
            stream.stage = Stream::Stage::kReading;
            stream.reader->Read(&stream.event, &stream);
            break;
          case Stream::Stage::kReading:
            tally.arrivals[stream.event.resource()].push_back(
                Clock::now().time_since_epoch().count());
            arrived.fetch_add(1, std::memory_order_relaxed);
            stream.reader->Read(&stream.event, &stream);
            break;
          case Stream::Stage::kFinishing:
            break;
        }
      }
    });
  }

  // Open the streams, at most kMaxOpening waiting to go live at a time.
  const absl::Time open_started = absl::Now();
  const absl::Time open_deadline = open_started + options.open_timeout;
  absl::Time next_progress = open_started + absl::Seconds(2);
  auto waiting = [&] {
    return static_cast<int>(streams.size()) - opened.load() - never_opened.load();
  };
  auto progress = [&] {
    if (absl::Now() < next_progress) return;
    std::cerr << absl::StrFormat("  [watch] %s: %d/%d streams live, %d failed to open, %.0f s\n",
                                 target.name, opened.load(), options.watchers, never_opened.load(),
                                 absl::ToDoubleSeconds(absl::Now() - open_started))
              << std::flush;
    next_progress = absl::Now() + absl::Seconds(2);
  };
  for (int i = 0; i < options.watchers; ++i) {
    while (waiting() >= kMaxOpening && absl::Now() < open_deadline && !Interrupted()) {
      absl::SleepFor(absl::Milliseconds(1));
      progress();
    }
    if (absl::Now() >= open_deadline || Interrupted()) break;
    auto stream = std::make_unique<Stream>();
    stream->context.set_deadline(stream_deadline);
    stream->reader = target.prepare(stream->context, i % options.channels, queue);
    stream->reader->StartCall(stream.get());
    streams.push_back(std::move(stream));
  }
  while (waiting() > 0 && absl::Now() < open_deadline && !Interrupted()) {
    absl::SleepFor(absl::Milliseconds(5));
    progress();
  }
  result.open_time = absl::Now() - open_started;
  // Streams not live in time are cancelled, so the set of streams every event must reach is
  // fixed before the first write.
  if (waiting() > 0) {
    for (const std::unique_ptr<Stream>& stream : streams) {
      if (!stream->live.load()) {
        stream->abandoned.store(true);
        stream->context.TryCancel();
        ++result.abandoned;
      }
    }
    const absl::Time abandon_deadline = absl::Now() + absl::Seconds(10);
    while (waiting() > 0 && absl::Now() < abandon_deadline) absl::SleepFor(absl::Milliseconds(5));
  }
  result.opened = opened.load();
  result.refused = never_opened.load() - result.abandoned;
  std::cerr << absl::StrFormat(
                   "  [watch] %s: %d/%d streams live after %.1f s (%d refused, %d still opening: "
                   "cancelled)\n",
                   target.name, result.opened, options.watchers,
                   absl::ToDoubleSeconds(result.open_time), result.refused, result.abandoned)
            << std::flush;
  absl::SleepFor(absl::Seconds(1));  // let the server's threads settle before reading memory
  if (absl::StatusOr<ProcessStatus> status = ReadProcessStatus(server.pid()); status.ok()) {
    result.server_open = *status;
  }

  // Write at the asked rate; the server publishes each event to every stream.
  const int events =
      std::max(1, static_cast<int>(std::lround(options.events_per_second *
                                               absl::ToDoubleSeconds(options.duration))));
  const int streams_at_first_write = opened.load() - (finished.load() - never_opened.load());
  std::vector<Write> writes;
  const Clock::time_point writing = Clock::now();
  for (int e = 0; e < events && !Interrupted(); ++e) {
    std::this_thread::sleep_until(writing + std::chrono::nanoseconds(static_cast<int64_t>(
                                                e * 1e9 / options.events_per_second)));
    std::string resource;
    const Clock::time_point sent = Clock::now();
    const grpc::Status status = target.write(e, resource);
    const Clock::time_point acknowledged = Clock::now();
    if (status.ok()) {
      writes.push_back(Write{std::move(resource), sent, acknowledged});
      result.write_latency.Record((acknowledged - sent).count());
    } else {
      ++result.write_errors[static_cast<size_t>(status.error_code())];
    }
    if (e % std::max(1, static_cast<int>(options.events_per_second * 2)) == 0) {
      std::cerr << absl::StrFormat("  [watch] %s: %d/%d events written, %d deliveries so far\n",
                                   target.name, e + 1, events, arrived.load())
                << std::flush;
    }
  }
  result.events_written = static_cast<int>(writes.size());
  result.expected = static_cast<uint64_t>(std::max(0, streams_at_first_write)) * writes.size();

  // Wait for the last deliveries, then cancel every stream.
  const absl::Time drain_deadline = absl::Now() + kDrainLimit;
  while (arrived.load() < result.expected && absl::Now() < drain_deadline && !Interrupted()) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  cancelling.store(true);
  for (const std::unique_ptr<Stream>& stream : streams) stream->context.TryCancel();
  const absl::Time cancel_deadline = absl::Now() + kDrainLimit;
  while (finished.load() < static_cast<int>(streams.size()) && absl::Now() < cancel_deadline) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  queue.Shutdown();
  for (std::thread& poller : pollers) poller.join();

  Clock::time_point last_arrival = writing;
  for (const ThreadTally& tally : tallies) {
    for (size_t code = 0; code < tally.ends.size(); ++code) {
      result.stream_ends[code] += tally.ends[code];
    }
  }
  for (const Write& write : writes) {
    for (const ThreadTally& tally : tallies) {
      auto found = tally.arrivals.find(write.resource);
      if (found == tally.arrivals.end()) continue;
      for (int64_t arrival_ns : found->second) {
        const Clock::time_point arrival{Clock::duration(arrival_ns)};
        last_arrival = std::max(last_arrival, arrival);
        const int64_t after_ack = (arrival - write.acknowledged).count();
        if (after_ack < 0) ++result.before_ack;
        result.delivery_after_ack.Record(std::max<int64_t>(0, after_ack));
        result.delivery_after_send.Record((arrival - write.sent).count());
        ++result.delivered;
      }
    }
  }
  result.window = absl::FromChrono(last_arrival - writing);
  return result;
}

}  // namespace therapy::bench
