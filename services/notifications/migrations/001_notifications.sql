-- Notifications: what buyers are told about their bookings. Only the
-- notifications service reads these tables.

-- The inbox: one row per thing a buyer is told. `about` is unique, so one
-- booking event (confirmed, cancelled, refunded, a hold about to expire) is
-- told once however often its message arrives.
CREATE TABLE notifications (
  id            uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  recipient_id  text        NOT NULL,
  kind          text        NOT NULL CHECK (kind IN ('booking-confirmed', 'booking-cancelled', 'refund-issued', 'hold-expiring')),
  about         text        NOT NULL UNIQUE,
  subject       text        NOT NULL,
  body          text        NOT NULL,
  link          text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  read_at       timestamptz
);
CREATE INDEX notifications_recipient ON notifications (recipient_id, created_at DESC, id DESC);

-- Deliveries through the outbound channels (email). A pending one is tried
-- at next_attempt_at; a claim pushes next_attempt_at past the attempt, so a
-- replica that dies mid-attempt leaves it to be retried, not lost.
CREATE TABLE deliveries (
  notification_id  uuid        NOT NULL REFERENCES notifications (id),
  channel          text        NOT NULL CHECK (channel IN ('email')),
  address          text,
  status           text        NOT NULL CHECK (status IN ('pending', 'sent', 'undeliverable')),
  attempts         integer     NOT NULL DEFAULT 0,
  next_attempt_at  timestamptz NOT NULL DEFAULT now(),
  last_error       text,
  sent_at          timestamptz,
  PRIMARY KEY (notification_id, channel),
  CHECK (status <> 'pending' OR address IS NOT NULL)
);
CREATE INDEX deliveries_due ON deliveries (channel, next_attempt_at) WHERE status = 'pending';

-- "Your hold expires in a minute": hold.created / hold.extended carry the
-- expiry, so the moment is known here without asking booking; the timer
-- loop tells the buyer at notify_at unless the hold was settled first
-- (booked, expired, released).
CREATE TABLE hold_timers (
  hold_id      uuid        PRIMARY KEY,
  buyer_id     text        NOT NULL,
  event_id     uuid        NOT NULL,
  expires_at   timestamptz NOT NULL,
  notify_at    timestamptz NOT NULL,
  settled_at   timestamptz
);
CREATE INDEX hold_timers_due ON hold_timers (notify_at) WHERE settled_at IS NULL;
