#ifndef SERVICES_HOMEWORK_CORE_FORMATS_FHIR_TIMING_H_
#define SERVICES_HOMEWORK_CORE_FORMATS_FHIR_TIMING_H_

// An assignment's schedule as a FHIR R4 Timing (docs/fhir-mapping.md, "Schedule").

#include <string>

#include "absl/strings/string_view.h"
#include "services/homework/core/formats/fhir/json.h"
#include "therapy/homework/v1/assignment.pb.h"

namespace therapy::homework::fhir {

struct ScheduleTiming {
  Json timing;  // a FHIR Timing; {"repeat": {...}}
  // "HH:MM:00" when the schedule has both a habit anchor and a preferred local time: R4's tim-10
  // forbids Timing.repeat.when together with timeOfDay, the anchor wins, and the preferred time
  // travels beside the Timing (Task.input "preferred-local-time"). Empty otherwise.
  std::string displaced_time_of_day;
};

// repeat.boundsPeriod from start_date/end_date (local dates; `time_zone`, the client's IANA
// zone, rides on boundsPeriod.start as the core tz-code extension), frequency/period/periodUnit
// from target_count and period (1 d or 1 wk), duration/durationUnit min from
// minutes_per_practice, when/offset from the habit anchor (MapHabitAnchor, with the
// habit-anchor-offset extension when FHIR's unsigned offset cannot say it), else timeOfDay from
// preferred_local_time.
ScheduleTiming TimingOf(const v1::Schedule& schedule, absl::string_view time_zone);

// "HH:MM:00" for a valid "HH:MM", empty otherwise.
std::string FhirTimeOfDay(absl::string_view hh_mm);

}  // namespace therapy::homework::fhir

#endif  // SERVICES_HOMEWORK_CORE_FORMATS_FHIR_TIMING_H_
