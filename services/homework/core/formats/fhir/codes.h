#ifndef SERVICES_HOMEWORK_CORE_FORMATS_FHIR_CODES_H_
#define SERVICES_HOMEWORK_CORE_FORMATS_FHIR_CODES_H_

// The vocabulary of the FHIR export (docs/fhir-mapping.md): the project's canonical URLs, its
// code system, and the mappings of the service's enums onto FHIR R4 codes. Pure and
// thread-safe; everything here is constant.

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "therapy/homework/v1/assignment.pb.h"
#include "therapy/homework/v1/completion.pb.h"

namespace therapy::homework::fhir {

// The root of every canonical URL the project defines. `.example` is reserved (RFC 2606): the
// URLs name, they are not fetched.
inline constexpr absl::string_view kBaseUrl = "https://therapy-homework.example/fhir";
// The project's code system: exercise kinds, Task inputs, SUDS and other local observations.
inline constexpr absl::string_view kHomeworkSystem =
    "https://therapy-homework.example/fhir/CodeSystem/homework";
// Identifier.system whose values are the service's resource names
// (`practices/{p}/clients/{c}/assignments/{a}`, ...).
inline constexpr absl::string_view kResourceNameSystem =
    "https://therapy-homework.example/fhir/NamingSystem/resource-name";
// Extension on Timing.repeat: the habit anchor's signed offset in minutes, present only when
// `when` + `offset` (unsigned in FHIR) cannot say it (docs/fhir-mapping.md, "Habit anchors").
inline constexpr absl::string_view kAnchorOffsetExtension =
    "https://therapy-homework.example/fhir/StructureDefinition/habit-anchor-offset";

inline constexpr absl::string_view kLoincSystem = "http://loinc.org";
inline constexpr absl::string_view kUcumSystem = "http://unitsofmeasure.org";
// HL7 v3 ObservationInterpretation (the value set Observation.interpretation is bound to): `B`
// better and `W` worse, beside the homework code of a reliable change.
inline constexpr absl::string_view kObservationInterpretationSystem =
    "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation";
inline constexpr absl::string_view kObservationCategorySystem =
    "http://terminology.hl7.org/CodeSystem/observation-category";
// Core R4 extension: the IANA time zone of a date, dateTime or instant.
inline constexpr absl::string_view kTzCodeExtension =
    "http://hl7.org/fhir/StructureDefinition/tz-code";
// Core R4 extension: the score of a Questionnaire answer option.
inline constexpr absl::string_view kOrdinalValueExtension =
    "http://hl7.org/fhir/StructureDefinition/ordinalValue";

// One concept of kHomeworkSystem.
struct Concept {
  absl::string_view code;
  absl::string_view display;
};

// Every concept of kHomeworkSystem, in the order docs/fhir-mapping.md lists them.
absl::Span<const Concept> HomeworkConcepts();

// The display of `code` in kHomeworkSystem, or empty for a code it does not define.
absl::string_view HomeworkDisplay(absl::string_view code);

// The kHomeworkSystem code of an exercise kind ("thought-record", ...); "custom" for
// EXERCISE_KIND_UNSPECIFIED.
absl::string_view ExerciseKindCode(v1::ExerciseKind kind);

// Task.status of an assignment state: draft, in-progress, completed, cancelled.
absl::string_view TaskStatus(v1::Assignment::State state);

// The kHomeworkSystem code of a completion status ("status-done", ...).
absl::string_view CompletionStatusCode(v1::Completion::Status status);

// The kHomeworkSystem code of a measure's severity band ("severity-mild", ...); empty for
// SEVERITY_UNSPECIFIED.
absl::string_view SeverityCode(v1::MeasureResponse::Severity severity);

// FHIR R4 EventTiming codes (value set http://hl7.org/fhir/ValueSet/event-timing) and offsets for
// a habit anchor. FHIR's Timing.repeat.offset is unsigned: "minutes from the event", after it
// unless the code itself says before (AC, ACM, ACD, ACV "before meal", HS "before sleep"). So:
//   offset 0:           the anchor's own code, no offset;
//   offset > 0:         at a meal (C, CM, CD, CV) becomes the matching after-meal code (PC, PCM,
//                       PCD, PCV) with `offset`: R4's invariant tim-9 allows no offset with
//                       C, CM, CD or CV. The before-codes AC and HS cannot say "after": `offset`
//                       is left out and `signed_offset` set. Any other code keeps its code
//                       with `offset`;
//   offset < 0:         at or before a meal (C, CM, CD, CV, AC) becomes the matching before-meal
//                       code (AC, ACM, ACD, ACV) and HS stays HS, each with `offset` = |minutes|;
//                       any other code keeps its code, `offset` is left out and `signed_offset`
//                       set.
// `signed_offset` feeds kAnchorOffsetExtension, so no minute is lost.
struct EventTimingCode {
  std::string when;                  // empty for EVENT_TIMING_UNSPECIFIED
  std::optional<int> offset;         // Timing.repeat.offset, minutes, never negative
  std::optional<int> signed_offset;  // set only when `when` + `offset` cannot carry the anchor
};
EventTimingCode MapHabitAnchor(v1::EventTiming when, int offset_minutes);

// The plain FHIR EventTiming code of a routine ("PCV" for EVENT_TIMING_AFTER_DINNER); empty for
// EVENT_TIMING_UNSPECIFIED.
absl::string_view EventTimingCodeOf(v1::EventTiming when);

}  // namespace therapy::homework::fhir

#endif  // SERVICES_HOMEWORK_CORE_FORMATS_FHIR_CODES_H_
