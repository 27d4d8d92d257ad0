#include "services/homework/core/formats/json/proto_json_reader.h"

#include <cstdint>
#include <limits>
#include <string>
#include <utility>

#include "google/protobuf/descriptor.h"
#include "services/homework/core/model/text.h"

namespace therapy::homework {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// Past this depth the body goes to protobuf (which refuses past 100).
constexpr int kMaxDepth = 32;

// A recursive-descent reader over the body. Every method returns false for anything it does
// not read exactly as protobuf does (see the header); none of them reports why.
class Reader {
 public:
  explicit Reader(absl::string_view json) : at_(json.data()), end_(json.data() + json.size()) {}

  bool Root(Message& message) {
    SkipSpace();
    if (!Object(message, 0)) return false;
    SkipSpace();
    return at_ == end_;
  }

 private:
  void SkipSpace() {
    while (at_ < end_ && (*at_ == ' ' || *at_ == '\n' || *at_ == '\r' || *at_ == '\t')) ++at_;
  }

  bool Consume(char c) {
    SkipSpace();
    if (at_ == end_ || *at_ != c) return false;
    ++at_;
    return true;
  }

  bool Peek(char c) {
    SkipSpace();
    return at_ < end_ && *at_ == c;
  }

  // The field a key names: its JSON name or its proto name, as protobuf looks them up.
  static const FieldDescriptor* Field(const Descriptor& type, absl::string_view key) {
    for (int i = 0; i < type.field_count(); ++i) {
      const FieldDescriptor* field = type.field(i);
      if (field->json_name() == key || field->name() == key) return field;
    }
    return nullptr;
  }

  bool Object(Message& message, int depth) {
    const Descriptor& type = *message.GetDescriptor();
    if (depth > kMaxDepth || type.file()->package() == "google.protobuf" ||
        type.field_count() > 64 || !Consume('{')) {
      return false;
    }
    const Reflection& reflection = *message.GetReflection();
    uint64_t seen = 0;
    if (Consume('}')) return true;
    do {
      SkipSpace();
      absl::string_view key;
      if (!Key(key) || !Consume(':')) return false;
      const FieldDescriptor* field = Field(type, key);
      if (field == nullptr || field->is_map() || field->is_extension()) return false;
      const uint64_t bit = uint64_t{1} << field->index();
      if ((seen & bit) != 0) return false;
      seen |= bit;
      if (const auto* oneof = field->real_containing_oneof();
          oneof != nullptr && reflection.HasOneof(message, oneof)) {
        return false;
      }
      if (!field->is_repeated()) {
        if (!Value(message, reflection, *field, /*add=*/false, depth)) return false;
        continue;
      }
      if (!Consume('[')) return false;
      if (Consume(']')) continue;
      do {
        if (!Value(message, reflection, *field, /*add=*/true, depth)) return false;
      } while (Consume(','));
      if (!Consume(']')) return false;
    } while (Consume(','));
    return Consume('}');
  }

  // A key without escapes (a field name never needs one).
  bool Key(absl::string_view& key) {
    if (at_ == end_ || *at_ != '"') return false;
    const char* start = ++at_;
    while (at_ < end_ && *at_ != '"') {
      if (*at_ == '\\' || static_cast<unsigned char>(*at_) < 0x20) return false;
      ++at_;
    }
    if (at_ == end_) return false;
    key = absl::string_view(start, static_cast<std::size_t>(at_ - start));
    ++at_;
    return true;
  }

  // One value of `field`: the field's value, or (`add`) a new element of the repeated field.
  bool Value(Message& message, const Reflection& reflection, const FieldDescriptor& field, bool add,
             int depth) {
    SkipSpace();
    const FieldDescriptor* f = &field;
    switch (field.cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING: {
        std::string text;
        if (field.type() != FieldDescriptor::TYPE_STRING || !String(text)) return false;
        add ? reflection.AddString(&message, f, std::move(text))
            : reflection.SetString(&message, f, std::move(text));
        return true;
      }
      case FieldDescriptor::CPPTYPE_INT32: {
        int64_t value = 0;
        if (!Integer(std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max(),
                     value)) {
          return false;
        }
        const auto typed = static_cast<int32_t>(value);
        add ? reflection.AddInt32(&message, f, typed) : reflection.SetInt32(&message, f, typed);
        return true;
      }
      case FieldDescriptor::CPPTYPE_INT64: {
        int64_t value = 0;
        if (!Integer(-kExactInDouble, kExactInDouble, value)) return false;
        add ? reflection.AddInt64(&message, f, value) : reflection.SetInt64(&message, f, value);
        return true;
      }
      case FieldDescriptor::CPPTYPE_UINT32: {
        int64_t value = 0;
        if (!Integer(0, std::numeric_limits<uint32_t>::max(), value)) return false;
        const auto typed = static_cast<uint32_t>(value);
        add ? reflection.AddUInt32(&message, f, typed) : reflection.SetUInt32(&message, f, typed);
        return true;
      }
      case FieldDescriptor::CPPTYPE_UINT64: {
        int64_t value = 0;
        if (!Integer(0, kExactInDouble, value)) return false;
        const auto typed = static_cast<uint64_t>(value);
        add ? reflection.AddUInt64(&message, f, typed) : reflection.SetUInt64(&message, f, typed);
        return true;
      }
      case FieldDescriptor::CPPTYPE_BOOL: {
        bool value = false;
        if (!Bool(value)) return false;
        add ? reflection.AddBool(&message, f, value) : reflection.SetBool(&message, f, value);
        return true;
      }
      case FieldDescriptor::CPPTYPE_ENUM: {
        int number = 0;
        if (!Enum(field, number)) return false;
        add ? reflection.AddEnumValue(&message, f, number)
            : reflection.SetEnumValue(&message, f, number);
        return true;
      }
      case FieldDescriptor::CPPTYPE_MESSAGE:
        return Peek('{') && Object(add ? *reflection.AddMessage(&message, f)
                                       : *reflection.MutableMessage(&message, f),
                                   depth + 1);
      case FieldDescriptor::CPPTYPE_DOUBLE:
      case FieldDescriptor::CPPTYPE_FLOAT:
        return false;
    }
    return false;
  }

  // Integers a double holds exactly: protobuf reads some JSON numbers through a double, so
  // larger magnitudes go to it.
  static constexpr int64_t kExactInDouble = int64_t{1} << 53;

  // A JSON integer (-?(0|[1-9][0-9]*), no fraction or exponent, not -0) or the same digits in
  // quotes, within [low, high].
  bool Integer(int64_t low, int64_t high, int64_t& value) {
    const bool quoted = at_ < end_ && *at_ == '"';
    if (quoted) ++at_;
    const bool negative = at_ < end_ && *at_ == '-';
    if (negative) ++at_;
    const char* digits = at_;
    uint64_t magnitude = 0;
    while (at_ < end_ && *at_ >= '0' && *at_ <= '9') {
      if (at_ - digits >= 16) return false;  // past 2^53 in any case
      magnitude = magnitude * 10 + static_cast<uint64_t>(*at_ - '0');
      ++at_;
    }
    const auto count = at_ - digits;
    if (count == 0 || (count > 1 && *digits == '0') || (negative && magnitude == 0)) return false;
    if (quoted) {
      if (at_ == end_ || *at_ != '"') return false;
      ++at_;
    } else if (at_ < end_ && (*at_ == '.' || *at_ == 'e' || *at_ == 'E')) {
      return false;
    }
    if (magnitude > static_cast<uint64_t>(kExactInDouble)) return false;
    value = negative ? -static_cast<int64_t>(magnitude) : static_cast<int64_t>(magnitude);
    return value >= low && value <= high;
  }

  bool Bool(bool& value) {
    const auto literal = [this](absl::string_view word) {
      if (static_cast<std::size_t>(end_ - at_) < word.size() ||
          absl::string_view(at_, word.size()) != word) {
        return false;
      }
      at_ += word.size();
      return true;
    };
    if (literal("true")) {
      value = true;
      return true;
    }
    if (literal("false")) {
      value = false;
      return true;
    }
    return false;
  }

  // An enum by its exact name (numbers and unknown names go to protobuf).
  bool Enum(const FieldDescriptor& field, int& number) {
    std::string name;
    if (!String(name)) return false;
    const auto* value = field.enum_type()->FindValueByName(name);
    if (value == nullptr) return false;
    number = value->number();
    return true;
  }

  static int Hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  // Four hex digits after "\u".
  bool Unit(uint32_t& unit) {
    if (end_ - at_ < 4) return false;
    unit = 0;
    for (int i = 0; i < 4; ++i) {
      const int digit = Hex(at_[i]);
      if (digit < 0) return false;
      unit = (unit << 4) | static_cast<uint32_t>(digit);
    }
    at_ += 4;
    return true;
  }

  // A JSON string: the standard escapes, \uXXXX (surrogates only as a pair), no raw control
  // characters, and raw bytes that are valid UTF-8.
  bool String(std::string& out) {
    if (at_ == end_ || *at_ != '"') return false;
    ++at_;
    bool wide = false;  // bytes >= 0x80 copied: checked as UTF-8 at the end
    while (true) {
      const char* run = at_;
      while (at_ < end_ && *at_ != '"' && *at_ != '\\' &&
             static_cast<unsigned char>(*at_) >= 0x20) {
        wide |= static_cast<unsigned char>(*at_) >= 0x80;
        ++at_;
      }
      out.append(run, static_cast<std::size_t>(at_ - run));
      if (at_ == end_ || static_cast<unsigned char>(*at_) < 0x20) return false;
      if (*at_ == '"') {
        ++at_;
        break;
      }
      ++at_;  // the backslash
      if (at_ == end_) return false;
      const char escape = *at_++;
      switch (escape) {
        case '"':
          out.push_back('"');
          break;
        case '\\':
          out.push_back('\\');
          break;
        case '/':
          out.push_back('/');
          break;
        case 'b':
          out.push_back('\b');
          break;
        case 'f':
          out.push_back('\f');
          break;
        case 'n':
          out.push_back('\n');
          break;
        case 'r':
          out.push_back('\r');
          break;
        case 't':
          out.push_back('\t');
          break;
        case 'u': {
          uint32_t unit = 0;
          if (!Unit(unit) || (unit >= 0xdc00 && unit <= 0xdfff)) return false;
          if (unit >= 0xd800 && unit <= 0xdbff) {
            uint32_t low = 0;
            if (end_ - at_ < 2 || at_[0] != '\\' || at_[1] != 'u') return false;
            at_ += 2;
            if (!Unit(low) || low < 0xdc00 || low > 0xdfff) return false;
            unit = 0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00);
          }
          AppendUtf8(unit, out);
          break;
        }
        default:
          return false;
      }
    }
    return !wide || CodePointCount(out).has_value();
  }

  const char* at_;
  const char* end_;
};

}  // namespace

bool ReadJsonMessage(absl::string_view json, Message& message) {
  return Reader(json).Root(message);
}

}  // namespace therapy::homework
