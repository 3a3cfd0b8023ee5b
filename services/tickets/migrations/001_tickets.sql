-- Tickets: one row per seat or general-admission place of each confirmed
-- booking, issued from the ticket-bookings topic. Only the tickets service
-- reads these tables.

-- The booking as the receipt shows it, copied when its tickets are issued:
-- a later rename of the event does not change a ticket already sold.
CREATE TABLE bookings (
  booking_id       uuid        PRIMARY KEY,
  reference        text        NOT NULL,
  event_id         uuid        NOT NULL,
  organization_id  text        NOT NULL,
  buyer_id         text        NOT NULL,
  buyer_name       text,
  event_title      text        NOT NULL,
  venue            text        NOT NULL,
  starts_at        timestamptz NOT NULL,
  timezone         text        NOT NULL,
  status           text        NOT NULL CHECK (status IN ('confirmed', 'cancelled')),
  issued_at        timestamptz NOT NULL DEFAULT now(),
  cancelled_at     timestamptz,
  CHECK ((status = 'cancelled') = (cancelled_at IS NOT NULL))
);
CREATE INDEX bookings_buyer ON bookings (buyer_id);

-- Revocations are numbered in the order they happen: a scanner's `since`
-- cursor is the last number it has seen.
CREATE SEQUENCE revocation_numbers;

CREATE TABLE tickets (
  id                 uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  booking_id         uuid        NOT NULL REFERENCES bookings (booking_id),
  event_id           uuid        NOT NULL,
  -- 'seat:<seat id>' or 'ga:<section id>:<n>': one ticket per place of a booking.
  place              text        NOT NULL,
  label              text        NOT NULL,
  position           integer     NOT NULL,
  revoked_at         timestamptz,
  revocation_number  bigint      UNIQUE,
  admitted_at        timestamptz,
  admitted_gate      text,
  admitted_by        text,
  UNIQUE (booking_id, place),
  CHECK ((revoked_at IS NULL) = (revocation_number IS NULL))
);
CREATE INDEX tickets_booking ON tickets (booking_id, position);
CREATE INDEX tickets_event_revocations ON tickets (event_id, revocation_number) WHERE revocation_number IS NOT NULL;
