#include "services/homework/storage/sqlite/sqlite_store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/functional/function_ref.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/homework/storage/page_token.h"
#include "services/homework/storage/resource_rows.h"
#include "services/homework/storage/sqlite/audit/audit_journal.h"
#include "services/homework/storage/sqlite/audit/migrations.h"
#include "services/homework/storage/sqlite/checkpointer.h"
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

// Both files' logs are copied into them by a sqlite::Checkpointer (ADR 0027) on a thread of its
// own, once 10,000 frames (40 MiB of 4 KiB pages) were written since the last copy: ten times
// SQLite's default, so that a page rewritten by many commits (an index's hot leaves, the audit
// index's pages, bulk after bulk) is copied into the file once, not ten times.
constexpr int kCheckpointPages = 10'000;

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
// The audit database (ADR 0017) is written by one connection and read only by ListAudit: its
// records are appended in rowid order and rarely read, so no memory map. Its commits do not wait
// for an fsync (the store syncs its WAL every audit_sync_interval) unless the interval is zero.
// Its records are indexed by resource in bulk, a second at a time (ADR 0026), so a commit of a
// batch of reads' records writes the table's last page or two; each bulk dirties index pages
// that are rewritten in the WAL bulk after bulk, copied into the file once per kCheckpointPages
// (ADR 0024; 8 MiB of cache keeps those pages from being read back).
constexpr Sql kSetAuditWriterPragmas{"configure audit connection", R"sql(
  PRAGMA synchronous = NORMAL;
  PRAGMA cache_size = -8192;
)sql"};
constexpr Sql kSetAuditWriterPragmasDurable{"configure audit connection", R"sql(
  PRAGMA synchronous = FULL;
  PRAGMA cache_size = -8192;
)sql"};
constexpr Sql kSetAuditReaderPragmas{"configure audit read connection", R"sql(
  PRAGMA query_only = ON;
  PRAGMA cache_size = -2048;
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
constexpr Sql kAssignmentUnchanged{"check assignment read",
                                   "SELECT 1 FROM assignments WHERE name = :name AND etag = :etag"};
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

// Completions are found by (id, name), their time-ordered id first (migration 0012).
constexpr Sql kSelectCompletion{"read completion",
                                "SELECT data FROM completions WHERE id = :id AND name = :name"};
constexpr Sql kCompletionExists{"find completion",
                                "SELECT 1 FROM completions WHERE id = :id AND name = :name"};
constexpr Sql kInsertCompletion{"insert completion", R"sql(
  INSERT INTO completions
    (name, id, client_name, assignment_name, occur_time, is_measure, etag, data)
  VALUES (:name, :id, :client_name, :assignment_name, :occur_time, :is_measure, :etag, :data)
)sql"};
constexpr Sql kUpdateCompletion{"update completion", R"sql(
  UPDATE completions
  SET client_name = :client_name, assignment_name = :assignment_name, occur_time = :occur_time,
      is_measure = :is_measure, etag = :etag, data = :data
  WHERE id = :id AND name = :name AND etag = :expected_etag
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
// Along the partial index completions_measures_by_client (its condition verbatim, as
// kCaseloadEarlierMeasures; its columns in this order since migration 0010, or SQLite walks
// completions_by_client and every completion of the client).
constexpr Sql kListMeasuresOfClient{"list measure completions of client", R"sql(
  SELECT data, occur_time FROM completions
  WHERE client_name = :client_name AND is_measure IS NOT 0
    AND occur_time >= :start_time
    AND (occur_time, name) < (:after_time, :after_name)
  ORDER BY occur_time DESC, name DESC
  LIMIT :limit
)sql"};

constexpr Sql kSelectHierarchy{"read hierarchy", "SELECT data FROM hierarchies WHERE name = :name"};
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

// The same statements serve both audit tables: `audit_log` of the store's file (the records of
// changes, committed with them) and of the audit database (reads and refusals; ADR 0017). The
// store numbers records across both from one counter (:id), so that ListAudit can merge them in
// the order they were written; should another process have written a larger id to the table,
// the next one above it is taken instead.
constexpr Sql kInsertAudit{"append audit record", R"sql(
  INSERT INTO audit_log (id, time, actor, role, practice, action, resource, call_id, outcome)
  VALUES (MAX(:id, COALESCE((SELECT MAX(id) FROM audit_log), 0) + 1),
          :time, :actor, :role, :practice, :action, :resource, :call_id, :outcome)
)sql"};
// A record of the audit journal (ADR 0031) under the id it was given, which may lie below the
// newest (another process appended meanwhile); a duplicate id was committed already.
constexpr Sql kInsertJournaledAudit{"append a journaled audit record", R"sql(
  INSERT INTO audit_log (id, time, actor, role, practice, action, resource, call_id, outcome)
  VALUES (:id, :time, :actor, :role, :practice, :action, :resource, :call_id, :outcome)
)sql"};
constexpr Sql kLatestAuditId{"read latest audit id", R"sql(
  SELECT COALESCE(MAX(id), 0) FROM audit_log
)sql"};
// Resources in [:prefix, :prefix_end), that is those starting with the prefix. Each file's
// records are indexed by resource in bulk (ADR 0026): those up to audit_indexed.through are
// found through audit_by_resource, those after it (a second's worth at most) in the table. One
// statement, so one snapshot: a bulk commits its index rows and the new `through` together.
// A bulk indexed in several writes has rows in the index beyond `through` until its last write
// (or, after a crash, the next bulk) moves `through` past them: those are read from the table.
constexpr Sql kListAuditOfPrefix{"list audit records", R"sql(
  SELECT id, time, actor, role, practice, action, resource, call_id, outcome FROM audit_log
  WHERE id IN (SELECT id FROM audit_by_resource
               WHERE resource >= :prefix AND resource < :prefix_end
                 AND id <= (SELECT through FROM audit_indexed WHERE row = 1))
  UNION ALL
  SELECT id, time, actor, role, practice, action, resource, call_id, outcome FROM audit_log
  WHERE id > (SELECT through FROM audit_indexed WHERE row = 1)
    AND resource >= :prefix AND resource < :prefix_end
  ORDER BY id
  LIMIT :limit
)sql"};
// For a prefix that no string bounds from above (the empty one).
constexpr Sql kListAuditFrom{"list audit records", R"sql(
  SELECT id, time, actor, role, practice, action, resource, call_id, outcome FROM audit_log
  WHERE resource >= :prefix
  ORDER BY id
  LIMIT :limit
)sql"};
// The bulk index of either file's audit_log: the records after `through`, at most :count of them,
// are read on a reader and sorted by key, go into audit_by_resource in writes of consecutive keys
// (each index page is written once per bulk, not once per commit that touches it), and the last
// write moves `through` past them.
constexpr Sql kReadAuditIndexed{"read how far the audit index goes", R"sql(
  SELECT through FROM audit_indexed WHERE row = 1
)sql"};
constexpr Sql kNextAuditIndexEnd{"find the end of the next bulk of audit records", R"sql(
  SELECT COALESCE(MAX(id), :through)
  FROM (SELECT id FROM audit_log WHERE id > :through ORDER BY id LIMIT :count)
)sql"};
constexpr Sql kReadAuditToIndex{"read the next bulk of audit records to index", R"sql(
  SELECT resource, id FROM audit_log WHERE id > :through AND id <= :until
)sql"};
// OR IGNORE: a bulk cut short (a crash between its writes) is indexed again from `through`.
constexpr Sql kIndexAuditRecord{"index an audit record", R"sql(
  INSERT OR IGNORE INTO audit_by_resource (resource, id) VALUES (:resource, :id)
)sql"};
// Never back: a bulk that ends after a later one (two IndexAudit at once) leaves it where it is.
constexpr Sql kSetAuditIndexed{"record how far the audit index goes", R"sql(
  UPDATE audit_indexed SET through = MAX(through, :until) WHERE row = 1
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

// Every statement that looks rows up, for QueryPlans: each must walk an index, never scan a
// table or sort in a temporary b-tree, and each index of the schema must serve one of them
// (sqlite_store_test.cc checks both).
constexpr const Sql* kLookups[] = {&kSelectClient,
                                   &kClientExists,
                                   &kUpdateClient,
                                   &kDeleteCareTeam,
                                   &kListClients,
                                   &kListClientsOfMember,
                                   &kSelectAssignment,
                                   &kAssignmentExists,
                                   &kUpdateAssignment,
                                   &kListAssignments,
                                   &kListAssignmentsOfPractice,
                                   &kSelectCompletion,
                                   &kCompletionExists,
                                   &kUpdateCompletion,
                                   &kListCompletionsOfClient,
                                   &kListCompletionsOfAssignment,
                                   &kListMeasuresOfClient,
                                   &kSelectHierarchy,
                                   &kHierarchyExists,
                                   &kUpdateHierarchy,
                                   &kListHierarchies,
                                   &kSelectSafetyFlag,
                                   &kSafetyFlagExists,
                                   &kUpdateSafetyFlag,
                                   &kListSafetyFlags,
                                   &kListSafetyFlagsToEscalate,
                                   &kCaseloadClients,
                                   &kCaseloadAssignments,
                                   &kCaseloadRecentCompletions,
                                   &kCaseloadEarlierMeasures,
                                   &kCaseloadSafetyFlags,
                                   &kSelectSession,
                                   &kSessionExists,
                                   &kUpdateSession,
                                   &kListSessions,
                                   &kListSessionsOfClient,
                                   &kSelectTemplate,
                                   &kTemplateExists,
                                   &kUpdateTemplate,
                                   &kListTemplates,
                                   &kSelectIdempotentResult,
                                   &kListEventsOfPractice,
                                   &kListEventsOfClient,
                                   &kLatestEventSequence};
// And those of the audit_log of either file (the store's and the audit database).
constexpr const Sql* kAuditLookups[] = {&kListAuditOfPrefix, &kListAuditFrom,
                                        &kLatestAuditId,     &kReadAuditIndexed,
                                        &kNextAuditIndexEnd, &kReadAuditToIndex};

// The SQL of one resource kind, for the generic read and write paths below.
struct TableSql {
  absl::string_view kind;  // "client", in messages
  const Sql& select;
  const Sql& exists;
  const Sql& insert;
  const Sql& update;
  // Whether its rows are found by (id, name), the id being the name's last segment: every
  // statement above then takes :id beside :name (completions, migration 0012).
  bool keyed_by_id = false;
};
constexpr TableSql kClientSql{"client", kSelectClient, kClientExists, kInsertClient, kUpdateClient};
constexpr TableSql kAssignmentSql{"assignment", kSelectAssignment, kAssignmentExists,
                                  kInsertAssignment, kUpdateAssignment};
constexpr TableSql kCompletionSql{"completion",      kSelectCompletion, kCompletionExists,
                                  kInsertCompletion, kUpdateCompletion, /*keyed_by_id=*/true};
constexpr TableSql kHierarchySql{"hierarchy", kSelectHierarchy, kHierarchyExists, kInsertHierarchy,
                                 kUpdateHierarchy};
constexpr TableSql kTemplateSql{"template", kSelectTemplate, kTemplateExists, kInsertTemplate,
                                kUpdateTemplate};
constexpr TableSql kSafetyFlagSql{"safety flag", kSelectSafetyFlag, kSafetyFlagExists,
                                  kInsertSafetyFlag, kUpdateSafetyFlag};
constexpr TableSql kSessionSql{"session", kSelectSession, kSessionExists, kInsertSession,
                               kUpdateSession};

// ---- Conversions between rows and values. ----

// The cursor of the first page of a newest-first list: before every stored row.
constexpr int64_t kFirstPageTime = std::numeric_limits<int64_t>::max();

// Parses a stored row's `data` into `resource` (in place: a page's rows are parsed where they
// stay, not moved there).
template <typename Resource>
absl::Status ParseStoredInto(absl::string_view bytes, absl::string_view kind, Resource& resource) {
  if (!resource.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::InternalError(absl::StrCat("a stored ", kind, " cannot be parsed"));
  }
  return absl::OkStatus();
}

template <typename Resource>
absl::StatusOr<Resource> ParseStored(absl::string_view bytes, absl::string_view kind) {
  Resource resource;
  if (absl::Status parsed = ParseStoredInto(bytes, kind, resource); !parsed.ok()) return parsed;
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

void BindAudit(Statement& insert, int64_t id, const AuditRecord& record) {
  insert.BindInt64(":id", id)
      .BindInt64(":time", absl::ToUnixMicros(record.time))
      .BindText(":actor", record.actor)
      .BindText(":role", record.role)
      .BindText(":practice", record.practice)
      .BindText(":action", record.action)
      .BindText(":resource", record.resource)
      .BindText(":call_id", record.call_id)
      .BindText(":outcome", record.outcome);
}

// Appends `record` to the audit_log of `db` (either file), under `id` or past the newest.
absl::Status InsertAudit(Connection& db, int64_t id, const AuditRecord& record) {
  absl::StatusOr<Statement> insert = db.Prepare(kInsertAudit);
  if (!insert.ok()) return insert.status();
  BindAudit(*insert, id, record);
  return insert->Run();
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

// Binds the row's key: :name, and for a table keyed by id, :id (the name's last segment).
void BindKey(Statement& statement, const TableSql& table, absl::string_view name) {
  statement.BindText(":name", name);
  if (table.keyed_by_id) statement.BindText(":id", name.substr(name.rfind('/') + 1));
}

template <typename Resource>
absl::StatusOr<std::optional<Resource>> ReadResource(Connection& db, const TableSql& table,
                                                     absl::string_view name) {
  absl::StatusOr<Statement> select = db.Prepare(table.select);
  if (!select.ok()) return select.status();
  BindKey(*select, table, name);
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
  page.items.reserve(std::min<size_t>(size, 1000));  // page sizes are 1-1000 (PageRequest)
  int64_t last_time = 0;                             // the sort time of the page's last item
  while (true) {
    absl::StatusOr<bool> row = list.Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    if (page.items.size() == size) {
      page.next_page_token =
          MakePageToken(fingerprint, {.time_micros = last_time, .name = page.items.back().name()});
      break;
    }
    Resource& resource = page.items.emplace_back();
    if (absl::Status parsed = ParseStoredInto(list.ColumnBlob(0), kind, resource); !parsed.ok()) {
      return parsed;
    }
    if (has_time_column) last_time = list.ColumnInt64(1);
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

// Writes one Put inside the caller's transaction. `data` is the serialized resource (made
// before the writer's lock: Serialized below); `bind_columns` binds the row's indexed columns
// other than name, etag and data.
template <typename Resource>
absl::Status WritePut(Connection& db, const TableSql& table, const Put<Resource>& put,
                      absl::string_view data, absl::FunctionRef<void(Statement&)> bind_columns) {
  const std::string& name = put.resource.name();
  switch (put.mode) {
    case WriteMode::kInsert: {
      absl::StatusOr<Statement> insert = db.Prepare(table.insert);
      if (!insert.ok()) return insert.status();
      bind_columns(*insert);
      BindKey(*insert, table, name);
      insert->BindText(":etag", put.resource.etag()).BindBlob(":data", data);
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
        BindKey(*update, table, name);
        update->BindText(":etag", put.resource.etag())
            .BindBlob(":data", data)
            .BindText(":expected_etag", put.expected_etag);
        if (absl::Status status = update->Run(); !status.ok()) return status;
        if (update->Changes() > 0) return absl::OkStatus();
      }
      // Nothing matched: either there is no such row, or its etag moved on.
      absl::StatusOr<Statement> exists = db.Prepare(table.exists);
      if (!exists.ok()) return exists.status();
      BindKey(*exists, table, name);
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

// A resource of a mutation serialized for its `data` column; empty when the mutation has none.
template <typename Resource>
absl::StatusOr<std::string> Serialized(const std::optional<Put<Resource>>& put,
                                       absl::string_view kind) {
  std::string data;
  if (put.has_value() && !put->resource.SerializeToString(&data)) {
    return absl::InternalError(absl::StrCat("cannot serialize ", kind));
  }
  return data;
}

// Every resource of a mutation serialized, before the writer's lock is taken.
struct MutationData {
  std::string client, assignment, completion, hierarchy, practice_template, safety_flag, session;
};
absl::StatusOr<MutationData> DataOf(const Mutation& mutation) {
  MutationData data;
  const auto serialize = [](const auto& put, absl::string_view kind,
                            std::string& out) -> absl::Status {
    absl::StatusOr<std::string> bytes = Serialized(put, kind);
    if (!bytes.ok()) return bytes.status();
    out = *std::move(bytes);
    return absl::OkStatus();
  };
  for (absl::Status status :
       {serialize(mutation.client, kClientSql.kind, data.client),
        serialize(mutation.assignment, kAssignmentSql.kind, data.assignment),
        serialize(mutation.completion, kCompletionSql.kind, data.completion),
        serialize(mutation.hierarchy, kHierarchySql.kind, data.hierarchy),
        serialize(mutation.practice_template, kTemplateSql.kind, data.practice_template),
        serialize(mutation.safety_flag, kSafetyFlagSql.kind, data.safety_flag),
        serialize(mutation.session, kSessionSql.kind, data.session)}) {
    if (!status.ok()) return status;
  }
  return data;
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

namespace {

// Opens a connection for writing at `path` in WAL mode and runs `pragmas` on it.
absl::StatusOr<std::unique_ptr<Connection>> OpenWriter(const std::string& path,
                                                       absl::Duration busy_timeout,
                                                       const Sql& pragmas,
                                                       Connection::LogWrites log_writes) {
  absl::StatusOr<std::unique_ptr<Connection>> writer =
      Connection::Open(path, busy_timeout, log_writes);
  if (!writer.ok()) return writer.status();
  absl::StatusOr<std::string> journal_mode = ReadText(**writer, kSetJournalModeWal);
  if (!journal_mode.ok()) return journal_mode.status();
  if (*journal_mode != "wal") {
    return absl::FailedPreconditionError(
        absl::StrCat("SQLite: \"", path, "\" cannot use write-ahead logging (journal mode stays ",
                     *journal_mode, ")"));
  }
  if (absl::Status status = (*writer)->ExecuteScript(pragmas.purpose, pragmas.text); !status.ok()) {
    return status;
  }
  return writer;
}

absl::StatusOr<std::unique_ptr<Connection>> OpenReader(const std::string& path,
                                                       absl::Duration busy_timeout,
                                                       const Sql& pragmas) {
  absl::StatusOr<std::unique_ptr<Connection>> reader = Connection::Open(path, busy_timeout);
  if (!reader.ok()) return reader.status();
  if (absl::Status status = (*reader)->ExecuteScript(pragmas.purpose, pragmas.text); !status.ok()) {
    return status;
  }
  return reader;
}

// Locks `path`.lock for SqliteStoreOptions::only_writer: the file's descriptor, or
// FAILED_PRECONDITION when another holder has it, UNAVAILABLE when it cannot be opened.
absl::StatusOr<int> LockOnlyWriter(const std::string& path) {
  const std::string lock_path = path + ".lock";
  const int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return absl::UnavailableError(
        absl::StrCat("SQLite store: cannot open the lock file \"", lock_path, "\""));
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return absl::FailedPreconditionError(
        absl::StrCat("SQLite store: \"", path,
                     "\" is already served by another homework-server (or homework-bench seed); "
                     "one process serves a SQLite store, stop the other first"));
  }
  return fd;
}

// Commits the records of `journal` that the audit database lacks, under their ids, syncs it
// (`wal_fd`) and empties the journal; a record below how far the bulk index goes is indexed at
// once (ADR 0026). Returns the newest id the journal held (0: none).
absl::StatusOr<int64_t> ReplayAuditJournal(sqlite::AuditJournal& journal, Connection& db,
                                           int wal_fd) {
  absl::StatusOr<std::vector<std::pair<int64_t, AuditRecord>>> records = journal.Read();
  if (!records.ok()) return records.status();
  if (records->empty()) return 0;
  absl::StatusOr<sqlite::Transaction> transaction = sqlite::Transaction::BeginImmediate(db);
  if (!transaction.ok()) return transaction.status();
  absl::StatusOr<int64_t> indexed = ReadInt(db, kReadAuditIndexed);
  if (!indexed.ok()) return indexed.status();
  for (const auto& [id, record] : *records) {
    absl::StatusOr<Statement> insert = db.Prepare(kInsertJournaledAudit);
    if (!insert.ok()) return insert.status();
    BindAudit(*insert, id, record);
    absl::StatusOr<InsertResult> inserted = insert->Insert();
    if (!inserted.ok()) return inserted.status();
    if (*inserted == InsertResult::kDuplicateKey || id > *indexed) continue;
    absl::StatusOr<Statement> index = db.Prepare(kIndexAuditRecord);
    if (!index.ok()) return index.status();
    index->BindText(":resource", record.resource).BindInt64(":id", id);
    if (absl::Status status = index->Run(); !status.ok()) return status;
  }
  if (absl::Status status = transaction->Commit(); !status.ok()) return status;
  if (::fdatasync(wal_fd) != 0) {
    return absl::UnavailableError("SQLite store: syncing the audit database's log failed");
  }
  if (absl::Status status = journal.Clear(); !status.ok()) return status;
  return records->back().first;
}

}  // namespace

std::string SqliteStore::AuditPath(const SqliteStoreOptions& options) {
  return options.audit_path.empty() ? options.path + "-audit" : options.audit_path;
}

absl::StatusOr<std::unique_ptr<SqliteStore>> SqliteStore::Open(const SqliteStoreOptions& options) {
  if (options.path.empty()) {
    return absl::InvalidArgumentError("SQLite store: the database path is empty");
  }
  if (options.readers < 1 || options.readers > 64) {
    return absl::InvalidArgumentError(
        absl::StrCat("SQLite store: readers must be 1-64, not ", options.readers));
  }
  if (options.audit_sync_interval < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("SQLite store: audit_sync_interval must not be negative");
  }
  absl::StatusOr<int> only_writer_fd = options.only_writer ? LockOnlyWriter(options.path) : -1;
  if (!only_writer_fd.ok()) return only_writer_fd.status();
  // Released on every return below but the last, which hands it to the store.
  absl::Cleanup unlock = [fd = *only_writer_fd] {
    if (fd >= 0) ::close(fd);
  };
  absl::StatusOr<std::unique_ptr<Connection>> writer = OpenWriter(
      options.path, options.busy_timeout, kSetWriterPragmas, Connection::LogWrites::kBuffered);
  if (!writer.ok()) return writer.status();
  if (absl::Status status = ApplyMigrations(**writer, EmbeddedMigrations(), options.on_migration);
      !status.ok()) {
    return status;
  }
  std::vector<std::unique_ptr<Connection>> readers;
  for (int i = 0; i < options.readers; ++i) {
    absl::StatusOr<std::unique_ptr<Connection>> reader =
        OpenReader(options.path, options.busy_timeout, kSetReaderPragmas);
    if (!reader.ok()) return reader.status();
    readers.push_back(*std::move(reader));
  }

  // The audit database beside it, created on first use (an existing store keeps the records
  // it holds; ListAudit reads both).
  const std::string audit_path = AuditPath(options);
  const bool audit_waits_for_sync = options.audit_sync_interval > absl::ZeroDuration();
  absl::StatusOr<std::unique_ptr<Connection>> audit_writer =
      audit_waits_for_sync
          ? OpenWriter(audit_path, options.busy_timeout, kSetAuditWriterPragmas,
                       Connection::LogWrites::kDirect)
          : OpenWriter(audit_path, options.busy_timeout, kSetAuditWriterPragmasDurable,
                       Connection::LogWrites::kBuffered);
  if (!audit_writer.ok()) return audit_writer.status();
  // The audit database's migrations are announced as "audit/<file>", where they live.
  std::function<void(absl::string_view)> announce_audit;
  if (options.on_migration) {
    announce_audit = [&options](absl::string_view file) {
      options.on_migration(absl::StrCat("audit/", file));
    };
  }
  if (absl::Status status =
          ApplyMigrations(**audit_writer, sqlite_audit::EmbeddedMigrations(), announce_audit);
      !status.ok()) {
    return status;
  }
  absl::StatusOr<std::unique_ptr<Connection>> audit_reader =
      OpenReader(audit_path, options.busy_timeout, kSetAuditReaderPragmas);
  if (!audit_reader.ok()) return audit_reader.status();
  absl::StatusOr<int64_t> latest_audit = ReadInt(**writer, kLatestAuditId);
  if (!latest_audit.ok()) return latest_audit.status();
  absl::StatusOr<int64_t> latest_read_audit = ReadInt(**audit_writer, kLatestAuditId);
  if (!latest_read_audit.ok()) return latest_read_audit.status();

  // The audit database's WAL exists once its migrations ran; opened to fsync it.
  int audit_wal_fd = -1;
  absl::Cleanup close_audit_wal = [&audit_wal_fd] {
    if (audit_wal_fd >= 0) ::close(audit_wal_fd);
  };
  std::unique_ptr<sqlite::AuditJournal> audit_journal;
  int64_t latest_journaled_audit = 0;
  if (audit_waits_for_sync) {
    audit_wal_fd = ::open((audit_path + "-wal").c_str(), O_RDONLY | O_CLOEXEC);
    if (audit_wal_fd < 0) {
      return absl::UnavailableError(
          absl::StrCat("SQLite store: cannot open the audit database's write-ahead log \"",
                       audit_path, "-wal\""));
    }
  }
  // The journal has one owner, the only process writing the store (ADR 0031). Reads answered
  // before the last stop whose records had not reached the audit database yet are in it:
  // committed now, in id order, and synced before the journal is emptied.
  if (audit_waits_for_sync && options.only_writer) {
    absl::StatusOr<std::unique_ptr<sqlite::AuditJournal>> journal =
        sqlite::AuditJournal::Open(audit_path + "-journal");
    if (!journal.ok()) return journal.status();
    absl::StatusOr<int64_t> replayed = ReplayAuditJournal(**journal, **audit_writer, audit_wal_fd);
    if (!replayed.ok()) return replayed.status();
    latest_journaled_audit = *replayed;
    audit_journal = *std::move(journal);
  } else if (audit_waits_for_sync && std::filesystem::exists(audit_path + "-journal-0")) {
    // Another process's journal, left to it; new ids stay clear of the ones it holds.
    absl::StatusOr<std::unique_ptr<sqlite::AuditJournal>> journal =
        sqlite::AuditJournal::Open(audit_path + "-journal");
    if (!journal.ok()) return journal.status();
    absl::StatusOr<std::vector<std::pair<int64_t, AuditRecord>>> held = (*journal)->Read();
    if (!held.ok()) return held.status();
    if (!held->empty()) latest_journaled_audit = held->back().first;
  }
  std::move(close_audit_wal).Cancel();
  std::unique_ptr<SqliteStore> store(
      new SqliteStore(*std::move(writer), std::move(readers), *std::move(audit_writer),
                      *std::move(audit_reader), audit_wal_fd, std::move(audit_journal),
                      std::max({*latest_audit, *latest_read_audit, latest_journaled_audit}) + 1,
                      options.audit_sync_interval, options.on_write_batch));
  // Started once the store's locks exist; each takes the checkpoints of its file's writer.
  absl::StatusOr<std::unique_ptr<sqlite::Checkpointer>> checkpoints = sqlite::Checkpointer::Start(
      options.path, *store->writer_.get(), store->write_mu_, kCheckpointPages);
  if (!checkpoints.ok()) return checkpoints.status();
  store->checkpoints_ = *std::move(checkpoints);
  checkpoints = sqlite::Checkpointer::Start(audit_path, *store->audit_writer_.get(),
                                            store->audit_write_mu_, kCheckpointPages);
  if (!checkpoints.ok()) return checkpoints.status();
  store->audit_checkpoints_ = *std::move(checkpoints);
  std::move(unlock).Cancel();
  store->only_writer_fd_ = *only_writer_fd;
  return store;
}

SqliteStore::SqliteStore(std::unique_ptr<Connection> writer,
                         std::vector<std::unique_ptr<Connection>> readers,
                         std::unique_ptr<Connection> audit_writer,
                         std::unique_ptr<Connection> audit_reader, int audit_wal_fd,
                         std::unique_ptr<sqlite::AuditJournal> audit_journal, int64_t next_audit_id,
                         absl::Duration audit_sync_interval,
                         std::function<void(size_t)> on_write_batch)
    : writer_(std::move(writer)),
      writes_(std::make_unique<sqlite::GroupCommit<CommitOutcome>>(
          *writer_, write_mu_, CommitOutcome::kCommitted, sqlite::Durability::kDurable, 256,
          std::move(on_write_batch))),
      readers_(std::make_unique<sqlite::ReaderPool>(std::move(readers))),
      audit_writer_(std::move(audit_writer)),
      audit_writes_(std::make_unique<sqlite::GroupCommit<CommitOutcome>>(
          *audit_writer_, audit_write_mu_, CommitOutcome::kCommitted,
          audit_wal_fd >= 0 ? sqlite::Durability::kAtNextSync : sqlite::Durability::kDurable)),
      audit_reader_(std::move(audit_reader)),
      audit_wal_fd_(audit_wal_fd),
      next_audit_id_(next_audit_id),
      audit_journal_(std::move(audit_journal)) {
  if (audit_journal_ != nullptr) {
    absl::MutexLock lock(&audit_journal_mu_);
    last_journaled_ = committed_through_ = next_audit_id - 1;
    audit_committer_ = std::thread([this] { CommitJournaledAudits(); });
  }
  audit_upkeep_ = std::thread([this, audit_sync_interval] { KeepAuditUp(audit_sync_interval); });
}

void SqliteStore::KeepAuditUp(absl::Duration sync_interval) {
  const auto flush = [this]() -> absl::Status {
    if (::fdatasync(audit_wal_fd_) != 0) {
      return absl::UnavailableError("SQLite store: syncing the audit database's log failed");
    }
    return absl::OkStatus();
  };
  const bool syncs = audit_wal_fd_ >= 0;
  const absl::Duration tick =
      syncs ? std::min(sync_interval, kAuditIndexInterval) : kAuditIndexInterval;
  const auto every = [tick](absl::Duration interval) {
    return std::max<int64_t>(1, interval / tick);  // in ticks
  };
  const int64_t ticks_per_sync = every(sync_interval);
  const int64_t ticks_per_index = every(kAuditIndexInterval);
  // The audit database's log, then the journal, on disk; then the journal's file of records
  // that were committed before the first of those syncs began is emptied.
  const auto sync = [&] {
    int64_t committed = 0;
    if (audit_journal_ != nullptr) {
      absl::MutexLock lock(&audit_journal_mu_);
      committed = committed_through_;
    }
    const bool database_synced = audit_writes_->Sync(flush).ok();
    if (audit_journal_ == nullptr) return;
    // The journal is synced even when the database's sync failed: its records are on disk there.
    // Sync only reads the journal's two descriptors, which stay open as long as the journal.
    if (!std::as_const(*audit_journal_).Sync().ok() || !database_synced) return;
    absl::MutexLock lock(&audit_journal_mu_);
    audit_journal_->Release(committed).IgnoreError();
  };
  // Failures are retried at the next tick (a bulk left unindexed is still found by ListAudit).
  for (int64_t ticks = 1; !closing_.WaitForNotificationWithTimeout(tick); ++ticks) {
    if (syncs && ticks % ticks_per_sync == 0) sync();
    if (ticks % ticks_per_index == 0) IndexAudit().IgnoreError();
  }
  if (syncs) sync();
}

void SqliteStore::CommitJournaledAudits() {
  std::vector<std::pair<int64_t, AuditRecord>> batch;
  while (true) {
    {
      absl::MutexLock lock(&audit_journal_mu_);
      audit_journal_mu_.Await(absl::Condition(
          +[](SqliteStore* self) ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->audit_journal_mu_) {
            return self->stopping_commits_ || !self->journaled_.empty();
          },
          this));
      if (journaled_.empty()) return;  // stopping, and everything is in
      // Gathers more for a while (kJournaledAuditsGather): the records are already safe in the
      // journal, and their readers answered.
      audit_journal_mu_.AwaitWithTimeout(
          absl::Condition(
              +[](SqliteStore* self) ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->audit_journal_mu_) {
                return self->stopping_commits_ || self->audit_listers_waiting_ > 0 ||
                       self->journaled_.size() >= kJournaledAuditsBatch;
              },
              this),
          kJournaledAuditsGather);
      batch.swap(journaled_);
    }
    // In id order, and the next batch only once this one is in: the audit database's ids then
    // grow in commit order (ADR 0026). A failure (a full disk) is retried; meanwhile the records
    // are safe in the journal, and appends are refused beyond kMaxJournaledAudits.
    while (true) {
      const absl::Status committed =
          audit_writes_
              ->Run([&](Connection& db) -> absl::StatusOr<CommitOutcome> {
                for (const auto& [id, record] : batch) {
                  if (absl::Status status = InsertAudit(db, id, record); !status.ok()) {
                    return status;
                  }
                }
                return CommitOutcome::kCommitted;
              })
              .status();
      if (committed.ok()) break;
      absl::MutexLock lock(&audit_journal_mu_);
      // Left in the journal for the next Open, when the store closes while the database fails.
      if (audit_journal_mu_.AwaitWithTimeout(absl::Condition(&stopping_commits_),
                                             absl::Milliseconds(50))) {
        return;
      }
    }
    absl::MutexLock lock(&audit_journal_mu_);
    committed_through_ = batch.back().first;
    batch.clear();
  }
}

namespace {

// The next bulk of one file's audit records to index, read on a reader of the file (outside its
// writer's lock): `through` as it stands, and the keys after it up to `until`, sorted here (not
// by SQLite, whose sort would take a temporary b-tree) in key order.
struct AuditBulk {
  int64_t through = 0;
  int64_t until = 0;
  std::vector<std::pair<std::string, int64_t>> keys;  // (resource, id)
};

absl::StatusOr<AuditBulk> ReadAuditBulk(Connection& db) {
  AuditBulk bulk;
  absl::StatusOr<int64_t> through = ReadInt(db, kReadAuditIndexed);
  if (!through.ok()) return through.status();
  bulk.through = bulk.until = *through;
  absl::StatusOr<Statement> next = db.Prepare(kNextAuditIndexEnd);
  if (!next.ok()) return next.status();
  next->BindInt64(":through", bulk.through).BindInt64(":count", SqliteStore::kAuditIndexBulk);
  absl::StatusOr<bool> row = next->Step();
  if (!row.ok()) return row.status();
  if (*row) bulk.until = next->ColumnInt64(0);
  if (bulk.until == bulk.through) return bulk;  // nothing new
  // Records are only ever appended, with ids growing in commit order: those up to `until` are
  // committed and this reader sees them all.
  absl::StatusOr<Statement> keys = db.Prepare(kReadAuditToIndex);
  if (!keys.ok()) return keys.status();
  keys->BindInt64(":through", bulk.through).BindInt64(":until", bulk.until);
  while (true) {
    absl::StatusOr<bool> key = keys->Step();
    if (!key.ok()) return key.status();
    if (!*key) break;
    bulk.keys.emplace_back(std::string(keys->ColumnText(0)), keys->ColumnInt64(1));
  }
  std::sort(bulk.keys.begin(), bulk.keys.end());  // key order: (resource, id)
  return bulk;
}

// One write of a bulk: the index rows of `keys`, and with `until`, `through` moved to it.
absl::StatusOr<CommitOutcome> IndexAuditKeys(Connection& db,
                                             absl::Span<const std::pair<std::string, int64_t>> keys,
                                             std::optional<int64_t> until) {
  for (const auto& [resource, id] : keys) {
    absl::StatusOr<Statement> index = db.Prepare(kIndexAuditRecord);
    if (!index.ok()) return index.status();
    index->BindText(":resource", resource).BindInt64(":id", id);
    if (absl::Status status = index->Run(); !status.ok()) return status;
  }
  if (until.has_value()) {
    absl::StatusOr<Statement> advance = db.Prepare(kSetAuditIndexed);
    if (!advance.ok()) return advance.status();
    advance->BindInt64(":until", *until);
    if (absl::Status status = advance->Run(); !status.ok()) return status;
  }
  return CommitOutcome::kCommitted;
}

// Indexes `bulk` in writes of at most kAuditIndexChunk consecutive keys, each one write of the
// file's group commit, so that the writes queued meanwhile wait for a chunk, not for the bulk
// (a second of durable completions, about 9,000 records, took the writer 21-25 ms in one write).
// Consecutive keys lie on neighbouring pages: the chunks write the pages one write would have.
// The last moves `through` past the bulk.
absl::Status IndexAuditBulk(sqlite::GroupCommit<CommitOutcome>& writes, const AuditBulk& bulk) {
  const absl::Span<const std::pair<std::string, int64_t>> keys(bulk.keys);
  for (size_t begin = 0; begin < keys.size(); begin += SqliteStore::kAuditIndexChunk) {
    const absl::Span<const std::pair<std::string, int64_t>> chunk =
        keys.subspan(begin, SqliteStore::kAuditIndexChunk);
    const bool last = begin + chunk.size() == keys.size();
    absl::Status status =
        writes
            .Run([&](Connection& db) {
              return IndexAuditKeys(db, chunk, last ? std::optional(bulk.until) : std::nullopt);
            })
            .status();
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status SqliteStore::IndexAudit() {
  absl::StatusOr<AuditBulk> changes = ReadAuditBulk(*readers_->Acquire());
  absl::Status changes_indexed =
      changes.ok() ? IndexAuditBulk(*writes_, *changes) : changes.status();
  absl::StatusOr<AuditBulk> reads = [&] {
    absl::MutexLock lock(&audit_read_mu_);
    return ReadAuditBulk(*audit_reader_);
  }();
  absl::Status reads_indexed = reads.ok() ? IndexAuditBulk(*audit_writes_, *reads) : reads.status();
  return changes_indexed.ok() ? reads_indexed : changes_indexed;
}

SqliteStore::~SqliteStore() {
  if (audit_committer_.joinable()) {
    {
      absl::MutexLock lock(&audit_journal_mu_);
      stopping_commits_ = true;
    }
    audit_committer_.join();
  }
  closing_.Notify();
  if (audit_upkeep_.joinable()) audit_upkeep_.join();
  if (audit_wal_fd_ >= 0) ::close(audit_wal_fd_);
  if (only_writer_fd_ >= 0) ::close(only_writer_fd_);
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
  if (absl::Status status = CheckCompletionQuery(query); !status.ok()) return status;
  const uint64_t fingerprint = QueryFingerprint(query);
  absl::StatusOr<std::optional<PageCursor>> after =
      ReadPageToken(query.page.page_token, fingerprint);
  if (!after.ok()) return after.status();
  sqlite::ReaderPool::Lease reader = readers_->Acquire();
  absl::StatusOr<Statement> list =
      reader->Prepare(query.measures_only                 ? kListMeasuresOfClient
                      : query.assignment_name.has_value() ? kListCompletionsOfAssignment
                                                          : kListCompletionsOfClient);
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

// A mutation with everything about it that needs no database, made before the writer's lock:
// the columns (a malformed name fails here) and the serialized resources.
struct SqliteStore::PreparedMutation {
  MutationRows rows;
  MutationData data;
  int64_t idempotency_micros = 0;
};

absl::StatusOr<SqliteStore::PreparedMutation> SqliteStore::PrepareMutation(
    const Mutation& mutation) {
  absl::StatusOr<MutationRows> rows = RowsOf(mutation);
  if (!rows.ok()) return rows.status();
  absl::StatusOr<MutationData> data = DataOf(mutation);
  if (!data.ok()) return data.status();
  return PreparedMutation{.rows = *std::move(rows),
                          .data = *std::move(data),
                          .idempotency_micros = absl::ToUnixMicros(absl::Now())};
}

absl::StatusOr<CommitOutcome> SqliteStore::Commit(const Mutation& mutation) {
  absl::StatusOr<PreparedMutation> prepared = PrepareMutation(mutation);
  if (!prepared.ok()) return prepared.status();
  return writes_->Run([&](Connection& db) { return WriteMutation(db, mutation, *prepared); });
}

void SqliteStore::CommitThen(Mutation mutation, CommitDone done) {
  absl::StatusOr<PreparedMutation> prepared = PrepareMutation(mutation);
  if (!prepared.ok()) return std::move(done)(prepared.status());
  writes_->Submit([this, mutation = std::move(mutation), prepared = *std::move(prepared)](
                      Connection& db) { return WriteMutation(db, mutation, prepared); },
                  std::move(done));
}

// Runs inside a shared transaction (group_commit.h), perhaps twice: anything but kCommitted,
// error or not, undoes this mutation and leaves the other writes of the batch alone.
absl::StatusOr<CommitOutcome> SqliteStore::WriteMutation(Connection& db, const Mutation& mutation,
                                                         const PreparedMutation& prepared) {
  const MutationRows& rows = prepared.rows;
  const MutationData& data = prepared.data;
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
        .BindInt64(":create_time", prepared.idempotency_micros);
    absl::StatusOr<InsertResult> inserted = insert->Insert();
    if (!inserted.ok()) return inserted.status();
    if (*inserted == InsertResult::kDuplicateKey) return CommitOutcome::kDuplicateRequest;
  }
  if (mutation.assignment_read.has_value()) {
    absl::StatusOr<Statement> unchanged = db.Prepare(kAssignmentUnchanged);
    if (!unchanged.ok()) return unchanged.status();
    unchanged->BindText(":name", mutation.assignment_read->name)
        .BindText(":etag", mutation.assignment_read->etag);
    absl::StatusOr<bool> found = unchanged->Step();
    if (!found.ok()) return found.status();
    if (!*found) return ReadChanged(mutation.assignment_read->name);
  }
  if (mutation.client.has_value()) {
    absl::Status status =
        WritePut(db, kClientSql, *mutation.client, data.client, [&](Statement& statement) {
          statement.BindText(":practice_name", rows.client->practice_name)
              .BindInt64(":create_time", rows.client->create_micros);
        });
    if (status.ok()) status = WriteCareTeam(db, *mutation.client);
    if (!status.ok()) return status;
  }
  if (mutation.assignment.has_value()) {
    absl::Status status = WritePut(
        db, kAssignmentSql, *mutation.assignment, data.assignment, [&](Statement& statement) {
          statement.BindText(":practice_name", rows.assignment->practice_name)
              .BindText(":client_name", rows.assignment->client_name)
              .BindInt64(":state", rows.assignment->state)
              .BindInt64(":create_time", rows.assignment->create_micros);
        });
    if (!status.ok()) return status;
  }
  if (mutation.completion.has_value()) {
    absl::Status status = WritePut(
        db, kCompletionSql, *mutation.completion, data.completion, [&](Statement& statement) {
          statement.BindText(":client_name", rows.completion->client_name)
              .BindText(":assignment_name", rows.completion->assignment_name)
              .BindInt64(":occur_time", rows.completion->occur_micros)
              .BindInt64(":is_measure", rows.completion->is_measure ? 1 : 0);
        });
    if (!status.ok()) return status;
  }
  if (mutation.hierarchy.has_value()) {
    absl::Status status =
        WritePut(db, kHierarchySql, *mutation.hierarchy, data.hierarchy, [&](Statement& statement) {
          statement.BindText(":client_name", rows.hierarchy->client_name)
              .BindInt64(":create_time", rows.hierarchy->create_micros);
        });
    if (!status.ok()) return status;
  }
  if (mutation.practice_template.has_value()) {
    absl::Status status =
        WritePut(db, kTemplateSql, *mutation.practice_template, data.practice_template,
                 [&](Statement& statement) {
                   statement.BindText(":practice_name", rows.practice_template->practice_name);
                 });
    if (!status.ok()) return status;
  }
  if (mutation.safety_flag.has_value()) {
    const SafetyFlagRow& row = *rows.safety_flag;
    absl::Status status = WritePut(
        db, kSafetyFlagSql, *mutation.safety_flag, data.safety_flag, [&](Statement& statement) {
          statement.BindText(":practice_name", row.practice_name)
              .BindText(":client_name", row.client_name)
              .BindInt64(":raise_time", row.raise_micros)
              .BindInt64(":state", row.state)
              .BindInt64(":escalation_due",
                         row.escalation_due_micros.value_or(std::numeric_limits<int64_t>::max()));
        });
    if (!status.ok()) return status;
  }
  if (mutation.session.has_value()) {
    const SessionRow& row = *rows.session;
    absl::Status status =
        WritePut(db, kSessionSql, *mutation.session, data.session, [&](Statement& statement) {
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
    // The record of a change stays in the store's own file, committed with the change.
    if (absl::Status status = InsertAudit(db, next_audit_id_.fetch_add(1), mutation.audit);
        !status.ok()) {
      return status;
    }
  }
  return CommitOutcome::kCommitted;
}

absl::StatusOr<std::vector<EventRecord>> SqliteStore::ListEvents(const EventQuery& query) {
  if (absl::Status status = CheckEventQuery(query); !status.ok()) return status;
  sqlite::ReaderPool::Lease reader = readers_->Acquire();
  absl::StatusOr<Statement> list =
      reader->Prepare(query.client_name.has_value() ? kListEventsOfClient : kListEventsOfPractice);
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
  return AppendAudits({&record, 1});
}

absl::Status SqliteStore::AppendAudits(absl::Span<const AuditRecord> records) {
  // Every read appends one, to the audit database, so the store's file does not grow under its
  // readers. They survive a crash of the process before the read is answered, but do not wait
  // for an fsync: KeepAuditUp puts them on disk. With the journal (ADR 0031), they are
  // written ahead to it and committed by CommitJournaledAudits.
  if (audit_journal_ != nullptr) {
    if (records.empty()) return absl::OkStatus();
    absl::MutexLock lock(&audit_journal_mu_);
    if (journaled_.size() >= kMaxJournaledAudits) {
      return absl::UnavailableError(
          "SQLite store: the audit database is not taking records; the audit journal is full");
    }
    const int64_t first = next_audit_id_.fetch_add(static_cast<int64_t>(records.size()));
    if (absl::Status status = audit_journal_->Append(first, records); !status.ok()) {
      return status;  // the ids drawn are never used: gaps are allowed
    }
    for (size_t i = 0; i < records.size(); ++i) {
      journaled_.emplace_back(first + static_cast<int64_t>(i), records[i]);
    }
    last_journaled_ = first + static_cast<int64_t>(records.size()) - 1;
    return absl::OkStatus();
  }
  // Otherwise committed before the read is answered. The records given together are one write
  // of the group commit: all of them or none.
  return audit_writes_
      ->Run([&](Connection& db) -> absl::StatusOr<CommitOutcome> {
        for (const AuditRecord& record : records) {
          if (absl::Status status = InsertAudit(db, next_audit_id_.fetch_add(1), record);
              !status.ok()) {
            return status;
          }
        }
        return CommitOutcome::kCommitted;
      })
      .status();
}

namespace {

// Appends the records of one audit table that a list statement on `db` finds, with their ids.
absl::Status ReadAudit(Connection& db, absl::string_view resource_prefix, int limit,
                       std::vector<std::pair<int64_t, AuditRecord>>& records) {
  const std::optional<std::string> prefix_end = PrefixEnd(resource_prefix);
  absl::StatusOr<Statement> list =
      db.Prepare(prefix_end.has_value() ? kListAuditOfPrefix : kListAuditFrom);
  if (!list.ok()) return list.status();
  list->BindText(":prefix", resource_prefix).BindInt64(":limit", limit);
  if (prefix_end.has_value()) list->BindText(":prefix_end", *prefix_end);
  while (true) {
    absl::StatusOr<bool> row = list->Step();
    if (!row.ok()) return row.status();
    if (!*row) return absl::OkStatus();
    records.emplace_back(list->ColumnInt64(0),
                         AuditRecord{
                             .actor = std::string(list->ColumnText(2)),
                             .role = std::string(list->ColumnText(3)),
                             .practice = std::string(list->ColumnText(4)),
                             .action = std::string(list->ColumnText(5)),
                             .resource = std::string(list->ColumnText(6)),
                             .call_id = std::string(list->ColumnText(7)),
                             .time = absl::FromUnixMicros(list->ColumnInt64(1)),
                             .outcome = std::string(list->ColumnText(8)),
                         });
  }
}

}  // namespace

absl::StatusOr<std::vector<AuditRecord>> SqliteStore::ListAudit(absl::string_view resource_prefix,
                                                                int limit) {
  std::vector<AuditRecord> records;
  if (limit <= 0) return records;
  if (audit_journal_ != nullptr) {
    // Every record appended before this call is in the audit database first.
    absl::MutexLock lock(&audit_journal_mu_);
    struct Committed {
      const SqliteStore* store;
      int64_t through;
      bool Reached() const ABSL_NO_THREAD_SAFETY_ANALYSIS {  // under audit_journal_mu_
        return store->committed_through_ >= through;
      }
    } appended{this, last_journaled_};
    ++audit_listers_waiting_;
    const bool reached = audit_journal_mu_.AwaitWithTimeout(
        absl::Condition(&appended, &Committed::Reached), absl::Seconds(5));
    --audit_listers_waiting_;
    if (!reached) {
      return absl::UnavailableError(
          "SQLite store: the audit database is not taking records; try again");
    }
  }
  // The first `limit` of each table, merged in the order of the ids they share.
  std::vector<std::pair<int64_t, AuditRecord>> found;
  {
    sqlite::ReaderPool::Lease reader = readers_->Acquire();
    if (absl::Status status = ReadAudit(*reader, resource_prefix, limit, found); !status.ok()) {
      return status;
    }
  }
  {
    absl::MutexLock lock(&audit_read_mu_);
    if (absl::Status status = ReadAudit(*audit_reader_, resource_prefix, limit, found);
        !status.ok()) {
      return status;
    }
  }
  std::stable_sort(found.begin(), found.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  if (found.size() > static_cast<size_t>(limit)) found.resize(static_cast<size_t>(limit));
  records.reserve(found.size());
  for (auto& [id, record] : found) records.push_back(std::move(record));
  return records;
}

absl::StatusOr<std::vector<QueryPlan>> SqliteStore::QueryPlans() {
  std::vector<QueryPlan> plans;
  const auto explain = [&plans](Connection& db, const Sql& sql,
                                absl::string_view file) -> absl::Status {
    absl::StatusOr<std::vector<std::string>> steps = db.ExplainQueryPlan(sql);
    if (!steps.ok()) return steps.status();
    plans.push_back(
        {.purpose = absl::StrCat(sql.purpose, " (", file, ")"), .steps = *std::move(steps)});
    return absl::OkStatus();
  };
  {
    sqlite::ReaderPool::Lease reader = readers_->Acquire();
    for (const Sql* sql : kLookups) {
      if (absl::Status status = explain(*reader, *sql, "store"); !status.ok()) return status;
    }
    for (const Sql* sql : kAuditLookups) {
      if (absl::Status status = explain(*reader, *sql, "store"); !status.ok()) return status;
    }
  }
  absl::MutexLock lock(&audit_read_mu_);
  for (const Sql* sql : kAuditLookups) {
    if (absl::Status status = explain(*audit_reader_, *sql, "audit"); !status.ok()) {
      return status;
    }
  }
  return plans;
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
