#include "services/homework/core/model/calendar_text.h"

#include "absl/strings/ascii.h"

namespace therapy::homework {

bool ParseDay(absl::string_view text, absl::CivilDay& day) {
  if (text.size() != 10) return false;
  return absl::ParseCivilTime(text, &day) && day.year() >= 1900 && day.year() <= 9999;
}

std::string DayText(absl::CivilDay day) {
  if (day.year() < 1000 || day.year() > 9999) return absl::FormatCivilTime(day);
  std::string text = "0000-00-00";
  // Writes `value`'s decimal digits right-aligned to end just before `end`.
  auto put = [&text](size_t end, int value) {
    for (size_t at = end; value > 0; value /= 10) text[--at] = static_cast<char>('0' + value % 10);
  };
  put(4, static_cast<int>(day.year()));
  put(7, day.month());
  put(10, day.day());
  return text;
}

std::optional<int> ParseMinuteOfDay(absl::string_view text) {
  if (text.size() != 5 || text[2] != ':') return std::nullopt;
  for (size_t i : {0, 1, 3, 4}) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(text[i]))) return std::nullopt;
  }
  const int hours = (text[0] - '0') * 10 + (text[1] - '0');
  const int minutes = (text[3] - '0') * 10 + (text[4] - '0');
  if (hours > 23 || minutes > 59) return std::nullopt;
  return hours * 60 + minutes;
}

}  // namespace therapy::homework
