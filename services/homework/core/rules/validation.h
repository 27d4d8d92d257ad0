#ifndef SERVICES_HOMEWORK_CORE_RULES_VALIDATION_H_
#define SERVICES_HOMEWORK_CORE_RULES_VALIDATION_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/rpc/error_details.pb.h"
#include "services/homework/core/model/bad_request.h"
#include "services/homework/core/model/resource_names.h"
#include "therapy/homework/v1/assignment.pb.h"
#include "therapy/homework/v1/client.pb.h"
#include "therapy/homework/v1/completion.pb.h"
#include "therapy/homework/v1/homework_service.pb.h"

namespace therapy::homework {

// INVALID_ARGUMENT naming one field, with a BadRequest payload (bad_request.h).
absl::Status InvalidField(absl::string_view field, absl::string_view description);

// Collects every invalid field of a request, so the caller can fix them all at once.
class Violations {
 public:
  void Add(std::string field, std::string description);

  // Text of `min`-`max` characters (Unicode code points, core/model/text.h); `min` >= 1 makes the
  // field required, and then white space alone does not count. Text that is not valid UTF-8 is
  // refused. Messages name the field and the rule, never the text.
  void Length(absl::string_view field, absl::string_view value, size_t min, size_t max);
  void Range(absl::string_view field, int64_t value, int64_t min, int64_t max);
  void RangeReal(absl::string_view field, double value, double min, double max);
  // A required IANA time zone name (core/model/time_zone.h).
  void TimeZone(absl::string_view field, absl::string_view zone);
  // Each item 1..max_length characters (as Length), at most max_items items.
  void List(absl::string_view field, const google::protobuf::RepeatedPtrField<std::string>& items,
            int max_items, size_t max_length);

  bool empty() const { return request_.field_violations().empty(); }
  size_t size() const { return static_cast<size_t>(request_.field_violations_size()); }

  // OK when nothing was added; otherwise INVALID_ARGUMENT whose message names the first field
  // (and how many more) and whose payload lists them all.
  absl::Status ToStatus() const;

 private:
  google::rpc::BadRequest request_;
};

// Field checks of the resources, appended under `prefix` (for example "client" or
// "assignment"). Output-only fields are not checked: the use cases overwrite them.
// `now` bounds `last_session_time` (at most 10 minutes ahead, for clock skew).
void ValidateClient(const v1::Client& client, absl::Time now, absl::string_view prefix,
                    Violations& violations);
void ValidateAssignment(const v1::Assignment& assignment, absl::string_view prefix,
                        Violations& violations);
// `exercise` is the exercise of the assignment the completion belongs to: its kind decides
// which record fits, and for an outcome measure its measure decides how many answers
// `measure.item_scores` needs (9 for PHQ-9, 7 for GAD-7, each 0-3; required unless the status
// is STATUS_SKIPPED). `now` bounds `occur_time` (at most 10 minutes ahead, for clock skew).
void ValidateCompletion(const v1::Completion& completion, const v1::Exercise& exercise,
                        absl::Time now, absl::string_view prefix, Violations& violations);
void ValidateReview(const v1::Review& review, absl::string_view prefix, Violations& violations);

// CreateSession's fields: `session_id` (empty or a valid id), `session.client` (required, a
// client of `parent`), `session.external_id` (at most 128 characters). Returns the client when
// it is valid.
std::optional<ClientName> ValidateNewSession(const v1::CreateSessionRequest& request,
                                             const PracticeName& parent, Violations& violations);

// A list's page size: 0 means 100; otherwise 1-1000.
absl::StatusOr<int> ValidatePageSize(int page_size);

// Idempotency keys: empty, or 1-64 characters of [A-Za-z0-9_-].
void ValidateRequestId(absl::string_view request_id, Violations& violations);

}  // namespace therapy::homework

#endif  // SERVICES_HOMEWORK_CORE_RULES_VALIDATION_H_
