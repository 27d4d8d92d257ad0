#include "services/homework/core/model/text.h"

#include <cstdint>

namespace therapy::homework {
namespace {

// Decodes the code point at `text[*at]` and moves `*at` past it; false for invalid UTF-8.
bool NextCodePoint(absl::string_view text, size_t* at, char32_t* code_point) {
  const auto byte = [&](size_t i) { return static_cast<uint8_t>(text[i]); };
  const uint8_t lead = byte(*at);
  size_t length;
  char32_t value;
  char32_t min;
  if (lead < 0x80) {
    *code_point = lead;
    ++*at;
    return true;
  } else if ((lead & 0xE0) == 0xC0) {
    length = 2, value = lead & 0x1F, min = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3, value = lead & 0x0F, min = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4, value = lead & 0x07, min = 0x10000;
  } else {
    return false;  // a continuation byte or 0xF8-0xFF where a sequence should start
  }
  if (text.size() - *at < length) return false;
  for (size_t i = 1; i < length; ++i) {
    const uint8_t next = byte(*at + i);
    if ((next & 0xC0) != 0x80) return false;
    value = (value << 6) | (next & 0x3F);
  }
  if (value < min || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) return false;
  *code_point = value;
  *at += length;
  return true;
}

// Unicode 15's White_Space property, plus the invisible format characters that people paste
// by accident (U+200B-U+200D, U+2060, U+FEFF).
bool IsBlankCodePoint(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200D) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F ||
         c == 0x2060 || c == 0x3000 || c == 0xFEFF;
}

}  // namespace

std::optional<size_t> CodePointCount(absl::string_view text) {
  size_t count = 0;
  char32_t code_point;
  for (size_t at = 0; at < text.size(); ++count) {
    if (!NextCodePoint(text, &at, &code_point)) return std::nullopt;
  }
  return count;
}

bool IsBlank(absl::string_view text) {
  char32_t code_point;
  for (size_t at = 0; at < text.size();) {
    if (!NextCodePoint(text, &at, &code_point) || !IsBlankCodePoint(code_point)) return false;
  }
  return true;
}

void AppendUtf8(uint32_t code_point, std::string& out) {
  if (code_point < 0x80) {
    out.push_back(static_cast<char>(code_point));
  } else if (code_point < 0x800) {
    out.push_back(static_cast<char>(0xc0 | (code_point >> 6)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3f)));
  } else if (code_point < 0x10000) {
    out.push_back(static_cast<char>(0xe0 | (code_point >> 12)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3f)));
  } else {
    out.push_back(static_cast<char>(0xf0 | (code_point >> 18)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 12) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3f)));
  }
}

}  // namespace therapy::homework
