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
#include "services/homework/rpc/in_process_server_test.h"
#include "services/homework/server.h"
#include "therapy/homework/v1/homework_service.grpc.pb.h"

namespace therapy::homework {
namespace {

using HomeworkRpcTest = InProcessServerTest;

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
