// The only translation unit that sees Boost.Beast and Asio (each such unit costs about 100 s of
// compile time on the reference machine): keep it so.
#include "services/homework/connect/http_listener.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <exception>
#include <list>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/post.hpp"
#include "boost/asio/ssl.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/asio/strand.hpp"
#include "boost/asio/thread_pool.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "boost/beast/ssl.hpp"
#include "boost/beast/websocket.hpp"
#include "boost/beast/websocket/ssl.hpp"

namespace therapy::homework {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

// Chunks a stream, or messages a WebSocket, may have waiting to be written before Write or Send
// refuses more.
constexpr std::size_t kMaxQueuedChunks = 256;

Clock::duration Chrono(absl::Duration duration) {
  return std::chrono::duration_cast<Clock::duration>(absl::ToChronoNanoseconds(duration));
}

int64_t NowTicks() { return Clock::now().time_since_epoch().count(); }

}  // namespace

// What the listener's registry and the stream sinks see of a connection.
class SessionBase {
 public:
  virtual ~SessionBase() = default;
  // Posts to the connection's strand: closes it at once (streams included).
  virtual void CloseSoon() = 0;
  // Posts to the connection's strand: closes it if it is still waiting for a request.
  virtual void CloseSoonIfIdle() = 0;
  // On the strand: queues a chunk of the streamed answer (`last`: then ends it).
  virtual void QueueChunk(std::string chunk, bool last) = 0;
  // On the strand: queues a WebSocket message; or, with `close`, the closing handshake after
  // what is queued (`text` is then the reason).
  virtual void QueueMessage(std::string text, bool close, int close_code) = 0;
  virtual net::any_io_executor executor() = 0;

  // When the connection started waiting for a request (steady clock ticks); 0: busy.
  std::atomic<int64_t> idle_since{0};
  std::list<std::weak_ptr<SessionBase>>::iterator position;
};

class StreamSink final : public HttpStreamSink {
 public:
  explicit StreamSink(std::weak_ptr<SessionBase> session, net::any_io_executor executor)
      : session_(std::move(session)), executor_(std::move(executor)) {}

  bool Write(std::string chunk) override {
    if (over_.load()) return false;
    if (queued_.load() >= kMaxQueuedChunks) {
      refused_.store(true);
      return false;
    }
    ++queued_;
    net::post(executor_, [session = session_, chunk = std::move(chunk)]() mutable {
      if (auto alive = session.lock()) alive->QueueChunk(std::move(chunk), /*last=*/false);
    });
    return true;
  }

  void Finish(std::string last) override {
    if (over_.exchange(true)) return;
    net::post(executor_, [session = session_, last = std::move(last)]() mutable {
      if (auto alive = session.lock()) alive->QueueChunk(std::move(last), /*last=*/true);
    });
  }

  void SetOnRoom(std::function<void()> on_room) override {
    std::lock_guard<std::mutex> lock(mutex_);
    on_room_ = std::move(on_room);
  }

  // On the strand, as the session writes.
  void Written() { --queued_; }
  void Drained() {
    if (!refused_.exchange(false)) return;
    std::function<void()> on_room;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      on_room = on_room_;
    }
    if (on_room) on_room();
  }
  void Over() { over_.store(true); }

 private:
  std::weak_ptr<SessionBase> session_;
  net::any_io_executor executor_;
  std::atomic<std::size_t> queued_{0};
  std::atomic<bool> over_{false};
  std::atomic<bool> refused_{false};
  std::mutex mutex_;
  std::function<void()> on_room_;
};

class SocketSink final : public HttpSocketSink {
 public:
  explicit SocketSink(std::weak_ptr<SessionBase> session, net::any_io_executor executor)
      : session_(std::move(session)), executor_(std::move(executor)) {}

  bool Send(std::string text) override {
    if (over_.load()) return false;
    if (queued_.load() >= kMaxQueuedChunks) {
      Close(1008, "too slow: messages were not read");
      return false;
    }
    ++queued_;
    Post(std::move(text), /*close=*/false, 0);
    return true;
  }

  void Close(int code, std::string reason) override {
    if (over_.exchange(true)) return;
    Post(std::move(reason), /*close=*/true, code);
  }

  // On the strand, as the session writes.
  void Written() { --queued_; }
  void Over() { over_.store(true); }

 private:
  void Post(std::string text, bool close, int code) {
    net::post(executor_, [session = session_, text = std::move(text), close, code]() mutable {
      if (auto alive = session.lock()) alive->QueueMessage(std::move(text), close, code);
    });
  }

  std::weak_ptr<SessionBase> session_;
  net::any_io_executor executor_;
  std::atomic<std::size_t> queued_{0};
  std::atomic<bool> over_{false};
};

class HttpListener::Impl {
 public:
  Impl(const HttpListenerOptions& options, HttpHandler& handler)
      : options_(options),
        handler_(handler),
        tls_context_(ssl::context::tls_server),
        ioc_(std::max(1, options.io_threads)),
        work_(net::make_work_guard(ioc_)),
        acceptor_(net::make_strand(ioc_)),
        retry_timer_(acceptor_.get_executor()),
        pool_(static_cast<std::size_t>(std::max(1, options.blocking_threads))) {}

  ~Impl() { Shutdown(absl::ZeroDuration()); }

  absl::Status Open();
  void StopAccepting();
  void Shutdown(absl::Duration grace);

  void Register(const std::shared_ptr<SessionBase>& session) {
    std::lock_guard<std::mutex> lock(mutex_);
    session->position = sessions_.insert(sessions_.end(), session);
  }
  void Unregister(SessionBase& session) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      sessions_.erase(session.position);
    }
    --open_;
  }

  const HttpListenerOptions options_;
  HttpHandler& handler_;
  std::atomic<std::size_t> open_{0};
  std::atomic<std::size_t> streams_{0};
  std::atomic<std::size_t> sockets_{0};
  std::atomic<std::size_t> queued_{0};
  // I/O threads running a handler inline now, and how many may (HttpListenerOptions).
  std::atomic<int> inline_running_{0};
  const int max_inline_ =
      std::max(0, std::min(options_.inline_threads, std::max(1, options_.io_threads) - 1));
  std::atomic<bool> accepting_{true};
  int port_ = 0;

  // Declared before the I/O context: sessions destroyed with it unregister here.
  std::mutex mutex_;
  std::list<std::weak_ptr<SessionBase>> sessions_;
  bool tls_ = false;
  ssl::context tls_context_;
  net::io_context ioc_;
  net::executor_work_guard<net::io_context::executor_type> work_;
  tcp::acceptor acceptor_;
  net::steady_timer retry_timer_;
  net::thread_pool pool_;
  std::vector<std::thread> threads_;
  bool stopped_ = false;

 private:
  void Accept();
  void OnAccepted(tcp::socket socket);
  // Closes the connection waiting for a request the longest; false when none waits.
  bool CloseOldestIdle();
};

namespace {

template <typename Stream>
class Session final : public SessionBase, public std::enable_shared_from_this<Session<Stream>> {
 public:
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

  Session(HttpListener::Impl& listener, Stream stream, bool refuse)
      : listener_(listener),
        stream_(std::move(stream)),
        refuse_(refuse),
        timer_(stream_.get_executor()) {}

  ~Session() override { listener_.Unregister(*this); }

  void Run() {
    listener_.Register(this->shared_from_this());
    if constexpr (kTls) {
      Lowest().expires_after(Chrono(listener_.options_.header_timeout));
      stream_.async_handshake(ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code error) {
                                if (error) return self->CloseNow();
                                self->Begin();
                              });
    } else {
      Begin();
    }
  }

  void CloseSoon() override {
    net::post(stream_.get_executor(), [self = this->shared_from_this()] { self->CloseNow(); });
  }
  void CloseSoonIfIdle() override {
    net::post(stream_.get_executor(), [self = this->shared_from_this()] {
      if (self->idle_since.load() != 0) self->CloseNow();
    });
  }
  net::any_io_executor executor() override { return stream_.get_executor(); }

  void QueueChunk(std::string chunk, bool last) override {
    if (stream_over_) return;
    chunks_.push_back(Chunk{.data = std::move(chunk), .last = last});
    if (!writing_) WriteNextChunk();
  }

 private:
  struct Chunk {
    std::string data;
    bool last = false;
  };

  beast::tcp_stream& Lowest() { return beast::get_lowest_layer(stream_); }

  void Begin() {
    if (refuse_) {
      keep_alive_ = false;
      return WriteResponse(listener_.handler_.Refuse(
          503, absl::UnavailableError("too many open connections; retry with backoff")));
    }
    WaitForRequest();
  }

  // Waits for the first byte of the next request under the idle timeout.
  void WaitForRequest() {
    if (buffer_.size() > 0) return ReadHeader();
    if (!listener_.accepting_.load()) return CloseNow();
    idle_since.store(NowTicks());
    Lowest().expires_after(Chrono(listener_.options_.idle_timeout));
    stream_.async_read_some(buffer_.prepare(4096), [self = this->shared_from_this()](
                                                       beast::error_code error, std::size_t bytes) {
      self->idle_since.store(0);
      if (error) return self->CloseNow();
      self->buffer_.commit(bytes);
      self->ReadHeader();
    });
  }

  void ReadHeader() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(listener_.options_.max_header_bytes));
    parser_->body_limit(listener_.options_.max_body_bytes);
    Lowest().expires_after(Chrono(listener_.options_.header_timeout));
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = this->shared_from_this()](
                                beast::error_code error, std::size_t) { self->OnHeader(error); });
  }

  void OnHeader(beast::error_code error) {
    if (error == http::error::header_limit) {
      return RefuseAndClose(
          431, absl::ResourceExhaustedError(absl::StrCat(
                   "request headers exceed ", listener_.options_.max_header_bytes, " bytes")));
    }
    if (error == http::error::body_limit) return RefuseBodyTooLarge();
    if (error == beast::error::timeout || error == http::error::end_of_stream ||
        error == net::error::eof || error == net::error::operation_aborted ||
        error == net::error::connection_reset) {
      return CloseNow();
    }
    if (error) {
      return RefuseAndClose(400, absl::InvalidArgumentError("malformed HTTP/1.1 request"));
    }
    Lowest().expires_after(Chrono(listener_.options_.body_timeout));
    http::async_read(stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](beast::error_code read, std::size_t) {
                       self->OnBody(read);
                     });
  }

  void OnBody(beast::error_code error) {
    if (error == http::error::body_limit) return RefuseBodyTooLarge();
    if (error) return CloseNow();
    Lowest().expires_never();
    http::request<http::string_body> message = parser_->release();
    parser_.reset();
    version_ = message.version();
    keep_alive_ = message.keep_alive();
    HttpRequest request{
        .method = std::string(message.method_string()),
        .target = std::string(message.target()),
        .body = std::move(message.body()),
        .websocket_upgrade = websocket::is_upgrade(message),
    };
    request.headers.reserve(16);
    for (const auto& field : message) {
      request.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    // The handshake is answered from the request itself, should the handler accept it.
    if (request.websocket_upgrade) upgrade_.emplace(std::move(message));
    if (TakeInlineSlot(request)) {
      // On this connection's strand already: answer without the pool's two hand-offs.
      HttpAnswer answer = HandleGuarded(std::move(request));
      --listener_.inline_running_;
      return OnAnswer(std::move(answer));
    }
    if (listener_.queued_.load() >= listener_.options_.max_queued_requests) {
      return WriteResponse(listener_.handler_.Refuse(
          503, absl::UnavailableError("the server is overloaded; retry with backoff")));
    }
    ++listener_.queued_;
    net::post(
        listener_.pool_, [self = this->shared_from_this(), request = std::move(request)]() mutable {
          HttpAnswer answer = self->HandleGuarded(std::move(request));
          --self->listener_.queued_;
          net::post(self->stream_.get_executor(), [self, answer = std::move(answer)]() mutable {
            self->OnAnswer(std::move(answer));
          });
        });
  }

  // True (and one inline slot taken) when `request` may run on this I/O thread now: the handler
  // says it is short, and fewer than max_inline_ I/O threads run one already.
  bool TakeInlineSlot(const HttpRequest& request) {
    if (listener_.max_inline_ <= 0 || !listener_.handler_.RunsInline(request)) return false;
    int running = listener_.inline_running_.load();
    while (running < listener_.max_inline_) {
      if (listener_.inline_running_.compare_exchange_weak(running, running + 1)) return true;
    }
    return false;
  }

  HttpAnswer HandleGuarded(HttpRequest request) {
    try {
      return listener_.handler_.Handle(std::move(request));
    } catch (const std::exception&) {
      return listener_.handler_.Refuse(500,
                                       absl::InternalError("internal error in the HTTP listener"));
    }
  }

  void OnAnswer(HttpAnswer answer) {
    if (closed_) return;
    if (auto* response = std::get_if<HttpResponse>(&answer)) {
      upgrade_.reset();
      return WriteResponse(std::move(*response));
    }
    if (auto* socket = std::get_if<HttpSocketAnswer>(&answer)) {
      if (!upgrade_) {
        return RefuseAndClose(400, absl::InvalidArgumentError("not a WebSocket handshake"));
      }
      return StartSocket(std::move(*socket));
    }
    StartStream(std::move(std::get<HttpStreamAnswer>(answer)));
  }

  void RefuseBodyTooLarge() {
    RefuseAndClose(413, absl::ResourceExhaustedError(
                            absl::StrCat("request body exceeds ", listener_.options_.max_body_bytes,
                                         " bytes (--connect_max_request_bytes)")));
  }

  void RefuseAndClose(int status, const absl::Status& why) {
    keep_alive_ = false;
    WriteResponse(listener_.handler_.Refuse(status, why));
  }

  void WriteResponse(HttpResponse answer) {
    response_ = std::make_unique<http::response<http::string_body>>(
        static_cast<http::status>(answer.status), version_);
    for (auto& [name, value] : answer.headers) response_->insert(name, value);
    response_->body() = std::move(answer.body);
    response_->keep_alive(keep_alive_ && listener_.accepting_.load());
    response_->prepare_payload();
    Lowest().expires_after(Chrono(listener_.options_.write_timeout));
    http::async_write(stream_, *response_,
                      [self = this->shared_from_this()](beast::error_code error, std::size_t) {
                        if (error) return self->CloseNow();
                        const bool keep = self->response_->keep_alive();
                        self->response_.reset();
                        if (!keep) return self->CloseNow();
                        self->WaitForRequest();
                      });
  }

  void StartStream(HttpStreamAnswer answer) {
    ++listener_.streams_;
    streaming_ = true;
    head_ = std::make_unique<http::response<http::empty_body>>(
        static_cast<http::status>(answer.head.status), version_);
    for (auto& [name, value] : answer.head.headers) head_->insert(name, value);
    head_->chunked(true);
    head_->keep_alive(false);  // a stream is its connection's last answer
    serializer_ = std::make_unique<http::response_serializer<http::empty_body>>(*head_);
    Lowest().expires_after(Chrono(listener_.options_.write_timeout));
    http::async_write_header(stream_, *serializer_,
                             [self = this->shared_from_this(), answer = std::move(answer)](
                                 beast::error_code error, std::size_t) mutable {
                               if (error) return self->EndStream();
                               self->Lowest().expires_never();
                               self->sink_ = std::make_shared<StreamSink>(self->weak_from_this(),
                                                                          self->executor());
                               self->app_stream_ = answer.start(self->sink_);
                               if (self->stream_over_) {
                                 // Ended while starting (the start found the stream over): tell the
                                 // application.
                                 if (auto app = std::move(self->app_stream_)) app->Closed();
                                 return;
                               }
                               if (answer.deadline) {
                                 self->timer_.expires_after(Chrono(*answer.deadline - absl::Now()));
                                 self->timer_.async_wait([self](beast::error_code waited) {
                                   if (waited || self->stream_over_ || self->app_stream_ == nullptr)
                                     return;
                                   self->app_stream_->Expired();
                                 });
                               }
                               self->ReadWhileStreaming();
                             });
  }

  // A pending read beside the writes: a peer that closes shows as an error at once.
  void ReadWhileStreaming() {
    stream_.async_read_some(net::buffer(probe_), [self = this->shared_from_this()](
                                                     beast::error_code error, std::size_t) {
      if (self->stream_over_) return;
      if (error) return self->EndStream();
      self->ReadWhileStreaming();  // bytes after a stream are ignored
    });
  }

  void WriteNextChunk() {
    if (stream_over_) return;
    if (chunks_.empty()) {
      Lowest().expires_never();
      if (sink_ != nullptr) sink_->Drained();
      return;
    }
    writing_ = true;
    Lowest().expires_after(Chrono(listener_.options_.write_timeout));
    Chunk& front = chunks_.front();
    auto self = this->shared_from_this();
    if (front.data.empty() && front.last) {
      net::async_write(stream_, http::make_chunk_last(),
                       [self](beast::error_code, std::size_t) { self->EndStream(); });
      return;
    }
    net::async_write(stream_, http::make_chunk(net::buffer(front.data)),
                     [self](beast::error_code error, std::size_t) {
                       self->writing_ = false;
                       // Over meanwhile (the peer left and the read saw it first, which
                       // cleared the chunks): nothing is left to pop.
                       if (error || self->stream_over_) return self->EndStream();
                       Chunk& written = self->chunks_.front();
                       if (written.last) {
                         written.data.clear();
                         self->writing_ = true;
                         net::async_write(
                             self->stream_, http::make_chunk_last(),
                             [self](beast::error_code, std::size_t) { self->EndStream(); });
                         return;
                       }
                       self->chunks_.pop_front();
                       self->sink_->Written();
                       self->WriteNextChunk();
                     });
  }

  // Completes the WebSocket handshake the handler accepted, then reads messages one at a time.
  void StartSocket(HttpSocketAnswer answer) {
    ++listener_.sockets_;
    socket_open_ = true;
    Lowest().expires_never();  // the WebSocket's own timeouts from here on
    ws_ = std::make_unique<websocket::stream<Stream&>>(stream_);
    ws_->set_option(websocket::stream_base::timeout{
        .handshake_timeout = Chrono(listener_.options_.header_timeout),
        .idle_timeout = Chrono(listener_.options_.idle_timeout),
        .keep_alive_pings = true,  // a ping at half the idle timeout: live peers answer it
    });
    ws_->read_message_max(answer.max_message_bytes);
    ws_->text(true);
    http::request<http::string_body> handshake = std::move(*upgrade_);
    upgrade_.reset();
    ws_->async_accept(handshake, [self = this->shared_from_this(),
                                  answer = std::move(answer)](beast::error_code error) mutable {
      if (error) return self->EndSocket();
      self->socket_sink_ = std::make_shared<SocketSink>(self->weak_from_this(), self->executor());
      self->app_socket_ = answer.start(self->socket_sink_);
      if (self->socket_over_) {
        if (auto app = std::move(self->app_socket_)) app->Closed();
        return;
      }
      self->ReadMessage();
    });
  }

  void ReadMessage() {
    ws_->async_read(buffer_,
                    [self = this->shared_from_this()](beast::error_code error, std::size_t) {
                      if (self->socket_over_) return;
                      if (error == websocket::error::message_too_big) {
                        return self->QueueMessage("message too big", /*close=*/true, 1009);
                      }
                      if (error) return self->EndSocket();
                      if (!self->ws_->got_text()) {
                        return self->QueueMessage("text messages only", /*close=*/true, 1003);
                      }
                      std::string text = beast::buffers_to_string(self->buffer_.data());
                      self->buffer_.consume(self->buffer_.size());
                      if (self->app_socket_ != nullptr)
                        self->app_socket_->Received(std::move(text));
                      if (!self->closing_) self->ReadMessage();
                    });
  }

  void QueueMessage(std::string text, bool close, int close_code) override {
    if (socket_over_ || closing_) return;
    messages_.push_back(Message{.text = std::move(text), .close = close, .code = close_code});
    if (close) closing_ = true;
    if (!writing_) WriteNextMessage();
  }

  void WriteNextMessage() {
    if (socket_over_ || messages_.empty()) return;
    writing_ = true;
    auto self = this->shared_from_this();
    if (messages_.front().close) {
      websocket::close_reason reason(static_cast<websocket::close_code>(messages_.front().code),
                                     messages_.front().text);
      ws_->async_close(reason, [self](beast::error_code) { self->EndSocket(); });
      return;
    }
    ws_->async_write(net::buffer(messages_.front().text),
                     [self](beast::error_code error, std::size_t) {
                       self->writing_ = false;
                       if (error || self->socket_over_) return self->EndSocket();
                       self->messages_.pop_front();
                       self->socket_sink_->Written();
                       self->WriteNextMessage();
                     });
  }

  // The WebSocket is over: tell the application, close.
  void EndSocket() {
    if (socket_over_) return;
    socket_over_ = true;
    --listener_.sockets_;
    if (socket_sink_ != nullptr) socket_sink_->Over();
    if (!writing_) messages_.clear();
    if (auto app = std::move(app_socket_)) app->Closed();
    CloseSocket();
  }

  // The stream is over (written to its end, or broken): tell the application, close.
  void EndStream() {
    if (stream_over_) return;
    stream_over_ = true;
    --listener_.streams_;
    timer_.cancel();
    if (sink_ != nullptr) sink_->Over();
    // A write in flight still points into the front chunk: the connection's end frees it then.
    if (!writing_) chunks_.clear();
    if (auto app = std::move(app_stream_)) app->Closed();
    CloseSocket();
  }

  void CloseNow() {
    if (streaming_) return EndStream();
    if (socket_open_) return EndSocket();
    CloseSocket();
  }

  void CloseSocket() {
    if (closed_) return;
    closed_ = true;
    idle_since.store(0);
    beast::error_code ignored;
    Lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
    Lowest().close();
  }

  HttpListener::Impl& listener_;
  Stream stream_;
  const bool refuse_;
  net::steady_timer timer_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  unsigned version_ = 11;
  bool keep_alive_ = true;
  bool closed_ = false;
  std::unique_ptr<http::response<http::string_body>> response_;
  // A streamed answer.
  bool streaming_ = false;
  bool stream_over_ = false;
  bool writing_ = false;
  std::unique_ptr<http::response<http::empty_body>> head_;
  std::unique_ptr<http::response_serializer<http::empty_body>> serializer_;
  std::shared_ptr<StreamSink> sink_;
  std::shared_ptr<HttpStream> app_stream_;
  std::deque<Chunk> chunks_;
  char probe_[512];
  // A WebSocket: the upgrade request until the handler answers it, then the socket.
  struct Message {
    std::string text;
    bool close = false;
    int code = 0;
  };
  std::optional<http::request<http::string_body>> upgrade_;
  std::unique_ptr<websocket::stream<Stream&>> ws_;
  bool socket_open_ = false;
  bool socket_over_ = false;
  bool closing_ = false;
  std::shared_ptr<SocketSink> socket_sink_;
  std::shared_ptr<HttpSocket> app_socket_;
  std::deque<Message> messages_;
};

}  // namespace

absl::Status HttpListener::Impl::Open() {
  if (options_.tls_cert_path.empty() != options_.tls_key_path.empty()) {
    return absl::InvalidArgumentError(
        "--connect_tls_cert and --connect_tls_key must be set together");
  }
  tls_ = !options_.tls_cert_path.empty();
  if (tls_) {
    try {
      tls_context_.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                               ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                               ssl::context::no_tlsv1_1);
      tls_context_.use_certificate_chain_file(options_.tls_cert_path);
      tls_context_.use_private_key_file(options_.tls_key_path, ssl::context::pem);
    } catch (const std::exception&) {
      return absl::InvalidArgumentError(absl::StrCat(
          "cannot load --connect_tls_cert=", options_.tls_cert_path,
          " / --connect_tls_key=", options_.tls_key_path, " (PEM certificate chain and key)"));
    }
  }
  beast::error_code error;
  const auto address = net::ip::make_address(options_.host, error);
  const auto unavailable = [this] {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", options_.host, ":",
                                               options_.port,
                                               " (address in use, or not host:port?)"));
  };
  if (error) return unavailable();
  const tcp::endpoint endpoint(address, static_cast<unsigned short>(options_.port));
  acceptor_.open(endpoint.protocol(), error);
  if (!error) acceptor_.set_option(net::socket_base::reuse_address(true), error);
  if (!error) acceptor_.bind(endpoint, error);
  if (!error) acceptor_.listen(net::socket_base::max_listen_connections, error);
  if (error) return unavailable();
  port_ = acceptor_.local_endpoint().port();
  Accept();
  for (int i = 0; i < std::max(1, options_.io_threads); ++i) {
    threads_.emplace_back([this] { ioc_.run(); });
  }
  return absl::OkStatus();
}

void HttpListener::Impl::Accept() {
  acceptor_.async_accept(net::make_strand(ioc_),
                         [this](beast::error_code error, tcp::socket socket) {
                           if (!accepting_.load() || error == net::error::operation_aborted) return;
                           if (error) {
                             // Out of descriptors (EMFILE) or the like: try again shortly rather
                             // than spin.
                             retry_timer_.expires_after(std::chrono::milliseconds(50));
                             retry_timer_.async_wait([this](beast::error_code) {
                               if (accepting_.load()) Accept();
                             });
                             return;
                           }
                           OnAccepted(std::move(socket));
                           Accept();
                         });
}

bool HttpListener::Impl::CloseOldestIdle() {
  std::shared_ptr<SessionBase> oldest;
  int64_t oldest_since = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& weak : sessions_) {
      std::shared_ptr<SessionBase> session = weak.lock();
      if (session == nullptr) continue;
      const int64_t since = session->idle_since.load();
      if (since != 0 && (oldest == nullptr || since < oldest_since)) {
        oldest = std::move(session);
        oldest_since = since;
      }
    }
  }
  if (oldest == nullptr) return false;
  oldest->idle_since.store(0);  // not chosen twice
  oldest->CloseSoonIfIdle();
  return true;
}

void HttpListener::Impl::OnAccepted(tcp::socket socket) {
  beast::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  bool refuse = false;
  if (open_.load() >= options_.max_connections) refuse = !CloseOldestIdle();
  ++open_;
  if (tls_) {
    std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(
        *this,
        beast::ssl_stream<beast::tcp_stream>(beast::tcp_stream(std::move(socket)), tls_context_),
        refuse)
        ->Run();
  } else {
    std::make_shared<Session<beast::tcp_stream>>(*this, beast::tcp_stream(std::move(socket)),
                                                 refuse)
        ->Run();
  }
}

void HttpListener::Impl::StopAccepting() {
  if (!accepting_.exchange(false)) return;
  net::post(acceptor_.get_executor(), [this] {
    beast::error_code ignored;
    acceptor_.close(ignored);
    retry_timer_.cancel();
  });
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& weak : sessions_) {
    if (auto session = weak.lock()) session->CloseSoonIfIdle();
  }
}

void HttpListener::Impl::Shutdown(absl::Duration grace) {
  if (stopped_) return;
  stopped_ = true;
  StopAccepting();
  const absl::Time until = absl::Now() + grace;
  while (open_.load() > 0 && absl::Now() < until) absl::SleepFor(absl::Milliseconds(10));
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& weak : sessions_) {
      if (auto session = weak.lock()) session->CloseSoon();
    }
  }
  // Handlers still running on the pool finish; their answers find the connections closed.
  pool_.join();
  work_.reset();
  const absl::Time closing = absl::Now() + absl::Seconds(1);
  while (open_.load() > 0 && absl::Now() < closing) absl::SleepFor(absl::Milliseconds(5));
  ioc_.stop();
  for (std::thread& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
}

HttpListener::HttpListener(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpListener::~HttpListener() { Shutdown(absl::ZeroDuration()); }

absl::StatusOr<std::unique_ptr<HttpListener>> HttpListener::Start(
    const HttpListenerOptions& options, HttpHandler& handler) {
  auto impl = std::make_unique<Impl>(options, handler);
  absl::Status opened = impl->Open();
  if (!opened.ok()) return opened;
  return std::unique_ptr<HttpListener>(new HttpListener(std::move(impl)));
}

int HttpListener::port() const { return impl_->port_; }
std::size_t HttpListener::open_connections() const { return impl_->open_.load(); }
std::size_t HttpListener::open_streams() const { return impl_->streams_.load(); }
std::size_t HttpListener::open_sockets() const { return impl_->sockets_.load(); }
void HttpListener::StopAccepting() { impl_->StopAccepting(); }
void HttpListener::Shutdown(absl::Duration grace) { impl_->Shutdown(grace); }

}  // namespace therapy::homework
