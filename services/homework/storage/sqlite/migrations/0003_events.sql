-- The durable event log (storage/store.h, EventRecord): append only, written in the transaction of
-- the change it reports. `sequence` is the rowid; AUTOINCREMENT keeps the highest sequence ever
-- handed out (in sqlite_sequence), so a sequence is never reused, not even after the newest rows
-- are deleted, and a watcher that resumes after a sequence never skips a later event. Writers are
-- serialised by SQLite's write lock, so sequences increase in commit order. Carries no clinical
-- content: the resource is named, never copied. Times are microseconds since the Unix epoch.

CREATE TABLE events (
  sequence INTEGER PRIMARY KEY AUTOINCREMENT,
  practice TEXT    NOT NULL,  -- practice id
  client   TEXT    NOT NULL,  -- practices/{p}/clients/{c}
  type     INTEGER NOT NULL,  -- therapy.homework.v1.Event.Type
  resource TEXT    NOT NULL,
  actor    TEXT    NOT NULL,
  time     INTEGER NOT NULL
);
-- ListEvents of a whole practice, and of one client; oldest first after a sequence.
CREATE INDEX events_by_practice ON events (practice, sequence);
CREATE INDEX events_by_client ON events (client, sequence);
