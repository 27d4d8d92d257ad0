-- The attention list reads a therapist's whole caseload at once (Store::ReadCaseload): the recent
-- completions of every kind, and before them only the outcome-measure completions, whose first
-- total is each measure's baseline. `is_measure` (1 or 0) says whether a completion carries a
-- measure response, derived on every write (storage/resource_rows.h, CompletionRow). Rows
-- written before this migration hold NULL (the proto is opaque to SQL): they are read as
-- possible measures and kept only when they are. As SQLite's migration 0008.
ALTER TABLE completions ADD COLUMN is_measure INTEGER;

-- ReadCaseload's measures before its window: one short index range per client, holding only
-- measures (and rows of unknown kind), not the year of daily practice beside them.
CREATE INDEX completions_measures_by_client ON completions (client_name, occur_time)
  WHERE is_measure IS DISTINCT FROM 0;
