#include "services/homework/storage/postgres/postgres_store.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <iterator>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/homework/core/model/text.h"
#include "services/homework/storage/page_token.h"
#include "services/homework/storage/postgres/connection.h"
#include "services/homework/storage/postgres/connection_pool.h"
#include "services/homework/storage/postgres/migrations.h"
#include "services/homework/storage/resource_rows.h"

namespace therapy::homework {
namespace {

using postgres::Connection;
using postgres::ConnectionPool;
using postgres::Param;
using postgres::Result;
using postgres::Sql;
using postgres::Statement;
using postgres::Transaction;

// ---- The SQL. Times are microseconds since the Unix epoch; `data` is the serialized proto.
// Parameters are positional; each statement's comment lists them. ----

// Every resource table's point read, existence check, insert and update take the same first
// parameters: $1 name, then (writes) $2 etag, $3 data; an update's $4 is the etag the stored
// row must still have; the row's other columns follow in the order listed. An insert whose name
// is taken fails with unique_violation, which aborts its transaction: a write that only inserts
// can then send its COMMIT with its statements (WritePlan).

// $1 name.
constexpr Sql kSelectClient{"read client", "SELECT data FROM clients WHERE name = $1"};
constexpr Sql kClientExists{"find client", "SELECT 1 FROM clients WHERE name = $1"};
// $1 name, $2 etag, $3 data, $4 practice_name, $5 create_time.
constexpr Sql kInsertClient{"insert client", R"sql(
  INSERT INTO clients (name, etag, data, practice_name, create_time)
  VALUES ($1, $2, $3, $4, $5)
)sql"};
// $1 name, $2 etag, $3 data, $4 expected etag, $5 practice_name, $6 create_time.
constexpr Sql kUpdateClient{"update client", R"sql(
  UPDATE clients SET etag = $2, data = $3, practice_name = $5, create_time = $6
  WHERE name = $1 AND etag = $4
)sql"};
// $1 client name.
constexpr Sql kDeleteCareTeam{"clear care team", R"sql(
  DELETE FROM client_care_team WHERE client_name = $1
)sql"};
// $1 member, $2 client name. A member listed twice is stored once.
constexpr Sql kInsertCareTeamMember{"insert care team member", R"sql(
  INSERT INTO client_care_team (member, client_name) VALUES ($1, $2)
  ON CONFLICT DO NOTHING
)sql"};
// Both client lists walk an index in name order from the cursor (the last name of the previous
// page, '' for the first) and fetch one row more than the page to learn whether another page
// follows. $1 practice_name, $2 after name, $3 limit.
constexpr Sql kListClients{"list clients", R"sql(
  SELECT data FROM clients
  WHERE practice_name = $1 AND name > $2
  ORDER BY name
  LIMIT $3
)sql"};
// $1 member, $2 after name, $3 practice_name, $4 limit.
constexpr Sql kListClientsOfMember{"list clients of care team member", R"sql(
  SELECT clients.data FROM client_care_team
  JOIN clients ON clients.name = client_care_team.client_name
  WHERE client_care_team.member = $1 AND client_care_team.client_name > $2
    AND clients.practice_name = $3
  ORDER BY client_care_team.client_name
  LIMIT $4
)sql"};

constexpr Sql kSelectAssignment{"read assignment", "SELECT data FROM assignments WHERE name = $1"};
constexpr Sql kAssignmentExists{"find assignment", "SELECT 1 FROM assignments WHERE name = $1"};
// $1 name, $2 etag, $3 data, $4 practice_name, $5 client_name, $6 state, $7 create_time.
constexpr Sql kInsertAssignment{"insert assignment", R"sql(
  INSERT INTO assignments (name, etag, data, practice_name, client_name, state, create_time)
  VALUES ($1, $2, $3, $4, $5, $6, $7)
)sql"};
// $1 name, $2 etag, $3 data, $4 expected etag, $5 practice_name, $6 client_name, $7 state,
// $8 create_time.
constexpr Sql kUpdateAssignment{"update assignment", R"sql(
  UPDATE assignments
  SET etag = $2, data = $3, practice_name = $5, client_name = $6, state = $7, create_time = $8
  WHERE name = $1 AND etag = $4
)sql"};
// Newest first from the cursor ($2 time, $3 name), which is (max int64, '') for the first page.
// $4 has bit n set for each state n asked for; 0 means every state. $1 client_name, $5 limit.
constexpr Sql kListAssignments{"list assignments", R"sql(
  SELECT data, create_time FROM assignments
  WHERE client_name = $1
    AND (create_time, name) < ($2, $3)
    AND ($4 = 0 OR (state BETWEEN 0 AND 62 AND (($4 >> state) & 1) = 1))
  ORDER BY create_time DESC, name DESC
  LIMIT $5
)sql"};
// The same for every client of a practice, along assignments_by_practice. $1 practice_name.
constexpr Sql kListAssignmentsOfPractice{"list assignments of practice", R"sql(
  SELECT data, create_time FROM assignments
  WHERE practice_name = $1
    AND (create_time, name) < ($2, $3)
    AND ($4 = 0 OR (state BETWEEN 0 AND 62 AND (($4 >> state) & 1) = 1))
  ORDER BY create_time DESC, name DESC
  LIMIT $5
)sql"};

constexpr Sql kSelectCompletion{"read completion", "SELECT data FROM completions WHERE name = $1"};
constexpr Sql kCompletionExists{"find completion", "SELECT 1 FROM completions WHERE name = $1"};
// $1 name, $2 etag, $3 data, $4 client_name, $5 assignment_name, $6 occur_time, $7 is_measure.
constexpr Sql kInsertCompletion{"insert completion", R"sql(
  INSERT INTO completions (name, etag, data, client_name, assignment_name, occur_time, is_measure)
  VALUES ($1, $2, $3, $4, $5, $6, $7)
)sql"};
// $1 name, $2 etag, $3 data, $4 expected etag, $5 client_name, $6 assignment_name,
// $7 occur_time, $8 is_measure.
constexpr Sql kUpdateCompletion{"update completion", R"sql(
  UPDATE completions
  SET etag = $2, data = $3, client_name = $5, assignment_name = $6, occur_time = $7,
      is_measure = $8
  WHERE name = $1 AND etag = $4
)sql"};
// Newest first from the cursor ($3 time, $4 name) as in kListAssignments, down to $2
// start_time. The end of the window is part of the cursor (see NewestFirstKey), so one index
// range does both. $1 client_name, $5 limit.
constexpr Sql kListCompletionsOfClient{"list completions of client", R"sql(
  SELECT data, occur_time FROM completions
  WHERE client_name = $1
    AND occur_time >= $2
    AND (occur_time, name) < ($3, $4)
  ORDER BY occur_time DESC, name DESC
  LIMIT $5
)sql"};
// The same for one assignment. $6 assignment_name.
constexpr Sql kListCompletionsOfAssignment{"list completions of assignment", R"sql(
  SELECT data, occur_time FROM completions
  WHERE assignment_name = $6 AND client_name = $1
    AND occur_time >= $2
    AND (occur_time, name) < ($3, $4)
  ORDER BY occur_time DESC, name DESC
  LIMIT $5
)sql"};
// Only measure completions, along the partial index completions_measures_by_client (its
// condition verbatim). Parameters as kListCompletionsOfClient.
constexpr Sql kListMeasuresOfClient{"list measure completions of client", R"sql(
  SELECT data, occur_time FROM completions
  WHERE client_name = $1 AND is_measure IS DISTINCT FROM 0
    AND occur_time >= $2
    AND (occur_time, name) < ($3, $4)
  ORDER BY occur_time DESC, name DESC
  LIMIT $5
)sql"};

constexpr Sql kSelectHierarchy{"read hierarchy", "SELECT data FROM hierarchies WHERE name = $1"};
constexpr Sql kHierarchyExists{"find hierarchy", "SELECT 1 FROM hierarchies WHERE name = $1"};
// $1 name, $2 etag, $3 data, $4 client_name, $5 create_time.
constexpr Sql kInsertHierarchy{"insert hierarchy", R"sql(
  INSERT INTO hierarchies (name, etag, data, client_name, create_time)
  VALUES ($1, $2, $3, $4, $5)
)sql"};
// $1 name, $2 etag, $3 data, $4 expected etag, $5 client_name, $6 create_time.
constexpr Sql kUpdateHierarchy{"update hierarchy", R"sql(
  UPDATE hierarchies SET etag = $2, data = $3, client_name = $5, create_time = $6
  WHERE name = $1 AND etag = $4
)sql"};
// Newest first from the cursor as in kListAssignments. $1 client_name, $2 after time,
// $3 after name, $4 limit.
constexpr Sql kListHierarchies{"list hierarchies", R"sql(
  SELECT data, create_time FROM hierarchies
  WHERE client_name = $1
    AND (create_time, name) < ($2, $3)
  ORDER BY create_time DESC, name DESC
  LIMIT $4
)sql"};

constexpr Sql kSelectSafetyFlag{"read safety flag",
                                "SELECT data FROM safety_flags WHERE name = $1"};
constexpr Sql kSafetyFlagExists{"find safety flag", "SELECT 1 FROM safety_flags WHERE name = $1"};
// $1 name, $2 etag, $3 data, $4 practice_name, $5 client_name, $6 raise_time, $7 state,
// $8 escalation_due.
constexpr Sql kInsertSafetyFlag{"insert safety flag", R"sql(
  INSERT INTO safety_flags
    (name, etag, data, practice_name, client_name, raise_time, state, escalation_due)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
)sql"};
// $1 name, $2 etag, $3 data, $4 expected etag, then the columns as in kInsertSafetyFlag
// from $5.
constexpr Sql kUpdateSafetyFlag{"update safety flag", R"sql(
  UPDATE safety_flags SET etag = $2, data = $3, practice_name = $5, client_name = $6,
    raise_time = $7, state = $8, escalation_due = $9
  WHERE name = $1 AND etag = $4
)sql"};
// Newest first from the cursor, states as in kListAssignments (migration 0003).
// $1 client_name, $2 after time, $3 after name, $4 state mask, $5 limit.
constexpr Sql kListSafetyFlags{"list safety flags", R"sql(
  SELECT data, raise_time FROM safety_flags
  WHERE client_name = $1
    AND (raise_time, name) < ($2, $3)
    AND ($4 = 0 OR (state BETWEEN 0 AND 62 AND (($4 >> state) & 1) = 1))
  ORDER BY raise_time DESC, name DESC
  LIMIT $5
)sql"};
// Along safety_flags_by_escalation_due; flags that cannot escalate hold the largest bigint.
// $1 due by, $2 limit.
constexpr Sql kListSafetyFlagsToEscalate{"list safety flags to escalate", R"sql(
  SELECT data FROM safety_flags
  WHERE escalation_due <= $1
  ORDER BY escalation_due, name
  LIMIT $2
)sql"};

constexpr Sql kSelectSession{"read session", "SELECT data FROM sessions WHERE name = $1"};
constexpr Sql kSessionExists{"find session", "SELECT 1 FROM sessions WHERE name = $1"};
// $1 name, $2 etag, $3 data, $4 practice_name, $5 client_name, $6 start_time, $7 state.
constexpr Sql kInsertSession{"insert session", R"sql(
  INSERT INTO sessions (name, etag, data, practice_name, client_name, start_time, state)
  VALUES ($1, $2, $3, $4, $5, $6, $7)
)sql"};
// $1 name, $2 etag, $3 data, $4 expected etag, then the columns as in kInsertSession from $5.
constexpr Sql kUpdateSession{"update session", R"sql(
  UPDATE sessions SET etag = $2, data = $3, practice_name = $5, client_name = $6,
    start_time = $7, state = $8
  WHERE name = $1 AND etag = $4
)sql"};
// Newest first from the cursor (migration 0005): a practice's ($1 practice_name) or one
// client's ($1 client_name); $2 after time, $3 after name, $4 limit.
constexpr Sql kListSessions{"list sessions", R"sql(
  SELECT data, start_time FROM sessions
  WHERE practice_name = $1
    AND (start_time, name) < ($2, $3)
  ORDER BY start_time DESC, name DESC
  LIMIT $4
)sql"};
constexpr Sql kListSessionsOfClient{"list sessions of client", R"sql(
  SELECT data, start_time FROM sessions
  WHERE client_name = $1
    AND (start_time, name) < ($2, $3)
  ORDER BY start_time DESC, name DESC
  LIMIT $4
)sql"};

// ReadCaseload (migration 0004): one query per kind over a therapist's caseload, each walking
// the care team's primary key (member, client_name) over the practice's client names [$2, $3)
// and joining each client's rows along its per-client index. $1 member.
constexpr Sql kCaseloadClients{"read caseload clients", R"sql(
  SELECT clients.data FROM client_care_team
  JOIN clients ON clients.name = client_care_team.client_name
  WHERE client_care_team.member = $1
    AND client_care_team.client_name >= $2 AND client_care_team.client_name < $3
  ORDER BY client_care_team.client_name
)sql"};
// $4 state mask as in kListAssignments.
constexpr Sql kCaseloadAssignments{"read caseload assignments", R"sql(
  SELECT assignments.data FROM client_care_team
  JOIN assignments ON assignments.client_name = client_care_team.client_name
  WHERE client_care_team.member = $1
    AND client_care_team.client_name >= $2 AND client_care_team.client_name < $3
    AND ($4 = 0 OR (state BETWEEN 0 AND 62 AND (($4 >> state) & 1) = 1))
)sql"};
// $4 start time, $5 end time.
constexpr Sql kCaseloadRecentCompletions{"read caseload recent completions", R"sql(
  SELECT completions.data FROM client_care_team
  JOIN completions ON completions.client_name = client_care_team.client_name
  WHERE client_care_team.member = $1
    AND client_care_team.client_name >= $2 AND client_care_team.client_name < $3
    AND completions.occur_time >= $4 AND completions.occur_time < $5
)sql"};
// $4 start time. Along the partial index completions_measures_by_client, whose condition it
// repeats.
constexpr Sql kCaseloadEarlierMeasures{"read caseload earlier measures", R"sql(
  SELECT completions.data FROM client_care_team
  JOIN completions ON completions.client_name = client_care_team.client_name
  WHERE client_care_team.member = $1
    AND client_care_team.client_name >= $2 AND client_care_team.client_name < $3
    AND completions.occur_time < $4 AND completions.is_measure IS DISTINCT FROM 0
)sql"};
// $4 state mask.
constexpr Sql kCaseloadSafetyFlags{"read caseload safety flags", R"sql(
  SELECT safety_flags.data FROM client_care_team
  JOIN safety_flags ON safety_flags.client_name = client_care_team.client_name
  WHERE client_care_team.member = $1
    AND client_care_team.client_name >= $2 AND client_care_team.client_name < $3
    AND ($4 = 0 OR (state BETWEEN 0 AND 62 AND (($4 >> state) & 1) = 1))
)sql"};

constexpr Sql kSelectTemplate{"read template", "SELECT data FROM templates WHERE name = $1"};
constexpr Sql kTemplateExists{"find template", "SELECT 1 FROM templates WHERE name = $1"};
// $1 name, $2 etag, $3 data, $4 practice_name.
constexpr Sql kInsertTemplate{"insert template", R"sql(
  INSERT INTO templates (name, etag, data, practice_name) VALUES ($1, $2, $3, $4)
)sql"};
// $1 name, $2 etag, $3 data, $4 expected etag, $5 practice_name.
constexpr Sql kUpdateTemplate{"update template", R"sql(
  UPDATE templates SET etag = $2, data = $3, practice_name = $5
  WHERE name = $1 AND etag = $4
)sql"};
// One practice's in name order from the cursor, as in kListClients. $1 practice_name,
// $2 after name, $3 limit.
constexpr Sql kListTemplates{"list templates", R"sql(
  SELECT data FROM templates
  WHERE practice_name = $1 AND name > $2
  ORDER BY name
  LIMIT $3
)sql"};

// $1 actor, $2 method, $3 request_id.
constexpr Sql kSelectIdempotentResult{"read idempotency key", R"sql(
  SELECT result_name, request_fingerprint FROM idempotency_keys
  WHERE actor = $1 AND method = $2 AND request_id = $3
)sql"};
// $1 actor, $2 method, $3 request_id, $4 result_name, $5 create_time, $6 request_fingerprint.
// Fails with unique_violation when the key is recorded already; when another transaction is
// recording it, waits for that one to end.
constexpr Sql kInsertIdempotencyKey{"insert idempotency key", R"sql(
  INSERT INTO idempotency_keys
    (actor, method, request_id, result_name, create_time, request_fingerprint)
  VALUES ($1, $2, $3, $4, $5, $6)
)sql"};

// $1 name, $2 etag: fails with division_by_zero unless assignment $1 has etag $2, so that the
// rest of the transaction's round trip, COMMIT included, is skipped (Mutation::assignment_read).
constexpr Sql kAssignmentUnchanged{"check assignment read", R"sql(
  SELECT 1 / (SELECT count(*)::int FROM assignments WHERE name = $1 AND etag = $2)
)sql"};

// $1 time, $2 actor, $3 role, $4 practice, $5 action, $6 resource, $7 call_id, $8 outcome.
constexpr Sql kInsertAudit{"append audit record", R"sql(
  INSERT INTO audit_log (time, actor, role, practice, action, resource, call_id, outcome)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
)sql"};
// Resources in [$1, $2), that is those starting with the prefix $1, via the index. $3 limit.
constexpr Sql kListAuditOfPrefix{"list audit records", R"sql(
  SELECT time, actor, role, practice, action, resource, call_id, outcome FROM audit_log
  WHERE resource >= $1 AND resource < $2
  ORDER BY id
  LIMIT $3
)sql"};
// For a prefix that no string bounds from above (the empty one). $1 prefix, $2 limit.
constexpr Sql kListAuditFrom{"list audit records", R"sql(
  SELECT time, actor, role, practice, action, resource, call_id, outcome FROM audit_log
  WHERE resource >= $1
  ORDER BY id
  LIMIT $2
)sql"};

// Numbers the committed events that have no sequence yet (migration 0006; see the design notes
// in postgres_store.h), in a transaction of its own. $1 the lock key (kPostgresEventLogLockKey),
// $2 at most this many; returns how many it numbered.
constexpr Sql kNumberEvents{"number committed events", "SELECT homework_number_events($1, $2)"};
// Events numbered per pass; a reader passes again while a pass numbers this many.
constexpr int64_t kNumberingBatch = 10000;
// `sequence` is left empty: the event is numbered after it commits (kNumberEvents).
// $1 practice, $2 client, $3 type, $4 resource, $5 actor, $6 time.
constexpr Sql kInsertEvent{"append event", R"sql(
  INSERT INTO events (practice, client, type, resource, actor, time)
  VALUES ($1, $2, $3, $4, $5, $6)
)sql"};
// Oldest first after $2 sequence, along events_by_practice or events_by_client.
// $1 practice, $3 limit.
constexpr Sql kListEventsOfPractice{"list events of practice", R"sql(
  SELECT sequence, practice, client, type, resource, actor, time FROM events
  WHERE practice = $1 AND sequence > $2
  ORDER BY sequence
  LIMIT $3
)sql"};
// $4 client.
constexpr Sql kListEventsOfClient{"list events of client", R"sql(
  SELECT sequence, practice, client, type, resource, actor, time FROM events
  WHERE client = $4 AND sequence > $2 AND practice = $1
  ORDER BY sequence
  LIMIT $3
)sql"};
constexpr Sql kLatestEventSequence{"read latest event sequence", R"sql(
  SELECT COALESCE(MAX(sequence), 0) FROM events
)sql"};

// The SQL of one resource kind, for the generic read and write paths below.
struct TableSql {
  absl::string_view kind;  // "client", in messages
  const Sql& select;
  const Sql& exists;
  const Sql& insert;
  const Sql& update;
};
constexpr TableSql kClientSql{"client", kSelectClient, kClientExists, kInsertClient, kUpdateClient};
constexpr TableSql kAssignmentSql{"assignment", kSelectAssignment, kAssignmentExists,
                                  kInsertAssignment, kUpdateAssignment};
constexpr TableSql kCompletionSql{"completion", kSelectCompletion, kCompletionExists,
                                  kInsertCompletion, kUpdateCompletion};
constexpr TableSql kHierarchySql{"hierarchy", kSelectHierarchy, kHierarchyExists, kInsertHierarchy,
                                 kUpdateHierarchy};
constexpr TableSql kTemplateSql{"template", kSelectTemplate, kTemplateExists, kInsertTemplate,
                                kUpdateTemplate};
constexpr TableSql kSafetyFlagSql{"safety flag", kSelectSafetyFlag, kSafetyFlagExists,
                                  kInsertSafetyFlag, kUpdateSafetyFlag};
constexpr TableSql kSessionSql{"session", kSelectSession, kSessionExists, kInsertSession,
                               kUpdateSession};

// How many times Commit tries a transaction that a deadlock or serialization failure rolled
// back, or whose connection broke before COMMIT was sent.
constexpr int kCommitAttempts = 3;

// ---- Conversions between rows and values. ----

// The cursor of the first page of a newest-first list: before every stored row.
constexpr int64_t kFirstPageTime = std::numeric_limits<int64_t>::max();

template <typename Resource>
absl::StatusOr<Resource> ParseStored(absl::string_view bytes, absl::string_view kind) {
  Resource resource;
  if (!resource.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::InternalError(absl::StrCat("a stored ", kind, " cannot be parsed"));
  }
  return resource;
}

// UTF-8 for PrefixEnd (AppendUtf8 is in core/model/text.h). A code point's bytes compare in code
// point order, so byte order (COLLATE "C") is code point order.
uint32_t DecodeUtf8(absl::string_view bytes) {
  const auto lead = static_cast<unsigned char>(bytes[0]);
  uint32_t code_point = lead;
  if (lead >= 0xf0) {
    code_point = lead & 0x07;
  } else if (lead >= 0xe0) {
    code_point = lead & 0x0f;
  } else if (lead >= 0xc0) {
    code_point = lead & 0x1f;
  }
  for (size_t i = 1; i < bytes.size(); ++i) {
    code_point = (code_point << 6) | (static_cast<unsigned char>(bytes[i]) & 0x3f);
  }
  return code_point;
}

// The smallest valid UTF-8 string greater than every string that starts with `prefix` (a
// UTF-8 string), or nullopt when there is none (the prefix is empty or all U+10FFFF). Unlike
// SQLite, PostgreSQL refuses text that is not UTF-8, so the last byte cannot simply be raised.
std::optional<std::string> PrefixEnd(absl::string_view prefix) {
  std::string end(prefix);
  while (!end.empty()) {
    size_t start = end.size() - 1;
    while (start > 0 && (static_cast<unsigned char>(end[start]) & 0xc0) == 0x80) --start;
    uint32_t code_point = DecodeUtf8(absl::string_view(end).substr(start));
    end.resize(start);
    if (code_point >= 0x10ffff) continue;
    ++code_point;
    if (code_point == 0xd800) code_point = 0xe000;  // surrogates are not characters
    AppendUtf8(code_point, end);
    return end;
  }
  return std::nullopt;
}

std::vector<Param> AuditParams(const AuditRecord& record) {
  return {Param::Int64(absl::ToUnixMicros(record.time)),
          Param::Text(record.actor),
          Param::Text(record.role),
          Param::Text(record.practice),
          Param::Text(record.action),
          Param::Text(record.resource),
          Param::Text(record.call_id),
          Param::Text(record.outcome)};
}

// A page's LIMIT: one row more than the page, to learn whether another follows.
int64_t PageLimit(const PageRequest& page) {
  return static_cast<int64_t>(std::max(page.page_size, 1)) + 1;
}

// Makes the page from rows (data[, sort time]) fetched with PageLimit.
template <typename Resource>
absl::StatusOr<Page<Resource>> ReadPage(const Result& rows, absl::string_view kind,
                                        const PageRequest& request, bool has_time_column,
                                        uint64_t fingerprint) {
  const int size = std::max(request.page_size, 1);
  Page<Resource> page;
  PageCursor last;
  for (int row = 0; row < rows.rows(); ++row) {
    if (row == size) {
      page.next_page_token = MakePageToken(fingerprint, last);
      break;
    }
    absl::StatusOr<Resource> resource = ParseStored<Resource>(rows.Bytes(row, 0), kind);
    if (!resource.ok()) return resource.status();
    last = {.time_micros = has_time_column ? rows.Int64(row, 1) : 0, .name = resource->name()};
    page.items.push_back(*std::move(resource));
  }
  return page;
}

// The key a newest-first list continues after: the token's cursor, or before every row for the
// first page. With `end_micros` (an exclusive end of the sort time), the key is at most
// (end_micros, ''), which every row before the end sorts after (names are never empty).
PageCursor NewestFirstKey(const std::optional<PageCursor>& after,
                          std::optional<int64_t> end_micros = std::nullopt) {
  PageCursor key{.time_micros = kFirstPageTime, .name = ""};
  if (after.has_value()) key = *after;
  if (end_micros.has_value() && *end_micros <= key.time_micros) {
    key = {.time_micros = *end_micros, .name = ""};
  }
  return key;
}

// ---- Running work on pooled connections. ----

// Whether work that failed on a broken connection may run again on another one.
enum class OnBrokenConnection {
  kRunAgain,  // reads: running twice changes nothing
  kFail,      // a write in autocommit: it may have been applied before the connection broke
};

// Runs `work` on a pooled connection. When the connection broke, drops the idle ones too (most
// likely broken the same way) and, if `on_broken` allows, runs `work` once more on a new one.
template <typename T, typename Work>
absl::StatusOr<T> Run(ConnectionPool& pool, const Work& work,
                      OnBrokenConnection on_broken = OnBrokenConnection::kRunAgain) {
  const int attempts = on_broken == OnBrokenConnection::kRunAgain ? 2 : 1;
  for (int attempt = 1;; ++attempt) {
    absl::StatusOr<ConnectionPool::Lease> lease = pool.Acquire();
    if (!lease.ok()) return lease.status();
    absl::StatusOr<T> result = work(**lease);
    if (result.ok() || !(*lease)->broken()) return result;
    pool.DiscardIdle();
    if (attempt == attempts) return result;
  }
}

template <typename Resource>
absl::StatusOr<std::optional<Resource>> ReadResource(ConnectionPool& pool, const TableSql& table,
                                                     absl::string_view name) {
  return Run<std::optional<Resource>>(
      pool, [&](Connection& db) -> absl::StatusOr<std::optional<Resource>> {
        absl::StatusOr<Result> row = db.Execute(table.select, {Param::Text(name)});
        if (!row.ok()) return row.status();
        if (row->rows() == 0) return std::nullopt;
        absl::StatusOr<Resource> resource = ParseStored<Resource>(row->Bytes(0, 0), table.kind);
        if (!resource.ok()) return resource.status();
        return *std::move(resource);
      });
}

template <typename Resource>
absl::StatusOr<Page<Resource>> ReadList(ConnectionPool& pool, const Sql& sql,
                                        const std::vector<Param>& params, absl::string_view kind,
                                        const PageRequest& request, bool has_time_column,
                                        uint64_t fingerprint) {
  return Run<Page<Resource>>(pool, [&](Connection& db) -> absl::StatusOr<Page<Resource>> {
    absl::StatusOr<Result> rows = db.Execute(sql, params);
    if (!rows.ok()) return rows.status();
    return ReadPage<Resource>(*rows, kind, request, has_time_column, fingerprint);
  });
}

// Runs `sql` and appends every row's resource (its first column, `data`) to `out`, those that
// `keep` accepts.
template <typename Resource>
absl::Status ReadAll(Connection& db, const Sql& sql, const std::vector<Param>& params,
                     absl::string_view kind, std::vector<Resource>& out,
                     bool (*keep)(const Resource&) = nullptr) {
  absl::StatusOr<Result> rows = db.Execute(sql, params);
  if (!rows.ok()) return rows.status();
  for (int row = 0; row < rows->rows(); ++row) {
    absl::StatusOr<Resource> resource = ParseStored<Resource>(rows->Bytes(row, 0), kind);
    if (!resource.ok()) return resource.status();
    if (keep == nullptr || keep(*resource)) out.push_back(*std::move(resource));
  }
  return absl::OkStatus();
}

// ---- The write path, inside Commit's transaction. ----

// The statements of one Commit, sent to PostgreSQL in one round trip with BEGIN (Transaction::
// Begin with statements) in the order of the design notes: the idempotency key, the check of
// the assignment read, each Put (a client's with its care team), the audit record, the events;
// and COMMIT in the same round trip when nothing is left to decide on their results (then()).
// Then Outcome reads their results in the same order and decides, as the statements one by one
// would have: a key already there is kDuplicateRequest, whatever follows it; an assignment no
// longer as read is ReadChanged; an insert that found its row is ALREADY_EXISTS; an update that
// matched nothing is NOT_FOUND or ABORTED, told apart by one more read.
class WritePlan {
 public:
  static absl::StatusOr<WritePlan> Of(const Mutation& mutation, const MutationRows& rows) {
    WritePlan plan;
    if (mutation.idempotency.has_value()) {
      plan.Add(
          Check::kKey, kInsertIdempotencyKey,
          {Param::Text(mutation.idempotency->actor), Param::Text(mutation.idempotency->method),
           Param::Text(mutation.idempotency->request_id), Param::Text(mutation.idempotent_result),
           Param::Int64(absl::ToUnixMicros(absl::Now())),
           Param::Text(mutation.request_fingerprint)});
    }
    if (mutation.assignment_read.has_value()) {
      plan.Add(Check::kUnchanged, kAssignmentUnchanged,
               {Param::Text(mutation.assignment_read->name),
                Param::Text(mutation.assignment_read->etag)},
               nullptr, mutation.assignment_read->name);
    }
    absl::Status status = absl::OkStatus();
    if (mutation.client.has_value()) {
      status.Update(plan.AddPut(
          kClientSql, *mutation.client,
          {Param::Text(rows.client->practice_name), Param::Int64(rows.client->create_micros)}));
      plan.AddCareTeam(*mutation.client);
    }
    if (mutation.assignment.has_value()) {
      const AssignmentRow& row = *rows.assignment;
      status.Update(plan.AddPut(kAssignmentSql, *mutation.assignment,
                                {Param::Text(row.practice_name), Param::Text(row.client_name),
                                 Param::Int64(row.state), Param::Int64(row.create_micros)}));
    }
    if (mutation.completion.has_value()) {
      const CompletionRow& row = *rows.completion;
      status.Update(
          plan.AddPut(kCompletionSql, *mutation.completion,
                      {Param::Text(row.client_name), Param::Text(row.assignment_name),
                       Param::Int64(row.occur_micros), Param::Int64(row.is_measure ? 1 : 0)}));
    }
    if (mutation.hierarchy.has_value()) {
      status.Update(plan.AddPut(
          kHierarchySql, *mutation.hierarchy,
          {Param::Text(rows.hierarchy->client_name), Param::Int64(rows.hierarchy->create_micros)}));
    }
    if (mutation.practice_template.has_value()) {
      status.Update(plan.AddPut(kTemplateSql, *mutation.practice_template,
                                {Param::Text(rows.practice_template->practice_name)}));
    }
    if (mutation.safety_flag.has_value()) {
      const SafetyFlagRow& row = *rows.safety_flag;
      status.Update(plan.AddPut(
          kSafetyFlagSql, *mutation.safety_flag,
          {Param::Text(row.practice_name), Param::Text(row.client_name),
           Param::Int64(row.raise_micros), Param::Int64(row.state),
           Param::Int64(row.escalation_due_micros.value_or(std::numeric_limits<int64_t>::max()))}));
    }
    if (mutation.session.has_value()) {
      const SessionRow& row = *rows.session;
      status.Update(plan.AddPut(kSessionSql, *mutation.session,
                                {Param::Text(row.practice_name), Param::Text(row.client_name),
                                 Param::Int64(row.start_micros), Param::Int64(row.state)}));
    }
    if (!status.ok()) return status;
    plan.Add(Check::kSucceeds, kInsertAudit, AuditParams(mutation.audit));
    // In vector order, so their arrivals, and then their sequences, are too.
    for (const EventRecord& event : mutation.events) {
      plan.Add(Check::kSucceeds, kInsertEvent,
               {Param::Text(event.practice), Param::Text(event.client), Param::Int64(event.type),
                Param::Text(event.resource), Param::Text(event.actor),
                Param::Int64(absl::ToUnixMicros(event.time))});
    }
    return plan;
  }

  WritePlan(WritePlan&&) = default;
  WritePlan& operator=(WritePlan&&) = default;

  // The statements of `plans`, in their order, as one plan: one transaction that commits when
  // each of them would have alone. For plans whose then() is kCommit (an update's result is read
  // before COMMIT); their parameters still borrow from them, so they must outlive it.
  static WritePlan Joined(absl::Span<const WritePlan* const> plans) {
    WritePlan joined;
    for (const WritePlan* plan : plans) {
      joined.statements_.insert(joined.statements_.end(), plan->statements_.begin(),
                                plan->statements_.end());
      joined.checks_.insert(joined.checks_.end(), plan->checks_.begin(), plan->checks_.end());
    }
    return joined;
  }

  absl::Span<const Statement> statements() const { return statements_; }

  // What follows the statements in their round trip: COMMIT, unless an update's result must be
  // read first (a row it did not find is not an error to PostgreSQL). Every other outcome that
  // keeps the write from committing is a failed statement, which makes PostgreSQL skip COMMIT.
  Transaction::Then then() const {
    for (const PlannedCheck& check : checks_) {
      if (check.check == Check::kUpdate) return Transaction::Then::kWait;
    }
    return Transaction::Then::kCommit;
  }

  // Reads `results` (one per statement, from the open transaction on `db`) in order.
  // kDuplicateRequest, or an error, leaves the transaction for the caller to roll back.
  absl::StatusOr<CommitOutcome> Outcome(Connection& db,
                                        std::vector<absl::StatusOr<Result>>& results) const {
    for (size_t i = 0; i < checks_.size(); ++i) {
      const PlannedCheck& check = checks_[i];
      absl::StatusOr<Result>& result = results[i];
      switch (check.check) {
        case Check::kKey:
          // The key first: a retry that lost a race must replay the first result, even when
          // its own write would also collide with the first one's (it is not run).
          if (!result.ok() && db.last_sqlstate() == postgres::kUniqueViolation) {
            return CommitOutcome::kDuplicateRequest;
          }
          if (!result.ok()) return result.status();
          break;
        case Check::kUnchanged:
          if (!result.ok() && db.last_sqlstate() == postgres::kDivisionByZero) {
            return ReadChanged(check.name);
          }
          if (!result.ok()) return result.status();
          break;
        case Check::kInsert:
          if (!result.ok() && db.last_sqlstate() == postgres::kUniqueViolation) {
            return absl::AlreadyExistsError(
                absl::StrCat(check.table->kind, " \"", check.name, "\" already exists"));
          }
          if (!result.ok()) return result.status();
          break;
        case Check::kUpdate: {
          if (!result.ok()) return result.status();
          if (result->affected_rows() > 0) break;
          // Nothing matched: either there is no such row, or its etag moved on.
          absl::StatusOr<Result> exists =
              db.Execute(check.table->exists, {Param::Text(check.name)});
          if (!exists.ok()) return exists.status();
          if (exists->rows() == 0) {
            return absl::NotFoundError(
                absl::StrCat(check.table->kind, " \"", check.name, "\" not found"));
          }
          return absl::AbortedError(absl::StrCat(check.table->kind, " \"", check.name,
                                                 "\" was changed concurrently (etag mismatch)"));
        }
        case Check::kSucceeds:
          if (!result.ok()) return result.status();
          break;
      }
    }
    return CommitOutcome::kCommitted;
  }

 private:
  // How a statement's result is read.
  enum class Check { kKey, kUnchanged, kInsert, kUpdate, kSucceeds };
  struct PlannedCheck {
    Check check;
    const TableSql* table = nullptr;  // kInsert and kUpdate
    std::string name;                 // the resource's, for kUnchanged, kInsert and kUpdate
  };

  WritePlan() = default;

  void Add(Check check, const Sql& sql, std::vector<Param> params, const TableSql* table = nullptr,
           std::string name = "") {
    statements_.push_back(Statement{.sql = &sql, .params = std::move(params)});
    checks_.push_back(PlannedCheck{.check = check, .table = table, .name = std::move(name)});
  }

  // One Put. `columns` are the row's indexed columns other than name, etag and data, in the
  // order of the table's statements.
  template <typename Resource>
  absl::Status AddPut(const TableSql& table, const Put<Resource>& put, std::vector<Param> columns) {
    std::string& data = Keep("");
    if (!put.resource.SerializeToString(&data)) {
      return absl::InternalError(absl::StrCat("cannot serialize ", table.kind));
    }
    const std::string& name = put.resource.name();
    std::vector<Param> params = {Param::Text(name), Param::Text(put.resource.etag()),
                                 Param::Bytes(data)};
    if (put.mode == WriteMode::kUpdate) params.push_back(Param::Text(put.expected_etag));
    params.insert(params.end(), columns.begin(), columns.end());
    const bool insert = put.mode == WriteMode::kInsert;
    Add(insert ? Check::kInsert : Check::kUpdate, insert ? table.insert : table.update,
        std::move(params), &table, name);
    return absl::OkStatus();
  }

  void AddCareTeam(const Put<v1::Client>& put) {
    if (put.mode == WriteMode::kUpdate) {
      Add(Check::kSucceeds, kDeleteCareTeam, {Param::Text(put.resource.name())});
    }
    for (const std::string& member : put.resource.care_team()) {
      Add(Check::kSucceeds, kInsertCareTeamMember,
          {Param::Text(member), Param::Text(put.resource.name())});
    }
  }

  // Keeps `text` for as long as the plan, for parameters that borrow it.
  std::string& Keep(std::string text) { return kept_.emplace_back(std::move(text)); }

  std::deque<std::string> kept_;  // a deque: what Keep returned never moves
  std::vector<Statement> statements_;
  std::vector<PlannedCheck> checks_;
};

// Numbers every committed event that has no sequence yet, so that a read of the log after it
// sees each event committed before the read began (kNumberEvents).
absl::Status NumberCommittedEvents(Connection& db) {
  for (;;) {
    absl::StatusOr<Result> numbered = db.Execute(
        kNumberEvents, {Param::Int64(kPostgresEventLogLockKey), Param::Int64(kNumberingBatch)});
    if (!numbered.ok()) return numbered.status();
    if (numbered->Int64(0, 0) < kNumberingBatch) return absl::OkStatus();
  }
}

// How one attempt of Commit ended, for the decision to try again.
struct CommitAttempt {
  absl::StatusOr<CommitOutcome> outcome;
  bool commit_sent = false;  // COMMIT was sent: when the connection broke, the outcome is unknown
  std::string sqlstate;      // of the statement that failed
};

CommitAttempt CommitOnce(Connection& db, const WritePlan& plan) {
  CommitAttempt attempt{.outcome = absl::UnknownError("not run")};
  std::vector<absl::StatusOr<Result>> results;
  absl::StatusOr<Transaction> transaction =
      Transaction::Begin(db, plan.statements(), results, plan.then());
  if (!transaction.ok()) {
    attempt.outcome = transaction.status();
  } else {
    attempt.outcome = plan.Outcome(db, results);
    if (attempt.outcome.ok() && *attempt.outcome == CommitOutcome::kCommitted) {
      if (absl::Status status = transaction->Commit(); !status.ok()) attempt.outcome = status;
    }
    attempt.commit_sent = transaction->commit_sent();
  }
  attempt.sqlstate = db.last_sqlstate();
  return attempt;  // the transaction rolls back here unless it committed
}

absl::Status MayHaveCommitted(const absl::Status& status) {
  return absl::UnavailableError(
      absl::StrCat(status.message(), "; the commit may or may not have been applied"));
}

// Commits `plan` on a connection of `pool`, trying again (at most kCommitAttempts times) when
// that is safe: a deadlock or serialization failure rolled it back, or the connection broke
// before COMMIT was sent.
absl::StatusOr<CommitOutcome> CommitPlan(ConnectionPool& pool, const WritePlan& plan) {
  for (int attempt = 1;; ++attempt) {
    absl::StatusOr<ConnectionPool::Lease> lease = pool.Acquire();
    if (!lease.ok()) return lease.status();
    CommitAttempt result = CommitOnce(**lease, plan);
    if (result.outcome.ok()) return result.outcome;
    bool retry = false;
    if ((*lease)->broken()) {
      pool.DiscardIdle();
      retry = !result.commit_sent;  // otherwise it may have committed
    } else {
      retry = result.sqlstate == postgres::kSerializationFailure ||
              result.sqlstate == postgres::kDeadlockDetected;
    }
    if (!retry || attempt == kCommitAttempts) {
      if (result.commit_sent && (*lease)->broken()) {
        return MayHaveCommitted(result.outcome.status());
      }
      return result.outcome;
    }
  }
}

}  // namespace

struct PostgresStore::QueuedWrite {
  Mutation mutation;
  MutationRows rows;              // of `mutation`
  std::optional<WritePlan> plan;  // of both: its parameters borrow from them
  CommitDone done;
};

absl::StatusOr<std::unique_ptr<PostgresStore>> PostgresStore::Open(
    const PostgresStoreOptions& options) {
  if (options.conninfo.empty()) {
    return absl::InvalidArgumentError("PostgreSQL store: the connection URI is empty");
  }
  if (options.pool_size < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("PostgreSQL store: pool_size ", options.pool_size, " is below 1"));
  }
  if (options.commit_writers < 0 || options.max_group < 1 || options.max_queued < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "PostgreSQL store: commit_writers ", options.commit_writers, " is below 0, or max_group ",
        options.max_group, " or max_queued ", options.max_queued, " is below 1"));
  }
  const postgres::ConnectionSettings settings{.conninfo = options.conninfo,
                                              .connect_timeout = options.connect_timeout,
                                              .statement_timeout = options.statement_timeout};
  absl::StatusOr<std::unique_ptr<Connection>> connection = Connection::Open(settings);
  if (!connection.ok()) return connection.status();
  if (absl::StatusOr<int> applied =
          postgres::ApplyMigrations(**connection, postgres::EmbeddedMigrations());
      !applied.ok()) {
    return applied.status();
  }
  auto pool = std::make_unique<ConnectionPool>(postgres::ConnectionPoolOptions{
      .settings = settings, .size = options.pool_size, .acquire_timeout = options.acquire_timeout});
  pool->Adopt(*std::move(connection));
  return std::unique_ptr<PostgresStore>(new PostgresStore(std::move(pool), options));
}

PostgresStore::PostgresStore(std::unique_ptr<ConnectionPool> pool,
                             const PostgresStoreOptions& options)
    : pool_(std::move(pool)),
      max_group_(static_cast<size_t>(options.max_group)),
      max_queued_(static_cast<size_t>(options.max_queued)),
      on_write_batch_(options.on_write_batch) {
  for (int i = 0; i < options.commit_writers; ++i) writers_.emplace_back([this] { WriteGroups(); });
}

PostgresStore::~PostgresStore() {
  {
    absl::MutexLock lock(&queue_mutex_);
    stopping_ = true;
  }
  for (std::thread& writer : writers_) writer.join();
}

absl::StatusOr<std::optional<v1::Client>> PostgresStore::GetClient(absl::string_view name) {
  return ReadResource<v1::Client>(*pool_, kClientSql, name);
}

absl::StatusOr<std::optional<v1::Assignment>> PostgresStore::GetAssignment(absl::string_view name) {
  return ReadResource<v1::Assignment>(*pool_, kAssignmentSql, name);
}

absl::StatusOr<std::optional<v1::Completion>> PostgresStore::GetCompletion(absl::string_view name) {
  return ReadResource<v1::Completion>(*pool_, kCompletionSql, name);
}

absl::StatusOr<std::optional<v1::Hierarchy>> PostgresStore::GetHierarchy(absl::string_view name) {
  return ReadResource<v1::Hierarchy>(*pool_, kHierarchySql, name);
}

absl::StatusOr<std::optional<v1::Template>> PostgresStore::GetTemplate(absl::string_view name) {
  return ReadResource<v1::Template>(*pool_, kTemplateSql, name);
}

absl::StatusOr<std::optional<v1::SafetyFlag>> PostgresStore::GetSafetyFlag(absl::string_view name) {
  return ReadResource<v1::SafetyFlag>(*pool_, kSafetyFlagSql, name);
}

absl::StatusOr<Page<v1::SafetyFlag>> PostgresStore::ListSafetyFlags(const SafetyFlagQuery& query) {
  absl::StatusOr<uint64_t> mask = SafetyFlagStateMask(query.states);
  if (!mask.ok()) return mask.status();
  const uint64_t fingerprint = QueryFingerprint(query);
  absl::StatusOr<std::optional<PageCursor>> after =
      ReadPageToken(query.page.page_token, fingerprint);
  if (!after.ok()) return after.status();
  const PageCursor key = NewestFirstKey(*after);
  return ReadList<v1::SafetyFlag>(
      *pool_, kListSafetyFlags,
      {Param::Text(query.client_name), Param::Int64(key.time_micros), Param::Text(key.name),
       Param::Int64(static_cast<int64_t>(*mask)), Param::Int64(PageLimit(query.page))},
      kSafetyFlagSql.kind, query.page, /*has_time_column=*/true, fingerprint);
}

absl::StatusOr<std::optional<v1::Session>> PostgresStore::GetSession(absl::string_view name) {
  return ReadResource<v1::Session>(*pool_, kSessionSql, name);
}

absl::StatusOr<Page<v1::Session>> PostgresStore::ListSessions(const SessionQuery& query) {
  if (absl::Status status = CheckSessionQuery(query); !status.ok()) return status;
  const uint64_t fingerprint = QueryFingerprint(query);
  absl::StatusOr<std::optional<PageCursor>> after =
      ReadPageToken(query.page.page_token, fingerprint);
  if (!after.ok()) return after.status();
  const PageCursor key = NewestFirstKey(*after);
  return ReadList<v1::Session>(
      *pool_, query.client_name.has_value() ? kListSessionsOfClient : kListSessions,
      {Param::Text(query.client_name.value_or(query.practice_name)), Param::Int64(key.time_micros),
       Param::Text(key.name), Param::Int64(PageLimit(query.page))},
      kSessionSql.kind, query.page, /*has_time_column=*/true, fingerprint);
}

absl::StatusOr<std::vector<v1::SafetyFlag>> PostgresStore::ListSafetyFlagsToEscalate(
    absl::Time due_by, int limit) {
  if (absl::Status status = CheckEscalationLimit(limit); !status.ok()) return status;
  return Run<std::vector<v1::SafetyFlag>>(
      *pool_, [&](Connection& db) -> absl::StatusOr<std::vector<v1::SafetyFlag>> {
        std::vector<v1::SafetyFlag> flags;
        absl::Status status =
            ReadAll(db, kListSafetyFlagsToEscalate,
                    {Param::Int64(absl::ToUnixMicros(due_by)), Param::Int64(limit)},
                    kSafetyFlagSql.kind, flags);
        if (!status.ok()) return status;
        return flags;
      });
}

absl::StatusOr<Caseload> PostgresStore::ReadCaseload(const CaseloadQuery& query) {
  absl::StatusOr<CheckedCaseloadQuery> checked = CheckCaseloadQuery(query);
  if (!checked.ok()) return checked.status();
  const std::vector<Param> scope = {Param::Text(query.care_team_member),
                                    Param::Text(checked->clients_from),
                                    Param::Text(checked->clients_to)};
  auto with = [&](std::vector<Param> more) {
    std::vector<Param> params = scope;
    params.insert(params.end(), more.begin(), more.end());
    return params;
  };
  const int64_t start = absl::ToUnixMicros(query.recent_start);
  const int64_t end = absl::ToUnixMicros(query.recent_end);
  return Run<Caseload>(*pool_, [&](Connection& db) -> absl::StatusOr<Caseload> {
    Caseload caseload;
    absl::Status status = ReadAll(db, kCaseloadClients, scope, kClientSql.kind, caseload.clients);
    if (status.ok()) {
      status = ReadAll(db, kCaseloadAssignments,
                       with({Param::Int64(static_cast<int64_t>(checked->assignment_mask))}),
                       kAssignmentSql.kind, caseload.assignments);
    }
    if (status.ok()) {
      status =
          ReadAll(db, kCaseloadRecentCompletions, with({Param::Int64(start), Param::Int64(end)}),
                  kCompletionSql.kind, caseload.completions);
    }
    if (status.ok()) {
      // Rows of unknown kind (written before migration 0004) come too: keep the measures.
      status = ReadAll(
          db, kCaseloadEarlierMeasures, with({Param::Int64(start)}), kCompletionSql.kind,
          caseload.completions, +[](const v1::Completion& c) { return c.has_measure(); });
    }
    if (status.ok()) {
      status = ReadAll(db, kCaseloadSafetyFlags,
                       with({Param::Int64(static_cast<int64_t>(checked->flag_mask))}),
                       kSafetyFlagSql.kind, caseload.safety_flags);
    }
    if (!status.ok()) return status;
    return caseload;
  });
}

absl::StatusOr<Page<v1::Client>> PostgresStore::ListClients(const ClientQuery& query) {
  const uint64_t fingerprint = QueryFingerprint(query);
  absl::StatusOr<std::optional<PageCursor>> after =
      ReadPageToken(query.page.page_token, fingerprint);
  if (!after.ok()) return after.status();
  const std::string after_name = after->has_value() ? (*after)->name : "";
  const int64_t limit = PageLimit(query.page);
  if (query.care_team_member.has_value()) {
    return ReadList<v1::Client>(*pool_, kListClientsOfMember,
                                {Param::Text(*query.care_team_member), Param::Text(after_name),
                                 Param::Text(query.practice_name), Param::Int64(limit)},
                                kClientSql.kind, query.page, /*has_time_column=*/false,
                                fingerprint);
  }
  return ReadList<v1::Client>(
      *pool_, kListClients,
      {Param::Text(query.practice_name), Param::Text(after_name), Param::Int64(limit)},
      kClientSql.kind, query.page, /*has_time_column=*/false, fingerprint);
}

absl::StatusOr<Page<v1::Assignment>> PostgresStore::ListAssignments(const AssignmentQuery& query) {
  if (absl::Status status = CheckAssignmentScope(query); !status.ok()) return status;
  absl::StatusOr<uint64_t> mask = AssignmentStateMask(query.states);
  if (!mask.ok()) return mask.status();
  const uint64_t fingerprint = QueryFingerprint(query);
  absl::StatusOr<std::optional<PageCursor>> after =
      ReadPageToken(query.page.page_token, fingerprint);
  if (!after.ok()) return after.status();
  const bool of_practice = !query.practice_name.empty();
  const PageCursor key = NewestFirstKey(*after);
  return ReadList<v1::Assignment>(
      *pool_, of_practice ? kListAssignmentsOfPractice : kListAssignments,
      {Param::Text(of_practice ? query.practice_name : query.client_name),
       Param::Int64(key.time_micros), Param::Text(key.name),
       Param::Int64(static_cast<int64_t>(*mask)), Param::Int64(PageLimit(query.page))},
      kAssignmentSql.kind, query.page, /*has_time_column=*/true, fingerprint);
}

absl::StatusOr<Page<v1::Completion>> PostgresStore::ListCompletions(const CompletionQuery& query) {
  if (absl::Status status = CheckCompletionQuery(query); !status.ok()) return status;
  const uint64_t fingerprint = QueryFingerprint(query);
  absl::StatusOr<std::optional<PageCursor>> after =
      ReadPageToken(query.page.page_token, fingerprint);
  if (!after.ok()) return after.status();
  const PageCursor key =
      NewestFirstKey(*after, query.end_time.has_value()
                                 ? std::optional<int64_t>(absl::ToUnixMicros(*query.end_time))
                                 : std::nullopt);
  std::vector<Param> params = {
      Param::Text(query.client_name),
      Param::Int64(query.start_time.has_value() ? absl::ToUnixMicros(*query.start_time)
                                                : std::numeric_limits<int64_t>::min()),
      Param::Int64(key.time_micros), Param::Text(key.name), Param::Int64(PageLimit(query.page))};
  if (query.assignment_name.has_value()) params.push_back(Param::Text(*query.assignment_name));
  return ReadList<v1::Completion>(*pool_,
                                  query.measures_only                 ? kListMeasuresOfClient
                                  : query.assignment_name.has_value() ? kListCompletionsOfAssignment
                                                                      : kListCompletionsOfClient,
                                  params, kCompletionSql.kind, query.page,
                                  /*has_time_column=*/true, fingerprint);
}

absl::StatusOr<Page<v1::Hierarchy>> PostgresStore::ListHierarchies(const HierarchyQuery& query) {
  const uint64_t fingerprint = QueryFingerprint(query);
  absl::StatusOr<std::optional<PageCursor>> after =
      ReadPageToken(query.page.page_token, fingerprint);
  if (!after.ok()) return after.status();
  const PageCursor key = NewestFirstKey(*after);
  return ReadList<v1::Hierarchy>(*pool_, kListHierarchies,
                                 {Param::Text(query.client_name), Param::Int64(key.time_micros),
                                  Param::Text(key.name), Param::Int64(PageLimit(query.page))},
                                 kHierarchySql.kind, query.page, /*has_time_column=*/true,
                                 fingerprint);
}

absl::StatusOr<Page<v1::Template>> PostgresStore::ListTemplates(const TemplateQuery& query) {
  const uint64_t fingerprint = QueryFingerprint(query);
  absl::StatusOr<std::optional<PageCursor>> after =
      ReadPageToken(query.page.page_token, fingerprint);
  if (!after.ok()) return after.status();
  const std::string after_name = after->has_value() ? (*after)->name : "";
  return ReadList<v1::Template>(*pool_, kListTemplates,
                                {Param::Text(query.practice_name), Param::Text(after_name),
                                 Param::Int64(PageLimit(query.page))},
                                kTemplateSql.kind, query.page, /*has_time_column=*/false,
                                fingerprint);
}

absl::StatusOr<std::optional<IdempotentResult>> PostgresStore::FindIdempotentResult(
    const IdempotencyKey& key) {
  return Run<std::optional<IdempotentResult>>(
      *pool_, [&](Connection& db) -> absl::StatusOr<std::optional<IdempotentResult>> {
        absl::StatusOr<Result> row = db.Execute(
            kSelectIdempotentResult,
            {Param::Text(key.actor), Param::Text(key.method), Param::Text(key.request_id)});
        if (!row.ok()) return row.status();
        if (row->rows() == 0) return std::nullopt;
        return IdempotentResult{std::string(row->Bytes(0, 0)), std::string(row->Bytes(0, 1))};
      });
}

absl::StatusOr<CommitOutcome> PostgresStore::Commit(const Mutation& mutation) {
  // Derive the columns first: a malformed name fails before the transaction starts.
  absl::StatusOr<MutationRows> rows = RowsOf(mutation);
  if (!rows.ok()) return rows.status();
  absl::StatusOr<WritePlan> plan = WritePlan::Of(mutation, *rows);
  if (!plan.ok()) return plan.status();
  return CommitPlan(*pool_, *plan);
}

void PostgresStore::CommitThen(Mutation mutation, CommitDone done) {
  auto write = std::make_unique<QueuedWrite>(
      QueuedWrite{.mutation = std::move(mutation), .done = std::move(done)});
  absl::StatusOr<MutationRows> rows = RowsOf(write->mutation);
  if (!rows.ok()) return std::move(write->done)(rows.status());
  write->rows = *std::move(rows);
  absl::StatusOr<WritePlan> plan = WritePlan::Of(write->mutation, write->rows);
  if (!plan.ok()) return std::move(write->done)(plan.status());
  write->plan.emplace(*std::move(plan));
  if (writers_.empty() || write->plan->then() != Transaction::Then::kCommit) {
    return std::move(write->done)(CommitPlan(*pool_, *write->plan));
  }
  {
    absl::MutexLock lock(&queue_mutex_);
    if (queue_.size() < max_queued_ && !stopping_) {
      queue_.push_back(std::move(write));
      return;
    }
  }
  std::move(write->done)(
      absl::UnavailableError("the store's write queue is full; wait for a commit"));
}

void PostgresStore::WriteGroups() {
  std::vector<std::unique_ptr<QueuedWrite>> group;
  while (true) {
    {
      absl::MutexLock lock(&queue_mutex_);
      queue_mutex_.Await(absl::Condition(
          +[](PostgresStore* self) ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->queue_mutex_) {
            return self->stopping_ || !self->queue_.empty();
          },
          this));
      if (queue_.empty()) return;  // stopping, and nothing is left
      const size_t count = std::min(queue_.size(), max_group_);
      std::move(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(count),
                std::back_inserter(group));
      queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(count));
    }
    if (on_write_batch_) on_write_batch_(group.size());
    CommitGroup(group);
    group.clear();
  }
}

void PostgresStore::CommitGroup(std::vector<std::unique_ptr<QueuedWrite>>& group) {
  if (group.size() > 1) {
    std::vector<const WritePlan*> plans;
    plans.reserve(group.size());
    for (const auto& write : group) plans.push_back(&*write->plan);
    const WritePlan joined = WritePlan::Joined(plans);
    // What every write of the group hears, when the group decided them all.
    std::optional<absl::StatusOr<CommitOutcome>> decided;
    {
      absl::StatusOr<ConnectionPool::Lease> lease = pool_->Acquire();
      if (!lease.ok()) {
        decided = lease.status();  // no connection within the acquire timeout: none for each
      } else {
        const CommitAttempt attempt = CommitOnce(**lease, joined);
        if (attempt.outcome.ok() && *attempt.outcome == CommitOutcome::kCommitted) {
          decided = CommitOutcome::kCommitted;
        } else if ((*lease)->broken()) {
          pool_->DiscardIdle();
          if (attempt.commit_sent) decided = MayHaveCommitted(attempt.outcome.status());
        }
      }
    }  // the connection goes back before the answers
    if (decided.has_value()) {
      for (const auto& write : group) std::move(write->done)(*decided);
      return;
    }
    // Nothing of the group was written: each write on its own, as Commit would.
  }
  for (const auto& write : group) std::move(write->done)(CommitPlan(*pool_, *write->plan));
}

absl::StatusOr<std::vector<EventRecord>> PostgresStore::ListEvents(const EventQuery& query) {
  if (absl::Status status = CheckEventQuery(query); !status.ok()) return status;
  std::vector<Param> params = {Param::Text(query.practice), Param::Int64(query.after_sequence),
                               Param::Int64(query.limit)};
  if (query.client_name.has_value()) params.push_back(Param::Text(*query.client_name));
  return Run<std::vector<EventRecord>>(
      *pool_, [&](Connection& db) -> absl::StatusOr<std::vector<EventRecord>> {
        if (absl::Status status = NumberCommittedEvents(db); !status.ok()) return status;
        absl::StatusOr<Result> rows = db.Execute(
            query.client_name.has_value() ? kListEventsOfClient : kListEventsOfPractice, params);
        if (!rows.ok()) return rows.status();
        std::vector<EventRecord> events;
        events.reserve(static_cast<size_t>(rows->rows()));
        for (int row = 0; row < rows->rows(); ++row) {
          events.push_back(EventRecord{
              .sequence = rows->Int64(row, 0),
              .practice = std::string(rows->Bytes(row, 1)),
              .client = std::string(rows->Bytes(row, 2)),
              // Proto3 enums are open: a type written by a newer binary passes through unchanged.
              .type = static_cast<v1::Event::Type>(rows->Int64(row, 3)),
              .resource = std::string(rows->Bytes(row, 4)),
              .actor = std::string(rows->Bytes(row, 5)),
              .time = absl::FromUnixMicros(rows->Int64(row, 6)),
          });
        }
        return events;
      });
}

absl::StatusOr<int64_t> PostgresStore::LatestEventSequence() {
  return Run<int64_t>(*pool_, [](Connection& db) -> absl::StatusOr<int64_t> {
    if (absl::Status status = NumberCommittedEvents(db); !status.ok()) return status;
    absl::StatusOr<Result> row = db.Execute(kLatestEventSequence);
    if (!row.ok()) return row.status();
    return row->Int64(0, 0);
  });
}

absl::Status PostgresStore::AppendAudit(const AuditRecord& record) {
  absl::StatusOr<bool> appended = Run<bool>(
      *pool_,
      [&](Connection& db) -> absl::StatusOr<bool> {
        absl::StatusOr<Result> insert = db.Execute(kInsertAudit, AuditParams(record));
        if (!insert.ok()) return insert.status();
        return true;
      },
      OnBrokenConnection::kFail);
  return appended.status();
}

absl::Status PostgresStore::AppendAudits(absl::Span<const AuditRecord> records) {
  if (records.size() <= 1) return Store::AppendAudits(records);
  // One transaction in one round trip: one commit, so one flush of the WAL, for the batch (the
  // server flushes at each commit), and all of the records or none.
  std::vector<Statement> inserts;
  inserts.reserve(records.size());
  for (const AuditRecord& record : records) {
    inserts.push_back({.sql = &kInsertAudit, .params = AuditParams(record)});
  }
  absl::StatusOr<bool> appended = Run<bool>(
      *pool_,
      [&](Connection& db) -> absl::StatusOr<bool> {
        std::vector<absl::StatusOr<Result>> results;
        absl::StatusOr<Transaction> transaction =
            Transaction::Begin(db, inserts, results, Transaction::Then::kCommit);
        if (!transaction.ok()) return transaction.status();
        for (const absl::StatusOr<Result>& result : results) {
          if (!result.ok()) return result.status();
        }
        if (absl::Status status = transaction->Commit(); !status.ok()) return status;
        return true;
      },
      OnBrokenConnection::kFail);
  return appended.status();
}

absl::StatusOr<std::vector<AuditRecord>> PostgresStore::ListAudit(absl::string_view resource_prefix,
                                                                  int limit) {
  std::vector<AuditRecord> records;
  if (limit <= 0) return records;
  const std::optional<std::string> prefix_end = PrefixEnd(resource_prefix);
  std::vector<Param> params = {Param::Text(resource_prefix)};
  if (prefix_end.has_value()) params.push_back(Param::Text(*prefix_end));
  params.push_back(Param::Int64(limit));
  return Run<std::vector<AuditRecord>>(
      *pool_, [&](Connection& db) -> absl::StatusOr<std::vector<AuditRecord>> {
        absl::StatusOr<Result> rows =
            db.Execute(prefix_end.has_value() ? kListAuditOfPrefix : kListAuditFrom, params);
        if (!rows.ok()) return rows.status();
        std::vector<AuditRecord> found;
        found.reserve(static_cast<size_t>(rows->rows()));
        for (int row = 0; row < rows->rows(); ++row) {
          found.push_back(AuditRecord{
              .actor = std::string(rows->Bytes(row, 1)),
              .role = std::string(rows->Bytes(row, 2)),
              .practice = std::string(rows->Bytes(row, 3)),
              .action = std::string(rows->Bytes(row, 4)),
              .resource = std::string(rows->Bytes(row, 5)),
              .call_id = std::string(rows->Bytes(row, 6)),
              .time = absl::FromUnixMicros(rows->Int64(row, 0)),
              .outcome = std::string(rows->Bytes(row, 7)),
          });
        }
        return found;
      });
}

absl::StatusOr<int64_t> PostgresStore::SchemaVersion() {
  return Run<int64_t>(*pool_, [](Connection& db) { return postgres::SchemaVersion(db); });
}

}  // namespace therapy::homework
