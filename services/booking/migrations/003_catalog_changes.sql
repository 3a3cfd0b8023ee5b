-- Catalog changes booking has applied (messages of catalog-changes), so a
-- message delivered twice is applied once.
CREATE TABLE catalog_changes_applied (
  message_id  uuid        PRIMARY KEY,
  type        text        NOT NULL,
  applied_at  timestamptz NOT NULL DEFAULT now()
);
