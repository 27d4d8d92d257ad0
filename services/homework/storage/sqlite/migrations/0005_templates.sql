-- A practice's own templates (template.proto, `practices/{p}/templates/{t}`), kept like the
-- other resources: the serialized proto in `data` beside the columns ListTemplates filters and
-- sorts on (storage/resource_rows.h). The built-in library (`templates/{t}`) is not stored here.

CREATE TABLE templates (
  name          TEXT NOT NULL PRIMARY KEY,
  practice_name TEXT NOT NULL,
  etag          TEXT NOT NULL,
  data          BLOB NOT NULL
);
-- ListTemplates: one practice's in name order.
CREATE INDEX templates_by_practice ON templates (practice_name, name);
