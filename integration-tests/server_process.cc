#include "integration-tests/server_process.h"

#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <utility>
#include <vector>

#include <grpcpp/generic/generic_stub.h>
#include <gtest/gtest.h>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/homework/client/call.h"

#ifndef HOMEWORK_SERVER_PATH
#error "HOMEWORK_SERVER_PATH must name the homework-server binary (set by CMake)"
#endif

namespace therapy::homework::testing {
namespace {

absl::Status WriteFile(const std::string& path, absl::string_view contents) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << contents;
  out.close();
  if (!out) return absl::InternalError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

// One Health/Check call for the whole server. OK when the answer is SERVING.
absl::Status CheckHealth(const std::shared_ptr<grpc::Channel>& channel) {
  const int status = HealthStatus(channel, "");
  if (status != 1) {
    return absl::UnavailableError(
        absl::StrCat("Health/Check answered ", status, ", not SERVING (1)"));
  }
  return absl::OkStatus();
}

}  // namespace

int HealthStatus(const std::shared_ptr<grpc::Channel>& channel, const std::string& service) {
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(client::DeadlineAfter(absl::Seconds(2)));
  // Debian ships no health.proto: HealthCheckRequest{service} is field 1, length-delimited,
  // and the answer's status is field 1, a varint.
  const std::string request_bytes =
      service.empty()
          ? std::string()
          : std::string(1, '\x0a') + std::string(1, static_cast<char>(service.size())) + service;
  grpc::Slice slice(request_bytes);
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  std::promise<grpc::Status> done;
  stub.UnaryCall(&context, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &request, &response,
                 [&done](grpc::Status status) { done.set_value(std::move(status)); });
  if (!done.get_future().get().ok()) return -1;
  std::vector<grpc::Slice> slices;
  if (!response.Dump(&slices).ok()) return -1;
  std::string bytes;
  for (const grpc::Slice& part : slices) {
    bytes.append(reinterpret_cast<const char*>(part.begin()), part.size());
  }
  return bytes.size() == 2 ? bytes[1] : (bytes.empty() ? 0 : -1);
}

absl::StatusOr<std::unique_ptr<ServerProcess>> ServerProcess::Start(ServerOptions options) {
  absl::StatusOr<ScratchDir> work_dir = ScratchDir::Make("homework-it");
  if (!work_dir.ok()) return work_dir.status();
  absl::StatusOr<SigningKey> key = options.signing_key.has_value()
                                       ? *options.signing_key
                                       : GenerateSigningKey("integration-test-1");
  if (!key.ok()) return key.status();
  absl::StatusOr<std::string> jwks = PublicJwks(*key);
  if (!jwks.ok()) return jwks.status();

  std::unique_ptr<ServerProcess> server(
      new ServerProcess(std::move(options), *std::move(work_dir), *std::move(key)));
  if (absl::Status written = WriteFile(server->work_dir_ + "/jwks.json", *jwks); !written.ok()) {
    return written;
  }
  if (absl::Status written =
          WriteFile(server->work_dir_ + "/signing-key.pem", server->key_.private_pem);
      !written.ok()) {
    return written;
  }
  if (server->options_.connect_tls) {
    server->options_.connect = true;
    const std::string cert = server->work_dir_ + "/connect-cert.pem";
    const std::string key_file = server->work_dir_ + "/connect-key.pem";
    absl::StatusOr<CommandResult> made = RunCommand(
        {"/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-nodes", "-keyout", key_file, "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1"},
        server->work_dir_);
    if (!made.ok()) return made.status();
    if (made->exit_code != 0) {
      return absl::InternalError("openssl could not make the test certificate: " +
                                 made->stderr_text);
    }
    server->options_.extra_flags.push_back("--connect_tls_cert=" + cert);
    server->options_.extra_flags.push_back("--connect_tls_key=" + key_file);
  }
  if (absl::Status launched = server->Launch(); !launched.ok()) return launched;
  return server;
}

ServerProcess::ServerProcess(ServerOptions options, ScratchDir work_dir, SigningKey key)
    : options_(std::move(options)),
      scratch_(std::move(work_dir)),
      work_dir_(scratch_.path()),
      data_dir_(work_dir_ + "/data"),
      jwks_path_(options_.jwks_path.value_or(work_dir_ + "/jwks.json")),
      port_file_(work_dir_ + "/port"),
      stderr_path_(work_dir_ + "/server.stderr.log"),
      key_(std::move(key)),
      connect_port_file_(work_dir_ + "/connect_port") {}

ServerProcess::~ServerProcess() {
  if (running()) (void)Kill(SIGKILL);
}

absl::Status ServerProcess::Launch() {
  std::error_code ignored;
  std::filesystem::remove(port_file_, ignored);
  std::filesystem::remove(connect_port_file_, ignored);

  std::vector<std::string> argv = {
      HOMEWORK_SERVER_PATH,      "--listen=127.0.0.1:0", "--port_file=" + port_file_,
      "--data_dir=" + data_dir_, "--jwks=" + jwks_path_, "--shutdown_grace=2s",
  };
  if (!options_.store.empty()) argv.push_back("--store=" + options_.store);
  if (options_.connect) {
    argv.push_back("--connect_listen=127.0.0.1:0");
    argv.push_back("--connect_port_file=" + connect_port_file_);
  }
  argv.insert(argv.end(), options_.extra_flags.begin(), options_.extra_flags.end());

  absl::StatusOr<ChildProcess> child =
      ChildProcess::Start({.argv = argv,
                           .output = {.stdout_path = stderr_path_, .stderr_path = stderr_path_},
                           .extra_env = {"GRPC_VERBOSITY=ERROR"}});
  if (!child.ok()) return child.status();
  child_ = *std::move(child);
  address_.clear();
  connect_port_ = 0;

  absl::Status serving = WaitUntilServing(absl::Now() + options_.start_timeout);
  if (!serving.ok() && running()) (void)Kill(SIGKILL);
  return serving;
}

absl::Status ServerProcess::WaitUntilServing(absl::Time deadline) {
  absl::Status last = absl::UnavailableError("no port file yet");
  while (absl::Now() < deadline) {
    // A server that died during start-up will never answer: report at once.
    absl::StatusOr<int> exited = child_->WaitForExit(absl::ZeroDuration());
    if (exited.ok()) {
      return Failure(
          absl::StrCat("homework-server exited with code ", *exited, " during start-up"));
    }

    if (address_.empty()) {
      std::string text(absl::StripAsciiWhitespace(ReadFileOrEmpty(port_file_)));
      int port = 0;
      if (absl::SimpleAtoi(text, &port) && port > 0 && port < 65536) {
        address_ = absl::StrCat("127.0.0.1:", port);
      }
    }
    if (options_.connect && connect_port_ == 0) {
      std::string text(absl::StripAsciiWhitespace(ReadFileOrEmpty(connect_port_file_)));
      int port = 0;
      if (absl::SimpleAtoi(text, &port) && port > 0 && port < 65536) connect_port_ = port;
    }
    if (!address_.empty() && (!options_.connect || connect_port_ != 0)) {
      last = CheckHealth(NewChannel());
      if (last.ok()) return absl::OkStatus();
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  return Failure(absl::StrCat("homework-server was not SERVING within ",
                              absl::FormatDuration(options_.start_timeout),
                              " (last: ", last.message(), ")"));
}

absl::Status ServerProcess::Kill(int signal) {
  if (!running()) return absl::FailedPreconditionError("homework-server is not running");
  return child_->Stop(absl::Seconds(15), signal).status();
}

absl::Status ServerProcess::Stop(absl::Duration timeout) {
  if (!running()) return absl::FailedPreconditionError("homework-server is not running");
  absl::StatusOr<int> exited = child_->Stop(timeout);
  if (!exited.ok()) {
    return Failure(absl::StrCat("homework-server did not exit within ",
                                absl::FormatDuration(timeout), " of SIGTERM"));
  }
  if (*exited != 0) {
    return Failure(absl::StrCat("homework-server exited with code ", *exited, " after SIGTERM"));
  }
  return absl::OkStatus();
}

absl::Status ServerProcess::Restart() {
  if (running()) return absl::FailedPreconditionError("Restart: stop or kill the server first");
  return Launch();
}

std::shared_ptr<grpc::Channel> ServerProcess::NewChannel() const {
  return grpc::CreateChannel(address_, grpc::InsecureChannelCredentials());
}

std::unique_ptr<v1::HomeworkService::Stub> ServerProcess::NewStub() const {
  return v1::HomeworkService::NewStub(NewChannel());
}

std::string ServerProcess::Token(const TokenClaims& claims, absl::Time now) const {
  absl::StatusOr<std::string> token = MintToken(key_, claims, now);
  if (!token.ok()) {
    ADD_FAILURE() << "MintToken: " << token.status();
    return "";
  }
  return *token;
}

std::string ServerProcess::Token(const std::string& subject, const std::string& role,
                                 const std::string& practice) const {
  TokenClaims claims;
  claims.subject = subject;
  claims.role = role;
  claims.practice = practice;
  return Token(claims);
}

std::string ServerProcess::StderrTail(int max_lines) const {
  return FileTail(stderr_path_, max_lines);
}

std::string ServerProcess::LogOnceItHas(absl::string_view text, int max_lines) const {
  const absl::Time give_up = absl::Now() + absl::Seconds(10);
  std::string log = StderrTail(max_lines);
  while (!absl::StrContains(log, text) && absl::Now() < give_up) {
    absl::SleepFor(absl::Milliseconds(10));
    log = StderrTail(max_lines);
  }
  return log;
}

absl::Status ServerProcess::Failure(absl::string_view what) const {
  return absl::InternalError(absl::StrCat(what, "\n  binary: ", HOMEWORK_SERVER_PATH,
                                          "\n  work dir: ", work_dir_,
                                          "\n  server stderr ends with:\n", StderrTail()));
}

std::unique_ptr<grpc::ClientContext> ContextWithToken(const std::string& token) {
  auto context = std::make_unique<grpc::ClientContext>();
  client::SetBearer(*context, token);
  context->set_deadline(client::DeadlineAfter(absl::Seconds(10)));
  return context;
}

}  // namespace therapy::homework::testing
