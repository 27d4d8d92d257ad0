#ifndef SERVICES_HOMEWORK_CORE_MODEL_TEXT_H_
#define SERVICES_HOMEWORK_CORE_MODEL_TEXT_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace therapy::homework {

// How the service measures and judges the text people type. One place, so that every limit in
// the protos ("at most 200 characters") means the same thing everywhere.

// The number of Unicode code points in `text`, which is what the protos' "characters" count
// (a CJK character, a Cyrillic letter and an emoji are one each; a flag or a family emoji made of
// several code points counts each of them). nullopt when `text` is not valid UTF-8: overlong
// forms, surrogates (U+D800-U+DFFF), code points above U+10FFFF and truncated sequences are all
// invalid, as in RFC 3629.
std::optional<size_t> CodePointCount(absl::string_view text);

// True when `text` is valid UTF-8 whose code points are all white space (Unicode's White_Space
// property: spaces, tabs, line breaks, no-break spaces, the ideographic space, ...) or invisible
// format characters (zero-width space and joiners, word joiner, byte-order mark). Such text says
// nothing, so a required field holding it is empty. The empty string is blank.
bool IsBlank(absl::string_view text);

// Appends `code_point` (at most U+10FFFF) to `out` in UTF-8. Its bytes compare in code point
// order, so byte order (COLLATE "C") is code point order.
void AppendUtf8(uint32_t code_point, std::string& out);

}  // namespace therapy::homework

#endif  // SERVICES_HOMEWORK_CORE_MODEL_TEXT_H_
