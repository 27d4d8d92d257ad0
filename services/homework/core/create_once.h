#ifndef SERVICES_HOMEWORK_CORE_CREATE_ONCE_H_
#define SERVICES_HOMEWORK_CORE_CREATE_ONCE_H_

// The idempotent create of AIP-155, written once for every Create method of the core: a
// request_id makes a retry answer with the first request's resource instead of a second one.
// For the core's .cc files only.

#include <optional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "services/homework/core/homework.h"
#include "services/homework/core/rules/validation.h"
#include "services/homework/core/status_macros.h"
#include "services/homework/storage/store.h"

namespace therapy::homework {

// What a create's write did: the resource it built and how Store::Commit ended for it.
// kDuplicateRequest: a twin request with the same idempotency key committed first, and nothing
// of this write was stored.
template <typename Resource>
struct CreateAttempt {
  Resource resource;
  CommitOutcome outcome = CommitOutcome::kCommitted;
};

// The first result of an earlier create with `key`, if any, read back with `get` (a Store
// getter such as &Store::GetClient). INVALID_ARGUMENT naming request_id when that create was
// asked by a request with another `fingerprint`; INTERNAL when the recorded resource is gone.
template <typename Resource>
absl::StatusOr<std::optional<Resource>> FindReplay(
    Store& store, absl::StatusOr<std::optional<Resource>> (Store::*get)(absl::string_view),
    const std::optional<IdempotencyKey>& key, absl::string_view fingerprint) {
  if (!key) return std::nullopt;
  ASSIGN_OR_RETURN(std::optional<IdempotentResult> prior, store.FindIdempotentResult(*key));
  if (!prior) return std::nullopt;
  // A replay is the same request again; a different one under a used id is the caller's bug,
  // and answering it with the first request's resource would hide that (AIP-155).
  if (!prior->request_fingerprint.empty() && prior->request_fingerprint != fingerprint) {
    return InvalidField("request_id",
                        absl::StrCat("already used by this caller for a different ", key->method,
                                     " request: a retry repeats the request exactly; a new "
                                     "request needs a new request_id"));
  }
  ASSIGN_OR_RETURN(std::optional<Resource> first, (store.*get)(prior->name));
  if (!first) {
    return absl::InternalError("the result recorded for this request_id is missing");
  }
  return first;
}

// Creates a resource once per idempotency key:
// - `write()` builds the resource and commits it with `key`, `fingerprint` and the resource's
//   name in its Mutation, returning absl::StatusOr<CreateAttempt<Resource>>. Every store checks
//   the key before anything else of the commit, so a write under a recorded key stores nothing.
// - it committed: the new resource (no record was read: a first request, by far the most
//   common, costs no look-up before its write).
// - the commit found the key recorded (an earlier request, or a twin that won the race), or
//   the write failed while `key` is recorded (a retry that the state has changed under since:
//   the assignment it completes is no longer active, the id it chose is taken by its own
//   first answer): the recorded resource, read back with `get`, replayed; INTERNAL if the store
//   reported a duplicate but has no record of it.
// - otherwise the write's error is the answer, unchanged (so a write maps the store's
//   ALREADY_EXISTS itself where the caller chose the id).
// Errors of the look-ups as FindReplay.
template <typename Resource, typename Write>
absl::StatusOr<Written<Resource>> CreateOnce(
    Store& store, absl::StatusOr<std::optional<Resource>> (Store::*get)(absl::string_view),
    const std::optional<IdempotencyKey>& key, absl::string_view fingerprint, Write write) {
  absl::StatusOr<CreateAttempt<Resource>> attempt = write();
  if (attempt.ok() && attempt->outcome != CommitOutcome::kDuplicateRequest) {
    return Written<Resource>{std::move(attempt->resource), false};
  }
  ASSIGN_OR_RETURN(std::optional<Resource> replay, FindReplay(store, get, key, fingerprint));
  if (replay) return Written<Resource>{*std::move(replay), true};
  if (!attempt.ok()) return attempt.status();
  return absl::InternalError("a duplicate request_id has no recorded result");
}

}  // namespace therapy::homework

#endif  // SERVICES_HOMEWORK_CORE_CREATE_ONCE_H_
