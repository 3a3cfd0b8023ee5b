-- Closing seats or sections is about the events still to come. A seat sold for
-- an event that is over (or was cancelled) no longer stands in the way of
-- closing it, and that event's inventory, its record of what was sold, is
-- left as it is. Otherwise as in 007 (slices locked in slice order, as
-- inventory.ts lockGa does).
CREATE OR REPLACE FUNCTION retire_places(venue uuid, seat_ids uuid[], ga_section_ids uuid[], OUT seats_in_use uuid[], OUT sections_in_use uuid[])
LANGUAGE plpgsql AS $$
DECLARE
  events uuid[];
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended('booking.venue-inventory:' || venue::text, 0));
  events := ARRAY(
    SELECT ei.event_id FROM booking.event_inventory ei JOIN catalog.events e ON e.id = ei.event_id
     WHERE ei.venue_id = venue AND e.status <> 'cancelled' AND e.ends_at > now());
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
