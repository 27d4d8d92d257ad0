#include "services/homework/connect/connect_server.h"

#include <algorithm>
#include <mutex>
#include <optional>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "google/protobuf/descriptor.h"
#include "services/homework/connect/connect_errors.h"
#include "services/homework/connect/http_compression.h"
#include "therapy/homework/v1/homework_service.pb.h"

namespace therapy::homework {
namespace {

constexpr absl::string_view kServicePrefix = "/therapy.homework.v1.HomeworkService/";
constexpr absl::string_view kCalendarPrefix = "/calendar/v1/";
constexpr absl::string_view kCalendarSuffix = "/practice.ics";
constexpr absl::string_view kLiveSessionPath = "/live/v1";
constexpr char kAllowHeaders[] =
    "Content-Type, Authorization, Connect-Protocol-Version, Connect-Timeout-Ms, X-Request-Id, "
    "Connect-Accept-Encoding, Connect-Content-Encoding, X-Grpc-Web, X-User-Agent, Grpc-Timeout";
constexpr char kExposeHeaders[] =
    "Grpc-Status, Grpc-Message, Grpc-Status-Details-Bin, Connect-Content-Encoding, "
    "Connect-Accept-Encoding, X-Watch-Cursor";
// Unary answers smaller than this go uncompressed: the headers would cost more than they save.
constexpr std::size_t kCompressAbove = 1024;

// How a stream's messages are framed on the wire.
enum Framing { kConnectFraming = 0, kGrpcWebFraming = 1, kGrpcWebTextFraming = 2 };

// The media type without parameters, lower case: "application/json; charset=utf-8" -> ...json.
std::string MediaType(const HttpRequest& request) {
  std::string type = request.Header("Content-Type");
  type = std::string(absl::StripAsciiWhitespace(type.substr(0, type.find(';'))));
  absl::AsciiStrToLower(&type);
  return type;
}

bool IsMethodName(absl::string_view name) {
  return !name.empty() && name.size() <= 64 &&
         std::all_of(name.begin(), name.end(), absl::ascii_isalpha);
}

HttpResponse ErrorResponse(const absl::Status& status, int http_status = 0) {
  ConnectErrorResponse error = ToConnectError(status);
  return HttpResponse{
      .status = http_status != 0 ? http_status : error.http_status,
      .headers = {{"Content-Type", "application/json"}},
      .body = std::move(error.body),
  };
}

HttpResponse Reply(ConnectReply reply) {
  HttpResponse response{.status = reply.http_status,
                        .headers = std::move(reply.headers),
                        .body = std::move(reply.body)};
  if (!reply.content_type.empty())
    response.headers.emplace_back("Content-Type", reply.content_type);
  return response;
}

// Compresses a unary answer when the request's Accept-Encoding allows.
void MaybeCompress(const HttpRequest& request, HttpResponse& response) {
  if (response.body.size() < kCompressAbove) return;
  const std::string encoding = PickResponseEncoding(request.Header("Accept-Encoding"));
  if (encoding.empty()) return;
  response.body = CompressBody(encoding, response.body);
  response.headers.emplace_back("Content-Encoding", encoding);
  response.headers.emplace_back("Vary", "Accept-Encoding");
}

// A gRPC-Web body: the message frame (when OK) and the trailers frame; base64 for -text.
std::string GrpcWebBody(const absl::Status& status, const std::string& message, bool text) {
  std::string body;
  if (status.ok()) body = ConnectEnvelope(0, message);
  body += ConnectEnvelope(kGrpcWebTrailersFlag, GrpcWebTrailers(status));
  return text ? absl::Base64Escape(body) : body;
}

std::string Frame(int framing, std::uint8_t flags, absl::string_view payload) {
  std::string frame = ConnectEnvelope(flags, payload);
  return framing == kGrpcWebTextFraming ? absl::Base64Escape(frame) : frame;
}

std::string EndFrame(int framing, const absl::Status& status) {
  if (framing == kConnectFraming) return ConnectEndStreamFrame(status);
  return Frame(framing, kGrpcWebTrailersFlag, GrpcWebTrailers(status));
}

// One WatchEvents stream over HTTP, fed by the event hub (the same hub as the gRPC reactor,
// docs/decisions/0011-watch-fan-out.md): Offer frames each event into the listener's queue;
// a full queue refuses, and the hub re-reads once it has room. Never blocks.
class BrowserWatch final : public WatchListener, public HttpStream {
 public:
  BrowserWatch(EventHub& hub, std::unique_ptr<OpenedWatch> watch, int framing)
      : hub_(hub), watch_(std::move(watch)), framing_(framing) {}

  // On the I/O strand, once the answer's head is written.
  void Start(std::shared_ptr<HttpStreamSink> sink) {
    sink_ = std::move(sink);
    sink_->SetOnRoom([hub = &hub_] { hub->Wake(); });
    const ConnectRoutes::WatchOpening& opening = watch_->opening();
    subscription_ = hub_.Subscribe(opening.watch.scope, opening.watch.after_sequence, *this);
  }

  bool Offer(std::shared_ptr<const v1::Event> event) override {
    if (ended_.load()) return true;  // nobody listens any more: drop it
    absl::StatusOr<std::string> message = ConnectRoutes::EventMessage(watch_->call().codec, *event);
    if (!message.ok()) {
      Finish(message.status());
      return true;
    }
    if (sink_->Write(Frame(framing_, 0, *message))) return true;
    return ended_.load();  // refused for room: the hub offers it again after Wake
  }

  void End(const absl::Status& status) override { Finish(status); }

  void Expired() override {
    Finish(absl::DeadlineExceededError(absl::StrCat(
        framing_ == kConnectFraming ? "Connect-Timeout-Ms " : "grpc-timeout ", "passed")));
  }

  void Closed() override {
    // The peer went away (or the answer is fully written): stop the hub's deliveries first.
    hub_.Unsubscribe(subscription_);
    watch_->End(absl::CancelledError("the watcher went away"));
    ended_.store(true);
  }

 private:
  void Finish(const absl::Status& status) {
    if (ended_.exchange(true)) return;
    watch_->End(status);
    sink_->Finish(EndFrame(framing_, status));
  }

  EventHub& hub_;
  const std::unique_ptr<OpenedWatch> watch_;
  const int framing_;
  std::shared_ptr<HttpStreamSink> sink_;
  uint64_t subscription_ = 0;
  std::atomic<bool> ended_{false};
};

}  // namespace

ConnectServer::ConnectServer(const ConnectServerOptions& options, Homework& homework, EventHub& hub,
                             const TokenVerifier& verifier, JsonLog& log, Metrics& metrics)
    : options_(options),
      hub_(hub),
      metrics_(metrics),
      routes_(homework, verifier, log, &metrics),
      live_(LiveSocketOptions{.max_message_bytes = options.http.max_body_bytes}, routes_, hub,
            log) {
  const google::protobuf::ServiceDescriptor* service =
      v1::GetCallerRequest::descriptor()->file()->FindServiceByName("HomeworkService");
  for (int i = 0; service != nullptr && i < service->method_count(); ++i) {
    const std::string& method = service->method(i)->name();
    if (routes_.IsUnary(method) && ConnectRoutes::IsSideEffectFree(method)) reads_.insert(method);
  }
}

absl::StatusOr<std::unique_ptr<ConnectServer>> ConnectServer::Start(
    const ConnectServerOptions& options, Homework& homework, EventHub& hub,
    const TokenVerifier& verifier, JsonLog& log, Metrics& metrics) {
  std::unique_ptr<ConnectServer> server(
      new ConnectServer(options, homework, hub, verifier, log, metrics));
  absl::StatusOr<std::unique_ptr<HttpListener>> listener =
      HttpListener::Start(options.http, *server);
  if (!listener.ok()) {
    if (absl::IsUnavailable(listener.status())) {
      return absl::UnavailableError(
          absl::StrCat("--connect_listen: ", listener.status().message()));
    }
    return listener.status();
  }
  server->listener_ = *std::move(listener);
  HttpListener* http = server->listener_.get();
  metrics.AddGauge("homework_http_open_connections", "Open connections on the browser listener.",
                   [http] { return static_cast<double>(http->open_connections()); });
  LiveSockets* live = &server->live_;
  metrics.AddGauge("homework_live_sockets", "Open live-session WebSockets on the browser listener.",
                   [live] { return static_cast<double>(live->open()); });
  metrics.AddGauge("homework_http_open_streams",
                   "Open WatchEvents streams on the browser listener.",
                   [http] { return static_cast<double>(http->open_streams()); });
  return server;
}

ConnectServer::~ConnectServer() { Shutdown(absl::ZeroDuration()); }

void ConnectServer::Shutdown(absl::Duration grace) {
  draining_.store(true);
  if (listener_ != nullptr) listener_->Shutdown(grace);
}

HttpResponse ConnectServer::Refuse(int http_status, const absl::Status& status) {
  HttpResponse response = ErrorResponse(status, http_status);
  response.headers.emplace_back("Connection", "close");
  return response;
}

void ConnectServer::AddCors(const HttpRequest& request, HttpResponse& response) const {
  const std::string origin = request.Header("Origin");
  if (origin.empty() || std::find(options_.allowed_origins.begin(), options_.allowed_origins.end(),
                                  origin) == options_.allowed_origins.end()) {
    return;
  }
  response.headers.emplace_back("Access-Control-Allow-Origin", origin);
  response.headers.emplace_back("Vary", "Origin");
  response.headers.emplace_back("Access-Control-Expose-Headers", kExposeHeaders);
}

HttpAnswer ConnectServer::Handle(HttpRequest request) {
  const absl::string_view path = request.Path();
  HttpAnswer answer;
  if (request.method == "OPTIONS") {
    answer = Preflight(request);
  } else if (absl::StartsWith(path, kServicePrefix)) {
    const std::string method(path.substr(kServicePrefix.size()));
    if (request.method == "POST") {
      answer = HandleRpc(request, method);
    } else if (request.method == "GET") {
      answer = HandleConnectGet(request, method);
    } else {
      HttpResponse refused = ErrorResponse(
          absl::UnimplementedError(absl::StrCat(request.method, " is not a Connect method")), 405);
      refused.headers.emplace_back("Allow", "GET, POST");
      answer = std::move(refused);
    }
  } else if (request.method == "GET" && absl::StartsWith(path, kCalendarPrefix) &&
             absl::EndsWith(path, kCalendarSuffix)) {
    const absl::string_view client = path.substr(
        kCalendarPrefix.size(), path.size() - kCalendarPrefix.size() - kCalendarSuffix.size());
    answer = CalendarFeed(request, std::string(client));
  } else if (path == kLiveSessionPath) {
    answer = OpenLiveSocket(request);
  } else if (request.method == "GET" && path == "/metrics" && options_.serve_metrics) {
    answer = HttpResponse{.headers = {{"Content-Type", "text/plain; version=0.0.4"}},
                          .body = metrics_.Render()};
  } else {
    answer = ErrorResponse(absl::NotFoundError(absl::StrCat("no route ", path.substr(0, 128))));
  }
  if (auto* response = std::get_if<HttpResponse>(&answer)) {
    AddCors(request, *response);
  } else if (auto* stream = std::get_if<HttpStreamAnswer>(&answer)) {
    AddCors(request, stream->head);
  }
  return answer;
}

HttpAnswer ConnectServer::OpenLiveSocket(const HttpRequest& request) {
  if (request.method != "GET" || !request.websocket_upgrade) {
    HttpResponse refused = ErrorResponse(
        absl::FailedPreconditionError("/live/v1 is a WebSocket: open it with a WebSocket handshake "
                                      "(docs/janus-plugin-protocol.md)"),
        426);
    refused.headers.emplace_back("Upgrade", "websocket");
    return refused;
  }
  // Browsers always send Origin with a WebSocket handshake, and a WebSocket is not bound by
  // CORS: a page of another origin is refused here. Programs that send no Origin may connect;
  // either way nothing happens before a `join` with a valid token.
  const std::string origin = request.Header("Origin");
  if (!origin.empty() && std::find(options_.allowed_origins.begin(), options_.allowed_origins.end(),
                                   origin) == options_.allowed_origins.end()) {
    return ErrorResponse(absl::PermissionDeniedError(absl::StrCat(
                             "origin not allowed (--cors_origins): ", origin.substr(0, 128))),
                         403);
  }
  if (draining_.load()) {
    return ErrorResponse(absl::UnavailableError("the server is shutting down; retry with backoff"));
  }
  return live_.Accept();
}

bool ConnectServer::RunsInline(const HttpRequest& request) const {
  if (request.method != "POST" && request.method != "GET") return false;
  absl::string_view path = request.Path();
  return absl::ConsumePrefix(&path, kServicePrefix) && reads_.contains(path);
}

HttpResponse ConnectServer::Preflight(const HttpRequest& request) {
  HttpResponse allowed;
  AddCors(request, allowed);
  if (allowed.headers.empty()) return HttpResponse{.status = 204};  // no CORS at all
  // Handle adds the origin's CORS headers to every answer, this one included.
  return HttpResponse{.status = 204,
                      .headers = {{"Access-Control-Allow-Methods", "GET, POST"},
                                  {"Access-Control-Allow-Headers", kAllowHeaders},
                                  {"Access-Control-Max-Age", "7200"}}};
}

HttpAnswer ConnectServer::HandleRpc(const HttpRequest& request, const std::string& method) {
  const std::string media_type = MediaType(request);
  const bool unary = routes_.IsUnary(method);
  const bool streaming = routes_.IsServerStreaming(method);
  ConnectCall call{
      .method = method,
      .authorization = request.Headers("Authorization"),
      .request_id = request.Header("X-Request-Id"),
      .timeout_ms = request.Header("Connect-Timeout-Ms"),
  };
  // gRPC-Web: binary protobuf only, base64 for the -text variants; status in the trailers.
  if (absl::StartsWith(media_type, "application/grpc-web")) {
    const bool text = absl::StartsWith(media_type, "application/grpc-web-text");
    const std::string subtype(
        absl::StripPrefix(media_type, text ? "application/grpc-web-text" : "application/grpc-web"));
    if (!subtype.empty() && subtype != "+proto") {
      return HttpResponse{.status = 415,
                          .headers = {{"Accept-Post", "application/grpc-web+proto"}}};
    }
    call.protocol = BrowserProtocol::kGrpcWeb;
    call.codec = ConnectCodec::kProto;
    const std::string content_type = media_type;
    absl::Status status;
    if (text) {
      std::string decoded;
      if (!absl::Base64Unescape(request.body, &decoded)) {
        status = absl::InvalidArgumentError("grpc-web-text body is not base64");
      }
      call.body = std::move(decoded);
    } else {
      call.body = request.body;
    }
    absl::StatusOr<std::string> timeout = GrpcTimeoutAsMilliseconds(request.Header("grpc-timeout"));
    if (status.ok()) status = timeout.status();
    if (status.ok()) call.timeout_ms = *timeout;
    if (status.ok() && !unary && !streaming) {
      status = absl::UnimplementedError(absl::StrCat("no method ", method.substr(0, 64),
                                                     " in therapy.homework.v1.HomeworkService"));
    }
    if (status.ok() && draining_.load()) {
      status = absl::UnavailableError("the server is shutting down; retry with backoff");
    }
    HttpResponse response{.headers = {{"Content-Type", content_type}}};
    if (!status.ok()) {
      response.body = GrpcWebBody(status, "", text);
      return response;
    }
    if (streaming) return Stream(std::move(call), text ? kGrpcWebTextFraming : kGrpcWebFraming);
    absl::StatusOr<std::string> payload = ConnectUnenvelope(call.body);
    if (!payload.ok()) {
      response.body = GrpcWebBody(payload.status(), "", text);
      return response;
    }
    call.body = *std::move(payload);
    ConnectRoutes::UnaryOutcome outcome = routes_.RunUnary(call);
    response.body = GrpcWebBody(outcome.status, outcome.message, text);
    return response;
  }
  if (unary) {
    if (media_type == "application/json") {
      call.codec = ConnectCodec::kJson;
    } else if (media_type == "application/proto") {
      call.codec = ConnectCodec::kProto;
    } else {
      // Connect: an unsupported unary codec is HTTP 415, with no Connect error body.
      return HttpResponse{.status = 415,
                          .headers = {{"Accept-Post", "application/json, application/proto"}}};
    }
    if (draining_.load()) {
      return ErrorResponse(
          absl::UnavailableError("the server is shutting down; retry with backoff"));
    }
    absl::StatusOr<std::string> body =
        InflateBody(request.Header("Content-Encoding"), request.body, options_.http.max_body_bytes);
    if (!body.ok()) {
      return ErrorResponse(body.status(), absl::IsResourceExhausted(body.status()) ? 413 : 0);
    }
    call.body = *std::move(body);
    call.content_encoding = "identity";
    HttpResponse response = Reply(routes_.CallUnary(call));
    MaybeCompress(request, response);
    return response;
  }
  if (!streaming) {
    return ErrorResponse(absl::NotFoundError(absl::StrCat(
        "no method ", method.substr(0, 64), " in therapy.homework.v1.HomeworkService")));
  }
  if (media_type == "application/connect+json") {
    call.codec = ConnectCodec::kJson;
  } else if (media_type == "application/connect+proto") {
    call.codec = ConnectCodec::kProto;
  } else {
    return HttpResponse{
        .status = 415,
        .headers = {{"Accept-Post", "application/connect+json, application/connect+proto"}}};
  }
  call.body = request.body;
  call.content_encoding = request.Header("Connect-Content-Encoding");
  if (draining_.load()) {
    return HttpResponse{.headers = {{"Content-Type", media_type}},
                        .body = ConnectEndStreamFrame(absl::UnavailableError(
                            "the server is shutting down; retry with backoff"))};
  }
  return Stream(std::move(call), kConnectFraming);
}

HttpAnswer ConnectServer::Stream(ConnectCall call, int framing) {
  const std::string content_type =
      framing == kConnectFraming
          ? (call.codec == ConnectCodec::kJson ? "application/connect+json"
                                               : "application/connect+proto")
          : (framing == kGrpcWebTextFraming ? "application/grpc-web-text+proto"
                                            : "application/grpc-web+proto");
  auto opened = std::make_unique<OpenedWatch>(routes_, std::move(call));
  const ConnectRoutes::WatchOpening& opening = opened->opening();
  if (!opening.status.ok()) {
    // Streaming errors travel in the stream's last frame, with HTTP 200.
    opened->End(opening.status);
    return HttpResponse{.headers = {{"Content-Type", content_type}},
                        .body = EndFrame(framing, opening.status)};
  }
  HttpStreamAnswer answer;
  answer.head.headers = {{"Content-Type", content_type}, {"X-Watch-Cursor", opening.cursor}};
  answer.deadline = opening.deadline;
  auto watch = std::make_shared<BrowserWatch>(hub_, std::move(opened), framing);
  answer.start = [watch](std::shared_ptr<HttpStreamSink> sink) -> std::shared_ptr<HttpStream> {
    watch->Start(std::move(sink));
    return watch;
  };
  return answer;
}

HttpAnswer ConnectServer::HandleConnectGet(const HttpRequest& request, const std::string& method) {
  if (!IsMethodName(method) || !routes_.IsUnary(method)) {
    return ErrorResponse(absl::NotFoundError(absl::StrCat(
        "no unary method ", method.substr(0, 64), " in therapy.homework.v1.HomeworkService")));
  }
  if (!routes_.IsSideEffectFree(method)) {
    HttpResponse refused =
        ErrorResponse(absl::UnimplementedError(
                          absl::StrCat(method,
                                       " has side effects: call it with POST (only methods marked "
                                       "idempotency_level = NO_SIDE_EFFECTS take GET)")),
                      405);
    refused.headers.emplace_back("Allow", "POST");
    return refused;
  }
  ConnectCall call{
      .method = method,
      .authorization = request.Headers("Authorization"),
      .request_id = request.Header("X-Request-Id"),
      .timeout_ms = request.Header("Connect-Timeout-Ms"),
      .content_encoding = "identity",
  };
  call.http_get = true;
  const std::optional<std::string> encoding = request.Query("encoding");
  const std::optional<std::string> message = request.Query("message");
  if (encoding == "json") {
    call.codec = ConnectCodec::kJson;
  } else if (encoding == "proto") {
    call.codec = ConnectCodec::kProto;
  } else {
    return ErrorResponse(absl::InvalidArgumentError(
        "Connect GET needs the query parameter encoding=json or encoding=proto"));
  }
  if (!message) {
    return ErrorResponse(
        absl::InvalidArgumentError("Connect GET needs the query parameter message"));
  }
  std::string body = *message;
  if (request.Query("base64") == "1") {
    std::string decoded;
    if (!absl::WebSafeBase64Unescape(body, &decoded)) {
      return ErrorResponse(absl::InvalidArgumentError("message is not base64url (base64=1)"));
    }
    body = std::move(decoded);
  }
  absl::StatusOr<std::string> inflated =
      InflateBody(request.Query("compression").value_or(""), body, options_.http.max_body_bytes);
  if (!inflated.ok()) return ErrorResponse(inflated.status());
  call.body = *std::move(inflated);
  if (draining_.load()) {
    return ErrorResponse(absl::UnavailableError("the server is shutting down; retry with backoff"));
  }
  HttpResponse response = Reply(routes_.CallUnary(call));
  MaybeCompress(request, response);
  return response;
}

HttpResponse ConnectServer::CalendarFeed(const HttpRequest& request, const std::string& client) {
  if (draining_.load()) {
    return ErrorResponse(absl::UnavailableError("the server is shutting down; retry with backoff"));
  }
  HttpResponse response = Reply(routes_.GetCalendarFeed(CalendarFeedCall{
      .client = client,
      .authorization = request.Headers("Authorization"),
      .access_token = request.Query("access_token").value_or(""),
      .request_id = request.Header("X-Request-Id"),
  }));
  MaybeCompress(request, response);
  return response;
}

absl::StatusOr<std::unique_ptr<MetricsServer>> MetricsServer::Start(
    const HttpListenerOptions& options, Metrics& metrics) {
  std::unique_ptr<MetricsServer> server(new MetricsServer(metrics));
  absl::StatusOr<std::unique_ptr<HttpListener>> listener = HttpListener::Start(options, *server);
  if (!listener.ok()) {
    return absl::Status(listener.status().code(),
                        absl::StrCat("--metrics_listen: ", listener.status().message()));
  }
  server->listener_ = *std::move(listener);
  return server;
}

HttpAnswer MetricsServer::Handle(HttpRequest request) {
  if (request.method == "GET" && request.Path() == "/metrics") {
    return HttpResponse{.headers = {{"Content-Type", "text/plain; version=0.0.4"}},
                        .body = metrics_.Render()};
  }
  return Refuse(404, absl::NotFoundError("only GET /metrics here"));
}

HttpResponse MetricsServer::Refuse(int http_status, const absl::Status& status) {
  return ErrorResponse(status, http_status);
}

}  // namespace therapy::homework
