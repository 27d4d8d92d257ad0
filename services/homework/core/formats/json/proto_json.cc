#include "services/homework/core/formats/json/proto_json.h"

#include <algorithm>
#include <array>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/util/json_util.h"

namespace therapy::homework {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// protobuf's printer refuses deeper nesting (64); past this depth it decides.
constexpr int kMaxDepth = 60;
// The range protobuf prints a Timestamp in: 0001-01-01T00:00:00Z .. 9999-12-31T23:59:59Z.
constexpr int64_t kMinTimestampSeconds = -62135596800;
constexpr int64_t kMaxTimestampSeconds = 253402300799;

constexpr char kHex[] = "0123456789abcdef";

void AppendHex4(std::string& out, uint32_t unit) {
  out += "\\u";
  for (int shift = 12; shift >= 0; shift -= 4) out.push_back(kHex[(unit >> shift) & 0xf]);
}

// The code points protobuf's JsonEscaping writes as \uXXXX beyond the ones JSON requires:
// C1 controls, and invisible or direction-changing characters (against script injection).
bool EscapedAsUnicode(uint32_t code_point) {
  if (code_point < 0x20 || (code_point >= 0x7f && code_point < 0xa0)) return true;
  switch (code_point) {
    case 0x00ad:
    case 0x06dd:
    case 0x070f:
    case 0x17b4:
    case 0x17b5:
    case 0xfeff:
    case 0xfff9:
    case 0xfffa:
    case 0xfffb:
      return true;
    default:
      return (code_point >= 0x0600 && code_point <= 0x0603) ||
             (code_point >= 0x200b && code_point <= 0x200f) ||
             (code_point >= 0x2028 && code_point <= 0x202e) ||
             (code_point >= 0x2060 && code_point <= 0x2064) ||
             (code_point >= 0x206a && code_point <= 0x206f) || code_point == 0xe0001 ||
             (code_point >= 0x1d173 && code_point <= 0x1d17a) ||
             (code_point >= 0xe0020 && code_point <= 0xe007f);
  }
}

// The code point starting at text[at] (well-formed UTF-8 only: no overlong forms, surrogates
// or values past U+10FFFF) and its length in bytes; length 0 when the bytes are not UTF-8.
std::pair<uint32_t, int> DecodeUtf8(absl::string_view text, std::size_t at) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(at);
  int length = 0;
  uint32_t code_point = 0;
  uint32_t minimum = 0;
  if (lead >= 0xc2 && lead <= 0xdf) {
    length = 2, code_point = lead & 0x1f, minimum = 0x80;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3, code_point = lead & 0x0f, minimum = 0x800;
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4, code_point = lead & 0x07, minimum = 0x10000;
  } else {
    return {0, 0};
  }
  if (at + static_cast<std::size_t>(length) > text.size()) return {0, 0};
  for (int i = 1; i < length; ++i) {
    const unsigned char next = byte(at + static_cast<std::size_t>(i));
    if ((next & 0xc0) != 0x80) return {0, 0};
    code_point = (code_point << 6) | (next & 0x3f);
  }
  if (code_point < minimum || code_point > 0x10ffff ||
      (code_point >= 0xd800 && code_point <= 0xdfff)) {
    return {0, 0};
  }
  return {code_point, length};
}

// What the printer needs of one message type, worked out once per thread: how it is printed,
// and each field's key as written (`"jsonName":`), by field index.
struct TypeInfo {
  enum class Kind { kObject, kTimestamp, kProtobufs };  // kProtobufs: MessageToJsonString's
  Kind kind = Kind::kObject;
  std::vector<std::string> keys;
};

const TypeInfo& InfoOf(const Descriptor* type) {
  // Node-based: a reference handed out stays valid while nested messages add their types.
  thread_local std::unordered_map<const Descriptor*, TypeInfo> known;
  auto [it, added] = known.try_emplace(type);
  if (added) {
    TypeInfo& info = it->second;
    if (type->well_known_type() == Descriptor::WELLKNOWNTYPE_TIMESTAMP) {
      info.kind = TypeInfo::Kind::kTimestamp;
    } else if (type->file()->package() == "google.protobuf" || type->options().map_entry()) {
      info.kind = TypeInfo::Kind::kProtobufs;
    }
    for (int i = 0; i < type->field_count(); ++i) {
      info.keys.push_back(absl::StrCat("\"", type->field(i)->json_name(), "\":"));
    }
  }
  return it->second;
}

// Bytes of a string that go out as they are: printable ASCII but `"`, `\`, `<` and `>`.
constexpr std::array<bool, 256> kPlain = [] {
  std::array<bool, 256> plain{};
  for (int byte = 0x20; byte < 0x7f; ++byte) plain[static_cast<std::size_t>(byte)] = true;
  for (const char escaped : {'"', '\\', '<', '>'}) {
    plain[static_cast<unsigned char>(escaped)] = false;
  }
  return plain;
}();

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  // False when the message holds something MessageToJsonString must print (see the header).
  bool Object(const Message& message, int depth) {
    if (depth > kMaxDepth) return false;
    const TypeInfo& info = InfoOf(message.GetDescriptor());
    if (info.kind == TypeInfo::Kind::kTimestamp) return Timestamp(message);
    if (info.kind == TypeInfo::Kind::kProtobufs) return false;
    const Reflection* reflection = message.GetReflection();
    // One list per depth for the whole call: no allocation per object (a deque, so that the
    // lists of the outer objects stay where they are while inner ones are added).
    while (fields_.size() <= static_cast<std::size_t>(depth)) fields_.emplace_back();
    std::vector<const FieldDescriptor*>& fields = fields_[static_cast<std::size_t>(depth)];
    fields.clear();
    reflection->ListFields(message, &fields);
    out_.push_back('{');
    bool first = true;
    for (const FieldDescriptor* field : fields) {
      if (field->is_extension()) return false;
      if (!first) out_.push_back(',');
      first = false;
      out_ += info.keys[static_cast<std::size_t>(field->index())];
      if (field->is_map()) {
        // protobuf prints a map in its hash order, which reflection cannot walk (3.21 keeps
        // MapBegin private): such a message goes to protobuf whole (only the export's counts).
        return false;
      }
      if (field->is_repeated()) {
        out_.push_back('[');
        const int size = reflection->FieldSize(message, field);
        for (int i = 0; i < size; ++i) {
          if (i > 0) out_.push_back(',');
          if (!Value(message, *reflection, *field, i, depth)) return false;
        }
        out_.push_back(']');
      } else if (!Value(message, *reflection, *field, -1, depth)) {
        return false;
      }
    }
    out_.push_back('}');
    return true;
  }

 private:
  // One value of `field` (element `index` of a repeated field; -1: the singular field).
  bool Value(const Message& message, const Reflection& reflection, const FieldDescriptor& field,
             int index, int depth) {
    const bool repeated = index >= 0;
    switch (field.cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32:
        absl::StrAppend(&out_, repeated ? reflection.GetRepeatedInt32(message, &field, index)
                                        : reflection.GetInt32(message, &field));
        return true;
      case FieldDescriptor::CPPTYPE_UINT32:
        absl::StrAppend(&out_, repeated ? reflection.GetRepeatedUInt32(message, &field, index)
                                        : reflection.GetUInt32(message, &field));
        return true;
      case FieldDescriptor::CPPTYPE_INT64:
        absl::StrAppend(&out_, "\"",
                        repeated ? reflection.GetRepeatedInt64(message, &field, index)
                                 : reflection.GetInt64(message, &field),
                        "\"");
        return true;
      case FieldDescriptor::CPPTYPE_UINT64:
        absl::StrAppend(&out_, "\"",
                        repeated ? reflection.GetRepeatedUInt64(message, &field, index)
                                 : reflection.GetUInt64(message, &field),
                        "\"");
        return true;
      case FieldDescriptor::CPPTYPE_DOUBLE:
        Double(repeated ? reflection.GetRepeatedDouble(message, &field, index)
                        : reflection.GetDouble(message, &field));
        return true;
      case FieldDescriptor::CPPTYPE_FLOAT:
        Float(repeated ? reflection.GetRepeatedFloat(message, &field, index)
                       : reflection.GetFloat(message, &field));
        return true;
      case FieldDescriptor::CPPTYPE_BOOL:
        out_ += (repeated ? reflection.GetRepeatedBool(message, &field, index)
                          : reflection.GetBool(message, &field))
                    ? "true"
                    : "false";
        return true;
      case FieldDescriptor::CPPTYPE_ENUM:
        return Enum(field, repeated ? reflection.GetRepeatedEnumValue(message, &field, index)
                                    : reflection.GetEnumValue(message, &field));
      case FieldDescriptor::CPPTYPE_STRING: {
        std::string scratch;
        return Text(field, repeated ? reflection.GetRepeatedStringReference(message, &field, index,
                                                                            &scratch)
                                    : reflection.GetStringReference(message, &field, &scratch));
      }
      case FieldDescriptor::CPPTYPE_MESSAGE:
        return Object(repeated ? reflection.GetRepeatedMessage(message, &field, index)
                               : reflection.GetMessage(message, &field),
                      depth + 1);
    }
    return false;
  }

  bool Enum(const FieldDescriptor& field, int number) {
    if (field.enum_type()->full_name() == "google.protobuf.NullValue") return false;
    const auto* value = field.enum_type()->FindValueByNumber(number);
    if (value == nullptr) {
      absl::StrAppend(&out_, number);  // an open enum's unknown value: its number
      return true;
    }
    out_.push_back('"');
    out_ += value->name();
    out_.push_back('"');
    return true;
  }

  // A string field's text, or a bytes field's in base64.
  bool Text(const FieldDescriptor& field, const std::string& text) {
    if (field.type() != FieldDescriptor::TYPE_BYTES) return String(text);
    out_.push_back('"');
    out_ += absl::Base64Escape(text);
    out_.push_back('"');
    return true;
  }

  // A JSON string with protobuf's escapes; false for text that is not UTF-8.
  bool String(absl::string_view text) {
    out_.push_back('"');
    std::size_t at = 0;
    while (at < text.size()) {
      // A run of printable ASCII that needs no escape goes out in one append.
      std::size_t plain = at;
      while (plain < text.size() && kPlain[static_cast<unsigned char>(text[plain])]) ++plain;
      if (plain > at) {
        out_.append(text.data() + at, plain - at);
        at = plain;
        if (at == text.size()) break;
      }
      const unsigned char byte = static_cast<unsigned char>(text[at]);
      uint32_t code_point = byte;
      int length = 1;
      if (byte >= 0x80) {
        const auto [decoded, decoded_length] = DecodeUtf8(text, at);
        if (decoded_length == 0) return false;
        code_point = decoded;
        length = decoded_length;
      }
      switch (code_point) {
        case '"':
          out_ += "\\\"";
          break;
        case '\\':
          out_ += "\\\\";
          break;
        case '\b':
          out_ += "\\b";
          break;
        case '\t':
          out_ += "\\t";
          break;
        case '\n':
          out_ += "\\n";
          break;
        case '\f':
          out_ += "\\f";
          break;
        case '\r':
          out_ += "\\r";
          break;
        case '<':
          AppendHex4(out_, code_point);
          break;
        case '>':
          AppendHex4(out_, code_point);
          break;
        default:
          if (!EscapedAsUnicode(code_point)) {
            out_.append(text.data() + at, static_cast<std::size_t>(length));
          } else if (code_point < 0x10000) {
            AppendHex4(out_, code_point);
          } else {
            const uint32_t offset = code_point - 0x10000;
            AppendHex4(out_, 0xd800 + (offset >> 10));
            AppendHex4(out_, 0xdc00 + (offset & 0x3ff));
          }
      }
      at += static_cast<std::size_t>(length);
    }
    out_.push_back('"');
    return true;
  }

  // protobuf's SimpleDtoa: the shortest of %.15g and %.17g that reads back as the same double;
  // NaN and the infinities as strings.
  void Double(double value) {
    if (!std::isfinite(value)) return NonFinite(value);
    char buffer[32];
    std::snprintf(buffer, sizeof(buffer), "%.*g", DBL_DIG, value);
    if (std::strtod(buffer, nullptr) != value) {
      std::snprintf(buffer, sizeof(buffer), "%.*g", DBL_DIG + 2, value);
    }
    out_ += buffer;
  }

  // protobuf's SimpleFtoa: %.6g, or %.9g when that does not read back as the same float.
  void Float(float value) {
    if (!std::isfinite(value)) return NonFinite(value);
    char buffer[32];
    std::snprintf(buffer, sizeof(buffer), "%.*g", FLT_DIG, static_cast<double>(value));
    if (std::strtof(buffer, nullptr) != value) {
      std::snprintf(buffer, sizeof(buffer), "%.*g", FLT_DIG + 3, static_cast<double>(value));
    }
    out_ += buffer;
  }

  void NonFinite(double value) {
    out_ += std::isnan(value) ? "\"NaN\"" : (value > 0 ? "\"Infinity\"" : "\"-Infinity\"");
  }

  // RFC 3339 in UTC with 0, 3, 6 or 9 fractional digits, as protobuf's FormatTime. The date
  // comes from the day count by Hinnant's civil_from_days (proleptic Gregorian, exact over
  // 0001..9999), the digits are written directly: a Timestamp is in every resource, and
  // absl's time-zone look-up and snprintf were most of their cost.
  bool Timestamp(const Message& message) {
    std::optional<google::protobuf::Timestamp> copy;  // only for a dynamic message
    const auto* timestamp = dynamic_cast<const google::protobuf::Timestamp*>(&message);
    if (timestamp == nullptr) {
      copy.emplace().CopyFrom(message);
      timestamp = &*copy;
    }
    const int64_t seconds = timestamp->seconds();
    const int32_t nanos = timestamp->nanos();
    if (seconds < kMinTimestampSeconds || seconds > kMaxTimestampSeconds || nanos < 0 ||
        nanos > 999999999) {
      return false;
    }
    const int64_t days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400;
    const int64_t of_day = seconds - days * 86400;
    // civil_from_days: eras of 400 years starting on 0000-03-01.
    const int64_t z = days + 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const int64_t day_of_era = z - era * 146097;
    const int64_t year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
    const int64_t day_of_year =
        day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    const int64_t shifted_month = (5 * day_of_year + 2) / 153;
    const int64_t day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    const int64_t month = shifted_month < 10 ? shifted_month + 3 : shifted_month - 9;
    const int64_t year = year_of_era + era * 400 + (month <= 2 ? 1 : 0);
    out_.push_back('"');
    Digits(year, 4);
    out_.push_back('-');
    Digits(month, 2);
    out_.push_back('-');
    Digits(day, 2);
    out_.push_back('T');
    Digits(of_day / 3600, 2);
    out_.push_back(':');
    Digits(of_day / 60 % 60, 2);
    out_.push_back(':');
    Digits(of_day % 60, 2);
    if (nanos != 0) {
      out_.push_back('.');
      if (nanos % 1000000 == 0) {
        Digits(nanos / 1000000, 3);
      } else if (nanos % 1000 == 0) {
        Digits(nanos / 1000, 6);
      } else {
        Digits(nanos, 9);
      }
    }
    out_ += "Z\"";
    return true;
  }

  // `value` (0 <= value < 10^width) in exactly `width` decimal digits.
  void Digits(int64_t value, int width) {
    char digits[9];
    for (int i = width - 1; i >= 0; --i) {
      digits[i] = static_cast<char>('0' + value % 10);
      value /= 10;
    }
    out_.append(digits, static_cast<std::size_t>(width));
  }

  std::string& out_;
  std::deque<std::vector<const FieldDescriptor*>> fields_;  // ListFields' output per depth
};

}  // namespace

absl::StatusOr<std::string> MessageToJson(const google::protobuf::Message& message) {
  // The last answer's size on this thread: a list answer then grows its buffer once, not
  // five or six times.
  thread_local std::size_t last_size = 256;
  std::string json;
  json.reserve(last_size + last_size / 8);
  if (JsonWriter(json).Object(message, 0)) {
    last_size = std::clamp<std::size_t>(json.size(), 256, 1 << 20);
    return json;
  }
  json.clear();
  const auto printed = google::protobuf::util::MessageToJsonString(message, &json);
  if (!printed.ok()) {
    return absl::InternalError(absl::StrCat("cannot print ", message.GetTypeName(),
                                            " as JSON: ", printed.message().as_string()));
  }
  return json;
}

}  // namespace therapy::homework
