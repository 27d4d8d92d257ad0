-- The records of reads are no longer indexed by resource at each commit (ADR 0026): with the
-- index on audit_log, each commit of a batch of reads' records dirtied one index page per
-- resource read, a 4 KiB WAL frame for a ~200-byte record. Now audit_log is append only in id
-- order, and the store indexes its records in bulk, a second at a time, into audit_by_resource,
-- up to audit_indexed.through. ListAudit reads the index for the records up to that id and the
-- few after it from the table itself.
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
