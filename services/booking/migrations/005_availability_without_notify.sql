-- Live availability no longer hears of changes through NOTIFY (migration 003):
-- PostgreSQL serializes the commits of all transactions that notify on one
-- cluster-wide lock, held until each commit's WAL is flushed, so every hold
-- and sale queued behind the previous one's fsync. Replicas now read the
-- events they stream once per interval (src/availability-stream.ts).
DROP TRIGGER seat_inventory_notify ON seat_inventory;
DROP TRIGGER ga_inventory_notify ON ga_inventory;
DROP FUNCTION notify_availability();
