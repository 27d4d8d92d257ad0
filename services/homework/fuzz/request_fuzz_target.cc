// Fuzz target for request parsing and validation (issue 14): the bytes become one request of
// therapy.homework.v1, parsed as the gRPC server (binary) or the Connect listener (proto JSON)
// would, then checked by the core's field validation (core/rules/validation.h) and resource-name
// parsers (core/model/resource_names.h).
//
// Input layout: byte 0 picks the method (kMethods, modulo), byte 1 holds flags (bit 0: JSON
// instead of binary; bits 1-4: the exercise kind a completion is validated against; bit 5: that
// exercise is an outcome measure of GAD-7 rather than PHQ-9), the rest is the message.
//
// Invariants checked (a violation prints the reason and aborts, which libFuzzer and the replay
// driver report with the input):
//   - nothing crashes, leaks or trips a sanitizer (libFuzzer build: ASan + UBSan);
//   - a parsed binary message serializes and parses back to an equal message;
//   - validation is deterministic: the same message gives the same status twice;
//   - a refusal is INVALID_ARGUMENT with a non-empty message and a google.rpc.BadRequest whose
//     field violations each name a field under the request's prefix with a non-empty
//     description, and an accepted message has none;
//   - a resource name that parses formats back to the same string.
// With HOMEWORK_FUZZ_STRICT_MESSAGES=1 in the environment, also: every refusal message and
// description is valid UTF-8 (the Connect error JSON and the logs carry them) and never holds
// a string value of the request of more than 16 bytes (messages name the field and the rule,
// not the value: docs/architecture.md; resource-name refusals may quote the name). Off by
// default while issue 14 reworks validation.
//
// The Connect listener's JSON parse (connect/connect_routes.cc, Parse) is reproduced here with
// the same options: it lives in that file's anonymous namespace.

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/stubs/logging.h"
#include "services/homework/core/model/resource_names.h"
#include "services/homework/core/rules/request_checks.h"
#include "services/homework/core/rules/validation.h"
#include "therapy/homework/v1/homework_service.pb.h"

namespace therapy::homework {
namespace {

bool StrictMessages() {
  static const bool strict = [] {
    const char* value = std::getenv("HOMEWORK_FUZZ_STRICT_MESSAGES");
    return value != nullptr && std::string(value) == "1";
  }();
  return strict;
}

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "request fuzz target: invariant broken: %s\n", what.c_str());
  std::abort();
}

bool IsValidUtf8(absl::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const auto byte = static_cast<unsigned char>(text[i]);
    size_t length = 0;
    uint32_t code_point = 0;
    if (byte < 0x80) {
      ++i;
      continue;
    } else if ((byte & 0xE0) == 0xC0) {
      length = 2;
      code_point = byte & 0x1F;
    } else if ((byte & 0xF0) == 0xE0) {
      length = 3;
      code_point = byte & 0x0F;
    } else if ((byte & 0xF8) == 0xF0) {
      length = 4;
      code_point = byte & 0x07;
    } else {
      return false;
    }
    if (i + length > text.size()) return false;
    for (size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) return false;
      code_point = (code_point << 6) | (next & 0x3F);
    }
    const uint32_t smallest[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code_point < smallest[length] || code_point > 0x10FFFF ||
        (code_point >= 0xD800 && code_point <= 0xDFFF)) {
      return false;
    }
    i += length;
  }
  return true;
}

// Every string value in `message`, recursively (for the strict echo check).
void CollectStrings(const google::protobuf::Message& message, std::vector<std::string>& out) {
  const google::protobuf::Reflection* reflection = message.GetReflection();
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);
  for (const google::protobuf::FieldDescriptor* field : fields) {
    using Type = google::protobuf::FieldDescriptor::CppType;
    if (field->cpp_type() == Type::CPPTYPE_STRING) {
      if (field->is_repeated()) {
        for (int i = 0; i < reflection->FieldSize(message, field); ++i) {
          out.push_back(reflection->GetRepeatedString(message, field, i));
        }
      } else {
        out.push_back(reflection->GetString(message, field));
      }
    } else if (field->cpp_type() == Type::CPPTYPE_MESSAGE) {
      if (field->is_repeated()) {
        for (int i = 0; i < reflection->FieldSize(message, field); ++i) {
          CollectStrings(reflection->GetRepeatedMessage(message, field, i), out);
        }
      } else {
        CollectStrings(reflection->GetMessage(message, field), out);
      }
    }
  }
}

// Resource names are ids, never clinical text: their refusals may quote them.
enum class Echo { kForbidden, kAllowed };

void CheckText(const google::protobuf::Message& request, absl::string_view what,
               absl::string_view text, Echo echo = Echo::kForbidden) {
  if (!StrictMessages()) return;
  if (!IsValidUtf8(text)) Fail(std::string(what) + " is not valid UTF-8");
  if (echo == Echo::kAllowed) return;
  std::vector<std::string> values;
  CollectStrings(request, values);
  for (const std::string& value : values) {
    if (value.size() > 16 && absl::StrContains(text, value)) {
      Fail(std::string(what) + " echoes a value of the request");
    }
  }
}

// A refusal names its fields; an acceptance names none.
void CheckStatus(const google::protobuf::Message& request, const absl::Status& status,
                 absl::string_view prefix, absl::string_view what) {
  const std::string label(what);
  if (status.ok()) {
    if (BadRequestOf(status).has_value()) Fail(label + ": OK status with a BadRequest");
    return;
  }
  if (status.code() != absl::StatusCode::kInvalidArgument) {
    Fail(label + ": refused with " + absl::StatusCodeToString(status.code()) +
         ", not INVALID_ARGUMENT");
  }
  if (status.message().empty()) Fail(label + ": refusal with an empty message");
  CheckText(request, label + " message", status.message());
  const std::optional<google::rpc::BadRequest> bad_request = BadRequestOf(status);
  if (!bad_request.has_value()) return;  // a single-value check (page size) may carry none
  if (bad_request->field_violations().empty()) Fail(label + ": BadRequest without violations");
  for (const auto& violation : bad_request->field_violations()) {
    if (violation.field().empty()) Fail(label + ": a violation without a field");
    if (violation.description().empty())
      Fail(label + ": violation of " + violation.field() + " without a description");
    if (!prefix.empty() && !absl::StartsWith(violation.field(), prefix)) {
      Fail(label + ": violation field " + violation.field() + " outside " + std::string(prefix));
    }
    CheckText(request, label + " description", violation.description());
  }
}

// Runs `validate` twice on fresh Violations: same result both times, then checks it.
void CheckViolations(const google::protobuf::Message& request, absl::string_view prefix,
                     absl::string_view what, const std::function<void(Violations&)>& validate) {
  Violations first;
  validate(first);
  Violations second;
  validate(second);
  const absl::Status status = first.ToStatus();
  if (status != second.ToStatus()) Fail(std::string(what) + ": not deterministic");
  if (status.ok() != first.empty()) Fail(std::string(what) + ": ToStatus disagrees with empty()");
  CheckStatus(request, status, prefix, what);
}

template <typename Parsed>
void CheckName(const absl::StatusOr<Parsed>& parsed, absl::string_view name,
               const google::protobuf::Message& request, absl::string_view field) {
  if (parsed.ok()) {
    if (parsed->Format() != name) Fail(std::string(field) + ": parsed name formats differently");
    return;
  }
  if (parsed.status().message().empty()) Fail(std::string(field) + ": refusal without a message");
  CheckText(request, std::string(field) + " message", parsed.status().message(), Echo::kAllowed);
}

void CheckPageSize(const google::protobuf::Message& request, int page_size) {
  const absl::StatusOr<int> size = ValidatePageSize(page_size);
  if (size.ok()) {
    if (*size < 1 || *size > 1000) Fail("page size out of 1-1000 accepted");
    return;
  }
  CheckStatus(request, size.status(), "page_size", "page size");
}

// The exercise a completion is validated against, from the flags byte.
v1::Exercise ExerciseFor(uint8_t flags) {
  v1::Exercise exercise;
  const google::protobuf::EnumDescriptor* kinds = v1::ExerciseKind_descriptor();
  const int index = (flags >> 1) & 0x0F;
  exercise.set_kind(
      static_cast<v1::ExerciseKind>(kinds->value(index % kinds->value_count())->number()));
  if (exercise.kind() == v1::EXERCISE_KIND_OUTCOME_MEASURE) {
    exercise.mutable_outcome_measure()->set_measure((flags & 0x20) ? v1::MEASURE_GAD7
                                                                   : v1::MEASURE_PHQ9);
  }
  return exercise;
}

// 2026-01-05T12:00:00Z: a fixed "now" keeps runs reproducible.
const absl::Time kNow = absl::FromUnixSeconds(1767614400);

// The listeners' own parser (core/rules/request_checks.h); a refusal must be INVALID_ARGUMENT
// naming a field, like every other refusal.
template <typename Request>
bool Parse(bool json, const uint8_t* data, size_t size, Request& request) {
  const absl::string_view body(reinterpret_cast<const char*>(data), size);
  const absl::Status parsed = json ? ParseJsonRequest(body, request) : ParseRequest(body, request);
  if (!parsed.ok()) {
    if (parsed.code() != absl::StatusCode::kInvalidArgument)
      Fail("parse refusal not INVALID_ARGUMENT");
    std::optional<google::rpc::BadRequest> bad = BadRequestOf(parsed);
    if (!bad || bad->field_violations().empty()) Fail("parse refusal names no field");
    return false;
  }
  if (json) return true;
  // Binary round trip.
  Request again;
  if (!again.ParseFromString(request.SerializeAsString())) Fail("serialized request re-parse");
  if (!google::protobuf::util::MessageDifferencer::Equals(request, again)) {
    Fail("binary round trip changed the request");
  }
  return true;
}

struct FuzzedMethod {
  const char* name;
  std::function<void(bool json, uint8_t flags, const uint8_t* data, size_t size)> run;
};

const std::vector<FuzzedMethod>& Methods() {
  static const auto* methods = new std::vector<FuzzedMethod>{
      {"CreateClient",
       [](bool json, uint8_t, const uint8_t* data, size_t size) {
         v1::CreateClientRequest r;
         if (!Parse(json, data, size, r)) return;
         CheckName(ParsePracticeName("parent", r.parent()), r.parent(), r, "parent");
         CheckViolations(r, "", "CreateClient", [&](Violations& v) {
           ValidateClient(r.client(), kNow, "client", v);
           ValidateRequestId(r.request_id(), v);
         });
       }},
      {"UpdateClient",
       [](bool json, uint8_t, const uint8_t* data, size_t size) {
         v1::UpdateClientRequest r;
         if (!Parse(json, data, size, r)) return;
         CheckName(ParseClientName("client.name", r.client().name()), r.client().name(), r,
                   "client.name");
         CheckViolations(r, "client", "UpdateClient",
                         [&](Violations& v) { ValidateClient(r.client(), kNow, "client", v); });
       }},
      {"CreateAssignment",
       [](bool json, uint8_t, const uint8_t* data, size_t size) {
         v1::CreateAssignmentRequest r;
         if (!Parse(json, data, size, r)) return;
         CheckName(ParseClientName("parent", r.parent()), r.parent(), r, "parent");
         CheckViolations(r, "", "CreateAssignment", [&](Violations& v) {
           ValidateAssignment(r.assignment(), "assignment", v);
           ValidateRequestId(r.request_id(), v);
         });
       }},
      {"UpdateAssignment",
       [](bool json, uint8_t, const uint8_t* data, size_t size) {
         v1::UpdateAssignmentRequest r;
         if (!Parse(json, data, size, r)) return;
         CheckName(ParseAssignmentName("assignment.name", r.assignment().name()),
                   r.assignment().name(), r, "assignment.name");
         CheckViolations(r, "assignment", "UpdateAssignment", [&](Violations& v) {
           ValidateAssignment(r.assignment(), "assignment", v);
         });
       }},
      {"CreateCompletion",
       [](bool json, uint8_t flags, const uint8_t* data, size_t size) {
         v1::CreateCompletionRequest r;
         if (!Parse(json, data, size, r)) return;
         CheckName(ParseAssignmentName("parent", r.parent()), r.parent(), r, "parent");
         const v1::Exercise exercise = ExerciseFor(flags);
         CheckViolations(r, "", "CreateCompletion", [&](Violations& v) {
           ValidateCompletion(r.completion(), exercise, kNow, "completion", v);
           ValidateRequestId(r.request_id(), v);
         });
       }},
      {"ReviewCompletion",
       [](bool json, uint8_t, const uint8_t* data, size_t size) {
         v1::ReviewCompletionRequest r;
         if (!Parse(json, data, size, r)) return;
         CheckName(ParseCompletionName("name", r.name()), r.name(), r, "name");
         CheckViolations(r, "review", "ReviewCompletion",
                         [&](Violations& v) { ValidateReview(r.review(), "review", v); });
       }},
      {"ListClients",
       [](bool json, uint8_t, const uint8_t* data, size_t size) {
         v1::ListClientsRequest r;
         if (!Parse(json, data, size, r)) return;
         CheckName(ParsePracticeName("parent", r.parent()), r.parent(), r, "parent");
         CheckPageSize(r, r.page_size());
       }},
      {"ListAssignments",
       [](bool json, uint8_t, const uint8_t* data, size_t size) {
         v1::ListAssignmentsRequest r;
         if (!Parse(json, data, size, r)) return;
         CheckName(ParseClientName("parent", r.parent()), r.parent(), r, "parent");
         CheckPageSize(r, r.page_size());
       }},
      {"ListCompletions",
       [](bool json, uint8_t, const uint8_t* data, size_t size) {
         v1::ListCompletionsRequest r;
         if (!Parse(json, data, size, r)) return;
         CheckName(ParseAssignmentName("parent", r.parent(), Wildcard::kAccepted), r.parent(), r,
                   "parent");
         CheckPageSize(r, r.page_size());
       }},
      {"GetCompletion",
       [](bool json, uint8_t, const uint8_t* data, size_t size) {
         v1::GetCompletionRequest r;
         if (!Parse(json, data, size, r)) return;
         CheckName(ParseCompletionName("name", r.name()), r.name(), r, "name");
       }},
      // Parsed only (their checks live in the use cases): the parse paths still see the bytes.
      {"CreateHierarchy",
       [](bool json, uint8_t, const uint8_t* data, size_t size) {
         v1::CreateHierarchyRequest r;
         Parse(json, data, size, r);
       }},
      {"WatchEvents",
       [](bool json, uint8_t, const uint8_t* data, size_t size) {
         v1::WatchEventsRequest r;
         Parse(json, data, size, r);
       }},
      {"ExportClientRecord",
       [](bool json, uint8_t, const uint8_t* data, size_t size) {
         v1::ExportClientRecordRequest r;
         if (!Parse(json, data, size, r)) return;
         CheckName(ParseClientName("client", r.client()), r.client(), r, "client");
       }},
      // The live session's requests (session.proto).
      {"CreateSession",
       [](bool json, uint8_t, const uint8_t* data, size_t size) {
         v1::CreateSessionRequest r;
         if (!Parse(json, data, size, r)) return;
         const absl::StatusOr<PracticeName> parent = ParsePracticeName("parent", r.parent());
         CheckName(parent, r.parent(), r, "parent");
         if (!parent.ok()) return;
         CheckViolations(r, "", "CreateSession", [&](Violations& v) {
           const std::optional<ClientName> client = ValidateNewSession(r, *parent, v);
           if (client && client->Format() != r.session().client()) {
             Fail("CreateSession: the accepted client formats differently");
           }
         });
       }},
      {"ListSessions",
       [](bool json, uint8_t, const uint8_t* data, size_t size) {
         v1::ListSessionsRequest r;
         if (!Parse(json, data, size, r)) return;
         CheckName(ParsePracticeName("parent", r.parent()), r.parent(), r, "parent");
         if (!r.client().empty())
           CheckName(ParseClientName("client", r.client()), r.client(), r, "client");
         CheckPageSize(r, r.page_size());
       }},
      {"GetSession",
       [](bool json, uint8_t, const uint8_t* data, size_t size) {
         v1::GetSessionRequest r;
         if (!Parse(json, data, size, r)) return;
         CheckName(ParseSessionName("name", r.name()), r.name(), r, "name");
       }},
      {"JoinSession",
       [](bool json, uint8_t, const uint8_t* data, size_t size) {
         v1::JoinSessionRequest r;
         if (!Parse(json, data, size, r)) return;
         CheckName(ParseSessionName("name", r.name()), r.name(), r, "name");
       }},
      {"EndSession",
       [](bool json, uint8_t, const uint8_t* data, size_t size) {
         v1::EndSessionRequest r;
         if (!Parse(json, data, size, r)) return;
         CheckName(ParseSessionName("name", r.name()), r.name(), r, "name");
       }},
  };
  return *methods;
}

}  // namespace
}  // namespace therapy::homework

// protobuf logs every binary string field with invalid UTF-8 at ERROR on stderr: silence it, the
// fuzzer sends millions.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const auto& methods = therapy::homework::Methods();
  const therapy::homework::FuzzedMethod& method = methods[data[0] % methods.size()];
  const uint8_t flags = data[1];
  method.run((flags & 1) != 0, flags, data + 2, size - 2);
  return 0;
}
