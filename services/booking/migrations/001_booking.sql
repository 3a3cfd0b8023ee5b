-- Booking: seat and general-admission inventory, holds, payments, bookings,
-- and the transactional outbox. This schema is the only writer of inventory.
--
-- Lock order, everywhere, to rule out deadlocks: inventory rows first
-- (seat_inventory ordered by seat_id, or the ga_inventory row), then holds
-- (ordered by id), then payments/bookings.

-- Marks an event whose inventory has been copied from the catalog.
CREATE TABLE event_inventory (
  event_id        uuid        PRIMARY KEY,
  venue_id        uuid        NOT NULL,
  initialized_at  timestamptz NOT NULL DEFAULT now()
);

-- One row per seat per event. A 'held' seat whose held_until has passed is
-- free: the next buyer may take it at once, before any sweeper runs.
CREATE TABLE seat_inventory (
  event_id     uuid        NOT NULL REFERENCES event_inventory (event_id),
  seat_id      uuid        NOT NULL,
  section_id   uuid        NOT NULL,
  category     text        NOT NULL,
  price_cents  integer     NOT NULL CHECK (price_cents >= 0),
  currency     text        NOT NULL,
  status       text        NOT NULL DEFAULT 'available' CHECK (status IN ('available', 'held', 'sold')),
  hold_id      uuid,
  held_until   timestamptz,
  booking_id   uuid,
  PRIMARY KEY (event_id, seat_id),
  CHECK (
    (status = 'available' AND hold_id IS NULL AND held_until IS NULL AND booking_id IS NULL) OR
    (status = 'held' AND hold_id IS NOT NULL AND held_until IS NOT NULL AND booking_id IS NULL) OR
    (status = 'sold' AND booking_id IS NOT NULL AND hold_id IS NULL AND held_until IS NULL)
  )
);
CREATE INDEX seat_inventory_hold ON seat_inventory (hold_id) WHERE hold_id IS NOT NULL;
CREATE INDEX seat_inventory_lapsed ON seat_inventory (held_until) WHERE status = 'held';

-- General admission: a counter per section. available = capacity - held - sold,
-- and the CHECK makes overselling impossible whatever the code does.
CREATE TABLE ga_inventory (
  event_id     uuid    NOT NULL REFERENCES event_inventory (event_id),
  section_id   uuid    NOT NULL,
  category     text    NOT NULL,
  price_cents  integer NOT NULL CHECK (price_cents >= 0),
  currency     text    NOT NULL,
  capacity     integer NOT NULL CHECK (capacity > 0),
  held         integer NOT NULL DEFAULT 0,
  sold         integer NOT NULL DEFAULT 0,
  PRIMARY KEY (event_id, section_id),
  CHECK (held >= 0 AND sold >= 0 AND held + sold <= capacity)
);

CREATE TABLE holds (
  id             uuid        PRIMARY KEY,
  event_id       uuid        NOT NULL REFERENCES event_inventory (event_id),
  buyer_id       text        NOT NULL,
  status         text        NOT NULL CHECK (status IN ('active', 'converted', 'expired', 'released')),
  end_reason     text,
  created_at     timestamptz NOT NULL DEFAULT now(),
  expires_at     timestamptz NOT NULL,
  extended_at    timestamptz,
  ended_at       timestamptz,
  amount_cents   integer     NOT NULL CHECK (amount_cents >= 0),
  currency       text        NOT NULL,
  ga_section_id  uuid,
  ga_quantity    integer     CHECK (ga_quantity > 0),
  CHECK ((ga_section_id IS NULL) = (ga_quantity IS NULL))
);
CREATE INDEX holds_lapsed ON holds (expires_at) WHERE status = 'active';
CREATE INDEX holds_ga_active ON holds (event_id, ga_section_id, expires_at) WHERE status = 'active' AND ga_section_id IS NOT NULL;

-- The seats a hold claimed, kept after it ends (to re-acquire on late payment).
CREATE TABLE hold_seats (
  hold_id      uuid    NOT NULL REFERENCES holds (id),
  event_id     uuid    NOT NULL,
  seat_id      uuid    NOT NULL,
  price_cents  integer NOT NULL,
  PRIMARY KEY (hold_id, seat_id)
);

CREATE TABLE payments (
  id            uuid        PRIMARY KEY,
  hold_id       uuid        NOT NULL REFERENCES holds (id),
  amount_cents  integer     NOT NULL,
  currency      text        NOT NULL,
  method        text        NOT NULL,
  status        text        NOT NULL CHECK (status IN ('pending', 'approved', 'declined', 'timed_out', 'refunded')),
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);
-- At most one payment in progress per hold.
CREATE UNIQUE INDEX payments_one_pending_per_hold ON payments (hold_id) WHERE status = 'pending';

CREATE TABLE bookings (
  id             uuid        PRIMARY KEY,
  reference      text        NOT NULL UNIQUE,
  hold_id        uuid        NOT NULL UNIQUE REFERENCES holds (id),
  payment_id     uuid        NOT NULL UNIQUE REFERENCES payments (id),
  event_id       uuid        NOT NULL,
  buyer_id       text        NOT NULL,
  status         text        NOT NULL CHECK (status IN ('confirmed', 'cancelled')),
  amount_cents   integer     NOT NULL,
  currency       text        NOT NULL,
  ga_section_id  uuid,
  ga_quantity    integer,
  created_at     timestamptz NOT NULL DEFAULT now(),
  cancelled_at   timestamptz
);
CREATE INDEX bookings_buyer ON bookings (buyer_id, created_at);

-- Last line of defence: a seat can be in at most one live booking.
CREATE TABLE booking_seats (
  booking_id  uuid    NOT NULL REFERENCES bookings (id),
  event_id    uuid    NOT NULL,
  seat_id     uuid    NOT NULL,
  active      boolean NOT NULL DEFAULT true,
  PRIMARY KEY (booking_id, seat_id)
);
CREATE UNIQUE INDEX booking_seats_one_live_booking_per_seat ON booking_seats (event_id, seat_id) WHERE active;

-- Transactional outbox: written in the same transaction as the change it
-- describes, relayed to Kafka by one leader, in id order.
CREATE TABLE outbox (
  id            bigserial   PRIMARY KEY,
  message_id    uuid        NOT NULL UNIQUE,
  topic         text        NOT NULL,
  message_key   text        NOT NULL,
  type          text        NOT NULL,
  payload       jsonb       NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  published_at  timestamptz
);
CREATE INDEX outbox_unpublished ON outbox (id) WHERE published_at IS NULL;
