-- Additive only: the booking service reads the tables of 001 as they are.

-- Sections keep the order the organizer gave them (seat maps render in it).
ALTER TABLE sections ADD COLUMN position integer NOT NULL DEFAULT 0;

-- Buyer search: city is matched case-insensitively, and most searches ask
-- for one status ordered by (starts_at, id) (keyset pagination).
CREATE INDEX venues_city_lower ON venues (lower(city));
CREATE INDEX events_status_starts_at ON events (status, starts_at, id);
