#include "services/homework/connect/connect_server.h"

#include <algorithm>
#include <deque>
#include <exception>
#include <optional>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "httplib.h"
#include "services/homework/connect/connect_errors.h"

namespace therapy::homework {
namespace {

constexpr char kRoutePattern[] = R"(/therapy\.homework\.v1\.HomeworkService/([A-Za-z]+))";
constexpr char kCalendarPattern[] = R"(/calendar/v1/(practices/[^/]+/clients/[^/]+)/practice\.ics)";
constexpr char kAllowHeaders[] =
    "Content-Type, Authorization, Connect-Protocol-Version, Connect-Timeout-Ms, X-Request-Id, "
    "Connect-Accept-Encoding, Connect-Content-Encoding";
constexpr char kExposeHeaders[] =
    "Grpc-Status, Grpc-Message, Grpc-Status-Details-Bin, Connect-Content-Encoding, "
    "Connect-Accept-Encoding, X-Watch-Cursor";

// The media type without parameters, lower case: "application/json; charset=utf-8" -> ...json.
std::string MediaType(const httplib::Request& request) {
  std::string type = request.get_header_value("Content-Type");
  type = std::string(absl::StripAsciiWhitespace(type.substr(0, type.find(';'))));
  absl::AsciiStrToLower(&type);
  return type;
}

// The frames of one WatchEvents stream, from the core's thread to the HTTP worker.
struct WatchQueue {
  absl::Mutex mutex;
  std::deque<std::string> frames ABSL_GUARDED_BY(mutex);
  std::optional<std::string> cursor ABSL_GUARDED_BY(mutex);
  bool finished ABSL_GUARDED_BY(mutex) = false;   // the end-stream frame is queued
  bool cancelled ABSL_GUARDED_BY(mutex) = false;  // the connection is gone
};

// The Content-Encoding of a unary request as the routes see it: httplib has already inflated
// gzip, deflate and br bodies (it is built with zlib and brotli), so those arrive as identity.
std::string UnaryContentEncoding(const httplib::Request& request) {
  std::string encoding = std::string(
      absl::StripAsciiWhitespace(request.get_header_value("Content-Encoding")));
  absl::AsciiStrToLower(&encoding);
  if (encoding == "gzip" || encoding == "deflate" || encoding == "br") return "identity";
  return encoding;
}

void Reply(httplib::Response& response, const ConnectReply& reply) {
  response.status = reply.http_status;
  for (const auto& [name, value] : reply.headers) response.set_header(name.c_str(), value);
  response.set_content(reply.body, reply.content_type.c_str());
}

void SetError(httplib::Response& response, const absl::Status& status, int http_status) {
  ConnectErrorResponse error = ToConnectError(status);
  response.status = http_status;
  response.set_content(error.body, "application/json");
}

}  // namespace

ConnectServer::ConnectServer(const ConnectServerOptions& options, Homework& homework,
                             const TokenVerifier& verifier, JsonLog& log)
    : options_(options), routes_(homework, verifier, log) {}

absl::StatusOr<std::unique_ptr<ConnectServer>> ConnectServer::Start(
    const ConnectServerOptions& options, Homework& homework, const TokenVerifier& verifier,
    JsonLog& log) {
  if (options.tls_cert_path.empty() != options.tls_key_path.empty()) {
    return absl::InvalidArgumentError(
        "--connect_tls_cert and --connect_tls_key must be set together");
  }
  std::unique_ptr<ConnectServer> server(new ConnectServer(options, homework, verifier, log));
  try {
    if (options.tls_cert_path.empty()) {
      server->http_ = std::make_unique<httplib::Server>();
    } else {
      server->http_ = std::make_unique<httplib::SSLServer>(options.tls_cert_path.c_str(),
                                                           options.tls_key_path.c_str());
    }
    if (!server->http_->is_valid()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "cannot load --connect_tls_cert=", options.tls_cert_path,
          " / --connect_tls_key=", options.tls_key_path, " (PEM certificate chain and key)"));
    }
    server->Route();
    const bool bound = options.port == 0
                           ? (server->port_ = server->http_->bind_to_any_port(options.host)) > 0
                           : server->http_->bind_to_port(options.host, options.port);
    if (!bound) {
      return absl::UnavailableError(absl::StrCat("cannot listen on --connect_listen=", options.host,
                                                 ":", options.port,
                                                 " (address in use, or not host:port?)"));
    }
    if (options.port != 0) server->port_ = options.port;
    httplib::Server* http = server->http_.get();
    server->listener_ = std::thread([http] { http->listen_after_bind(); });
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("cannot start the Connect listener: ", e.what()));
  }
  return server;
}

void ConnectServer::Route() {
  httplib::Server& http = *http_;
  const int threads = std::max(2, options_.threads);
  http.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  http.set_payload_max_length(options_.max_request_bytes);
  // Idle keep-alive connections hold a worker; a short timeout also keeps Shutdown short.
  http.set_keep_alive_timeout(2);
  // httplib closes a connection after 5 requests by default (telling the caller in the last
  // answer); a few more save handshakes, and the limit still lets waiting connections take
  // turns on the workers.
  http.set_keep_alive_max_count(100);
  // httplib writes an answer's headers and body separately: with Nagle's algorithm the body
  // waits for the caller's delayed ACK: about 40 ms per call (homework-bench --scenario=connect).
  http.set_tcp_nodelay(true);

  // CORS on every answer to an allowed origin, so pages can read errors too.
  auto cors = [this](const httplib::Request& request, httplib::Response& response) {
    const std::string origin = request.get_header_value("Origin");
    if (origin.empty() ||
        std::find(options_.allowed_origins.begin(), options_.allowed_origins.end(), origin) ==
            options_.allowed_origins.end()) {
      return false;
    }
    response.set_header("Access-Control-Allow-Origin", origin);
    response.set_header("Vary", "Origin");
    response.set_header("Access-Control-Expose-Headers", kExposeHeaders);
    return true;
  };

  http.set_pre_routing_handler(
      [cors](const httplib::Request& request, httplib::Response& response) {
        cors(request, response);
        return httplib::Server::HandlerResponse::Unhandled;
      });

  http.Options(".*", [](const httplib::Request&, httplib::Response& response) {
    response.status = 204;
    // The pre-routing handler has added the CORS headers already, for an allowed origin only
    // (adding them twice makes browsers refuse the preflight).
    if (!response.has_header("Access-Control-Allow-Origin")) return;
    response.set_header("Access-Control-Allow-Methods", "POST");
    response.set_header("Access-Control-Allow-Headers", kAllowHeaders);
    response.set_header("Access-Control-Max-Age", "7200");
  });

  http.Post(kRoutePattern, [this](const httplib::Request& request, httplib::Response& response) {
    ConnectCall call{
        .method = request.matches[1].str(),
        .body = request.body,
        .authorization = request.get_header_value("Authorization"),
        .request_id = request.get_header_value("X-Request-Id"),
        .timeout_ms = request.get_header_value("Connect-Timeout-Ms"),
    };
    const std::string media_type = MediaType(request);
    if (routes_.IsUnary(call.method)) {
      call.content_encoding = UnaryContentEncoding(request);
      if (media_type == "application/json") {
        call.codec = ConnectCodec::kJson;
      } else if (media_type == "application/proto") {
        call.codec = ConnectCodec::kProto;
      } else {
        // Connect: an unsupported unary codec is HTTP 415, with no Connect error body.
        response.status = 415;
        response.set_header("Accept-Post", "application/json, application/proto");
        return;
      }
      Reply(response, routes_.CallUnary(call));
      return;
    }
    if (!routes_.IsServerStreaming(call.method)) {
      SetError(response,
               absl::NotFoundError(absl::StrCat("no method ", call.method,
                                                " in therapy.homework.v1.HomeworkService")),
               404);
      return;
    }
    if (media_type == "application/connect+json") {
      call.codec = ConnectCodec::kJson;
    } else if (media_type == "application/connect+proto") {
      call.codec = ConnectCodec::kProto;
    } else {
      response.status = 415;
      response.set_header("Accept-Post", "application/connect+json, application/connect+proto");
      return;
    }
    call.content_encoding = request.get_header_value("Connect-Content-Encoding");
    ServeWatch(std::move(call), media_type, response);
  });

  // The practice calendar for calendar apps, which subscribe to a URL and send no headers: the
  // token may come as ?access_token= (docs/connect-api.md). httplib logs nothing by itself.
  http.Get(kCalendarPattern, [this](const httplib::Request& request,
                                    httplib::Response& response) {
    Reply(response, routes_.GetCalendarFeed(CalendarFeedCall{
                        .client = request.matches[1].str(),
                        .authorization = request.get_header_value("Authorization"),
                        .access_token = request.get_param_value("access_token"),
                        .request_id = request.get_header_value("X-Request-Id"),
                    }));
  });

  // Errors httplib answers itself (413 over the limit, 404 unknown path, 400 bad request line)
  // get a Connect error body when they have none.
  http.set_error_handler(httplib::Server::HandlerWithResponse(
      [cors](const httplib::Request& request, httplib::Response& response) {
        if (!response.body.empty() || response.is_chunked_content_provider_) {
          return httplib::Server::HandlerResponse::Unhandled;
        }
        if (response.status == 413) {
          cors(request, response);
          SetError(response,
                   absl::ResourceExhaustedError("request body exceeds --connect_max_request_bytes"),
                   413);
          return httplib::Server::HandlerResponse::Handled;
        }
        if (response.status == 404) {
          SetError(response, absl::NotFoundError(absl::StrCat("no route ", request.path)), 404);
          return httplib::Server::HandlerResponse::Handled;
        }
        return httplib::Server::HandlerResponse::Unhandled;
      }));

  http.set_exception_handler(
      [](const httplib::Request&, httplib::Response& response, std::exception_ptr) {
        SetError(response, absl::InternalError("internal error in the Connect listener"), 500);
      });
}

void ConnectServer::ServeWatch(ConnectCall call, const std::string& content_type,
                               httplib::Response& response) {
  // The core runs the stream on its own thread, so that the start cursor it fixes can go out
  // as the X-Watch-Cursor header before any frame; this HTTP worker writes the queued frames.
  // Errors travel in the end-stream frame, with HTTP 200 (Connect streaming).
  auto stream = std::make_shared<WatchQueue>();
  StartWatchThread([this, call = std::move(call), stream] {
    std::string end;
    try {
      end = routes_.Watch(
          call,
          [&stream](const std::string& cursor) {
            absl::MutexLock lock(&stream->mutex);
            stream->cursor = cursor;
          },
          [&stream](const std::string& frame) {
            absl::MutexLock lock(&stream->mutex);
            if (stream->cancelled) return false;
            stream->frames.push_back(frame);
            return true;
          },
          [&stream] {
            absl::MutexLock lock(&stream->mutex);
            return stream->cancelled;
          });
    } catch (...) {
      end = ConnectEnvelope(kConnectEndStreamFlag, R"({"error":{"code":"internal"}})");
    }
    absl::MutexLock lock(&stream->mutex);
    stream->frames.push_back(std::move(end));
    stream->finished = true;
  });
  {
    absl::MutexLock lock(&stream->mutex);
    stream->mutex.AwaitWithTimeout(
        absl::Condition(
            +[](WatchQueue* queue) { return queue->cursor.has_value() || queue->finished; },
            stream.get()),
        absl::Seconds(10));
    if (stream->cursor) response.set_header("X-Watch-Cursor", *stream->cursor);
  }
  {
    absl::MutexLock lock(&watch_mutex_);
    ++open_streams_;
  }
  response.set_chunked_content_provider(
      content_type,
      [stream](size_t, httplib::DataSink& sink) {
        std::deque<std::string> frames;
        bool finished = false;
        {
          absl::MutexLock lock(&stream->mutex);
          // Wakes now and then to notice a connection that can no longer be written.
          stream->mutex.AwaitWithTimeout(
              absl::Condition(
                  +[](WatchQueue* queue) { return !queue->frames.empty() || queue->finished; },
                  stream.get()),
              absl::Seconds(1));
          frames.swap(stream->frames);
          finished = stream->finished;
        }
        for (const std::string& frame : frames) {
          if (!sink.is_writable() || !sink.write(frame.data(), frame.size())) {
            absl::MutexLock lock(&stream->mutex);
            stream->cancelled = true;
            return false;
          }
        }
        if (finished) sink.done();
        return true;
      },
      // Called when the response is gone, written or not: the watch ends at its next check.
      [this, stream](bool) {
        {
          absl::MutexLock lock(&stream->mutex);
          stream->cancelled = true;
        }
        absl::MutexLock lock(&watch_mutex_);
        --open_streams_;
      });
}

void ConnectServer::StartWatchThread(std::function<void()> body) {
  absl::MutexLock lock(&watch_mutex_);
  // Reap the threads of streams that have ended.
  for (auto it = watch_threads_.begin(); it != watch_threads_.end();) {
    if (*it->done) {
      it->thread.join();
      it = watch_threads_.erase(it);
    } else {
      ++it;
    }
  }
  auto done = std::make_shared<bool>(false);
  std::thread thread([this, body = std::move(body), done] {
    body();
    absl::MutexLock done_lock(&watch_mutex_);
    *done = true;
  });
  watch_threads_.push_back(WatchThread{.thread = std::move(thread), .done = std::move(done)});
}

void ConnectServer::JoinWatchThreads() {
  std::vector<WatchThread> threads;
  {
    absl::MutexLock lock(&watch_mutex_);
    threads.swap(watch_threads_);
  }
  for (WatchThread& watch : threads) watch.thread.join();
}

void ConnectServer::Shutdown() {
  if (http_ == nullptr) return;
  // The core has ended the streams (StopWatching): once their threads are done, give the HTTP
  // workers a moment to send the queued end-stream frames, since httplib stops writing chunked
  // answers as soon as the server stops.
  JoinWatchThreads();
  {
    absl::MutexLock lock(&watch_mutex_);
    watch_mutex_.AwaitWithTimeout(absl::Condition(
                                      +[](int* open) { return *open == 0; }, &open_streams_),
                                  absl::Seconds(2));
  }
  http_->stop();
  if (listener_.joinable()) listener_.join();
  JoinWatchThreads();
}

ConnectServer::~ConnectServer() { Shutdown(); }

}  // namespace therapy::homework
