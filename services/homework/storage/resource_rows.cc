#include "services/homework/storage/resource_rows.h"

#include <cstddef>
#include <initializer_list>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"

namespace therapy::homework {
namespace {

// Splits `name` into segments and checks it against `collections`, the collection ids at the
// even positions ("practices", "clients", ...). Returns the segments, or INVALID_ARGUMENT.
absl::StatusOr<std::vector<absl::string_view>> SplitName(
    absl::string_view name, std::initializer_list<absl::string_view> collections) {
  std::vector<absl::string_view> segments = absl::StrSplit(name, '/');
  bool matches = segments.size() == 2 * collections.size();
  size_t i = 0;
  for (absl::string_view collection : collections) {
    if (!matches) break;
    matches = segments[i] == collection && !segments[i + 1].empty();
    i += 2;
  }
  if (!matches) {
    std::vector<std::string> pattern;
    for (absl::string_view collection : collections) {
      pattern.push_back(absl::StrCat(collection, "/{id}"));
    }
    return absl::InvalidArgumentError(
        absl::StrCat("name \"", name, "\" does not have the form ", absl::StrJoin(pattern, "/")));
  }
  return segments;
}

// The first `count` segments joined again: the name of an ancestor.
std::string Prefix(const std::vector<absl::string_view>& segments, size_t count) {
  return absl::StrJoin(segments.begin(), segments.begin() + static_cast<std::ptrdiff_t>(count),
                       "/");
}

}  // namespace

int64_t UnixMicros(const google::protobuf::Timestamp& time) {
  // Timestamps are normalised (0 <= nanos < 1e9), so integer division rounds down.
  return time.seconds() * 1'000'000 + time.nanos() / 1'000;
}

absl::StatusOr<ClientRow> ClientRowOf(const v1::Client& client) {
  absl::StatusOr<std::vector<absl::string_view>> segments =
      SplitName(client.name(), {"practices", "clients"});
  if (!segments.ok()) return segments.status();
  return ClientRow{
      .practice_name = Prefix(*segments, 2),
      .create_micros = UnixMicros(client.create_time()),
  };
}

absl::StatusOr<AssignmentRow> AssignmentRowOf(const v1::Assignment& assignment) {
  absl::StatusOr<std::vector<absl::string_view>> segments =
      SplitName(assignment.name(), {"practices", "clients", "assignments"});
  if (!segments.ok()) return segments.status();
  return AssignmentRow{
      .practice_name = Prefix(*segments, 2),
      .client_name = Prefix(*segments, 4),
      .create_micros = UnixMicros(assignment.create_time()),
      .state = assignment.state(),
  };
}

absl::StatusOr<CompletionRow> CompletionRowOf(const v1::Completion& completion) {
  absl::StatusOr<std::vector<absl::string_view>> segments =
      SplitName(completion.name(), {"practices", "clients", "assignments", "completions"});
  if (!segments.ok()) return segments.status();
  return CompletionRow{
      .client_name = Prefix(*segments, 4),
      .assignment_name = Prefix(*segments, 6),
      .occur_micros = UnixMicros(completion.occur_time()),
      .is_measure = completion.has_measure(),
  };
}

absl::StatusOr<HierarchyRow> HierarchyRowOf(const v1::Hierarchy& hierarchy) {
  absl::StatusOr<std::vector<absl::string_view>> segments =
      SplitName(hierarchy.name(), {"practices", "clients", "hierarchies"});
  if (!segments.ok()) return segments.status();
  return HierarchyRow{
      .client_name = Prefix(*segments, 4),
      .create_micros = UnixMicros(hierarchy.create_time()),
  };
}

absl::StatusOr<TemplateRow> TemplateRowOf(const v1::Template& practice_template) {
  absl::StatusOr<std::vector<absl::string_view>> segments =
      SplitName(practice_template.name(), {"practices", "templates"});
  if (!segments.ok()) return segments.status();
  return TemplateRow{.practice_name = Prefix(*segments, 2)};
}

absl::StatusOr<SafetyFlagRow> SafetyFlagRowOf(const v1::SafetyFlag& flag) {
  absl::StatusOr<std::vector<absl::string_view>> segments =
      SplitName(flag.name(), {"practices", "clients", "safetyFlags"});
  if (!segments.ok()) return segments.status();
  SafetyFlagRow row{
      .practice_name = Prefix(*segments, 2),
      .client_name = Prefix(*segments, 4),
      .raise_micros = UnixMicros(flag.raise_time()),
      .state = flag.state(),
  };
  if (flag.state() == v1::SafetyFlag::STATE_OPEN && !flag.has_escalate_time()) {
    row.escalation_due_micros = UnixMicros(flag.escalation_due_time());
  }
  return row;
}

absl::StatusOr<SessionRow> SessionRowOf(const v1::Session& session) {
  absl::StatusOr<std::vector<absl::string_view>> segments =
      SplitName(session.name(), {"practices", "sessions"});
  if (!segments.ok()) return segments.status();
  absl::StatusOr<std::vector<absl::string_view>> client =
      SplitName(session.client(), {"practices", "clients"});
  if (!client.ok() || (*client)[1] != (*segments)[1]) {
    return absl::InvalidArgumentError("client is not a client of the session's practice");
  }
  return SessionRow{
      .practice_name = Prefix(*segments, 2),
      .client_name = session.client(),
      .start_micros = UnixMicros(session.start_time()),
      .state = session.state(),
  };
}

absl::Status CheckSessionQuery(const SessionQuery& query) {
  absl::StatusOr<std::vector<absl::string_view>> practice =
      SplitName(query.practice_name, {"practices"});
  if (!practice.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("practice_name \"", query.practice_name,
                                                   "\" does not have the form practices/{id}"));
  }
  if (query.client_name.has_value()) {
    absl::StatusOr<std::vector<absl::string_view>> client =
        SplitName(*query.client_name, {"practices", "clients"});
    if (!client.ok() || (*client)[1] != (*practice)[1]) {
      return absl::InvalidArgumentError(
          "client_name is not of the form practices/{id}/clients/{id} in practice_name");
    }
  }
  return absl::OkStatus();
}

namespace {

// The states of a query as a bit set; `is_valid` is the enum's generated check, `type` its name
// for the message.
template <typename State>
absl::StatusOr<uint64_t> StateMask(const std::vector<State>& states, bool (*is_valid)(int),
                                   absl::string_view type) {
  uint64_t mask = 0;
  for (State state : states) {
    if (!is_valid(state)) {
      return absl::InvalidArgumentError(
          absl::StrCat("states contains ", static_cast<int>(state), ", not ", type));
    }
    mask |= uint64_t{1} << state;
  }
  return mask;
}

}  // namespace

absl::StatusOr<uint64_t> SafetyFlagStateMask(const std::vector<v1::SafetyFlag::State>& states) {
  return StateMask(states, &v1::SafetyFlag::State_IsValid, "a SafetyFlag.State");
}

absl::Status CheckEscalationLimit(int limit) {
  if (limit < 1 || limit > 1000) {
    return absl::InvalidArgumentError(absl::StrCat("limit must be 1-1000, got ", limit));
  }
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> AssignmentStateMask(const std::vector<v1::Assignment::State>& states) {
  return StateMask(states, &v1::Assignment::State_IsValid, "an Assignment.State");
}

bool StateMatchesMask(int state, uint64_t mask) {
  if (mask == 0) return true;
  return state >= 0 && state < 64 && ((mask >> state) & 1) != 0;
}

absl::Status CheckAssignmentScope(const AssignmentQuery& query) {
  if (query.client_name.empty() == query.practice_name.empty()) {
    return absl::InvalidArgumentError(
        "client_name: set exactly one of client_name (one client's assignments) and "
        "practice_name (every client's of the practice)");
  }
  if (!query.practice_name.empty() && !SplitName(query.practice_name, {"practices"}).ok()) {
    return absl::InvalidArgumentError(absl::StrCat("practice_name \"", query.practice_name,
                                                   "\" does not have the form practices/{id}"));
  }
  return absl::OkStatus();
}

absl::Status CheckCompletionQuery(const CompletionQuery& query) {
  if (query.measures_only && query.assignment_name.has_value()) {
    return absl::InvalidArgumentError(
        "measures_only: a list of measures is of the whole client, not of one assignment "
        "(leave assignment_name unset)");
  }
  return absl::OkStatus();
}

absl::StatusOr<CheckedCaseloadQuery> CheckCaseloadQuery(const CaseloadQuery& query) {
  CheckedCaseloadQuery checked;
  absl::StatusOr<uint64_t> assignments = AssignmentStateMask(query.assignment_states);
  if (!assignments.ok()) return assignments.status();
  absl::StatusOr<uint64_t> flags = SafetyFlagStateMask(query.flag_states);
  if (!flags.ok()) return flags.status();
  if (!SplitName(query.practice_name, {"practices"}).ok()) {
    return absl::InvalidArgumentError(absl::StrCat("practice_name \"", query.practice_name,
                                                   "\" does not have the form practices/{id}"));
  }
  if (query.recent_end <= query.recent_start) {
    return absl::InvalidArgumentError("recent_end must be after recent_start");
  }
  checked.assignment_mask = *assignments;
  checked.flag_mask = *flags;
  checked.clients_from = absl::StrCat(query.practice_name, "/clients/");
  // '0' follows '/' in byte order.
  checked.clients_to = absl::StrCat(query.practice_name, "/clients0");
  return checked;
}

absl::Status CheckEventQuery(const EventQuery& query) {
  if (query.practice.empty() || absl::StrContains(query.practice, '/')) {
    return absl::InvalidArgumentError(absl::StrCat(
        "practice \"", query.practice, "\" is not a practice id (the {id} of practices/{id})"));
  }
  if (query.limit < 1 || query.limit > 1000) {
    return absl::InvalidArgumentError(absl::StrCat("limit ", query.limit, " is outside 1-1000"));
  }
  return absl::OkStatus();
}

namespace {

template <typename Row, typename Resource, typename Derive>
absl::Status DeriveRow(const std::optional<Put<Resource>>& put, const Derive& derive,
                       std::optional<Row>& row) {
  if (!put.has_value()) return absl::OkStatus();
  absl::StatusOr<Row> derived = derive(put->resource);
  if (!derived.ok()) return derived.status();
  row = *std::move(derived);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<MutationRows> RowsOf(const Mutation& mutation) {
  MutationRows rows;
  absl::Status status = DeriveRow(mutation.client, ClientRowOf, rows.client);
  if (status.ok()) status = DeriveRow(mutation.assignment, AssignmentRowOf, rows.assignment);
  if (status.ok()) status = DeriveRow(mutation.completion, CompletionRowOf, rows.completion);
  if (status.ok()) status = DeriveRow(mutation.hierarchy, HierarchyRowOf, rows.hierarchy);
  if (status.ok()) {
    status = DeriveRow(mutation.practice_template, TemplateRowOf, rows.practice_template);
  }
  if (status.ok()) status = DeriveRow(mutation.safety_flag, SafetyFlagRowOf, rows.safety_flag);
  if (status.ok()) status = DeriveRow(mutation.session, SessionRowOf, rows.session);
  if (!status.ok()) return status;
  return rows;
}

}  // namespace therapy::homework
