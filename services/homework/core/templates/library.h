#ifndef SERVICES_HOMEWORK_CORE_TEMPLATES_LIBRARY_H_
#define SERVICES_HOMEWORK_CORE_TEMPLATES_LIBRARY_H_

// The built-in template library as data: library.textproto, a TemplateLibrary
// (template_library.proto) in protobuf text format, built into the binary
// (docs/decisions/0020-template-library-as-data.md). What the service makes of it (name order,
// lookups, validation) is services/homework/core/templates.h.

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/homework/core/templates/template_library.pb.h"

namespace therapy::homework {

// Parses a library written in protobuf text format. Errors: INVALID_ARGUMENT naming the line and
// column of the first mistake as the text format reports it, for example
// "line 12:5: Message type \"therapy.homework.v1.Template\" has no field named \"titel\"."
// (unknown fields, a field given twice, a wrong type, unbalanced braces).
absl::StatusOr<templates::TemplateLibrary> ParseTemplateLibrary(absl::string_view text);

// The bytes of library.textproto as built into this binary.
absl::string_view EmbeddedTemplateLibraryText();

}  // namespace therapy::homework

#endif  // SERVICES_HOMEWORK_CORE_TEMPLATES_LIBRARY_H_
