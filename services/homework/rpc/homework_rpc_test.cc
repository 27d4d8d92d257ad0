// In-process RPC tests: the real composition root (Server) on a loopback port with the in-memory
// store, called over real gRPC. They pin what the RPC layer adds to the core: authentication
// from metadata, status conversion with BadRequest details, and the call id.

#include <cstdio>
#include <fstream>
#include <memory>
#include <string>

#include <unistd.h>

#include "absl/time/clock.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "services/homework/auth/dev_keys.h"
#include "services/homework/server.h"
#include "therapy/homework/v1/homework_service.grpc.pb.h"

namespace therapy::homework {
namespace {

class HomeworkRpcTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto key = GenerateSigningKey("test-1");
    ASSERT_TRUE(key.ok()) << key.status();
    key_ = *key;
    auto jwks = PublicJwks(key_);
    ASSERT_TRUE(jwks.ok()) << jwks.status();
    // Per process: ctest runs each test in its own process, several at once.
    jwks_path_ = ::testing::TempDir() + "/homework_rpc_test." + std::to_string(::getpid()) +
                 ".jwks.json";
    std::ofstream(jwks_path_) << *jwks;

    log_file_ = std::tmpfile();
    log_ = std::make_unique<JsonLog>(log_file_);
    auto server = Server::Start(ServerOptions{.listen_address = "127.0.0.1:0",
                                              .store_uri = "memory:",
                                              .jwks_path = jwks_path_},
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

  std::unique_ptr<grpc::ClientContext> As(const std::string& subject, const std::string& role) {
    auto token = MintToken(key_, TokenClaims{.subject = subject, .practice = "sunrise", .role = role},
                           absl::Now());
    EXPECT_TRUE(token.ok()) << token.status();
    auto context = std::make_unique<grpc::ClientContext>();
    context->AddMetadata("authorization", "Bearer " + token.value_or(""));
    return context;
  }

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

TEST_F(HomeworkRpcTest, CallWithoutATokenIsUnauthenticated) {
  grpc::ClientContext context;
  v1::GetClientRequest request;
  request.set_name("practices/sunrise/clients/ana");
  v1::Client response;
  grpc::Status status = stub_->GetClient(&context, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_NE(status.error_message().find("authorization"), std::string::npos);
}

TEST_F(HomeworkRpcTest, NonBearerSchemeIsUnauthenticated) {
  grpc::ClientContext context;
  context.AddMetadata("authorization", "Basic YW5hOnNlY3JldA==");
  v1::GetClientRequest request;
  request.set_name("practices/sunrise/clients/ana");
  v1::Client response;
  EXPECT_EQ(stub_->GetClient(&context, request, &response).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(HomeworkRpcTest, ServiceCreatesAndClientReadsItself) {
  v1::CreateClientRequest create;
  create.set_parent("practices/sunrise");
  create.set_client_id("ana");
  create.mutable_client()->set_display_name("Ana");
  create.mutable_client()->set_time_zone("Europe/Berlin");
  v1::Client created;
  ASSERT_TRUE(stub_->CreateClient(As("backend", "service").get(), create, &created).ok());

  v1::GetClientRequest get;
  get.set_name("practices/sunrise/clients/ana");
  v1::Client read;
  grpc::Status status = stub_->GetClient(As("ana", "client").get(), get, &read);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(read.display_name(), "Ana");
  EXPECT_EQ(read.etag(), created.etag());
}

TEST_F(HomeworkRpcTest, ValidationErrorCarriesBadRequestDetails) {
  v1::CreateClientRequest create;
  create.set_parent("practices/sunrise");
  create.mutable_client()->set_display_name("Ana");
  create.mutable_client()->set_time_zone("Atlantis/Capital");
  v1::Client created;
  grpc::Status status = stub_->CreateClient(As("backend", "service").get(), create, &created);
  ASSERT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("client.time_zone"), std::string::npos);

  google::rpc::Status details;
  ASSERT_TRUE(details.ParseFromString(status.error_details()));
  EXPECT_EQ(details.code(), static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));
  ASSERT_EQ(details.details_size(), 1);
  google::rpc::BadRequest bad_request;
  ASSERT_TRUE(details.details(0).UnpackTo(&bad_request));
  ASSERT_EQ(bad_request.field_violations_size(), 1);
  EXPECT_EQ(bad_request.field_violations(0).field(), "client.time_zone");
}

TEST_F(HomeworkRpcTest, OneLogLinePerCallWithTheCallIdAndNoContent) {
  v1::CreateClientRequest create;
  create.set_parent("practices/sunrise");
  create.set_client_id("ana");
  create.mutable_client()->set_display_name("Ana Secret-Surname");
  create.mutable_client()->set_time_zone("Europe/Berlin");
  auto context = As("backend", "service");
  context->AddMetadata("x-request-id", "trace-123");
  v1::Client created;
  ASSERT_TRUE(stub_->CreateClient(context.get(), create, &created).ok());

  const std::string log = LogText();
  EXPECT_NE(log.find("\"call_id\":\"trace-123\""), std::string::npos) << log;
  EXPECT_NE(log.find("\"method\":\"CreateClient\""), std::string::npos) << log;
  EXPECT_NE(log.find("\"code\":\"OK\""), std::string::npos) << log;
  EXPECT_EQ(log.find("Secret-Surname"), std::string::npos) << log;
  EXPECT_EQ(log.find("Bearer"), std::string::npos) << log;
}

}  // namespace
}  // namespace therapy::homework
