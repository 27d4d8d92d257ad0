-- The records of changes in this file's audit_log are indexed by resource in bulk, as the audit
-- database's records of reads are (its migration 0002, ADR 0026): a change's commit no longer
-- writes a page of the (resource, id) index for its record (a quarter of the bytes a completion
-- wrote). The store indexes the records after audit_indexed.through once a second; ListAudit
-- reads the index for those up to it and the table for the rest. The statements are those of
-- the audit database's 0002 on purpose: each file's migrations are its own fixed history.
CREATE TABLE audit_by_resource (
  resource TEXT    NOT NULL,
  id       INTEGER NOT NULL,
  PRIMARY KEY (resource, id)
) WITHOUT ROWID;
-- One row (row 1): every record with an id up to `through` is in audit_by_resource, and no
-- record above it.
CREATE TABLE audit_indexed (
  row     INTEGER PRIMARY KEY CHECK (row = 1),
  through INTEGER NOT NULL
);
INSERT INTO audit_by_resource (resource, id)
  SELECT resource, id FROM audit_log ORDER BY resource, id;
INSERT INTO audit_indexed (row, through) SELECT 1, COALESCE(MAX(id), 0) FROM audit_log;
DROP INDEX audit_log_by_resource;
