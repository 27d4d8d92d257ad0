-- The audit database: a SQLite file of its own beside the store's (<store>-audit; ADR 0017)
-- holding the audit records of reads and refused calls, the bulk of the trail. The records of
-- changes stay in the store's own `audit_log`, committed in the same transaction as the change;
-- the store numbers the records of both tables from one counter, so `id` orders the whole trail.
-- Append only: the service never updates or deletes a row. Carries no clinical content: the
-- resource is named, never copied. Times are microseconds since the Unix epoch.
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
-- ListAudit: the records of a resource name prefix (a client, a practice), in id order.
CREATE INDEX audit_log_by_resource ON audit_log (resource, id);
