-- Refunds are owed from the moment the transaction that decides them commits,
-- but the provider is called after commit. 'refund_pending' records the debt
-- until the provider acknowledges ('refunded'); the sweeper retries what a
-- crash or a provider outage left behind.
ALTER TABLE payments DROP CONSTRAINT payments_status_check;
ALTER TABLE payments ADD CONSTRAINT payments_status_check
  CHECK (status IN ('pending', 'approved', 'declined', 'timed_out', 'refund_pending', 'refunded'));
CREATE INDEX payments_refund_pending ON payments (updated_at) WHERE status = 'refund_pending';
CREATE INDEX payments_pending ON payments (updated_at) WHERE status = 'pending';

-- A cancelled event's remaining work: its active holds and confirmed bookings.
CREATE INDEX holds_event_active ON holds (event_id, id) WHERE status = 'active';
CREATE INDEX bookings_event_confirmed ON bookings (event_id, id) WHERE status = 'confirmed';
