#ifndef SERVICES_HOMEWORK_CORE_HOMEWORK_INTERNAL_H_
#define SERVICES_HOMEWORK_CORE_HOMEWORK_INTERNAL_H_

// The steps the use cases of Homework share: not-found results, etag and update-mask checks,
// idempotency keys (the create itself: create_once.h), and the end of a write. For the core's
// .cc files only.

#include <algorithm>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/field_mask.pb.h"
#include "google/protobuf/util/field_mask_util.h"
#include "services/homework/core/create_once.h"
#include "services/homework/core/homework.h"
#include "services/homework/core/read_all.h"
#include "services/homework/core/rules/validation.h"
#include "services/homework/core/status_macros.h"

namespace therapy::homework {

// NOT_FOUND for a missing resource the caller may see.
template <typename Resource>
absl::StatusOr<Resource> Found(absl::StatusOr<std::optional<Resource>> found,
                               absl::string_view what, absl::string_view name) {
  if (!found.ok()) return found.status();
  if (!found->has_value()) return absl::NotFoundError(absl::StrCat(what, " ", name, " not found"));
  return *std::move(*found);
}

// `write()` (a use case's reads and the commit they decide, returning an absl::StatusOr) run
// in a CheckedReadScope: the assignment it decides on may be read from a cache that other
// replicas write past, since its commit checks what was read (Mutation::assignment_read). Run
// once more, on what the store holds now, when that commit found the assignment changed, or
// when the write refused after an answer from memory (a refusal reaches no commit that would
// check it). A second ReadChanged is the answer: ABORTED, retry.
template <typename Write>
auto WithCheckedReads(const Write& write) -> decltype(write()) {
  {
    CheckedReadScope scope(/*from_memory=*/true);
    auto result = write();
    if (result.ok() || !(IsReadChanged(result.status()) || scope.answered_from_memory())) {
      return result;
    }
  }
  CheckedReadScope scope(/*from_memory=*/false);
  return write();
}

// ABORTED when the caller read an older version than the stored one.
inline absl::Status CheckEtag(absl::string_view field, absl::string_view requested,
                              absl::string_view current) {
  if (requested.empty() || requested == current) return absl::OkStatus();
  return absl::AbortedError(absl::StrCat(field, " \"", requested.substr(0, 64),
                                         "\" is stale: the resource changed since it was "
                                         "read; read it again and retry"));
}

// Checks an update mask against the fields a method lets callers change.
inline absl::Status CheckMask(const google::protobuf::FieldMask& mask,
                              const google::protobuf::Descriptor* descriptor,
                              std::initializer_list<absl::string_view> allowed) {
  if (mask.paths().empty()) {
    return InvalidField("update_mask", absl::StrCat("required: name the fields to change, or *"));
  }
  if (mask.paths_size() == 1 && mask.paths(0) == "*") return absl::OkStatus();
  for (const std::string& path : mask.paths()) {
    const absl::string_view top = absl::string_view(path).substr(0, path.find('.'));
    const bool updatable = std::find(allowed.begin(), allowed.end(), top) != allowed.end();
    if (updatable &&
        google::protobuf::util::FieldMaskUtil::GetFieldDescriptors(descriptor, path, nullptr)) {
      continue;
    }
    const absl::string_view quoted = absl::string_view(path).substr(0, 100);
    if (updatable && top.size() < path.size()) {
      return InvalidField("update_mask",
                          absl::StrCat("\"", quoted, "\": ", top, " has no such field inside it"));
    }
    std::string list;
    for (absl::string_view field : allowed) absl::StrAppend(&list, list.empty() ? "" : ", ", field);
    return InvalidField("update_mask",
                        absl::StrCat("\"", quoted, "\" cannot be updated; updatable: ", list));
  }
  return absl::OkStatus();
}

// Copies the masked fields of `from` into `to`; "*" copies the listed top-level fields.
template <typename Message>
void ApplyMask(const google::protobuf::FieldMask& mask,
               std::initializer_list<absl::string_view> all, const Message& from, Message& to) {
  google::protobuf::FieldMask effective = mask;
  if (mask.paths_size() == 1 && mask.paths(0) == "*") {
    effective.clear_paths();
    for (absl::string_view field : all) effective.add_paths(std::string(field));
  }
  google::protobuf::util::FieldMaskUtil::MergeOptions options;
  options.set_replace_message_fields(true);
  options.set_replace_repeated_fields(true);
  google::protobuf::util::FieldMaskUtil::MergeMessageTo(from, effective, options, &to);
}

// A store's answer to a list: a page token it cannot read comes back INVALID_ARGUMENT, which
// gets the BadRequest naming page_token that every other invalid field has.
inline absl::Status ListStatus(const absl::Status& status) {
  if (status.code() != absl::StatusCode::kInvalidArgument || BadRequestOf(status)) return status;
  return InvalidField("page_token", status.message());
}

// How often a read-modify-write is tried when its commit keeps losing races (RetryOnConflict).
inline constexpr int kConflictAttempts = 5;

// Runs a read-modify-write again when its commit lost a race to another write of the same row
// (ABORTED from the store): it re-reads and re-applies its change, so concurrent changes of
// different fields both land. Only for writes whose caller named no etag, where an ABORTED can
// only be such a race; after kConflictAttempts tries the last ABORTED is the answer.
template <typename Attempt>
auto RetryOnConflict(const Attempt& attempt) -> decltype(attempt()) {
  auto result = attempt();
  for (int i = 1; i < kConflictAttempts && absl::IsAborted(result.status()); ++i) {
    result = attempt();
  }
  return result;
}

// What a request asked, for telling a retry from another request under a reused request_id:
// the SHA-256 (hex) of its deterministic protobuf serialization.
std::string RequestFingerprint(const google::protobuf::Message& request);

// The idempotency key of a create, or nullopt without a request id.
inline std::optional<IdempotencyKey> KeyFor(const Caller& caller, absl::string_view method,
                                            absl::string_view request_id) {
  if (request_id.empty()) return std::nullopt;
  return IdempotencyKey{caller.subject, std::string(method), std::string(request_id)};
}

template <typename Resource>
absl::StatusOr<Resource> Homework::FinishWrite(const Caller& caller, absl::string_view method,
                                               absl::string_view target,
                                               absl::StatusOr<Written<Resource>> written) {
  if (!written.ok()) {
    Audit(caller, method, target, written.status()).IgnoreError();
    return written.status();
  }
  if (written->replayed) {
    RETURN_IF_ERROR(Audit(caller, method, written->resource.name(), absl::OkStatus()));
  }
  return std::move(written->resource);
}

}  // namespace therapy::homework

#endif  // SERVICES_HOMEWORK_CORE_HOMEWORK_INTERNAL_H_
