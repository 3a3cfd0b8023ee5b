-- Seats and general-admission sections the catalog closes leave booking's
-- inventory in the catalog's own transaction, decided here under booking's
-- row locks: the catalog calls retire_places before it marks them closed and
-- commits only when both answers are empty. A seat sold or held (unexpired),
-- or a GA section with places held or sold, is refused and named, and nothing
-- changes; otherwise their inventory rows (every event of the venue) are
-- removed, so a hold racing the close either got there first (and the close
-- is refused) or finds them gone. Rows are locked inventory first, in
-- (event_id, seat_id) and (event_id, section_id) order, as every writer.
-- Copies of the venue's seat map into inventory (a first buyer's, an
-- import's, a new section's) share a lock on the venue that this takes
-- exclusively first (inventory.ts shareVenueCopyLock): a copy runs wholly
-- before the close (and its rows are seen and removed here) or after it
-- committed (and reads the seats as closed).
CREATE INDEX event_inventory_venue ON event_inventory (venue_id);

CREATE FUNCTION retire_places(venue uuid, seat_ids uuid[], ga_section_ids uuid[], OUT seats_in_use uuid[], OUT sections_in_use uuid[])
LANGUAGE plpgsql AS $$
DECLARE
  events uuid[];
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended('booking.venue-inventory:' || venue::text, 0));
  events := ARRAY(SELECT ei.event_id FROM booking.event_inventory ei WHERE ei.venue_id = venue);
  PERFORM 1 FROM booking.seat_inventory si WHERE si.event_id = ANY (events) AND si.seat_id = ANY (seat_ids)
    ORDER BY si.event_id, si.seat_id FOR UPDATE;
  PERFORM 1 FROM booking.ga_inventory g WHERE g.event_id = ANY (events) AND g.section_id = ANY (ga_section_ids)
    ORDER BY g.event_id, g.section_id FOR UPDATE;

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
