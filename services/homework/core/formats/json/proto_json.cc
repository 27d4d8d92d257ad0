#include "services/homework/core/formats/json/proto_json.h"

#include <algorithm>
#include <array>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/util/json_util.h"

namespace therapy::homework {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;

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
// and for each field number the field and its key as written (`"jsonName":`).
struct TypeInfo {
  enum class Kind { kObject, kTimestamp, kProtobufs };  // kProtobufs: MessageToJsonString's
  struct Field {
    const FieldDescriptor* descriptor = nullptr;  // null: no such field number
    std::string key;
    // Read from the descriptor once: its accessors are not free.
    FieldDescriptor::Type type = FieldDescriptor::TYPE_INT32;
    uint32_t wire_type = 0;  // of one value (a packed repeated field comes as 2)
    bool repeated = false;
    bool map = false;
    TypeInfo* message = nullptr;  // of a message field, once first printed
  };
  Kind kind = Kind::kObject;
  std::vector<Field> by_number;  // index: field number

  Field* Find(uint64_t number) {
    if (number >= by_number.size() || by_number[number].descriptor == nullptr) return nullptr;
    return &by_number[number];
  }
};

// The wire type a field's values come in (a packed repeated field comes as 2).
uint32_t WireTypeOf(FieldDescriptor::Type type) {
  switch (type) {
    case FieldDescriptor::TYPE_DOUBLE:
    case FieldDescriptor::TYPE_FIXED64:
    case FieldDescriptor::TYPE_SFIXED64:
      return 1;
    case FieldDescriptor::TYPE_FLOAT:
    case FieldDescriptor::TYPE_FIXED32:
    case FieldDescriptor::TYPE_SFIXED32:
      return 5;
    case FieldDescriptor::TYPE_STRING:
    case FieldDescriptor::TYPE_BYTES:
    case FieldDescriptor::TYPE_MESSAGE:
      return 2;
    case FieldDescriptor::TYPE_GROUP:
      return 3;
    default:
      return 0;
  }
}

// Field numbers of the types printed here stay far below this; a type with a higher one goes to
// protobuf's printer whole.
constexpr int kMaxFieldNumber = 4096;

TypeInfo& InfoOf(const Descriptor* type) {
  // Node-based: a reference handed out stays valid while nested messages add their types.
  thread_local std::unordered_map<const Descriptor*, TypeInfo> known;
  auto [it, added] = known.try_emplace(type);
  if (added) {
    TypeInfo& info = it->second;
    if (type->well_known_type() == Descriptor::WELLKNOWNTYPE_TIMESTAMP) {
      info.kind = TypeInfo::Kind::kTimestamp;
    } else if (type->file()->package() == "google.protobuf" || type->options().map_entry() ||
               type->extension_range_count() > 0) {
      info.kind = TypeInfo::Kind::kProtobufs;
    }
    for (int i = 0; i < type->field_count(); ++i) {
      const FieldDescriptor* field = type->field(i);
      if (field->number() > kMaxFieldNumber) {
        info.kind = TypeInfo::Kind::kProtobufs;
        continue;
      }
      const auto number = static_cast<std::size_t>(field->number());
      if (info.by_number.size() <= number) info.by_number.resize(number + 1);
      info.by_number[number] = {.descriptor = field,
                                .key = absl::StrCat("\"", field->json_name(), "\":"),
                                .type = field->type(),
                                .wire_type = WireTypeOf(field->type()),
                                .repeated = field->is_repeated(),
                                .map = field->is_map()};
    }
  }
  return it->second;
}

// Reads the protobuf wire format (https://protobuf.dev/programming-guides/encoding/) of one
// message, as the generated serializer writes it: fields in number order, the elements of a
// repeated field one after the other. Every read says false on bytes that end too soon.
class WireReader {
 public:
  explicit WireReader(absl::string_view bytes)
      : at_(bytes.data()), end_(bytes.data() + bytes.size()) {}

  bool done() const { return at_ == end_; }

  bool Varint(uint64_t& value) {
    value = 0;
    for (int shift = 0; shift < 64 && at_ < end_; shift += 7) {
      const auto byte = static_cast<unsigned char>(*at_++);
      value |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if (byte < 0x80) return true;
    }
    return false;
  }

  template <typename Fixed>
  bool Little(Fixed& value) {
    if (end_ - at_ < static_cast<std::ptrdiff_t>(sizeof(Fixed))) return false;
    std::memcpy(&value, at_, sizeof(Fixed));  // x86-64 and every target here are little-endian
    at_ += sizeof(Fixed);
    return true;
  }

  bool Bytes(absl::string_view& value) {
    uint64_t size = 0;
    if (!Varint(size) || size > static_cast<uint64_t>(end_ - at_)) return false;
    value = absl::string_view(at_, static_cast<std::size_t>(size));
    at_ += size;
    return true;
  }

  // The field number of the next tag, without reading past it; 0 at the end.
  uint64_t PeekNumber() const {
    WireReader copy = *this;
    uint64_t tag = 0;
    return copy.Varint(tag) ? tag >> 3 : 0;
  }

  // Skips a value of wire type `wire_type`; false for groups and unknown types.
  bool Skip(uint32_t wire_type) {
    uint64_t ignored = 0;
    absl::string_view bytes;
    switch (wire_type) {
      case 0:
        return Varint(ignored);
      case 1:
        return Little(ignored);
      case 2:
        return Bytes(bytes);
      case 5: {
        uint32_t fixed = 0;
        return Little(fixed);
      }
      default:
        return false;
    }
  }

 private:
  const char* at_;
  const char* end_;
};

// Bytes of a string that go out as they are: printable ASCII but `"`, `\`, `<` and `>`.
constexpr std::array<bool, 256> kPlain = [] {
  std::array<bool, 256> plain{};
  for (int byte = 0x20; byte < 0x7f; ++byte) plain[static_cast<std::size_t>(byte)] = true;
  for (const char escaped : {'"', '\\', '<', '>'}) {
    plain[static_cast<unsigned char>(escaped)] = false;
  }
  return plain;
}();

// The length of the run of kPlain bytes at the start of `text`, eight bytes at a time
// (https://graphics.stanford.edu/~seander/bithacks.html#HasLessInWord and #HasBetweenInWord).
std::size_t PlainRun(absl::string_view text) {
  constexpr uint64_t kOnes = 0x0101010101010101;
  constexpr uint64_t kHighs = 0x8080808080808080;
  const auto has_zero = [](uint64_t word) { return (word - kOnes) & ~word & kHighs; };
  std::size_t at = 0;
  while (text.size() - at >= 8) {
    uint64_t word = 0;
    std::memcpy(&word, text.data() + at, 8);
    const uint64_t special = ((word - kOnes * 0x20) & ~word & kHighs)  // below 0x20
                             | (word & kHighs)                         // 0x80 and up
                             | has_zero(word ^ (kOnes * 0x7f)) | has_zero(word ^ (kOnes * '"')) |
                             has_zero(word ^ (kOnes * '\\')) | has_zero(word ^ (kOnes * '<')) |
                             has_zero(word ^ (kOnes * '>'));
    if (special != 0) break;
    at += 8;
  }
  while (at < text.size() && kPlain[static_cast<unsigned char>(text[at])]) ++at;
  return at;
}

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  // False when the message holds something MessageToJsonString must print (see the header).
  bool Object(TypeInfo& info, absl::string_view wire, int depth) {
    if (depth > kMaxDepth) return false;
    if (info.kind == TypeInfo::Kind::kTimestamp) return Timestamp(wire);
    if (info.kind == TypeInfo::Kind::kProtobufs) return false;
    WireReader reader(wire);
    out_.push_back('{');
    uint64_t last_number = 0;
    bool first_field = true;
    while (!reader.done()) {
      uint64_t tag = 0;
      if (!reader.Varint(tag)) return false;
      const uint64_t number = tag >> 3;
      const auto wire_type = static_cast<uint32_t>(tag & 7);
      TypeInfo::Field* field = info.Find(number);
      if (field == nullptr) {  // an unknown field: protobuf's printer leaves it out too
        if (!reader.Skip(wire_type)) return false;
        continue;
      }
      // The generated serializer writes each field once, in number order; anything else (a
      // singular field merged from two records) is protobuf's to print.
      if (number <= last_number) return false;
      last_number = number;
      if (!first_field) out_.push_back(',');
      first_field = false;
      out_ += field->key;
      if (field->map) {
        // protobuf prints a map in its hash order, which its wire order need not be: such a
        // message goes to protobuf whole (only the export's counts).
        return false;
      }
      if (!field->repeated) {
        if (!Value(*field, wire_type, reader, depth)) return false;
        continue;
      }
      out_.push_back('[');
      bool first = true;
      uint32_t element_type = wire_type;
      while (true) {
        if (element_type == 2 && field->wire_type != 2) {
          // Packed: the elements one after the other inside one length-delimited record.
          absl::string_view packed;
          if (!reader.Bytes(packed)) return false;
          WireReader elements(packed);
          while (!elements.done()) {
            if (!first) out_.push_back(',');
            first = false;
            if (!Value(*field, field->wire_type, elements, depth)) return false;
          }
        } else {
          if (!first) out_.push_back(',');
          first = false;
          if (!Value(*field, element_type, reader, depth)) return false;
        }
        if (reader.PeekNumber() != number) break;
        uint64_t next = 0;
        reader.Varint(next);
        element_type = static_cast<uint32_t>(next & 7);
      }
      out_.push_back(']');
    }
    out_.push_back('}');
    return true;
  }

 private:
  // One value of `field` read from `reader`, which holds it in `wire_type`.
  bool Value(TypeInfo::Field& field, uint32_t wire_type, WireReader& reader, int depth) {
    if (wire_type != field.wire_type) return false;
    uint64_t varint = 0;  // every type of wire type 0 (integers, bools, enums) is one varint
    if (wire_type == 0 && !reader.Varint(varint)) return false;
    switch (field.type) {
      case FieldDescriptor::TYPE_INT32:
        absl::StrAppend(&out_, static_cast<int32_t>(varint));
        return true;
      case FieldDescriptor::TYPE_SINT32:
        absl::StrAppend(&out_, ZigZag32(varint));
        return true;
      case FieldDescriptor::TYPE_UINT32:
        absl::StrAppend(&out_, static_cast<uint32_t>(varint));
        return true;
      case FieldDescriptor::TYPE_INT64:
        absl::StrAppend(&out_, "\"", static_cast<int64_t>(varint), "\"");
        return true;
      case FieldDescriptor::TYPE_SINT64:
        absl::StrAppend(&out_, "\"", ZigZag64(varint), "\"");
        return true;
      case FieldDescriptor::TYPE_UINT64:
        absl::StrAppend(&out_, "\"", varint, "\"");
        return true;
      case FieldDescriptor::TYPE_BOOL:
        out_ += varint != 0 ? "true" : "false";
        return true;
      case FieldDescriptor::TYPE_ENUM:
        return Enum(*field.descriptor, static_cast<int32_t>(varint));
      case FieldDescriptor::TYPE_FIXED32:
        return Fixed<uint32_t>(reader, /*quoted=*/false);
      case FieldDescriptor::TYPE_SFIXED32:
        return Fixed<int32_t>(reader, /*quoted=*/false);
      case FieldDescriptor::TYPE_FIXED64:
        return Fixed<uint64_t>(reader, /*quoted=*/true);
      case FieldDescriptor::TYPE_SFIXED64:
        return Fixed<int64_t>(reader, /*quoted=*/true);
      case FieldDescriptor::TYPE_DOUBLE: {
        double value = 0;
        if (!reader.Little(value)) return false;
        Double(value);
        return true;
      }
      case FieldDescriptor::TYPE_FLOAT: {
        float value = 0;
        if (!reader.Little(value)) return false;
        Float(value);
        return true;
      }
      case FieldDescriptor::TYPE_STRING:
      case FieldDescriptor::TYPE_BYTES:
      case FieldDescriptor::TYPE_MESSAGE: {
        absl::string_view bytes;
        if (!reader.Bytes(bytes)) return false;
        if (field.type == FieldDescriptor::TYPE_STRING) return String(bytes);
        if (field.type == FieldDescriptor::TYPE_MESSAGE) {
          if (field.message == nullptr) field.message = &InfoOf(field.descriptor->message_type());
          return Object(*field.message, bytes, depth + 1);
        }
        out_.push_back('"');
        out_ += absl::Base64Escape(bytes);
        out_.push_back('"');
        return true;
      }
      case FieldDescriptor::TYPE_GROUP:
        return false;
    }
    return false;
  }

  static int32_t ZigZag32(uint64_t varint) {
    const auto value = static_cast<uint32_t>(varint);
    return static_cast<int32_t>((value >> 1) ^ (~(value & 1) + 1));
  }
  static int64_t ZigZag64(uint64_t value) {
    return static_cast<int64_t>((value >> 1) ^ (~(value & 1) + 1));
  }

  template <typename Number>
  bool Fixed(WireReader& reader, bool quoted) {
    Number value = 0;
    if (!reader.Little(value)) return false;
    if (quoted) {
      absl::StrAppend(&out_, "\"", value, "\"");
    } else {
      absl::StrAppend(&out_, value);
    }
    return true;
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

  // A JSON string with protobuf's escapes; false for text that is not UTF-8.
  bool String(absl::string_view text) {
    out_.push_back('"');
    std::size_t at = 0;
    while (at < text.size()) {
      // A run of printable ASCII that needs no escape goes out in one append.
      const std::size_t plain = PlainRun(text.substr(at));
      if (plain > 0) {
        out_.append(text.data() + at, plain);
        at += plain;
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
  bool Timestamp(absl::string_view wire) {
    int64_t seconds = 0;
    int64_t nanos = 0;
    WireReader reader(wire);
    while (!reader.done()) {
      uint64_t tag = 0;
      uint64_t value = 0;
      if (!reader.Varint(tag)) return false;
      if ((tag & 7) != 0) {
        if (!reader.Skip(static_cast<uint32_t>(tag & 7))) return false;
        continue;
      }
      if (!reader.Varint(value)) return false;
      if (tag >> 3 == 1) seconds = static_cast<int64_t>(value);
      if (tag >> 3 == 2) nanos = static_cast<int32_t>(value);
    }
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
};

}  // namespace

bool PrintJsonMessage(const google::protobuf::Message& message, std::string& json) {
  // The last answer's size on this thread: a list answer then grows its buffer once, not
  // five or six times.
  thread_local std::size_t last_size = 256;
  thread_local std::string wire;
  wire.clear();
  json.clear();
  bool printed = false;
  if (message.SerializeToString(&wire)) {
    json.reserve(last_size + last_size / 8);
    printed = JsonWriter(json).Object(InfoOf(message.GetDescriptor()), wire, 0);
    if (printed) last_size = std::clamp<std::size_t>(json.size(), 256, 1 << 20);
  }
  if (wire.capacity() > (1 << 20)) std::string().swap(wire);  // keep no huge buffer
  return printed;
}

absl::StatusOr<std::string> MessageToJson(const google::protobuf::Message& message) {
  std::string json;
  if (PrintJsonMessage(message, json)) return json;
  json.clear();
  const auto printed = google::protobuf::util::MessageToJsonString(message, &json);
  if (!printed.ok()) {
    return absl::InternalError(absl::StrCat("cannot print ", message.GetTypeName(),
                                            " as JSON: ", printed.message().as_string()));
  }
  return json;
}

}  // namespace therapy::homework
