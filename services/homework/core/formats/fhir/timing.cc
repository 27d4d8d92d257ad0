#include "services/homework/core/formats/fhir/timing.h"

#include "absl/strings/str_cat.h"
#include "services/homework/core/formats/fhir/codes.h"
#include "services/homework/core/model/calendar_text.h"

namespace therapy::homework::fhir {

std::string FhirTimeOfDay(absl::string_view hh_mm) {
  if (!ParseMinuteOfDay(hh_mm)) return {};
  return absl::StrCat(hh_mm, ":00");
}

ScheduleTiming TimingOf(const v1::Schedule& schedule, absl::string_view time_zone) {
  ScheduleTiming result;
  const EventTimingCode anchor =
      MapHabitAnchor(schedule.habit_anchor().when(), schedule.habit_anchor().offset_minutes());
  Json repeat = Json::object();
  if (anchor.signed_offset.has_value()) {
    repeat["extension"] =
        Json::array({{{"url", kAnchorOffsetExtension}, {"valueInteger", *anchor.signed_offset}}});
  }
  if (!schedule.start_date().empty()) {
    Json bounds = {{"start", schedule.start_date()}};
    if (!time_zone.empty()) {
      bounds["_start"] = {
          {"extension", Json::array({{{"url", kTzCodeExtension}, {"valueCode", time_zone}}})}};
    }
    if (!schedule.end_date().empty()) bounds["end"] = schedule.end_date();
    repeat["boundsPeriod"] = std::move(bounds);
  }
  if (schedule.minutes_per_practice() > 0) {
    repeat["duration"] = schedule.minutes_per_practice();
    repeat["durationUnit"] = "min";
  }
  if (schedule.target_count() > 0) repeat["frequency"] = schedule.target_count();
  if (schedule.period() == v1::Schedule::PERIOD_DAY ||
      schedule.period() == v1::Schedule::PERIOD_WEEK) {
    repeat["period"] = schedule.interval() > 1 ? schedule.interval() : 1;
    repeat["periodUnit"] = schedule.period() == v1::Schedule::PERIOD_DAY ? "d" : "wk";
  }
  const std::string time_of_day = FhirTimeOfDay(schedule.preferred_local_time());
  if (!anchor.when.empty()) {
    repeat["when"] = Json::array({anchor.when});
    if (anchor.offset.has_value()) repeat["offset"] = *anchor.offset;
    result.displaced_time_of_day = time_of_day;
  } else if (!time_of_day.empty()) {
    repeat["timeOfDay"] = Json::array({time_of_day});
  }
  if (!repeat.empty()) result.timing["repeat"] = std::move(repeat);
  if (result.timing.is_null()) result.timing = Json::object();
  return result;
}

}  // namespace therapy::homework::fhir
