-- Completions found by their id first (issue 16). A completion's id is time-ordered (NewResourceId),
-- but its name puts the client and the assignment before it, so the primary key's index on the
-- name put each new completion on its assignment's page: a batch of durable completions dirtied
-- about one page of that index per completion (a quarter of the log frames of a batch, measured
-- on 2026-12-06 from the pages of a live log). Keyed by (id, name) instead, new completions go
-- to the end of the index, a page or two per batch; the pair is unique exactly when the name is
-- (the id is the name's last segment). SQLite cannot drop a primary key, so the table is made
-- again, with its rows in their order and the same indexes.
CREATE TABLE completions_keyed_by_id (
  name            TEXT    NOT NULL,
  id              TEXT    NOT NULL,  -- the name's last segment
  client_name     TEXT    NOT NULL,
  assignment_name TEXT    NOT NULL,
  occur_time      INTEGER NOT NULL,
  etag            TEXT    NOT NULL,
  data            BLOB    NOT NULL,
  is_measure      INTEGER
);
-- rtrim strips the name's last segment (every character but '/'); what it leaves is the rest.
INSERT INTO completions_keyed_by_id
  (rowid, name, id, client_name, assignment_name, occur_time, etag, data, is_measure)
SELECT rowid, name, substr(name, length(rtrim(name, replace(name, '/', ''))) + 1), client_name,
       assignment_name, occur_time, etag, data, is_measure
FROM completions
ORDER BY rowid;
DROP TABLE completions;
ALTER TABLE completions_keyed_by_id RENAME TO completions;
CREATE UNIQUE INDEX completions_by_id ON completions (id, name);
CREATE INDEX completions_by_client ON completions (client_name, occur_time, name);
CREATE INDEX completions_by_assignment ON completions (assignment_name, occur_time, name);
CREATE INDEX completions_measures_by_client ON completions (client_name, occur_time, name)
  WHERE is_measure IS NOT 0;
