-- The schema of the homework store on PostgreSQL, equivalent to SQLite's migrations 0001-0005
-- (storage/sqlite/migrations/). Each resource is kept whole as its serialized proto (`data`)
-- beside the columns the store's queries filter and sort on; those columns are derived from the
-- proto on every write (storage/resource_rows.h) and never edited on their own. Times are
-- microseconds since the Unix epoch, as in SQLite and in the page tokens (page_token.h). Names
-- are resource names.
--
-- Every text column that is compared or sorted uses COLLATE "C": lists are in byte order
-- whatever the cluster's default collation (an ICU or glibc locale would sort "B" after "a"),
-- so page tokens and orders match the other backends, and prefix ranges are plain byte ranges.
--
-- `schema_migrations` is created by the store before it reads the version (migrations.cc).

CREATE TABLE clients (
  name          TEXT COLLATE "C" NOT NULL PRIMARY KEY,
  practice_name TEXT COLLATE "C" NOT NULL,
  create_time   BIGINT NOT NULL,
  etag          TEXT   NOT NULL,
  data          BYTEA  NOT NULL
);
-- ListClients: one practice in name order.
CREATE INDEX clients_by_practice ON clients (practice_name, name);

-- The care team of each client, for ListClients of one therapist.
CREATE TABLE client_care_team (
  member      TEXT COLLATE "C" NOT NULL,
  client_name TEXT COLLATE "C" NOT NULL REFERENCES clients (name) ON DELETE CASCADE,
  PRIMARY KEY (member, client_name)
);
CREATE INDEX client_care_team_by_client ON client_care_team (client_name);

CREATE TABLE assignments (
  name          TEXT COLLATE "C" NOT NULL PRIMARY KEY,
  practice_name TEXT COLLATE "C" NOT NULL,
  client_name   TEXT COLLATE "C" NOT NULL,
  state         INTEGER NOT NULL,
  create_time   BIGINT  NOT NULL,
  etag          TEXT    NOT NULL,
  data          BYTEA   NOT NULL
);
-- ListAssignments of one client, and of a whole practice; newest first (scanned backwards).
CREATE INDEX assignments_by_client ON assignments (client_name, create_time, name);
CREATE INDEX assignments_by_practice ON assignments (practice_name, create_time, name);

CREATE TABLE completions (
  name            TEXT COLLATE "C" NOT NULL PRIMARY KEY,
  client_name     TEXT COLLATE "C" NOT NULL,
  assignment_name TEXT COLLATE "C" NOT NULL,
  occur_time      BIGINT NOT NULL,
  etag            TEXT   NOT NULL,
  data            BYTEA  NOT NULL
);
-- ListCompletions of all of a client's assignments, and of one assignment; newest first.
CREATE INDEX completions_by_client ON completions (client_name, occur_time, name);
CREATE INDEX completions_by_assignment ON completions (assignment_name, occur_time, name);

-- Exposure hierarchies (hierarchy.proto).
CREATE TABLE hierarchies (
  name        TEXT COLLATE "C" NOT NULL PRIMARY KEY,
  client_name TEXT COLLATE "C" NOT NULL,
  create_time BIGINT NOT NULL,
  etag        TEXT   NOT NULL,
  data        BYTEA  NOT NULL
);
-- ListHierarchies: one client's, newest first (scanned backwards).
CREATE INDEX hierarchies_by_client ON hierarchies (client_name, create_time, name);

-- A practice's own templates (template.proto, `practices/{p}/templates/{t}`). The built-in
-- library (`templates/{t}`) is not stored here.
CREATE TABLE templates (
  name          TEXT COLLATE "C" NOT NULL PRIMARY KEY,
  practice_name TEXT COLLATE "C" NOT NULL,
  etag          TEXT  NOT NULL,
  data          BYTEA NOT NULL
);
-- ListTemplates: one practice's in name order.
CREATE INDEX templates_by_practice ON templates (practice_name, name);

-- Which resource an idempotent create produced, per caller, method and request id.
CREATE TABLE idempotency_keys (
  actor       TEXT   NOT NULL,
  method      TEXT   NOT NULL,
  request_id  TEXT   NOT NULL,
  result_name TEXT   NOT NULL,
  create_time BIGINT NOT NULL,
  PRIMARY KEY (actor, method, request_id)
);

-- Append only. `id` orders the records as they were written.
CREATE TABLE audit_log (
  id       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  time     BIGINT NOT NULL,
  actor    TEXT   NOT NULL,
  role     TEXT   NOT NULL,
  practice TEXT   NOT NULL,
  action   TEXT   NOT NULL,
  resource TEXT COLLATE "C" NOT NULL,
  call_id  TEXT   NOT NULL,
  outcome  TEXT   NOT NULL
);
CREATE INDEX audit_log_by_resource ON audit_log (resource, id);

-- The durable event log (storage/store.h, EventRecord): append only, written in the transaction
-- of the change it reports. `sequence` comes from the identity's sequence, which never hands a
-- number out twice (rolled back numbers leave gaps, which watchers do not mind). A sequence is
-- drawn when the row is inserted, not when it commits, so two writers could commit out of
-- sequence order; the store therefore takes a transaction-level advisory lock just before it
-- inserts events and holds it to the commit (postgres_store.cc, kLockEventLog), which makes
-- sequences follow commit order. Carries no clinical content: the resource is named, never
-- copied.
CREATE TABLE events (
  sequence BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  practice TEXT COLLATE "C" NOT NULL,  -- practice id
  client   TEXT COLLATE "C" NOT NULL,  -- practices/{p}/clients/{c}
  type     INTEGER NOT NULL,           -- therapy.homework.v1.Event.Type
  resource TEXT    NOT NULL,
  actor    TEXT    NOT NULL,
  time     BIGINT  NOT NULL
);
-- ListEvents of a whole practice, and of one client; oldest first after a sequence.
CREATE INDEX events_by_practice ON events (practice, sequence);
CREATE INDEX events_by_client ON events (client, sequence);
