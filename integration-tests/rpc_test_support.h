#ifndef INTEGRATION_TESTS_RPC_TEST_SUPPORT_H_
#define INTEGRATION_TESTS_RPC_TEST_SUPPORT_H_

#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "integration-tests/server_process.h"
#include "services/homework/client/rpc_status.h"
#include "therapy/homework/v1/homework_service.grpc.pb.h"

namespace therapy::homework::testing {

using Stub = v1::HomeworkService::Stub;

// "PERMISSION_DENIED: message" and the field violations, for assertion messages.
inline std::string Describe(const grpc::Status& status) {
  return client::Describe(client::FromGrpcStatus(status));
}

// Asserts that a grpc::Status is OK, printing its code and message otherwise.
#define ASSERT_RPC_OK(expr)                                                             \
  do {                                                                                  \
    const ::grpc::Status rpc_status = (expr);                                           \
    ASSERT_TRUE(rpc_status.ok()) << ::therapy::homework::testing::Describe(rpc_status); \
  } while (false)

// Calls one unary method of `stub` with `token` (none when empty), for example
// `Call(stub, &Stub::GetClient, token, request, &client)`.
template <typename Request, typename Response>
grpc::Status Call(Stub& stub,
                  grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                  const std::string& token, const Request& request, Response* response) {
  std::unique_ptr<grpc::ClientContext> context = ContextWithToken(token);
  return (stub.*method)(context.get(), request, response);
}

// The field paths of the google.rpc.BadRequest carried in an INVALID_ARGUMENT's details; empty
// when there is none (or the details do not decode).
inline std::vector<std::string> BadRequestFields(const grpc::Status& status) {
  std::vector<std::string> fields;
  for (const client::FieldViolation& violation :
       client::FieldViolations(client::FromGrpcStatus(status))) {
    fields.push_back(violation.field);
  }
  return fields;
}

// A calendar day `YYYY-MM-DD` in `zone`, `offset_days` from today.
inline std::string DayIn(const std::string& zone, int offset_days = 0) {
  absl::TimeZone tz;
  if (!absl::LoadTimeZone(zone, &tz)) ADD_FAILURE() << "unknown time zone " << zone;
  absl::CivilDay today = absl::ToCivilDay(absl::Now(), tz);
  return absl::FormatCivilTime(today + offset_days);
}

}  // namespace therapy::homework::testing

#endif  // INTEGRATION_TESTS_RPC_TEST_SUPPORT_H_
