#ifndef SERVICES_HOMEWORK_CORE_MODEL_CALENDAR_TEXT_H_
#define SERVICES_HOMEWORK_CORE_MODEL_CALENDAR_TEXT_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"

namespace therapy::homework {

// The one rule for the calendar days and times of day the API carries as text (a schedule's
// start and end dates and preferred local time, the days of a practice calendar).

// `YYYY-MM-DD`, a real calendar day of the years 1900-9999 (FHIR dates and protobuf Timestamps
// hold those; year 0 and negative years are not dates anyone schedules practice on).
bool ParseDay(absl::string_view text, absl::CivilDay& day);

// The day as `YYYY-MM-DD`, what ParseDay reads: absl::FormatCivilTime's text for every day,
// written directly for the four-digit years (a review's calendars format days by the hundred,
// and the general formatter was a twentieth of a week's review).
std::string DayText(absl::CivilDay day);

// `HH:MM`, 00:00-23:59, as minutes after midnight; nullopt for anything else.
std::optional<int> ParseMinuteOfDay(absl::string_view text);

}  // namespace therapy::homework

#endif  // SERVICES_HOMEWORK_CORE_MODEL_CALENDAR_TEXT_H_
