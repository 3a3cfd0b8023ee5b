-- Live availability: every statement that changes seat or general-admission
-- inventory notifies channel 'booking_availability' with the ids of the events
-- it touched. NOTIFY is transactional: listeners (every booking replica, for
-- its open event streams) hear of a change only once it has committed, and a
-- rolled-back claim is never announced. A trigger rather than calls in the
-- code: every writer (holds, checkout, cancellations, the sweeper) is covered,
-- and a new one cannot forget it. One notification per event per statement;
-- PostgreSQL folds identical ones within a transaction.
CREATE FUNCTION notify_availability() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  event uuid;
BEGIN
  FOR event IN SELECT DISTINCT event_id FROM changed LOOP
    PERFORM pg_notify('booking_availability', event::text);
  END LOOP;
  RETURN NULL;
END;
$$;

CREATE TRIGGER seat_inventory_notify AFTER UPDATE ON seat_inventory
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION notify_availability();
CREATE TRIGGER ga_inventory_notify AFTER UPDATE ON ga_inventory
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION notify_availability();
