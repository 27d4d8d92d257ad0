#include "services/homework/core/model/calendar_text.h"

#include <optional>

#include "absl/time/civil_time.h"
#include "gtest/gtest.h"

namespace therapy::homework {
namespace {

TEST(DayTextTest, IsWhatAbslFormatsForEveryDay) {
  // Every day of 1899-2101 (month ends, leap days, centuries), and the edges of the fast path.
  for (absl::CivilDay day(1899, 12, 25); day <= absl::CivilDay(2101, 1, 5); ++day) {
    ASSERT_EQ(DayText(day), absl::FormatCivilTime(day));
  }
  for (const absl::CivilDay day :
       {absl::CivilDay(0, 1, 1), absl::CivilDay(7, 3, 9), absl::CivilDay(999, 12, 31),
        absl::CivilDay(9999, 12, 31), absl::CivilDay(10000, 1, 1), absl::CivilDay(-1, 6, 15),
        absl::CivilDay(123456, 2, 29)}) {
    EXPECT_EQ(DayText(day), absl::FormatCivilTime(day));
  }
}

TEST(ParseDayTest, ReadsWhatDayTextWritesForTheYearsItAccepts) {
  for (const absl::CivilDay day :
       {absl::CivilDay(1900, 1, 1), absl::CivilDay(2028, 2, 29), absl::CivilDay(9999, 12, 31)}) {
    absl::CivilDay parsed;
    ASSERT_TRUE(ParseDay(DayText(day), parsed)) << DayText(day);
    EXPECT_EQ(parsed, day);
  }
}

TEST(ParseDayTest, RefusesWhatIsNotARealDayOfTheYears1900To9999) {
  absl::CivilDay day;
  for (const char* text :
       {"", "2026-2-3", "2026-02-30", "2027-02-29", "2026-13-01", "1899-12-31", "0000-01-01",
        "2026-02-03T00", "2026/02/03", " 2026-02-03", "10000-01-01", "2026-02-3x"}) {
    EXPECT_FALSE(ParseDay(text, day)) << text;
  }
}

TEST(ParseMinuteOfDayTest, ReadsHoursAndMinutesOfOneDay) {
  EXPECT_EQ(ParseMinuteOfDay("00:00"), 0);
  EXPECT_EQ(ParseMinuteOfDay("07:45"), 7 * 60 + 45);
  EXPECT_EQ(ParseMinuteOfDay("23:59"), 23 * 60 + 59);
  for (const char* text :
       {"", "24:00", "12:60", "7:45", "07:5", "07-45", "07:45:00", "ab:cd", "+1:00", " 7:45"}) {
    EXPECT_EQ(ParseMinuteOfDay(text), std::nullopt) << text;
  }
}

}  // namespace
}  // namespace therapy::homework
