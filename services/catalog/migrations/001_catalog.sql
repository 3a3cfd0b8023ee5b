-- Catalog: venues and their seat maps, events (showtimes) and price tiers.
-- The booking service reads events, sections, seats and price_tiers (SELECT
-- only) to build an event's inventory when it first goes on sale.

CREATE TABLE venues (
  id          uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  owner_id    text        NOT NULL,                 -- organizer (token subject) who manages it
  name        text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  city        text        NOT NULL CHECK (length(city) BETWEEN 1 AND 100),
  address     text        NOT NULL DEFAULT '',
  timezone    text        NOT NULL DEFAULT 'UTC',
  created_at  timestamptz NOT NULL DEFAULT now()
);

-- A section is either seated (its seats are rows below) or general admission
-- (a capacity of interchangeable places, priced by its category).
CREATE TABLE sections (
  id        uuid    PRIMARY KEY DEFAULT gen_random_uuid(),
  venue_id  uuid    NOT NULL REFERENCES venues (id) ON DELETE CASCADE,
  name      text    NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  kind      text    NOT NULL CHECK (kind IN ('seated', 'general_admission')),
  category  text    NOT NULL CHECK (length(category) BETWEEN 1 AND 50), -- GA price category; seated: default category
  capacity  integer NOT NULL CHECK (capacity > 0),
  UNIQUE (venue_id, name)
);
CREATE INDEX sections_venue ON sections (venue_id);

CREATE TABLE seats (
  id          uuid    PRIMARY KEY DEFAULT gen_random_uuid(),
  venue_id    uuid    NOT NULL REFERENCES venues (id) ON DELETE CASCADE,
  section_id  uuid    NOT NULL REFERENCES sections (id) ON DELETE CASCADE,
  row_label   text    NOT NULL CHECK (length(row_label) BETWEEN 1 AND 10),
  number      integer NOT NULL CHECK (number > 0),
  x           numeric NOT NULL,  -- seat-map coordinates, venue units
  y           numeric NOT NULL,
  category    text    NOT NULL CHECK (length(category) BETWEEN 1 AND 50),
  UNIQUE (section_id, row_label, number)
);
CREATE INDEX seats_venue ON seats (venue_id);

CREATE TABLE events (
  id           uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  venue_id     uuid        NOT NULL REFERENCES venues (id),
  owner_id     text        NOT NULL,
  title        text        NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
  description  text        NOT NULL DEFAULT '',
  starts_at    timestamptz NOT NULL,
  ends_at      timestamptz NOT NULL,
  status       text        NOT NULL DEFAULT 'on_sale' CHECK (status IN ('draft', 'on_sale', 'cancelled')),
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  search       tsvector    GENERATED ALWAYS AS (to_tsvector('simple', title || ' ' || description)) STORED,
  CHECK (ends_at > starts_at)
);
-- Search orders by (starts_at, id): stable keyset pagination.
CREATE INDEX events_starts_at ON events (starts_at, id);
CREATE INDEX events_venue ON events (venue_id);
CREATE INDEX events_search ON events USING gin (search);

CREATE TABLE price_tiers (
  event_id     uuid    NOT NULL REFERENCES events (id) ON DELETE CASCADE,
  category     text    NOT NULL CHECK (length(category) BETWEEN 1 AND 50),
  price_cents  integer NOT NULL CHECK (price_cents >= 0),
  currency     text    NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  PRIMARY KEY (event_id, category)
);
