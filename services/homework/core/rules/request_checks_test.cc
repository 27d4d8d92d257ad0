#include "services/homework/core/rules/request_checks.h"

#include <random>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/homework/core/rules/validation.h"
#include "testing/status_matchers.h"
#include "therapy/homework/v1/homework_service.pb.h"

namespace therapy::homework {
namespace {

using ::testing::ElementsAre;
using ::therapy::homework::testing::IsOk;
using ::therapy::homework::testing::StatusIs;

std::vector<std::string> FieldsOf(const absl::Status& status) {
  std::vector<std::string> fields;
  if (std::optional<google::rpc::BadRequest> request = BadRequestOf(status)) {
    for (const auto& violation : request->field_violations()) fields.push_back(violation.field());
  }
  return fields;
}

// Broken UTF-8 of several kinds, each inside otherwise ordinary text.
const std::vector<std::string> kBrokenText = {"caf\xC3",          "\x80",     "ok \xED\xA0\x80 ok",
                                              "\xF4\x90\x80\x80", "\xC0\xAF", "\xFF\xFE"};

v1::CreateCompletionRequest Completion() {
  v1::CreateCompletionRequest request;
  request.set_parent("practices/p1/clients/c1/assignments/a1");
  request.mutable_completion()->set_occur_time_zone("Europe/Berlin");
  auto* record = request.mutable_completion()->mutable_thought_record();
  record->set_situation("Meeting with my manager");
  record->add_emotions()->set_emotion("anxious");
  record->add_emotions()->set_emotion("sad");
  return request;
}

TEST(ParseRequestTest, BrokenTextIsRefusedNamingTheFieldWhereverItIs) {
  for (const std::string& broken : kBrokenText) {
    struct Case {
      std::function<void(v1::CreateCompletionRequest&)> spoil;
      std::string field;
    };
    const std::vector<Case> cases = {
        {[&](auto& r) { r.set_parent(broken); }, "parent"},
        {[&](auto& r) { r.set_request_id(broken); }, "request_id"},
        {[&](auto& r) { r.mutable_completion()->set_occur_time_zone(broken); },
         "completion.occur_time_zone"},
        {[&](auto& r) { r.mutable_completion()->mutable_thought_record()->set_situation(broken); },
         "completion.thought_record.situation"},
        {[&](auto& r) {
           r.mutable_completion()->mutable_thought_record()->mutable_emotions(1)->set_emotion(
               broken);
         },
         "completion.thought_record.emotions[1].emotion"},
    };
    for (const Case& c : cases) {
      v1::CreateCompletionRequest request = Completion();
      c.spoil(request);
      v1::CreateCompletionRequest parsed;
      absl::Status status = ParseRequest(request.SerializeAsString(), parsed);
      EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument)) << c.field;
      EXPECT_THAT(FieldsOf(status), ElementsAre(c.field)) << ::testing::PrintToString(broken);
      // The message names the field and never echoes the text.
      EXPECT_EQ(status.message().find(broken), absl::string_view::npos);
    }
  }
}

TEST(ParseRequestTest, ValidTextInEveryScriptParses) {
  v1::CreateCompletionRequest request = Completion();
  request.mutable_completion()->mutable_thought_record()->set_situation(
      "Встреча с начальником, 上司との会議, اجتماع 😟");
  v1::CreateCompletionRequest parsed;
  EXPECT_THAT(ParseRequest(request.SerializeAsString(), parsed), IsOk());
  EXPECT_EQ(parsed.completion().thought_record().situation(),
            request.completion().thought_record().situation());
}

TEST(ParseRequestTest, RandomBytesAreEitherARequestOrAnInvalidArgumentNamingAField) {
  std::mt19937 random(17);
  const std::string valid = Completion().SerializeAsString();
  std::uniform_int_distribution<int> byte(0, 255);
  for (int round = 0; round < 20000; ++round) {
    std::string bytes = valid;
    // Flip a few bytes, cut the end, or use pure noise.
    if (round % 3 == 0) {
      bytes.resize(static_cast<size_t>(round) % (valid.size() + 1));
    } else if (round % 3 == 1) {
      for (int i = 0; i < 1 + round % 4; ++i) {
        bytes[static_cast<size_t>(byte(random)) % bytes.size()] = static_cast<char>(byte(random));
      }
    } else {
      bytes.assign(static_cast<size_t>(round % 64), '\0');
      for (char& c : bytes) c = static_cast<char>(byte(random));
    }
    v1::CreateCompletionRequest parsed;
    absl::Status status = ParseRequest(bytes, parsed);
    if (!status.ok()) {
      EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument));
      EXPECT_FALSE(FieldsOf(status).empty()) << status;
    }
  }
}

TEST(ParseJsonRequestTest, BrokenTextInAJsonBodyIsNamedByItsProtoPath) {
  for (const std::string& broken : kBrokenText) {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {R"({"parent":")" + broken + R"("})", "parent"},
        {R"({"completion":{"occurTimeZone":")" + broken + R"("}})", "completion.occur_time_zone"},
        {R"({"completion":{"thoughtRecord":{"emotions":[{"emotion":"sad"},{"emotion":")" + broken +
             R"("}]}}})",
         "completion.thought_record.emotions[1].emotion"},
        {R"({"completion": {"thought_record": {"situation": "a\"b)" + broken + R"("}}})",
         "completion.thought_record.situation"},
    };
    for (const auto& [json, field] : cases) {
      v1::CreateCompletionRequest parsed;
      absl::Status status = ParseJsonRequest(json, parsed);
      EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument)) << json;
      EXPECT_THAT(FieldsOf(status), ElementsAre(field)) << ::testing::PrintToString(json);
    }
  }
}

TEST(ParseJsonRequestTest, OtherParseErrorsNameTheRequestWithoutTheBodysText) {
  for (const std::string& json :
       {std::string(R"({"parent": "my secret note", "nope": 1})"),
        std::string(R"({"completion": {"status": "my secret note"}})"),
        std::string(R"({"parent": "my secret note")"), std::string("my secret note")}) {
    v1::CreateCompletionRequest parsed;
    absl::Status status = ParseJsonRequest(json, parsed);
    EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument)) << json;
    EXPECT_THAT(FieldsOf(status), ElementsAre("request")) << json;
    EXPECT_EQ(status.message().find("secret"), absl::string_view::npos) << status;
  }
  v1::CreateCompletionRequest parsed;
  EXPECT_TRUE(ParseJsonRequest(R"({"parent":"practices/p/clients/c/assignments/a",)"
                               R"("completion":{"thoughtRecord":{"situation":"Встреча 😟"}}})",
                               parsed)
                  .ok());
  EXPECT_EQ(parsed.completion().thought_record().situation(), "Встреча 😟");
}

TEST(CheckRequestTest, TimestampsOutsideTheTimestampRangeAreNamed) {
  v1::ListCompletionsRequest request;
  request.set_parent("practices/p1/clients/c1/assignments/-");
  request.mutable_start_time()->set_seconds(-62135596801);  // before 0001-01-01
  request.mutable_end_time()->set_seconds(253402300800);    // after 9999-12-31
  EXPECT_THAT(FieldsOf(CheckRequest(request)), ElementsAre("start_time", "end_time"));

  request.mutable_start_time()->set_seconds(0);
  request.mutable_start_time()->set_nanos(-1);
  request.mutable_end_time()->set_seconds(1);
  request.mutable_end_time()->set_nanos(1000000000);
  EXPECT_THAT(FieldsOf(CheckRequest(request)), ElementsAre("start_time", "end_time"));

  request.mutable_start_time()->set_nanos(0);
  request.mutable_end_time()->set_nanos(999999999);
  EXPECT_THAT(CheckRequest(request), IsOk());
}

TEST(CheckRequestTest, NestedTimestampsAreCheckedToo) {
  v1::CreateCompletionRequest request = Completion();
  request.mutable_completion()->mutable_occur_time()->set_seconds(-70000000000);
  EXPECT_THAT(FieldsOf(CheckRequest(request)), ElementsAre("completion.occur_time"));
}

}  // namespace
}  // namespace therapy::homework
