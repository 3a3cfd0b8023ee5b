import type { Pool } from '@ticketing/platform';

/** A booking's receipt as issued, with its tickets in order. */
export interface IssuedBooking {
  bookingId: string;
  reference: string;
  eventId: string;
  organizationId: string;
  buyerId: string;
  buyerName: string | null;
  eventTitle: string;
  venue: string;
  startsAt: Date;
  timezone: string;
  status: 'confirmed' | 'cancelled';
  tickets: IssuedTicket[];
}

export interface IssuedTicket {
  id: string;
  label: string;
  revokedAt: Date | null;
  admittedAt: Date | null;
}

export async function findIssuedBooking(pool: Pool, bookingId: string): Promise<IssuedBooking | undefined> {
  const { rows } = await pool.query<{
    booking_id: string;
    reference: string;
    event_id: string;
    organization_id: string;
    buyer_id: string;
    buyer_name: string | null;
    event_title: string;
    venue: string;
    starts_at: Date;
    timezone: string;
    status: 'confirmed' | 'cancelled';
    tickets: { id: string; label: string; revoked_at: string | null; admitted_at: string | null }[];
  }>(
    `SELECT b.*, coalesce(json_agg(json_build_object('id', t.id, 'label', t.label, 'revoked_at', t.revoked_at, 'admitted_at', t.admitted_at)
                                   ORDER BY t.position) FILTER (WHERE t.id IS NOT NULL), '[]') AS tickets
       FROM tickets.bookings b LEFT JOIN tickets.tickets t ON t.booking_id = b.booking_id
      WHERE b.booking_id = $1 GROUP BY b.booking_id`,
    [bookingId],
  );
  const row = rows[0];
  if (!row) return undefined;
  const date = (value: string | null) => (value === null ? null : new Date(value));
  return {
    bookingId: row.booking_id,
    reference: row.reference,
    eventId: row.event_id,
    organizationId: row.organization_id,
    buyerId: row.buyer_id,
    buyerName: row.buyer_name,
    eventTitle: row.event_title,
    venue: row.venue,
    startsAt: row.starts_at,
    timezone: row.timezone,
    status: row.status,
    tickets: row.tickets.map((t) => ({ id: t.id, label: t.label, revokedAt: date(t.revoked_at), admittedAt: date(t.admitted_at) })),
  };
}

export type CheckInOutcome =
  | { kind: 'admitted'; ticketId: string; label: string; admittedAt: Date }
  | { kind: 'unknown' }
  | { kind: 'other-event'; eventId: string }
  | { kind: 'revoked'; revokedAt: Date }
  | { kind: 'already-admitted'; admittedAt: Date; gate: string | null };

/**
 * Admits a ticket at most once: the conditional UPDATE takes the row lock,
 * so of any number of gates scanning the same ticket at the same moment
 * exactly one sees its row change; the others then read why not.
 */
export async function checkIn(pool: Pool, input: { ticketId: string; eventId: string; gate: string | null; by: string }): Promise<CheckInOutcome> {
  const admitted = await pool.query<{ id: string; label: string; admitted_at: Date }>(
    `UPDATE tickets.tickets SET admitted_at = now(), admitted_gate = $3, admitted_by = $4
      WHERE id = $1 AND event_id = $2 AND revoked_at IS NULL AND admitted_at IS NULL RETURNING id, label, admitted_at`,
    [input.ticketId, input.eventId, input.gate, input.by],
  );
  const row = admitted.rows[0];
  if (row) return { kind: 'admitted', ticketId: row.id, label: row.label, admittedAt: row.admitted_at };
  const { rows } = await pool.query<{ event_id: string; revoked_at: Date | null; admitted_at: Date | null; admitted_gate: string | null }>(
    'SELECT event_id, revoked_at, admitted_at, admitted_gate FROM tickets.tickets WHERE id = $1',
    [input.ticketId],
  );
  const ticket = rows[0];
  if (!ticket) return { kind: 'unknown' };
  if (ticket.event_id !== input.eventId) return { kind: 'other-event', eventId: ticket.event_id };
  if (ticket.revoked_at) return { kind: 'revoked', revokedAt: ticket.revoked_at };
  return { kind: 'already-admitted', admittedAt: ticket.admitted_at!, gate: ticket.admitted_gate };
}

/** Revocations of an event's tickets after `since` (a revocation number), oldest first. */
export async function revocationsSince(pool: Pool, eventId: string, since: number, limit: number) {
  const { rows } = await pool.query<{ id: string; revoked_at: Date; revocation_number: string }>(
    `SELECT id, revoked_at, revocation_number FROM tickets.tickets
      WHERE event_id = $1 AND revocation_number > $2 ORDER BY revocation_number LIMIT $3`,
    [eventId, since, limit],
  );
  return rows.map((r) => ({ ticketId: r.id, revokedAt: r.revoked_at.toISOString(), cursor: r.revocation_number }));
}
