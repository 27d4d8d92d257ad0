#include "benchmarks/bench/echo_server.h"

#include <signal.h>

#include <condition_variable>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>
#include <unordered_set>

#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>

#include "benchmarks/bench/echo.grpc.pb.h"

namespace therapy::bench {
namespace {

class EchoService final : public v1::Echo::Service {
  grpc::Status Echo(grpc::ServerContext*, const v1::EchoRequest* request,
                    v1::EchoResponse* response) override {
    response->set_payload(request->payload());
    return grpc::Status::OK;
  }
};

// Fanout.Watch's streams and the thread that fans Broadcast's events out to them: the event hub's
// part of homework-server's WatchEvents without its work (no log read, no access check), so the
// watch scenario can compare delivery with what this machine's gRPC does at best.
using FanoutBase = v1::Fanout::WithRawCallbackMethod_Watch<
    v1::Fanout::WithCallbackMethod_Broadcast<v1::Fanout::Service>>;

class FanoutService final : public FanoutBase {
 public:
  using FanoutBase::Broadcast;  // the synchronous overloads stay (unused: they abort)
  using FanoutBase::Watch;

  FanoutService() : thread_([this] { Run(); }) {}

  ~FanoutService() override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_one();
    thread_.join();
  }

  grpc::ServerWriteReactor<grpc::ByteBuffer>* Watch(grpc::CallbackServerContext*,
                                                    const grpc::ByteBuffer*) override {
    return new Stream(*this);
  }

  grpc::ServerUnaryReactor* Broadcast(grpc::CallbackServerContext* context,
                                      const homework::v1::Event* event,
                                      v1::BroadcastResponse*) override {
    const std::string bytes = event->SerializeAsString();
    grpc::Slice slice(bytes);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      pending_.emplace_back(&slice, 1);
    }
    wake_.notify_one();
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

 private:
  // One stream: queues what it is offered and writes one message at a time, like
  // homework-server's WatchReactor. Deletes itself when gRPC is done with the call.
  class Stream final : public grpc::ServerWriteReactor<grpc::ByteBuffer> {
   public:
    explicit Stream(FanoutService& service) : service_(service) {
      service_.Add(this);
      StartSendInitialMetadata();
    }

    void Offer(const grpc::ByteBuffer& event) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (finishing_) return;
      queue_.push_back(event);  // a copy shares the bytes
      if (queue_.size() == 1) StartWrite(&queue_.front());
    }

    void OnWriteDone(bool ok) override {
      std::lock_guard<std::mutex> lock(mutex_);
      queue_.pop_front();
      if (!ok) {
        FinishLocked(grpc::Status(grpc::StatusCode::CANCELLED, "the watcher went away"));
      } else if (!queue_.empty()) {
        StartWrite(&queue_.front());
      }
    }

    void OnCancel() override {
      std::lock_guard<std::mutex> lock(mutex_);
      FinishLocked(grpc::Status::CANCELLED);
    }

    void OnDone() override {
      service_.Remove(this);
      delete this;
    }

   private:
    void FinishLocked(const grpc::Status& status) {
      if (finishing_) return;
      finishing_ = true;
      Finish(status);
    }

    FanoutService& service_;
    std::mutex mutex_;
    std::deque<grpc::ByteBuffer> queue_;  // front: being written
    bool finishing_ = false;
  };

  // The lock order is streams_mutex_, then a stream's: a stream is removed (and deleted) only
  // under streams_mutex_, so the fan-out never offers to a deleted one.
  void Add(Stream* stream) {
    std::lock_guard<std::mutex> lock(streams_mutex_);
    streams_.insert(stream);
  }
  void Remove(Stream* stream) {
    std::lock_guard<std::mutex> lock(streams_mutex_);
    streams_.erase(stream);
  }

  void Run() {
    std::unique_lock<std::mutex> lock(mutex_);
    while (true) {
      wake_.wait(lock, [this] { return stopping_ || !pending_.empty(); });
      if (stopping_) return;
      std::deque<grpc::ByteBuffer> events;
      events.swap(pending_);
      lock.unlock();
      {
        std::lock_guard<std::mutex> streams_lock(streams_mutex_);
        for (const grpc::ByteBuffer& event : events) {
          for (Stream* stream : streams_) stream->Offer(event);
        }
      }
      lock.lock();
    }
  }

  std::mutex streams_mutex_;
  std::unordered_set<Stream*> streams_;
  std::mutex mutex_;  // guards the two below
  std::deque<grpc::ByteBuffer> pending_;
  bool stopping_ = false;
  std::condition_variable wake_;
  std::thread thread_;
};

}  // namespace

int ServeEcho(const std::string& port_file) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  EchoService service;
  FanoutService fanout;
  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  builder.RegisterService(&fanout);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    std::fprintf(stderr, "echo: cannot listen on 127.0.0.1:0\n");
    return 1;
  }
  server->GetHealthCheckService()->SetServingStatus(true);
  {
    const std::string temporary = port_file + ".tmp";
    std::ofstream(temporary) << port << "\n";
    std::error_code error;
    std::filesystem::rename(temporary, port_file, error);
    if (error) {
      std::fprintf(stderr, "echo: cannot write %s\n", port_file.c_str());
      return 1;
    }
  }
  int signal_number = 0;
  sigwait(&signals, &signal_number);
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
  server->Wait();
  return 0;
}

}  // namespace therapy::bench
