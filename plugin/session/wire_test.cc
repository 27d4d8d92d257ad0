#include "plugin/session/wire.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/escaping.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/support/status.h"
#include "nlohmann/json.hpp"
#include "services/homework/client/rpc_status.h"
#include "services/homework/connect/connect_errors.h"
#include "testing/status_matchers.h"

namespace therapy::homework::live_session {
namespace {

namespace v1 = ::therapy::homework::v1;
using nlohmann::json;
using ::testing::HasSubstr;
using ::therapy::homework::testing::IsOk;
using ::therapy::homework::testing::StatusIs;

absl::Status Parse(const std::string& body, PluginRequest* request) {
  return ParseRequest(body, request);
}

TEST(WireTest, JoinCarriesSessionClientTokenAndDisplay) {
  PluginRequest request;
  ASSERT_THAT(Parse(R"({"request":"join","id":"1","session":"practices/demo/sessions/tele-2041",
                        "client":"practices/demo/clients/alex","token":"t.k.n",
                        "display":"Dr Ada"})",
                    &request),
              IsOk());
  EXPECT_EQ(request.kind, RequestKind::kJoin);
  EXPECT_EQ(request.id, "1");
  EXPECT_EQ(request.session, "practices/demo/sessions/tele-2041");
  EXPECT_EQ(request.client, "practices/demo/clients/alex");
  EXPECT_EQ(request.token, "t.k.n");
  EXPECT_EQ(request.display, "Dr Ada");
}

TEST(WireTest, SessionMustBeASessionResourceName) {
  for (const char* session :
       {"tele-2041", "practices/demo/sessions/tele 2041", "practices/demo/clients/alex",
        "practices//sessions/tele-1", "practices/demo/sessions/", "practices/demo/sessions/a/b"}) {
    PluginRequest request;
    absl::Status status = Parse(json{{"request", "join"},
                                     {"id", "1"},
                                     {"session", session},
                                     {"client", "practices/demo/clients/alex"},
                                     {"token", "t"}}
                                    .dump(),
                                &request);
    EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument)) << session;
    EXPECT_EQ(status.message(), "session: must be practices/{practice}/sessions/{session}")
        << "names the field, never echoes the value";
    EXPECT_EQ(request.id, "1") << "the id is known even when the request is not";
  }
}

TEST(WireTest, MissingTokenNamesToken) {
  PluginRequest request;
  absl::Status status = Parse(R"({"request":"join","session":"practices/p/sessions/s",
                "client":"practices/p/clients/c"})",
                              &request);
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(status.message(), HasSubstr("token: required"));
}

TEST(WireTest, UnknownRequestAndNonObjectBodyAreRefused) {
  PluginRequest request;
  EXPECT_EQ(Parse(R"({"request":"dance"})", &request).message(),
            "request: must be join, token, call or leave");
  // The draft requests went to the service (an Assignment in STATE_DRAFT, through `call`).
  for (const char* gone : {"draft", "assign", "discard", "end"}) {
    EXPECT_EQ(Parse(json{{"request", gone}, {"draft", "d-1"}}.dump(), &request).code(),
              absl::StatusCode::kInvalidArgument)
        << gone;
  }
  EXPECT_THAT(Parse("[1,2]", &request).message(), HasSubstr("body:"));
  EXPECT_THAT(Parse("{not json", &request).message(), HasSubstr("body:"));
  EXPECT_THAT(Parse(R"({"id":7,"request":"leave"})", &request).message(),
              HasSubstr("id: must be a string"));
}

TEST(WireTest, CallKeepsTheBodyAsJson) {
  PluginRequest request;
  ASSERT_THAT(Parse(R"({"request":"call","id":"7","method":"ListAssignments",
                        "body":{"parent":"practices/demo/clients/alex"}})",
                    &request),
              IsOk());
  EXPECT_EQ(request.method, "ListAssignments");
  EXPECT_EQ(json::parse(request.body_json)["parent"], "practices/demo/clients/alex");
  EXPECT_THAT(Parse(R"({"request":"call","method":"GetClient","body":"x"})", &request).message(),
              HasSubstr("body:"));
}

TEST(WireTest, ErrorEventIsAConnectErrorWithTheServicesDetails) {
  google::rpc::BadRequest bad_request;
  auto* violation = bad_request.add_field_violations();
  violation->set_field("completion.suds.before");
  violation->set_description("must be 0-100");
  google::rpc::Status rpc_status;
  rpc_status.set_code(3);
  rpc_status.add_details()->PackFrom(bad_request);
  absl::Status status = client::FromGrpcStatus(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                                            "completion.suds.before: must be 0-100",
                                                            rpc_status.SerializeAsString()));

  json event = json::parse(ErrorEvent("7", status));
  EXPECT_EQ(event["homework"], "error");
  EXPECT_EQ(event["id"], "7");
  EXPECT_EQ(event["code"], "invalid_argument");
  EXPECT_EQ(event["message"], "completion.suds.before: must be 0-100");
  // The Connect listener's error object (connect/connect_errors.h), so a page decodes both alike:
  // the detail's type, its bytes in unpadded base64, and a readable copy.
  ASSERT_EQ(event["details"].size(), 1u);
  EXPECT_EQ(event["details"][0]["type"], "google.rpc.BadRequest");
  std::string bytes;
  ASSERT_TRUE(absl::Base64Unescape(event["details"][0]["value"].get<std::string>(), &bytes));
  google::rpc::BadRequest sent;
  ASSERT_TRUE(sent.ParseFromString(bytes));
  EXPECT_EQ(sent.field_violations(0).field(), "completion.suds.before");
  EXPECT_EQ(event["details"][0]["debug"]["fieldViolations"][0]["field"], "completion.suds.before");
  json expected = ConnectErrorObject(status);
  expected["homework"] = "error";
  expected["id"] = "7";
  EXPECT_EQ(event, expected);

  EXPECT_EQ(json::parse(ErrorEvent("", absl::FailedPreconditionError("x")))["code"],
            "failed_precondition");
  // Connect's spelling, which the browser's decoder knows (issue 17: the plugin said
  // "cancelled").
  EXPECT_EQ(json::parse(ErrorEvent("", absl::CancelledError("x")))["code"], "canceled");
}

TEST(WireTest, JoinedCarriesTheSessionYouAndEveryoneButNoDrafts) {
  const Membership you{
      .session = "practices/demo/sessions/tele-1",
      .client = "practices/demo/clients/alex",
      .participant = {.handle = 2, .subject = "alex", .role = Role::kClient, .display = "Alex"},
      .token = "secret-token"};
  const SessionMembers members{
      .session = you.session,
      .participants = {
          {.handle = 1, .subject = "dr-ada", .role = Role::kTherapist, .display = "Dr Ada"},
          you.participant}};
  const std::string text = JoinedEvent("j1", you, members);
  json event = json::parse(text);
  EXPECT_EQ(event["homework"], "joined");
  EXPECT_EQ(event["id"], "j1");
  EXPECT_EQ(event["session"], "practices/demo/sessions/tele-1");
  EXPECT_EQ(event["client"], "practices/demo/clients/alex");
  EXPECT_EQ(event["you"], json({{"subject", "alex"}, {"role", "client"}, {"display", "Alex"}}));
  ASSERT_EQ(event["participants"].size(), 2u);
  EXPECT_EQ(event["participants"][0]["role"], "therapist");
  EXPECT_FALSE(event.contains("drafts")) << "drafts are the service's";
  EXPECT_THAT(text, ::testing::Not(HasSubstr("secret-token"))) << "the token never goes out";
}

TEST(WireTest, RelayedEventIsTheServicesEventAsProtobufJson) {
  v1::Event event;
  event.set_cursor("41");
  event.set_type(v1::Event::TYPE_ASSIGNMENT_UPDATED);
  event.set_client("practices/demo/clients/alex");
  event.set_resource("practices/demo/clients/alex/assignments/a1");
  json relayed = json::parse(RelayedEvent(event));
  EXPECT_EQ(relayed["homework"], "event");
  EXPECT_EQ(relayed["event"]["type"], "TYPE_ASSIGNMENT_UPDATED");
  EXPECT_EQ(relayed["event"]["resource"], "practices/demo/clients/alex/assignments/a1");
  EXPECT_EQ(relayed["event"]["cursor"], "41");
}

}  // namespace
}  // namespace therapy::homework::live_session
