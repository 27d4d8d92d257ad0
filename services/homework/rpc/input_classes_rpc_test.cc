// Classes of unusual but real input over real gRPC (the in-process server): each test generates
// many cases of one class and asserts the answer for every one: a clear INVALID_ARGUMENT naming
// the field, or the input kept exactly.

#include <future>
#include <random>
#include <string>
#include <vector>

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/generic/generic_stub.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "services/homework/rpc/in_process_server_test.h"
#include "services/homework/rpc/test_requests.h"
#include "testing/status_matchers.h"
#include "therapy/homework/v1/homework_service.grpc.pb.h"

namespace therapy::homework {
namespace {

using ::therapy::homework::testing::IsOk;

using InputClassesTest = InProcessServerTest;

// The fields the BadRequest detail of `status` names.
std::vector<std::string> FieldsOf(const grpc::Status& status) {
  google::rpc::Status details;
  std::vector<std::string> fields;
  if (!details.ParseFromString(status.error_details())) return fields;
  for (const auto& any : details.details()) {
    google::rpc::BadRequest request;
    if (any.UnpackTo(&request)) {
      for (const auto& violation : request.field_violations()) fields.push_back(violation.field());
    }
  }
  return fields;
}

bool Names(const grpc::Status& status, const std::string& field) {
  for (const std::string& named : FieldsOf(status)) {
    if (named == field) return true;
  }
  return false;
}

std::string Repeat(const std::string& unit, int times) {
  std::string out;
  for (int i = 0; i < times; ++i) out += unit;
  return out;
}

class Fixture : public InputClassesTest {
 protected:
  grpc::Status CreateClient(const std::string& id, const std::string& display_name,
                            const std::string& zone, v1::Client* created = nullptr) {
    v1::CreateClientRequest request;
    request.set_parent("practices/sunrise");
    request.set_client_id(id);
    request.mutable_client()->set_display_name(display_name);
    request.mutable_client()->set_time_zone(zone);
    request.mutable_client()->add_care_team("dr-lee");
    v1::Client ignored;
    return stub_->CreateClient(As("backend", "service").get(), request,
                               created != nullptr ? created : &ignored);
  }

  // An active thought-record assignment for client `id`.
  std::string ActiveThoughtRecord(const std::string& id) {
    EXPECT_TRUE(CreateClient(id, "Ana", "Europe/Berlin").ok());
    return ActiveDailyThoughtRecord(
        *stub_, [this] { return As("dr-lee", "therapist"); }, "practices/sunrise/clients/" + id);
  }

  grpc::Status Record(const std::string& client, const std::string& parent,
                      const v1::Completion& completion, const std::string& request_id = "",
                      v1::Completion* stored = nullptr) {
    v1::CreateCompletionRequest request;
    request.set_parent(parent);
    *request.mutable_completion() = completion;
    request.set_request_id(request_id);
    v1::Completion ignored;
    return stub_->CreateCompletion(As(client, "client").get(), request,
                                   stored != nullptr ? stored : &ignored);
  }

  static v1::Completion Now(v1::Completion::Status status) {
    v1::Completion c;
    c.mutable_occur_time()->set_seconds(absl::ToUnixSeconds(absl::Now()) - 60);
    c.set_occur_time_zone("Europe/Berlin");
    c.set_status(status);
    return c;
  }
};

// 1. Half-done work is kept: any prefix of a thought record's columns saves as PARTIAL or
// MINIMUM_VERSION; as DONE, the first missing column is named.
TEST_F(Fixture, EveryPrefixOfAThoughtRecordSavesAsPartialWork) {
  const std::string parent = ActiveThoughtRecord("ana");
  for (int filled = 0; filled <= 7; ++filled) {
    for (auto status : {v1::Completion::STATUS_PARTIAL, v1::Completion::STATUS_MINIMUM_VERSION,
                        v1::Completion::STATUS_DONE}) {
      v1::Completion c = Now(status);
      auto* r = c.mutable_thought_record();
      if (filled > 0) r->set_situation("Meeting ran late");
      if (filled > 1) r->set_automatic_thought("They think I'm useless");
      if (filled > 2) r->set_automatic_thought_belief(80);
      if (filled > 3) r->add_emotions()->set_emotion("anxious");
      if (filled > 4) r->set_evidence_against("My manager thanked me");
      if (filled > 5) r->set_balanced_thought("One late meeting says little");
      if (filled > 6) r->set_balanced_thought_belief(60);
      v1::Completion stored;
      grpc::Status answer = Record("ana", parent, c, "", &stored);
      if (status != v1::Completion::STATUS_DONE || filled == 7) {
        EXPECT_TRUE(answer.ok()) << filled << " " << answer.error_message();
        EXPECT_EQ(stored.thought_record().situation(), r->situation());
      } else {
        EXPECT_EQ(answer.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << filled;
      }
    }
  }
}

// 2. White space of every kind is not content in a required field.
TEST_F(Fixture, WhiteSpaceAloneIsNotContent) {
  const std::string parent = ActiveThoughtRecord("ben");
  const std::vector<std::string> blanks = {" ",
                                           "   ",
                                           "\t",
                                           "\n\r\n",
                                           "\xC2\xA0",
                                           "\xE3\x80\x80",
                                           "\xE2\x80\x8B",
                                           "\xEF\xBB\xBF",
                                           " \t\xE2\x80\xAF\xE2\x81\x9F "};
  int i = 0;
  for (const std::string& blank : blanks) {
    EXPECT_TRUE(
        Names(CreateClient("blank-" + std::to_string(i++), blank, "UTC"), "client.display_name"));
    v1::Completion c = Now(v1::Completion::STATUS_DONE);
    auto* r = c.mutable_thought_record();
    r->set_situation(blank);
    r->set_automatic_thought(blank);
    r->set_automatic_thought_belief(50);
    r->add_emotions()->set_emotion("sad");
    r->set_balanced_thought(blank + "ok");  // text after white space is content
    r->set_balanced_thought_belief(50);
    grpc::Status answer = Record("ben", parent, c);
    EXPECT_TRUE(Names(answer, "completion.thought_record.situation")) << answer.error_message();
    EXPECT_TRUE(Names(answer, "completion.thought_record.automatic_thought"));
    EXPECT_FALSE(Names(answer, "completion.thought_record.balanced_thought"));
  }
}

// 3. Limits count characters people see, in every script.
TEST_F(Fixture, LimitsCountCharactersNotBytes) {
  const std::vector<std::string> characters = {
      "a", "\xC3\xA9", "\xD0\x96", "\xE4\xB8\xAD", "\xED\x95\x9C", "\xF0\x9F\x98\x9F"};
  int i = 0;
  for (const std::string& character : characters) {
    v1::Client created;
    EXPECT_TRUE(
        CreateClient("limit-" + std::to_string(i), Repeat(character, 200), "UTC", &created).ok())
        << i;
    EXPECT_EQ(created.display_name(), Repeat(character, 200));
    grpc::Status over = CreateClient("over-" + std::to_string(i), Repeat(character, 201), "UTC");
    EXPECT_TRUE(Names(over, "client.display_name")) << i;
    EXPECT_NE(over.error_message().find("201"), std::string::npos) << over.error_message();
    ++i;
  }
}

// 4. Time zones: only IANA names; never echoed back.
TEST_F(Fixture, OnlyIanaTimeZoneNamesAreAccepted) {
  const std::vector<std::string> refused = {"/etc/localtime",
                                            "/usr/share/zoneinfo/Europe/Berlin",
                                            "../../etc/passwd",
                                            "localtime",
                                            "posix/Europe/Berlin",
                                            std::string("Europe/Berlin\0", 14),
                                            "Mars/Olympus_Mons",
                                            "CET-1CEST,M3.5.0,M10.5.0/3",
                                            ""};
  int i = 0;
  for (const std::string& zone : refused) {
    grpc::Status answer = CreateClient("tz-" + std::to_string(i++), "Ana", zone);
    EXPECT_TRUE(Names(answer, "client.time_zone")) << ::testing::PrintToString(zone);
    if (!zone.empty()) {
      EXPECT_EQ(answer.error_message().find(zone), std::string::npos);
    }
  }
  for (const char* zone : {"Europe/Berlin", "America/Argentina/Buenos_Aires", "Etc/GMT+5"}) {
    EXPECT_TRUE(CreateClient("tz-" + std::to_string(i++), "Ana", zone).ok()) << zone;
  }
}

// 5. Broken UTF-8 anywhere: INVALID_ARGUMENT naming the field; the log stays JSON lines.
TEST_F(Fixture, BrokenUtf8IsInvalidArgumentNamingTheFieldAndTheLogStaysJson) {
  const std::string parent = ActiveThoughtRecord("cat");
  for (const std::string& broken : {std::string("caf\xC3"), std::string("\xED\xA0\x80"),
                                    std::string("\xFF"), std::string("a\xC0\xAF")}) {
    EXPECT_TRUE(Names(CreateClient("utf-x", "Ana" + broken, "UTC"), "client.display_name"));
    v1::Completion c = Now(v1::Completion::STATUS_PARTIAL);
    c.mutable_thought_record()->add_emotions()->set_emotion(broken);
    grpc::Status answer = Record("cat", parent, c);
    EXPECT_EQ(answer.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_TRUE(Names(answer, "completion.thought_record.emotions[0].emotion"))
        << answer.error_message();
  }
  std::istringstream lines(LogText());
  int count = 0;
  for (std::string line; std::getline(lines, line); ++count) {
    EXPECT_TRUE(nlohmann::json::accept(line)) << line;
  }
  EXPECT_GT(count, 0);
}

// 6. Malformed requests: bodies that do not parse, for every method including the stream.
TEST_F(Fixture, EveryMethodAnswersABrokenBodyWithInvalidArgument) {
  grpc::GenericStub generic(grpc::CreateChannel("127.0.0.1:" + std::to_string(server_->port()),
                                                grpc::InsecureChannelCredentials()));
  const google::protobuf::ServiceDescriptor& service =
      *v1::GetCallerRequest::descriptor()->file()->FindServiceByName("HomeworkService");
  for (int i = 0; i < service.method_count(); ++i) {
    const std::string path = "/" + service.full_name() + "/" + service.method(i)->name();
    for (const std::string& body : {std::string("\x0a\x05"
                                                "ab",
                                                4),                      // truncated field
                                    std::string("\x0a\x02\xC3\x28", 4),  // broken UTF-8
                                    std::string("\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF", 10)}) {
      // Broken text in field 1 is only broken where field 1 is a string (others skip it).
      const google::protobuf::FieldDescriptor* first =
          service.method(i)->input_type()->FindFieldByNumber(1);
      if (body[2] == '\xC3' &&
          (first == nullptr || first->type() != google::protobuf::FieldDescriptor::TYPE_STRING)) {
        continue;
      }
      auto context = As("backend", "service");
      grpc::Slice slice(body);
      grpc::ByteBuffer request(&slice, 1);
      grpc::ByteBuffer response;
      std::promise<grpc::Status> done;
      generic.UnaryCall(context.get(), path, grpc::StubOptions(), &request, &response,
                        [&](grpc::Status status) { done.set_value(status); });
      grpc::Status status = done.get_future().get();
      EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
          << path << " " << status.error_message();
      EXPECT_FALSE(FieldsOf(status).empty()) << path;
    }
  }
}

TEST_F(Fixture, ForgedPageTokensAreInvalidArgumentNamingPageToken) {
  ASSERT_TRUE(CreateClient("dee", "Dee", "UTC").ok());
  std::mt19937 random(29);
  std::uniform_int_distribution<int> byte(33, 126);
  for (int round = 0; round < 50; ++round) {
    std::string token(static_cast<size_t>(1 + round % 40), 'A');
    for (char& c : token) c = static_cast<char>(byte(random));
    v1::ListClientsRequest request;
    request.set_parent("practices/sunrise");
    request.set_page_token(token);
    v1::ListClientsResponse response;
    grpc::Status status = stub_->ListClients(As("backend", "service").get(), request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << token;
    EXPECT_TRUE(Names(status, "page_token")) << token;
  }
}

TEST_F(Fixture, LastSessionTimeAndDatesOutsideTheirRangeAreRefused) {
  ASSERT_TRUE(CreateClient("eve", "Eve", "UTC").ok());
  for (int64_t seconds :
       {absl::ToUnixSeconds(absl::Now()) + 3600, int64_t{-5}, int64_t{253402300800}}) {
    v1::UpdateClientRequest update;
    update.mutable_client()->set_name("practices/sunrise/clients/eve");
    update.mutable_client()->mutable_last_session_time()->set_seconds(seconds);
    update.mutable_update_mask()->add_paths("last_session_time");
    v1::Client updated;
    grpc::Status status = stub_->UpdateClient(As("backend", "service").get(), update, &updated);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << seconds;
    EXPECT_FALSE(FieldsOf(status).empty()) << seconds;
  }
  for (const char* day : {"0000-01-01", "-001-01-01", "1899-12-31", "2026-02-30"}) {
    v1::CreateAssignmentRequest create;
    create.set_parent("practices/sunrise/clients/eve");
    auto* a = create.mutable_assignment();
    a->set_title("Walk");
    a->mutable_exercise()->set_kind(v1::EXERCISE_KIND_SELF_CARE);
    a->mutable_exercise()->mutable_self_care()->set_domain(
        v1::SelfCareInstructions::DOMAIN_EXERCISE);
    a->mutable_schedule()->set_target_count(1);
    a->mutable_schedule()->set_period(v1::Schedule::PERIOD_DAY);
    a->mutable_schedule()->set_start_date(day);
    v1::Assignment assignment;
    grpc::Status status =
        stub_->CreateAssignment(As("dr-lee", "therapist").get(), create, &assignment);
    EXPECT_TRUE(Names(status, "assignment.schedule.start_date")) << day;
  }
}

// 7. A request_id is one request: a replay answers the first result; another request under the
// same id is refused, never answered with the other request's resource.
TEST_F(Fixture, ARequestIdReusedForAnotherRequestIsRefused) {
  const std::string first = ActiveThoughtRecord("fay");
  v1::Completion c = Now(v1::Completion::STATUS_PARTIAL);
  c.mutable_thought_record()->set_situation("Bus");
  v1::Completion stored;
  ASSERT_TRUE(Record("fay", first, c, "r-1", &stored).ok());
  v1::Completion replayed;
  ASSERT_TRUE(Record("fay", first, c, "r-1", &replayed).ok());
  EXPECT_EQ(replayed.name(), stored.name());

  v1::Completion other = c;
  other.mutable_thought_record()->set_situation("Train");
  grpc::Status changed = Record("fay", first, other, "r-1");
  EXPECT_EQ(changed.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(Names(changed, "request_id"));

  v1::ListAssignmentsRequest list;
  list.set_parent("practices/sunrise/clients/fay");
  v1::ListAssignmentsResponse assignments;
  ASSERT_TRUE(stub_->ListAssignments(As("fay", "client").get(), list, &assignments).ok());
  ASSERT_EQ(assignments.assignments_size(), 1);
  EXPECT_EQ(assignments.assignments(0).name(), first);
  grpc::Status elsewhere = Record("fay", first + "x", c, "r-1");
  EXPECT_NE(elsewhere.error_code(), grpc::StatusCode::OK);
}

// 8. Two credentials: refused.
TEST_F(Fixture, TwoAuthorizationHeadersAreUnauthenticated) {
  ASSERT_TRUE(CreateClient("gus", "Gus", "UTC").ok());
  auto context = As("gus", "client");
  auto other =
      MintToken(key_, TokenClaims{.subject = "backend", .practice = "sunrise", .role = "service"},
                absl::Now());
  ASSERT_THAT(other, IsOk());
  context->AddMetadata("authorization", "Bearer " + *other);
  v1::GetClientRequest request;
  request.set_name("practices/sunrise/clients/gus");
  v1::Client client;
  EXPECT_EQ(stub_->GetClient(context.get(), request, &client).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

}  // namespace
}  // namespace therapy::homework
