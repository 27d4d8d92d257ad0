#ifndef SERVICES_HOMEWORK_RPC_IN_PROCESS_SERVER_TEST_H_
#define SERVICES_HOMEWORK_RPC_IN_PROCESS_SERVER_TEST_H_

// The fixture of the in-process RPC tests: the real Server (services/homework/server.h) on
// 127.0.0.1:0 with the memory store and a key made for the test, a stub on a real channel, and
// the server's JSON log kept in a temporary file for the tests to read.

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <string>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "services/homework/auth/dev_keys.h"
#include "services/homework/logging/json_log.h"
#include "services/homework/server.h"
#include "therapy/homework/v1/homework_service.grpc.pb.h"

namespace therapy::homework {

class InProcessServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto key = GenerateSigningKey("test-1");
    ASSERT_TRUE(key.ok()) << key.status();
    key_ = *key;
    auto jwks = PublicJwks(key_);
    ASSERT_TRUE(jwks.ok()) << jwks.status();
    // Per process: ctest runs each test in its own process, several at once.
    jwks_path_ = ::testing::TempDir() + "/in_process_server_test." + std::to_string(::getpid()) +
                 ".jwks.json";
    std::ofstream(jwks_path_) << *jwks;

    log_file_ = std::tmpfile();
    log_ = std::make_unique<JsonLog>(log_file_);
    auto server = Server::Start(
        ServerOptions{
            .listen_address = "127.0.0.1:0", .store_uri = "memory:", .jwks_path = jwks_path_},
        *log_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    stub_ = v1::HomeworkService::NewStub(grpc::CreateChannel(
        "127.0.0.1:" + std::to_string(server_->port()), grpc::InsecureChannelCredentials()));
  }

  void TearDown() override {
    if (server_) server_->Shutdown(absl::Seconds(1));
    if (log_file_ != nullptr) std::fclose(log_file_);
    std::remove(jwks_path_.c_str());
  }

  // A context carrying a fresh token for `subject` as `role` in practice "sunrise".
  std::unique_ptr<grpc::ClientContext> As(const std::string& subject, const std::string& role) {
    auto token = MintToken(
        key_, TokenClaims{.subject = subject, .practice = "sunrise", .role = role}, absl::Now());
    EXPECT_TRUE(token.ok()) << token.status();
    auto context = std::make_unique<grpc::ClientContext>();
    context->AddMetadata("authorization", "Bearer " + token.value_or(""));
    return context;
  }

  // Everything the server has logged so far.
  std::string LogText() {
    std::fflush(log_file_);
    std::rewind(log_file_);
    std::string text;
    char buffer[4096];
    while (size_t n = std::fread(buffer, 1, sizeof buffer, log_file_)) text.append(buffer, n);
    return text;
  }

  SigningKey key_;
  std::string jwks_path_;
  std::FILE* log_file_ = nullptr;
  std::unique_ptr<JsonLog> log_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<v1::HomeworkService::Stub> stub_;
};

}  // namespace therapy::homework

#endif  // SERVICES_HOMEWORK_RPC_IN_PROCESS_SERVER_TEST_H_
