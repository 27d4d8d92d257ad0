#include "services/homework/logging/call_log.h"

#include <cstdio>
#include <string>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace therapy::homework {
namespace {

// The one line LogCall writes for `status`, parsed.
nlohmann::json LineFor(const CallLine& line, const absl::StatusOr<Caller>& caller,
                       const absl::Status& status) {
  char* text = nullptr;
  size_t size = 0;
  std::FILE* out = open_memstream(&text, &size);
  {
    JsonLog log(out);
    LogCall(log, line, caller, status);
  }
  std::fclose(out);
  nlohmann::json parsed = nlohmann::json::parse(std::string(text, size));
  std::free(text);
  return parsed;
}

const Caller kTherapist{"dr-lee", "sunrise", Role::kTherapist, "call-1"};

TEST(CallLogTest, AnAnsweredCallNamesMethodCodeCallerAndNoMessage) {
  const nlohmann::json line =
      LineFor({.method = "GetClient", .call_id = "c-1", .latency = absl::Milliseconds(3)},
              kTherapist, absl::PermissionDeniedError("caller may not read practices/x/clients/y"));
  EXPECT_EQ(line["level"], "info");
  EXPECT_EQ(line["event"], "rpc");
  EXPECT_EQ(line["method"], "GetClient");
  EXPECT_EQ(line["code"], "PERMISSION_DENIED");
  EXPECT_EQ(line["call_id"], "c-1");
  EXPECT_EQ(line["latency_ms"], 3.0);
  EXPECT_EQ(line["role"], "therapist");
  EXPECT_EQ(line["practice"], "sunrise");
  EXPECT_FALSE(line.contains("message"));
  EXPECT_FALSE(line.contains("protocol"));
  EXPECT_FALSE(line.contains("http_method"));
}

TEST(CallLogTest, ServerFaultsAndAFullDiskLogTheirMessageAtErrorLevel) {
  for (const absl::Status& fault :
       {absl::InternalError("store: disk I/O error"), absl::UnavailableError("draining"),
        absl::ResourceExhaustedError("the store's disk is full: free space")}) {
    const nlohmann::json line = LineFor({.method = "CreateCompletion"}, kTherapist, fault);
    EXPECT_EQ(line["level"], "error") << fault;
    EXPECT_EQ(line["message"], std::string(fault.message()));
  }
  // Another RESOURCE_EXHAUSTED (a caller over a limit) is the caller's, not the operator's.
  const nlohmann::json limited = LineFor({.method = "ListClients"}, kTherapist,
                                         absl::ResourceExhaustedError("too many calls"));
  EXPECT_EQ(limited["level"], "info");
  EXPECT_FALSE(limited.contains("message"));
}

TEST(CallLogTest, TheBrowserListenerAddsItsProtocolAndGetAndAnUnknownCallerHasNoRole) {
  const nlohmann::json line = LineFor(
      {.method = "ListAssignments", .protocol = "connect", .http_get = true, .call_id = "c-2"},
      absl::UnauthenticatedError("token expired"), absl::UnauthenticatedError("token expired"));
  EXPECT_EQ(line["protocol"], "connect");
  EXPECT_EQ(line["http_method"], "GET");
  EXPECT_FALSE(line.contains("role"));
  EXPECT_FALSE(line.contains("practice"));
}

}  // namespace
}  // namespace therapy::homework
