#include "services/homework/core/rules/request_checks.h"

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"
#include "google/protobuf/wire_format_lite.h"
#include "services/homework/core/formats/json/proto_json_reader.h"
#include "services/homework/core/model/text.h"
#include "services/homework/core/rules/validation.h"

namespace therapy::homework {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;
using google::protobuf::internal::WireFormatLite;

// `text` with every quoted part replaced by "<value>": parser messages quote the input.
std::string WithoutQuotedText(absl::string_view text) {
  std::string out;
  bool quoted = false;
  for (char c : text) {
    if (c == '"' || c == '\'') {
      if (!quoted) out += "\"<value>\"";
      quoted = !quoted;
    } else if (!quoted) {
      out += c;
    }
  }
  return out;
}

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

// A field of `type` by the name a JSON body uses for it (its JSON name or its proto name).
const FieldDescriptor* JsonField(const Descriptor* type, absl::string_view key) {
  if (type == nullptr) return nullptr;
  for (int i = 0; i < type->field_count(); ++i) {
    if (type->field(i)->json_name() == key || type->field(i)->name() == key) return type->field(i);
  }
  return nullptr;
}

// The path of the first JSON string in `json` that is not valid UTF-8, by the proto names of
// the fields around it ("completion.thought_record.emotions[0].emotion"), found by a scan that
// follows objects, arrays and keys beside the descriptor (protobuf's JSON parser only says that
// the text is broken). "request" when the broken text is not inside a known field.
std::string FindBrokenJsonText(absl::string_view json, const Descriptor& type) {
  struct Frame {
    const Descriptor* type;        // the message an object holds; null: not a message
    const FieldDescriptor* field;  // an array's field, or an object's current key's field
    std::string path;              // the path of this container
    std::string key_path;          // object: the path of the current key
    bool array = false;
    bool expecting_key = true;  // object: the next string is a key
    int index = 0;              // array: the current element
  };
  std::vector<Frame> stack;
  const auto value_path = [&]() -> std::string {
    if (stack.empty()) return "request";
    const Frame& top = stack.back();
    if (top.array) return absl::StrCat(top.path, "[", top.index, "]");
    return top.key_path.empty() ? "request" : top.key_path;
  };
  for (size_t at = 0; at < json.size(); ++at) {
    const char c = json[at];
    if (c == '{' || c == '[') {
      Frame frame{.type = nullptr, .field = nullptr, .path = value_path()};
      const FieldDescriptor* field = stack.empty() ? nullptr : stack.back().field;
      if (stack.empty()) {
        frame.type = &type;
        frame.path = "";
      } else if (field != nullptr && field->message_type() != nullptr &&
                 (c == '{') == (!field->is_repeated() || stack.back().array)) {
        frame.type = field->message_type();
      }
      if (c == '[') {
        frame.array = true;
        frame.field = field;
      }
      stack.push_back(std::move(frame));
    } else if (c == '}' || c == ']') {
      if (!stack.empty()) stack.pop_back();
    } else if (c == ':') {
      if (!stack.empty()) stack.back().expecting_key = false;
    } else if (c == ',') {
      if (!stack.empty()) {
        if (stack.back().array) {
          ++stack.back().index;
        } else {
          stack.back().expecting_key = true;
        }
      }
    } else if (c == '"') {
      size_t end = at + 1;
      while (end < json.size() && json[end] != '"') end += json[end] == '\\' ? 2 : 1;
      const absl::string_view text = json.substr(at + 1, std::min(end, json.size()) - at - 1);
      at = end;
      if (!stack.empty() && !stack.back().array && stack.back().expecting_key) {
        Frame& object = stack.back();
        if (!CodePointCount(text)) return object.path.empty() ? "request" : object.path;
        object.field = JsonField(object.type, text);
        const std::string name = object.field != nullptr ? object.field->name() : std::string(text);
        object.key_path = object.path.empty() ? name : absl::StrCat(object.path, ".", name);
      } else if (!CodePointCount(text)) {
        return value_path();
      }
    }
  }
  return "request";
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
    return InvalidField(
        "request", absl::StrCat("the body is not a valid ", request.GetDescriptor()->full_name(),
                                " in protobuf binary form"));
  }
  return CheckRequest(request);
}

absl::Status ParseJsonRequest(absl::string_view json, Message& request) {
  request.Clear();
  if (ReadJsonMessage(json, request)) return CheckRequest(request);
  request.Clear();  // what the fast reader left: protobuf's parser decides (proto_json_reader.h)
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  const auto parsed = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), &request, options);
  if (!parsed.ok()) {
    if (!CodePointCount(json)) {
      return InvalidField(FindBrokenJsonText(json, *request.GetDescriptor()),
                          "must be valid UTF-8 text");
    }
    // The parser's reason up to its first line break: after it comes a copy of the body.
    std::string reason = parsed.message().as_string();
    reason = reason.substr(0, reason.find('\n'));
    return InvalidField(
        "request", absl::StrCat("the body is not a JSON ", request.GetDescriptor()->full_name(),
                                ": ", WithoutQuotedText(reason)));
  }
  return CheckRequest(request);
}

absl::Status CheckRequest(const Message& request) {
  Violations violations;
  CheckFields(request, "", 0, violations);
  return violations.ToStatus();
}

}  // namespace therapy::homework
