-- Partner tools: an event lifecycle, natural keys for imports, imports as
-- jobs, and an audit trail of every change that is also the outbox of the
-- catalog-changes topic. Additive for booking: it reads status and
-- starts_at as before (only 'on_sale' takes holds).

ALTER TABLE events DROP CONSTRAINT events_status_check;
ALTER TABLE events ADD CONSTRAINT events_status_check
  CHECK (status IN ('draft', 'scheduled', 'on_sale', 'paused', 'sales_closed', 'happened', 'cancelled'));
-- When a scheduled event goes on sale by itself.
ALTER TABLE events ADD COLUMN sales_open_at timestamptz;
ALTER TABLE events ADD CONSTRAINT events_scheduled_has_sales_open_at CHECK (status <> 'scheduled' OR sales_open_at IS NOT NULL);
CREATE INDEX events_lifecycle_due ON events (status, sales_open_at, starts_at, ends_at)
  WHERE status IN ('scheduled', 'on_sale', 'paused', 'sales_closed');

-- Natural keys a partner chooses (import files name venues and events by
-- them); unique per organization.
ALTER TABLE venues ADD COLUMN external_key text CHECK (length(external_key) BETWEEN 1 AND 100);
ALTER TABLE venues ADD COLUMN source_fingerprint text;
CREATE UNIQUE INDEX venues_owner_external_key ON venues (owner_id, external_key) WHERE external_key IS NOT NULL;
ALTER TABLE events ADD COLUMN external_key text CHECK (length(external_key) BETWEEN 1 AND 100);
-- What the import row that created the event said, so re-importing it is recognised as no change.
ALTER TABLE events ADD COLUMN source_fingerprint text;
CREATE UNIQUE INDEX events_owner_external_key ON events (owner_id, external_key) WHERE external_key IS NOT NULL;

-- Seats and sections can be closed after publishing (never deleted: events
-- and bookings refer to them). Booking reads only open ones for new inventory.
ALTER TABLE seats ADD COLUMN closed_at timestamptz;
ALTER TABLE sections ADD COLUMN closed_at timestamptz;

CREATE TABLE imports (
  id              uuid        PRIMARY KEY,
  owner_id        text        NOT NULL,
  created_by      text        NOT NULL,
  format          text        NOT NULL CHECK (format IN ('csv', 'jsonl')),
  mode            text        NOT NULL CHECK (mode IN ('file', 'batch')),
  batch_size      integer     NOT NULL CHECK (batch_size BETWEEN 1 AND 10000),
  content_sha256  text,
  bytes           bigint      NOT NULL DEFAULT 0,
  state           text        NOT NULL CHECK (state IN ('uploading', 'queued', 'running', 'imported', 'partially_imported', 'rejected', 'failed')),
  rows_read       integer     NOT NULL DEFAULT 0,
  rows_accepted   integer     NOT NULL DEFAULT 0,
  rows_unchanged  integer     NOT NULL DEFAULT 0,
  rows_rejected   integer     NOT NULL DEFAULT 0,
  rows_skipped    integer     NOT NULL DEFAULT 0,
  -- Last line whose batch is committed: a resumed job starts after it.
  committed_line  integer     NOT NULL DEFAULT 0,
  attempts        integer     NOT NULL DEFAULT 0,
  error           text,
  lease_owner     text,
  lease_until     timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now(),
  started_at      timestamptz,
  finished_at     timestamptz
);
CREATE INDEX imports_runnable ON imports (created_at) WHERE state IN ('queued', 'running');

-- The uploaded file, as received, in order: jobs read it back as a stream.
CREATE TABLE import_chunks (
  import_id  uuid    NOT NULL REFERENCES imports (id) ON DELETE CASCADE,
  seq        integer NOT NULL,
  data       bytea   NOT NULL,
  PRIMARY KEY (import_id, seq)
);

CREATE TABLE import_rejections (
  import_id  uuid    NOT NULL REFERENCES imports (id) ON DELETE CASCADE,
  line       integer NOT NULL,
  field      text    NOT NULL,
  reason     text    NOT NULL,
  PRIMARY KEY (import_id, line, field)
);

-- Every change to venues and events: who, when, what. Also the outbox of
-- the catalog-changes topic (relayed in id order, then marked published).
CREATE TABLE changes (
  id            bigserial   PRIMARY KEY,
  message_id    uuid        NOT NULL UNIQUE,
  occurred_at   timestamptz NOT NULL DEFAULT now(),
  actor         text        NOT NULL,              -- token subject, or 'system' for the lifecycle clock
  owner_id      text        NOT NULL,
  entity        text        NOT NULL CHECK (entity IN ('venue', 'event', 'import')),
  entity_id     uuid        NOT NULL,
  type          text        NOT NULL,
  data          jsonb       NOT NULL,
  published_at  timestamptz
);
CREATE INDEX changes_entity ON changes (entity_id, id);
CREATE INDEX changes_unpublished ON changes (id) WHERE published_at IS NULL;
