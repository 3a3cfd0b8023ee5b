-- Analytics store: sales windows per event (stream job state), the
-- partition watermarks and consumed offsets committed with them, the outbox
-- of analytics-results, and the per-booking sales facts the partner reports
-- read. Written only by the stream job (src/stream-job.ts).

-- Consumed offsets of ticket-bookings, committed in the same transaction as
-- the window state they produced (services/platform/src/stored-offsets.ts).
CREATE TABLE consumer_offsets (
  consumer     text    NOT NULL,
  topic        text    NOT NULL,
  partition    integer NOT NULL,
  next_offset  bigint  NOT NULL,
  PRIMARY KEY (consumer, topic, partition)
);

-- Event-time watermark of each partition: the latest occurredAt read on it.
CREATE TABLE partition_watermarks (
  topic      text        NOT NULL,
  partition  integer     NOT NULL,
  watermark  timestamptz NOT NULL,
  PRIMARY KEY (topic, partition)
);

-- Ids of the ticket-bookings messages already counted (delivery is at least once).
CREATE TABLE counted_messages (
  message_id  uuid        PRIMARY KEY,
  counted_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX counted_messages_counted_at ON counted_messages (counted_at);

-- One 1-minute tumbling window of one event, on event time.
CREATE TABLE sales_windows (
  event_id           uuid        NOT NULL,
  window_start       timestamptz NOT NULL,
  revision           integer     NOT NULL,
  tickets_sold       integer     NOT NULL DEFAULT 0,
  tickets_cancelled  integer     NOT NULL DEFAULT 0,
  cancellations      integer     NOT NULL DEFAULT 0,
  holds_created      integer     NOT NULL DEFAULT 0,
  holds_converted    integer     NOT NULL DEFAULT 0,
  revenue            jsonb       NOT NULL DEFAULT '{}',  -- currency -> cents of confirmed bookings
  refunds            jsonb       NOT NULL DEFAULT '{}',  -- currency -> cents of cancelled bookings
  late_messages      integer     NOT NULL DEFAULT 0,     -- counted after the watermark passed the window's end
  too_late_messages  integer     NOT NULL DEFAULT 0,     -- arrived after the allowed lateness: not in the figures above
  watermark          timestamptz NOT NULL,               -- the partition's watermark after the latest update
  PRIMARY KEY (event_id, window_start)
);

-- analytics-results waiting to be published (one row per window revision).
CREATE TABLE results_outbox (
  id            bigserial   PRIMARY KEY,
  event_id      uuid        NOT NULL,
  payload       jsonb       NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  published_at  timestamptz
);
CREATE INDEX results_outbox_unpublished ON results_outbox (id) WHERE published_at IS NULL;

-- What the reports group by, copied from the catalog when an event is first seen.
CREATE TABLE event_facts (
  event_id         uuid        PRIMARY KEY,
  organization_id  text        NOT NULL,
  title            text        NOT NULL,
  venue_id         uuid        NOT NULL,
  venue_name       text        NOT NULL,
  city             text        NOT NULL,
  starts_at        timestamptz NOT NULL
);

-- One row per booking; a cancelled booking keeps its row with cancelled_at.
CREATE TABLE sales (
  booking_id       uuid        PRIMARY KEY,
  event_id         uuid        NOT NULL,
  organization_id  text,                    -- NULL while the catalog does not know the event
  venue_id         uuid,
  city             text,
  buyer_id         text        NOT NULL,
  currency         text        NOT NULL,
  amount_cents     bigint      NOT NULL,
  tickets          integer     NOT NULL,
  confirmed_at     timestamptz,
  cancelled_at     timestamptz,
  -- Stored so the monthly report reads it from its index alone (an expression index cannot serve an index-only scan).
  confirmed_month  date GENERATED ALWAYS AS ((date_trunc('month', confirmed_at AT TIME ZONE 'UTC'))::date) STORED
);
-- Each report reads only its organization's live bookings, from the index alone.
CREATE INDEX sales_by_venue ON sales (organization_id, venue_id, currency) INCLUDE (amount_cents, tickets) WHERE cancelled_at IS NULL;
CREATE INDEX sales_by_city ON sales (organization_id, city, currency) INCLUDE (amount_cents, tickets) WHERE cancelled_at IS NULL;
CREATE INDEX sales_by_month ON sales (organization_id, confirmed_month, currency) INCLUDE (amount_cents, tickets) WHERE cancelled_at IS NULL;
CREATE INDEX sales_by_buyer ON sales (organization_id, buyer_id) WHERE cancelled_at IS NULL;

-- Live bookings per buyer and organization, kept by the stream job with every sale it records
-- (grouping all of a large organization's bookings by buyer per request would take too long).
CREATE TABLE buyer_sales (
  organization_id  text        NOT NULL,
  buyer_id         text        NOT NULL,
  bookings         integer     NOT NULL CHECK (bookings > 0),
  tickets          integer     NOT NULL,
  first_booking_at timestamptz NOT NULL,
  last_booking_at  timestamptz NOT NULL,
  PRIMARY KEY (organization_id, buyer_id)
);
CREATE INDEX buyer_sales_repeat ON buyer_sales (organization_id, bookings DESC, buyer_id) WHERE bookings >= 2;
CREATE INDEX sales_by_event ON sales (organization_id, event_id, currency) INCLUDE (amount_cents, tickets) WHERE cancelled_at IS NULL;
CREATE INDEX sales_event ON sales (event_id);
CREATE INDEX event_facts_venue ON event_facts (venue_id);

-- a + b of two currency -> cents objects.
CREATE FUNCTION add_cents(a jsonb, b jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
  SELECT coalesce(jsonb_object_agg(key, total), '{}'::jsonb)
    FROM (SELECT key, sum(value::bigint) AS total FROM (SELECT * FROM jsonb_each_text(a) UNION ALL SELECT * FROM jsonb_each_text(b)) e GROUP BY key) s
$$;
