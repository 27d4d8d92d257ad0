-- Urgent flags (safety_flag.proto), kept like hierarchies: the serialized proto in `data` beside
-- the columns the lists filter and sort on (storage/resource_rows.h, SafetyFlagRow).
-- `escalation_due` is the flag's escalation_due_time while it is open and has not escalated, and
-- the largest bigint otherwise, so the escalation scan is one index range. Times are
-- microseconds since the Unix epoch.
CREATE TABLE safety_flags (
  name           TEXT COLLATE "C" NOT NULL PRIMARY KEY,
  practice_name  TEXT COLLATE "C" NOT NULL,
  client_name    TEXT COLLATE "C" NOT NULL,
  raise_time     BIGINT NOT NULL,
  state          INTEGER NOT NULL,
  escalation_due BIGINT NOT NULL,
  etag           TEXT   NOT NULL,
  data           BYTEA  NOT NULL
);
-- ListSafetyFlags: one client's, newest first (scanned backwards).
CREATE INDEX safety_flags_by_client ON safety_flags (client_name, raise_time, name);
-- ListSafetyFlagsToEscalate: every practice's, earliest due first.
CREATE INDEX safety_flags_by_escalation_due ON safety_flags (escalation_due, name);
