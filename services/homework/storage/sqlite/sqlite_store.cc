#include "services/homework/storage/sqlite/sqlite_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/homework/storage/page_token.h"
#include "services/homework/storage/resource_rows.h"
#include "services/homework/storage/sqlite/connection.h"
#include "services/homework/storage/sqlite/group_commit.h"
#include "services/homework/storage/sqlite/migrations.h"
#include "services/homework/storage/sqlite/reader_pool.h"

namespace therapy::homework {
namespace {

using sqlite::Connection;
using sqlite::InsertResult;
using sqlite::Sql;
using sqlite::Statement;
using sqlite::Transaction;

// ---- The SQL. Times are microseconds since the Unix epoch; `data` is the serialized proto. ----

// Each connection keeps up to 32 MiB of pages (SQLite's default is 2 MiB, which a store of
// millions of rows outgrows at once: every index lookup then costs system calls) and reads the
// file through a memory map of up to 1 GiB instead of read() calls.
constexpr Sql kSetWriterPragmas{"configure connection", R"sql(
  PRAGMA synchronous = FULL;
  PRAGMA foreign_keys = ON;
  PRAGMA cache_size = -32768;
  PRAGMA mmap_size = 1073741824;
)sql"};
constexpr Sql kSetJournalModeWal{"switch to WAL", "PRAGMA journal_mode = WAL"};
constexpr Sql kSetReaderPragmas{"configure read connection", R"sql(
  PRAGMA query_only = ON;
  PRAGMA cache_size = -32768;
  PRAGMA mmap_size = 1073741824;
)sql"};
constexpr Sql kReadJournalMode{"read journal_mode", "PRAGMA journal_mode"};
constexpr Sql kReadSynchronous{"read synchronous", "PRAGMA synchronous"};
constexpr Sql kReadForeignKeys{"read foreign_keys", "PRAGMA foreign_keys"};
constexpr Sql kReadSchemaVersion{"read schema version", R"sql(
  SELECT COALESCE(MAX(version), 0) FROM schema_migrations
)sql"};

constexpr Sql kSelectClient{"read client", "SELECT data FROM clients WHERE name = :name"};
constexpr Sql kClientExists{"find client", "SELECT 1 FROM clients WHERE name = :name"};
constexpr Sql kInsertClient{"insert client", R"sql(
  INSERT INTO clients (name, practice_name, create_time, etag, data)
  VALUES (:name, :practice_name, :create_time, :etag, :data)
)sql"};
constexpr Sql kUpdateClient{"update client", R"sql(
  UPDATE clients
  SET practice_name = :practice_name, create_time = :create_time, etag = :etag, data = :data
  WHERE name = :name AND etag = :expected_etag
)sql"};
constexpr Sql kDeleteCareTeam{"clear care team", R"sql(
  DELETE FROM client_care_team WHERE client_name = :name
)sql"};
constexpr Sql kInsertCareTeamMember{"insert care team member", R"sql(
  INSERT OR IGNORE INTO client_care_team (member, client_name) VALUES (:member, :name)
)sql"};
// Both client lists walk an index in name order from the cursor (:after_name, '' for the first
// page) and fetch one row more than the page to learn whether another page follows.
constexpr Sql kListClients{"list clients", R"sql(
  SELECT data FROM clients
  WHERE practice_name = :practice_name AND name > :after_name
  ORDER BY name
  LIMIT :limit
)sql"};
constexpr Sql kListClientsOfMember{"list clients of care team member", R"sql(
  SELECT clients.data FROM client_care_team
  JOIN clients ON clients.name = client_care_team.client_name
  WHERE client_care_team.member = :member AND client_care_team.client_name > :after_name
    AND clients.practice_name = :practice_name
  ORDER BY client_care_team.client_name
  LIMIT :limit
)sql"};

constexpr Sql kSelectAssignment{"read assignment",
                                "SELECT data FROM assignments WHERE name = :name"};
constexpr Sql kAssignmentExists{"find assignment", "SELECT 1 FROM assignments WHERE name = :name"};
constexpr Sql kInsertAssignment{"insert assignment", R"sql(
  INSERT INTO assignments (name, practice_name, client_name, state, create_time, etag, data)
  VALUES (:name, :practice_name, :client_name, :state, :create_time, :etag, :data)
)sql"};
constexpr Sql kUpdateAssignment{"update assignment", R"sql(
  UPDATE assignments
  SET practice_name = :practice_name, client_name = :client_name, state = :state,
      create_time = :create_time, etag = :etag, data = :data
  WHERE name = :name AND etag = :expected_etag
)sql"};
// Newest first from the cursor (:after_time, :after_name), which is (max int64, '') for the
// first page. :state_mask has bit n set for each state n asked for; 0 means every state.
constexpr Sql kListAssignments{"list assignments", R"sql(
  SELECT data, create_time FROM assignments
  WHERE client_name = :client_name
    AND (create_time, name) < (:after_time, :after_name)
    AND (:state_mask = 0 OR (state BETWEEN 0 AND 62 AND ((:state_mask >> state) & 1) = 1))
  ORDER BY create_time DESC, name DESC
  LIMIT :limit
)sql"};
// The same for every client of a practice, along assignments_by_practice (migration 0004).
constexpr Sql kListAssignmentsOfPractice{"list assignments of practice", R"sql(
  SELECT data, create_time FROM assignments
  WHERE practice_name = :practice_name
    AND (create_time, name) < (:after_time, :after_name)
    AND (:state_mask = 0 OR (state BETWEEN 0 AND 62 AND ((:state_mask >> state) & 1) = 1))
  ORDER BY create_time DESC, name DESC
  LIMIT :limit
)sql"};

constexpr Sql kSelectCompletion{"read completion",
                                "SELECT data FROM completions WHERE name = :name"};
constexpr Sql kCompletionExists{"find completion", "SELECT 1 FROM completions WHERE name = :name"};
constexpr Sql kInsertCompletion{"insert completion", R"sql(
  INSERT INTO completions
    (name, client_name, assignment_name, occur_time, is_measure, etag, data)
  VALUES (:name, :client_name, :assignment_name, :occur_time, :is_measure, :etag, :data)
)sql"};
constexpr Sql kUpdateCompletion{"update completion", R"sql(
  UPDATE completions
  SET client_name = :client_name, assignment_name = :assignment_name, occur_time = :occur_time,
      is_measure = :is_measure, etag = :etag, data = :data
  WHERE name = :name AND etag = :expected_etag
)sql"};
// Newest first from the cursor as in kListAssignments, down to :start_time. The end of the
// window is part of the cursor (see BindNewestFirstCursor), so one index range does both.
constexpr Sql kListCompletionsOfClient{"list completions of client", R"sql(
  SELECT data, occur_time FROM completions
  WHERE client_name = :client_name
    AND occur_time >= :start_time
    AND (occur_time, name) < (:after_time, :after_name)
  ORDER BY occur_time DESC, name DESC
  LIMIT :limit
)sql"};
constexpr Sql kListCompletionsOfAssignment{"list completions of assignment", R"sql(
  SELECT data, occur_time FROM completions
  WHERE assignment_name = :assignment_name AND client_name = :client_name
    AND occur_time >= :start_time
    AND (occur_time, name) < (:after_time, :after_name)
  ORDER BY occur_time DESC, name DESC
  LIMIT :limit
)sql"};

constexpr Sql kSelectHierarchy{"read hierarchy",
                               "SELECT data FROM hierarchies WHERE name = :name"};
constexpr Sql kHierarchyExists{"find hierarchy", "SELECT 1 FROM hierarchies WHERE name = :name"};
constexpr Sql kInsertHierarchy{"insert hierarchy", R"sql(
  INSERT INTO hierarchies (name, client_name, create_time, etag, data)
  VALUES (:name, :client_name, :create_time, :etag, :data)
)sql"};
constexpr Sql kUpdateHierarchy{"update hierarchy", R"sql(
  UPDATE hierarchies
  SET client_name = :client_name, create_time = :create_time, etag = :etag, data = :data
  WHERE name = :name AND etag = :expected_etag
)sql"};
// Newest first from the cursor as in kListAssignments.
constexpr Sql kListHierarchies{"list hierarchies", R"sql(
  SELECT data, create_time FROM hierarchies
  WHERE client_name = :client_name
    AND (create_time, name) < (:after_time, :after_name)
  ORDER BY create_time DESC, name DESC
  LIMIT :limit
)sql"};

constexpr Sql kSelectSafetyFlag{"read safety flag",
                                "SELECT data FROM safety_flags WHERE name = :name"};
constexpr Sql kSafetyFlagExists{"find safety flag",
                                "SELECT 1 FROM safety_flags WHERE name = :name"};
constexpr Sql kInsertSafetyFlag{"insert safety flag", R"sql(
  INSERT INTO safety_flags
    (name, practice_name, client_name, raise_time, state, escalation_due, etag, data)
  VALUES (:name, :practice_name, :client_name, :raise_time, :state, :escalation_due, :etag, :data)
)sql"};
constexpr Sql kUpdateSafetyFlag{"update safety flag", R"sql(
  UPDATE safety_flags
  SET practice_name = :practice_name, client_name = :client_name, raise_time = :raise_time,
      state = :state, escalation_due = :escalation_due, etag = :etag, data = :data
  WHERE name = :name AND etag = :expected_etag
)sql"};
// Newest first from the cursor, states as in kListAssignments (migration 0007).
constexpr Sql kListSafetyFlags{"list safety flags", R"sql(
  SELECT data, raise_time FROM safety_flags
  WHERE client_name = :client_name
    AND (raise_time, name) < (:after_time, :after_name)
    AND (:state_mask = 0 OR (state BETWEEN 0 AND 62 AND ((:state_mask >> state) & 1) = 1))
  ORDER BY raise_time DESC, name DESC
  LIMIT :limit
)sql"};
// Along safety_flags_by_escalation_due; flags that cannot escalate hold the largest integer.
constexpr Sql kListSafetyFlagsToEscalate{"list safety flags to escalate", R"sql(
  SELECT data FROM safety_flags
  WHERE escalation_due <= :due_by
  ORDER BY escalation_due, name
  LIMIT :limit
)sql"};

// ReadCaseload (migration 0008): one query per kind over a therapist's caseload, each walking
// the care team's primary key (member, client_name) over the practice's client names
// [:clients_from, :clients_to) and joining each client's rows along its per-client index.
constexpr Sql kCaseloadClients{"read caseload clients", R"sql(
  SELECT clients.data FROM client_care_team
  JOIN clients ON clients.name = client_care_team.client_name
  WHERE client_care_team.member = :member
    AND client_care_team.client_name >= :clients_from AND client_care_team.client_name < :clients_to
  ORDER BY client_care_team.client_name
)sql"};
constexpr Sql kCaseloadAssignments{"read caseload assignments", R"sql(
  SELECT assignments.data FROM client_care_team
  JOIN assignments ON assignments.client_name = client_care_team.client_name
  WHERE client_care_team.member = :member
    AND client_care_team.client_name >= :clients_from AND client_care_team.client_name < :clients_to
    AND (:state_mask = 0 OR (state BETWEEN 0 AND 62 AND ((:state_mask >> state) & 1) = 1))
)sql"};
constexpr Sql kCaseloadRecentCompletions{"read caseload recent completions", R"sql(
  SELECT completions.data FROM client_care_team
  JOIN completions ON completions.client_name = client_care_team.client_name
  WHERE client_care_team.member = :member
    AND client_care_team.client_name >= :clients_from AND client_care_team.client_name < :clients_to
    AND completions.occur_time >= :start_time AND completions.occur_time < :end_time
)sql"};
// Along the partial index completions_measures_by_client: its condition is repeated verbatim so
// that SQLite can use it.
constexpr Sql kCaseloadEarlierMeasures{"read caseload earlier measures", R"sql(
  SELECT completions.data FROM client_care_team
  JOIN completions ON completions.client_name = client_care_team.client_name
  WHERE client_care_team.member = :member
    AND client_care_team.client_name >= :clients_from AND client_care_team.client_name < :clients_to
    AND completions.occur_time < :start_time AND is_measure IS NOT 0
)sql"};
constexpr Sql kCaseloadSafetyFlags{"read caseload safety flags", R"sql(
  SELECT safety_flags.data FROM client_care_team
  JOIN safety_flags ON safety_flags.client_name = client_care_team.client_name
  WHERE client_care_team.member = :member
    AND client_care_team.client_name >= :clients_from AND client_care_team.client_name < :clients_to
    AND (:state_mask = 0 OR (state BETWEEN 0 AND 62 AND ((:state_mask >> state) & 1) = 1))
)sql"};

constexpr Sql kSelectSession{"read session", "SELECT data FROM sessions WHERE name = :name"};
constexpr Sql kSessionExists{"find session", "SELECT 1 FROM sessions WHERE name = :name"};
constexpr Sql kInsertSession{"insert session", R"sql(
  INSERT INTO sessions (name, practice_name, client_name, start_time, state, etag, data)
  VALUES (:name, :practice_name, :client_name, :start_time, :state, :etag, :data)
)sql"};
constexpr Sql kUpdateSession{"update session", R"sql(
  UPDATE sessions
  SET practice_name = :practice_name, client_name = :client_name, start_time = :start_time,
      state = :state, etag = :etag, data = :data
  WHERE name = :name AND etag = :expected_etag
)sql"};
// Newest first from the cursor (migration 0009): a practice's, or one client's.
constexpr Sql kListSessions{"list sessions", R"sql(
  SELECT data, start_time FROM sessions
  WHERE practice_name = :practice_name
    AND (start_time, name) < (:after_time, :after_name)
  ORDER BY start_time DESC, name DESC
  LIMIT :limit
)sql"};
constexpr Sql kListSessionsOfClient{"list sessions of client", R"sql(
  SELECT data, start_time FROM sessions
  WHERE client_name = :client_name
    AND (start_time, name) < (:after_time, :after_name)
  ORDER BY start_time DESC, name DESC
  LIMIT :limit
)sql"};

constexpr Sql kSelectTemplate{"read template", "SELECT data FROM templates WHERE name = :name"};
constexpr Sql kTemplateExists{"find template", "SELECT 1 FROM templates WHERE name = :name"};
constexpr Sql kInsertTemplate{"insert template", R"sql(
  INSERT INTO templates (name, practice_name, etag, data)
  VALUES (:name, :practice_name, :etag, :data)
)sql"};
constexpr Sql kUpdateTemplate{"update template", R"sql(
  UPDATE templates
  SET practice_name = :practice_name, etag = :etag, data = :data
  WHERE name = :name AND etag = :expected_etag
)sql"};
// One practice's in name order from the cursor, along templates_by_practice (migration 0005),
// as in kListClients.
constexpr Sql kListTemplates{"list templates", R"sql(
  SELECT data FROM templates
  WHERE practice_name = :practice_name AND name > :after_name
  ORDER BY name
  LIMIT :limit
)sql"};

constexpr Sql kSelectIdempotentResult{"read idempotency key", R"sql(
  SELECT result_name, request_fingerprint FROM idempotency_keys
  WHERE actor = :actor AND method = :method AND request_id = :request_id
)sql"};
constexpr Sql kInsertIdempotencyKey{"insert idempotency key", R"sql(
  INSERT INTO idempotency_keys
    (actor, method, request_id, result_name, request_fingerprint, create_time)
  VALUES (:actor, :method, :request_id, :result_name, :request_fingerprint, :create_time)
)sql"};

constexpr Sql kInsertAudit{"append audit record", R"sql(
  INSERT INTO audit_log (time, actor, role, practice, action, resource, call_id, outcome)
  VALUES (:time, :actor, :role, :practice, :action, :resource, :call_id, :outcome)
)sql"};
// Resources in [:prefix, :prefix_end), that is those starting with the prefix, via the index.
constexpr Sql kListAuditOfPrefix{"list audit records", R"sql(
  SELECT time, actor, role, practice, action, resource, call_id, outcome FROM audit_log
  WHERE resource >= :prefix AND resource < :prefix_end
  ORDER BY id
  LIMIT :limit
)sql"};
// For a prefix that no string bounds from above (the empty one).
constexpr Sql kListAuditFrom{"list audit records", R"sql(
  SELECT time, actor, role, practice, action, resource, call_id, outcome FROM audit_log
  WHERE resource >= :prefix
  ORDER BY id
  LIMIT :limit
)sql"};

// `sequence` is left to AUTOINCREMENT (migration 0003): the next of the whole log.
constexpr Sql kInsertEvent{"append event", R"sql(
  INSERT INTO events (practice, client, type, resource, actor, time)
  VALUES (:practice, :client, :type, :resource, :actor, :time)
)sql"};
// Oldest first after :after_sequence, along events_by_practice or events_by_client.
constexpr Sql kListEventsOfPractice{"list events of practice", R"sql(
  SELECT sequence, practice, client, type, resource, actor, time FROM events
  WHERE practice = :practice AND sequence > :after_sequence
  ORDER BY sequence
  LIMIT :limit
)sql"};
constexpr Sql kListEventsOfClient{"list events of client", R"sql(
  SELECT sequence, practice, client, type, resource, actor, time FROM events
  WHERE client = :client AND sequence > :after_sequence AND practice = :practice
  ORDER BY sequence
  LIMIT :limit
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
constexpr TableSql kHierarchySql{"hierarchy", kSelectHierarchy, kHierarchyExists,
                                 kInsertHierarchy, kUpdateHierarchy};
constexpr TableSql kTemplateSql{"template", kSelectTemplate, kTemplateExists, kInsertTemplate,
                                kUpdateTemplate};
constexpr TableSql kSafetyFlagSql{"safety flag", kSelectSafetyFlag, kSafetyFlagExists,
                                  kInsertSafetyFlag, kUpdateSafetyFlag};
constexpr TableSql kSessionSql{"session", kSelectSession, kSessionExists, kInsertSession,
                               kUpdateSession};

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

// The smallest string greater than every string that starts with `prefix`, or nullopt when
// there is none (the prefix is empty or all 0xff bytes).
std::optional<std::string> PrefixEnd(absl::string_view prefix) {
  std::string end(prefix);
  while (!end.empty() && static_cast<unsigned char>(end.back()) == 0xff) end.pop_back();
  if (end.empty()) return std::nullopt;
  end.back() = static_cast<char>(static_cast<unsigned char>(end.back()) + 1);
  return end;
}

void BindAudit(Statement& insert, const AuditRecord& record) {
  insert.BindInt64(":time", absl::ToUnixMicros(record.time))
      .BindText(":actor", record.actor)
      .BindText(":role", record.role)
      .BindText(":practice", record.practice)
      .BindText(":action", record.action)
      .BindText(":resource", record.resource)
      .BindText(":call_id", record.call_id)
      .BindText(":outcome", record.outcome);
}

void BindEvent(Statement& insert, const EventRecord& event) {
  insert.BindText(":practice", event.practice)
      .BindText(":client", event.client)
      .BindInt64(":type", event.type)
      .BindText(":resource", event.resource)
      .BindText(":actor", event.actor)
      .BindInt64(":time", absl::ToUnixMicros(event.time));
}

// ---- Generic read and write paths. ----

template <typename Resource>
absl::StatusOr<std::optional<Resource>> ReadResource(Connection& db, const TableSql& table,
                                                     absl::string_view name) {
  absl::StatusOr<Statement> select = db.Prepare(table.select);
  if (!select.ok()) return select.status();
  select->BindText(":name", name);
  absl::StatusOr<bool> row = select->Step();
  if (!row.ok()) return row.status();
  if (!*row) return std::nullopt;
  return ParseStored<Resource>(select->ColumnBlob(0), table.kind);
}

// Runs a bound statement whose first column is `data` and appends every row's resource to
// `out`, those that `keep` accepts.
template <typename Resource>
absl::Status ReadAll(Statement& list, absl::string_view kind, std::vector<Resource>& out,
                     bool (*keep)(const Resource&) = nullptr) {
  while (true) {
    absl::StatusOr<bool> row = list.Step();
    if (!row.ok()) return row.status();
    if (!*row) return absl::OkStatus();
    absl::StatusOr<Resource> resource = ParseStored<Resource>(list.ColumnBlob(0), kind);
    if (!resource.ok()) return resource.status();
    if (keep == nullptr || keep(*resource)) out.push_back(*std::move(resource));
  }
}

// Runs a bound list statement whose rows are (data[, sort time]) and makes the page, fetching
// one row more than the page to learn whether another follows.
template <typename Resource>
absl::StatusOr<Page<Resource>> ReadPage(Statement& list, absl::string_view kind, int page_size,
                                        bool has_time_column, uint64_t fingerprint) {
  const size_t size = static_cast<size_t>(std::max(page_size, 1));
  list.BindInt64(":limit", static_cast<int64_t>(size) + 1);
  Page<Resource> page;
  PageCursor last;
  while (true) {
    absl::StatusOr<bool> row = list.Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    if (page.items.size() == size) {
      page.next_page_token = MakePageToken(fingerprint, last);
      break;
    }
    absl::StatusOr<Resource> resource = ParseStored<Resource>(list.ColumnBlob(0), kind);
    if (!resource.ok()) return resource.status();
    last = {.time_micros = has_time_column ? list.ColumnInt64(1) : 0, .name = resource->name()};
    page.items.push_back(*std::move(resource));
  }
  return page;
}

// Binds the key a newest-first list continues after: the token's cursor, or before every row
// for the first page. With `end_micros` (an exclusive end of the sort time), the key is at most
// (end_micros, ''), which every row before the end sorts after (names are never empty).
void BindNewestFirstCursor(Statement& list, const std::optional<PageCursor>& after,
                           std::optional<int64_t> end_micros = std::nullopt) {
  PageCursor key{.time_micros = kFirstPageTime, .name = ""};
  if (after.has_value()) key = *after;
  if (end_micros.has_value() && *end_micros <= key.time_micros) {
    key = {.time_micros = *end_micros, .name = ""};
  }
  list.BindInt64(":after_time", key.time_micros).BindText(":after_name", key.name);
}

// Writes one Put inside the caller's transaction. `bind_columns` binds the row's indexed
// columns other than name, etag and data.
template <typename Resource>
absl::Status WritePut(Connection& db, const TableSql& table, const Put<Resource>& put,
                      const std::function<void(Statement&)>& bind_columns) {
  std::string data;
  if (!put.resource.SerializeToString(&data)) {
    return absl::InternalError(absl::StrCat("cannot serialize ", table.kind));
  }
  const std::string& name = put.resource.name();
  switch (put.mode) {
    case WriteMode::kInsert: {
      absl::StatusOr<Statement> insert = db.Prepare(table.insert);
      if (!insert.ok()) return insert.status();
      bind_columns(*insert);
      insert->BindText(":name", name)
          .BindText(":etag", put.resource.etag())
          .BindBlob(":data", data);
      absl::StatusOr<InsertResult> inserted = insert->Insert();
      if (!inserted.ok()) return inserted.status();
      if (*inserted == InsertResult::kDuplicateKey) {
        return absl::AlreadyExistsError(absl::StrCat(table.kind, " \"", name, "\" already exists"));
      }
      return absl::OkStatus();
    }
    case WriteMode::kUpdate: {
      {
        absl::StatusOr<Statement> update = db.Prepare(table.update);
        if (!update.ok()) return update.status();
        bind_columns(*update);
        update->BindText(":name", name)
            .BindText(":etag", put.resource.etag())
            .BindBlob(":data", data)
            .BindText(":expected_etag", put.expected_etag);
        if (absl::Status status = update->Run(); !status.ok()) return status;
        if (update->Changes() > 0) return absl::OkStatus();
      }
      // Nothing matched: either there is no such row, or its etag moved on.
      absl::StatusOr<Statement> exists = db.Prepare(table.exists);
      if (!exists.ok()) return exists.status();
      exists->BindText(":name", name);
      absl::StatusOr<bool> found = exists->Step();
      if (!found.ok()) return found.status();
      if (!*found) {
        return absl::NotFoundError(absl::StrCat(table.kind, " \"", name, "\" not found"));
      }
      return absl::AbortedError(
          absl::StrCat(table.kind, " \"", name, "\" was changed concurrently (etag mismatch)"));
    }
  }
  return absl::InternalError("unknown WriteMode");
}

absl::Status WriteCareTeam(Connection& db, const Put<v1::Client>& put) {
  if (put.mode == WriteMode::kUpdate) {
    absl::StatusOr<Statement> clear = db.Prepare(kDeleteCareTeam);
    if (!clear.ok()) return clear.status();
    clear->BindText(":name", put.resource.name());
    if (absl::Status status = clear->Run(); !status.ok()) return status;
  }
  for (const std::string& member : put.resource.care_team()) {
    absl::StatusOr<Statement> insert = db.Prepare(kInsertCareTeamMember);
    if (!insert.ok()) return insert.status();
    insert->BindText(":member", member).BindText(":name", put.resource.name());
    if (absl::Status status = insert->Run(); !status.ok()) return status;
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> ReadInt(Connection& db, const Sql& sql) {
  absl::StatusOr<Statement> statement = db.Prepare(sql);
  if (!statement.ok()) return statement.status();
  absl::StatusOr<bool> row = statement->Step();
  if (!row.ok()) return row.status();
  if (!*row) return absl::InternalError(absl::StrCat(sql.purpose, " returned no row"));
  return statement->ColumnInt64(0);
}

absl::StatusOr<std::string> ReadText(Connection& db, const Sql& sql) {
  absl::StatusOr<Statement> statement = db.Prepare(sql);
  if (!statement.ok()) return statement.status();
  absl::StatusOr<bool> row = statement->Step();
  if (!row.ok()) return row.status();
  if (!*row) return absl::InternalError(absl::StrCat(sql.purpose, " returned no row"));
  return std::string(statement->ColumnText(0));
}

}  // namespace

absl::StatusOr<std::unique_ptr<SqliteStore>> SqliteStore::Open(const SqliteStoreOptions& options) {
  if (options.path.empty()) {
    return absl::InvalidArgumentError("SQLite store: the database path is empty");
  }
  absl::StatusOr<std::unique_ptr<Connection>> writer =
      Connection::Open(options.path, options.busy_timeout);
  if (!writer.ok()) return writer.status();
  absl::StatusOr<std::string> journal_mode = ReadText(**writer, kSetJournalModeWal);
  if (!journal_mode.ok()) return journal_mode.status();
  if (*journal_mode != "wal") {
    return absl::FailedPreconditionError(
        absl::StrCat("SQLite: \"", options.path,
                     "\" cannot use write-ahead logging (journal mode stays ", *journal_mode, ")"));
  }
  if (absl::Status status =
          (*writer)->ExecuteScript(kSetWriterPragmas.purpose, kSetWriterPragmas.text);
      !status.ok()) {
    return status;
  }
  if (absl::Status status = ApplyMigrations(**writer, EmbeddedMigrations()); !status.ok()) {
    return status;
  }
  if (options.readers < 1 || options.readers > 64) {
    return absl::InvalidArgumentError(
        absl::StrCat("SQLite store: readers must be 1-64, not ", options.readers));
  }
  std::vector<std::unique_ptr<Connection>> readers;
  for (int i = 0; i < options.readers; ++i) {
    absl::StatusOr<std::unique_ptr<Connection>> reader =
        Connection::Open(options.path, options.busy_timeout);
    if (!reader.ok()) return reader.status();
    if (absl::Status status =
            (*reader)->ExecuteScript(kSetReaderPragmas.purpose, kSetReaderPragmas.text);
        !status.ok()) {
      return status;
    }
    readers.push_back(*std::move(reader));
  }
  if (options.audit_sync_interval < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("SQLite store: audit_sync_interval must not be negative");
  }
  // The WAL exists once the migrations ran. Without it every audit record is durable at once.
  int wal_fd = -1;
  if (options.audit_sync_interval > absl::ZeroDuration()) {
    wal_fd = ::open((options.path + "-wal").c_str(), O_RDONLY | O_CLOEXEC);
  }
  return std::unique_ptr<SqliteStore>(new SqliteStore(
      *std::move(writer), std::move(readers), wal_fd, options.audit_sync_interval,
      options.on_write_batch));
}

SqliteStore::SqliteStore(std::unique_ptr<Connection> writer,
                         std::vector<std::unique_ptr<Connection>> readers, int wal_fd,
                         absl::Duration audit_sync_interval,
                         std::function<void(size_t)> on_write_batch)
    : writer_(std::move(writer)),
      writes_(std::make_unique<sqlite::GroupCommit<CommitOutcome>>(
          *writer_, write_mu_, CommitOutcome::kCommitted, 256, std::move(on_write_batch))),
      readers_(std::make_unique<sqlite::ReaderPool>(std::move(readers))),
      wal_fd_(wal_fd) {
  if (wal_fd_ >= 0) {
    audit_sync_ = std::thread([this, audit_sync_interval] {
      SyncAuditPeriodically(audit_sync_interval);
    });
  }
}

void SqliteStore::SyncAuditPeriodically(absl::Duration interval) {
  const auto flush = [this]() -> absl::Status {
    if (::fdatasync(wal_fd_) != 0) {
      return absl::UnavailableError("SQLite store: syncing the write-ahead log failed");
    }
    return absl::OkStatus();
  };
  while (!closing_.WaitForNotificationWithTimeout(interval)) {
    // A failure is retried at the next tick; the next durable write syncs the WAL as well.
    writes_->Sync(flush).IgnoreError();
  }
  writes_->Sync(flush).IgnoreError();
}

SqliteStore::~SqliteStore() {
  closing_.Notify();
  if (audit_sync_.joinable()) audit_sync_.join();
  if (wal_fd_ >= 0) ::close(wal_fd_);
}

absl::StatusOr<std::optional<v1::Client>> SqliteStore::GetClient(absl::string_view name) {
  sqlite::ReaderPool::Lease reader = readers_->Acquire();
  return ReadResource<v1::Client>(*reader, kClientSql, name);
}

absl::StatusOr<std::optional<v1::Assignment>> SqliteStore::GetAssignment(absl::string_view name) {
  sqlite::ReaderPool::Lease reader = readers_->Acquire();
  return ReadResource<v1::Assignment>(*reader, kAssignmentSql, name);
}

absl::StatusOr<std::optional<v1::Completion>> SqliteStore::GetCompletion(absl::string_view name) {
  sqlite::ReaderPool::Lease reader = readers_->Acquire();
  return ReadResource<v1::Completion>(*reader, kCompletionSql, name);
}

absl::StatusOr<std::optional<v1::Hierarchy>> SqliteStore::GetHierarchy(absl::string_view name) {
  sqlite::ReaderPool::Lease reader = readers_->Acquire();
  return ReadResource<v1::Hierarchy>(*reader, kHierarchySql, name);
}

absl::StatusOr<std::optional<v1::Template>> SqliteStore::GetTemplate(absl::string_view name) {
  sqlite::ReaderPool::Lease reader = readers_->Acquire();
  return ReadResource<v1::Template>(*reader, kTemplateSql, name);
}

absl::StatusOr<Page<v1::Client>> SqliteStore::ListClients(const ClientQuery& query) {
  const uint64_t fingerprint = QueryFingerprint(query);
  absl::StatusOr<std::optional<PageCursor>> after =
      ReadPageToken(query.page.page_token, fingerprint);
  if (!after.ok()) return after.status();
  sqlite::ReaderPool::Lease reader = readers_->Acquire();
  absl::StatusOr<Statement> list =
      reader->Prepare(query.care_team_member.has_value() ? kListClientsOfMember : kListClients);
  if (!list.ok()) return list.status();
  list->BindText(":practice_name", query.practice_name)
      .BindText(":after_name", after->has_value() ? (*after)->name : "");
  if (query.care_team_member.has_value()) list->BindText(":member", *query.care_team_member);
  return ReadPage<v1::Client>(*list, kClientSql.kind, query.page.page_size,
                              /*has_time_column=*/false, fingerprint);
}

absl::StatusOr<Page<v1::Assignment>> SqliteStore::ListAssignments(const AssignmentQuery& query) {
  if (absl::Status status = CheckAssignmentScope(query); !status.ok()) return status;
  absl::StatusOr<uint64_t> mask = AssignmentStateMask(query.states);
  if (!mask.ok()) return mask.status();
  const uint64_t fingerprint = QueryFingerprint(query);
  absl::StatusOr<std::optional<PageCursor>> after =
      ReadPageToken(query.page.page_token, fingerprint);
  if (!after.ok()) return after.status();
  const bool of_practice = !query.practice_name.empty();
  sqlite::ReaderPool::Lease reader = readers_->Acquire();
  absl::StatusOr<Statement> list =
      reader->Prepare(of_practice ? kListAssignmentsOfPractice : kListAssignments);
  if (!list.ok()) return list.status();
  if (of_practice) {
    list->BindText(":practice_name", query.practice_name);
  } else {
    list->BindText(":client_name", query.client_name);
  }
  list->BindInt64(":state_mask", static_cast<int64_t>(*mask));
  BindNewestFirstCursor(*list, *after);
  return ReadPage<v1::Assignment>(*list, kAssignmentSql.kind, query.page.page_size,
                                  /*has_time_column=*/true, fingerprint);
}

absl::StatusOr<Page<v1::Completion>> SqliteStore::ListCompletions(const CompletionQuery& query) {
  const uint64_t fingerprint = QueryFingerprint(query);
  absl::StatusOr<std::optional<PageCursor>> after =
      ReadPageToken(query.page.page_token, fingerprint);
  if (!after.ok()) return after.status();
  sqlite::ReaderPool::Lease reader = readers_->Acquire();
  absl::StatusOr<Statement> list = reader->Prepare(
      query.assignment_name.has_value() ? kListCompletionsOfAssignment : kListCompletionsOfClient);
  if (!list.ok()) return list.status();
  list->BindText(":client_name", query.client_name)
      .BindInt64(":start_time", query.start_time.has_value() ? absl::ToUnixMicros(*query.start_time)
                                                             : std::numeric_limits<int64_t>::min());
  if (query.assignment_name.has_value()) {
    list->BindText(":assignment_name", *query.assignment_name);
  }
  BindNewestFirstCursor(*list, *after,
                        query.end_time.has_value()
                            ? std::optional<int64_t>(absl::ToUnixMicros(*query.end_time))
                            : std::nullopt);
  return ReadPage<v1::Completion>(*list, kCompletionSql.kind, query.page.page_size,
                                  /*has_time_column=*/true, fingerprint);
}

absl::StatusOr<Page<v1::Hierarchy>> SqliteStore::ListHierarchies(const HierarchyQuery& query) {
  const uint64_t fingerprint = QueryFingerprint(query);
  absl::StatusOr<std::optional<PageCursor>> after =
      ReadPageToken(query.page.page_token, fingerprint);
  if (!after.ok()) return after.status();
  sqlite::ReaderPool::Lease reader = readers_->Acquire();
  absl::StatusOr<Statement> list = reader->Prepare(kListHierarchies);
  if (!list.ok()) return list.status();
  list->BindText(":client_name", query.client_name);
  BindNewestFirstCursor(*list, *after);
  return ReadPage<v1::Hierarchy>(*list, kHierarchySql.kind, query.page.page_size,
                                 /*has_time_column=*/true, fingerprint);
}

absl::StatusOr<Page<v1::Template>> SqliteStore::ListTemplates(const TemplateQuery& query) {
  const uint64_t fingerprint = QueryFingerprint(query);
  absl::StatusOr<std::optional<PageCursor>> after =
      ReadPageToken(query.page.page_token, fingerprint);
  if (!after.ok()) return after.status();
  sqlite::ReaderPool::Lease reader = readers_->Acquire();
  absl::StatusOr<Statement> list = reader->Prepare(kListTemplates);
  if (!list.ok()) return list.status();
  list->BindText(":practice_name", query.practice_name)
      .BindText(":after_name", after->has_value() ? (*after)->name : "");
  return ReadPage<v1::Template>(*list, kTemplateSql.kind, query.page.page_size,
                                /*has_time_column=*/false, fingerprint);
}

absl::StatusOr<std::optional<v1::SafetyFlag>> SqliteStore::GetSafetyFlag(absl::string_view name) {
  sqlite::ReaderPool::Lease reader = readers_->Acquire();
  return ReadResource<v1::SafetyFlag>(*reader, kSafetyFlagSql, name);
}

absl::StatusOr<Page<v1::SafetyFlag>> SqliteStore::ListSafetyFlags(const SafetyFlagQuery& query) {
  absl::StatusOr<uint64_t> mask = SafetyFlagStateMask(query.states);
  if (!mask.ok()) return mask.status();
  const uint64_t fingerprint = QueryFingerprint(query);
  absl::StatusOr<std::optional<PageCursor>> after =
      ReadPageToken(query.page.page_token, fingerprint);
  if (!after.ok()) return after.status();
  sqlite::ReaderPool::Lease reader = readers_->Acquire();
  absl::StatusOr<Statement> list = reader->Prepare(kListSafetyFlags);
  if (!list.ok()) return list.status();
  list->BindText(":client_name", query.client_name)
      .BindInt64(":state_mask", static_cast<int64_t>(*mask));
  BindNewestFirstCursor(*list, *after);
  return ReadPage<v1::SafetyFlag>(*list, kSafetyFlagSql.kind, query.page.page_size,
                                  /*has_time_column=*/true, fingerprint);
}

absl::StatusOr<std::vector<v1::SafetyFlag>> SqliteStore::ListSafetyFlagsToEscalate(
    absl::Time due_by, int limit) {
  if (absl::Status status = CheckEscalationLimit(limit); !status.ok()) return status;
  sqlite::ReaderPool::Lease reader = readers_->Acquire();
  absl::StatusOr<Statement> list = reader->Prepare(kListSafetyFlagsToEscalate);
  if (!list.ok()) return list.status();
  list->BindInt64(":due_by", absl::ToUnixMicros(due_by)).BindInt64(":limit", limit);
  std::vector<v1::SafetyFlag> flags;
  if (absl::Status status = ReadAll(*list, kSafetyFlagSql.kind, flags); !status.ok()) {
    return status;
  }
  return flags;
}

absl::StatusOr<Caseload> SqliteStore::ReadCaseload(const CaseloadQuery& query) {
  absl::StatusOr<CheckedCaseloadQuery> checked = CheckCaseloadQuery(query);
  if (!checked.ok()) return checked.status();
  sqlite::ReaderPool::Lease reader = readers_->Acquire();
  Caseload caseload;
  // Binds the caseload's scope, then reads with `bind_more`'s parameters.
  auto read_kind = [&](const Sql& sql, absl::string_view kind, auto& out, auto bind_more,
                       auto keep) -> absl::Status {
    absl::StatusOr<Statement> list = reader->Prepare(sql);
    if (!list.ok()) return list.status();
    list->BindText(":member", query.care_team_member)
        .BindText(":clients_from", checked->clients_from)
        .BindText(":clients_to", checked->clients_to);
    bind_more(*list);
    return ReadAll(*list, kind, out, keep);
  };
  using Keep = bool (*)(const v1::Completion&);
  const Keep measures_only = [](const v1::Completion& c) { return c.has_measure(); };
  const auto nothing = [](Statement&) {};
  const auto window = [&](Statement& list) {
    list.BindInt64(":start_time", absl::ToUnixMicros(query.recent_start))
        .BindInt64(":end_time", absl::ToUnixMicros(query.recent_end));
  };
  absl::Status status = read_kind(kCaseloadClients, kClientSql.kind, caseload.clients, nothing,
                                  static_cast<bool (*)(const v1::Client&)>(nullptr));
  if (status.ok()) {
    status = read_kind(
        kCaseloadAssignments, kAssignmentSql.kind, caseload.assignments,
        [&](Statement& list) {
          list.BindInt64(":state_mask", static_cast<int64_t>(checked->assignment_mask));
        },
        static_cast<bool (*)(const v1::Assignment&)>(nullptr));
  }
  if (status.ok()) {
    status = read_kind(kCaseloadRecentCompletions, kCompletionSql.kind, caseload.completions,
                       window, Keep{nullptr});
  }
  if (status.ok()) {
    // Rows of unknown kind (written before migration 0008) come too: keep the measures.
    status = read_kind(
        kCaseloadEarlierMeasures, kCompletionSql.kind, caseload.completions,
        [&](Statement& list) {
          list.BindInt64(":start_time", absl::ToUnixMicros(query.recent_start));
        },
        measures_only);
  }
  if (status.ok()) {
    status = read_kind(
        kCaseloadSafetyFlags, kSafetyFlagSql.kind, caseload.safety_flags,
        [&](Statement& list) {
          list.BindInt64(":state_mask", static_cast<int64_t>(checked->flag_mask));
        },
        static_cast<bool (*)(const v1::SafetyFlag&)>(nullptr));
  }
  if (!status.ok()) return status;
  return caseload;
}

absl::StatusOr<std::optional<v1::Session>> SqliteStore::GetSession(absl::string_view name) {
  sqlite::ReaderPool::Lease reader = readers_->Acquire();
  return ReadResource<v1::Session>(*reader, kSessionSql, name);
}

absl::StatusOr<Page<v1::Session>> SqliteStore::ListSessions(const SessionQuery& query) {
  if (absl::Status status = CheckSessionQuery(query); !status.ok()) return status;
  const uint64_t fingerprint = QueryFingerprint(query);
  absl::StatusOr<std::optional<PageCursor>> after =
      ReadPageToken(query.page.page_token, fingerprint);
  if (!after.ok()) return after.status();
  sqlite::ReaderPool::Lease reader = readers_->Acquire();
  absl::StatusOr<Statement> list =
      reader->Prepare(query.client_name.has_value() ? kListSessionsOfClient : kListSessions);
  if (!list.ok()) return list.status();
  if (query.client_name.has_value()) {
    list->BindText(":client_name", *query.client_name);
  } else {
    list->BindText(":practice_name", query.practice_name);
  }
  BindNewestFirstCursor(*list, *after);
  return ReadPage<v1::Session>(*list, kSessionSql.kind, query.page.page_size,
                               /*has_time_column=*/true, fingerprint);
}

absl::StatusOr<std::optional<IdempotentResult>> SqliteStore::FindIdempotentResult(
    const IdempotencyKey& key) {
  sqlite::ReaderPool::Lease reader = readers_->Acquire();
  absl::StatusOr<Statement> select = reader->Prepare(kSelectIdempotentResult);
  if (!select.ok()) return select.status();
  select->BindText(":actor", key.actor)
      .BindText(":method", key.method)
      .BindText(":request_id", key.request_id);
  absl::StatusOr<bool> row = select->Step();
  if (!row.ok()) return row.status();
  if (!*row) return std::nullopt;
  return IdempotentResult{std::string(select->ColumnText(0)), std::string(select->ColumnText(1))};
}

absl::StatusOr<CommitOutcome> SqliteStore::Commit(const Mutation& mutation) {
  // Derive the columns first: a malformed name fails before the transaction starts.
  absl::StatusOr<MutationRows> rows = RowsOf(mutation);
  if (!rows.ok()) return rows.status();

  // Runs inside a shared transaction (group_commit.h): anything but kCommitted, error or not,
  // rolls this mutation back and leaves the other writes of the batch alone.
  return writes_->Run([&](Connection& db) -> absl::StatusOr<CommitOutcome> {
    // The key first: a retry that lost a race must replay the first result, even when its own
    // write would also collide with the first one's.
    if (mutation.idempotency.has_value()) {
      absl::StatusOr<Statement> insert = db.Prepare(kInsertIdempotencyKey);
      if (!insert.ok()) return insert.status();
      insert->BindText(":actor", mutation.idempotency->actor)
          .BindText(":method", mutation.idempotency->method)
          .BindText(":request_id", mutation.idempotency->request_id)
          .BindText(":result_name", mutation.idempotent_result)
          .BindText(":request_fingerprint", mutation.request_fingerprint)
          .BindInt64(":create_time", absl::ToUnixMicros(absl::Now()));
      absl::StatusOr<InsertResult> inserted = insert->Insert();
      if (!inserted.ok()) return inserted.status();
      if (*inserted == InsertResult::kDuplicateKey) return CommitOutcome::kDuplicateRequest;
    }
    if (mutation.client.has_value()) {
      absl::Status status = WritePut(db, kClientSql, *mutation.client, [&](Statement& statement) {
        statement.BindText(":practice_name", rows->client->practice_name)
            .BindInt64(":create_time", rows->client->create_micros);
      });
      if (status.ok()) status = WriteCareTeam(db, *mutation.client);
      if (!status.ok()) return status;
    }
    if (mutation.assignment.has_value()) {
      absl::Status status =
          WritePut(db, kAssignmentSql, *mutation.assignment, [&](Statement& statement) {
            statement.BindText(":practice_name", rows->assignment->practice_name)
                .BindText(":client_name", rows->assignment->client_name)
                .BindInt64(":state", rows->assignment->state)
                .BindInt64(":create_time", rows->assignment->create_micros);
          });
      if (!status.ok()) return status;
    }
    if (mutation.completion.has_value()) {
      absl::Status status =
          WritePut(db, kCompletionSql, *mutation.completion, [&](Statement& statement) {
            statement.BindText(":client_name", rows->completion->client_name)
                .BindText(":assignment_name", rows->completion->assignment_name)
                .BindInt64(":occur_time", rows->completion->occur_micros)
                .BindInt64(":is_measure", rows->completion->is_measure ? 1 : 0);
          });
      if (!status.ok()) return status;
    }
    if (mutation.hierarchy.has_value()) {
      absl::Status status =
          WritePut(db, kHierarchySql, *mutation.hierarchy, [&](Statement& statement) {
            statement.BindText(":client_name", rows->hierarchy->client_name)
                .BindInt64(":create_time", rows->hierarchy->create_micros);
          });
      if (!status.ok()) return status;
    }
    if (mutation.practice_template.has_value()) {
      absl::Status status =
          WritePut(db, kTemplateSql, *mutation.practice_template, [&](Statement& statement) {
            statement.BindText(":practice_name", rows->practice_template->practice_name);
          });
      if (!status.ok()) return status;
    }
    if (mutation.safety_flag.has_value()) {
      const SafetyFlagRow& row = *rows->safety_flag;
      absl::Status status =
          WritePut(db, kSafetyFlagSql, *mutation.safety_flag, [&](Statement& statement) {
            statement.BindText(":practice_name", row.practice_name)
                .BindText(":client_name", row.client_name)
                .BindInt64(":raise_time", row.raise_micros)
                .BindInt64(":state", row.state)
                .BindInt64(":escalation_due", row.escalation_due_micros.value_or(
                                                  std::numeric_limits<int64_t>::max()));
          });
      if (!status.ok()) return status;
    }
    if (mutation.session.has_value()) {
      const SessionRow& row = *rows->session;
      absl::Status status = WritePut(db, kSessionSql, *mutation.session, [&](Statement& statement) {
        statement.BindText(":practice_name", row.practice_name)
            .BindText(":client_name", row.client_name)
            .BindInt64(":start_time", row.start_micros)
            .BindInt64(":state", row.state);
      });
      if (!status.ok()) return status;
    }
    // In vector order, so their sequences are too.
    for (const EventRecord& event : mutation.events) {
      absl::StatusOr<Statement> insert = db.Prepare(kInsertEvent);
      if (!insert.ok()) return insert.status();
      BindEvent(*insert, event);
      if (absl::Status status = insert->Run(); !status.ok()) return status;
    }
    {
      absl::StatusOr<Statement> insert = db.Prepare(kInsertAudit);
      if (!insert.ok()) return insert.status();
      BindAudit(*insert, mutation.audit);
      if (absl::Status status = insert->Run(); !status.ok()) return status;
    }
    return CommitOutcome::kCommitted;
  });
}

absl::StatusOr<std::vector<EventRecord>> SqliteStore::ListEvents(const EventQuery& query) {
  if (absl::Status status = CheckEventQuery(query); !status.ok()) return status;
  sqlite::ReaderPool::Lease reader = readers_->Acquire();
  absl::StatusOr<Statement> list = reader->Prepare(
      query.client_name.has_value() ? kListEventsOfClient : kListEventsOfPractice);
  if (!list.ok()) return list.status();
  list->BindText(":practice", query.practice)
      .BindInt64(":after_sequence", query.after_sequence)
      .BindInt64(":limit", query.limit);
  if (query.client_name.has_value()) list->BindText(":client", *query.client_name);
  std::vector<EventRecord> events;
  while (true) {
    absl::StatusOr<bool> row = list->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    events.push_back(EventRecord{
        .sequence = list->ColumnInt64(0),
        .practice = std::string(list->ColumnText(1)),
        .client = std::string(list->ColumnText(2)),
        // Proto3 enums are open: a type written by a newer binary passes through unchanged.
        .type = static_cast<v1::Event::Type>(list->ColumnInt64(3)),
        .resource = std::string(list->ColumnText(4)),
        .actor = std::string(list->ColumnText(5)),
        .time = absl::FromUnixMicros(list->ColumnInt64(6)),
    });
  }
  return events;
}

absl::StatusOr<int64_t> SqliteStore::LatestEventSequence() {
  sqlite::ReaderPool::Lease reader = readers_->Acquire();
  return ReadInt(*reader, kLatestEventSequence);
}

absl::Status SqliteStore::AppendAudit(const AuditRecord& record) {
  // Every read appends one. It is committed (so it survives a crash of the process) before the
  // read is answered, but does not wait for an fsync: SyncAuditPeriodically or the next durable
  // write puts it on disk.
  const sqlite::Durability durability =
      wal_fd_ >= 0 ? sqlite::Durability::kAtNextSync : sqlite::Durability::kDurable;
  return writes_
      ->Run(
          [&](Connection& db) -> absl::StatusOr<CommitOutcome> {
            absl::StatusOr<Statement> insert = db.Prepare(kInsertAudit);
            if (!insert.ok()) return insert.status();
            BindAudit(*insert, record);
            if (absl::Status status = insert->Run(); !status.ok()) return status;
            return CommitOutcome::kCommitted;
          },
          durability)
      .status();
}

absl::StatusOr<std::vector<AuditRecord>> SqliteStore::ListAudit(absl::string_view resource_prefix,
                                                                int limit) {
  std::vector<AuditRecord> records;
  if (limit <= 0) return records;
  const std::optional<std::string> prefix_end = PrefixEnd(resource_prefix);
  sqlite::ReaderPool::Lease reader = readers_->Acquire();
  absl::StatusOr<Statement> list =
      reader->Prepare(prefix_end.has_value() ? kListAuditOfPrefix : kListAuditFrom);
  if (!list.ok()) return list.status();
  list->BindText(":prefix", resource_prefix).BindInt64(":limit", limit);
  if (prefix_end.has_value()) list->BindText(":prefix_end", *prefix_end);
  while (true) {
    absl::StatusOr<bool> row = list->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    records.push_back(AuditRecord{
        .actor = std::string(list->ColumnText(1)),
        .role = std::string(list->ColumnText(2)),
        .practice = std::string(list->ColumnText(3)),
        .action = std::string(list->ColumnText(4)),
        .resource = std::string(list->ColumnText(5)),
        .call_id = std::string(list->ColumnText(6)),
        .time = absl::FromUnixMicros(list->ColumnInt64(0)),
        .outcome = std::string(list->ColumnText(7)),
    });
  }
  return records;
}

absl::StatusOr<SqliteSettings> SqliteStore::Settings() {
  absl::MutexLock lock(&write_mu_);
  SqliteSettings settings;
  absl::StatusOr<std::string> journal_mode = ReadText(*writer_, kReadJournalMode);
  if (!journal_mode.ok()) return journal_mode.status();
  settings.journal_mode = *std::move(journal_mode);
  absl::StatusOr<int64_t> synchronous = ReadInt(*writer_, kReadSynchronous);
  if (!synchronous.ok()) return synchronous.status();
  settings.synchronous = static_cast<int>(*synchronous);
  absl::StatusOr<int64_t> foreign_keys = ReadInt(*writer_, kReadForeignKeys);
  if (!foreign_keys.ok()) return foreign_keys.status();
  settings.foreign_keys = *foreign_keys != 0;
  absl::StatusOr<int64_t> schema_version = ReadInt(*writer_, kReadSchemaVersion);
  if (!schema_version.ok()) return schema_version.status();
  settings.schema_version = *schema_version;
  return settings;
}

}  // namespace therapy::homework
