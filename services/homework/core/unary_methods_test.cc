#include "services/homework/core/unary_methods.h"

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "gtest/gtest.h"
#include "therapy/homework/v1/homework_service.pb.h"

namespace therapy::homework {
namespace {

using ::testing::ContainerEq;

// Method -> (request type, response type), full names.
using Signatures = std::map<std::string, std::pair<std::string, std::string>>;

TEST(UnaryMethodsTest, TheListIsTheServicesUnaryMethodsWithTheirTypes) {
  Signatures listed;
#define HOMEWORK_LISTED(Method, Request, Response)                        \
  listed[#Method] = {std::string(v1::Request::descriptor()->full_name()), \
                     std::string(v1::Response::descriptor()->full_name())};
  HOMEWORK_UNARY_METHODS(HOMEWORK_LISTED)
#undef HOMEWORK_LISTED

  const google::protobuf::ServiceDescriptor* service =
      v1::GetCallerRequest::descriptor()->file()->FindServiceByName("HomeworkService");
  ASSERT_NE(service, nullptr);
  Signatures described;
  for (int i = 0; i < service->method_count(); ++i) {
    const google::protobuf::MethodDescriptor& method = *service->method(i);
    if (method.client_streaming() || method.server_streaming()) continue;
    described[method.name()] = {method.input_type()->full_name(),
                                method.output_type()->full_name()};
  }
  EXPECT_THAT(listed, ContainerEq(described));
}

TEST(UnaryMethodsTest, WatchEventsIsTheOneStreamingMethod) {
  const google::protobuf::ServiceDescriptor* service =
      v1::GetCallerRequest::descriptor()->file()->FindServiceByName("HomeworkService");
  ASSERT_NE(service, nullptr);
  std::vector<std::string> streaming;
  for (int i = 0; i < service->method_count(); ++i) {
    if (service->method(i)->server_streaming() || service->method(i)->client_streaming()) {
      streaming.push_back(service->method(i)->name());
    }
  }
  EXPECT_THAT(streaming, ::testing::ElementsAre("WatchEvents"));
}

}  // namespace
}  // namespace therapy::homework
