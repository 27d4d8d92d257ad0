#ifndef SERVICES_HOMEWORK_CORE_TEMPLATES_H_
#define SERVICES_HOMEWORK_CORE_TEMPLATES_H_

// The built-in library: ready-made assignments for every exercise kind of the clinical model,
// and ready-made exposure hierarchies. Templates are written for clients in plain language and
// carry a default schedule with its two-minute version; a therapist personalises them when
// assigning (CreateAssignmentRequest.template, CreateHierarchyRequest.template).
//
// Templates are not clinical data: they name no client. Everything here is built once, on
// first use, is immutable afterwards and safe to read from any thread.

#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/homework/core/validation.h"
#include "therapy/homework/v1/assignment.pb.h"
#include "therapy/homework/v1/hierarchy.pb.h"
#include "therapy/homework/v1/template.pb.h"

namespace therapy::homework {

// Every built-in template, in name order (`templates/{id}`), at least one per ExerciseKind.
// Each schedule has an empty `start_date` and is otherwise complete: with a start date set, the
// assignment built from it passes ValidateAssignment.
const std::vector<v1::Template>& BuiltInTemplates();

// The built-in template called `name`, or nullptr.
const v1::Template* FindBuiltInTemplate(absl::string_view name);

// The assignment CreateAssignment stores when a template is named: the template's title,
// exercise, rationale, phase and schedule as the base, then `personalisation` merged over it
// with protobuf MergeFrom rules. So a scalar set in `personalisation` (non-empty, non-zero)
// replaces the template's, a message field merges field by field (setting only
// `schedule.start_date` and `schedule.habit_anchor.client_words` keeps the rest of the
// template's schedule), and a repeated field is appended to the template's list. A scalar
// cannot be reset to empty or zero this way: change it afterwards with UpdateAssignment.
// Errors: INVALID_ARGUMENT naming `field` when `template_name` is not `templates/{id}`;
// NOT_FOUND "template templates/x not found" for an unknown id. Validation is the caller's.
absl::StatusOr<v1::Assignment> AssignmentFromTemplate(absl::string_view field,
                                                      absl::string_view template_name,
                                                      const v1::Assignment& personalisation);

// The same merge for a template already found (built-in or a practice's own).
v1::Assignment AssignmentFromTemplate(const v1::Template& base,
                                      const v1::Assignment& personalisation);

// Whether `name` names a practice's own template (`practices/{p}/templates/{t}`) rather than a
// built-in one.
bool IsPracticeTemplateName(absl::string_view name);

// Field checks of a template, under `prefix`: like an assignment's (ValidateAssignment), except
// that the schedule's start date may be empty, plus the description, and the two-minute
// version is required.
void ValidateTemplate(const v1::Template& t, absl::string_view prefix, Violations& violations);

// The built-in hierarchy called `name`, or nullptr. Known: `hierarchyTemplates/social-anxiety-
// ladder`, the five-step social-anxiety ladder of the source document with expected SUDS
// 30, 40, 50, 65 and 80. Only `target` and `steps` are set: `name`, the anchors (the client's
// own words) and the policy (unset means the defaults) are left for CreateHierarchy.
const v1::Hierarchy* BuiltInHierarchyTemplate(absl::string_view name);

}  // namespace therapy::homework

#endif  // SERVICES_HOMEWORK_CORE_TEMPLATES_H_
