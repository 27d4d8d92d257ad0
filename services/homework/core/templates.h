#ifndef SERVICES_HOMEWORK_CORE_TEMPLATES_H_
#define SERVICES_HOMEWORK_CORE_TEMPLATES_H_

// The built-in library: ready-made assignments for every exercise kind of the clinical model,
// and ready-made exposure hierarchies. Templates are written for clients in plain language and
// carry a default schedule with its two-minute version; a therapist personalises them when
// assigning (CreateAssignmentRequest.template, CreateHierarchyRequest.template).
//
// Templates are not clinical data: they name no client. The library is data
// (core/templates/library.textproto, built into the binary), parsed and checked once; it is
// immutable afterwards and safe to read from any thread.

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/homework/core/rules/validation.h"
#include "services/homework/core/templates/template_library.pb.h"
#include "therapy/homework/v1/assignment.pb.h"
#include "therapy/homework/v1/hierarchy.pb.h"
#include "therapy/homework/v1/template.pb.h"

namespace therapy::homework {

// Parses and checks the built-in library, once: later calls return the first result. The
// composition root calls it before serving, so that a library that does not load stops the
// service at start-up with an error naming the line or the template at fault. Once it has
// returned OK the functions below cannot fail; called first with a broken library, they abort.
absl::Status LoadBuiltInTemplates();

// What every template library passes once parsed: template names are `templates/{id}` and
// unique; each template passes ValidateTemplate, has no start date and no output-only field;
// hierarchy template names are `hierarchyTemplates/{id}` and unique, each with a target, steps
// and nothing else. Errors: INVALID_ARGUMENT naming the template (and the field).
absl::Status CheckTemplateLibrary(const templates::TemplateLibrary& library);

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

// The names of the built-in hierarchies, in the library's order.
std::vector<std::string> BuiltInHierarchyTemplateNames();

}  // namespace therapy::homework

#endif  // SERVICES_HOMEWORK_CORE_TEMPLATES_H_
