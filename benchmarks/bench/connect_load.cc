#include "benchmarks/bench/connect_load.h"

#include <atomic>
#include <chrono>
#include <iostream>
#include <map>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "benchmarks/bench/interruption.h"
#include "httplib.h"
#include "nlohmann/json.hpp"

namespace therapy::bench {
namespace {

using Clock = std::chrono::steady_clock;

// What one load thread saw in the window; merged at the end.
struct ThreadTally {
  uint64_t calls = 0;
  uint64_t ok_all = 0;  // OK calls ended at any time: warm-up, window and drain
  std::array<uint64_t, 17> by_code{};
  Histogram latency;
  std::map<std::string, uint64_t> no_answer;  // httplib's reason -> calls, in the window
};

// The gRPC code number of a Connect error answer (its JSON `code`); UNKNOWN when unreadable.
// The grpc-status of a gRPC-Web answer's trailer frame (flag 0x80); UNKNOWN when there is none.
int GrpcWebCode(const std::string& body) {
  size_t at = 0;
  while (at + 5 <= body.size()) {
    uint32_t size = 0;
    for (size_t i = 1; i <= 4; ++i) size = (size << 8) | static_cast<unsigned char>(body[at + i]);
    if (static_cast<unsigned char>(body[at]) == 0x80) {
      const std::string trailers = body.substr(at + 5, size);
      const size_t found = trailers.find("grpc-status: ");
      int code = 2;
      if (found != std::string::npos &&
          absl::SimpleAtoi(trailers.substr(found + 13, trailers.find('\r', found) - found - 13),
                           &code) &&
          code >= 0 && code <= 16) {
        return code;
      }
      return 2;
    }
    at += 5 + size;
  }
  return 2;
}

int CodeOfAnswer(const std::string& body) {
  const nlohmann::json error = nlohmann::json::parse(body, nullptr, false);
  if (!error.is_object() || !error.contains("code") || !error["code"].is_string()) return 2;
  std::string name = error["code"].get<std::string>();
  if (name == "canceled") return 1;
  for (int code = 1; code < 17; ++code) {
    std::string upper = CodeName(code);
    std::string lower;
    for (char c : upper) lower.push_back(static_cast<char>(std::tolower(c)));
    if (lower == name) return code;
  }
  return 2;
}

}  // namespace

absl::StatusOr<UnaryLoadResult> RunConnectLoad(const UnaryLoadOptions& options,
                                               const ConnectCalls& calls) {
  // HTTP/1.1 needs a connection (and here a thread) per call in flight: a lower bound than gRPC.
  constexpr int kMaxConnections = 256;
  if (options.concurrency < 1 || options.concurrency > kMaxConnections) {
    return absl::InvalidArgumentError(absl::StrCat("concurrency over Connect must be 1-",
                                                   kMaxConnections, ", got ", options.concurrency));
  }
  if (options.duration <= absl::ZeroDuration() || options.duration > kMaxDuration) {
    return absl::InvalidArgumentError(absl::StrCat("duration must be more than 0 and at most ",
                                                   absl::FormatDuration(kMaxDuration)));
  }
  if (options.warmup < absl::ZeroDuration() || options.warmup > kMaxWarmup) {
    return absl::InvalidArgumentError(
        absl::StrCat("warmup must be 0-", absl::FormatDuration(kMaxWarmup)));
  }

  std::atomic<uint64_t> sequence{0};
  std::atomic<uint64_t> ended{0};
  std::atomic<int> running{options.concurrency};
  const Clock::time_point begin = Clock::now();
  const Clock::time_point measure_from = begin + absl::ToChronoNanoseconds(options.warmup);
  const Clock::time_point stop_at = measure_from + absl::ToChronoNanoseconds(options.duration);

  const bool grpc_web = absl::StartsWith(calls.content_type, "application/grpc-web");
  std::vector<ThreadTally> tallies(static_cast<size_t>(options.concurrency));
  std::vector<std::thread> threads;
  for (ThreadTally& tally : tallies) {
    threads.emplace_back([&, &tally = tally] {
      httplib::Client http("127.0.0.1", calls.port);
      http.set_keep_alive(true);
      http.set_tcp_nodelay(true);  // as browsers do
      http.set_read_timeout(10, 0);
      const httplib::Headers headers = {{"Authorization", calls.authorization},
                                        {"Connect-Protocol-Version", "1"}};
      while (Clock::now() < stop_at && !Interrupted()) {
        const std::string body = calls.body(sequence.fetch_add(1));
        const Clock::time_point started = Clock::now();
        httplib::Result result =
            http.Post(calls.path.c_str(), headers, body, calls.content_type.c_str());
        const Clock::time_point now = Clock::now();
        int code = 14;  // UNAVAILABLE: no HTTP answer
        if (result && grpc_web) {
          code = result->status == 200 ? GrpcWebCode(result->body) : 14;
        } else if (result) {
          code = result->status == 200 ? 0 : CodeOfAnswer(result->body);
        }
        if (code == 0) ++tally.ok_all;
        if (now >= measure_from && now < stop_at) {
          if (!result) ++tally.no_answer[httplib::to_string(result.error())];
          ++tally.calls;
          ++tally.by_code[static_cast<size_t>(code)];
          if (code == 0) tally.latency.Record((now - started).count());
        }
        ended.fetch_add(1, std::memory_order_relaxed);
      }
      running.fetch_sub(1);
    });
  }

  Clock::time_point next_progress = begin + absl::ToChronoNanoseconds(options.progress_interval);
  uint64_t ended_at_last = 0;
  Clock::time_point last = begin;
  while (running.load() > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    const Clock::time_point now = Clock::now();
    if (now >= next_progress && now < stop_at) {
      const uint64_t count = ended.load(std::memory_order_relaxed);
      const double seconds = std::chrono::duration<double>(now - last).count();
      std::cerr << absl::StrFormat("  [%s] %.0f/%.0f s (%.0f s warm-up), %d calls ended, %.0f/s\n",
                                   options.label,
                                   std::chrono::duration<double>(now - begin).count(),
                                   absl::ToDoubleSeconds(options.warmup + options.duration),
                                   absl::ToDoubleSeconds(options.warmup), count,
                                   static_cast<double>(count - ended_at_last) / seconds)
                << std::flush;
      ended_at_last = count;
      last = now;
      next_progress = now + absl::ToChronoNanoseconds(options.progress_interval);
    }
  }
  for (std::thread& thread : threads) thread.join();

  std::map<std::string, uint64_t> no_answer;
  for (const ThreadTally& tally : tallies) {
    for (const auto& [reason, count] : tally.no_answer) no_answer[reason] += count;
  }
  for (const auto& [reason, count] : no_answer) {
    std::cerr << "  [" << options.label << "] no HTTP answer (" << reason << "): " << count
              << " calls" << std::endl;
  }

  UnaryLoadResult result;
  const Clock::time_point window_end = std::min(stop_at, Clock::now());
  result.window = absl::FromChrono(std::max(window_end - measure_from, Clock::duration::zero()));
  for (const ThreadTally& tally : tallies) {
    result.calls += tally.calls;
    result.ok_all += tally.ok_all;
    for (size_t code = 0; code < tally.by_code.size(); ++code) {
      result.by_code[code] += tally.by_code[code];
    }
    result.latency.Merge(tally.latency);
  }
  return result;
}

}  // namespace therapy::bench
