-- Seats the catalog closes leave booking's inventory in the catalog's own
-- transaction, decided here under booking's row locks: the catalog calls
-- retire_seats before it marks the seats closed and commits only when the
-- answer is empty. A seat sold or held (unexpired) is refused and named, and
-- nothing changes; otherwise its inventory rows (every event of the venue)
-- are removed, so a hold racing the close either got the seat first (and the
-- close is refused) or finds it gone. Rows are locked in (event_id, seat_id)
-- order: inventory first, in seat order within an event, as every writer.
CREATE INDEX event_inventory_venue ON event_inventory (venue_id);

CREATE FUNCTION retire_seats(venue uuid, seat_ids uuid[]) RETURNS uuid[]
LANGUAGE plpgsql AS $$
DECLARE
  in_use uuid[];
BEGIN
  PERFORM 1 FROM booking.seat_inventory si
    WHERE si.event_id IN (SELECT ei.event_id FROM booking.event_inventory ei WHERE ei.venue_id = venue) AND si.seat_id = ANY (seat_ids)
    ORDER BY si.event_id, si.seat_id FOR UPDATE;
  SELECT coalesce(array_agg(DISTINCT si.seat_id ORDER BY si.seat_id), '{}') INTO in_use FROM booking.seat_inventory si
    WHERE si.event_id IN (SELECT ei.event_id FROM booking.event_inventory ei WHERE ei.venue_id = venue) AND si.seat_id = ANY (seat_ids)
      AND (si.status = 'sold' OR (si.status = 'held' AND si.held_until > now()));
  IF cardinality(in_use) = 0 THEN
    DELETE FROM booking.seat_inventory si
      WHERE si.event_id IN (SELECT ei.event_id FROM booking.event_inventory ei WHERE ei.venue_id = venue) AND si.seat_id = ANY (seat_ids);
  END IF;
  RETURN in_use;
END
$$;
