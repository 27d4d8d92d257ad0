#include "services/homework/core/request_checks.h"

#include <map>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/util/time_util.h"
#include "google/protobuf/wire_format_lite.h"
#include "services/homework/core/text.h"
#include "services/homework/core/validation.h"

namespace therapy::homework {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;
using google::protobuf::internal::WireFormatLite;

// Deeper than any message of the API; bounds the work a hostile body can cause.
constexpr int kMaxDepth = 64;

std::string FieldPath(const std::string& prefix, const FieldDescriptor& field) {
  return prefix.empty() ? field.name() : absl::StrCat(prefix, ".", field.name());
}

// The path of the first string field of `bytes` (the wire form of a `type`) that is not valid
// UTF-8, found by walking the wire format beside the descriptor, since the generated parser
// only says that parsing failed. nullopt when there is none, or when the bytes are broken in
// another way.
std::optional<std::string> FindBrokenText(absl::string_view bytes, const Descriptor& type,
                                          const std::string& prefix, int depth) {
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(bytes.data()),
                                            static_cast<int>(bytes.size()));
  std::map<int, int> seen;  // occurrences per field number: the index of a repeated element
  while (const uint32_t tag = in.ReadTag()) {
    const FieldDescriptor* field = type.FindFieldByNumber(WireFormatLite::GetTagFieldNumber(tag));
    if (WireFormatLite::GetTagWireType(tag) != WireFormatLite::WIRETYPE_LENGTH_DELIMITED) {
      if (!WireFormatLite::SkipField(&in, tag)) return std::nullopt;
      continue;
    }
    uint32_t length = 0;
    std::string payload;
    if (!in.ReadVarint32(&length) || !in.ReadString(&payload, static_cast<int>(length))) {
      return std::nullopt;
    }
    if (field == nullptr) continue;
    std::string path = FieldPath(prefix, *field);
    if (field->is_repeated()) absl::StrAppend(&path, "[", seen[field->number()]++, "]");
    if (field->type() == FieldDescriptor::TYPE_STRING && !CodePointCount(payload)) return path;
    if (field->type() == FieldDescriptor::TYPE_MESSAGE && depth < kMaxDepth) {
      std::optional<std::string> inner =
          FindBrokenText(payload, *field->message_type(), path, depth + 1);
      if (inner) return inner;
    }
  }
  return std::nullopt;
}

void CheckTimestamp(const Message& message, const std::string& path, Violations& violations) {
  using google::protobuf::util::TimeUtil;
  const auto& timestamp = static_cast<const google::protobuf::Timestamp&>(message);
  if (timestamp.seconds() < TimeUtil::kTimestampMinSeconds ||
      timestamp.seconds() > TimeUtil::kTimestampMaxSeconds || timestamp.nanos() < 0 ||
      timestamp.nanos() > 999999999) {
    violations.Add(path, "not a valid timestamp: years 0001-9999, nanos 0-999999999");
  }
}

void CheckFields(const Message& message, const std::string& prefix, int depth,
                 Violations& violations) {
  if (message.GetDescriptor() == google::protobuf::Timestamp::descriptor()) {
    CheckTimestamp(message, prefix, violations);
    return;
  }
  if (depth >= kMaxDepth) return;
  const Reflection& reflection = *message.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  reflection.ListFields(message, &fields);
  for (const FieldDescriptor* field : fields) {
    const std::string path = FieldPath(prefix, *field);
    const auto element = [&](int i) {
      return field->is_repeated() ? absl::StrCat(path, "[", i, "]") : path;
    };
    const int count = field->is_repeated() ? reflection.FieldSize(message, field) : 1;
    for (int i = 0; i < count; ++i) {
      if (field->type() == FieldDescriptor::TYPE_STRING) {
        std::string scratch;
        const std::string& text =
            field->is_repeated()
                ? reflection.GetRepeatedStringReference(message, field, i, &scratch)
                : reflection.GetStringReference(message, field, &scratch);
        if (!CodePointCount(text)) violations.Add(element(i), "must be valid UTF-8 text");
      } else if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
        const Message& inner = field->is_repeated()
                                   ? reflection.GetRepeatedMessage(message, field, i)
                                   : reflection.GetMessage(message, field);
        CheckFields(inner, element(i), depth + 1, violations);
      }
    }
  }
}

}  // namespace

absl::Status ParseRequest(absl::string_view bytes, Message& request) {
  if (!request.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    std::optional<std::string> field = FindBrokenText(bytes, *request.GetDescriptor(), "", 0);
    if (field) return InvalidField(*field, "must be valid UTF-8 text");
    return InvalidField("request", absl::StrCat("the body is not a valid ",
                                                request.GetDescriptor()->full_name(),
                                                " in protobuf binary form"));
  }
  return CheckRequest(request);
}

absl::Status CheckRequest(const Message& request) {
  Violations violations;
  CheckFields(request, "", 0, violations);
  return violations.ToStatus();
}

}  // namespace therapy::homework
