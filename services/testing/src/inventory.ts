import { randomUUID } from 'node:crypto';
import type pg from 'pg';

/*
 * Events seeded straight into catalog's tables, and the inventory invariants
 * checked straight in booking's: what every test of holds, checkout and the
 * onsale asserts after the fact.
 */

export interface SeededEvent {
  eventId: string;
  venueId: string;
  seatIds: string[];
  gaSectionId: string;
}

/** Creates a venue with `seats` seated places and a GA section, and an on-sale event. */
export async function seedEvent(
  pool: pg.Pool,
  options: { seats: number; gaCapacity?: number; priceCents?: number; startsInHours?: number },
): Promise<SeededEvent> {
  const venueId = randomUUID();
  const eventId = randomUUID();
  const seatedId = randomUUID();
  const gaSectionId = randomUUID();
  await pool.query(`INSERT INTO catalog.venues (id, owner_id, name, city) VALUES ($1, 'org-1', 'Test Hall', 'Lisbon')`, [venueId]);
  await pool.query(`INSERT INTO catalog.sections (id, venue_id, name, kind, category, capacity) VALUES ($1, $2, 'Stalls', 'seated', 'standard', $3)`, [
    seatedId,
    venueId,
    options.seats,
  ]);
  await pool.query(`INSERT INTO catalog.sections (id, venue_id, name, kind, category, capacity) VALUES ($1, $2, 'Floor', 'general_admission', 'floor', $3)`, [
    gaSectionId,
    venueId,
    options.gaCapacity ?? 100,
  ]);
  await pool.query(
    `INSERT INTO catalog.seats (venue_id, section_id, row_label, number, x, y, category)
     SELECT $1, $2, chr(65 + (n - 1) / 10), ((n - 1) % 10) + 1, ((n - 1) % 10) * 10, ((n - 1) / 10) * 10, 'standard' FROM generate_series(1, $3) n`,
    [venueId, seatedId, options.seats],
  );
  await pool.query(
    `INSERT INTO catalog.events (id, venue_id, owner_id, title, starts_at, ends_at) VALUES ($1, $2, 'org-1', 'Test Night', now() + make_interval(hours => $3), now() + make_interval(hours => $3 + 2))`,
    [eventId, venueId, options.startsInHours ?? 48],
  );
  await pool.query(
    `INSERT INTO catalog.price_tiers (event_id, category, price_cents, currency) VALUES ($1, 'standard', $2, 'EUR'), ($1, 'floor', 2500, 'EUR')`,
    [eventId, options.priceCents ?? 4000],
  );
  const { rows } = await pool.query<{ id: string }>('SELECT id FROM catalog.seats WHERE section_id = $1 ORDER BY row_label, number', [seatedId]);
  return { eventId, venueId, seatIds: rows.map((r) => r.id), gaSectionId };
}

/** Inventory invariants, checked straight in the database. */
export async function assertInventoryInvariants(
  pool: pg.Pool,
  eventId: string,
): Promise<{ seats: Record<string, number>; ga: { capacity: number; held: number; sold: number }[] }> {
  const problems: string[] = [];
  const soldWithoutBooking = await pool.query(
    `SELECT count(*)::int AS n FROM booking.seat_inventory si
      WHERE si.event_id = $1 AND si.status = 'sold'
        AND NOT EXISTS (SELECT 1 FROM booking.booking_seats bs WHERE bs.event_id = si.event_id AND bs.seat_id = si.seat_id AND bs.active AND bs.booking_id = si.booking_id)`,
    [eventId],
  );
  if (soldWithoutBooking.rows[0].n !== 0) problems.push(`${soldWithoutBooking.rows[0].n} sold seats without their live booking`);
  const liveWithoutSold = await pool.query(
    `SELECT count(*)::int AS n FROM booking.booking_seats bs JOIN booking.seat_inventory si ON si.event_id = bs.event_id AND si.seat_id = bs.seat_id
      WHERE bs.event_id = $1 AND bs.active AND (si.status <> 'sold' OR si.booking_id <> bs.booking_id)`,
    [eventId],
  );
  if (liveWithoutSold.rows[0].n !== 0) problems.push(`${liveWithoutSold.rows[0].n} live booked seats not marked sold`);
  const heldByInactive = await pool.query(
    `SELECT count(*)::int AS n FROM booking.seat_inventory si JOIN booking.holds h ON h.id = si.hold_id
      WHERE si.event_id = $1 AND si.status = 'held' AND h.status = 'active' AND si.held_until <> h.expires_at`,
    [eventId],
  );
  if (heldByInactive.rows[0].n !== 0) problems.push("held seats disagree with their hold's expiry");
  // Per slice: each hold and booking counts its places in the slice it names.
  const slices = await pool.query<{ section_id: string; capacity: number; held: number; sold: number; active_held: number; booked: number }>(
    `SELECT g.section_id, g.capacity, g.held, g.sold,
            COALESCE((SELECT sum(ga_quantity) FROM booking.holds h
                       WHERE h.event_id = g.event_id AND h.ga_section_id = g.section_id AND h.ga_slice = g.slice AND h.status = 'active'), 0)::int AS active_held,
            COALESCE((SELECT sum(ga_quantity) FROM booking.bookings b
                       WHERE b.event_id = g.event_id AND b.ga_section_id = g.section_id AND b.ga_slice = g.slice AND b.status = 'confirmed'), 0)::int AS booked
       FROM booking.ga_inventory g WHERE g.event_id = $1 ORDER BY g.section_id, g.slice`,
    [eventId],
  );
  const ga = new Map<string, { capacity: number; held: number; sold: number }>();
  for (const { section_id, ...row } of slices.rows) {
    if (row.held !== row.active_held) problems.push(`GA held ${row.held} != active holds ${row.active_held}`);
    if (row.sold !== row.booked) problems.push(`GA sold ${row.sold} != confirmed bookings ${row.booked}`);
    if (row.held + row.sold > row.capacity) problems.push('GA oversold');
    const section = ga.get(section_id) ?? { capacity: 0, held: 0, sold: 0 };
    ga.set(section_id, { capacity: section.capacity + row.capacity, held: section.held + row.held, sold: section.sold + row.sold });
  }
  const counts = await pool.query<{ status: string; n: number }>(
    'SELECT status, count(*)::int AS n FROM booking.seat_inventory WHERE event_id = $1 GROUP BY status',
    [eventId],
  );
  if (problems.length > 0) throw new Error(`inventory invariant broken: ${problems.join('; ')}`);
  return { seats: Object.fromEntries(counts.rows.map((r) => [r.status, r.n])), ga: [...ga.values()] };
}

/**
 * Ages holds past their expiry, as if their minutes had run out: the holds
 * and the seats they keep. `{ holdId }` for one hold, `{ eventId }` for every
 * active hold of an event.
 */
export async function lapseHolds(pool: pg.Pool, which: { holdId: string } | { eventId: string }): Promise<void> {
  const [column, id] = 'holdId' in which ? ['id', which.holdId] : ['event_id', which.eventId];
  const { rows } = await pool.query<{ id: string }>(
    `UPDATE booking.holds SET expires_at = now() - interval '1 second' WHERE ${column} = $1 AND status = 'active' RETURNING id`,
    [id],
  );
  if (rows.length === 0) throw new Error(`no active hold to lapse for ${JSON.stringify(which)}`);
  await pool.query(`UPDATE booking.seat_inventory SET held_until = now() - interval '1 second' WHERE hold_id = ANY($1::uuid[]) AND status = 'held'`, [
    rows.map((r) => r.id),
  ]);
}
