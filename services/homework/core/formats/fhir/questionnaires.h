#ifndef SERVICES_HOMEWORK_CORE_FORMATS_FHIR_QUESTIONNAIRES_H_
#define SERVICES_HOMEWORK_CORE_FORMATS_FHIR_QUESTIONNAIRES_H_

// The service's built-in completion forms as FHIR R4 Questionnaires, and a completion's answers
// as the items of a QuestionnaireResponse to that form. Both live here so that the link ids of a
// form and of its responses cannot drift apart (docs/fhir-mapping.md, "Forms").

#include <string>

#include "absl/strings/string_view.h"
#include "services/homework/core/formats/fhir/json.h"
#include "therapy/homework/v1/assignment.pb.h"
#include "therapy/homework/v1/completion.pb.h"

namespace therapy::homework::fhir {

// The structured record a form asks for, besides the items every form has.
enum class FormRecord { kNone, kThoughtRecord, kExperiment, kActivity, kSelfCare, kPhq9, kGad7 };

// One built-in form. Every form has the practice items (status, skip reason, minutes, SUDS,
// expectancy, mood, emotions, engagement, note) and then its record's items.
struct Form {
  absl::string_view id;     // "thought-record", "phq-9": the last segment of the canonical URL
  absl::string_view name;   // computable name, "HomeworkThoughtRecord"
  absl::string_view title;  // for people
  FormRecord record;
};

inline constexpr absl::string_view kFormVersion = "1";

// The form a completion of `exercise` is recorded on: one per exercise kind, and one per
// measure for outcome measures. Unknown kinds get the custom-practice form.
const Form& FormFor(const v1::Exercise& exercise);

// The form for `completion` given the form of its assignment: `assignment_form` unless the
// completion carries a record that form has no items for, in which case the form of that record
// (so the response always conforms to its form). `assignment_form` may be null (the assignment
// is not in the export).
const Form& FormForCompletion(const Form* assignment_form, const v1::Completion& completion);

// "https://therapy-homework.example/fhir/Questionnaire/{id}".
std::string FormUrl(const Form& form);
// FormUrl|kFormVersion, the canonical a QuestionnaireResponse names.
std::string FormCanonical(const Form& form);

// Adds the Questionnaire's elements after `resource`'s resourceType and id.
void FillQuestionnaire(const Form& form, Json& resource);

// QuestionnaireResponse.item for `completion` recorded on `form`, in the form's item order. Only
// answered items appear; never empty (the status item is always there).
Json ResponseItems(const Form& form, const v1::Completion& completion);

}  // namespace therapy::homework::fhir

#endif  // SERVICES_HOMEWORK_CORE_FORMATS_FHIR_QUESTIONNAIRES_H_
