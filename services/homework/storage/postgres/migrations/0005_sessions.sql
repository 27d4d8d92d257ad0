-- Live sessions (session.proto), kept like safety flags: the serialized proto in `data` beside
-- the columns the lists filter and sort on (storage/resource_rows.h, SessionRow). Times are
-- microseconds since the Unix epoch.
CREATE TABLE sessions (
  name          TEXT COLLATE "C" NOT NULL PRIMARY KEY,
  practice_name TEXT COLLATE "C" NOT NULL,
  client_name   TEXT COLLATE "C" NOT NULL,
  start_time    BIGINT NOT NULL,
  state         INTEGER NOT NULL,
  etag          TEXT   NOT NULL,
  data          BYTEA  NOT NULL
);
-- ListSessions: a practice's, newest first (scanned backwards).
CREATE INDEX sessions_by_practice ON sessions (practice_name, start_time, name);
-- ListSessions with a client: one client's, newest first.
CREATE INDEX sessions_by_client ON sessions (client_name, start_time, name);
