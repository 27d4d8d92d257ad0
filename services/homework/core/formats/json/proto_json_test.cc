#include "services/homework/core/formats/json/proto_json.h"

#include <cmath>
#include <limits>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "services/homework/core/formats/json/proto_json_reader.h"
#include "services/homework/core/rules/request_checks.h"
#include "testing/status_matchers.h"
#include "therapy/homework/v1/homework_service.pb.h"

namespace therapy::homework {
namespace {

using ::therapy::homework::testing::IsOk;
using ::therapy::homework::testing::StatusIs;

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// protobuf's own printer: the reference MessageToJson must match byte for byte.
std::string Reference(const Message& message) {
  std::string json;
  const auto printed = google::protobuf::util::MessageToJsonString(message, &json);
  EXPECT_TRUE(printed.ok()) << printed;
  return json;
}

// Every message type reachable from the service's requests and responses.
std::vector<const Descriptor*> ServiceMessageTypes() {
  const google::protobuf::ServiceDescriptor* service =
      v1::GetCallerRequest::descriptor()->file()->FindServiceByName("HomeworkService");
  std::vector<const Descriptor*> pending;
  for (int i = 0; i < service->method_count(); ++i) {
    pending.push_back(service->method(i)->input_type());
    pending.push_back(service->method(i)->output_type());
  }
  std::set<const Descriptor*> seen;
  std::vector<const Descriptor*> types;
  while (!pending.empty()) {
    const Descriptor* type = pending.back();
    pending.pop_back();
    if (!seen.insert(type).second) continue;
    types.push_back(type);
    for (int i = 0; i < type->field_count(); ++i) {
      if (type->field(i)->message_type() != nullptr) {
        pending.push_back(type->field(i)->message_type());
      }
    }
  }
  return types;
}

// Fills messages at random through reflection, with the values that tell printers apart:
// every class of string escape, doubles at the edges of %.15g/%.17g, NaN and infinities, int64
// extremes, unknown enum numbers, Timestamps at both ends of their range with 0-9 fractional
// digits.
class Filler {
 public:
  explicit Filler(uint32_t seed) : random_(seed) {}

  void Fill(Message& message, int depth) {
    const Descriptor* type = message.GetDescriptor();
    const Reflection* reflection = message.GetReflection();
    if (type->well_known_type() == Descriptor::WELLKNOWNTYPE_TIMESTAMP) {
      auto& timestamp = dynamic_cast<google::protobuf::Timestamp&>(message);
      timestamp.set_seconds(Pick<int64_t>(
          {-62135596800, 253402300799, 0, -1, 1790000000, Uniform(-62135596800, 253402300799)}));
      timestamp.set_nanos(Pick<int32_t>({0, 999999999, 1, 5000000, 120000000, 123456000, 100,
                                         static_cast<int32_t>(Uniform(0, 999999999))}));
      return;
    }
    for (int i = 0; i < type->field_count(); ++i) {
      const FieldDescriptor* field = type->field(i);
      if (Uniform(0, 2) == 0) continue;  // about a third left unset
      if (field->is_repeated()) {
        const int64_t count = Uniform(0, 3);
        for (int64_t n = 0; n < count; ++n) Add(message, *reflection, *field, depth);
      } else {
        Set(message, *reflection, *field, depth);
      }
    }
  }

  std::string Text() {
    static const std::vector<std::string> kPieces = {"a",
                                                     "Z",
                                                     "0",
                                                     " ",
                                                     "\"",
                                                     "\\",
                                                     "/",
                                                     "<",
                                                     ">",
                                                     "&",
                                                     "'",
                                                     std::string(1, '\0'),
                                                     "\x01",
                                                     "\x1f",
                                                     "\x7f",
                                                     "\b\t\n\f\r",
                                                     "\xc2\x80",
                                                     "\xc2\x9f",
                                                     "\xc2\xa0",
                                                     "\xc2\xad",
                                                     "\xc3\xa9",
                                                     "\xd8\x80",
                                                     "\xd8\x83",
                                                     "\xdb\x9d",
                                                     "\xdc\x8f",
                                                     "\xe1\x9e\xb4",
                                                     "\xe1\x9e\xb5",
                                                     "\xe2\x80\x8b",
                                                     "\xe2\x80\x8f",
                                                     "\xe2\x80\xa8",
                                                     "\xe2\x80\xae",
                                                     "\xe2\x81\xa0",
                                                     "\xe2\x81\xa4",
                                                     "\xe2\x81\xaa",
                                                     "\xe2\x81\xaf",
                                                     "\xef\xbb\xbf",
                                                     "\xef\xbf\xb9",
                                                     "\xef\xbf\xbb",
                                                     "\xef\xbf\xbd",
                                                     "\xe4\xb8\xad",
                                                     "\xf0\x9f\x98\x80",
                                                     "\xf0\x9d\x85\xb3",
                                                     "\xf0\x9d\x85\xba",
                                                     "\xf3\xa0\x80\x81",
                                                     "\xf3\xa0\x80\xa0",
                                                     "\xf3\xa0\x81\xbf",
                                                     "\xf4\x8f\xbf\xbf",
                                                     "practices/p1/clients/c-1",
                                                     "Rate my mood"};
    std::string text;
    const int64_t pieces = Uniform(0, 8);
    for (int64_t i = 0; i < pieces; ++i)
      text +=
          kPieces[static_cast<std::size_t>(Uniform(0, static_cast<int64_t>(kPieces.size()) - 1))];
    return text;
  }

  double Double() {
    const double pick = Pick<double>({0.0,
                                      -0.0,
                                      1.0,
                                      -1.5,
                                      0.1,
                                      1.0 / 3.0,
                                      2.0 / 3.0,
                                      1e21,
                                      1e22,
                                      1e-7,
                                      123456789012345678.0,
                                      0.30000000000000004,
                                      std::numeric_limits<double>::max(),
                                      std::numeric_limits<double>::min(),
                                      std::numeric_limits<double>::denorm_min(),
                                      std::numeric_limits<double>::infinity(),
                                      -std::numeric_limits<double>::infinity(),
                                      std::numeric_limits<double>::quiet_NaN(),
                                      9007199254740993.0,
                                      5e-324,
                                      100.0,
                                      0.5});
    if (Uniform(0, 3) == 0) {
      return std::uniform_real_distribution<double>(-1e6, 1e6)(random_);
    }
    return pick;
  }

 private:
  template <typename T>
  T Pick(std::initializer_list<T> values) {
    return *(values.begin() + Uniform(0, static_cast<int64_t>(values.size()) - 1));
  }

  int64_t Uniform(int64_t low, int64_t high) {
    return std::uniform_int_distribution<int64_t>(low, high)(random_);
  }

  int EnumNumber(const FieldDescriptor& field) {
    if (Uniform(0, 4) == 0) return static_cast<int>(Pick<int64_t>({99, -1, 2147483647}));
    const auto* type = field.enum_type();
    return type->value(static_cast<int>(Uniform(0, type->value_count() - 1)))->number();
  }

  void Set(Message& message, const Reflection& reflection, const FieldDescriptor& field,
           int depth) {
    switch (field.cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32:
        return reflection.SetInt32(&message, &field,
                                   static_cast<int32_t>(Pick<int64_t>(
                                       {0, 1, -1, 2147483647, -2147483648, Uniform(-100, 100)})));
      case FieldDescriptor::CPPTYPE_UINT32:
        return reflection.SetUInt32(&message, &field,
                                    static_cast<uint32_t>(Uniform(0, 4294967295)));
      case FieldDescriptor::CPPTYPE_INT64:
        return reflection.SetInt64(
            &message, &field,
            Pick<int64_t>({0, -1, std::numeric_limits<int64_t>::max(),
                           std::numeric_limits<int64_t>::min(), Uniform(-1000000, 1000000)}));
      case FieldDescriptor::CPPTYPE_UINT64:
        return reflection.SetUInt64(&message, &field,
                                    Pick<uint64_t>({0, std::numeric_limits<uint64_t>::max(), 7}));
      case FieldDescriptor::CPPTYPE_DOUBLE:
        return reflection.SetDouble(&message, &field, Double());
      case FieldDescriptor::CPPTYPE_FLOAT:
        return reflection.SetFloat(&message, &field, static_cast<float>(Double()));
      case FieldDescriptor::CPPTYPE_BOOL:
        return reflection.SetBool(&message, &field, Uniform(0, 1) == 1);
      case FieldDescriptor::CPPTYPE_ENUM:
        return reflection.SetEnumValue(&message, &field, EnumNumber(field));
      case FieldDescriptor::CPPTYPE_STRING:
        return reflection.SetString(&message, &field, Text());
      case FieldDescriptor::CPPTYPE_MESSAGE: {
        Message* child = reflection.MutableMessage(&message, &field);
        if (depth < 4) Fill(*child, depth + 1);
        return;
      }
    }
  }

  void Add(Message& message, const Reflection& reflection, const FieldDescriptor& field,
           int depth) {
    switch (field.cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32:
        return reflection.AddInt32(&message, &field, static_cast<int32_t>(Uniform(-5, 5)));
      case FieldDescriptor::CPPTYPE_UINT32:
        return reflection.AddUInt32(&message, &field, static_cast<uint32_t>(Uniform(0, 5)));
      case FieldDescriptor::CPPTYPE_INT64:
        return reflection.AddInt64(&message, &field, Uniform(-5, 5));
      case FieldDescriptor::CPPTYPE_UINT64:
        return reflection.AddUInt64(&message, &field, static_cast<uint64_t>(Uniform(0, 5)));
      case FieldDescriptor::CPPTYPE_DOUBLE:
        return reflection.AddDouble(&message, &field, Double());
      case FieldDescriptor::CPPTYPE_FLOAT:
        return reflection.AddFloat(&message, &field, static_cast<float>(Double()));
      case FieldDescriptor::CPPTYPE_BOOL:
        return reflection.AddBool(&message, &field, Uniform(0, 1) == 1);
      case FieldDescriptor::CPPTYPE_ENUM:
        return reflection.AddEnumValue(&message, &field, EnumNumber(field));
      case FieldDescriptor::CPPTYPE_STRING:
        return reflection.AddString(&message, &field, Text());
      case FieldDescriptor::CPPTYPE_MESSAGE: {
        Message* child = reflection.AddMessage(&message, &field);
        if (depth < 4) Fill(*child, depth + 1);
        return;
      }
    }
  }

  std::mt19937 random_;
};

TEST(MessageToJsonTest, MatchesProtobufsPrinterOnEveryMessageTypeOfTheService) {
  const std::vector<const Descriptor*> types = ServiceMessageTypes();
  ASSERT_GT(types.size(), 60u);
  int compared = 0;
  int printed_here = 0;  // by PrintJsonMessage, not handed to protobuf's printer
  for (const Descriptor* type : types) {
    const Message* prototype =
        google::protobuf::MessageFactory::generated_factory()->GetPrototype(type);
    ASSERT_NE(prototype, nullptr) << type->full_name();
    for (uint32_t seed = 0; seed < 60; ++seed) {
      std::unique_ptr<Message> message(prototype->New());
      Filler(seed * 7919 + static_cast<uint32_t>(compared)).Fill(*message, 0);
      absl::StatusOr<std::string> json = MessageToJson(*message);
      ASSERT_THAT(json, IsOk()) << type->full_name();
      ASSERT_EQ(*json, Reference(*message)) << type->full_name() << " seed " << seed;
      std::string own;
      if (PrintJsonMessage(*message, own)) {
        EXPECT_EQ(own, *json) << type->full_name() << " seed " << seed;
        ++printed_here;
      }
      ++compared;
    }
  }
  EXPECT_GT(compared, 3000);
  // The Filler's values protobuf must print (Any, Struct, maps, deep nesting, broken UTF-8) are
  // in few of the messages (about 5 %): the rest are printed here, else it saves nothing.
  EXPECT_GT(printed_here, compared * 9 / 10) << printed_here << " of " << compared;
}

TEST(MessageToJsonTest, PrintsAListOfAssignmentsAsConnectWebReadsIt) {
  v1::ListAssignmentsResponse response;
  v1::Assignment& assignment = *response.add_assignments();
  assignment.set_name("practices/p1/clients/c1/assignments/a1");
  assignment.set_title("Rate my mood \"daily\" <evening>");
  assignment.mutable_exercise()->set_kind(v1::EXERCISE_KIND_MOOD_MONITORING);
  assignment.mutable_exercise()->mutable_mood_monitoring();
  assignment.set_state(v1::Assignment::STATE_ACTIVE);
  assignment.mutable_create_time()->set_seconds(1790000000);
  assignment.mutable_create_time()->set_nanos(120000000);
  response.set_next_page_token("");
  absl::StatusOr<std::string> json = MessageToJson(response);
  ASSERT_THAT(json, IsOk());
  EXPECT_EQ(*json, R"({"assignments":[{"name":"practices/p1/clients/c1/assignments/a1",)"
                   R"("title":"Rate my mood \"daily\" \u003cevening\u003e",)"
                   R"("exercise":{"kind":"EXERCISE_KIND_MOOD_MONITORING","moodMonitoring":{}},)"
                   R"("state":"STATE_ACTIVE","createTime":"2026-09-21T14:13:20.120Z"}]})");
  EXPECT_EQ(*json, Reference(response));
  std::string own;
  EXPECT_TRUE(PrintJsonMessage(response, own));
}

TEST(MessageToJsonTest, TextThatIsNotUtf8GoesToProtobufsPrinter) {
  v1::Client client;
  for (const char* broken : {"\xff", "a\xc0\x80", "\xed\xa0\x80", "\xe4\xb8", "\xf4\x90\x80\x80"}) {
    client.set_display_name(broken);
    absl::StatusOr<std::string> json = MessageToJson(client);
    ASSERT_THAT(json, IsOk());
    EXPECT_EQ(*json, Reference(client)) << absl::CEscape(broken);
  }
}

// The printer works the date out from the day count itself: every calendar edge (month ends,
// February 29 of leap years and its absence in 1700, 1800, 1900, 2100, ..., the ends of the
// range, before and after 1970) and a day every 97 days across 0001..9999 print as protobuf
// prints them.
TEST(MessageToJsonTest, TimestampsOnEveryCalendarEdgeReadAsProtobufsDo) {
  std::vector<int64_t> seconds = {-62135596800, 253402300799, -1,        0,           86399,
                                  86400,        951782400,    951868800, -2203891200, 4107542400};
  for (int64_t day = -62135596800; day <= 253402300799; day += 86400 * 97 + 3601) {
    seconds.push_back(day);
  }
  std::vector<int> years = {9999};
  for (int year = 1; year < 9999; year += 97) years.push_back(year);
  for (int year = 1596; year <= 2404; ++year) years.push_back(year);  // a whole 400-year cycle
  for (const int year : years) {
    for (int month : {1, 2, 3, 12}) {
      for (int day_of_month : {1, 28, 29, 30, 31}) {
        const absl::CivilSecond civil(year, month, day_of_month, 23, 59, 59);
        if (civil.month() != month) continue;  // normalised past the month's end
        seconds.push_back(absl::ToUnixSeconds(absl::FromCivil(civil, absl::UTCTimeZone())));
      }
    }
  }
  v1::Client client;
  for (const int64_t at : seconds) {
    client.mutable_create_time()->set_seconds(at);
    client.mutable_create_time()->set_nanos(at % 2 == 0 ? 0 : 7000);
    absl::StatusOr<std::string> json = MessageToJson(client);
    ASSERT_THAT(json, IsOk());
    ASSERT_EQ(*json, Reference(client)) << at;
  }
}

TEST(MessageToJsonTest, ATimestampOutOfRangeIsTheSameErrorAsProtobufs) {
  v1::Client client;
  client.mutable_create_time()->set_seconds(253402300800);  // 10000-01-01
  std::string reference;
  EXPECT_FALSE(google::protobuf::util::MessageToJsonString(client, &reference).ok());
  absl::StatusOr<std::string> json = MessageToJson(client);
  EXPECT_THAT(json, StatusIs(absl::StatusCode::kInternal));
  EXPECT_NE(json.status().message().find("therapy.homework.v1.Client"), absl::string_view::npos)
      << json.status();
  client.mutable_create_time()->set_seconds(0);
  client.mutable_create_time()->set_nanos(-1);
  EXPECT_FALSE(MessageToJson(client).ok());
}

// protobuf's parser with the options of ParseJsonRequest: the reference ReadJsonMessage is held
// to.
absl::Status ReferenceParse(absl::string_view json, Message& message) {
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  const auto parsed = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), &message, options);
  return parsed.ok() ? absl::OkStatus() : absl::InvalidArgumentError(parsed.message().as_string());
}

std::string Bytes(const Message& message) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream out(&stream);
    out.SetSerializationDeterministic(true);
    message.SerializeToCodedStream(&out);
  }
  return bytes;
}

// The request type of every method of the service.
std::vector<const Descriptor*> RequestTypes() {
  const google::protobuf::ServiceDescriptor* service =
      v1::GetCallerRequest::descriptor()->file()->FindServiceByName("HomeworkService");
  std::set<const Descriptor*> types;
  for (int i = 0; i < service->method_count(); ++i) types.insert(service->method(i)->input_type());
  return {types.begin(), types.end()};
}

// What the two parsers must agree on for one body: whenever the fast reader takes it, protobuf
// takes it too and builds the same message; and ParseJsonRequest (the reader first, protobuf
// when the reader declines) answers as protobuf plus CheckRequest do: the same message, or an
// error of the same code. Returns whether the fast reader took the body.
bool ExpectSameAsProtobuf(const Message& prototype, const std::string& json) {
  std::unique_ptr<Message> fast(prototype.New());
  std::unique_ptr<Message> reference(prototype.New());
  const bool read = ReadJsonMessage(json, *fast);
  absl::Status expected = ReferenceParse(json, *reference);
  if (read) {
    EXPECT_TRUE(expected.ok()) << prototype.GetTypeName() << ": the reader took a body protobuf "
                               << "refuses (" << expected << "): " << absl::CEscape(json);
    EXPECT_EQ(Bytes(*fast), Bytes(*reference))
        << prototype.GetTypeName() << ": " << absl::CEscape(json);
  }
  if (expected.ok()) expected = CheckRequest(*reference);
  std::unique_ptr<Message> parsed(prototype.New());
  const absl::Status status = ParseJsonRequest(json, *parsed);
  EXPECT_EQ(status.code(), expected.code()) << prototype.GetTypeName() << ": " << status << " / "
                                            << expected << ": " << absl::CEscape(json);
  if (status.ok() && expected.ok()) {
    EXPECT_EQ(Bytes(*parsed), Bytes(*reference))
        << prototype.GetTypeName() << ": " << absl::CEscape(json);
  }
  return read;
}

// The bodies browsers send: printed by protobuf from random requests of every method, with
// proto or JSON names, defaults printed or not, enums by name or number.
TEST(ReadJsonMessageTest, ReadsRandomRequestsOfEveryMethodAsProtobufDoes) {
  const std::vector<const Descriptor*> types = RequestTypes();
  ASSERT_GT(types.size(), 30u);
  int bodies = 0;
  int read = 0;
  for (const Descriptor* type : types) {
    const Message* prototype =
        google::protobuf::MessageFactory::generated_factory()->GetPrototype(type);
    for (uint32_t seed = 0; seed < 80; ++seed) {
      std::unique_ptr<Message> message(prototype->New());
      Filler(seed * 104729 + static_cast<uint32_t>(bodies)).Fill(*message, 0);
      google::protobuf::util::JsonPrintOptions options;
      options.preserve_proto_field_names = seed % 2 == 1;
      options.always_print_primitive_fields = seed % 3 == 1;
      options.always_print_enums_as_ints = seed % 7 == 3;
      options.add_whitespace = seed % 5 == 2;
      std::string json;
      ASSERT_TRUE(google::protobuf::util::MessageToJsonString(*message, &json, options).ok());
      read += ExpectSameAsProtobuf(*prototype, json) ? 1 : 0;
      ++bodies;
      if (HasFailure()) return;
    }
  }
  // The reader must carry a good part of the bodies, or it is dead code (doubles, Timestamps
  // and FieldMasks in the random ones go to protobuf).
  EXPECT_GT(read, bodies / 4) << read << " of " << bodies;
}

// Broken and unusual bodies: whatever the reader does with them, ParseJsonRequest answers as
// protobuf does, and the reader never takes a body protobuf refuses.
TEST(ReadJsonMessageTest, BrokenAndUnusualBodiesGetProtobufsAnswer) {
  const v1::ListAssignmentsRequest list;
  for (const char* body : {R"({"parent":"practices/p1/clients/c1","states":["STATE_ACTIVE"]})",
                           R"({"parent":"a","parent":"b"})",
                           R"({"parent":"a","parent":"a"})",
                           R"({"parent":"a","parent_":"b"})",
                           R"({"pageSize":01})",
                           R"({"pageSize":1.0})",
                           R"({"pageSize":-0})",
                           R"({"pageSize":"12"})",
                           R"({"pageSize":" 12"})",
                           R"({"pageSize":"12 "})",
                           R"({"pageSize":"0x10"})",
                           R"({"pageSize":1e2})",
                           R"({"pageSize":2147483647})",
                           R"({"pageSize":2147483648})",
                           R"({"pageSize":-2147483649})",
                           R"({"pageSize":-5})",
                           R"({"pageSize":true})",
                           R"({"pageSize":null})",
                           R"({"pageSize":})",
                           R"({"states":[null]})",
                           R"({"parent":null})",
                           R"({"states":["STATE_ACTIVE",]})",
                           R"({"states":"STATE_ACTIVE"})",
                           R"({"states":[1]})",
                           R"({"states":["state_active"]})",
                           R"({"states":["STATE_UNSPECIFIED"]})",
                           R"({"states":[]})",
                           R"({"states":[[]]})",
                           R"({"parent":"a\ud800"})",
                           R"({"parent":"a\udc00"})",
                           R"({"parent":"\ud83d\ude00"})",
                           R"({"parent":"\u00e9\u0000\/\b\f\n\r\t\"\\"})",
                           R"({"parent":"\u00G0"})",
                           R"({"parent":"\x"})",
                           "{\"parent\":\"a\x01\"}",
                           "{\"parent\":\"\xc3\xa9\"}",
                           "{\"parent\":\"\xff\"}",
                           "{\"parent\":\"\xc3\"}",
                           "{\"parent\":\"\xed\xa0\x80\"}",
                           R"({"pArent":"x"})",
                           R"({"Parent":"x"})",
                           R"({"par\u0065nt":"x"})",
                           R"({"parent":"x"} x)",
                           " \t\r\n{ \"parent\" : \"x\" , \"pageSize\" : 3 }\n",
                           R"({})",
                           R"({ })",
                           "",
                           " ",
                           "[]",
                           "null",
                           R"({"parent":"x",})",
                           R"({,})",
                           R"({"parent" "x"})",
                           R"({"parent":"x")",
                           R"({"parent":"x"}})",
                           R"({"parent":'x'})",
                           R"({parent:"x"})",
                           "\xef\xbb\xbf{}",
                           R"({"unknown":1})",
                           R"({"pageToken":"abc","pageSize":0})",
                           R"({"states":["STATE_ACTIVE","STATE_ACTIVE"]})"}) {
    ExpectSameAsProtobuf(list, body);
  }
  ExpectSameAsProtobuf(list, std::string("{\"parent\":\"x\"}\0", 15));
  // One field of each request at a time, with values of every JSON kind: bools, int64s,
  // oneofs, nested messages, FieldMasks, Timestamps.
  for (const Descriptor* type : RequestTypes()) {
    const Message* prototype =
        google::protobuf::MessageFactory::generated_factory()->GetPrototype(type);
    for (int i = 0; i < type->field_count(); ++i) {
      const FieldDescriptor* field = type->field(i);
      for (const char* value : {"true",
                                "false",
                                "0",
                                "1",
                                "-1",
                                "\"1\"",
                                "9007199254740992",
                                "9007199254740993",
                                "\"9223372036854775807\"",
                                "1.5",
                                "{}",
                                "{\"x\":1}",
                                "[]",
                                "\"\"",
                                "\"a,b\"",
                                "\"2026-01-02T03:04:05Z\"",
                                "null",
                                "[{}]",
                                "[\"a\"]",
                                "[true]",
                                "[1,2]"}) {
        ExpectSameAsProtobuf(*prototype,
                             absl::StrCat("{\"", field->json_name(), "\":", value, "}"));
      }
      if (HasFailure()) return;
    }
  }
}

// Random damage to printed requests: the body cut short, a byte removed, replaced or inserted.
TEST(ReadJsonMessageTest, DamagedBodiesGetProtobufsAnswer) {
  const std::vector<std::string> kInserts = {
      "{", "}", "[",    "]", "\"",   ",",    ":",    "\\",  "0",   "-",    ".",
      "e", "n", "null", " ", "\x01", "\xff", "\xc3", "\\u", "1e9", "\"\"", "true"};
  std::mt19937 random(12);
  int bodies = 0;
  for (const Descriptor* type : RequestTypes()) {
    const Message* prototype =
        google::protobuf::MessageFactory::generated_factory()->GetPrototype(type);
    for (uint32_t seed = 0; seed < 12; ++seed) {
      std::unique_ptr<Message> message(prototype->New());
      Filler(seed * 31 + static_cast<uint32_t>(bodies)).Fill(*message, 0);
      std::string json;
      ASSERT_TRUE(google::protobuf::util::MessageToJsonString(*message, &json).ok());
      for (int round = 0; round < 8; ++round) {
        std::string damaged = json;
        const std::size_t at =
            std::uniform_int_distribution<std::size_t>(0, damaged.size())(random);
        const std::string& insert = kInserts[random() % kInserts.size()];
        switch (round % 4) {
          case 0:
            damaged.resize(at);
            break;
          case 1:
            if (at < damaged.size()) damaged.erase(at, 1);
            break;
          case 2:
            if (at < damaged.size()) damaged[at] = insert[0];
            break;
          default:
            damaged.insert(at, insert);
            break;
        }
        ExpectSameAsProtobuf(*prototype, damaged);
        ++bodies;
      }
      if (HasFailure()) return;
    }
  }
  EXPECT_GT(bodies, 3000);
}

// The reads the browsers make most are taken by the fast reader (else it saves nothing).
TEST(ReadJsonMessageTest, TheCommonReadsTakeTheFastPath) {
  v1::ListAssignmentsRequest list;
  EXPECT_TRUE(ReadJsonMessage(
      R"({"parent":"practices/p1/clients/c1","states":["STATE_ACTIVE"],"pageSize":50,)"
      R"("pageToken":"abc"})",
      list));
  EXPECT_EQ(list.parent(), "practices/p1/clients/c1");
  EXPECT_EQ(list.page_size(), 50);
  EXPECT_EQ(list.page_token(), "abc");
  ASSERT_EQ(list.states_size(), 1);
  EXPECT_EQ(list.states(0), v1::Assignment::STATE_ACTIVE);
  v1::GetAssignmentRequest get;
  EXPECT_TRUE(ReadJsonMessage(R"({"name":"practices/p1/clients/c1/assignments/a1"})", get));
  EXPECT_EQ(get.name(), "practices/p1/clients/c1/assignments/a1");
  v1::GetCallerRequest caller;
  EXPECT_TRUE(ReadJsonMessage("{}", caller));
}

}  // namespace
}  // namespace therapy::homework
