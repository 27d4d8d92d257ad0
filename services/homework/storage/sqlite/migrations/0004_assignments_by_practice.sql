-- ListAssignments of a whole practice, newest first. The per-client index cannot give that order
-- across clients (a range on client_name would read every assignment of the practice and sort
-- them for each page), so assignments get their practice as a column, derived on every write
-- like client_name (storage/resource_rows.h), and an index in the list's order.

ALTER TABLE assignments ADD COLUMN practice_name TEXT NOT NULL DEFAULT '';
-- Rows written before: client_name is "practices/{p}/clients/{c}" and ids have no '/', so the
-- practice name is client_name up to (not including) its second '/'.
UPDATE assignments
SET practice_name = substr(client_name, 1, 9 + instr(substr(client_name, 11), '/'));
CREATE INDEX assignments_by_practice ON assignments (practice_name, create_time, name);
