#include "benchmarks/bench/connect_load.h"

#include <atomic>
#include <chrono>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "benchmarks/bench/interruption.h"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/strand.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "nlohmann/json.hpp"

namespace therapy::bench {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

// What one I/O thread saw in the window; merged at the end.
struct ThreadTally {
  uint64_t calls = 0;
  uint64_t ok_all = 0;  // OK calls ended at any time: warm-up, window and drain
  std::array<uint64_t, 17> by_code{};
  Histogram latency;
  std::map<std::string, uint64_t> no_answer;  // the error's message -> calls, in the window
};
// The tally of the I/O thread running this code.
thread_local ThreadTally* this_thread_tally = nullptr;

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

// One keep-alive connection making the load's calls one after another (HTTP/1.1 has one call
// in flight per connection), on the load's I/O threads; reconnects when the server closes it or
// a call fails.
class LoadConnection : public std::enable_shared_from_this<LoadConnection> {
 public:
  struct Shared {
    const ConnectCalls& calls;
    bool grpc_web = false;
    Clock::time_point measure_from;
    Clock::time_point stop_at;
    std::atomic<uint64_t>& sequence;
    std::atomic<uint64_t>& ended;
    std::atomic<int>& running;
  };

  LoadConnection(net::io_context& io, const Shared& shared)
      : shared_(shared), stream_(net::make_strand(io)) {
    // Room for a whole answer: an answer read in one recvmsg, not in 512-byte steps.
    buffer_.reserve(64 << 10);
  }

  void Connect() {
    if (Over()) return Stop();
    stream_.expires_after(kCallTimeout);
    stream_.async_connect(
        tcp::endpoint(net::ip::make_address_v4("127.0.0.1"),
                      static_cast<unsigned short>(shared_.calls.port)),
        [self = shared_from_this()](beast::error_code error) {
          if (error) {
            // Counted as a call without an HTTP answer, like one that fails on the way.
            self->started_ = Clock::now();
            return self->Ended(error);
          }
          self->stream_.socket().set_option(tcp::no_delay(true));  // as browsers do
          self->Call();
        });
  }

 private:
  static constexpr std::chrono::seconds kCallTimeout{10};

  bool Over() const { return Clock::now() >= shared_.stop_at || Interrupted(); }

  void Call() {
    if (Over()) return Stop();
    request_ = {http::verb::post, shared_.calls.path, 11};
    request_.set(http::field::host, "127.0.0.1");
    request_.set(http::field::authorization, shared_.calls.authorization);
    request_.set("Connect-Protocol-Version", "1");
    request_.set(http::field::content_type, shared_.calls.content_type);
    request_.keep_alive(true);
    request_.body() = shared_.calls.body(shared_.sequence.fetch_add(1));
    request_.prepare_payload();
    response_.emplace();
    response_->body_limit(64 << 20);
    started_ = Clock::now();
    stream_.expires_after(kCallTimeout);
    http::async_write(
        stream_, request_, [self = shared_from_this()](beast::error_code error, std::size_t) {
          if (error) return self->Ended(error);
          http::async_read(self->stream_, self->buffer_, *self->response_,
                           [self](beast::error_code read, std::size_t) { self->Ended(read); });
        });
  }

  void Ended(beast::error_code error) {
    const Clock::time_point now = Clock::now();
    int code = 14;  // UNAVAILABLE: no HTTP answer
    bool keep_alive = false;
    if (!error) {
      const http::response<http::string_body>& answer = response_->get();
      keep_alive = answer.keep_alive();
      if (answer.result_int() != 200) {
        code = CodeOfAnswer(answer.body());
      } else {
        code = shared_.grpc_web ? GrpcWebCode(answer.body()) : 0;
      }
    }
    ThreadTally& tally = *this_thread_tally;
    if (code == 0) ++tally.ok_all;
    if (now >= shared_.measure_from && now < shared_.stop_at) {
      if (error) ++tally.no_answer[error.message()];
      ++tally.calls;
      ++tally.by_code[static_cast<size_t>(code)];
      if (code == 0) tally.latency.Record((now - started_).count());
    }
    shared_.ended.fetch_add(1, std::memory_order_relaxed);
    if (keep_alive) return Call();
    // Closed by the server (or broken): a new connection, as a browser opens one.
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
    buffer_.clear();
    Connect();
  }

  void Stop() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
    shared_.running.fetch_sub(1);
  }

  const Shared& shared_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
  std::optional<http::response_parser<http::string_body>> response_;
  Clock::time_point started_;
};

}  // namespace

absl::StatusOr<UnaryLoadResult> RunConnectLoad(const UnaryLoadOptions& options,
                                               const ConnectCalls& calls) {
  // One connection per call in flight, as HTTP/1.1 needs.
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
  if (options.polling_threads < 1 || options.polling_threads > 2) {
    return absl::InvalidArgumentError("polling threads must be 1 or 2");
  }

  std::atomic<uint64_t> sequence{0};
  std::atomic<uint64_t> ended{0};
  std::atomic<int> running{options.concurrency};
  const Clock::time_point begin = Clock::now();
  const Clock::time_point measure_from = begin + absl::ToChronoNanoseconds(options.warmup);
  const LoadConnection::Shared shared{
      .calls = calls,
      .grpc_web = absl::StartsWith(calls.content_type, "application/grpc-web"),
      .measure_from = measure_from,
      .stop_at = measure_from + absl::ToChronoNanoseconds(options.duration),
      .sequence = sequence,
      .ended = ended,
      .running = running,
  };

  net::io_context io(options.polling_threads);
  for (int i = 0; i < options.concurrency; ++i) {
    std::make_shared<LoadConnection>(io, shared)->Connect();
  }
  std::vector<ThreadTally> tallies(static_cast<size_t>(options.polling_threads));
  std::vector<std::thread> threads;
  for (ThreadTally& tally : tallies) {
    threads.emplace_back([&io, &tally] {
      this_thread_tally = &tally;
      io.run();
    });
  }

  Clock::time_point next_progress = begin + absl::ToChronoNanoseconds(options.progress_interval);
  uint64_t ended_at_last = 0;
  Clock::time_point last = begin;
  while (running.load() > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    const Clock::time_point now = Clock::now();
    if (now >= next_progress && now < shared.stop_at) {
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
  io.stop();
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
  const Clock::time_point window_end = std::min(shared.stop_at, Clock::now());
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
