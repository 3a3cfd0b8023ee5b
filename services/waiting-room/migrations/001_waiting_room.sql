-- Waiting rooms: the organizer's settings of each event's room. The queue
-- itself lives in Valkey/Redis (positions, admissions); this table is its
-- durable source, copied to Redis by every replica's scheduler. Booking reads
-- it (only `event_id`) to know which events require an admission pass.

CREATE TABLE rooms (
  event_id                  uuid        PRIMARY KEY,
  -- The event's organization when the room was set up (checked against catalog.events on every change).
  organization_id           text        NOT NULL,
  onsale_at                 timestamptz NOT NULL,
  -- Buyers admitted per minute; NULL: limited by concurrent shoppers alone.
  admission_per_minute      integer     CHECK (admission_per_minute BETWEEN 1 AND 1000000),
  -- Most buyers shopping (admitted, pass not yet expired) at once; NULL: no cap.
  max_concurrent_shoppers   integer     CHECK (max_concurrent_shoppers BETWEEN 1 AND 1000000),
  -- How long an admission pass lasts.
  shopping_seconds          integer     NOT NULL CHECK (shopping_seconds BETWEEN 30 AND 7200),
  -- Closed: nobody new may join; who is queued keeps the place and is still admitted.
  open                      boolean     NOT NULL DEFAULT true,
  -- Key of the random order of arrivals before the onsale (never leaves the service).
  shuffle_seed              text        NOT NULL,
  created_at                timestamptz NOT NULL DEFAULT now(),
  updated_at                timestamptz NOT NULL DEFAULT now(),
  CHECK (admission_per_minute IS NOT NULL OR max_concurrent_shoppers IS NOT NULL)
);
