-- A general-admission section's places are split into slices, each a row with
-- its own counters: every hold and sale of a section used to update its one
-- row, so they queued on it one commit at a time (80-87 % of the benchmark's
-- GA sessions waited on it). A hold now claims an unlocked slice with room
-- (FOR UPDATE SKIP LOCKED) and remembers it; its sale, release or expiry
-- changes only that slice. Capacity moves between slices (their sum never
-- changes) when a request fits in none alone (inventory.ts, sliceWithRoom).
-- Readers see a section as the sum of its slices (ga_sections below).

-- The slices a section of `places` starts with: one per 50 places, at most 16.
CREATE FUNCTION ga_slices(places integer) RETURNS TABLE (slice smallint, capacity integer)
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT i::smallint, places / n + (i < places % n)::int
    FROM (SELECT least(16, greatest(1, places / 50)) AS n) c, generate_series(0, c.n - 1) AS i
$$;

ALTER TABLE ga_inventory ADD COLUMN slice smallint NOT NULL DEFAULT 0 CHECK (slice >= 0);
ALTER TABLE ga_inventory ALTER COLUMN slice DROP DEFAULT;
ALTER TABLE ga_inventory DROP CONSTRAINT ga_inventory_pkey, ADD PRIMARY KEY (event_id, section_id, slice);
-- A slice whose capacity moved to others may be empty.
ALTER TABLE ga_inventory DROP CONSTRAINT ga_inventory_capacity_check, ADD CONSTRAINT ga_inventory_capacity_check CHECK (capacity >= 0);

ALTER TABLE holds ADD COLUMN ga_slice smallint;
UPDATE holds SET ga_slice = 0 WHERE ga_section_id IS NOT NULL;
ALTER TABLE holds ADD CHECK ((ga_section_id IS NULL) = (ga_slice IS NULL));
ALTER TABLE bookings ADD COLUMN ga_slice smallint;
UPDATE bookings SET ga_slice = 0 WHERE ga_section_id IS NOT NULL;
ALTER TABLE bookings ADD CHECK ((ga_section_id IS NULL) = (ga_slice IS NULL));

-- Sections already on sale: their free places are split as a new section's
-- would be; slice 0 keeps what is held and sold.
INSERT INTO ga_inventory (event_id, section_id, slice, category, price_cents, currency, capacity)
SELECT g.event_id, g.section_id, s.slice, g.category, g.price_cents, g.currency, s.capacity
  FROM ga_inventory g CROSS JOIN LATERAL ga_slices(g.capacity - g.held - g.sold) s
 WHERE g.slice = 0 AND s.slice > 0;
UPDATE ga_inventory g
   SET capacity = g.capacity - (SELECT sum(o.capacity) FROM ga_inventory o WHERE o.event_id = g.event_id AND o.section_id = g.section_id AND o.slice > 0)
 WHERE g.slice = 0 AND EXISTS (SELECT 1 FROM ga_inventory o WHERE o.event_id = g.event_id AND o.section_id = g.section_id AND o.slice > 0);

-- A section as readers see it: the sum of its slices (category and price are every slice's).
CREATE VIEW ga_sections AS
SELECT event_id, section_id, category, price_cents, currency,
       sum(capacity)::int AS capacity, sum(held)::int AS held, sum(sold)::int AS sold
  FROM ga_inventory
 GROUP BY event_id, section_id, category, price_cents, currency;

-- Slices are locked in slice order, as inventory.ts lockGa does.
CREATE OR REPLACE FUNCTION retire_places(venue uuid, seat_ids uuid[], ga_section_ids uuid[], OUT seats_in_use uuid[], OUT sections_in_use uuid[])
LANGUAGE plpgsql AS $$
DECLARE
  events uuid[];
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended('booking.venue-inventory:' || venue::text, 0));
  events := ARRAY(SELECT ei.event_id FROM booking.event_inventory ei WHERE ei.venue_id = venue);
  PERFORM 1 FROM booking.seat_inventory si WHERE si.event_id = ANY (events) AND si.seat_id = ANY (seat_ids)
    ORDER BY si.event_id, si.seat_id FOR UPDATE;
  PERFORM 1 FROM booking.ga_inventory g WHERE g.event_id = ANY (events) AND g.section_id = ANY (ga_section_ids)
    ORDER BY g.event_id, g.section_id, g.slice FOR UPDATE;

  SELECT coalesce(array_agg(DISTINCT si.seat_id ORDER BY si.seat_id), '{}') INTO seats_in_use FROM booking.seat_inventory si
   WHERE si.event_id = ANY (events) AND si.seat_id = ANY (seat_ids) AND (si.status = 'sold' OR (si.status = 'held' AND si.held_until > now()));
  SELECT coalesce(array_agg(DISTINCT g.section_id ORDER BY g.section_id), '{}') INTO sections_in_use FROM booking.ga_inventory g
   WHERE g.event_id = ANY (events) AND g.section_id = ANY (ga_section_ids) AND (g.held > 0 OR g.sold > 0);

  IF cardinality(seats_in_use) = 0 AND cardinality(sections_in_use) = 0 THEN
    DELETE FROM booking.seat_inventory si WHERE si.event_id = ANY (events) AND si.seat_id = ANY (seat_ids);
    DELETE FROM booking.ga_inventory g WHERE g.event_id = ANY (events) AND g.section_id = ANY (ga_section_ids);
  END IF;
END
$$;
