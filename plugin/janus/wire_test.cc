#include "plugin/janus/wire.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "nlohmann/json.hpp"

namespace therapy::homework::janus_plugin {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

absl::Status Parse(const std::string& body, PluginRequest* request) {
  return ParseRequest(body, request);
}

TEST(WireTest, JoinCarriesSessionClientTokenAndDisplay) {
  PluginRequest request;
  ASSERT_TRUE(Parse(R"({"request":"join","id":"1","session":"tele-2041",
                        "client":"practices/demo/clients/alex","token":"t.k.n",
                        "display":"Dr Ada"})",
                    &request)
                  .ok());
  EXPECT_EQ(request.kind, RequestKind::kJoin);
  EXPECT_EQ(request.id, "1");
  EXPECT_EQ(request.session, "tele-2041");
  EXPECT_EQ(request.client, "practices/demo/clients/alex");
  EXPECT_EQ(request.token, "t.k.n");
  EXPECT_EQ(request.display, "Dr Ada");
}

TEST(WireTest, BadSessionIdIsInvalidArgumentNamingSession) {
  PluginRequest request;
  absl::Status status = Parse(R"({"request":"join","id":"1","session":"tele 2041",
                                  "client":"practices/demo/clients/alex","token":"t"})",
                              &request);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("session:"));
  EXPECT_EQ(request.id, "1") << "the id is known even when the request is not";
}

TEST(WireTest, MissingTokenNamesToken) {
  PluginRequest request;
  absl::Status status =
      Parse(R"({"request":"join","session":"s","client":"practices/p/clients/c"})", &request);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("token: required"));
}

TEST(WireTest, UnknownRequestAndNonObjectBodyAreRefused) {
  PluginRequest request;
  EXPECT_THAT(Parse(R"({"request":"dance"})", &request).message(), HasSubstr("request:"));
  EXPECT_THAT(Parse("[1,2]", &request).message(), HasSubstr("body:"));
  EXPECT_THAT(Parse("{not json", &request).message(), HasSubstr("body:"));
  EXPECT_THAT(Parse(R"({"id":7,"request":"leave"})", &request).message(),
              HasSubstr("id: must be a string"));
}

TEST(WireTest, CallKeepsTheBodyAsJson) {
  PluginRequest request;
  ASSERT_TRUE(Parse(R"({"request":"call","id":"7","method":"ListAssignments",
                        "body":{"parent":"practices/demo/clients/alex"}})",
                    &request)
                  .ok());
  EXPECT_EQ(request.method, "ListAssignments");
  EXPECT_EQ(json::parse(request.body_json)["parent"], "practices/demo/clients/alex");
  EXPECT_THAT(Parse(R"({"request":"call","method":"GetClient","body":"x"})", &request).message(),
              HasSubstr("body:"));
}

TEST(WireTest, DraftParsesTheAssignmentAndRefusesUnknownFields) {
  PluginRequest request;
  ASSERT_TRUE(Parse(R"({"request":"draft","id":"9","draft":{"id":"d-1","version":3,
                        "assignment":{"title":"Breathing",
                                      "schedule":{"preferredLocalTime":"08:45"}}}})",
                    &request)
                  .ok());
  EXPECT_EQ(request.kind, RequestKind::kDraft);
  EXPECT_EQ(request.draft_id, "d-1");
  EXPECT_EQ(request.version, 3);
  EXPECT_EQ(request.assignment.title(), "Breathing");
  EXPECT_EQ(request.assignment.schedule().preferred_local_time(), "08:45");

  absl::Status unknown =
      Parse(R"({"request":"draft","draft":{"assignment":{"colour":"red"}}})", &request);
  EXPECT_EQ(unknown.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(unknown.message(), HasSubstr("draft.assignment:"));
  EXPECT_THAT(
      Parse(R"({"request":"draft","draft":{"version":-1,"assignment":{}}})", &request).message(),
      HasSubstr("draft.version"));
}

TEST(WireTest, ErrorEventUsesLowerSnakeCodesAndShowsServiceDetails) {
  google::rpc::BadRequest bad_request;
  auto* violation = bad_request.add_field_violations();
  violation->set_field("completion.suds.before");
  violation->set_description("must be 0-100");
  google::rpc::Status rpc_status;
  rpc_status.set_code(3);
  rpc_status.add_details()->PackFrom(bad_request);
  absl::Status status =
      StatusWithRpcDetails(absl::StatusCode::kInvalidArgument,
                           "completion.suds.before: must be 0-100", rpc_status.SerializeAsString());

  json event = json::parse(ErrorEvent("7", status));
  EXPECT_EQ(event["homework"], "error");
  EXPECT_EQ(event["id"], "7");
  EXPECT_EQ(event["code"], "invalid_argument");
  EXPECT_EQ(event["message"], "completion.suds.before: must be 0-100");
  ASSERT_EQ(event["details"].size(), 1u);
  EXPECT_EQ(event["details"][0]["@type"], "type.googleapis.com/google.rpc.BadRequest");
  EXPECT_EQ(event["details"][0]["fieldViolations"][0]["field"], "completion.suds.before");

  EXPECT_EQ(json::parse(ErrorEvent("", absl::FailedPreconditionError("x")))["code"],
            "failed_precondition");
}

TEST(WireTest, DraftEventCarriesVersionAndWhoChangedIt) {
  Draft draft{
      .id = "d-1", .version = 4, .updated_by_subject = "alex", .updated_by_role = Role::kClient};
  draft.assignment.set_title("Breathing");
  json event = json::parse(DraftEvent(draft));
  EXPECT_EQ(event["homework"], "draft");
  EXPECT_EQ(event["draft"]["id"], "d-1");
  EXPECT_EQ(event["draft"]["version"], 4);
  EXPECT_EQ(event["draft"]["assignment"]["title"], "Breathing");
  EXPECT_EQ(event["draft"]["updatedBy"]["subject"], "alex");
  EXPECT_EQ(event["draft"]["updatedBy"]["role"], "client");
}

TEST(WireTest, SummaryListsAssignedAndReviewed) {
  SessionSummary summary{
      .session = "tele-1",
      .client = "practices/p/clients/c",
      .assigned = {{.name = "practices/p/clients/c/assignments/a1", .title = "Breathing"}},
      .reviewed = {"practices/p/clients/c/assignments/a0/completions/c3"},
      .drafts_discarded = 2,
      .end_time = absl::FromUnixSeconds(1795690800)};
  json event = json::parse(SummaryEvent(summary));
  EXPECT_EQ(event["homework"], "summary");
  EXPECT_EQ(event["assigned"][0]["title"], "Breathing");
  EXPECT_EQ(event["reviewed"][0], "practices/p/clients/c/assignments/a0/completions/c3");
  EXPECT_EQ(event["draftsDiscarded"], 2);
  EXPECT_EQ(event["endTime"], "2026-11-26T11:00:00Z");
}

}  // namespace
}  // namespace therapy::homework::janus_plugin
