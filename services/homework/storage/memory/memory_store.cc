#include "services/homework/storage/memory/memory_store.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iterator>
#include <limits>
#include <set>
#include <utility>

#include "absl/algorithm/container.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "services/homework/storage/page_token.h"

namespace therapy::homework {
namespace {

// One candidate of a list: its sort key and the resource.
template <typename Resource>
struct Candidate {
  PageCursor key;
  const Resource* resource;
};

// Whether `a` comes before `b` in the order newest first, ties by name descending.
bool NewerFirst(const PageCursor& a, const PageCursor& b) {
  if (a.time_micros != b.time_micros) return a.time_micros > b.time_micros;
  return a.name > b.name;
}

// Cuts one page out of `candidates`, which are sorted by `before`: the items strictly after the
// token's cursor, at most `page.page_size` of them, and the token of the next page if any.
template <typename Resource>
absl::StatusOr<Page<Resource>> TakePage(
    std::vector<Candidate<Resource>> candidates,
    const std::function<bool(const PageCursor&, const PageCursor&)>& before,
    const PageRequest& page, uint64_t fingerprint) {
  absl::StatusOr<std::optional<PageCursor>> after = ReadPageToken(page.page_token, fingerprint);
  if (!after.ok()) return after.status();
  absl::c_sort(candidates, [&](const Candidate<Resource>& a, const Candidate<Resource>& b) {
    return before(a.key, b.key);
  });
  auto it = candidates.begin();
  if (after->has_value()) {
    it = std::upper_bound(candidates.begin(), candidates.end(), **after,
                          [&](const PageCursor& cursor, const Candidate<Resource>& candidate) {
                            return before(cursor, candidate.key);
                          });
  }
  Page<Resource> result;
  const size_t page_size = static_cast<size_t>(std::max(page.page_size, 1));
  for (; it != candidates.end() && result.items.size() < page_size; ++it) {
    result.items.push_back(*it->resource);
  }
  if (it != candidates.end()) {
    result.next_page_token = MakePageToken(fingerprint, std::prev(it)->key);
  }
  return result;
}

// Checks that a Put may be applied to `rows` (a map from name to stored resource).
template <typename Resource, typename Rows>
absl::Status CheckPut(const Put<Resource>& put, const Rows& rows, absl::string_view kind) {
  auto it = rows.find(put.resource.name());
  switch (put.mode) {
    case WriteMode::kInsert:
      if (it != rows.end()) {
        return absl::AlreadyExistsError(
            absl::StrCat(kind, " \"", put.resource.name(), "\" already exists"));
      }
      return absl::OkStatus();
    case WriteMode::kUpdate:
      if (it == rows.end()) {
        return absl::NotFoundError(absl::StrCat(kind, " \"", put.resource.name(), "\" not found"));
      }
      if (it->second.resource.etag() != put.expected_etag) {
        return absl::AbortedError(absl::StrCat(kind, " \"", put.resource.name(),
                                               "\" was changed concurrently (etag mismatch)"));
      }
      return absl::OkStatus();
  }
  return absl::InternalError("unknown WriteMode");
}

// The record as a durable backend returns it: time at microsecond precision.
AuditRecord AsStored(const AuditRecord& record) {
  AuditRecord stored = record;
  stored.time = absl::FromUnixMicros(absl::ToUnixMicros(record.time));
  return stored;
}

EventRecord AsStored(const EventRecord& event, int64_t sequence) {
  EventRecord stored = event;
  stored.sequence = sequence;
  stored.time = absl::FromUnixMicros(absl::ToUnixMicros(event.time));
  return stored;
}

template <typename Stored, typename Resource>
std::optional<Resource> Find(const std::map<std::string, Stored, std::less<>>& rows,
                             absl::string_view name) {
  auto it = rows.find(name);
  if (it == rows.end()) return std::nullopt;
  return it->second.resource;
}

}  // namespace

absl::StatusOr<std::optional<v1::Client>> MemoryStore::GetClient(absl::string_view name) {
  absl::MutexLock lock(&mu_);
  return Find<StoredClient, v1::Client>(clients_, name);
}

absl::StatusOr<std::optional<v1::Assignment>> MemoryStore::GetAssignment(absl::string_view name) {
  absl::MutexLock lock(&mu_);
  return Find<StoredAssignment, v1::Assignment>(assignments_, name);
}

absl::StatusOr<std::optional<v1::Completion>> MemoryStore::GetCompletion(absl::string_view name) {
  absl::MutexLock lock(&mu_);
  return Find<StoredCompletion, v1::Completion>(completions_, name);
}

absl::StatusOr<std::optional<v1::Hierarchy>> MemoryStore::GetHierarchy(absl::string_view name) {
  absl::MutexLock lock(&mu_);
  return Find<StoredHierarchy, v1::Hierarchy>(hierarchies_, name);
}

absl::StatusOr<std::optional<v1::Template>> MemoryStore::GetTemplate(absl::string_view name) {
  absl::MutexLock lock(&mu_);
  return Find<StoredTemplate, v1::Template>(templates_, name);
}

absl::StatusOr<Page<v1::Client>> MemoryStore::ListClients(const ClientQuery& query) {
  absl::MutexLock lock(&mu_);
  std::vector<Candidate<v1::Client>> candidates;
  for (const auto& [name, stored] : clients_) {
    if (stored.row.practice_name != query.practice_name) continue;
    if (query.care_team_member.has_value() &&
        !absl::c_linear_search(stored.resource.care_team(), *query.care_team_member)) {
      continue;
    }
    candidates.push_back({.key = {.time_micros = 0, .name = name}, .resource = &stored.resource});
  }
  return TakePage<v1::Client>(
      std::move(candidates),
      [](const PageCursor& a, const PageCursor& b) { return a.name < b.name; }, query.page,
      QueryFingerprint(query));
}

absl::StatusOr<Page<v1::Assignment>> MemoryStore::ListAssignments(const AssignmentQuery& query) {
  if (absl::Status status = CheckAssignmentScope(query); !status.ok()) return status;
  absl::StatusOr<uint64_t> mask = AssignmentStateMask(query.states);
  if (!mask.ok()) return mask.status();
  // Exactly one of the two is set: compare the row's column of the same kind.
  const bool of_practice = !query.practice_name.empty();
  absl::MutexLock lock(&mu_);
  std::vector<Candidate<v1::Assignment>> candidates;
  for (const auto& [name, stored] : assignments_) {
    if (of_practice ? stored.row.practice_name != query.practice_name
                    : stored.row.client_name != query.client_name) {
      continue;
    }
    if (!StateMatchesMask(stored.row.state, *mask)) continue;
    candidates.push_back({.key = {.time_micros = stored.row.create_micros, .name = name},
                          .resource = &stored.resource});
  }
  return TakePage<v1::Assignment>(std::move(candidates), NewerFirst, query.page,
                                  QueryFingerprint(query));
}

absl::StatusOr<Page<v1::Completion>> MemoryStore::ListCompletions(const CompletionQuery& query) {
  if (absl::Status status = CheckCompletionQuery(query); !status.ok()) return status;
  const int64_t start = query.start_time.has_value() ? absl::ToUnixMicros(*query.start_time)
                                                     : std::numeric_limits<int64_t>::min();
  const int64_t end = query.end_time.has_value() ? absl::ToUnixMicros(*query.end_time)
                                                 : std::numeric_limits<int64_t>::max();
  absl::MutexLock lock(&mu_);
  std::vector<Candidate<v1::Completion>> candidates;
  for (const auto& [name, stored] : completions_) {
    if (stored.row.client_name != query.client_name) continue;
    if (query.assignment_name.has_value() && stored.row.assignment_name != *query.assignment_name) {
      continue;
    }
    if (stored.row.occur_micros < start || stored.row.occur_micros >= end) continue;
    if (query.measures_only && !stored.resource.has_measure()) continue;
    candidates.push_back({.key = {.time_micros = stored.row.occur_micros, .name = name},
                          .resource = &stored.resource});
  }
  return TakePage<v1::Completion>(std::move(candidates), NewerFirst, query.page,
                                  QueryFingerprint(query));
}

absl::StatusOr<Page<v1::Hierarchy>> MemoryStore::ListHierarchies(const HierarchyQuery& query) {
  absl::MutexLock lock(&mu_);
  std::vector<Candidate<v1::Hierarchy>> candidates;
  for (const auto& [name, stored] : hierarchies_) {
    if (stored.row.client_name != query.client_name) continue;
    candidates.push_back({.key = {.time_micros = stored.row.create_micros, .name = name},
                          .resource = &stored.resource});
  }
  return TakePage<v1::Hierarchy>(std::move(candidates), NewerFirst, query.page,
                                 QueryFingerprint(query));
}

absl::StatusOr<Page<v1::Template>> MemoryStore::ListTemplates(const TemplateQuery& query) {
  absl::MutexLock lock(&mu_);
  std::vector<Candidate<v1::Template>> candidates;
  for (const auto& [name, stored] : templates_) {
    if (stored.row.practice_name != query.practice_name) continue;
    candidates.push_back({.key = {.time_micros = 0, .name = name}, .resource = &stored.resource});
  }
  return TakePage<v1::Template>(
      std::move(candidates),
      [](const PageCursor& a, const PageCursor& b) { return a.name < b.name; }, query.page,
      QueryFingerprint(query));
}

absl::StatusOr<std::optional<v1::SafetyFlag>> MemoryStore::GetSafetyFlag(absl::string_view name) {
  absl::MutexLock lock(&mu_);
  return Find<StoredSafetyFlag, v1::SafetyFlag>(safety_flags_, name);
}

absl::StatusOr<Page<v1::SafetyFlag>> MemoryStore::ListSafetyFlags(const SafetyFlagQuery& query) {
  absl::StatusOr<uint64_t> mask = SafetyFlagStateMask(query.states);
  if (!mask.ok()) return mask.status();
  absl::MutexLock lock(&mu_);
  std::vector<Candidate<v1::SafetyFlag>> candidates;
  for (const auto& [name, stored] : safety_flags_) {
    if (stored.row.client_name != query.client_name) continue;
    if (!StateMatchesMask(stored.row.state, *mask)) continue;
    candidates.push_back({.key = {.time_micros = stored.row.raise_micros, .name = name},
                          .resource = &stored.resource});
  }
  return TakePage<v1::SafetyFlag>(std::move(candidates), NewerFirst, query.page,
                                  QueryFingerprint(query));
}

absl::StatusOr<Caseload> MemoryStore::ReadCaseload(const CaseloadQuery& query) {
  absl::StatusOr<CheckedCaseloadQuery> checked = CheckCaseloadQuery(query);
  if (!checked.ok()) return checked.status();
  const int64_t start = absl::ToUnixMicros(query.recent_start);
  const int64_t end = absl::ToUnixMicros(query.recent_end);
  absl::MutexLock lock(&mu_);
  Caseload caseload;
  std::set<std::string, std::less<>> names;
  for (const auto& [name, stored] : clients_) {
    if (stored.row.practice_name != query.practice_name ||
        !absl::c_linear_search(stored.resource.care_team(), query.care_team_member)) {
      continue;
    }
    names.insert(name);
    caseload.clients.push_back(stored.resource);
  }
  for (const auto& [name, stored] : assignments_) {
    if (names.count(stored.row.client_name) > 0 &&
        StateMatchesMask(stored.row.state, checked->assignment_mask)) {
      caseload.assignments.push_back(stored.resource);
    }
  }
  for (const auto& [name, stored] : completions_) {
    if (names.count(stored.row.client_name) == 0 || stored.row.occur_micros >= end) continue;
    if (stored.row.occur_micros >= start || stored.row.is_measure) {
      caseload.completions.push_back(stored.resource);
    }
  }
  for (const auto& [name, stored] : safety_flags_) {
    if (names.count(stored.row.client_name) > 0 &&
        StateMatchesMask(stored.row.state, checked->flag_mask)) {
      caseload.safety_flags.push_back(stored.resource);
    }
  }
  return caseload;
}

absl::StatusOr<std::vector<v1::SafetyFlag>> MemoryStore::ListSafetyFlagsToEscalate(
    absl::Time due_by, int limit) {
  if (absl::Status status = CheckEscalationLimit(limit); !status.ok()) return status;
  const int64_t due_micros = absl::ToUnixMicros(due_by);
  absl::MutexLock lock(&mu_);
  std::vector<const StoredSafetyFlag*> due;
  for (const auto& [name, stored] : safety_flags_) {
    if (stored.row.escalation_due_micros && *stored.row.escalation_due_micros <= due_micros) {
      due.push_back(&stored);
    }
  }
  absl::c_sort(due, [](const StoredSafetyFlag* a, const StoredSafetyFlag* b) {
    return std::tie(*a->row.escalation_due_micros, a->resource.name()) <
           std::tie(*b->row.escalation_due_micros, b->resource.name());
  });
  std::vector<v1::SafetyFlag> flags;
  for (size_t i = 0; i < due.size() && i < static_cast<size_t>(limit); ++i) {
    flags.push_back(due[i]->resource);
  }
  return flags;
}

absl::StatusOr<std::optional<v1::Session>> MemoryStore::GetSession(absl::string_view name) {
  absl::MutexLock lock(&mu_);
  return Find<StoredSession, v1::Session>(sessions_, name);
}

absl::StatusOr<Page<v1::Session>> MemoryStore::ListSessions(const SessionQuery& query) {
  if (absl::Status status = CheckSessionQuery(query); !status.ok()) return status;
  absl::MutexLock lock(&mu_);
  std::vector<Candidate<v1::Session>> candidates;
  for (const auto& [name, stored] : sessions_) {
    if (stored.row.practice_name != query.practice_name) continue;
    if (query.client_name && stored.row.client_name != *query.client_name) continue;
    candidates.push_back({.key = {.time_micros = stored.row.start_micros, .name = name},
                          .resource = &stored.resource});
  }
  return TakePage<v1::Session>(std::move(candidates), NewerFirst, query.page,
                               QueryFingerprint(query));
}

absl::StatusOr<std::optional<IdempotentResult>> MemoryStore::FindIdempotentResult(
    const IdempotencyKey& key) {
  absl::MutexLock lock(&mu_);
  auto it = idempotent_results_.find({key.actor, key.method, key.request_id});
  if (it == idempotent_results_.end()) return std::nullopt;
  return it->second;
}

absl::StatusOr<CommitOutcome> MemoryStore::Commit(const Mutation& mutation) {
  // Everything that can fail is checked before anything is written.
  absl::StatusOr<MutationRows> rows = RowsOf(mutation);
  if (!rows.ok()) return rows.status();

  absl::MutexLock lock(&mu_);
  // The key first: a retry that lost a race must replay the first result, even when its own
  // write would also collide with the first one's.
  std::optional<IdempotencyTuple> key;
  if (mutation.idempotency.has_value()) {
    key.emplace(mutation.idempotency->actor, mutation.idempotency->method,
                mutation.idempotency->request_id);
    if (idempotent_results_.contains(*key)) return CommitOutcome::kDuplicateRequest;
  }
  if (mutation.assignment_read.has_value()) {
    auto it = assignments_.find(mutation.assignment_read->name);
    if (it == assignments_.end() || it->second.resource.etag() != mutation.assignment_read->etag) {
      return ReadChanged(mutation.assignment_read->name);
    }
  }
  if (mutation.client.has_value()) {
    if (absl::Status status = CheckPut(*mutation.client, clients_, "client"); !status.ok()) {
      return status;
    }
  }
  if (mutation.assignment.has_value()) {
    if (absl::Status status = CheckPut(*mutation.assignment, assignments_, "assignment");
        !status.ok()) {
      return status;
    }
  }
  if (mutation.completion.has_value()) {
    if (absl::Status status = CheckPut(*mutation.completion, completions_, "completion");
        !status.ok()) {
      return status;
    }
  }
  if (mutation.hierarchy.has_value()) {
    if (absl::Status status = CheckPut(*mutation.hierarchy, hierarchies_, "hierarchy");
        !status.ok()) {
      return status;
    }
  }
  if (mutation.practice_template.has_value()) {
    if (absl::Status status = CheckPut(*mutation.practice_template, templates_, "template");
        !status.ok()) {
      return status;
    }
  }
  if (mutation.safety_flag.has_value()) {
    if (absl::Status status = CheckPut(*mutation.safety_flag, safety_flags_, "safety flag");
        !status.ok()) {
      return status;
    }
  }
  if (mutation.session.has_value()) {
    if (absl::Status status = CheckPut(*mutation.session, sessions_, "session"); !status.ok()) {
      return status;
    }
  }

  if (mutation.client.has_value()) {
    clients_.insert_or_assign(mutation.client->resource.name(),
                              StoredClient{mutation.client->resource, *rows->client});
  }
  if (mutation.assignment.has_value()) {
    assignments_.insert_or_assign(
        mutation.assignment->resource.name(),
        StoredAssignment{mutation.assignment->resource, *rows->assignment});
  }
  if (mutation.completion.has_value()) {
    completions_.insert_or_assign(
        mutation.completion->resource.name(),
        StoredCompletion{mutation.completion->resource, *rows->completion});
  }
  if (mutation.hierarchy.has_value()) {
    hierarchies_.insert_or_assign(mutation.hierarchy->resource.name(),
                                  StoredHierarchy{mutation.hierarchy->resource, *rows->hierarchy});
  }
  if (mutation.practice_template.has_value()) {
    templates_.insert_or_assign(
        mutation.practice_template->resource.name(),
        StoredTemplate{mutation.practice_template->resource, *rows->practice_template});
  }
  if (mutation.safety_flag.has_value()) {
    safety_flags_.insert_or_assign(
        mutation.safety_flag->resource.name(),
        StoredSafetyFlag{mutation.safety_flag->resource, *rows->safety_flag});
  }
  if (mutation.session.has_value()) {
    sessions_.insert_or_assign(mutation.session->resource.name(),
                               StoredSession{mutation.session->resource, *rows->session});
  }
  if (key.has_value()) {
    idempotent_results_.emplace(*std::move(key), IdempotentResult{mutation.idempotent_result,
                                                                  mutation.request_fingerprint});
  }
  for (const EventRecord& event : mutation.events) {
    events_.push_back(AsStored(event, ++last_event_sequence_));
  }
  audit_log_.push_back(AsStored(mutation.audit));
  return CommitOutcome::kCommitted;
}

absl::StatusOr<std::vector<EventRecord>> MemoryStore::ListEvents(const EventQuery& query) {
  if (absl::Status status = CheckEventQuery(query); !status.ok()) return status;
  absl::MutexLock lock(&mu_);
  std::vector<EventRecord> events;
  auto it = std::upper_bound(
      events_.begin(), events_.end(), query.after_sequence,
      [](int64_t sequence, const EventRecord& event) { return sequence < event.sequence; });
  for (; it != events_.end() && static_cast<int>(events.size()) < query.limit; ++it) {
    if (it->practice != query.practice) continue;
    if (query.client_name.has_value() && it->client != *query.client_name) continue;
    events.push_back(*it);
  }
  return events;
}

absl::StatusOr<int64_t> MemoryStore::LatestEventSequence() {
  absl::MutexLock lock(&mu_);
  return events_.empty() ? 0 : events_.back().sequence;
}

absl::Status MemoryStore::AppendAudit(const AuditRecord& record) {
  absl::MutexLock lock(&mu_);
  audit_log_.push_back(AsStored(record));
  return absl::OkStatus();
}

absl::StatusOr<std::vector<AuditRecord>> MemoryStore::ListAudit(absl::string_view resource_prefix,
                                                                int limit) {
  absl::MutexLock lock(&mu_);
  std::vector<AuditRecord> records;
  for (const AuditRecord& record : audit_log_) {
    if (static_cast<int>(records.size()) >= limit) break;
    if (absl::StartsWith(record.resource, resource_prefix)) records.push_back(record);
  }
  return records;
}

}  // namespace therapy::homework
