#include "services/homework/core/model/resource_names.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/homework/core/rules/validation.h"

namespace therapy::homework {
namespace {

constexpr absl::string_view kPracticeForm = "practices/{practice}";
constexpr absl::string_view kClientForm = "practices/{practice}/clients/{client}";
constexpr absl::string_view kSessionForm = "practices/{practice}/sessions/{session}";
constexpr absl::string_view kAssignmentForm =
    "practices/{practice}/clients/{client}/assignments/{assignment}";
constexpr absl::string_view kCompletionForm =
    "practices/{practice}/clients/{client}/assignments/{assignment}/completions/{completion}";

// The name itself is not echoed: a malformed one is text the caller typed, not a resource id.
absl::Status BadName(absl::string_view field, absl::string_view form) {
  return InvalidField(field, absl::StrCat("not a resource name of the form ", form,
                                          "; ids are 1-63 characters of [a-z0-9-]"));
}

// Splits `name` and checks the collection words at the even positions.
bool Matches(const std::vector<absl::string_view>& parts,
             std::initializer_list<absl::string_view> collections) {
  if (parts.size() != 2 * collections.size()) return false;
  size_t i = 0;
  for (absl::string_view collection : collections) {
    if (parts[i] != collection) return false;
    i += 2;
  }
  return true;
}

}  // namespace

bool IsValidResourceId(absl::string_view id) {
  if (id.empty() || id.size() > 63 || id.front() == '-') return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    if (!ok) return false;
  }
  return true;
}

bool IsValidSessionId(absl::string_view id) {
  return IsValidResourceId(id) && id.front() >= 'a' && id.front() <= 'z';
}

std::string SessionName::Format() const {
  return absl::StrCat("practices/", practice, "/sessions/", session);
}

absl::StatusOr<SessionName> ParseSessionName(absl::string_view field, absl::string_view name) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  if (!Matches(parts, {"practices", "sessions"}) || !IsValidResourceId(parts[1]) ||
      !IsValidResourceId(parts[3])) {
    return BadName(field, kSessionForm);
  }
  return SessionName{std::string(parts[1]), std::string(parts[3])};
}

std::string PracticeName::Format() const { return absl::StrCat("practices/", practice); }

std::string ClientName::Format() const {
  return absl::StrCat("practices/", practice, "/clients/", client);
}

std::string AssignmentName::Format() const {
  return absl::StrCat(client.Format(), "/assignments/", assignment);
}

std::string CompletionName::Format() const {
  return absl::StrCat(assignment.Format(), "/completions/", completion);
}

absl::StatusOr<PracticeName> ParsePracticeName(absl::string_view field, absl::string_view name) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  if (!Matches(parts, {"practices"}) || !IsValidResourceId(parts[1])) {
    return BadName(field, kPracticeForm);
  }
  return PracticeName{std::string(parts[1])};
}

absl::StatusOr<ClientName> ParseClientName(absl::string_view field, absl::string_view name) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  if (!Matches(parts, {"practices", "clients"}) || !IsValidResourceId(parts[1]) ||
      !IsValidResourceId(parts[3])) {
    return BadName(field, kClientForm);
  }
  return ClientName{std::string(parts[1]), std::string(parts[3])};
}

absl::StatusOr<AssignmentName> ParseAssignmentName(absl::string_view field, absl::string_view name,
                                                   Wildcard wildcard) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  const bool id_ok = parts.size() == 6 && (IsValidResourceId(parts[5]) ||
                                           (wildcard == Wildcard::kAccepted && parts[5] == "-"));
  if (!Matches(parts, {"practices", "clients", "assignments"}) || !IsValidResourceId(parts[1]) ||
      !IsValidResourceId(parts[3]) || !id_ok) {
    return BadName(field, kAssignmentForm);
  }
  return AssignmentName{{std::string(parts[1]), std::string(parts[3])}, std::string(parts[5])};
}

absl::StatusOr<CompletionName> ParseCompletionName(absl::string_view field,
                                                   absl::string_view name) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  if (!Matches(parts, {"practices", "clients", "assignments", "completions"}) ||
      !IsValidResourceId(parts[1]) || !IsValidResourceId(parts[3]) ||
      !IsValidResourceId(parts[5]) || !IsValidResourceId(parts[7])) {
    return BadName(field, kCompletionForm);
  }
  return CompletionName{{{std::string(parts[1]), std::string(parts[3])}, std::string(parts[5])},
                        std::string(parts[7])};
}

std::string ClientChildName::Format() const {
  return absl::StrCat(client.Format(), "/", collection, "/", id);
}

absl::StatusOr<ClientChildName> ParseClientChildName(absl::string_view field,
                                                     absl::string_view name,
                                                     absl::string_view collection) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  if (!Matches(parts, {"practices", "clients", collection}) || !IsValidResourceId(parts[1]) ||
      !IsValidResourceId(parts[3]) || !IsValidResourceId(parts[5])) {
    return BadName(field, absl::StrCat(kClientForm, "/", collection, "/{id}"));
  }
  return ClientChildName{{std::string(parts[1]), std::string(parts[3])},
                         std::string(collection),
                         std::string(parts[5])};
}

}  // namespace therapy::homework
