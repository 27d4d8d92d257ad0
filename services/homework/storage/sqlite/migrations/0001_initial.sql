-- The first schema of the homework store. Each resource is kept whole as its serialized proto
-- (`data`) beside the columns the store's queries filter and sort on; those columns are derived
-- from the proto on every write (storage/resource_rows.h) and never edited on their own.
-- Times are microseconds since the Unix epoch. Names are resource names.

CREATE TABLE clients (
  name          TEXT    NOT NULL PRIMARY KEY,
  practice_name TEXT    NOT NULL,
  create_time   INTEGER NOT NULL,
  etag          TEXT    NOT NULL,
  data          BLOB    NOT NULL
);
-- ListClients: one practice in name order.
CREATE INDEX clients_by_practice ON clients (practice_name, name);

-- The care team of each client, for ListClients of one therapist.
CREATE TABLE client_care_team (
  member      TEXT NOT NULL,
  client_name TEXT NOT NULL REFERENCES clients (name) ON DELETE CASCADE,
  PRIMARY KEY (member, client_name)
) WITHOUT ROWID;
CREATE INDEX client_care_team_by_client ON client_care_team (client_name);

CREATE TABLE assignments (
  name        TEXT    NOT NULL PRIMARY KEY,
  client_name TEXT    NOT NULL,
  state       INTEGER NOT NULL,
  create_time INTEGER NOT NULL,
  etag        TEXT    NOT NULL,
  data        BLOB    NOT NULL
);
-- ListAssignments: one client's, newest first (scanned backwards).
CREATE INDEX assignments_by_client ON assignments (client_name, create_time, name);

CREATE TABLE completions (
  name            TEXT    NOT NULL PRIMARY KEY,
  client_name     TEXT    NOT NULL,
  assignment_name TEXT    NOT NULL,
  occur_time      INTEGER NOT NULL,
  etag            TEXT    NOT NULL,
  data            BLOB    NOT NULL
);
-- ListCompletions of all of a client's assignments, and of one assignment; newest first.
CREATE INDEX completions_by_client ON completions (client_name, occur_time, name);
CREATE INDEX completions_by_assignment ON completions (assignment_name, occur_time, name);

-- Which resource an idempotent create produced, per caller, method and request id.
CREATE TABLE idempotency_keys (
  actor       TEXT    NOT NULL,
  method      TEXT    NOT NULL,
  request_id  TEXT    NOT NULL,
  result_name TEXT    NOT NULL,
  create_time INTEGER NOT NULL,
  PRIMARY KEY (actor, method, request_id)
) WITHOUT ROWID;

-- Append only. `id` orders the records as they were written.
CREATE TABLE audit_log (
  id       INTEGER PRIMARY KEY,
  time     INTEGER NOT NULL,
  actor    TEXT    NOT NULL,
  role     TEXT    NOT NULL,
  practice TEXT    NOT NULL,
  action   TEXT    NOT NULL,
  resource TEXT    NOT NULL,
  call_id  TEXT    NOT NULL,
  outcome  TEXT    NOT NULL
);
CREATE INDEX audit_log_by_resource ON audit_log (resource, id);
