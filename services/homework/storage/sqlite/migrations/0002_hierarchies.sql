-- Exposure hierarchies (hierarchy.proto), kept like assignments: the serialized proto in `data`
-- beside the columns ListHierarchies filters and sorts on (storage/resource_rows.h).

CREATE TABLE hierarchies (
  name        TEXT    NOT NULL PRIMARY KEY,
  client_name TEXT    NOT NULL,
  create_time INTEGER NOT NULL,
  etag        TEXT    NOT NULL,
  data        BLOB    NOT NULL
);
-- ListHierarchies: one client's, newest first (scanned backwards).
CREATE INDEX hierarchies_by_client ON hierarchies (client_name, create_time, name);
