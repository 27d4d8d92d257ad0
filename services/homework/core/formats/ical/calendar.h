#ifndef SERVICES_HOMEWORK_CORE_FORMATS_ICAL_CALENDAR_H_
#define SERVICES_HOMEWORK_CORE_FORMATS_ICAL_CALENDAR_H_

// A client's practice schedule as an iCalendar (RFC 5545) feed that calendar apps subscribe to
// (docs/decisions/0010-icalendar.md). Built with libical, never by string concatenation.
//
// Pure: no I/O, no clock (DTSTAMP comes from each assignment's update time, so the same data
// gives the same feed byte for byte), safe to call from any thread.

#include <string>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "therapy/homework/v1/assignment.pb.h"
#include "therapy/homework/v1/client.pb.h"

namespace therapy::homework {

// Events shorter than this are hard to see in a calendar: a schedule without
// `minutes_per_practice` gets events of this length.
inline constexpr int kDefaultEventMinutes = 15;

struct PracticeCalendarFeed {
  // The VCALENDAR, CRLF line endings, lines folded at 75 octets.
  std::string ics;
  // How many VEVENTs it holds.
  int event_count = 0;
};

// The VCALENDAR of `client`'s active `assignments` (others are skipped), in the client's zone:
// a VTIMEZONE built by libical from the system zoneinfo, its TZID the IANA name
// (`Europe/Berlin`), which Google, Apple and Outlook all recognise; `UTC` and `Etc/UTC` get UTC
// times and no VTIMEZONE.
//
// Per active assignment (UID the assignment name; one event per daily slot when a day holds
// several practices, UID `<name>#slot-<i>` for the second and later):
// - PERIOD_DAY: DTSTART on `start_date` at the slot's local time (clinical::PracticePlan),
//   RRULE FREQ=DAILY.
// - PERIOD_WEEK: the week's practices spread over suggested weekdays from Monday
//   (day floor(i * 7 / target_count), so 3 a week is MO,WE,FR; 7 or more, every day), at the
//   preferred time, else the habit anchor's typical time, else 08:00; RRULE FREQ=WEEKLY
//   with BYDAY; DTSTART the first suggested day on or after `start_date`.
// - `end_date` becomes UNTIL: the end of that day in the client's zone, in UTC (RFC 5545 wants
//   UTC with a zoned DTSTART). Open-ended schedules have no UNTIL.
// - DURATION `minutes_per_practice` (kDefaultEventMinutes when 0); SUMMARY the title;
//   DESCRIPTION the reminder text (ReminderText) and the cadence in words; a VALARM (DISPLAY,
//   at the start) with the reminder text; DTSTAMP and LAST-MODIFIED the update time, CREATED
//   the create time, SEQUENCE the seconds between them (grows with every change).
//
// Errors: INVALID_ARGUMENT naming `client.time_zone` when the zone is unknown (to Abseil or to
// libical), or the schedule field at fault (clinical::PlanPractice) prefixed with the
// assignment's name; INTERNAL when libical cannot produce the text.
absl::StatusOr<PracticeCalendarFeed> BuildPracticeCalendar(
    const v1::Client& client, absl::Span<const v1::Assignment> assignments);

}  // namespace therapy::homework

#endif  // SERVICES_HOMEWORK_CORE_FORMATS_ICAL_CALENDAR_H_
