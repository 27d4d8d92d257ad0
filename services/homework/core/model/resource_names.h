#ifndef SERVICES_HOMEWORK_CORE_MODEL_RESOURCE_NAMES_H_
#define SERVICES_HOMEWORK_CORE_MODEL_RESOURCE_NAMES_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace therapy::homework {

// Resource names of the API (AIP-122). Parsing errors are INVALID_ARGUMENT naming `field`
// (the request field the name came from) with a google.rpc.BadRequest detail.

// True for a resource id: 1-63 characters of [a-z0-9-], starting with a letter or digit.
bool IsValidResourceId(absl::string_view id);

struct PracticeName {
  std::string practice;
  std::string Format() const;  // practices/{practice}
};

struct ClientName {
  std::string practice;
  std::string client;
  std::string Format() const;  // practices/{practice}/clients/{client}
};

struct AssignmentName {
  ClientName client;
  std::string assignment;  // "-" only where a collection wildcard is accepted
  std::string Format() const;
};

struct CompletionName {
  AssignmentName assignment;
  std::string completion;
  std::string Format() const;
};

// A resource directly under a client: `practices/{p}/clients/{c}/{collection}/{id}` (hierarchies,
// safetyFlags).
struct ClientChildName {
  ClientName client;
  std::string collection;
  std::string id;
  std::string Format() const;
};

// A live session, `practices/{practice}/sessions/{session}`.
struct SessionName {
  std::string practice;
  std::string session;
  std::string Format() const;
};

// True for a session id a caller may choose: 1-63 characters of [a-z0-9-], starting with a
// letter.
bool IsValidSessionId(absl::string_view id);

absl::StatusOr<PracticeName> ParsePracticeName(absl::string_view field, absl::string_view name);
absl::StatusOr<ClientName> ParseClientName(absl::string_view field, absl::string_view name);

// Whether the assignment id may be the wildcard "-" (ListCompletions' parent).
enum class Wildcard { kRejected, kAccepted };
absl::StatusOr<AssignmentName> ParseAssignmentName(absl::string_view field, absl::string_view name,
                                                   Wildcard wildcard = Wildcard::kRejected);
absl::StatusOr<CompletionName> ParseCompletionName(absl::string_view field, absl::string_view name);
absl::StatusOr<SessionName> ParseSessionName(absl::string_view field, absl::string_view name);
// INVALID_ARGUMENT naming `field` unless `name` is a resource of `collection` under a client.
absl::StatusOr<ClientChildName> ParseClientChildName(absl::string_view field,
                                                     absl::string_view name,
                                                     absl::string_view collection);

}  // namespace therapy::homework

#endif  // SERVICES_HOMEWORK_CORE_MODEL_RESOURCE_NAMES_H_
