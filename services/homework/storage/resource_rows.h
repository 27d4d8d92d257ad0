#ifndef SERVICES_HOMEWORK_STORAGE_RESOURCE_ROWS_H_
#define SERVICES_HOMEWORK_STORAGE_RESOURCE_ROWS_H_

// The indexed columns of each stored resource, derived from the resource in one place so that
// every backend files, filters and sorts the same resource the same way; and the checks of the
// queries over them, so that every backend refuses the same queries.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "google/protobuf/timestamp.pb.h"
#include "services/homework/storage/store.h"
#include "therapy/homework/v1/assignment.pb.h"
#include "therapy/homework/v1/client.pb.h"
#include "therapy/homework/v1/completion.pb.h"
#include "therapy/homework/v1/hierarchy.pb.h"
#include "therapy/homework/v1/session.pb.h"
#include "therapy/homework/v1/template.pb.h"

namespace therapy::homework {

// Microseconds since the Unix epoch, rounded down: the precision at which stores sort and
// compare times (a query's start and end times included).
int64_t UnixMicros(const google::protobuf::Timestamp& time);

struct ClientRow {
  std::string practice_name;  // "practices/{p}"
  int64_t create_micros = 0;
};

struct AssignmentRow {
  std::string practice_name;  // "practices/{p}"
  std::string client_name;    // "practices/{p}/clients/{c}"
  int64_t create_micros = 0;
  int state = 0;
};

struct CompletionRow {
  std::string client_name;      // "practices/{p}/clients/{c}"
  std::string assignment_name;  // "practices/{p}/clients/{c}/assignments/{a}"
  int64_t occur_micros = 0;
  // Whether it carries an outcome-measure response (`measure`): what ReadCaseload reads before
  // its recent window. Rows written before the column existed hold NULL (unknown), and the
  // stores read those as possible measures and keep only the ones that are.
  bool is_measure = false;
};

struct HierarchyRow {
  std::string client_name;  // "practices/{p}/clients/{c}"
  int64_t create_micros = 0;
};

struct SafetyFlagRow {
  std::string practice_name;  // "practices/{p}"
  std::string client_name;    // "practices/{p}/clients/{c}"
  int64_t raise_micros = 0;
  int state = 0;
  // escalation_due_time while the flag is open and has not escalated: what
  // ListSafetyFlagsToEscalate scans. nullopt otherwise.
  std::optional<int64_t> escalation_due_micros;
};

// A live session, `practices/{p}/sessions/{s}`.
struct SessionRow {
  std::string practice_name;  // "practices/{p}"
  std::string client_name;    // "practices/{p}/clients/{c}", from the session's `client`
  int64_t start_micros = 0;
  int state = 0;
};

// A practice's own template; the built-in library (`templates/{t}`) is not stored.
struct TemplateRow {
  std::string practice_name;  // "practices/{p}"
};

// The columns of a resource about to be written. INVALID_ARGUMENT naming `name` when the
// resource name does not have the resource's pattern.
absl::StatusOr<ClientRow> ClientRowOf(const v1::Client& client);
absl::StatusOr<AssignmentRow> AssignmentRowOf(const v1::Assignment& assignment);
absl::StatusOr<CompletionRow> CompletionRowOf(const v1::Completion& completion);
absl::StatusOr<HierarchyRow> HierarchyRowOf(const v1::Hierarchy& hierarchy);
absl::StatusOr<TemplateRow> TemplateRowOf(const v1::Template& practice_template);
absl::StatusOr<SafetyFlagRow> SafetyFlagRowOf(const v1::SafetyFlag& flag);
// Also INVALID_ARGUMENT naming `client` unless it is a client of the session's practice.
absl::StatusOr<SessionRow> SessionRowOf(const v1::Session& session);

// The rows of every resource a mutation writes, derived before anything is written so that a
// malformed name fails before a transaction starts.
struct MutationRows {
  std::optional<ClientRow> client;
  std::optional<AssignmentRow> assignment;
  std::optional<CompletionRow> completion;
  std::optional<HierarchyRow> hierarchy;
  std::optional<TemplateRow> practice_template;
  std::optional<SafetyFlagRow> safety_flag;
  std::optional<SessionRow> session;
};
absl::StatusOr<MutationRows> RowsOf(const Mutation& mutation);

// The states of an AssignmentQuery as a bit set (bit n: state n); 0 means every state.
// INVALID_ARGUMENT naming `states` for a value that is not an Assignment.State.
absl::StatusOr<uint64_t> AssignmentStateMask(const std::vector<v1::Assignment::State>& states);

// The same for a SafetyFlagQuery's states (INVALID_ARGUMENT naming `states`).
absl::StatusOr<uint64_t> SafetyFlagStateMask(const std::vector<v1::SafetyFlag::State>& states);

// Checks ListSafetyFlagsToEscalate's limit: INVALID_ARGUMENT naming `limit` unless 1-1000.
absl::Status CheckEscalationLimit(int limit);

// A CaseloadQuery checked: its state masks (AssignmentStateMask, SafetyFlagStateMask), and the
// range of client names of its practice, [clients_from, clients_to). INVALID_ARGUMENT naming
// `states`, `practice_name` (not "practices/{id}") or `recent_end` (not after recent_start).
struct CheckedCaseloadQuery {
  uint64_t assignment_mask = 0;
  uint64_t flag_mask = 0;
  std::string clients_from;  // "practices/{p}/clients/"
  std::string clients_to;    // "practices/{p}/clients0": just after every such name
};
absl::StatusOr<CheckedCaseloadQuery> CheckCaseloadQuery(const CaseloadQuery& query);

// Whether a stored state passes a mask made by AssignmentStateMask.
bool StateMatchesMask(int state, uint64_t mask);

// Checks the scope of an AssignmentQuery: INVALID_ARGUMENT naming `client_name` unless exactly
// one of `client_name` and `practice_name` is set, naming `practice_name` when it is set but not
// of the form "practices/{id}" (a bare practice id would otherwise silently match nothing).
absl::Status CheckAssignmentScope(const AssignmentQuery& query);

// Checks a CompletionQuery: INVALID_ARGUMENT naming `measures_only` when it is set with
// `assignment_name`.
absl::Status CheckCompletionQuery(const CompletionQuery& query);

// Checks a SessionQuery: INVALID_ARGUMENT naming `practice_name` unless it is "practices/{id}",
// naming `client_name` when it is set but not a client of that practice.
absl::Status CheckSessionQuery(const SessionQuery& query);

// Checks an EventQuery: INVALID_ARGUMENT naming `practice` unless it is a practice id (not
// empty, no '/'), naming `limit` unless it is 1-1000.
absl::Status CheckEventQuery(const EventQuery& query);

}  // namespace therapy::homework

#endif  // SERVICES_HOMEWORK_STORAGE_RESOURCE_ROWS_H_
