// ListAttentionItems: the clients of a therapist's caseload who need attention now, most urgent
// first, each with its reasons (attention.h). Computed on request from the stored data.

#include <algorithm>
#include <iterator>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/homework/core/homework.h"
#include "services/homework/core/homework_internal.h"
#include "services/homework/core/model/proto_time.h"
#include "services/homework/core/rules/attention.h"
#include "services/homework/storage/page_token.h"

namespace therapy::homework {
namespace {

v1::AttentionReason::Kind ToProto(AttentionKind kind) {
  switch (kind) {
    case AttentionKind::kFlagEscalated:
      return v1::AttentionReason::KIND_FLAG_ESCALATED;
    case AttentionKind::kFlagOpen:
      return v1::AttentionReason::KIND_FLAG_OPEN;
    case AttentionKind::kReliableDeterioration:
      return v1::AttentionReason::KIND_RELIABLE_DETERIORATION;
    case AttentionKind::kRepeatedHighPeak:
      return v1::AttentionReason::KIND_REPEATED_HIGH_PEAK;
    case AttentionKind::kNoReliableImprovement:
      return v1::AttentionReason::KIND_NO_RELIABLE_IMPROVEMENT;
    case AttentionKind::kLowAdherence:
      return v1::AttentionReason::KIND_LOW_ADHERENCE;
    case AttentionKind::kExposureNotPractised:
      return v1::AttentionReason::KIND_EXPOSURE_NOT_PRACTISED;
    case AttentionKind::kRepeatedSkipReason:
      return v1::AttentionReason::KIND_REPEATED_SKIP_REASON;
    case AttentionKind::kNothingSinceSession:
      return v1::AttentionReason::KIND_NOTHING_SINCE_SESSION;
    case AttentionKind::kMeasureOverdue:
      return v1::AttentionReason::KIND_MEASURE_OVERDUE;
  }
  return v1::AttentionReason::KIND_UNSPECIFIED;
}

// The list's order as a page cursor: the most urgent reason first, then more reasons first, then
// the client's name. Smaller sorts first.
PageCursor SortKey(const std::vector<AttentionReason>& reasons, const std::string& client) {
  const int64_t top = static_cast<int64_t>(reasons.front().kind);
  const int64_t count = std::min<int64_t>(static_cast<int64_t>(reasons.size()), 999);
  return PageCursor{.time_micros = top * 1000 + (999 - count), .name = client};
}

// Newest create_time first, ties by name descending: ListAssignments' order.
template <typename Resource>
bool NewestFirst(const Resource& a, const Resource& b) {
  return std::pair(FromProtoTime(a.create_time()), a.name()) >
         std::pair(FromProtoTime(b.create_time()), b.name());
}

bool Before(const PageCursor& a, const PageCursor& b) {
  return a.time_micros != b.time_micros ? a.time_micros < b.time_micros : a.name < b.name;
}

}  // namespace

absl::StatusOr<v1::ListAttentionItemsResponse> Homework::ListAttentionItems(
    const Caller& caller, const v1::ListAttentionItemsRequest& request) {
  constexpr absl::string_view kMethod = "ListAttentionItems";
  ASSIGN_OR_RETURN(PracticeName parent, ParsePracticeName("parent", request.parent()));
  ASSIGN_OR_RETURN(int page_size, ValidatePageSize(request.page_size()));
  std::string therapist = request.therapist();
  if (caller.role == Role::kTherapist) {
    if (!therapist.empty() && therapist != caller.subject) {
      return InvalidField("therapist", "a therapist lists their own caseload: leave it empty");
    }
    therapist = caller.subject;
  } else if (therapist.empty() || !IsValidResourceId(therapist)) {
    return InvalidField("therapist", "required for service and admin callers: a therapist's id");
  }
  RETURN_IF_ERROR(
      AuthorizePractice(caller, Action::kListClients, parent, kMethod, parent.Format()));
  const ClientQuery caseload{.practice_name = parent.Format(), .care_team_member = therapist};
  // Its own kind of token: the caseload's fingerprint, moved so a ListClients token is refused.
  const uint64_t fingerprint = QueryFingerprint(caseload) ^ 0x6174746e6c697374ULL;
  absl::StatusOr<std::optional<PageCursor>> after =
      ReadPageToken(request.page_token(), fingerprint);
  if (!after.ok()) return ListStatus(after.status());

  auto list = [&]() -> absl::StatusOr<v1::ListAttentionItemsResponse> {
    const absl::Time now = options_.now();
    const PracticePolicy policy = options_.practice_policy(parent.practice);
    const AttentionThresholds& limits = policy.attention;
    // The whole caseload in one read per kind (Store::ReadCaseload): the recent completions, and
    // before them only the measures, whose first totals are the baselines.
    ASSIGN_OR_RETURN(
        Caseload loaded,
        store_.ReadCaseload(CaseloadQuery{
            .practice_name = caseload.practice_name,
            .care_team_member = therapist,
            .assignment_states = {v1::Assignment::STATE_ACTIVE},
            .flag_states = {v1::SafetyFlag::STATE_OPEN, v1::SafetyFlag::STATE_ACKNOWLEDGED},
            .recent_start = now - AttentionLookback(limits),
            .recent_end = now + absl::Minutes(10)}));
    std::map<std::string, AttentionInput> inputs;
    for (v1::Client& client : loaded.clients) {
      const std::string name = client.name();
      inputs[name].client = std::move(client);
    }
    // Resource names start with their client's name: "practices/{p}/clients/{c}/...".
    auto input_of = [&](const std::string& name) -> AttentionInput* {
      const size_t end = name.find('/', name.find("/clients/") + 9);
      auto it = inputs.find(name.substr(0, end));
      return it == inputs.end() ? nullptr : &it->second;
    };
    for (v1::Assignment& assignment : loaded.assignments) {
      if (AttentionInput* input = input_of(assignment.name())) {
        input->assignments.push_back(std::move(assignment));
      }
    }
    for (v1::Completion& completion : loaded.completions) {
      if (AttentionInput* input = input_of(completion.name())) {
        input->completions.push_back(std::move(completion));
      }
    }
    for (v1::SafetyFlag& flag : loaded.safety_flags) {
      if (AttentionInput* input = input_of(flag.name())) input->flags.push_back(std::move(flag));
    }
    struct Entry {
      PageCursor key;
      v1::AttentionItem item;
    };
    std::vector<Entry> entries;
    for (auto& [client_name, input] : inputs) {
      // The orders the per-client lists gave (newest first, ties by name descending), so
      // reasons of one kind keep their order.
      std::sort(input.assignments.begin(), input.assignments.end(), NewestFirst<v1::Assignment>);
      std::sort(input.flags.begin(), input.flags.end(), [](const auto& a, const auto& b) {
        return std::pair(FromProtoTime(a.raise_time()), a.name()) >
               std::pair(FromProtoTime(b.raise_time()), b.name());
      });
      const v1::Client& client = input.client;
      ASSIGN_OR_RETURN(std::vector<AttentionReason> reasons,
                       AttentionReasons(input, policy.measures, limits, now));
      if (reasons.empty()) continue;
      Entry& entry = entries.emplace_back();
      entry.key = SortKey(reasons, client.name());
      entry.item.set_client(client.name());
      entry.item.set_display_name(client.display_name());
      for (const AttentionReason& reason : reasons) {
        v1::AttentionReason* proto = entry.item.add_reasons();
        proto->set_kind(ToProto(reason.kind));
        proto->set_detail(reason.detail);
        proto->set_resource(reason.resource);
        proto->set_value(reason.value);
        proto->set_threshold(reason.threshold);
      }
    }
    std::sort(entries.begin(), entries.end(),
              [](const Entry& a, const Entry& b) { return Before(a.key, b.key); });
    auto it = entries.begin();
    if (after->has_value()) {
      it = std::upper_bound(
          entries.begin(), entries.end(), **after,
          [](const PageCursor& cursor, const Entry& entry) { return Before(cursor, entry.key); });
    }
    v1::ListAttentionItemsResponse response;
    for (; it != entries.end() && response.attention_items_size() < page_size; ++it) {
      *response.add_attention_items() = std::move(it->item);
    }
    if (it != entries.end()) {
      response.set_next_page_token(MakePageToken(fingerprint, std::prev(it)->key));
    }
    *response.mutable_compute_time() = ToProtoTime(now);
    return response;
  };
  absl::StatusOr<v1::ListAttentionItemsResponse> response = list();
  RETURN_IF_ERROR(Audit(caller, kMethod, parent.Format(), response.status()));
  return response;
}

}  // namespace therapy::homework
